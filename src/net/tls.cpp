#include "net/tls.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <filesystem>

#include "base/log.hpp"

namespace postino::net {
namespace {

namespace ssl = boost::asio::ssl;

// TLS 1.2 suites: ECDHE/DHE key exchange with AEAD only. TLS 1.3 suites keep
// OpenSSL's defaults (all AEAD).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

std::string openssl_error(std::string_view what) {
  std::string msg(what);
  unsigned long e = ERR_get_error();
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    msg += ": ";
    msg += buf;
  }
  ERR_clear_error();
  return msg;
}

}  // namespace

Result<std::shared_ptr<ssl::context>> TlsContext::load(const std::string& cert,
                                                       const std::string& key) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                             SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
                             SSL_OP_SINGLE_ECDH_USE);
  if (SSL_CTX_set_cipher_list(c, kTls12Ciphers) != 1)
    return make_error(Errc::internal, openssl_error("tls: cipher list"));
  SSL_CTX_set_dh_auto(c, 1);
  if (SSL_CTX_use_certificate_chain_file(c, cert.c_str()) != 1)
    return make_error(Errc::invalid, openssl_error("tls: cannot load certificate " + cert));
  if (SSL_CTX_use_PrivateKey_file(c, key.c_str(), SSL_FILETYPE_PEM) != 1)
    return make_error(Errc::invalid, openssl_error("tls: cannot load key " + key));
  if (SSL_CTX_check_private_key(c) != 1)
    return make_error(Errc::invalid, openssl_error("tls: key does not match certificate"));
  return ctx;
}

Result<std::shared_ptr<TlsContext>> TlsContext::create(TlsOptions opts) {
  std::shared_ptr<TlsContext> t(new TlsContext);
  if (opts.cert_path.empty() != opts.key_path.empty())
    return make_error(Errc::invalid, "tls: cert and key must be configured together");
  if (opts.cert_path.empty()) {
    if (opts.data_dir.empty())
      return make_error(Errc::invalid, "tls: no certificate configured and no data_dir");
    std::filesystem::path dir = std::filesystem::path(opts.data_dir) / "tls";
    t->cert_path_ = (dir / "cert.pem").string();
    t->key_path_ = (dir / "key.pem").string();
    auto st = ensure_self_signed(t->cert_path_, t->key_path_, opts.hostname);
    if (!st) return st.take_error();
  } else {
    t->cert_path_ = opts.cert_path;
    t->key_path_ = opts.key_path;
  }
  auto ctx = load(t->cert_path_, t->key_path_);
  if (!ctx) return ctx.take_error();
  t->ctx_ = std::move(*ctx);
  return t;
}

std::shared_ptr<ssl::context> TlsContext::current() const {
  std::lock_guard lk(mu_);
  return ctx_;
}

Status TlsContext::reload() {
  auto ctx = load(cert_path_, key_path_);
  if (!ctx) {
    log::error("tls.reload_failed", {{"error", ctx.error().message}});
    return ctx.take_error();
  }
  {
    std::lock_guard lk(mu_);
    ctx_ = std::move(*ctx);
  }
  log::info("tls.reloaded", {{"cert", cert_path_}});
  return {};
}

}  // namespace postino::net
