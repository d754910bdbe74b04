// MTA-STS (RFC 8461): the TXT record and policy parsers, MX pattern matching,
// and the cache's discovery against an in-process HTTPS policy host (a
// certificate made for mta-sts.example.test, trusted through ca_file).
#include "queue/mta_sts/mta_sts.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <optional>

#include "common/temp_dir.hpp"
#include "dns/static_resolver.hpp"
#include "net/tls.hpp"

namespace postino::queue {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// ---- TXT record (§3.1) ----

TEST(MtaStsTxt, ParsesId) {
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1; id=20160831085700Z;").value(), "20160831085700Z");
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1;id=abc").value(), "abc");
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1 ;\tid=abc ; ").value(), "abc");
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1; ext=x.y; id=A1; other-ext=!").value(), "A1");
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1; id=first; id=second").value(), "first");
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1; id=" + std::string(32, '9')).value(), std::string(32, '9'));
}

TEST(MtaStsTxt, RejectsMalformed) {
  for (const char* bad :
       {"", "v=STSv1", "v=STSv1;", "v=STSv2; id=1", "id=1; v=STSv1", "v=STSv10; id=1",
        "V=STSv1; id=1", "v=STSv1; id=", "v=STSv1; id=a-b", "v=STSv1; id=a b", "v=STSv1 id=1",
        "v=STSv1; id=1;; x=2", "v=STSv1; noequals; id=1", "v=STSv1; _x=1; id=1",
        "v=STSv1; id=1; x=a=b", " v=STSv1; id=1"}) {
    EXPECT_FALSE(parse_mta_sts_txt(bad).ok()) << bad;
  }
  EXPECT_FALSE(parse_mta_sts_txt("v=STSv1; id=" + std::string(33, 'a')).ok());
}

// ---- Policy (§3.2) ----

TEST(MtaStsPolicy, ParsesTheRfcExample) {
  auto p = parse_mta_sts_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, MtaStsPolicy::enforce);
  EXPECT_EQ(p->max_age, 604800u);
  EXPECT_EQ(p->mx, (std::vector<std::string>{"mail.example.com", "*.example.net",
                                             "backupmx.example.com"}));
}

TEST(MtaStsPolicy, LineEndsSpacesDuplicatesAndExtensions) {
  auto p = parse_mta_sts_policy(
      "version:STSv1\nmode:\t testing  \nmax_age: 86400\nmax_age: 5\nmode: enforce\n"
      "mx: MX1.Example.COM.\nmx: mx1.example.com\nx-ext: anything goes é\n\n");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->mode, MtaStsPolicy::testing);  // the first mode counts
  EXPECT_EQ(p->max_age, 86400u);              // and the first max_age
  EXPECT_EQ(p->mx, std::vector<std::string>{"mx1.example.com"});
  auto none = parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 0");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->mode, MtaStsPolicy::none);
  EXPECT_TRUE(none->mx.empty());
  auto capped = parse_mta_sts_policy("version: STSv1\nmode: none\nmax_age: 9999999999\n");
  ASSERT_TRUE(capped.ok());
  EXPECT_EQ(capped->max_age, kMaxPolicyAge);
}

TEST(MtaStsPolicy, RejectsMalformed) {
  const std::string ok_tail = "\nmx: mx.example.com\n";
  for (std::string bad : {
           std::string("mode: enforce\nmax_age: 1") + ok_tail,                  // no version
           std::string("version: STSv1\nmax_age: 1") + ok_tail,                 // no mode
           std::string("version: STSv1\nmode: enforce") + ok_tail,              // no max_age
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\n"),          // no mx
           std::string("version: STSv2\nmode: enforce\nmax_age: 1") + ok_tail,  // version
           std::string("version: STSv1\nmode: Enforce\nmax_age: 1") + ok_tail,  // case-sensitive
           std::string("version: STSv1\nmode: enforce\nmax_age: -1") + ok_tail,
           std::string("version: STSv1\nmode: enforce\nmax_age: 12345678901") + ok_tail,
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *"),
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\nmx: a.*.example.com"),
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\nmx: *example.com"),
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\nmx: mx_1.example.com"),
           std::string("version STSv1\nmode: enforce\nmax_age: 1") + ok_tail,  // no colon
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\n: x") + ok_tail,
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\nx: a\x01") + ok_tail,
           std::string("version: STSv1\nmode: enforce\nmax_age: 1\nmx:") + ok_tail,
           std::string("<html><body>Not a policy</body></html>"),
       }) {
    EXPECT_FALSE(parse_mta_sts_policy(bad).ok()) << bad;
  }
  std::string huge = "version: STSv1\nmode: none\nmax_age: 1\n";
  huge += "x: " + std::string(kMaxPolicyBytes, 'a') + "\n";
  EXPECT_FALSE(parse_mta_sts_policy(huge).ok());
  std::string many = "version: STSv1\nmode: enforce\nmax_age: 1\n";
  for (size_t i = 0; i <= kMaxPolicyMx; ++i) many += "mx: mx" + std::to_string(i) + ".example\n";
  EXPECT_FALSE(parse_mta_sts_policy(many).ok());
}

