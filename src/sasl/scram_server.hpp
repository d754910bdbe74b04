// SCRAM-SHA-256 server (RFC 5802, RFC 7677), without channel binding:
//   start/step(client-first)  -> NeedCredentials{authcid, authzid}
//   supply_credentials(keys)  -> Continue{server-first}
//   step(client-final)        -> Success{data = server-final "v=..."} or Failure
// gs2 flag "n" and "y" are accepted (we never advertise -PLUS, RFC 5802 §6);
// "p=" is refused. Proofs are compared in constant time. An unknown user gets
// a stable decoy salt and always fails at the last step.
// SASLprep (RFC 4013) is limited to the saslname escaping and a UTF-8 check.
// Thread rules: one session at a time.
#pragma once

#include <functional>

#include "sasl/mechanism.hpp"

namespace postino::sasl {

inline constexpr size_t kScramServerNonceChars = 24;
inline constexpr size_t kScramMaxNonceChars = 256;

class ScramServer final : public Mechanism {
 public:
  explicit ScramServer(std::function<std::string()> nonce_source = {});
  std::string_view name() const override { return "SCRAM-SHA-256"; }
  StepResult start(std::optional<std::string_view> initial_response) override;
  StepResult step(std::string_view client_data) override;
  StepResult supply_credentials(std::optional<ScramCredentials> creds) override;

 private:
  enum class State { Start, WantClientFirst, WantCredentials, WantClientFinal, Done };
  StepResult on_client_first(std::string_view msg);
  StepResult on_client_final(std::string_view msg);
  StepResult fail(std::string why);

  std::function<std::string()> nonce_source_;
  State state_ = State::Start;
  std::string gs2_header_;
  std::string client_first_bare_;
  std::string server_first_;
  std::string nonce_;  // client nonce + server nonce
  std::string authcid_;
  std::string authzid_;
  ScramCredentials creds_;
  bool decoy_ = false;
};

}  // namespace postino::sasl
