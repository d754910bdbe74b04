// LOGIN (draft-murchison-sasl-login): the server asks "Username:" then
// "Password:"; each answer is one client message. An initial response, if
// given, is the user name. The caller verifies the password (NeedVerify).
// Thread rules: one session at a time.
#pragma once

#include "sasl/mechanism.hpp"

namespace postino::sasl {

inline constexpr std::string_view kLoginUserChallenge = "Username:";
inline constexpr std::string_view kLoginPasswordChallenge = "Password:";

class LoginMechanism final : public Mechanism {
 public:
  std::string_view name() const override { return "LOGIN"; }
  StepResult start(std::optional<std::string_view> initial_response) override;
  StepResult step(std::string_view client_data) override;

 private:
  enum class State { Start, WantUser, WantPassword, Done };
  State state_ = State::Start;
  std::string user_;
};

}  // namespace postino::sasl
