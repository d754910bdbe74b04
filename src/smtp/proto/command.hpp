// SMTP command lines (RFC 5321 §4.1.1, §4.1.2) parsed into values, with the
// extensions postino offers: SIZE (RFC 1870), PIPELINING (RFC 2920, nothing
// to parse), CHUNKING/BDAT and BINARYMIME (RFC 3030), DSN (RFC 3461), AUTH
// (RFC 4954), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), STARTTLS (RFC 3207).
//
// parse_command() takes one line without its CRLF. Errors are Result errors
// whose Errc says which reply the session sends (command_error_reply()):
//   Errc::not_found   unknown verb                        500 5.5.1
//   Errc::limit       line too long (§4.5.3.1.4)          500 5.5.2
//   Errc::invalid     syntax error in arguments           501 5.5.4
//   Errc::unavailable unknown or repeated MAIL/RCPT param 555 5.5.4
// Sequencing (503), policy and SMTPUTF8 enforcement are the session's job;
// Command::has_8bit says whether non-ASCII was present.
// Thread rules: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "smtp/proto/params.hpp"
#include "smtp/proto/path.hpp"
#include "smtp/proto/reply_codes.hpp"

namespace postino::smtp {

// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
inline constexpr size_t kMaxCommandLine = 512;
// Extensions raise the limit for lines that carry their parameters:
// SIZE +26 (RFC 1870 §3), RET/ENVID +100 and ORCPT/NOTIFY +500 (RFC 3461 §4),
// AUTH= +500 (RFC 4954 §5), BODY/SMTPUTF8 allowance +32.
inline constexpr size_t kMaxMailCommandLine = kMaxCommandLine + 26 + 100 + 500 + 32;
inline constexpr size_t kMaxRcptCommandLine = kMaxCommandLine + 500;
// RFC 4954 §4: AUTH with an initial response may be up to 12288 octets.
inline constexpr size_t kMaxAuthCommandLine = 12288;
// The most a session must buffer for one command line (incl. CRLF).
inline constexpr size_t kMaxCommandLineBuffer = kMaxAuthCommandLine;

inline constexpr size_t kMaxAuthMechanismChars = 20;  // RFC 4422 §3.1

enum class Verb {
  Ehlo,
  Helo,
  Mail,
  Rcpt,
  Data,
  Bdat,
  Rset,
  Noop,
  Quit,
  Vrfy,
  Expn,
  Help,
  StartTls,
  Auth
};

struct Command {
  Verb verb = Verb::Noop;
  // EHLO/HELO: the domain or address literal. NOOP/VRFY/EXPN/HELP: the
  // argument as sent (may be empty for NOOP/HELP).
  std::string argument;
  bool argument_is_literal = false;  // EHLO/HELO with an address literal
  Path path;                         // MAIL (reverse-path) / RCPT (forward-path)
  MailParams mail;
  RcptParams rcpt;
  uint64_t bdat_size = 0;  // BDAT chunk size (RFC 3030 §2)
  bool bdat_last = false;
  std::string auth_mechanism;                        // upper-cased
  std::optional<std::string> auth_initial_response;  // base64-decoded; "" for "="
  bool has_8bit = false;  // any byte >= 0x80 in path, parameters or EHLO domain
};

Result<Command> parse_command(std::string_view line);

// The reply for a parse_command() error (see the table above).
const ReplyCode& command_error_reply(const Error& e);

std::string_view verb_name(Verb v);

}  // namespace postino::smtp
