// SCRAM-SHA-256 primitives (RFC 5802 §2.2, §3; RFC 7677): HMAC-SHA-256,
// SHA-256, Hi() = PBKDF2-HMAC-SHA-256, key derivation and constant-time
// comparison. All inputs and outputs are binary strings.
// Thread rules: pure functions (OpenSSL one-shot calls, no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "sasl/mechanism.hpp"

namespace postino::sasl {

inline constexpr size_t kScramKeyBytes = 32;                 // SHA-256 output
inline constexpr size_t kScramSaltBytes = 16;                // salt the auth module generates
inline constexpr uint32_t kScramMinIterations = 4096;        // RFC 7677 §4
inline constexpr uint32_t kScramMaxIterations = 10'000'000;  // refuse absurd work factors

std::string hmac_sha256(std::string_view key, std::string_view data);
std::string sha256(std::string_view data);
// Hi(str, salt, i) of RFC 5802 §2.2; empty string if OpenSSL fails.
std::string pbkdf2_sha256(std::string_view password, std::string_view salt, uint32_t iterations);
std::string xor_bytes(std::string_view a, std::string_view b);  // sizes must match
bool constant_time_equal(std::string_view a, std::string_view b);

// Derives the stored keys for `password` (RFC 5802 §3). Errc::invalid for an
// empty salt or an iteration count outside [1, kScramMaxIterations].
Result<ScramCredentials> derive_scram_credentials(std::string_view password, std::string_view salt,
                                                  uint32_t iterations);

}  // namespace postino::sasl
