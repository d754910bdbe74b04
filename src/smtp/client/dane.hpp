// DANE for outbound SMTP (RFC 7672): which TLSA records an SMTP client can
// use, what a TLSA answer means for one MX host, and the TLSA look-ups for a
// route.
//  - tlsa_usable(): DANE-TA(2) and DANE-EE(3) with a known selector and
//    matching type and data of the right size (RFC 7672 §3.1; PKIX-TA(0) and
//    PKIX-EE(1) are unusable for SMTP, §3.1.3; RFC 6698 §4.1 "usable");
//  - dane_policy(): the four outcomes of a TLSA look-up (RFC 7672 §2.2):
//    secure with a usable record -> verify; secure, all unusable -> encrypt;
//    insecure or no records -> none (opportunistic TLS); lookup error or
//    bogus -> fail (the host must not be used, §2.1.2);
//  - apply_dane(): for a route whose MX RRset is secure (§2.2.1), or whose
//    domain is its own mail host with secure address records (§2.2.2), looks
//    up "_PORT._tcp.HOST" (§2.2.3) for every host whose address records are
//    secure and sets MxHost::dane. CNAME-expanded TLSA base domains (§2.2.3,
//    second candidate) are not tried: the base domain is the MX host name.
// Thread rules: pure functions; apply_dane() is a coroutine on the caller's
// executor, like resolve_route().
#pragma once

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.hpp"

namespace postino::smtp::client {

struct Route;

// RFC 6698 §2.1 / RFC 7218 names.
inline constexpr uint8_t kUsageDaneTa = 2;
inline constexpr uint8_t kUsageDaneEe = 3;

struct DanePolicy {
  enum class Kind {
    none,     // DANE does not apply: opportunistic TLS as before
    verify,   // TLS mandatory, certificate must match `records` (§2.2, §3.2)
    encrypt,  // TLS mandatory, not authenticated (§2.2: only unusable records)
    fail,     // the TLSA look-up failed: do not deliver through this host (§2.1.2)
  } kind = Kind::none;
  std::vector<dns::Tlsa> records;  // verify: the usable records
  // verify: reference identifiers for DANE-TA(2) name checks, the TLSA base
  // domain first, then the next-hop domain of a secure MX look-up (§3.2.2).
  std::vector<std::string> names;
  std::string tlsa_name;  // "_25._tcp.mx.example.com" (when looked up)
  std::string error;      // fail: why
};

const char* dane_kind_name(DanePolicy::Kind k);

bool tlsa_usable(const dns::Tlsa& t);

// "_PORT._tcp.HOST" (RFC 6698 §3, RFC 7672 §2.2.3).
std::string tlsa_query_name(std::string_view host, uint16_t port);

// The decision for one host from its TLSA answer (pure). `base` is the TLSA
// base domain (the host name), `next_hop` the recipient domain when the host
// came from a secure MX look-up ("" otherwise).
DanePolicy dane_policy(const dns::Lookup<dns::Tlsa>& answer, const std::string& base,
                       const std::string& next_hop);

// Sets MxHost::dane on the hosts of `route` (see above); `domain` is the
// next-hop domain, `port` the SMTP port of the hosts.
boost::asio::awaitable<void> apply_dane(dns::Resolver& resolver, Route& route, std::string domain,
                                        uint16_t port);

}  // namespace postino::smtp::client
