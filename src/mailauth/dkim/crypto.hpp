// DKIM cryptography over OpenSSL 3 EVP: hashes, RSASSA-PKCS1-v1_5 (RFC 6376
// §3.3.1) and Ed25519 over the SHA-256 digest (RFC 8463 §3). Keys come in as
// bytes: RSA public keys as DER SubjectPublicKeyInfo (or bare RSAPublicKey),
// Ed25519 public keys as the raw 32 octets (RFC 8463 §4), private keys as PEM
// (RSA or Ed25519) or, for Ed25519, a raw 32-octet seed.
// Thread rules: pure functions; no shared state.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "mailauth/dkim/records.hpp"

namespace postino::mailauth::dkim {

inline constexpr size_t kEd25519KeyLength = 32;

std::string digest(Algorithm a, std::string_view data);  // SHA-1 or SHA-256

// Checks that `public_key` is a usable key for `a` (Errc::invalid if not).
Status check_public_key(Algorithm a, std::string_view public_key);

// Verifies `sig` over `data`. Returns the RSA key size in bits (0 for Ed25519)
// on success; Errc::invalid for an unusable key, Errc::auth for a bad signature.
Result<int> verify_signature(Algorithm a, std::string_view public_key, std::string_view data,
                             std::string_view sig);

struct PrivateKey;
struct PrivateKeyDeleter {
  void operator()(PrivateKey* k) const;
};
using PrivateKeyPtr = std::unique_ptr<PrivateKey, PrivateKeyDeleter>;

Result<PrivateKeyPtr> load_private_key(std::string_view pem_or_seed);
bool is_ed25519(const PrivateKey& k);
// The public key in DKIM record form (DER SPKI for RSA, raw 32 octets for Ed25519).
Result<std::string> public_key_bytes(const PrivateKey& k);
Result<std::string> sign_data(Algorithm a, const PrivateKey& k, std::string_view data);

}  // namespace postino::mailauth::dkim
