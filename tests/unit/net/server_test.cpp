// End-to-end tests of Server + Connection over loopback sockets, with a small
// line protocol handler and blocking clients (test_client.hpp).
#include "net/server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <unistd.h>
#include <zlib.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "net/test_client.hpp"

namespace postino::net {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr size_t kMaxLine = 64;

std::string visible(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else
      out.push_back(c);
  }
  return out;
}

awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

// The test protocol: one command per line.
//   STARTTLS -> "220 go", then TLS      INFO -> tls/version/ip/loopback/pending
//   SLOW -> "WORKING", 400 ms, "DONE"   READ n -> read_exact(n), "GOT <bytes>"
//   CHUNK n -> read_exact_chunked(n), "CHUNKS <bytes>"     QUIT -> "BYE"
//   COMPRESS -> "OK deflate", then DEFLATE both ways ("ERR <message>" if refused)
//   anything else -> "ECHO <line with \r \n made visible>"
// Read errors: limit -> "ERR limit" and go on; busy/unavailable -> a last
// "ERR timeout" / "ERR shutdown"; EOF ends the session.
awaitable<void> test_handler(Connection& c) {
  for (;;) {
    auto line = co_await c.read_line(kMaxLine);
    if (!line) {
      Errc e = line.error().code;
      if (e == Errc::limit) {
        c.write("ERR limit\r\n");
        if (!co_await c.flush()) co_return;
        continue;
      }
      if (e == Errc::busy) c.write("ERR timeout\r\n");
      if (e == Errc::unavailable) c.write("ERR shutdown\r\n");
      (void)co_await c.flush();
      co_return;
    }
    std::string cmd(trim(*line));
    if (cmd == "STARTTLS") {
      c.write("220 go\r\n");
      if (!co_await c.start_tls()) co_return;
      continue;
    } else if (cmd == "COMPRESS") {
      if (c.compression_active()) {
        c.write("ERR active\r\n");
      } else {
        c.write("OK deflate\r\n");
        if (!co_await c.flush()) co_return;
        if (auto st = c.start_compression(); !st) co_return;
        continue;
      }
    } else if (cmd == "INFO") {
      c.write("INFO tls=" + std::to_string(c.is_tls()) + " version=" + c.tls_version() +
              " ip=" + c.remote_ip() + " loopback=" + std::to_string(c.is_loopback()) +
              " id=" + c.id() + " listener=" + c.listener() + "\r\n");
    } else if (cmd == "SLOW") {
      c.write("WORKING\r\n");
      if (!co_await c.flush()) co_return;
      co_await sleep_for(400ms);
      c.write("DONE\r\n");
    } else if (cmd.rfind("READ ", 0) == 0) {
      auto data = co_await c.read_exact(*parse_u64(cmd.substr(5)));
      if (!data) co_return;
      c.write("GOT " + *data + "\r\n");
    } else if (cmd.rfind("CHUNK ", 0) == 0) {
      std::string got;
      auto st = co_await c.read_exact_chunked(*parse_u64(cmd.substr(6)), [&](std::string_view p) {
        got.append(p);
        return Status{};
      });
      if (!st) co_return;
      c.write("CHUNKS " + got + "\r\n");
    } else if (cmd == "QUIT") {
      c.write("BYE\r\n");
      (void)co_await c.flush();
      co_return;
    } else {
      c.write("ECHO " + visible(*line) + "\r\n");
    }
    if (!co_await c.flush()) co_return;
  }
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions opts = {}, bool implicit_tls = false) {
    opts.threads = 2;
    opts.handle_signals = false;
    dir_ = testing::temp_dir("server");
    auto tls = TlsContext::create({.data_dir = dir_, .hostname = "test.example"});
    ASSERT_TRUE(tls.ok()) << tls.error().message;
    tls_ = *tls;
    server_ = std::make_unique<Server>(opts, tls_);
    auto port = server_->add_listener({.name = implicit_tls ? "imaps" : "plain",
                                       .host = "127.0.0.1",
                                       .port = 0,
                                       .implicit_tls = implicit_tls,
                                       .refusal_line = "421 too many connections\r\n"},
                                      test_handler);
    ASSERT_TRUE(port.ok()) << port.error().message;
    port_ = *port;
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<testing::Client> connect() {
    auto c = testing::Client::connect(port_);
    EXPECT_NE(c, nullptr);
    return c;
  }

  std::string dir_;
  std::shared_ptr<TlsContext> tls_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
  uint16_t port_ = 0;
};

