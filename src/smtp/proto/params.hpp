// ESMTP parameters of MAIL and RCPT (RFC 5321 §4.1.2 esmtp-param) for the
// extensions postino offers: SIZE (RFC 1870), BODY (RFC 6152, RFC 3030),
// SMTPUTF8 (RFC 6531), AUTH (RFC 4954 §5), RET/ENVID/NOTIFY/ORCPT (RFC 3461),
// plus xtext coding (RFC 3461 §4).
// Thread rules: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::smtp {

enum class BodyType { SevenBit, EightBitMime, BinaryMime };
// The BODY= keyword (RFC 6152 §2, RFC 3030 §3); absent means 7BIT.
const char* body_type_name(const std::optional<BodyType>& b);
enum class DsnRet { Full, Headers };

inline constexpr size_t kMaxEnvidChars = 100;      // RFC 3461 §4.4
inline constexpr size_t kMaxOrcptChars = 500;      // RFC 3461 §4.2
inline constexpr size_t kMaxAuthParamChars = 500;  // RFC 4954 §5

struct MailParams {
  std::optional<uint64_t> size;      // SIZE=
  std::optional<BodyType> body;      // BODY=
  bool smtputf8 = false;             // SMTPUTF8
  std::optional<std::string> auth;   // AUTH=: decoded mailbox; "" for AUTH=<>
  std::optional<DsnRet> ret;         // RET=
  std::optional<std::string> envid;  // ENVID=, decoded
};

struct Orcpt {
  std::string addr_type;  // e.g. "rfc822", "utf-8"
  std::string address;    // xtext-decoded
};

struct RcptParams {
  // NOTIFY= (RFC 3461 §4.1): absent, NEVER, or any of SUCCESS/FAILURE/DELAY.
  bool notify_set = false;
  bool notify_never = false;
  bool notify_success = false;
  bool notify_failure = false;
  bool notify_delay = false;
  std::optional<Orcpt> orcpt;  // ORCPT=
};

// xtext (RFC 3461 §4): "+XX" hex escapes for '+', '=', and bytes outside
// %d33-126. decode: nullopt on a bad escape or a raw byte outside xchar.
std::optional<std::string> xtext_decode(std::string_view s);
std::string xtext_encode(std::string_view s);

// Parse the parameter list after the path ("SIZE=10 BODY=8BITMIME"). Errors:
// Errc::invalid = malformed value (501); Errc::unavailable = unknown keyword
// or a keyword given twice (555, RFC 5321 §4.1.1.11).
Result<MailParams> parse_mail_params(std::string_view s);
Result<RcptParams> parse_rcpt_params(std::string_view s);

}  // namespace postino::smtp
