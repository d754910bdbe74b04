// Blocking test client for net and admin unit tests: a plain TCP socket to
// 127.0.0.1 with a receive timeout, optionally upgraded to TLS with OpenSSL
// directly (no Asio), so the server is exercised by independent client code.
// Thread rules: one Client per thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "base/strings.hpp"

namespace postino::testing {

class Client {
 public:
  static constexpr int kRecvTimeoutSeconds = 10;

  static std::unique_ptr<Client> connect(uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return nullptr;
    timeval tv{kRecvTimeoutSeconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      ::close(fd);
      return nullptr;
    }
    return std::unique_ptr<Client>(new Client(fd));
  }

  ~Client() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    ::close(fd_);
  }

  bool send(std::string_view s) {
    while (!s.empty()) {
      long n = ssl_ ? SSL_write(ssl_, s.data(), int(s.size())) : ::send(fd_, s.data(), s.size(), 0);
      if (n <= 0) return false;
      s.remove_prefix(size_t(n));
    }
    return true;
  }

  // One line including LF; "" on EOF, error or timeout.
  std::string read_line() {
    for (;;) {
      auto lf = buf_.find('\n');
      if (lf != std::string::npos) {
        std::string line = buf_.substr(0, lf + 1);
        buf_.erase(0, lf + 1);
        return line;
      }
      if (!fill()) return "";
    }
  }

  // Exactly n bytes; fewer on EOF, error or timeout.
  std::string read_n(size_t n) {
    while (buf_.size() < n && fill()) {
    }
    std::string out = buf_.substr(0, n);
    buf_.erase(0, out.size());
    return out;
  }

  // What is buffered, or what one read brings; "" on EOF, error or timeout.
  std::string read_some() {
    if (buf_.empty() && !fill()) return "";
    std::string out;
    out.swap(buf_);
    return out;
  }

  // Everything until the peer closes (or the timeout).
  std::string read_all() {
    while (fill()) {
    }
    std::string out;
    out.swap(buf_);
    return out;
  }

  // TLS client handshake; max_version 0 = library default. No verification:
  // tests look at the certificate themselves.
  bool start_tls(int max_version = 0) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (max_version != 0) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_min_proto_version(ctx_, 0);
      SSL_CTX_set_max_proto_version(ctx_, max_version);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, "localhost");
    return SSL_connect(ssl_) == 1;
  }

  // Subject CN of the server certificate ("" if none).
  std::string peer_cn() const {
    if (!ssl_) return "";
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (!cert) return "";
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
  }

  std::string tls_version() const { return ssl_ ? SSL_get_version(ssl_) : ""; }

 private:
  explicit Client(int fd) : fd_(fd) {}

  bool fill() {
    char tmp[4096];
    long n = ssl_ ? SSL_read(ssl_, tmp, sizeof tmp) : ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, size_t(n));
    return true;
  }

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string buf_;
};

// A fresh, empty directory for one test.
inline std::string temp_dir(const std::string& name) {
  const char* base = std::getenv("POSTINO_TEST_TMP");
  std::filesystem::path p =
      std::filesystem::path(base ? base : "/tmp") / ("net-" + name + "-" + random_token(8));
  std::filesystem::create_directories(p);
  return p.string();
}

}  // namespace postino::testing
