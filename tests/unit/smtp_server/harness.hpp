// Test harness for the SMTP service: a real net::Server on 127.0.0.1:0 with
// a self-signed certificate, a real SQLite store in a temporary directory
// (domain example.test, alice@ / bob@ with passwords), the real
// Authenticator, and a recording OutboundQueue. Clients are blocking
// sockets (tests/unit/net/test_client.hpp).
// Thread rules: the server runs on its own thread; tests drive clients from
// the test thread.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth/password.hpp"
#include "auth/throttle.hpp"
#include "base/strings.hpp"
#include "delivery/outbound.hpp"
#include "login/authenticator.hpp"
#include "net/server.hpp"
#include "net/test_client.hpp"
#include "sasl/scram_client.hpp"
#include "smtp/server/service.hpp"
#include "store/async_store.hpp"
#include "store/open.hpp"

namespace postino::smtp::server::testing {

class RecordingQueue : public delivery::OutboundQueue {
 public:
  boost::asio::awaitable<Status> enqueue(delivery::OutboundMessage msg) override {
    std::lock_guard lk(mu_);
    if (fail) co_return make_error(Errc::io, "disk full");
    messages_.push_back(std::move(msg));
    co_return Status{};
  }
  std::vector<delivery::OutboundMessage> messages() {
    std::lock_guard lk(mu_);
    return messages_;
  }
  bool fail = false;

 private:
  std::mutex mu_;
  std::vector<delivery::OutboundMessage> messages_;
};

// A client that speaks SMTP: reads whole (multi-line) replies.
class SmtpClient {
 public:
  explicit SmtpClient(std::unique_ptr<postino::testing::Client> c) : c_(std::move(c)) {}
  bool ok() const { return c_ != nullptr; }
  bool send(std::string_view s) { return c_->send(s); }
  // The whole reply, lines joined (each with its CRLF); "" on EOF.
  std::string reply() {
    std::string out;
    for (;;) {
      std::string line = c_->read_line();
      if (line.empty()) return out;
      out += line;
      if (line.size() < 4 || line[3] != '-') return out;
    }
  }
  // Sends one command line and returns the reply.
  std::string cmd(std::string_view line) {
    send(std::string(line) + "\r\n");
    return reply();
  }
  bool start_tls() { return c_->start_tls(); }
  std::string read_all() { return c_->read_all(); }
  postino::testing::Client& raw() { return *c_; }

 private:
  std::unique_ptr<postino::testing::Client> c_;
};

inline bool starts(const std::string& s, std::string_view prefix) {
  return s.rfind(prefix, 0) == 0;
}

class SmtpTest : public ::testing::Test {
 protected:
  static constexpr const char* kHost = "mail.example.test";

  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
    // The store's workers and its writer thread hold work (executor copies) on
    // the server's io_context: join them (AsyncStore, then the backend) before
    // the io_context goes away with the server.
    service_.reset();
    authenticator_.reset();
    async_.reset();
    backend_.reset();
    server_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  void add_user(const std::string& address, const std::string& password) {
    auto c = auth::derive_credentials(password);
    ASSERT_TRUE(c.ok());
    store::Credentials sc;
    sc.password_hash = c->password_hash;
    sc.scram_salt = base64_encode(c->scram_salt);
    sc.scram_iterations = c->scram_iterations;
    sc.scram_stored_key = base64_encode(c->scram_stored_key);
    sc.scram_server_key = base64_encode(c->scram_server_key);
    auto a = backend_->add_account(address, sc);
    ASSERT_TRUE(a.ok()) << a.error().message;
  }