TEST_F(ServerTest, BareLfAndCrlfAreReturnedAsReceived) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("one\r\ntwo\nthree\r\n"));
  EXPECT_EQ(c->read_line(), "ECHO one\\r\\n\r\n");
  EXPECT_EQ(c->read_line(), "ECHO two\\n\r\n");
  EXPECT_EQ(c->read_line(), "ECHO three\\r\\n\r\n");
}

TEST_F(ServerTest, LongLineGivesLimitThenNextLineIsRead) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send(std::string(10 * kMaxLine, 'x')));
  ASSERT_TRUE(c->send(std::string(10 * kMaxLine, 'y') + "\r\nHELLO\r\n"));
  EXPECT_EQ(c->read_line(), "ERR limit\r\n");
  EXPECT_EQ(c->read_line(), "ECHO HELLO\\r\\n\r\n");
}

TEST_F(ServerTest, ReadExactAndChunked) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("READ 5\r\nhe"));
  ASSERT_TRUE(c->send("llo"));
  EXPECT_EQ(c->read_line(), "GOT hello\r\n");
  ASSERT_TRUE(c->send("CHUNK 6\r\nab"));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c->send("cdefNEXT\r\n"));
  EXPECT_EQ(c->read_line(), "CHUNKS abcdef\r\n");
  EXPECT_EQ(c->read_line(), "ECHO NEXT\\r\\n\r\n");
}

TEST_F(ServerTest, ConnectionIdentity) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("INFO\r\n"));
  std::string info = c->read_line();
  EXPECT_NE(info.find("tls=0 version= ip=127.0.0.1 loopback=1 id=c"), std::string::npos) << info;
  EXPECT_NE(info.find("listener=plain"), std::string::npos) << info;
}

TEST_F(ServerTest, StartTlsDiscardsPipelinedPlaintext) {
  start();
  auto c = connect();
  // RFC 3207 §4.2: the NOOP sent with STARTTLS must never be executed.
  ASSERT_TRUE(c->send("STARTTLS\r\nNOOP\r\n"));
  ASSERT_EQ(c->read_line(), "220 go\r\n");
  ASSERT_TRUE(c->start_tls());
  EXPECT_EQ(c->peer_cn(), "test.example");
  ASSERT_TRUE(c->send("INFO\r\n"));
  std::string first = c->read_line();
  EXPECT_EQ(first.rfind("INFO tls=1 version=TLSv1.", 0), 0u) << first;
  ASSERT_TRUE(c->send("QUIT\r\n"));
  EXPECT_EQ(c->read_line(), "BYE\r\n");
}

TEST_F(ServerTest, ImplicitTls) {
  start({}, /*implicit_tls=*/true);
  auto c = connect();
  ASSERT_TRUE(c->start_tls());
  EXPECT_EQ(c->tls_version(), "TLSv1.3");
  ASSERT_TRUE(c->send("INFO\r\n"));
  std::string info = c->read_line();
  EXPECT_NE(info.find("tls=1 version=TLSv1.3"), std::string::npos) << info;
  EXPECT_NE(info.find("listener=imaps"), std::string::npos) << info;
}

