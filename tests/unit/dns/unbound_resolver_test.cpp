// UnboundResolver against a real nsd on 127.0.0.1 (nsd_fixture.hpp).
#include "dns/unbound_resolver.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "dns/nsd_fixture.hpp"
#include "dns/rdata.hpp"

namespace postino::dns {
namespace {

using testing::NsdServer;
using namespace std::chrono_literals;

const std::string kLongTxt = "v=DKIM1; k=rsa; p=" + std::string(300, 'Q');  // > 255 octets

std::map<std::string, std::vector<std::string>> zones() {
  return {
      {"example.test",
       {
           "@ MX 20 mx2.example.test.",
           "@ MX 10 mx.example.test.",
           "@ MX 30 MX3.Example.Test.",
           "mx A 192.0.2.25",
           "mx A 192.0.2.26",
           "mx AAAA 2001:db8::25",
           "alias CNAME mx",
           "@ TXT \"v=spf1 \" \"ip4:192.0.2.0/24 \" \"-all\"",
           "sel._domainkey TXT \"" + kLongTxt.substr(0, 200) + "\" \"" + kLongTxt.substr(200) +
               "\"",
           "_25._tcp.mx TLSA 3 1 1 "
           "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
           "deep.sub A 192.0.2.30",
       }},
      {"null.test", {"@ MX 0 ."}},
      {"2.0.192.in-addr.arpa", {"25 PTR mx.example.test."}},
  };
}

// Runs `aw` on `io` (restarted) until it and everything it started are done.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> aw) {
  std::optional<T> out;
  auto wrap = [](asio::awaitable<T> a, std::optional<T>& o) -> asio::awaitable<void> {
    o.emplace(co_await std::move(a));
  };
  io.restart();
  asio::co_spawn(io, wrap(std::move(aw), out), [](std::exception_ptr e) {
    if (e) std::rethrow_exception(e);
  });
  io.run();
  return std::move(*out);
}

config::Endpoint loopback(uint16_t port) {
  return config::Endpoint{"127.0.0.1", port, "127.0.0.1:" + std::to_string(port)};
}

class UnboundResolverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!NsdServer::available()) return;
    nsd_ = new NsdServer(zones());
    if (!nsd_->start()) {
      std::string log = nsd_->log();
      delete nsd_;
      nsd_ = nullptr;
      FAIL() << "nsd did not start:\n" << log;
    }
  }
  static void TearDownTestSuite() {
    delete nsd_;
    nsd_ = nullptr;
  }
  void SetUp() override {
    if (!NsdServer::available()) GTEST_SKIP() << "/usr/sbin/nsd is not installed";
    ASSERT_NE(nsd_, nullptr);
  }

  std::unique_ptr<UnboundResolver> make(std::chrono::milliseconds timeout = 5s) {
    UnboundResolver::Options o;
    o.servers = {loopback(nsd_->port())};
    o.timeout = timeout;
    auto r = UnboundResolver::create(o, io_.get_executor());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return std::move(*r);
  }

  static NsdServer* nsd_;
  asio::io_context io_;
};
NsdServer* UnboundResolverTest::nsd_ = nullptr;

TEST_F(UnboundResolverTest, AddressRecordsAndCname) {
  auto r = make();
  auto a = run(io_, r->a("MX.example.test."));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->rcode, Rcode::ok);
  EXPECT_FALSE(a->secure);  // nsd serves an unsigned zone
  std::vector<std::string> got;
  for (auto& ip : a->records) got.push_back(ip.to_string());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"192.0.2.25", "192.0.2.26"}));

  auto aaaa = run(io_, r->aaaa("mx.example.test"));
  ASSERT_TRUE(aaaa.ok()) << aaaa.error().message;
  ASSERT_EQ(aaaa->records.size(), 1u);
  EXPECT_EQ(aaaa->records[0].to_string(), "2001:db8::25");

  auto alias = run(io_, r->aaaa("alias.example.test"));  // CNAME followed
  ASSERT_TRUE(alias.ok()) << alias.error().message;
  ASSERT_EQ(alias->records.size(), 1u);
  EXPECT_EQ(alias->records[0].to_string(), "2001:db8::25");
}

