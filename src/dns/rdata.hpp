// dns/rdata: decoders for the RDATA of the record types postino looks up, from
// wire form (RFC 1035 §3.3, §3.4.1; RFC 3596 §2.2; RFC 6698 §2.1) to the values
// of resolver.hpp. Pure: bytes in, values out; bounded by the input (an RDATA is
// at most 65535 octets). Names must be uncompressed (a resolver library hands
// out RDATA with names expanded; RFC 3597 §4 forbids compression in new types),
// so a compression pointer is an error.
// Names come back in presentation form, lower-cased, without the trailing dot;
// the root name is "". Octets other than letters, digits, '-' and '_' are
// written as \DDD and a '.' inside a label as "\." (RFC 1035 §5.1).
// Thread rules: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace postino::dns::rdata {

// A domain name that fills `wire` exactly (RFC 1035 §3.1).
Result<std::string> name(std::string_view wire);
// A: 4 octets (RFC 1035 §3.4.1). AAAA: 16 octets (RFC 3596 §2.2).
Result<Ip4> a(std::string_view wire);
Result<Ip6> aaaa(std::string_view wire);
// MX: 16-bit preference then an exchange name (RFC 1035 §3.3.9); the null MX
// "0 ." gives exchange "" (RFC 7505 §3).
Result<Mx> mx(std::string_view wire);
// TXT: one or more <character-string>s, concatenated (RFC 1035 §3.3.14).
Result<std::string> txt(std::string_view wire);
// PTR: one name (RFC 1035 §3.3.12).
Result<std::string> ptr(std::string_view wire);
// TLSA: usage, selector, matching type, association data (RFC 6698 §2.1).
Result<Tlsa> tlsa(std::string_view wire);

// A TXT string in quoted presentation form: '"' and '\' escaped with '\',
// octets outside printable ASCII as \DDD (RFC 1035 §5.1).
std::string quote_text(std::string_view text);

}  // namespace postino::dns::rdata