TEST_F(ServerTest, Tls11ClientIsRefused) {
  start({}, /*implicit_tls=*/true);
  auto& failures = metrics::counter("postino_tls_handshake_failures_total", "");
  uint64_t before = failures.value();
  auto c = connect();
  EXPECT_FALSE(c->start_tls(TLS1_1_VERSION));
  // A TLS 1.2 client is still fine.
  auto ok = connect();
  EXPECT_TRUE(ok->start_tls(TLS1_2_VERSION));
  EXPECT_EQ(ok->tls_version(), "TLSv1.2");
  for (int i = 0; i < 100 && failures.value() == before; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_GT(failures.value(), before);
}

TEST_F(ServerTest, PerIpLimitRefusesWithLine) {
  ServerOptions o;
  o.max_connections_per_ip = 2;
  start(o);
  auto& refused = metrics::counter("postino_connections_refused_total", "",
                                   {{"listener", "plain"}, {"reason", "per_ip_limit"}});
  uint64_t before = refused.value();
  auto a = connect();
  auto b = connect();
  // Round trips make sure both are admitted before the third arrives.
  ASSERT_TRUE(a->send("x\r\n") && b->send("y\r\n"));
  ASSERT_EQ(a->read_line(), "ECHO x\\r\\n\r\n");
  ASSERT_EQ(b->read_line(), "ECHO y\\r\\n\r\n");
  auto third = connect();
  EXPECT_EQ(third->read_all(), "421 too many connections\r\n");
  EXPECT_EQ(refused.value(), before + 1);
  // Closing one frees a slot.
  ASSERT_TRUE(a->send("QUIT\r\n"));
  ASSERT_EQ(a->read_line(), "BYE\r\n");
  a.reset();
  for (int i = 0; i < 100 && server_->active_connections() > 1; ++i)
    std::this_thread::sleep_for(10ms);
  auto fourth = connect();
  ASSERT_TRUE(fourth->send("z\r\n"));
  EXPECT_EQ(fourth->read_line(), "ECHO z\\r\\n\r\n");
}

TEST_F(ServerTest, GlobalLimitRefuses) {
  ServerOptions o;
  o.max_connections = 1;
  start(o);
  auto a = connect();
  ASSERT_TRUE(a->send("x\r\n"));
  ASSERT_EQ(a->read_line(), "ECHO x\\r\\n\r\n");
  auto b = connect();
  EXPECT_EQ(b->read_all(), "421 too many connections\r\n");
}

TEST_F(ServerTest, IdleTimeout) {
  ServerOptions o;
  o.idle_timeout = 300ms;
  start(o);
  auto c = connect();
  ASSERT_TRUE(c->send("a\r\n"));
  EXPECT_EQ(c->read_line(), "ECHO a\\r\\n\r\n");
  EXPECT_EQ(c->read_line(), "ERR timeout\r\n");
  EXPECT_EQ(c->read_all(), "");  // then closed
}

TEST_F(ServerTest, ShutdownLetsInFlightFinishAndInterruptsIdle) {
  start();
  auto busy = connect();
  auto idle = connect();
  ASSERT_TRUE(idle->send("hi\r\n"));
  ASSERT_EQ(idle->read_line(), "ECHO hi\\r\\n\r\n");
  ASSERT_TRUE(busy->send("SLOW\r\n"));
  ASSERT_EQ(busy->read_line(), "WORKING\r\n");
  server_->stop();
  EXPECT_EQ(idle->read_line(), "ERR shutdown\r\n");
  EXPECT_EQ(busy->read_line(), "DONE\r\n");
  EXPECT_EQ(busy->read_line(), "ERR shutdown\r\n");
  thread_.join();  // run() returns once both sessions ended
  EXPECT_EQ(server_->active_connections(), 0u);
  // No longer accepting.
  EXPECT_EQ(testing::Client::connect(port_), nullptr);
}

TEST_F(ServerTest, ReloadServesNewCertificateToNewConnectionsOnly) {
  start({}, /*implicit_tls=*/true);
  auto old_conn = connect();
  ASSERT_TRUE(old_conn->start_tls());
  EXPECT_EQ(old_conn->peer_cn(), "test.example");

  std::string other = testing::temp_dir("newcert");
  ASSERT_TRUE(ensure_self_signed(other + "/c.pem", other + "/k.pem", "renewed.example").ok());
  std::filesystem::copy_file(other + "/k.pem", tls_->key_path(),
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(other + "/c.pem", tls_->cert_path(),
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_TRUE(tls_->reload().ok());

  auto new_conn = connect();
  ASSERT_TRUE(new_conn->start_tls());
  EXPECT_EQ(new_conn->peer_cn(), "renewed.example");
  // The existing session keeps working on its old context.
  ASSERT_TRUE(old_conn->send("INFO\r\n"));
  EXPECT_EQ(old_conn->read_line().rfind("INFO tls=1", 0), 0u);
  std::filesystem::remove_all(other);
}

TEST(ServerSignals, SighupReloadsTlsAndSigtermDrains) {
  std::string dir = testing::temp_dir("signals");
  auto tls = TlsContext::create({.data_dir = dir});
  ASSERT_TRUE(tls.ok());
  ServerOptions o;
  o.threads = 1;
  o.handle_signals = true;
  Server s(o, *tls);
  auto port = s.add_listener({.name = "sig", .host = "127.0.0.1"}, test_handler);
  ASSERT_TRUE(port.ok());
  std::thread t([&] { s.run(); });
  // A round trip proves run() is serving, so its signal handlers are installed.
  auto c = testing::Client::connect(*port);
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->send("a\r\n"));
  ASSERT_EQ(c->read_line(), "ECHO a\\r\\n\r\n");
  auto before = (*tls)->current();
  ::kill(::getpid(), SIGHUP);
  for (int i = 0; i < 200 && (*tls)->current() == before; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_NE((*tls)->current(), before);
  ::kill(::getpid(), SIGTERM);
  EXPECT_EQ(c->read_line(), "ERR shutdown\r\n");
  t.join();
  std::filesystem::remove_all(dir);
}

TEST_F(ServerTest, StartTlsWithoutTlsContextIsUnavailable) {
  ServerOptions o;
  o.threads = 1;
  o.handle_signals = false;
  Server s(o, nullptr);
  auto bad = s.add_listener({.name = "x", .host = "127.0.0.1", .implicit_tls = true}, test_handler);
  EXPECT_FALSE(bad.ok());
  auto bad_host = s.add_listener({.name = "y", .host = "not an ip"}, test_handler);
  ASSERT_FALSE(bad_host.ok());
  EXPECT_EQ(bad_host.error().code, Errc::invalid);
}

}  // namespace
}  // namespace postino::net

namespace postino::net {
namespace {

// The client side of a DEFLATE layer, with zlib directly (RFC 4978 §4 settings
// of a typical client: default window and level).
class ZPeer {
 public:
  ZPeer() {
    EXPECT_EQ(deflateInit2(&out_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY),
              Z_OK);
    EXPECT_EQ(inflateInit2(&in_, -15), Z_OK);
  }
  ~ZPeer() {
    deflateEnd(&out_);
    inflateEnd(&in_);
  }
  std::string pack(const std::string& text) {
    std::string buf(text.size() + 64, '\0');
    out_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    out_.avail_in = static_cast<uInt>(text.size());
    out_.next_out = reinterpret_cast<Bytef*>(buf.data());
    out_.avail_out = static_cast<uInt>(buf.size());
    EXPECT_EQ(deflate(&out_, Z_SYNC_FLUSH), Z_OK);
    buf.resize(buf.size() - out_.avail_out);
    return buf;
  }
  // Reads and inflates until a whole line has arrived; "" if the stream ends.
  std::string line(testing::Client& c) {
    for (;;) {
      auto lf = text_.find('\n');
      if (lf != std::string::npos) {
        std::string l = text_.substr(0, lf + 1);
        text_.erase(0, lf + 1);
        return l;
      }
      std::string wire = c.read_some();
      if (wire.empty()) return "";
      in_.next_in = reinterpret_cast<Bytef*>(wire.data());
      in_.avail_in = static_cast<uInt>(wire.size());
      char buf[4096];
      do {
        in_.next_out = reinterpret_cast<Bytef*>(buf);
        in_.avail_out = sizeof buf;
        int rc = inflate(&in_, Z_SYNC_FLUSH);
        if (rc != Z_OK && rc != Z_BUF_ERROR) return "";
        text_.append(buf, sizeof buf - in_.avail_out);
      } while (in_.avail_in > 0 || in_.avail_out == 0);
    }
  }

 private:
  z_stream out_{};
  z_stream in_{};
  std::string text_;
};

TEST_F(ServerTest, CompressBothWays) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("COMPRESS\r\n"));
  EXPECT_EQ(c->read_line(), "OK deflate\r\n");  // still uncompressed
  ZPeer z;
  // Two commands in one compressed burst, then one split across two sends.
  ASSERT_TRUE(c->send(z.pack("hello\r\nINFO\r\n")));
  EXPECT_EQ(z.line(*c), "ECHO hello\\r\\n\r\n");
  EXPECT_NE(z.line(*c).find("INFO tls=0"), std::string::npos);
  std::string wire = z.pack("READ 5\r\nabcde");
  ASSERT_TRUE(c->send(wire.substr(0, 3)));
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(c->send(wire.substr(3)));
  EXPECT_EQ(z.line(*c), "GOT abcde\r\n");
  ASSERT_TRUE(c->send(z.pack("COMPRESS\r\n")));
  EXPECT_EQ(z.line(*c), "ERR active\r\n");
  ASSERT_TRUE(c->send(z.pack("QUIT\r\n")));
  EXPECT_EQ(z.line(*c), "BYE\r\n");
}

TEST_F(ServerTest, CompressInsideTls) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("STARTTLS\r\n"));
  EXPECT_EQ(c->read_line(), "220 go\r\n");
  ASSERT_TRUE(c->start_tls());
  ASSERT_TRUE(c->send("COMPRESS\r\n"));
  EXPECT_EQ(c->read_line(), "OK deflate\r\n");
  ZPeer z;
  ASSERT_TRUE(c->send(z.pack("INFO\r\n")));
  EXPECT_NE(z.line(*c).find("INFO tls=1"), std::string::npos);
  // A large reply crosses several TLS records and reads.
  std::string big(100000, 'q');
  ASSERT_TRUE(c->send(z.pack("READ 100000\r\n" + big)));
  EXPECT_EQ(z.line(*c), "GOT " + big + "\r\n");
}

