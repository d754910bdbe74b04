// DANE for outbound SMTP (RFC 7672): TLSA usability, the decision per TLSA
// answer, and the look-ups for a route, against an in-memory zone whose
// DNSSEC status the test chooses (StaticResolver::set_secure / set_bogus).
#include "smtp/client/dane.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "dns/static_resolver.hpp"
#include "smtp/client/mx.hpp"

namespace postino::smtp::client {
namespace {

namespace asio = boost::asio;
using Kind = DanePolicy::Kind;

dns::Tlsa tlsa(uint8_t usage, uint8_t selector, uint8_t mtype, size_t len) {
  return dns::Tlsa{usage, selector, mtype, std::string(len, '\x5a')};
}

Route route_with_dane(dns::Resolver& r, const std::string& domain, uint16_t port = 25) {
  asio::io_context io;
  auto run = [&r, domain, port]() -> asio::awaitable<Route> {
    std::string name = domain;
    Route route = co_await resolve_route(r, name);
    co_await apply_dane(r, route, name, port);
    co_return route;
  };
  auto fut = asio::co_spawn(io, run(), asio::use_future);
  io.run();
  return fut.get();
}

void signed_zone(dns::StaticResolver& z) {
  z.set_secure("example.net");
  z.add_mx("example.net", 10, "mx.example.net");
  z.add_a("mx.example.net", asio::ip::make_address_v4("192.0.2.1"));
}

TEST(Dane, UsableRecords) {
  // RFC 7672 §3.1: DANE-TA(2) and DANE-EE(3) with any selector and digest.
  EXPECT_TRUE(tlsa_usable(tlsa(3, 1, 1, 32)));
  EXPECT_TRUE(tlsa_usable(tlsa(3, 0, 2, 64)));
  EXPECT_TRUE(tlsa_usable(tlsa(2, 0, 1, 32)));
  EXPECT_TRUE(tlsa_usable(tlsa(2, 1, 0, 91)));  // full SPKI
  // §3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable for SMTP.
  EXPECT_FALSE(tlsa_usable(tlsa(0, 0, 1, 32)));
  EXPECT_FALSE(tlsa_usable(tlsa(1, 1, 1, 32)));
  // Unknown usage, selector or matching type; digests of the wrong size.
  EXPECT_FALSE(tlsa_usable(tlsa(4, 1, 1, 32)));
  EXPECT_FALSE(tlsa_usable(tlsa(3, 2, 1, 32)));
  EXPECT_FALSE(tlsa_usable(tlsa(3, 1, 3, 32)));
  EXPECT_FALSE(tlsa_usable(tlsa(3, 1, 1, 31)));
  EXPECT_FALSE(tlsa_usable(tlsa(3, 1, 2, 32)));
  EXPECT_FALSE(tlsa_usable(tlsa(3, 1, 0, 0)));
  EXPECT_EQ(tlsa_query_name("mx.example.net", 25), "_25._tcp.mx.example.net");
  EXPECT_EQ(tlsa_query_name("mx.example.net", 2525), "_2525._tcp.mx.example.net");
}

TEST(Dane, PolicyFromTlsaAnswer) {
  using Answer = dns::Answer<dns::Tlsa>;
  // §2.2: secure with a usable record -> verify, unusable ones dropped.
  Answer secure{dns::Rcode::ok, {tlsa(1, 1, 1, 32), tlsa(3, 1, 1, 32)}, true};
  DanePolicy p = dane_policy(secure, "mx.example.net", "example.net");
  EXPECT_EQ(p.kind, Kind::verify);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].usage, 3);
  // §3.2.2: TLSA base domain first, then the next-hop domain.
  EXPECT_EQ(p.names, (std::vector<std::string>{"mx.example.net", "example.net"}));
  EXPECT_EQ(dane_policy(secure, "example.net", "example.net").names,
            (std::vector<std::string>{"example.net"}));
  EXPECT_EQ(dane_policy(secure, "mx.example.net", "").names,
            (std::vector<std::string>{"mx.example.net"}));

  // Secure, but nothing usable -> TLS without authentication.
  Answer unusable{dns::Rcode::ok, {tlsa(0, 0, 1, 32), tlsa(1, 1, 1, 32)}, true};
  EXPECT_EQ(dane_policy(unusable, "mx.example.net", "").kind, Kind::encrypt);

  // Insecure records or a (secure or insecure) denial -> pre-DANE behaviour.
  Answer insecure{dns::Rcode::ok, {tlsa(3, 1, 1, 32)}, false};
  EXPECT_EQ(dane_policy(insecure, "mx.example.net", "").kind, Kind::none);
  EXPECT_EQ(dane_policy(Answer{dns::Rcode::nxdomain, {}, true}, "mx.example.net", "").kind,
            Kind::none);
  EXPECT_EQ(dane_policy(Answer{dns::Rcode::nodata, {}, true}, "mx.example.net", "").kind,
            Kind::none);

  // §2.1.2: any lookup error, bogus included -> the host is not used.
  dns::Lookup<dns::Tlsa> failed = make_error(Errc::unavailable, "DNSSEC validation failed");
  DanePolicy f = dane_policy(failed, "mx.example.net", "");
  EXPECT_EQ(f.kind, Kind::fail);
  EXPECT_NE(f.error.find("DNSSEC validation failed"), std::string::npos) << f.error;
}

