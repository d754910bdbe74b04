// The IMAP command grammar: turns one complete command (a Frame assembled by
// the Receiver: its lines and its literals) into a typed Command. One parse_*
// function per command family lives in its own parse_*.cpp beside this file.
// Thread rules: pure functions; a Frame is owned by one caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "imap/proto/command.hpp"

namespace postino::imap {

inline constexpr size_t kMaxNestingDepth = 32;  // parenthesised lists (SEARCH, FETCH, ...)
inline constexpr size_t kMaxArguments = 10000;  // tokens in one command

// One command as framed: the text of its lines without CRLF, where each
// literal's "{n}" (or "~{n}") is followed directly by the text after the
// literal; the literal bytes themselves are in `literals`, in order.
struct Frame {
  std::string text;
  std::vector<std::string> literals;
  std::vector<size_t> literal_at;  // offset in text just after each literal's "}"
};

struct ParseError {
  enum class Kind {
    syntax,            // reply "<tag> BAD ..." (or "* BAD" without a tag)
    too_big,           // a literal over its limit: "<tag> BAD [TOOBIG] ..."
    line_too_long,     // a line over the line limit
    command_too_long,  // the whole command over its limit
  };
  std::optional<std::string> tag;  // when the command started with a valid tag
  std::string message;             // for the human-readable reply text
  Kind kind = Kind::syntax;
  uint64_t literal_size = 0;  // for too_big
  bool operator==(const ParseError&) const = default;
};

using ParseResult = std::variant<Command, ParseError>;

// Parses a complete command; literal bytes are moved out of the frame.
ParseResult parse_command(Frame& frame);

}  // namespace postino::imap
