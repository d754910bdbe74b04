// MX resolution (RFC 5321 §5.1, RFC 7505) against an in-memory zone.
#include "smtp/client/mx.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <set>

#include "dns/static_resolver.hpp"

namespace postino::smtp::client {
namespace {

namespace asio = boost::asio;

Route resolve(dns::Resolver& r, const std::string& domain) {
  asio::io_context io;
  auto fut = asio::co_spawn(io, resolve_route(r, domain), asio::use_future);
  io.run();
  return fut.get();
}

TEST(Mx, PreferenceOrderWithAddresses) {
  dns::StaticResolver z;
  z.add_mx("example.net", 20, "backup.example.net");
  z.add_mx("example.net", 10, "mx1.example.net");
  z.add_a("mx1.example.net", asio::ip::make_address_v4("192.0.2.1"));
  z.add_aaaa("mx1.example.net", asio::ip::make_address_v6("2001:db8::1"));
  z.add_a("backup.example.net", asio::ip::make_address_v4("192.0.2.2"));
  Route r = resolve(z, "Example.NET");
  ASSERT_EQ(r.kind, Route::Kind::ok) << r.error;
  ASSERT_EQ(r.hosts.size(), 2u);
  EXPECT_EQ(r.hosts[0].name, "mx1.example.net");
  EXPECT_EQ(r.hosts[0].addresses.size(), 2u);
  EXPECT_EQ(r.hosts[1].name, "backup.example.net");
}

TEST(Mx, EqualPreferencesAreShuffled) {
  std::vector<dns::Mx> recs;
  for (int i = 0; i < 8; ++i) recs.push_back({10, "mx" + std::to_string(i)});
  recs.push_back({5, "first"});
  std::set<std::string> seconds;
  for (unsigned seed = 0; seed < 40; ++seed) {
    std::mt19937 rng(seed);
    auto o = order_mx(recs, rng);
    ASSERT_EQ(o.front().exchange, "first");
    seconds.insert(o[1].exchange);
  }
  EXPECT_GT(seconds.size(), 1u);  // RFC 5321 §5.1: random among equal preference
}

TEST(Mx, NoMxFallsBackToAddress) {
  dns::StaticResolver z;
  z.add_a("plain.example", asio::ip::make_address_v4("192.0.2.9"));
  Route r = resolve(z, "plain.example");
  ASSERT_EQ(r.kind, Route::Kind::ok);
  ASSERT_EQ(r.hosts.size(), 1u);
  EXPECT_EQ(r.hosts[0].name, "plain.example");
}

TEST(Mx, NullMxNxdomainAndTemporaryFailures) {
  dns::StaticResolver z;
  z.add_mx("nomail.example", 0, ".");
  z.add_mx("broken.example", 10, "mx.broken.example");
  z.add_txt("mx.broken.example", "exists but no address");
  z.set_timeout("slow.example");
  EXPECT_EQ(resolve(z, "nomail.example").kind, Route::Kind::null_mx);
  EXPECT_EQ(resolve(z, "missing.example").kind, Route::Kind::no_domain);
  EXPECT_EQ(resolve(z, "slow.example").kind, Route::Kind::temporary);
  EXPECT_EQ(resolve(z, "broken.example").kind, Route::Kind::temporary);
}

TEST(Mx, AddressLiteral) {
  dns::StaticResolver z;
  Route r = resolve(z, "[192.0.2.7]");
  ASSERT_EQ(r.kind, Route::Kind::ok);
  EXPECT_EQ(r.hosts[0].addresses[0].to_string(), "192.0.2.7");
  Route r6 = resolve(z, "[IPv6:2001:db8::7]");
  ASSERT_EQ(r6.kind, Route::Kind::ok);
  EXPECT_EQ(r6.hosts[0].addresses[0].to_string(), "2001:db8::7");
  EXPECT_EQ(z.query_count(), 0u);
}

}  // namespace
}  // namespace postino::smtp::client
