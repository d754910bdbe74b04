// DKIM message handling: split a message into header fields and body, and the
// simple/relaxed canonicalizations of RFC 6376 §3.4, plus the header-field
// selection of §5.4.2. Pure; works on a whole message in memory (messages are
// bounded by the SMTP size limit).
// Thread rules: pure functions and plain values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mailauth/dkim/records.hpp"

namespace postino::mailauth::dkim {

inline constexpr size_t kMaxHeaderFields = 1000;

struct HeaderField {
  std::string name;  // as written, before the colon
  std::string raw;   // the whole field "Name: value\r\n", with its folding
};

struct SplitMessage {
  std::vector<HeaderField> headers;
  std::string body;  // after the empty line; CRLF line endings
};

// Splits a message. Bare LF line endings are converted to CRLF first (a message
// read from a file; SMTP input is CRLF already).
SplitMessage split_message(std::string_view message);

// RFC 6376 §3.4.1 / §3.4.2 for one header field (result ends with CRLF).
std::string canon_header(const HeaderField& h, Canon c);

// RFC 6376 §3.4.3 / §3.4.4 for a body.
std::string canon_body(std::string_view body, Canon c);

// The field with the b= tag value emptied (RFC 6376 §3.7), for hashing.
std::string blank_b_tag(std::string_view raw_field);

// RFC 6376 §5.4.2: picks, for each name in `names`, the last not-yet-used field
// of that name, bottom up; names with no field left are skipped.
std::vector<const HeaderField*> select_headers(const std::vector<HeaderField>& headers,
                                               const std::vector<std::string>& names);

}  // namespace postino::mailauth::dkim
