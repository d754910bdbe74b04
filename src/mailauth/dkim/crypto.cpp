#include "mailauth/dkim/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "base/strings.hpp"

namespace postino::mailauth::dkim {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

const EVP_MD* md_for(Algorithm a) { return a == Algorithm::rsa_sha1 ? EVP_sha1() : EVP_sha256(); }

Pkey load_public(Algorithm a, std::string_view der) {
  if (a == Algorithm::ed25519_sha256) {
    if (der.size() != kEd25519KeyLength) return nullptr;
    return Pkey(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(der.data()), der.size()));
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Pkey k(d2i_PUBKEY(nullptr, &p, long(der.size())));
  if (!k) {
    p = reinterpret_cast<const unsigned char*>(der.data());
    k.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, long(der.size())));
  }
  if (k && EVP_PKEY_get_base_id(k.get()) != EVP_PKEY_RSA) return nullptr;
  return k;
}

}  // namespace

struct PrivateKey {
  Pkey key;
};

void PrivateKeyDeleter::operator()(PrivateKey* k) const { delete k; }

std::string digest(Algorithm a, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md_for(a), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
}

Status check_public_key(Algorithm a, std::string_view public_key) {
  if (!load_public(a, public_key)) return make_error(Errc::invalid, "unusable public key");
  return {};
}

Result<int> verify_signature(Algorithm a, std::string_view public_key, std::string_view data,
                             std::string_view sig) {
  Pkey key = load_public(a, public_key);
  if (!key) return make_error(Errc::invalid, "unusable public key");
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return make_error(Errc::internal, "out of memory");
  int ok = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(sig.data());
  if (a == Algorithm::ed25519_sha256) {
    // RFC 8463 §3: Ed25519 (pure) over the SHA-256 hash of the header data.
    std::string h = digest(a, data);
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1)
      return make_error(Errc::internal, "EVP_DigestVerifyInit");
    ok = EVP_DigestVerify(ctx.get(), s, sig.size(),
                          reinterpret_cast<const unsigned char*>(h.data()), h.size());
  } else {
    if (EVP_DigestVerifyInit(ctx.get(), nullptr, md_for(a), nullptr, key.get()) != 1)
      return make_error(Errc::internal, "EVP_DigestVerifyInit");
    ok = EVP_DigestVerify(ctx.get(), s, sig.size(),
                          reinterpret_cast<const unsigned char*>(data.data()), data.size());
  }
  if (ok != 1) return make_error(Errc::auth, "signature does not verify");
  return a == Algorithm::ed25519_sha256 ? 0 : EVP_PKEY_get_bits(key.get());
}

Result<PrivateKeyPtr> load_private_key(std::string_view text) {
  PrivateKeyPtr out(new PrivateKey);
  std::string t(trim(text));
  if (t.find("-----BEGIN") == std::string::npos) {
    auto seed = base64_decode(t);
    if (!seed || seed->size() != kEd25519KeyLength)
      return make_error(Errc::invalid, "not a PEM key or Ed25519 seed");
    out->key.reset(EVP_PKEY_new_raw_private_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed->data()),
        seed->size()));
  } else {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(t.data(), int(t.size())),
                                                  &BIO_free);
    out->key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  }
  if (!out->key) return make_error(Errc::invalid, "cannot load private key");
  int id = EVP_PKEY_get_base_id(out->key.get());
  if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519)
    return make_error(Errc::invalid, "private key is neither RSA nor Ed25519");
  return out;
}

bool is_ed25519(const PrivateKey& k) {
  return EVP_PKEY_get_base_id(k.key.get()) == EVP_PKEY_ED25519;
}

Result<std::string> public_key_bytes(const PrivateKey& k) {
  if (is_ed25519(k)) {
    unsigned char buf[kEd25519KeyLength];
    size_t len = sizeof buf;
    if (EVP_PKEY_get_raw_public_key(k.key.get(), buf, &len) != 1)
      return make_error(Errc::internal, "raw public key");
    return std::string(reinterpret_cast<char*>(buf), len);
  }
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(k.key.get(), &der);
  if (len <= 0) return make_error(Errc::internal, "i2d_PUBKEY");
  std::string out(reinterpret_cast<char*>(der), size_t(len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> sign_data(Algorithm a, const PrivateKey& k, std::string_view data) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return make_error(Errc::internal, "out of memory");
  std::string input(data);
  const EVP_MD* md = md_for(a);
  if (a == Algorithm::ed25519_sha256) {
    input = digest(a, data);  // RFC 8463 §3
    md = nullptr;
  }
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, k.key.get()) != 1)
    return make_error(Errc::internal, "EVP_DigestSignInit");
  size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &len, in, input.size()) != 1)
    return make_error(Errc::internal, "EVP_DigestSign");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     input.size()) != 1)
    return make_error(Errc::internal, "EVP_DigestSign");
  sig.resize(len);
  return sig;
}

}  // namespace postino::mailauth::dkim
