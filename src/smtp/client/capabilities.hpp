// What an SMTP server offers, read from its EHLO reply (RFC 5321 §4.1.1.1:
// the first line is the greeting, each further line one keyword with
// optional parameters). Keywords are case-insensitive; unknown ones are kept
// in `others` for logs. Also the pure helpers the client session uses:
// enhanced status code of a reply, its one-line text form for logs and DSNs.
// Thread rules: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/proto/reply.hpp"

namespace postino::smtp::client {

struct Capabilities {
  bool esmtp = false;                // EHLO answered 250 (else HELO was used)
  bool pipelining = false;           // RFC 2920
  bool starttls = false;             // RFC 3207
  bool eightbitmime = false;         // RFC 6152
  bool smtputf8 = false;             // RFC 6531
  bool dsn = false;                  // RFC 3461
  bool chunking = false;             // RFC 3030
  bool enhancedstatuscodes = false;  // RFC 2034
  bool size = false;                 // RFC 1870 SIZE advertised
  uint64_t size_limit = 0;           // 0 = advertised without a limit (or not advertised)
  std::vector<std::string> others;
};

// Reads the keywords of a 250 EHLO reply (lines after the first).
Capabilities parse_ehlo(const Reply& reply);

// "x.y.z" of a reply: its enhanced code, else one derived from the basic
// code's class (RFC 3463 §3.1: "2.0.0", "4.0.0", "5.0.0").
std::string status_of(const Reply& reply);

// "550 5.1.1 text text" on one line, printable ASCII only (for logs,
// last_reply and DSN Diagnostic-Code: RFC 3464 §2.3.6).
std::string reply_line(const Reply& reply);

// Parses a reply_line() back into a Reply (code, enhanced code, one line);
// used for stored replies. Errc::invalid for anything else.
Result<Reply> parse_reply_line(std::string_view line);

}  // namespace postino::smtp::client
