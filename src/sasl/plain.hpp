// PLAIN (RFC 4616): one client message "[authzid] NUL authcid NUL passwd".
// The mechanism only parses; the caller verifies the password (NeedVerify).
// Thread rules: one session at a time.
#pragma once

#include "sasl/mechanism.hpp"

namespace postino::sasl {

class PlainMechanism final : public Mechanism {
 public:
  std::string_view name() const override { return "PLAIN"; }
  StepResult start(std::optional<std::string_view> initial_response) override;
  StepResult step(std::string_view client_data) override;

 private:
  bool done_ = false;
};

// Parses a PLAIN message (RFC 4616 §2). Exposed for tests and the SMTP client.
StepResult parse_plain_message(std::string_view msg);

// Builds a PLAIN message for the client side.
std::string make_plain_message(std::string_view authzid, std::string_view authcid,
                               std::string_view password);

}  // namespace postino::sasl
