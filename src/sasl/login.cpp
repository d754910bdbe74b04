#include "sasl/login.hpp"

#include "sasl/utf8.hpp"

namespace postino::sasl {

StepResult LoginMechanism::start(std::optional<std::string_view> initial_response) {
  if (state_ != State::Start) return StepResult::fail("LOGIN: restarted");
  state_ = State::WantUser;
  if (!initial_response) return StepResult::cont(std::string(kLoginUserChallenge));
  return step(*initial_response);
}

StepResult LoginMechanism::step(std::string_view client_data) {
  switch (state_) {
    case State::WantUser:
      if (client_data.empty() || client_data.size() > kMaxIdentityBytes ||
          client_data.find('\0') != std::string_view::npos || !valid_utf8(client_data)) {
        state_ = State::Done;
        return StepResult::fail("LOGIN: bad user name");
      }
      user_ = std::string(client_data);
      state_ = State::WantPassword;
      return StepResult::cont(std::string(kLoginPasswordChallenge));
    case State::WantPassword: {
      state_ = State::Done;
      if (client_data.empty() || client_data.size() > kMaxPasswordBytes ||
          client_data.find('\0') != std::string_view::npos || !valid_utf8(client_data))
        return StepResult::fail("LOGIN: bad password");
      StepResult r;
      r.kind = StepKind::NeedVerify;
      r.authcid = std::move(user_);
      r.password = std::string(client_data);
      return r;
    }
    case State::Start:
    case State::Done:
      break;
  }
  state_ = State::Done;
  return StepResult::fail("LOGIN: unexpected step");
}

}  // namespace postino::sasl
