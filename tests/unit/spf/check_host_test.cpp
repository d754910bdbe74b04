#include "mailauth/spf/check_host.hpp"

#include <gtest/gtest.h>

#include "dns/static_resolver.hpp"
#include "dns/test_run.hpp"

namespace postino::mailauth::spf {
namespace {

using testing::run_sync;

Request req(const char* ip, const char* from, const char* helo = "mx.example.org") {
  Request r;
  r.ip = boost::asio::ip::make_address(ip);
  r.mail_from = from;
  r.helo = helo;
  return r;
}

TEST(SpfCheckHost, BasicResults) {
  dns::StaticResolver z;
  z.add_txt("example.com", "v=spf1 ip4:192.0.2.0/24 ~all");
  auto pass = run_sync(check_mail_from(z, req("192.0.2.7", "a@example.com")));
  EXPECT_EQ(pass.result, SpfResult::pass);
  auto soft = run_sync(check_mail_from(z, req("198.51.100.1", "a@example.com")));
  EXPECT_EQ(soft.result, SpfResult::softfail);
  auto none = run_sync(check_mail_from(z, req("192.0.2.7", "a@other.example")));
  EXPECT_EQ(none.result, SpfResult::none);
}

TEST(SpfCheckHost, HeloIdentityAndNullSender) {
  dns::StaticResolver z;
  z.add_txt("mx.example.org", "v=spf1 a -all");
  z.add_a("mx.example.org", boost::asio::ip::make_address_v4("192.0.2.25"));
  EXPECT_EQ(run_sync(check_helo(z, req("192.0.2.25", "x@y.example"))).result, SpfResult::pass);
  EXPECT_EQ(run_sync(check_helo(z, req("192.0.2.26", "x@y.example"))).result, SpfResult::fail);
  EXPECT_EQ(run_sync(check_mail_from(z, req("192.0.2.25", ""))).result, SpfResult::pass);
}

TEST(SpfCheckHost, TenTermLimitAcrossIncludes) {
  dns::StaticResolver z;
  std::string rec = "v=spf1";
  for (int i = 0; i < 11; ++i) {
    rec += " include:i" + std::to_string(i) + ".example.com";
    z.add_txt("i" + std::to_string(i) + ".example.com", "v=spf1 -all");
  }
  z.add_txt("example.com", rec + " +all");
  auto out = run_sync(check_mail_from(z, req("192.0.2.1", "a@example.com")));
  EXPECT_EQ(out.result, SpfResult::permerror);
  EXPECT_LE(z.query_count(), 12u);
}

TEST(SpfCheckHost, VoidLookupLimit) {
  dns::StaticResolver z;
  z.add_txt("example.com", "v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com +all");
  EXPECT_EQ(run_sync(check_mail_from(z, req("192.0.2.1", "a@example.com"))).result,
            SpfResult::permerror);
  z.clear();
  z.add_txt("example.com", "v=spf1 a:n1.example.com a:n2.example.com +all");
  EXPECT_EQ(run_sync(check_mail_from(z, req("192.0.2.1", "a@example.com"))).result,
            SpfResult::pass);
}

TEST(SpfCheckHost, TemperrorAndExplanation) {
  dns::StaticResolver z;
  z.set_timeout("slow.example.com");
  z.add_txt("example.com", "v=spf1 include:slow.example.com -all");
  EXPECT_EQ(run_sync(check_mail_from(z, req("192.0.2.1", "a@example.com"))).result,
            SpfResult::temperror);
  EXPECT_EQ(run_sync(check_mail_from(z, req("192.0.2.1", "a@slow.example.com"))).result,
            SpfResult::temperror);
  z.add_txt("e.example.com", "v=spf1 -all exp=why.example.com");
  z.add_txt("why.example.com", "%{i} may not send for %{d} (%{l})");
  auto out = run_sync(check_mail_from(z, req("192.0.2.1", "bob@e.example.com")));
  EXPECT_EQ(out.result, SpfResult::fail);
  EXPECT_EQ(out.explanation, "192.0.2.1 may not send for e.example.com (bob)");
}

TEST(SpfCheckHost, MxAndPtr) {
  dns::StaticResolver z;
  z.add_txt("example.com", "v=spf1 mx/24 ptr -all");
  z.add_mx("example.com", 10, "mx1.example.com");
  z.add_a("mx1.example.com", boost::asio::ip::make_address_v4("192.0.2.10"));
  z.add_ptr("5.100.51.198.in-addr.arpa", "host.example.com");
  z.add_a("host.example.com", boost::asio::ip::make_address_v4("198.51.100.5"));
  EXPECT_EQ(run_sync(check_mail_from(z, req("192.0.2.99", "a@example.com"))).result,
            SpfResult::pass);
  EXPECT_EQ(run_sync(check_mail_from(z, req("198.51.100.5", "a@example.com"))).result,
            SpfResult::pass);
  EXPECT_EQ(run_sync(check_mail_from(z, req("203.0.113.1", "a@example.com"))).result,
            SpfResult::fail);
  EXPECT_EQ(run_sync(check_mail_from(z, req("::ffff:192.0.2.99", "a@example.com"))).result,
            SpfResult::pass);
}

}  // namespace
}  // namespace postino::mailauth::spf