TEST(Dane, SecureMxAndTlsaGiveVerify) {
  dns::StaticResolver z;
  signed_zone(z);
  z.add_tlsa("_25._tcp.mx.example.net", tlsa(3, 1, 1, 32));
  Route r = route_with_dane(z, "example.net");
  ASSERT_EQ(r.kind, Route::Kind::ok) << r.error;
  EXPECT_TRUE(r.secure);
  EXPECT_TRUE(r.from_mx);
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_TRUE(r.hosts[0].secure);
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::verify);
  EXPECT_EQ(r.hosts[0].dane.tlsa_name, "_25._tcp.mx.example.net");
  EXPECT_EQ(r.hosts[0].dane.names, (std::vector<std::string>{"mx.example.net", "example.net"}));
}

TEST(Dane, TlsaIsLookedUpAtTheConfiguredPort) {
  dns::StaticResolver z;
  signed_zone(z);
  z.add_tlsa("_25._tcp.mx.example.net", tlsa(3, 1, 1, 32));
  Route r = route_with_dane(z, "example.net", 2525);
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::none);  // nothing at _2525._tcp
  EXPECT_EQ(r.hosts[0].dane.tlsa_name, "_2525._tcp.mx.example.net");
}

TEST(Dane, InsecureMxOrInsecureHostAddressesSkipTheTlsaLookup) {
  // The MX RRset is unsigned; the MX host's zone is signed (§2.2.1: DANE
  // would be optional; postino uses it only for secure MX RRsets).
  dns::StaticResolver z;
  z.set_secure("hosting.example");
  z.add_mx("example.net", 10, "mx.hosting.example");
  z.add_a("mx.hosting.example", asio::ip::make_address_v4("192.0.2.1"));
  z.add_tlsa("_25._tcp.mx.hosting.example", tlsa(3, 1, 1, 32));
  size_t before = z.query_count();
  Route r = route_with_dane(z, "example.net");
  ASSERT_EQ(r.kind, Route::Kind::ok);
  EXPECT_FALSE(r.secure);
  EXPECT_TRUE(r.hosts[0].secure);
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::none);
  EXPECT_EQ(z.query_count() - before, 3u);  // MX, A, AAAA: no TLSA

  // Secure MX RRset, but the MX host lives in an unsigned zone (§2.2.2).
  dns::StaticResolver y;
  y.set_secure("example.net");
  y.add_mx("example.net", 10, "mx.unsigned.example");
  y.add_a("mx.unsigned.example", asio::ip::make_address_v4("192.0.2.1"));
  y.add_tlsa("_25._tcp.mx.unsigned.example", tlsa(3, 1, 1, 32));
  before = y.query_count();
  Route s = route_with_dane(y, "example.net");
  EXPECT_TRUE(s.secure);
  EXPECT_FALSE(s.hosts[0].secure);
  EXPECT_EQ(s.hosts[0].dane.kind, Kind::none);
  EXPECT_EQ(y.query_count() - before, 3u);
}

TEST(Dane, BogusOrFailedTlsaMarksOnlyThatHost) {
  dns::StaticResolver z;
  signed_zone(z);
  z.add_mx("example.net", 20, "mx2.example.net");
  z.add_a("mx2.example.net", asio::ip::make_address_v4("192.0.2.2"));
  z.set_bogus("_25._tcp.mx.example.net");
  Route r = route_with_dane(z, "example.net");
  ASSERT_EQ(r.hosts.size(), 2u);
  EXPECT_EQ(r.hosts[0].name, "mx.example.net");
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::fail);
  EXPECT_NE(r.hosts[0].dane.error.find("TLSA lookup failed"), std::string::npos);
  EXPECT_EQ(r.hosts[1].dane.kind, Kind::none);  // secure denial: opportunistic

  dns::StaticResolver t;
  signed_zone(t);
  t.set_timeout("_25._tcp.mx.example.net");
  EXPECT_EQ(route_with_dane(t, "example.net").hosts[0].dane.kind, Kind::fail);
}

TEST(Dane, ImplicitMxUsesTheDomainAsTlsaBase) {
  // §2.2.2: no MX records; the domain is its own server.
  dns::StaticResolver z;
  z.set_secure("example.net");
  z.add_a("example.net", asio::ip::make_address_v4("192.0.2.9"));
  z.add_tlsa("_25._tcp.example.net", tlsa(2, 0, 1, 32));
  Route r = route_with_dane(z, "example.net");
  ASSERT_EQ(r.kind, Route::Kind::ok) << r.error;
  EXPECT_FALSE(r.from_mx);
  EXPECT_TRUE(r.secure);
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::verify);
  EXPECT_EQ(r.hosts[0].dane.names, (std::vector<std::string>{"example.net"}));
}

TEST(Dane, AddressLiteralIsNotSubjectToDane) {
  dns::StaticResolver z;
  size_t before = z.query_count();
  Route r = route_with_dane(z, "[192.0.2.1]");
  ASSERT_EQ(r.kind, Route::Kind::ok);
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::none);
  EXPECT_EQ(z.query_count(), before);
}

TEST(Dane, InsecureCnameInTheChainMakesTheAnswerInsecure) {
  // An MX host that is a CNAME into an unsigned zone: its addresses are not
  // secure (RFC 7672 §2.1.3), so no TLSA look-up.
  dns::StaticResolver z;
  signed_zone(z);
  z.add_mx("example.net", 5, "alias.example.net");
  z.add_cname("alias.example.net", "host.unsigned.example");
  z.add_a("host.unsigned.example", asio::ip::make_address_v4("192.0.2.3"));
  z.add_tlsa("_25._tcp.alias.example.net", tlsa(3, 1, 1, 32));
  Route r = route_with_dane(z, "example.net");
  ASSERT_EQ(r.hosts.size(), 2u);
  EXPECT_EQ(r.hosts[0].name, "alias.example.net");
  EXPECT_FALSE(r.hosts[0].secure);
  EXPECT_EQ(r.hosts[0].dane.kind, Kind::none);
}

}  // namespace
}  // namespace postino::smtp::client
