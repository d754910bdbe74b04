// Self-signed certificate generation for a server with no configured
// certificate (see tls.hpp). Files are written to temporaries and renamed into
// place, key first, so a crash never leaves a certificate without its key.
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "net/tls.hpp"

namespace postino::net {
namespace {

constexpr long kValiditySeconds = 10L * 365 * 24 * 3600;  // 10 years
constexpr mode_t kKeyMode = 0600;
constexpr mode_t kCertMode = 0644;

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

bool add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) return false;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}

// Writes bytes to path via path.tmp (created with mode) + rename.
Status write_file(const std::string& path, const std::string& bytes, mode_t mode) {
  std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return make_error(Errc::io, "tls: cannot create " + tmp + ": " + strerror(errno));
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return make_error(Errc::io, "tls: cannot write " + tmp);
    }
    off += size_t(n);
  }
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced || ::rename(tmp.c_str(), path.c_str()) != 0)
    return make_error(Errc::io, "tls: cannot install " + path + ": " + strerror(errno));
  return {};
}

std::string bio_string(BIO* b) {
  char* data = nullptr;
  long n = BIO_get_mem_data(b, &data);
  return std::string(data, size_t(n));
}

}  // namespace

Status ensure_self_signed(const std::string& cert_path, const std::string& key_path,
                          const std::string& hostname) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(cert_path, ec) && fs::exists(key_path, ec)) return {};
  fs::create_directories(fs::path(cert_path).parent_path(), ec);
  if (ec) return make_error(Errc::io, "tls: cannot create directory: " + ec.message());

  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  if (!key) return make_error(Errc::internal, "tls: key generation failed");
  std::unique_ptr<X509, X509Free> cert(X509_new());
  X509_set_version(cert.get(), 2);  // v3
  // RFC 5280 §4.1.2.2: positive serial, at most 20 octets.
  std::string serial_bytes = random_bytes(16);
  serial_bytes[0] = char(serial_bytes[0] & 0x7f);
  BIGNUM* bn = BN_bin2bn(reinterpret_cast<const unsigned char*>(serial_bytes.data()),
                         int(serial_bytes.size()), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname;
  if (hostname != "localhost") san += ",DNS:localhost";
  san += ",IP:127.0.0.1";
  const std::pair<int, std::string> exts[] = {
      {NID_subject_alt_name, san},
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, "serverAuth"},
  };
  for (const auto& [nid, value] : exts) {
    if (!add_ext(cert.get(), nid, value))
      return make_error(Errc::internal, "tls: bad extension " + value);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    ERR_clear_error();
    return make_error(Errc::internal, "tls: signing failed");
  }

  std::unique_ptr<BIO, BioFree> kb(BIO_new(BIO_s_mem()));
  std::unique_ptr<BIO, BioFree> cb(BIO_new(BIO_s_mem()));
  if (PEM_write_bio_PrivateKey(kb.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_X509(cb.get(), cert.get()) != 1) {
    ERR_clear_error();
    return make_error(Errc::internal, "tls: PEM encoding failed");
  }
  if (auto st = write_file(key_path, bio_string(kb.get()), kKeyMode); !st) return st;
  if (auto st = write_file(cert_path, bio_string(cb.get()), kCertMode); !st) return st;
  log::info("tls.self_signed", {{"cert", cert_path}, {"cn", hostname}});
  return {};
}

}  // namespace postino::net
