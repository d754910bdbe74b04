// Mailbox addresses: RFC 5321 §4.1.2 syntax checks and the normal form used
// for every lookup (accounts, aliases, relay rules). The domain is lowercased
// and internationalised labels become A-labels (libidn2: IDNA2008 with UTS #46
// non-transitional mapping); address literals ([192.0.2.1], [IPv6:2001:db8::1])
// are kept in brackets. The local part keeps its case (RFC 5321 §2.4) and may
// hold UTF-8 (RFC 6531 §3.3); it is stored in its canonical wire form: a
// dot-string when the content allows it, else a quoted-string with only the
// necessary backslashes. Lengths per RFC 5321 §4.5.3.1 (base/limits.hpp).
// Thread rules: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::auth {

inline constexpr size_t kMaxLabelLength = 63;          // RFC 1035 §2.3.4
inline constexpr size_t kMaxAddressInputBytes = 1024;  // refuse before any work

struct Address {
  std::string local;   // canonical wire form: dot-string or quoted-string
  std::string domain;  // lowercase A-labels, or a bracketed address literal
  bool domain_is_literal = false;

  std::string str() const { return local + "@" + domain; }
  bool operator==(const Address&) const = default;
};

// Parses a Mailbox (no angle brackets, no display name).
Result<Address> parse_address(std::string_view text);

// Lowercases and converts a domain to A-labels; rejects anything that is not
// a syntactically valid host name (RFC 5321 §4.1.2 Domain, RFC 5890 labels).
Result<std::string> normalize_domain(std::string_view domain);

}  // namespace postino::auth
