// TlsContext: the server's TLS configuration (certificate, key, protocol
// floor) as an OpenSSL context that connections take a reference to.
// Owns the current boost::asio::ssl::context behind a shared_ptr; each TLS
// connection keeps the context it started with, so reload() (SIGHUP) swaps in
// a new one for new connections and leaves existing ones alone.
// When no certificate is configured, a self-signed one is generated once into
// data_dir/tls/{cert.pem,key.pem} (key mode 0600) and reused after that.
// Policy: TLS 1.2+ only, forward-secret AEAD ciphers for TLS 1.2, no
// compression, no renegotiation (DESIGN.md "Security").
// Thread rules: current() and reload() are thread-safe (a mutex guards the
// pointer swap; loading happens outside it).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "base/result.hpp"

namespace boost::asio::ssl {
class context;
}

namespace postino::net {

struct TlsOptions {
  std::string cert_path{};             // PEM chain; empty = self-signed in data_dir
  std::string key_path{};              // PEM private key; empty = self-signed in data_dir
  std::string data_dir{};              // where tls/ lives for the self-signed pair
  std::string hostname = "localhost";  // CN and SAN of a generated certificate
};

class TlsContext {
 public:
  // Loads (or generates, then loads) the certificate and key.
  static Result<std::shared_ptr<TlsContext>> create(TlsOptions opts);

  // The context new connections should use.
  std::shared_ptr<boost::asio::ssl::context> current() const;
  // Re-reads the files; on error the old context stays in use.
  Status reload();
  const std::string& cert_path() const { return cert_path_; }
  const std::string& key_path() const { return key_path_; }

 private:
  TlsContext() = default;
  static Result<std::shared_ptr<boost::asio::ssl::context>> load(const std::string& cert,
                                                                 const std::string& key);

  std::string cert_path_;
  std::string key_path_;
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> ctx_;
};

// Writes a self-signed certificate (EC P-256, CN = hostname, SAN DNS:hostname,
// DNS:localhost, IP:127.0.0.1, valid 10 years) and its key to the two paths
// unless both already exist. The key file is created with mode 0600.
Status ensure_self_signed(const std::string& cert_path, const std::string& key_path,
                          const std::string& hostname);

}  // namespace postino::net
