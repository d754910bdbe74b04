// Password storage: argon2id hashes in PHC string form for LOGIN/PLAIN/USER-
// PASS checks, and SCRAM-SHA-256 keys (RFC 5802 §3, RFC 7677) derived when a
// password is set, so the plaintext is never stored and SCRAM never needs it.
// Passwords are used as the client sends them: non-empty, at most 1024 bytes,
// valid UTF-8. No SASLprep (RFC 4013) is applied; ASCII passwords are
// unaffected, and a non-ASCII password must be typed in the same Unicode
// normalisation form as when it was set.
// All SCRAM fields are raw binary strings (not base64), matching sasl/.
// Thread rules: pure functions; safe from any thread. Hashing is deliberately
// slow (tens of ms): call it off the I/O threads.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace postino::auth {

// argon2id parameters: OWASP Password Storage Cheat Sheet minimum profile.
inline constexpr uint32_t kArgon2MemoryKiB = 19456;
inline constexpr uint32_t kArgon2Iterations = 2;
inline constexpr uint32_t kArgon2Parallelism = 1;
inline constexpr size_t kArgon2SaltBytes = 16;
inline constexpr size_t kArgon2HashBytes = 32;
inline constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// SCRAM-SHA-256: RFC 7677 §4 asks for at least 4096 iterations.
inline constexpr uint32_t kScramIterations = 4096;
inline constexpr size_t kScramSaltBytes = 16;
inline constexpr size_t kScramKeyBytes = 32;  // SHA-256 output

inline constexpr size_t kMaxPasswordBytes = 1024;

struct Credentials {
  std::string password_hash;  // "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"
  std::string scram_salt;     // binary, kScramSaltBytes
  uint32_t scram_iterations = 0;
  std::string scram_stored_key;  // binary: SHA-256(ClientKey)
  std::string scram_server_key;  // binary: HMAC-SHA-256(SaltedPassword, "Server Key")
};

struct ScramKeys {
  std::string stored_key;  // binary
  std::string server_key;  // binary
};

// Checks the password rules above (Errc::invalid with a reason).
Status check_password(std::string_view password);

// Random salts, argon2id hash and SCRAM keys for a new password.
Result<Credentials> derive_credentials(std::string_view password);

// argon2id PHC string with a fresh random salt.
Result<std::string> hash_password(std::string_view password);

// True iff phc is an argon2id PHC string matching password. The comparison is
// constant time (libargon2); a malformed hash or password is simply false.
bool verify_password(std::string_view password, const std::string& phc);

// RFC 5802 §3: SaltedPassword := Hi(password, salt, i) (= PBKDF2-HMAC-SHA-256),
// ClientKey := HMAC(SaltedPassword, "Client Key"), StoredKey := H(ClientKey),
// ServerKey := HMAC(SaltedPassword, "Server Key").
Result<ScramKeys> derive_scram_keys(std::string_view password, std::string_view salt,
                                    uint32_t iterations);

}  // namespace postino::auth