TEST_F(UnboundResolverTest, MxSortedByPreferenceAndNullMx) {
  auto r = make();
  auto mx = run(io_, r->mx("example.test"));
  ASSERT_TRUE(mx.ok()) << mx.error().message;
  ASSERT_EQ(mx->records.size(), 3u);
  EXPECT_EQ(mx->records[0].preference, 10);
  EXPECT_EQ(mx->records[0].exchange, "mx.example.test");
  EXPECT_EQ(mx->records[1].preference, 20);
  EXPECT_EQ(mx->records[1].exchange, "mx2.example.test");
  EXPECT_EQ(mx->records[2].exchange, "mx3.example.test");  // lower-cased

  auto null_mx = run(io_, r->mx("null.test"));  // RFC 7505 "0 ."
  ASSERT_TRUE(null_mx.ok()) << null_mx.error().message;
  ASSERT_EQ(null_mx->records.size(), 1u);
  EXPECT_EQ(null_mx->records[0].preference, 0);
  EXPECT_EQ(null_mx->records[0].exchange, "");
}

TEST_F(UnboundResolverTest, TxtStringsConcatenated) {
  auto r = make();
  auto spf = run(io_, r->txt("example.test"));
  ASSERT_TRUE(spf.ok()) << spf.error().message;
  ASSERT_EQ(spf->records.size(), 1u);
  EXPECT_EQ(spf->records[0], "v=spf1 ip4:192.0.2.0/24 -all");
  auto dkim = run(io_, r->txt("sel._domainkey.example.test"));
  ASSERT_TRUE(dkim.ok()) << dkim.error().message;
  ASSERT_EQ(dkim->records.size(), 1u);
  EXPECT_EQ(dkim->records[0], kLongTxt);
}

TEST_F(UnboundResolverTest, PtrAndTlsa) {
  auto r = make();
  auto ptr = run(io_, r->ptr(reverse_name(asio::ip::make_address("192.0.2.25"))));
  ASSERT_TRUE(ptr.ok()) << ptr.error().message;
  ASSERT_EQ(ptr->records.size(), 1u);
  EXPECT_EQ(ptr->records[0], "mx.example.test");

  auto tlsa = run(io_, r->tlsa("_25._tcp.mx.example.test"));
  ASSERT_TRUE(tlsa.ok()) << tlsa.error().message;
  ASSERT_EQ(tlsa->records.size(), 1u);
  EXPECT_EQ(tlsa->records[0].usage, 3);
  EXPECT_EQ(tlsa->records[0].selector, 1);
  EXPECT_EQ(tlsa->records[0].matching_type, 1);
  ASSERT_EQ(tlsa->records[0].data.size(), 32u);
  EXPECT_EQ(static_cast<unsigned char>(tlsa->records[0].data[0]), 0x01);
  EXPECT_EQ(static_cast<unsigned char>(tlsa->records[0].data[31]), 0xef);
  EXPECT_FALSE(tlsa->secure);
}