  // Starts the server with listeners "mx", "sub" (STARTTLS) and "subs" (implicit TLS).
  void start(Options opts = {}) {
    if (opts.hostname.empty()) opts.hostname = kHost;
    dir_ = postino::testing::temp_dir("smtpd");
    auto be = store::open_store({.backend = "sqlite", .data_dir = dir_, .url = ""});
    ASSERT_TRUE(be.ok()) << be.error().message;
    backend_ = std::move(*be);
    ASSERT_TRUE(backend_->add_domain("example.test").ok());
    add_user("alice@example.test", "alice-secret");
    add_user("bob@example.test", "bob-secret");
    async_ = std::make_unique<store::AsyncStore>(*backend_);
    authenticator_ = std::make_unique<login::Authenticator>(*async_, throttle_);
    service_ = std::make_unique<Service>(opts, *async_, *authenticator_, queue_, resolver_);

    auto tls = net::TlsContext::create({.data_dir = dir_, .hostname = kHost});
    ASSERT_TRUE(tls.ok()) << tls.error().message;
    net::ServerOptions so;
    so.threads = 2;
    so.handle_signals = false;
    so.shutdown_grace = std::chrono::seconds(2);
    server_ = std::make_unique<net::Server>(so, *tls);
    auto listen = [this](const char* name, Mode mode, bool implicit) -> uint16_t {
      Service* svc = service_.get();
      auto port = server_->add_listener(
          {.name = name, .host = "127.0.0.1", .port = 0, .implicit_tls = implicit},
          [svc, mode](net::Connection& c) { return svc->handle(c, mode); });
      EXPECT_TRUE(port.ok());
      return port.ok() ? *port : 0;
    };
    mx_port_ = listen("smtp", Mode::mx, false);
    sub_port_ = listen("submission", Mode::submission, false);
    subs_port_ = listen("submissions", Mode::submissions, true);
    thread_ = std::thread([this] { server_->run(); });
  }

  // Connects and reads the greeting.
  SmtpClient connect(uint16_t port, bool implicit_tls = false) {
    SmtpClient c(postino::testing::Client::connect(port));
    EXPECT_TRUE(c.ok());
    if (implicit_tls) {
      EXPECT_TRUE(c.start_tls());
    }
    std::string greeting = c.reply();
    EXPECT_TRUE(starts(greeting, "220 ")) << greeting;
    return c;
  }

  // Raw bytes of every message in the account's INBOX, in UID order.
  std::vector<std::string> inbox(const std::string& address) {
    std::vector<std::string> out;
    auto acc = backend_->get_account(address);
    if (!acc) return out;
    auto mb = backend_->get_mailbox(acc->id, store::kInbox);
    if (!mb) return out;
    auto metas = backend_->fetch(mb->id, store::UidSet::all());
    if (!metas) return out;
    for (const auto& m : *metas) {
      auto blob = backend_->read_blob(m.blob_id);
      out.push_back(blob ? *blob : "");
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<store::StoreBackend> backend_;
  std::unique_ptr<store::AsyncStore> async_;
  auth::AuthThrottle throttle_;
  std::unique_ptr<login::Authenticator> authenticator_;
  RecordingQueue queue_;
  dns::Resolver* resolver_ = nullptr;  // set before start() to turn mail authentication on
  std::unique_ptr<Service> service_;
  std::unique_ptr<net::Server> server_;
  std::thread thread_;
  uint16_t mx_port_ = 0, sub_port_ = 0, subs_port_ = 0;
};

// "\0user\0pass" in base64 for AUTH PLAIN.
inline std::string plain_token(const std::string& user, const std::string& pass) {
  return base64_encode(std::string(1, '\0') + user + std::string(1, '\0') + pass);
}

// A whole AUTH SCRAM-SHA-256 exchange (RFC 7677); returns the final reply.
inline std::string scram_login(SmtpClient& c, const std::string& user, const std::string& pass) {
  sasl::ScramClient scram(user, pass);
  std::string r = c.cmd("AUTH SCRAM-SHA-256 " + base64_encode(scram.client_first()));
  if (!starts(r, "334 ")) return r;
  auto server_first = base64_decode(trim(r.substr(4)));
  if (!server_first) return "bad server-first";
  auto final_msg = scram.client_final(*server_first);
  if (!final_msg) return "client_final failed";
  r = c.cmd(base64_encode(*final_msg));
  if (!starts(r, "334 ")) return r;
  auto server_final = base64_decode(trim(r.substr(4)));
  if (!server_final || !scram.verify_server_final(*server_final)) return "server proof failed";
  return c.cmd("");
}

// The message without the first header field (our Received header, folded).
inline std::string strip_received(const std::string& raw) {
  if (!starts(raw, "Received:")) return raw;
  size_t pos = 0;
  for (;;) {
    size_t eol = raw.find("\r\n", pos);
    if (eol == std::string::npos) return "";
    pos = eol + 2;
    if (pos >= raw.size() || (raw[pos] != ' ' && raw[pos] != '\t')) return raw.substr(pos);
  }
}

}  // namespace postino::smtp::server::testing