TEST(MtaStsPolicy, ErrorsNameTheLine) {
  auto p = parse_mta_sts_policy("version: STSv1\nmode: enforce\nmax_age: x\n");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("line 3"), std::string::npos) << p.error().message;
}

TEST(MtaStsPolicy, MxMatching) {
  MtaStsPolicy p;
  p.mx = {"mail.example.com", "*.example.net"};
  EXPECT_TRUE(p.matches_mx("mail.example.com"));
  EXPECT_TRUE(p.matches_mx("MAIL.Example.com."));
  EXPECT_FALSE(p.matches_mx("mail2.example.com"));
  EXPECT_FALSE(p.matches_mx("example.com"));
  // §4.1: "*.example.net" matches one whole left-most label only.
  EXPECT_TRUE(p.matches_mx("mx1.example.net"));
  EXPECT_FALSE(p.matches_mx("example.net"));
  EXPECT_FALSE(p.matches_mx(".example.net"));
  EXPECT_FALSE(p.matches_mx("foo.bar.example.net"));
  EXPECT_FALSE(p.matches_mx("mx1example.net"));
  EXPECT_FALSE(p.matches_mx("mx1.example.net.evil"));
  EXPECT_FALSE(p.matches_mx(""));
  EXPECT_FALSE(MtaStsPolicy{}.matches_mx("mail.example.com"));
}

TEST(MtaStsPolicy, FormatRoundTripsAndIdFollowsTheText) {
  MtaStsPolicy p;
  p.mode = MtaStsPolicy::enforce;
  p.mx = {"mail.example.test", "*.backup.example.test"};
  p.max_age = 604800;
  std::string text = format_mta_sts_policy(p);
  EXPECT_EQ(text,
            "version: STSv1\r\nmode: enforce\r\nmx: mail.example.test\r\n"
            "mx: *.backup.example.test\r\nmax_age: 604800\r\n");
  auto back = parse_mta_sts_policy(text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->mode, p.mode);
  EXPECT_EQ(back->mx, p.mx);
  EXPECT_EQ(back->max_age, p.max_age);
  std::string id = mta_sts_policy_id(text);
  EXPECT_EQ(id.size(), 20u);
  EXPECT_EQ(parse_mta_sts_txt("v=STSv1; id=" + id + ";").value(), id);
  EXPECT_EQ(mta_sts_policy_id(text), id);
  p.mode = MtaStsPolicy::testing;
  EXPECT_NE(mta_sts_policy_id(format_mta_sts_policy(p)), id);
}

// ---- Discovery and cache (§3.3, §5.1) against a real HTTPS server ----

