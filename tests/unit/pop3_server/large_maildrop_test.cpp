// POP3 against a large maildrop: 50,000 messages in the INBOX of a real
// SQLite store, the Service behind an in-process net::Server, and a blocking
// client. Opening the maildrop and STAT/LIST/UIDL must not read any message
// (the store's read_blob counters stay still) nor the metadata texts (no
// store fetch); RETR then reads exactly the message asked for.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "auth/password.hpp"
#include "auth/throttle.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"
#include "common/temp_dir.hpp"
#include "delivery/prepare.hpp"
#include "login/authenticator.hpp"
#include "net/server.hpp"
#include "pop3/server/service.hpp"
#include "store/async_store.hpp"
#include "store/open.hpp"

namespace postino::pop3::server {
namespace {

using postino::testing::TempDir;

constexpr uint32_t kMessages = 50000;

uint64_t store_ops(const char* op) {
  return metrics::histogram("postino_store_op_seconds", "Store operation latency", {{"op", op}})
      .count();
}
uint64_t blob_reads() { return store_ops("read_blob") + store_ops("read_blob_cached"); }

class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~Client() { ::close(fd_); }
  bool connected() const { return connected_; }
  void send(const std::string& s) { (void)!::write(fd_, s.data(), s.size()); }
  // One line without CRLF; "<timeout>" if none came.
  std::string line(int timeout_ms = 60000) {
    for (;;) {
      auto p = buf_.find("\r\n");
      if (p != std::string::npos) {
        std::string l = buf_.substr(0, p);
        buf_.erase(0, p + 2);
        return l;
      }
      pollfd pf{fd_, POLLIN, 0};
      if (::poll(&pf, 1, timeout_ms) <= 0) return "<timeout>";
      char tmp[65536];
      ssize_t n = ::read(fd_, tmp, sizeof tmp);
      if (n <= 0) return "<eof>";
      buf_.append(tmp, size_t(n));
    }
  }
  std::string cmd(const std::string& text) {
    send(text + "\r\n");
    return line();
  }
  // The lines of a multi-line body, dot-unstuffed, after its +OK line.
  std::vector<std::string> body() {
    std::vector<std::string> out;
    for (;;) {
      std::string l = line();
      if (l == "." || l == "<timeout>" || l == "<eof>") return out;
      if (!l.empty() && l[0] == '.') l.erase(0, 1);
      out.push_back(std::move(l));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

class LargeMaildrop : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions so;
    so.data_dir = dir_.path();
    auto b = store::open_store(so);
    ASSERT_TRUE(b) << b.error().message;
    backend_ = std::move(*b);
    ASSERT_TRUE(backend_->add_domain("example.test"));
    auto c = auth::derive_credentials("bob-secret");
    ASSERT_TRUE(c);
    store::Credentials cr;
    cr.password_hash = c->password_hash;
    cr.scram_salt = base64_encode(c->scram_salt);
    cr.scram_iterations = c->scram_iterations;
    cr.scram_stored_key = base64_encode(c->scram_stored_key);
    cr.scram_server_key = base64_encode(c->scram_server_key);
    auto acct = backend_->add_account("bob@example.test", cr);
    ASSERT_TRUE(acct);
    account_ = acct->id;
    store_ = std::make_unique<store::AsyncStore>(*backend_, 2);
    throttle_ = std::make_unique<auth::AuthThrottle>();
    auth_ = std::make_unique<login::Authenticator>(*store_, *throttle_);
    Options po;
    po.hostname = "mail.example.test";
    service_ = std::make_unique<Service>(po, *store_, *auth_);
    net::ServerOptions o;
    o.threads = 2;
    o.handle_signals = false;
    o.shutdown_grace = std::chrono::seconds(2);
    server_ = std::make_unique<net::Server>(o, nullptr);
    port_ = *server_->add_listener({.name = "pop3", .host = "127.0.0.1", .port = 0},
                                   [this](net::Connection& c) { return service_->handle(c); });
    thread_ = std::thread([this] { server_->run(); });
  }
  void TearDown() override {
    server_->stop();
    thread_.join();
    service_.reset();
    auth_.reset();
    store_.reset();
    backend_.reset();  // joins the writer thread, which may still hold executor copies
    server_.reset();
  }

  // Delivers `count` messages, alternating between two bodies, many in flight
  // at once so the store's group commit batches them.
  void fill(uint32_t count) {
    auto a = std::make_shared<const std::string>(
        "From: a@example.test\r\nSubject: even\r\n\r\nline one\r\n.starts with a dot\r\n");
    auto b = std::make_shared<const std::string>(
        "From: b@example.test\r\nSubject: odd\r\n\r\nshort\r\n");
    store::AppendRequest ra = delivery::prepare_append(a);
    store::AppendRequest rb = delivery::prepare_append(b);
    ra.targets.push_back({account_, std::string(store::kInbox)});
    rb.targets.push_back({account_, std::string(store::kInbox)});
    std::mutex mu;
    std::condition_variable cv;
    uint32_t done = 0, failed = 0;
    constexpr uint32_t kWave = 1000;
    for (uint32_t sent = 0; sent < count;) {
      uint32_t wave = std::min(kWave, count - sent);
      for (uint32_t i = 0; i < wave; ++i, ++sent) {
        backend_->deliver_async(sent % 2 == 0 ? ra : rb, [&](auto r) {
          std::lock_guard lk(mu);
          ++done;
          if (!r) ++failed;
          cv.notify_all();
        });
      }
      std::unique_lock lk(mu);
      cv.wait(lk, [&] { return done == sent; });
    }
    ASSERT_EQ(failed, 0u);
    even_size_ = a->size();
    odd_size_ = b->size();
  }

  TempDir dir_;
  std::unique_ptr<store::StoreBackend> backend_;
  store::AccountId account_ = 0;
  std::unique_ptr<store::AsyncStore> store_;
  std::unique_ptr<auth::AuthThrottle> throttle_;
  std::unique_ptr<login::Authenticator> auth_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<net::Server> server_;
  uint16_t port_ = 0;
  std::thread thread_;
  uint64_t even_size_ = 0, odd_size_ = 0;
};

TEST_F(LargeMaildrop, OpensFiftyThousandMessagesWithoutReadingThem) {
  fill(kMessages);
  uint64_t total = uint64_t(kMessages / 2) * (even_size_ + odd_size_);
  uint64_t reads_before = blob_reads();
  uint64_t fetches_before = store_ops("fetch");

  Client c(port_);
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.line().rfind("+OK", 0), 0u);
  EXPECT_EQ(c.cmd("USER bob@example.test").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.cmd("PASS bob-secret").rfind("+OK", 0), 0u);
  EXPECT_EQ(c.cmd("STAT"), "+OK " + std::to_string(kMessages) + " " + std::to_string(total));

