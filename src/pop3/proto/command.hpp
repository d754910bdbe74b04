// POP3 command-line parser (RFC 1939 §3, RFC 2449 CAPA, RFC 2595 STLS,
// RFC 5034 AUTH, RFC 6856 UTF8). Input is one line without its CRLF; output is
// a validated Pop3Command or an Error whose kind (pop3_error_kind) tells the
// session which -ERR to send. Keywords are case-insensitive; a message
// number is a decimal 1..2^32-1. Thread rules: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::pop3 {

// RFC 2449 §4: a command is at most 255 octets including the terminating CRLF.
inline constexpr size_t kMaxCommandOctets = 255;
inline constexpr size_t kMaxCommandLine = kMaxCommandOctets - 2;  // without CRLF
// RFC 4422 §3.1: sasl-mech is 1 to 20 characters.
inline constexpr size_t kMaxSaslMechLength = 20;
inline constexpr size_t kApopDigestLength = 32;  // RFC 1939 §7: MD5 in hex

enum class Pop3Verb {
  kUser,
  kPass,
  kStat,
  kList,
  kRetr,
  kDele,
  kNoop,
  kRset,
  kQuit,
  kTop,
  kUidl,
  kApop,
  kCapa,
  kStls,
  kAuth,
  kUtf8,
};

std::string_view verb_name(Pop3Verb v);  // "USER", "PASS", ...

struct Pop3Command {
  Pop3Verb verb = Pop3Verb::kNoop;
  // USER/APOP: user name; PASS: the rest of the line; AUTH: mechanism in
  // upper case (empty for a bare "AUTH", which asks for the mechanism list).
  std::string arg;
  std::optional<uint32_t> msg;  // LIST/UIDL (optional), RETR/DELE/TOP (required)
  uint32_t lines = 0;           // TOP: body lines wanted
  std::string digest;           // APOP: 32 lowercase hex digits
  // AUTH: the initial response as sent (base64 text, or "=" for empty).
  std::optional<std::string> initial_response;

  bool operator==(const Pop3Command&) const = default;
};

enum class Pop3ErrorKind { kUnknownCommand, kBadArgument, kLineTooLong };

// Parse errors carry Errc::not_found (unknown command), Errc::invalid (bad
// argument) or Errc::limit (line too long); the message is safe to echo.
Result<Pop3Command> parse_pop3_command(std::string_view line);
Pop3ErrorKind pop3_error_kind(const Error& e);

// The canonical text of a command (keyword + arguments), used by tests and
// the fuzzer to round-trip: parse(format(c)) == c.
std::string format_pop3_command(const Pop3Command& c);

}  // namespace postino::pop3
