// Server-side SASL mechanisms (RFC 4422) as pure step() state machines.
//
// A protocol session (SMTP AUTH, IMAP AUTHENTICATE, POP3 AUTH) owns one
// Mechanism per exchange. It decodes the base64 framing of its protocol (see
// sasl/framing.hpp), hands the raw client bytes to start()/step(), and acts on
// the StepResult:
//   Continue        send `data` as the next challenge, feed the answer to step()
//   NeedVerify      PLAIN/LOGIN: the caller checks (authcid, password) against
//                   the directory and itself decides success or failure
//   NeedCredentials SCRAM: the caller looks up the SCRAM keys of `authcid`
//                   (possibly awaiting the store) and calls supply_credentials()
//   Success         authenticated; `data` (if has_data) is the final server
//                   message. IMAP sends it in the OK's response code or as a
//                   "+" challenge; SMTP (RFC 4954 §4) has no success-with-data,
//                   so it sends "334 <data>", reads the client's empty line,
//                   then replies 235
//   Failure         authentication failed; `reason` is for the log only
// The mechanism never blocks and never touches the directory itself.
// Thread rules: a Mechanism is a plain value used by one session at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace postino::sasl {

enum class StepKind { Continue, NeedVerify, NeedCredentials, Success, Failure };

struct StepResult {
  StepKind kind = StepKind::Failure;
  std::string data;       // Continue: challenge; Success: final server data (if has_data)
  bool has_data = false;  // Success: whether `data` must be sent (RFC 4422 §5 additional data)
  std::string authzid;    // requested authorization identity; empty = same as authcid
  std::string authcid;    // authentication identity (user name as the client sent it)
  std::string password;   // NeedVerify only
  std::string reason;     // Failure: short text for logs, never shown as a credential hint

  static StepResult cont(std::string challenge);
  static StepResult fail(std::string why);
};

// SCRAM-SHA-256 keys of one account (RFC 5802 §3), binary strings. The auth
// module derives them when a password is set (see derive_scram_credentials).
struct ScramCredentials {
  std::string salt;
  uint32_t iterations = 0;
  std::string stored_key;  // SHA-256(ClientKey)
  std::string server_key;  // HMAC(SaltedPassword, "Server Key")
};

// Limits on what a client may send in one step.
inline constexpr size_t kMaxClientMessage = 8192;
inline constexpr size_t kMaxIdentityBytes = 255;  // authzid / authcid (RFC 4616 §2 floor)
inline constexpr size_t kMaxPasswordBytes = 1024;

class Mechanism {
 public:
  virtual ~Mechanism() = default;
  virtual std::string_view name() const = 0;
  // First step. `initial_response` is the client's initial response if the
  // protocol carried one (RFC 4422 §3.3; an empty string when the client sent
  // "="), nullopt if it did not.
  virtual StepResult start(std::optional<std::string_view> initial_response) = 0;
  // Every later step: the client's answer to the last challenge.
  virtual StepResult step(std::string_view client_data) = 0;
  // Answer to NeedCredentials. nullopt = no such user: the exchange continues
  // with decoy values and fails at the end, so user names cannot be probed.
  virtual StepResult supply_credentials(std::optional<ScramCredentials> creds);
};

struct MechanismOptions {
  // Produces the server part of a SCRAM nonce (printable, no ','). Tests inject
  // a fixed value; the default is 24 random alphanumerics.
  std::function<std::string()> nonce_source;
};

// Case-insensitive: "PLAIN", "LOGIN", "SCRAM-SHA-256". nullptr if unknown.
std::unique_ptr<Mechanism> make_mechanism(std::string_view name, const MechanismOptions& opts = {});

// Names of the mechanisms make_mechanism() knows, in preference order.
inline constexpr std::string_view kMechanismNames[] = {"SCRAM-SHA-256", "PLAIN", "LOGIN"};

}  // namespace postino::sasl
