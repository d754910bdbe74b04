#include "auth/password.hpp"

#include <argon2.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "auth/utf8.hpp"
#include "base/strings.hpp"

namespace postino::auth {
namespace {

inline constexpr std::string_view kClientKeyLabel = "Client Key";  // RFC 5802 §3
inline constexpr std::string_view kServerKeyLabel = "Server Key";  // RFC 5802 §3

Result<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len))
    return make_error(Errc::internal, "HMAC-SHA-256 failed");
  return std::string(reinterpret_cast<char*>(out), len);
}

}  // namespace

Status check_password(std::string_view password) {
  if (password.empty()) return make_error(Errc::invalid, "password is empty");
  if (password.size() > kMaxPasswordBytes)
    return make_error(Errc::invalid, "password is longer than 1024 bytes");
  if (!is_valid_utf8(password)) return make_error(Errc::invalid, "password is not valid UTF-8");
  return {};
}

Result<std::string> hash_password(std::string_view password) {
  if (auto st = check_password(password); !st) return st.take_error();
  std::string salt = random_bytes(kArgon2SaltBytes);
  size_t len = argon2_encodedlen(kArgon2Iterations, kArgon2MemoryKiB, kArgon2Parallelism,
                                 kArgon2SaltBytes, kArgon2HashBytes, Argon2_id);
  std::string encoded(len, '\0');
  int rc = argon2id_hash_encoded(kArgon2Iterations, kArgon2MemoryKiB, kArgon2Parallelism,
                                 password.data(), password.size(), salt.data(), salt.size(),
                                 kArgon2HashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK)
    return make_error(Errc::internal, std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& phc) {
  if (password.size() > kMaxPasswordBytes) return false;
  if (phc.compare(0, kArgon2idPrefix.size(), kArgon2idPrefix) != 0) return false;
  return argon2id_verify(phc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Result<ScramKeys> derive_scram_keys(std::string_view password, std::string_view salt,
                                    uint32_t iterations) {
  if (iterations == 0 || salt.empty()) return make_error(Errc::invalid, "bad SCRAM parameters");
  unsigned char salted[kScramKeyBytes];
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        sizeof(salted), salted) != 1)
    return make_error(Errc::internal, "PBKDF2 failed");
  std::string_view salted_password(reinterpret_cast<char*>(salted), sizeof(salted));
  auto client_key = hmac_sha256(salted_password, kClientKeyLabel);
  auto server_key = hmac_sha256(salted_password, kServerKeyLabel);
  OPENSSL_cleanse(salted, sizeof(salted));
  if (!client_key) return client_key.take_error();
  if (!server_key) return server_key.take_error();
  unsigned char stored[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(client_key->data()), client_key->size(), stored);
  OPENSSL_cleanse(client_key->data(), client_key->size());
  return ScramKeys{std::string(reinterpret_cast<char*>(stored), sizeof(stored)),
                   std::move(*server_key)};
}

Result<Credentials> derive_credentials(std::string_view password) {
  auto hash = hash_password(password);
  if (!hash) return hash.take_error();
  Credentials c;
  c.password_hash = std::move(*hash);
  c.scram_salt = random_bytes(kScramSaltBytes);
  c.scram_iterations = kScramIterations;
  auto keys = derive_scram_keys(password, c.scram_salt, c.scram_iterations);
  if (!keys) return keys.take_error();
  c.scram_stored_key = std::move(keys->stored_key);
  c.scram_server_key = std::move(keys->server_key);
  return c;
}

}  // namespace postino::auth
