// SCRAM-SHA-256 client (RFC 5802, RFC 7677), without channel binding. Used by
// the outbound SMTP client and by tests:
//   first = c.client_first();
//   final = c.client_final(server_first);      // Result<std::string>
//   c.verify_server_final(server_final);       // Status: server proved the key
// The nonce is injectable for tests (RFC 7677 §3 example).
// Thread rules: one exchange at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "sasl/scram_crypto.hpp"

namespace postino::sasl {

struct ScramClientOptions {
  std::string authzid;                            // empty: none
  std::string nonce;                              // empty: random
  uint32_t min_iterations = kScramMinIterations;  // refuse weaker servers (RFC 7677 §4)
  uint32_t max_iterations = kScramMaxIterations;  // refuse absurd work factors
};

class ScramClient {
 public:
  ScramClient(std::string username, std::string password, ScramClientOptions opts = {});
  std::string client_first();
  Result<std::string> client_final(std::string_view server_first);
  Status verify_server_final(std::string_view server_final);

 private:
  std::string username_;
  std::string password_;
  ScramClientOptions opts_;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_signature_;
};

}  // namespace postino::sasl
