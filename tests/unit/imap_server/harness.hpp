// Test harness for the IMAP session: a real SQLite store in a temporary
// directory, an account (alice@example.test / alice-secret), the Service
// behind an in-process net::Server on 127.0.0.1:0, and a small blocking
// client that sends commands and collects responses up to the tagged one.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "auth/password.hpp"
#include "auth/throttle.hpp"
#include "base/strings.hpp"
#include "common/temp_dir.hpp"
#include "imap/server/service.hpp"
#include "login/authenticator.hpp"
#include "net/server.hpp"
#include "store/async_store.hpp"
#include "store/open.hpp"

namespace postino::imap::server::testing {

using postino::testing::TempDir;

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
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  void send(const std::string& s) { (void)!::write(fd_, s.data(), s.size()); }

  // One line including CRLF; "" on timeout or EOF.
  std::string line(int timeout_ms = 5000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto lf = buf_.find('\n');
      if (lf != std::string::npos) {
        std::string l = buf_.substr(0, lf + 1);
        buf_.erase(0, lf + 1);
        return l;
      }
      if (!fill(deadline)) return {};
    }
  }
  std::string exact(size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (buf_.size() < n)
      if (!fill(deadline)) break;
    std::string s = buf_.substr(0, n);
    buf_.erase(0, std::min(n, buf_.size()));
    return s;
  }
  // A response line with any literals folded in.
  std::string response(int timeout_ms = 5000) {
    std::string out = line(timeout_ms);
    while (out.size() > 3 && out.ends_with("}\r\n")) {
      auto open = out.rfind('{');
      auto n = parse_u64(std::string_view(out).substr(open + 1, out.size() - open - 4));
      if (!n) break;
      out += exact(*n);
      out += line(timeout_ms);
    }
    return out;
  }
  // Sends "tag text" and returns every response through the tagged one.
  std::vector<std::string> cmd(const std::string& tag, const std::string& text) {
    send(tag + " " + text + "\r\n");
    return until(tag);
  }
  std::vector<std::string> until(const std::string& tag) {
    std::vector<std::string> out;
    for (;;) {
      auto r = response();
      if (r.empty()) return out;
      out.push_back(r);
      if (r.rfind(tag + " ", 0) == 0) return out;
    }
  }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char tmp[65536];
    ssize_t n = ::read(fd_, tmp, sizeof tmp);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  std::string buf_;
};

inline bool contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const auto& l : lines)
    if (l.find(needle) != std::string::npos) return true;
  return false;
}

class ImapFixture {
 public:
  explicit ImapFixture(Options opts = {}) {
    store::StoreOptions so;
    so.data_dir = dir_.path();
    auto b = store::open_store(so);
    backend_ = std::move(*b);
    (void)backend_->add_domain("example.test");
    auto c = auth::derive_credentials("alice-secret");
    store::Credentials cr;
    cr.password_hash = c->password_hash;
    cr.scram_salt = base64_encode(c->scram_salt);
    cr.scram_iterations = c->scram_iterations;
    cr.scram_stored_key = base64_encode(c->scram_stored_key);
    cr.scram_server_key = base64_encode(c->scram_server_key);
    account_ = backend_->add_account("alice@example.test", cr)->id;
    store_ = std::make_unique<store::AsyncStore>(*backend_, 2);
    throttle_ = std::make_unique<auth::AuthThrottle>();
    auth_ = std::make_unique<login::Authenticator>(*store_, *throttle_);
    if (opts.hostname.empty()) opts.hostname = "mail.example.test";
    service_ = std::make_unique<Service>(opts, *store_, *auth_);
    net::ServerOptions o;
    o.threads = 2;
    o.handle_signals = false;
    o.shutdown_grace = std::chrono::seconds(2);
    server_ = std::make_unique<net::Server>(o, nullptr);
    port_ = *server_->add_listener({.name = "imap", .host = "127.0.0.1", .port = 0},
                                   [this](net::Connection& c) { return service_->handle(c); });
    thread_ = std::thread([this] { server_->run(); });
  }
  ~ImapFixture() {
    server_->stop();
    thread_.join();
    // The store's workers hold work guards on the server's io_context: join
    // them while it still exists.
    service_.reset();
    auth_.reset();
    store_.reset();
    backend_.reset();  // joins the writer thread, which may still hold executor copies
    server_.reset();
  }
  uint16_t port() const { return port_; }
  store::StoreBackend& backend() { return *backend_; }
  store::AccountId account() const { return account_; }

  // A client that is logged in.
  std::unique_ptr<Client> login() {
    auto c = std::make_unique<Client>(port_);
    c->line();
    c->cmd("L", "LOGIN alice@example.test alice-secret");
    return c;
  }

 private:
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
};

}  // namespace postino::imap::server::testing
