#include "admin/http_server.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "base/metrics.hpp"
#include "net/test_client.hpp"

namespace postino::admin {
namespace {

using namespace std::chrono_literals;

class AdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_.add_route("POST", "/echo", [](const HttpRequest& r) -> net::awaitable<HttpResponse> {
      co_return HttpResponse::text(200, r.method + " " + r.path + " q=" + r.query +
                                            " ct=" + r.header("content-type") + " body=" + r.body);
    });
    net::ServerOptions o;
    o.threads = 1;
    o.handle_signals = false;
    server_ = std::make_unique<net::Server>(o, nullptr);
    auto port = server_->add_listener({.name = "admin", .host = "127.0.0.1"}, http_.handler());
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  // Reads one response: status line + headers + Content-Length body.
  static std::string read_response(testing::Client& c, bool head = false) {
    std::string out, line;
    size_t length = 0;
    while (!(line = c.read_line()).empty()) {
      out += line;
      if (istarts_with(line, "content-length:"))
        length = *parse_u64(std::string(trim(line.substr(15))));
      if (line == "\r\n") break;
    }
    if (head) return out;
    return out + c.read_n(length);
  }

  HttpService http_;
  std::unique_ptr<net::Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

TEST_F(AdminTest, MetricsAreServedInPrometheusFormat) {
  metrics::counter("postino_admin_test_total", "A metric only this test registers").inc(7);
  auto c = testing::Client::connect(port_);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->send("GET /metrics HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  std::string r = read_response(*c);
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4\r\n"), std::string::npos) << r;
  EXPECT_NE(r.find("\npostino_admin_test_total 7\n"), std::string::npos) << r;
  // The server's own connection metrics are there too.
  EXPECT_NE(r.find("postino_connections_active{listener=\"admin\"} 1"), std::string::npos) << r;
}

TEST_F(AdminTest, KeepAliveHealthzNotFoundAndMethodNotAllowed) {
  auto c = testing::Client::connect(port_);
  ASSERT_NE(c, nullptr);
  // Two requests in one write (pipelined), then a third on the same connection.
  ASSERT_TRUE(
      c->send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string ok = read_response(*c);
  EXPECT_EQ(ok.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << ok;
  EXPECT_NE(ok.find("\r\n\r\nok\n"), std::string::npos) << ok;
  std::string nf = read_response(*c);
  EXPECT_EQ(nf.rfind("HTTP/1.1 404 Not Found\r\n", 0), 0u) << nf;
  ASSERT_TRUE(c->send("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string na = read_response(*c);
  EXPECT_EQ(na.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << na;
  EXPECT_NE(na.find("Allow: GET\r\n"), std::string::npos) << na;
  ASSERT_TRUE(c->send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string head = c->read_all();
  EXPECT_EQ(head.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << head;
  EXPECT_NE(head.find("Content-Length: 3\r\n"), std::string::npos) << head;
  EXPECT_EQ(head.find("ok\n"), std::string::npos) << head;  // no body, then closed
}

TEST_F(AdminTest, CustomRouteGetsQueryHeadersAndBody) {
  auto c = testing::Client::connect(port_);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->send(
      "POST /echo?a=1 HTTP/1.1\r\nHost: x\r\nContent-Type: text/x\r\nContent-Length: 5\r\n\r\nhe"));
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(c->send("llo"));
  std::string r = read_response(*c);
  EXPECT_NE(r.find("\r\n\r\nPOST /echo q=a=1 ct=text/x body=hello"), std::string::npos) << r;
}

TEST_F(AdminTest, HttpOneZeroClosesAfterResponse) {
  auto c = testing::Client::connect(port_);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->send("GET /healthz HTTP/1.0\r\n\r\n"));
  std::string r = c->read_all();
  EXPECT_EQ(r.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("ok\n"), std::string::npos);
}

TEST_F(AdminTest, BadAndOversizedRequestsAreRefused) {
  {
    auto c = testing::Client::connect(port_);
    ASSERT_TRUE(c->send("this is not http\r\n\r\n"));
    EXPECT_EQ(c->read_all().rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u);
  }
  {
    auto c = testing::Client::connect(port_);
    ASSERT_TRUE(c->send("GET /healthz HTTP/1.1\r\nX-Big: " + std::string(kMaxHeaderLine, 'a') +
                        "\r\n\r\n"));
    EXPECT_EQ(c->read_all().rfind("HTTP/1.1 431 ", 0), 0u);
  }
  {
    auto c = testing::Client::connect(port_);
    ASSERT_TRUE(c->send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                        std::to_string(kMaxBodyBytes + 1) + "\r\n\r\n"));
    EXPECT_EQ(c->read_all().rfind("HTTP/1.1 413 ", 0), 0u);
  }
  {
    auto c = testing::Client::connect(port_);
    ASSERT_TRUE(c->send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"));
    EXPECT_EQ(c->read_all().rfind("HTTP/1.1 501 ", 0), 0u);
  }
  {
    auto c = testing::Client::connect(port_);
    std::string many = "GET /healthz HTTP/1.1\r\n";
    for (size_t i = 0; i <= kMaxHeaderLines; ++i) many += "X-" + std::to_string(i) + ": v\r\n";
    ASSERT_TRUE(c->send(many + "\r\n"));
    EXPECT_EQ(c->read_all().rfind("HTTP/1.1 431 ", 0), 0u);
  }
}

}  // namespace
}  // namespace postino::admin
