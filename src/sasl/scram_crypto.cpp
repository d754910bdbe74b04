#include "sasl/scram_crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace postino::sasl {

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    return {};
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string sha256(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::string pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations) {
  std::string out(kScramKeyBytes, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(out.size()),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    return {};
  return out;
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a.size(), '\0');
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) out[i] = char(a[i] ^ b[i]);
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// RFC 5802 §3: SaltedPassword, ClientKey, StoredKey, ServerKey.
Result<ScramCredentials> derive_scram_credentials(std::string_view password, std::string_view salt,
                                                  uint32_t iterations) {
  if (salt.empty()) return make_error(Errc::invalid, "SCRAM salt is empty");
  if (iterations < 1 || iterations > kScramMaxIterations)
    return make_error(Errc::invalid, "SCRAM iteration count out of range");
  std::string salted = pbkdf2_sha256(password, salt, iterations);
  if (salted.empty()) return make_error(Errc::internal, "PBKDF2 failed");
  ScramCredentials c;
  c.salt = std::string(salt);
  c.iterations = iterations;
  c.stored_key = sha256(hmac_sha256(salted, "Client Key"));
  c.server_key = hmac_sha256(salted, "Server Key");
  return c;
}

}  // namespace postino::sasl