TEST_F(ServerTest, CorruptCompressedInputClosesTheConnectionWithALogLine) {
  std::string log_path = testing::temp_dir("deflate-log") + "/log";
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  log::set_fd(fd);
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("COMPRESS\r\n"));
  EXPECT_EQ(c->read_line(), "OK deflate\r\n");
  ZPeer z;
  ASSERT_TRUE(c->send(z.pack("hello\r\n")));
  EXPECT_EQ(z.line(*c), "ECHO hello\\r\\n\r\n");
  ASSERT_TRUE(c->send(std::string("\x07\x00\x00\x00garbage", 11)));  // reserved block type
  EXPECT_EQ(c->read_all(), "");                                      // closed, nothing more sent
  server_->stop();
  thread_.join();
  log::set_fd(2);
  ::close(fd);
  std::ifstream f(log_path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_NE(ss.str().find("net.inflate_error"), std::string::npos) << ss.str();
}

TEST_F(ServerTest, CompressedBombIsReadInBoundedLines) {
  start();
  auto c = connect();
  ASSERT_TRUE(c->send("COMPRESS\r\n"));
  EXPECT_EQ(c->read_line(), "OK deflate\r\n");
  ZPeer z;
  // 8 MiB without a line feed: read_line discards it in bounded pieces and
  // answers "ERR limit"; the next line is still read.
  std::string bomb(8u << 20, 'A');
  ASSERT_TRUE(c->send(z.pack(bomb + "\r\nafter\r\n")));
  EXPECT_EQ(z.line(*c), "ERR limit\r\n");
  EXPECT_EQ(z.line(*c), "ECHO after\\r\\n\r\n");
}

}  // namespace
}  // namespace postino::net