TEST_F(UnboundResolverTest, NxdomainNodataRefusedAndBadName) {
  auto r = make();
  auto nx = run(io_, r->a("nope.example.test"));
  ASSERT_TRUE(nx.ok()) << nx.error().message;
  EXPECT_EQ(nx->rcode, Rcode::nxdomain);
  EXPECT_TRUE(nx->empty());

  auto nodata = run(io_, r->mx("mx.example.test"));
  ASSERT_TRUE(nodata.ok()) << nodata.error().message;
  EXPECT_EQ(nodata->rcode, Rcode::nodata);
  EXPECT_TRUE(nodata->empty());

  auto ent = run(io_, r->a("sub.example.test"));  // empty non-terminal: RFC 8020
  ASSERT_TRUE(ent.ok()) << ent.error().message;
  EXPECT_EQ(ent->rcode, Rcode::nodata);

  // nsd is not authoritative for other.example: REFUSED is a temporary failure.
  auto refused = run(io_, r->a("www.other.example"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::unavailable);

  auto bad = run(io_, r->a("a..example.test"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid);
}

TEST_F(UnboundResolverTest, DnssecAnchorDoesNotBreakUnsignedForwardedZones) {
  if (::access(kRootTrustAnchor, R_OK) != 0) GTEST_SKIP() << "no root trust anchor";
  // dnssec = true is the default; with forwarders it is not applied ...
  UnboundResolver::Options o;
  o.servers = {loopback(nsd_->port())};
  o.timeout = 5s;
  ASSERT_TRUE(o.dnssec);
  auto r = UnboundResolver::create(o, io_.get_executor());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE((*r)->validating());
  auto a = run(io_, (*r)->a("mx.example.test"));
  ASSERT_TRUE(a.ok()) << a.error().message;
  EXPECT_EQ(a->records.size(), 2u);
  EXPECT_FALSE(a->secure);

  // ... because an authoritative-only server gives no chain of trust, so a
  // validating resolver must call the answer bogus, which is a failure.
  o.validate_forwarded = true;
  auto v = UnboundResolver::create(o, io_.get_executor());
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_TRUE((*v)->validating());
  auto bogus = run(io_, (*v)->a("mx.example.test"));
  ASSERT_FALSE(bogus.ok());
  EXPECT_EQ(bogus.error().code, Errc::unavailable);
  EXPECT_NE(bogus.error().message.find("DNSSEC"), std::string::npos) << bogus.error().message;
}

TEST_F(UnboundResolverTest, TrustAnchorsValidateBelowThemAlsoWithServers) {
  // A DS anchor for example.test, which nsd serves unsigned: with [dns]
  // servers set, the anchor is used (validating), so answers in example.test
  // are bogus (a failure, RFC 4035 §5.5), while null.test, under no anchor,
  // is insecure and answers normally (RFC 7672 §2.1.1).
  UnboundResolver::Options o;
  o.servers = {loopback(nsd_->port())};
  o.timeout = 5s;
  o.trust_anchors = {"example.test. IN DS 12345 13 2 " + std::string(64, 'a')};
  auto r = UnboundResolver::create(o, io_.get_executor());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE((*r)->validating());
  auto bogus = run(io_, (*r)->tlsa("_25._tcp.mx.example.test"));
  ASSERT_FALSE(bogus.ok());
  EXPECT_EQ(bogus.error().code, Errc::unavailable);
  EXPECT_NE(bogus.error().message.find("DNSSEC"), std::string::npos) << bogus.error().message;
  auto insecure = run(io_, (*r)->mx("null.test"));
  ASSERT_TRUE(insecure.ok()) << insecure.error().message;
  EXPECT_EQ(insecure->records.size(), 1u);
  EXPECT_FALSE(insecure->secure);

  // dnssec = false turns validation off, anchors included.
  o.dnssec = false;
  auto off = UnboundResolver::create(o, io_.get_executor());
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_FALSE((*off)->validating());
  auto plain = run(io_, (*off)->tlsa("_25._tcp.mx.example.test"));
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_FALSE(plain->secure);
}

TEST_F(UnboundResolverTest, MalformedTrustAnchorIsAnError) {
  UnboundResolver::Options o;
  o.servers = {loopback(nsd_->port())};
  o.timeout = 5s;
  o.trust_anchors = {"example.test. IN DS not a digest"};
  auto r = UnboundResolver::create(o, io_.get_executor());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("trust anchor"), std::string::npos) << r.error().message;
}

TEST_F(UnboundResolverTest, TimeoutWhenNothingAnswers) {
  testing::UdpSocket silent;  // bound, never read: queries vanish
  ASSERT_GE(silent.fd(), 0);
  UnboundResolver::Options o;
  o.servers = {loopback(silent.port())};
  o.timeout = 1s;
  auto r = UnboundResolver::create(o, io_.get_executor());
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto t0 = std::chrono::steady_clock::now();
  auto res = run(io_, (*r)->txt("example.test"));
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().code, Errc::unavailable);
  EXPECT_NE(res.error().message.find("timeout"), std::string::npos) << res.error().message;
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 8s);
}

TEST_F(UnboundResolverTest, ConcurrentLookupsFromTwoThreads) {
  auto r = make(10s);
  constexpr int kLookups = 300;
  std::atomic<int> good{0}, done{0};
  auto one = [](Resolver& res, int i, std::atomic<int>& good,
                std::atomic<int>& done) -> asio::awaitable<void> {
    if (i % 3 == 0) {
      auto mx = co_await res.mx("example.test");
      if (mx.ok() && mx->records.size() == 3 && mx->records[0].preference == 10) ++good;
    } else if (i % 3 == 1) {
      auto a = co_await res.a("mx.example.test");
      if (a.ok() && a->records.size() == 2) ++good;
    } else {
      auto nx = co_await res.txt("n" + std::to_string(i) + ".example.test");
      if (nx.ok() && nx->rcode == Rcode::nxdomain) ++good;
    }
    ++done;
  };
  for (int i = 0; i < kLookups; ++i) asio::co_spawn(io_, one(*r, i, good, done), asio::detached);
  std::thread t1([&] { io_.run(); });
  std::thread t2([&] { io_.run(); });
  t1.join();
  t2.join();
  EXPECT_EQ(done.load(), kLookups);
  EXPECT_EQ(good.load(), kLookups);
}

