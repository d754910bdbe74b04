// dns/present: looks a name up by record type given as text ("mx", "txt", …)
// and writes the answer in a zone-file-like presentation form, one record per
// line, then a status line. This is what `postino dns lookup TYPE NAME` prints,
// so operators see exactly what postino's resolver sees:
//   MX 10 mx.example.com
//   MX 20 mx2.example.com
//   rcode ok
// The status line is "rcode ok|nxdomain|nodata", followed by " secure" when the
// answer was DNSSEC-validated. TXT text is quoted, with '"', '\' and octets
// outside printable ASCII escaped as \" \\ \DDD (RFC 1035 §5.1); TLSA data is hex.
// Thread rules: as the Resolver it is given.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "dns/resolver.hpp"

namespace postino::dns {

// The type names lookup_text() takes (lower case).
inline constexpr std::string_view kLookupTypes = "a|aaaa|mx|txt|ptr|tlsa";

// Errc::invalid for an unknown type or a malformed name; the resolver's error
// (Errc::unavailable) for a failed look-up.
asio::awaitable<Result<std::string>> lookup_text(Resolver& resolver, std::string type,
                                                 std::string name);

}  // namespace postino::dns
