// SMTP paths and domains (RFC 5321 §4.1.2, §4.1.3; RFC 6531 §3.3 for UTF-8):
// "<local@domain>", "<>", "<@relay,@relay:local@domain>" (source route
// accepted and ignored, RFC 5321 §4.1.1.3), quoted local parts and address
// literals. Non-ASCII UTF-8 is accepted and reported so the session can
// require SMTPUTF8. Thread rules: plain values and pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::smtp {

inline constexpr size_t kMaxPathBytes = 256;  // RFC 5321 §4.5.3.1.3, incl. "<" and ">"

struct Path {
  bool null = false;        // "<>" reverse-path
  bool postmaster = false;  // "<postmaster>" without a domain (RFC 5321 §4.1.1.3)
  std::string local;        // decoded local part: no quotes, quoted-pairs resolved
  std::string domain;       // as written; "[...]" kept for address literals
  bool domain_is_literal = false;
  bool utf8 = false;  // some byte >= 0x80 (RFC 6531)

  // Mailbox text: local part re-quoted if needed, "@", domain. "" for a null
  // path, "postmaster" for the bare postmaster form.
  std::string address() const;
  // "<" + address() + ">"
  std::string to_string() const;
};

enum class PathKind { Reverse, Forward };

// Parses a whole path including the angle brackets. Errc::invalid on bad
// syntax, Errc::limit when a length limit of RFC 5321 §4.5.3.1 is exceeded.
Result<Path> parse_path(std::string_view s, PathKind kind);

// Domain / address-literal checks (RFC 5321 §4.1.2, §4.1.3). A domain may be
// UTF-8 (U-labels, RFC 6531) and, leniently, contain '_'.
bool valid_domain(std::string_view d);
bool valid_address_literal(std::string_view lit);  // including the brackets
bool valid_utf8(std::string_view s);
bool has_8bit(std::string_view s);

}  // namespace postino::smtp
