// The Received trace header an SMTP server prepends to every message it
// accepts (RFC 5321 §4.4), with the "with" protocol names of RFC 3848 /
// RFC 6531 §3.7.3 and the TLS version and cipher in a comment.
// Thread rules: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace postino::smtp::server {

struct ReceivedInfo {
  std::string helo;       // EHLO/HELO argument as given
  std::string client_ip;  // "192.0.2.1" or "2001:db8::1"
  std::string by_host;    // our host name
  bool esmtp = true;      // EHLO (true) or HELO (false)
  bool tls = false;
  bool authenticated = false;
  bool smtputf8 = false;
  std::string tls_version;  // "TLSv1.3"
  std::string tls_cipher;
  std::string id;           // our message / queue id
  std::string for_address;  // set only for a single recipient (RFC 5321 §4.4 privacy)
  int64_t time = 0;         // unix seconds
};

// "SMTP", "ESMTP", "ESMTPS", "ESMTPA", "ESMTPSA", "UTF8SMTP", "UTF8SMTPSA", ...
std::string with_protocol(const ReceivedInfo& info);

// The address literal of an IP: "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3).
std::string address_literal(const std::string& ip);

// RFC 5322 §3.3 date-time in UTC: "Thu, 26 Nov 2026 21:00:00 +0000".
std::string rfc5322_date(int64_t unix_seconds);

// The whole header field, folded, ending in CRLF.
std::string received_header(const ReceivedInfo& info);

}  // namespace postino::smtp::server
