// Where to send mail for a domain (RFC 5321 §5.1): its MX hosts by
// preference (a random order among equal preferences), each with its IPv4
// and IPv6 addresses; with no MX record, the domain itself as the one host
// (the "implicit MX"); a null MX (RFC 7505 §3: one MX "." at preference 0)
// means the domain accepts no mail. An address literal "[192.0.2.1]" or
// "[IPv6:2001:db8::1]" is its own host.
// The route also records what DANE needs (RFC 7672 §2.2.1, §2.2.2): whether
// the MX RRset (for an implicit MX, the domain's address records) was
// DNSSEC-secure, and per host whether its address records were; dane.hpp's
// apply_dane() then fills MxHost::dane.
// Thread rules: resolve_route() is a coroutine on the caller's executor; the
// resolver must allow concurrent look-ups (dns/resolver.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "dns/resolver.hpp"
#include "smtp/client/dane.hpp"

namespace postino::smtp::client {

inline constexpr size_t kMaxMxHosts = 10;  // hosts tried per domain
inline constexpr size_t kMaxAddressesPerHost = 8;

struct MxHost {
  std::string name;  // host name ("" for an address literal)
  uint16_t preference = 0;
  std::vector<dns::IpAddress> addresses;
  bool secure = false;  // every address answer for the host was DNSSEC-secure
  DanePolicy dane;      // set by apply_dane()
};

struct Route {
  enum class Kind {
    ok,         // hosts to try, in order
    null_mx,    // RFC 7505: permanent, 5.1.10
    no_domain,  // NXDOMAIN, or no MX and no address: permanent, 5.1.2
    temporary,  // DNS temporary failure or MX hosts without addresses: retry later
  } kind = Kind::temporary;
  std::vector<MxHost> hosts;
  std::string error;     // for the diagnostic when kind != ok
  bool secure = false;   // MX RRset (implicit MX: the address records) DNSSEC-secure
  bool from_mx = false;  // hosts come from MX records (not the implicit MX or a literal)
};

boost::asio::awaitable<Route> resolve_route(dns::Resolver& resolver, std::string domain);

// Orders MX records (pure; rng chooses among equal preferences). Exposed for tests.
std::vector<dns::Mx> order_mx(std::vector<dns::Mx> records, std::mt19937& rng);

}  // namespace postino::smtp::client
