// Receiver: the incremental IMAP command reader. No I/O: the session feeds
// the bytes it read and calls next() until it answers NeedMore. next() answers
//   NeedMore     - read more bytes and feed() them;
//   NeedLiteral  - a literal of `size` bytes comes next; for a synchronizing
//                  one the session sends "+ Ready" first (RFC 9051 §7.5);
//                  a non-synchronizing one (RFC 7888) needs no reply;
//   Command      - one complete, parsed command;
//   ParseError   - the command was bad or too big; the receiver has already
//                  resynchronised and the next next() reads the next command;
//   Line         - only after expect_line(): one raw line (IDLE's "DONE",
//                  an AUTHENTICATE response).
// Limits: every line, literal and command has a bound (ReceiverLimits). A
// literal over its bound is refused BEFORE its bytes are read: ParseError with
// kind too_big (reply "BAD [TOOBIG]" or "NO [TOOBIG]"); a synchronizing
// literal's bytes never come, a non-synchronizing one's are discarded.
// Literal bytes are copied once, from feed() into the string that the parsed
// command then owns (AppendMessage::data), never twice; the string is sized
// once from the literal's announced length (bounded by the limits).
// Buffering: the receiver holds at most one line (max_line_bytes) beyond the
// literal being read, provided the session drains next() until NeedMore
// before each feed() of at most one socket read. After a ParseError of kind
// line_too_long / command_too_long / too_big the rest of that command is
// skipped, including any non-synchronizing literal it announced.
// Thread rules: one Receiver per connection, used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/limits.hpp"
#include "imap/proto/command.hpp"
#include "imap/proto/parser.hpp"

namespace postino::imap {

inline constexpr size_t kMaxLineBytes = 64u << 10;      // one line, without CRLF
inline constexpr size_t kMaxLiteralBytes = 64u << 10;   // a literal in any command but APPEND
inline constexpr size_t kMaxCommandBytes = 1u << 20;    // lines + non-APPEND literals
inline constexpr size_t kMaxLiteralsPerCommand = 1000;  // e.g. MULTIAPPEND messages
inline constexpr uint64_t kLiteralMinusMax = 4096;      // RFC 7888 §5 LITERAL- bound

struct ReceiverLimits {
  size_t max_line_bytes = kMaxLineBytes;
  size_t max_literal_bytes = kMaxLiteralBytes;
  size_t max_append_literal_bytes = limits::kMaxMessageBytes;  // set to the max message size
  size_t max_command_bytes = kMaxCommandBytes;
  size_t max_literals = kMaxLiteralsPerCommand;
  // Non-synchronizing literals above this are refused: kLiteralMinusMax for
  // LITERAL-, unlimited (beyond the bounds above) for LITERAL+.
  uint64_t max_nonsync_literal_bytes = UINT64_MAX;
};

struct NeedMore {
  bool operator==(const NeedMore&) const = default;
};
struct NeedLiteral {
  uint64_t size = 0;
  bool synchronizing = true;
  bool operator==(const NeedLiteral&) const = default;
};
struct Line {
  std::string text;  // without CRLF
  bool operator==(const Line&) const = default;
};

using Event = std::variant<NeedMore, NeedLiteral, Command, ParseError, Line>;

struct LiteralMarker {  // "{n}" / "{n+}" at the end of a line
  uint64_t size = 0;
  bool sync = true;
};

class Receiver {
 public:
  explicit Receiver(ReceiverLimits limits = {});

  void feed(std::string_view bytes);
  Event next();

  // The next line is returned raw as a Line event (IDLE "DONE", SASL data).
  void expect_line() { want_line_ = true; }
  // Bytes fed but not consumed yet: hand them to the TLS or DEFLATE layer
  // after STARTTLS / COMPRESS (RFC 9051 §6.2.1 says to discard them after
  // STARTTLS: call clear()).
  std::string take_buffered();
  void clear();
  const ReceiverLimits& limits() const { return limits_; }
  void set_limits(const ReceiverLimits& l) { limits_ = l; }

 private:
  enum class State { line, literal, discard_literal, skip_command, skip_line };

  Event on_line(std::string_view line);
  void skip_after(const std::optional<LiteralMarker>& marker);
  ParseError fail(ParseError::Kind kind, std::string message, uint64_t size = 0);
  std::optional<std::string> frame_tag(std::string_view first_line) const;
  bool frame_is_append(std::string_view text) const;
  void compact();
  void reset_frame();

  ReceiverLimits limits_;
  State state_ = State::line;
  bool want_line_ = false;
  std::string buf_;
  size_t pos_ = 0;          // consumed prefix of buf_
  size_t scan_ = 0;         // where the LF search resumes
  uint64_t remaining_ = 0;  // literal bytes still to read or discard
  Frame frame_;             // the command being assembled
  size_t command_bytes_ = 0;
  bool is_append_ = false;
};

}  // namespace postino::imap