class PolicyHost {
 public:
  explicit PolicyHost(asio::io_context& io, const std::string& cert, const std::string& key)
      : ctx_(asio::ssl::context::tls_server),
        acceptor_(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    ctx_.use_certificate_chain_file(cert);
    ctx_.use_private_key_file(key, asio::ssl::context::pem);
    asio::co_spawn(io, serve(), asio::detached);
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

  std::string response;  // the whole HTTP response sent to each request
  std::atomic<int> requests{0};
  std::string last_request;

 private:
  asio::awaitable<void> serve() {
    while (true) {
      boost::system::error_code ec;
      tcp::socket sock =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      asio::ssl::stream<tcp::socket> s(std::move(sock), ctx_);
      co_await s.async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        size_t n = co_await s.async_read_some(asio::buffer(buf),
                                              asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
        req.append(buf, n);
      }
      if (ec) continue;
      ++requests;
      last_request = req;
      co_await asio::async_write(s, asio::buffer(response),
                                 asio::redirect_error(asio::use_awaitable, ec));
      s.next_layer().close(ec);
    }
  }

  asio::ssl::context ctx_;
  tcp::acceptor acceptor_;
};

std::string http_ok(const std::string& body, const std::string& type = "text/plain") {
  return "HTTP/1.1 200 OK\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         body;
}

const std::string kEnforce =
    "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 3600\r\n";
const std::string kTesting =
    "version: STSv1\r\nmode: testing\r\nmx: *.example.test\r\nmax_age: 86400\r\n";

class MtaStsCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = dir_.path() + "/cert.pem";
    key_ = dir_.path() + "/key.pem";
    ASSERT_TRUE(net::ensure_self_signed(cert_, key_, "mta-sts.example.test").ok());
    host_.emplace(io_, cert_, key_);
    zone_.add_a("mta-sts.example.test", dns::Ip4::loopback());
    zone_.add_txt("_mta-sts.example.test", "v=STSv1; id=one;");
    MtaStsCache::Options o;
    o.port = host_->port();
    o.ca_file = cert_;
    o.timeout_seconds = 10;
    o.now = [this] { return now_; };
    cache_.emplace(zone_, o);
  }

  // Runs one coroutine to completion; the policy host keeps serving meanwhile.
  template <class T>
  T run(asio::awaitable<T> aw) {
    std::optional<T> out;
    auto wrap = [](asio::awaitable<T> a, std::optional<T>& o) -> asio::awaitable<void> {
      o.emplace(co_await std::move(a));
    };
    asio::co_spawn(io_, wrap(std::move(aw), out), asio::detached);
    while (!out) io_.run_one();
    return std::move(*out);
  }
  MtaStsPolicy policy(const std::string& domain) { return run(cache_->policy(domain)); }
  Result<std::string> fetch(const std::string& domain) { return run(cache_->fetch(domain)); }
  void set_txt(const std::string& txt) {
    zone_.clear();
    zone_.add_a("mta-sts.example.test", dns::Ip4::loopback());
    if (!txt.empty()) zone_.add_txt("_mta-sts.example.test", txt);
  }

  testing::TempDir dir_;
  std::string cert_, key_;
  asio::io_context io_;
  std::optional<PolicyHost> host_;
  dns::StaticResolver zone_;
  std::optional<MtaStsCache> cache_;
  int64_t now_ = 1'000'000;
};

TEST_F(MtaStsCacheTest, FetchesOnceAndCachesWhileTheIdStays) {
  host_->response = http_ok(kEnforce);
  MtaStsPolicy p = policy("Example.TEST.");
  EXPECT_EQ(p.mode, MtaStsPolicy::enforce);
  EXPECT_EQ(p.mx, std::vector<std::string>{"mx.example.test"});
  EXPECT_EQ(p.max_age, 3600u);
  EXPECT_EQ(host_->requests, 1);
  EXPECT_EQ(host_->last_request.rfind("GET /.well-known/mta-sts.txt HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(host_->last_request.find("mta-sts.example.test:" + std::to_string(host_->port())),
            std::string::npos);
  now_ += 3599;
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  EXPECT_EQ(host_->requests, 1);
}

TEST_F(MtaStsCacheTest, NewIdOrExpiryFetchesAgain) {
  host_->response = http_ok(kEnforce);
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  set_txt("v=STSv1; id=two");
  host_->response = http_ok(kTesting);
  MtaStsPolicy p = policy("example.test");
  EXPECT_EQ(p.mode, MtaStsPolicy::testing);
  EXPECT_TRUE(p.matches_mx("a.example.test"));
  EXPECT_EQ(host_->requests, 2);
  now_ += 86400;  // max_age of the testing policy has passed
  host_->response = http_ok(kEnforce);
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  EXPECT_EQ(host_->requests, 3);
}

TEST_F(MtaStsCacheTest, FailedFetchFallsBackToTheCachedPolicy) {
  host_->response = http_ok(kEnforce);
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  set_txt("v=STSv1; id=two");
  host_->response = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  EXPECT_EQ(host_->requests, 2);
  // §3.3: no new attempt for the same id within five minutes.
  now_ += kFetchRetryDelay - 1;
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  EXPECT_EQ(host_->requests, 2);
  now_ += 1;
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  EXPECT_EQ(host_->requests, 3);
  // A record that disappears does not remove the cached policy (§3.1)...
  set_txt("");
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  // ...but an expired one is gone.
  now_ += 3600;
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::none);
  EXPECT_EQ(host_->requests, 3);
}

