// Local policy over an inbound mail-authentication result: what the MX does
// with the message. RFC 9989 §5.4 leaves the final handling to the Mail
// Receiver; these are the operator's choices ([mailauth] in the config):
//  - a DMARC fail under p=reject / p=quarantine (after t=y) is rejected,
//    delivered to the Junk mailbox, or delivered, per `on_reject` /
//    `on_quarantine` (RFC 8601 §4.2: reject at SMTP rather than bounce later);
//  - a DMARC temperror (the policy lookup, or an SPF/DKIM answer the decision
//    needed, failed temporarily; RFC 9989 §5.3.6) is deferred with a 4xx or
//    accepted, per `on_temperror`;
//  - an SPF fail (RFC 7208 §8.4) is rejected only if `reject_spf_fail` is set,
//    and then only when DMARC did not pass (so DKIM-signed forwarded mail
//    still arrives);
//  - p=none never changes handling (RFC 9989 §5.4 MUST NOT).
// Thread rules: pure functions and plain values.
#pragma once

#include <optional>
#include <string_view>

#include "mailauth/inbound/evaluate.hpp"

namespace postino::mailauth::inbound {

enum class FailAction { reject, junk, deliver };
enum class TempAction { defer, accept };

struct Policy {
  FailAction on_reject = FailAction::reject;    // DMARC fail, p=reject
  FailAction on_quarantine = FailAction::junk;  // DMARC fail, p=quarantine
  TempAction on_temperror = TempAction::defer;  // DMARC temperror
  bool reject_spf_fail = false;
};

enum class Verdict { deliver, junk, reject_dmarc, reject_spf, defer };

const char* verdict_name(Verdict v);

// "reject" / "junk" / "deliver" and "defer" / "accept" (config values).
std::optional<FailAction> parse_fail_action(std::string_view s);
std::optional<TempAction> parse_temp_action(std::string_view s);

Verdict decide(const InboundResult& r, const Policy& p);

}  // namespace postino::mailauth::inbound