TEST_F(UnboundResolverTest, DestroyWithLookupsOutstanding) {
  testing::UdpSocket silent;
  UnboundResolver::Options o;
  o.servers = {loopback(silent.port())};
  o.timeout = 30s;
  auto r = UnboundResolver::create(o, io_.get_executor());
  ASSERT_TRUE(r.ok());
  std::unique_ptr<UnboundResolver> res = std::move(*r);
  constexpr int kLookups = 20;
  std::atomic<int> shut{0}, done{0};
  auto one = [](Resolver& res, std::atomic<int>& shut,
                std::atomic<int>& done) -> asio::awaitable<void> {
    auto a = co_await res.a("mx.example.test");
    if (!a.ok() && a.error().code == Errc::unavailable &&
        a.error().message.find("shut down") != std::string::npos)
      ++shut;
    ++done;
  };
  for (int i = 0; i < kLookups; ++i) asio::co_spawn(io_, one(*res, shut, done), asio::detached);
  auto t0 = std::chrono::steady_clock::now();
  std::thread t1([&] { io_.run(); });
  std::thread t2([&] { io_.run(); });
  std::this_thread::sleep_for(300ms);  // the look-ups are in flight now
  EXPECT_EQ(done.load(), 0);
  res.reset();
  t1.join();  // run() returns: nothing is left waiting on the resolver
  t2.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  EXPECT_EQ(done.load(), kLookups);
  EXPECT_EQ(shut.load(), kLookups);
}

TEST_F(UnboundResolverTest, DestroyAfterUseAndReuseIoContext) {
  for (int round = 0; round < 3; ++round) {
    auto r = make();
    auto a = run(io_, r->a("mx.example.test"));
    ASSERT_TRUE(a.ok()) << a.error().message;
    r.reset();
    io_.restart();
    io_.run();  // whatever the resolver left queued runs and ends
  }
}

TEST(UnboundResolverConfig, FactoryAndBadServer) {
  asio::io_context io;
  config::Config::Dns cfg;
  cfg.servers = {loopback(53)};
  cfg.timeout = 3;
  auto r = make_resolver(cfg, io.get_executor());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(*r, nullptr);

  UnboundResolver::Options o;
  o.servers = {config::Endpoint{"not-an-ip", 53, "not-an-ip:53"}};
  auto bad = UnboundResolver::create(o, io.get_executor());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("not-an-ip"), std::string::npos);
}

TEST(Rdata, DecodesAndRejects) {
  using namespace std::string_literals;
  auto mx = rdata::mx(
      "\x00\x0a\x02mx\x07"
      "example\x04test\x00"s);
  ASSERT_TRUE(mx.ok());
  EXPECT_EQ(mx->preference, 10);
  EXPECT_EQ(mx->exchange, "mx.example.test");
  auto null_mx = rdata::mx("\x00\x00\x00"s);
  ASSERT_TRUE(null_mx.ok());
  EXPECT_EQ(null_mx->exchange, "");
  EXPECT_FALSE(rdata::mx("\x00\x0a\xc0\x0c"s).ok());        // compression pointer
  EXPECT_FALSE(rdata::mx("\x00\x0a\x05mx"s).ok());          // label runs past the end
  EXPECT_FALSE(rdata::mx("\x00\x0a\x02mx\x00junk"s).ok());  // trailing octets
  auto odd = rdata::name(
      "\x03"
      "a.b\x02\x01Z\x00"s);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(*odd, "a\\.b.\\001z");
  auto txt = rdata::txt(
      "\x03"
      "abc\x00\x02"
      "de"s);
  ASSERT_TRUE(txt.ok());
  EXPECT_EQ(*txt, "abcde");
  EXPECT_FALSE(rdata::txt("\x05"
                          "abc"s)
                   .ok());
  EXPECT_FALSE(rdata::txt(""s).ok());
  EXPECT_FALSE(rdata::a("\x01\x02\x03"s).ok());
  EXPECT_FALSE(rdata::aaaa(std::string(15, '\0')).ok());
  auto tlsa = rdata::tlsa("\x03\x01\x01\xab"s);
  ASSERT_TRUE(tlsa.ok());
  EXPECT_EQ(tlsa->data, "\xab");
  EXPECT_FALSE(rdata::tlsa("\x03\x01\x01"s).ok());
  std::string deep;
  for (int i = 0; i < 130; ++i) deep += "\x01x";
  EXPECT_FALSE(rdata::name(deep + '\0').ok());  // longer than 255 octets
}

}  // namespace
}  // namespace postino::dns
