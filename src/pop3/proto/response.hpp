// POP3 reply lines (RFC 1939 §3): "+OK text", "-ERR text", optional RFC 2449
// §8 / RFC 3206 response codes in brackets ("-ERR [IN-USE] mailbox locked"),
// SASL continuations (RFC 5034 §4) and small multi-line replies (CAPA, LIST,
// UIDL). Text is sanitised: CR/LF become spaces, and the first line is cut to
// fit 512 octets with its CRLF (RFC 2449 §4). Thread rules: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace postino::pop3 {

inline constexpr std::string_view kOk = "+OK";
inline constexpr std::string_view kErr = "-ERR";
inline constexpr std::string_view kCrlf = "\r\n";
inline constexpr std::string_view kEndOfMultiline = ".\r\n";  // RFC 1939 §3
inline constexpr size_t kMaxResponseLine = 512;               // RFC 2449 §4, incl. CRLF

// RFC 2449 §8 response codes.
enum class RespCode {
  kNone,
  kInUse,       // [IN-USE] RFC 2449 §8.1.2: the maildrop is locked by another session
  kLoginDelay,  // [LOGIN-DELAY] RFC 2449 §8.1.1
  kSysTemp,     // [SYS/TEMP] RFC 3206 §4: temporary system failure
  kSysPerm,     // [SYS/PERM] RFC 3206 §4: permanent system failure
  kAuth,        // [AUTH] RFC 3206 §5: credentials rejected
  kUtf8,        // [UTF8] RFC 6856 §5
};

std::string_view resp_code_text(RespCode c);  // "IN-USE", ... ("" for kNone)

// "+OK text\r\n" ("+OK\r\n" when text is empty).
std::string ok(std::string_view text = {});
// "-ERR [CODE] text\r\n".
std::string err(std::string_view text, RespCode code = RespCode::kNone);
// RFC 5034 §4 server challenge: "+ base64\r\n" ("+ \r\n" when empty).
std::string continuation(std::string_view base64);
// "+OK first\r\n" then each line dot-stuffed, then ".\r\n" (CAPA, LIST, UIDL).
std::string multiline(std::string_view first, const std::vector<std::string>& lines);

}  // namespace postino::pop3