  ASSERT_EQ(c.cmd("LIST").rfind("+OK", 0), 0u);
  auto list = c.body();
  ASSERT_EQ(list.size(), kMessages);
  EXPECT_EQ(list.front(), "1 " + std::to_string(even_size_));
  EXPECT_EQ(list.back(), std::to_string(kMessages) + " " + std::to_string(odd_size_));

  ASSERT_EQ(c.cmd("UIDL").rfind("+OK", 0), 0u);
  auto uidl = c.body();
  ASSERT_EQ(uidl.size(), kMessages);
  EXPECT_EQ(c.cmd("UIDL 2"), "+OK " + uidl[1]);
  EXPECT_NE(uidl[0], uidl[1]);

  // Nothing so far needed a message or its metadata texts.
  EXPECT_EQ(blob_reads(), reads_before);
  EXPECT_EQ(store_ops("fetch"), fetches_before);

  // RETR reads the one message, dot-stuffed on the wire.
  ASSERT_EQ(c.cmd("RETR 49999"), "+OK " + std::to_string(even_size_) + " octets");
  auto msg = c.body();
  ASSERT_EQ(msg.size(), 5u);
  EXPECT_EQ(msg[1], "Subject: even");
  EXPECT_EQ(msg[4], ".starts with a dot");
  EXPECT_EQ(blob_reads(), reads_before + 1);

  ASSERT_EQ(c.cmd("TOP 50000 0").rfind("+OK", 0), 0u);
  auto top = c.body();
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[1], "Subject: odd");
  EXPECT_EQ(c.cmd("QUIT").rfind("+OK", 0), 0u);
}

}  // namespace
}  // namespace postino::pop3::server
