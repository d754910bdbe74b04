#include "sasl/mechanism.hpp"

#include "base/strings.hpp"
#include "sasl/login.hpp"
#include "sasl/plain.hpp"
#include "sasl/scram_server.hpp"

namespace postino::sasl {

StepResult StepResult::cont(std::string challenge) {
  StepResult r;
  r.kind = StepKind::Continue;
  r.data = std::move(challenge);
  return r;
}

StepResult StepResult::fail(std::string why) {
  StepResult r;
  r.kind = StepKind::Failure;
  r.reason = std::move(why);
  return r;
}

StepResult Mechanism::supply_credentials(std::optional<ScramCredentials>) {
  return StepResult::fail("credentials not expected");
}

std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const MechanismOptions& opts) {
  if (iequals(name, "PLAIN")) return std::make_unique<PlainMechanism>();
  if (iequals(name, "LOGIN")) return std::make_unique<LoginMechanism>();
  if (iequals(name, "SCRAM-SHA-256")) return std::make_unique<ScramServer>(opts.nonce_source);
  return nullptr;
}

}  // namespace postino::sasl
