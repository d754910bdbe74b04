#include "dns/static_resolver.hpp"

#include <gtest/gtest.h>

#include "dns/test_run.hpp"

namespace postino::dns {
namespace {

using testing::run_sync;

TEST(ReverseName, Ip4AndIp6) {
  EXPECT_EQ(reverse_name(asio::ip::make_address("192.0.2.1")), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(asio::ip::make_address("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST(ValidQueryName, Limits) {
  EXPECT_TRUE(valid_query_name("example.com"));
  EXPECT_TRUE(valid_query_name("example.com."));
  EXPECT_FALSE(valid_query_name(""));
  EXPECT_FALSE(valid_query_name("a..b"));
  EXPECT_FALSE(valid_query_name(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(valid_query_name(std::string(63, 'a') + ".com"));
  std::string longname;
  for (int i = 0; i < 60; ++i) longname += "abcd.";
  EXPECT_FALSE(valid_query_name(longname + "com"));
}

TEST(StaticResolver, RecordsNxdomainNodata) {
  StaticResolver r;
  r.add_txt("Example.COM", std::vector<std::string>{"v=spf1 ", "-all"});
  r.add_a("example.com", asio::ip::make_address_v4("192.0.2.1"));
  r.add_a("deep.sub.example.org", asio::ip::make_address_v4("192.0.2.2"));
  auto t = run_sync(r.txt("example.com."));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->rcode, Rcode::ok);
  ASSERT_EQ(t->records.size(), 1u);
  EXPECT_EQ(t->records[0], "v=spf1 -all");

  auto nodata = run_sync(r.mx("example.com"));
  ASSERT_TRUE(nodata.ok());
  EXPECT_EQ(nodata->rcode, Rcode::nodata);
  EXPECT_TRUE(nodata->empty());

  auto ent = run_sync(r.a("sub.example.org"));  // empty non-terminal
  ASSERT_TRUE(ent.ok());
  EXPECT_EQ(ent->rcode, Rcode::nodata);

  auto nx = run_sync(r.a("nope.example.com"));
  ASSERT_TRUE(nx.ok());
  EXPECT_EQ(nx->rcode, Rcode::nxdomain);
  EXPECT_EQ(r.query_count(), 4u);
}

TEST(StaticResolver, TimeoutCnameAndBadNames) {
  StaticResolver r;
  r.set_timeout("slow.example.com");
  r.add_cname("alias.example.com", "target.example.com.");
  r.add_a("target.example.com", asio::ip::make_address_v4("192.0.2.9"));
  r.add_cname("loop1.example.com", "loop2.example.com");
  r.add_cname("loop2.example.com", "loop1.example.com");
  r.add_mx("example.com", 10, "mx.example.com.");
  r.add_aaaa("mx.example.com", asio::ip::make_address_v6("2001:db8::25"));
  r.add_ptr("1.2.0.192.in-addr.arpa", "host.example.com.");

  auto slow = run_sync(r.txt("slow.example.com"));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, Errc::unavailable);

  auto alias = run_sync(r.a("alias.example.com"));
  ASSERT_TRUE(alias.ok());
  ASSERT_EQ(alias->records.size(), 1u);
  EXPECT_EQ(alias->records[0].to_string(), "192.0.2.9");

  auto loop = run_sync(r.a("loop1.example.com"));
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.error().code, Errc::unavailable);

  auto bad = run_sync(r.a(std::string(64, 'x') + ".example.com"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid);

  auto mx = run_sync(r.mx("example.com"));
  ASSERT_TRUE(mx.ok());
  ASSERT_EQ(mx->records.size(), 1u);
  EXPECT_EQ(mx->records[0].preference, 10);
  EXPECT_EQ(mx->records[0].exchange, "mx.example.com");
  auto aaaa = run_sync(r.aaaa("MX.example.com"));
  ASSERT_TRUE(aaaa.ok());
  EXPECT_EQ(aaaa->records.at(0).to_string(), "2001:db8::25");

  auto ptr = run_sync(r.ptr(reverse_name(asio::ip::make_address("192.0.2.1"))));
  ASSERT_TRUE(ptr.ok());
  EXPECT_EQ(ptr->records.at(0), "host.example.com");
}

TEST(StaticResolver, Tlsa) {
  StaticResolver r;
  r.add_tlsa("_25._tcp.MX.example.com", Tlsa{3, 1, 1, std::string("\x01\x02", 2)});
  r.add_cname("_25._tcp.alias.example.com", "_25._tcp.mx.example.com");
  auto t = run_sync(r.tlsa("_25._tcp.mx.example.com"));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->records.size(), 1u);
  EXPECT_EQ(t->records[0], (Tlsa{3, 1, 1, std::string("\x01\x02", 2)}));
  EXPECT_FALSE(t->secure);  // not under a zone marked secure
  auto via = run_sync(r.tlsa("_25._tcp.alias.example.com"));
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(via->records.size(), 1u);
  auto none = run_sync(r.tlsa("_465._tcp.mx.example.com"));
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rcode, Rcode::nxdomain);
}

TEST(StaticResolver, SecureZonesAndBogusNames) {
  StaticResolver r;
  r.set_secure("Signed.Example");
  r.add_a("mx.signed.example", Ip4::loopback());
  r.add_a("mx.plain.example", Ip4::loopback());
  r.add_cname("out.signed.example", "mx.plain.example");
  r.add_cname("in.plain.example", "mx.signed.example");
  EXPECT_TRUE(run_sync(r.a("mx.signed.example"))->secure);
  EXPECT_TRUE(run_sync(r.a("signed.example"))->secure);  // denial (nodata) too
  EXPECT_TRUE(run_sync(r.a("nope.signed.example"))->secure);
  EXPECT_FALSE(run_sync(r.a("mx.plain.example"))->secure);
  EXPECT_FALSE(run_sync(r.a("unsigned.example"))->secure);  // a suffix, not a subdomain
  // Through a CNAME: secure only if every link is (RFC 7672 §2.1.3).
  EXPECT_FALSE(run_sync(r.a("out.signed.example"))->secure);
  EXPECT_FALSE(run_sync(r.a("in.plain.example"))->secure);
  r.set_bogus("_25._tcp.mx.signed.example");
  auto bogus = run_sync(r.tlsa("_25._tcp.mx.signed.example"));
  ASSERT_FALSE(bogus.ok());
  EXPECT_EQ(bogus.error().code, Errc::unavailable);
  EXPECT_NE(bogus.error().message.find("DNSSEC"), std::string::npos);
}

}  // namespace
}  // namespace postino::dns