TEST_F(MtaStsCacheTest, BadPolicyBodyIsNoPolicy) {
  host_->response = http_ok("version: STSv1\r\nmode: enforce\r\nmax_age: 60\r\n");  // no mx
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::none);
  EXPECT_EQ(host_->requests, 1);
}

TEST_F(MtaStsCacheTest, NoOrSeveralOrBadRecordsMeanNoPolicy) {
  host_->response = http_ok(kEnforce);
  set_txt("");
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::none);
  set_txt("v=STSv1; id=a");
  zone_.add_txt("_mta-sts.example.test", "v=STSv1; id=b");
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::none);
  set_txt("v=STSv1; id=bad-id");
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::none);
  EXPECT_EQ(host_->requests, 0);
  // Records not beginning with v=STSv1 are discarded before counting (§3.1).
  set_txt("v=spf1 -all");
  zone_.add_txt("_mta-sts.example.test", "v=STSv1; id=c");
  EXPECT_EQ(policy("example.test").mode, MtaStsPolicy::enforce);
  EXPECT_EQ(host_->requests, 1);
  EXPECT_EQ(policy("bad..name").mode, MtaStsPolicy::none);
}

TEST_F(MtaStsCacheTest, FetchRefusesRedirectsOtherTypesAndLargeBodies) {
  host_->response =
      "HTTP/1.1 301 Moved\r\nLocation: https://mta-sts.example.test/p\r\nContent-Length: 0\r\n\r\n";
  auto r = fetch("example.test");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("301"), std::string::npos);
  host_->response = http_ok(kEnforce, "text/html");
  r = fetch("example.test");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("text/html"), std::string::npos);
  host_->response = http_ok(kEnforce, "Text/Plain; charset=utf-8");
  r = fetch("example.test");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, kEnforce);
  host_->response = http_ok(std::string(kMaxPolicyBytes + 1, 'a'));
  EXPECT_FALSE(fetch("example.test").ok());
}

TEST_F(MtaStsCacheTest, CertificateMustNameThePolicyHost) {
  host_->response = http_ok(kEnforce);
  zone_.add_a("mta-sts.other.test", dns::Ip4::loopback());
  zone_.add_txt("_mta-sts.other.test", "v=STSv1; id=one");
  auto r = fetch("other.test");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("TLS"), std::string::npos) << r.error().message;
  EXPECT_EQ(policy("other.test").mode, MtaStsPolicy::none);
  EXPECT_EQ(host_->requests, 0);
  // Without the extra CA the certificate is not trusted either.
  MtaStsCache::Options o;
  o.port = host_->port();
  MtaStsCache untrusting(zone_, o);
  auto u = run(untrusting.fetch("example.test"));
  EXPECT_FALSE(u.ok());
  EXPECT_EQ(host_->requests, 0);
}

TEST_F(MtaStsCacheTest, NoAddressOrSilentServerFails) {
  auto r = fetch("nowhere.test");
  ASSERT_FALSE(r.ok());
  // A server that accepts and then says nothing: the timeout ends the fetch.
  tcp::acceptor silent(io_, {asio::ip::make_address("127.0.0.1"), 0});
  MtaStsCache::Options o;
  o.port = silent.local_endpoint().port();
  o.ca_file = cert_;
  o.timeout_seconds = 1;
  MtaStsCache c(zone_, o);
  auto t0 = std::chrono::steady_clock::now();
  auto s = run(c.fetch("example.test"));
  EXPECT_FALSE(s.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

}  // namespace
}  // namespace postino::queue
