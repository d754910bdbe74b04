// Authenticator: the one place SMTP AUTH, IMAP LOGIN/AUTHENTICATE and POP3
// USER/PASS/AUTH check who a client is. It drives a SASL mechanism
// (src/sasl) through a protocol-supplied challenge/response callback, checks
// passwords against the argon2id hash and SCRAM proofs against the stored keys
// (store/), and throttles failures per IP and per account (auth/throttle).
// Password hashing is slow by design: it runs on the store's worker threads,
// never on an I/O thread.
// Protocol framing stays with the protocol: the callback receives the raw
// challenge bytes and returns the decoded client response (the protocol does
// base64 and the "*" cancel). SCRAM's server-final message is sent as one more
// challenge whose answer must be empty (RFC 4954 §4, RFC 9051 §6.2.2, RFC 5034 §4).
// Thread rules: thread-safe; one Authenticator serves every session.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "auth/throttle.hpp"
#include "base/result.hpp"
#include "store/async_store.hpp"

namespace postino::login {

enum class Outcome {
  ok,
  bad_credentials,  // 535 5.7.8 / NO [AUTHENTICATIONFAILED] / -ERR [AUTH]
  throttled,        // too many failures: same answer as bad credentials, logged apart
  cancelled,        // the client sent "*" (501 / BAD / -ERR)
  malformed,        // undecodable or out-of-protocol client data (501 / BAD)
  unknown_mechanism,
  temporary,  // store unavailable (454 4.7.0 / NO [UNAVAILABLE] / -ERR [SYS/TEMP])
};

const char* outcome_name(Outcome o);

struct LoginResult {
  Outcome outcome = Outcome::bad_credentials;
  store::Account account;  // valid when outcome == ok
  std::string user;        // the identity the client named (for logs)
};

// Sends a challenge (raw bytes) and returns the client's decoded answer.
// An error result means the client cancelled (Errc::invalid with message
// "cancelled"), sent garbage (Errc::invalid), or the connection failed.
using ChallengeFn = std::function<boost::asio::awaitable<Result<std::string>>(std::string_view)>;

class Authenticator {
 public:
  Authenticator(store::AsyncStore& store, auth::AuthThrottle& throttle);

  // USER/PASS, IMAP LOGIN, and the PLAIN/LOGIN mechanisms end here.
  boost::asio::awaitable<LoginResult> check_password(std::string user, std::string password,
                                                     std::string ip);

  // A whole SASL exchange. initial_response: RFC 4959 / RFC 4954 initial
  // response, already decoded ("=" means empty); nullopt when none was sent.
  boost::asio::awaitable<LoginResult> authenticate(std::string_view mechanism,
                                                   std::optional<std::string> initial_response,
                                                   ChallengeFn challenge, std::string ip);

  static bool supports(std::string_view mechanism);

 private:
  static constexpr int kMaxRounds = 8;  // challenges in one exchange (SCRAM needs 2)

  boost::asio::awaitable<LoginResult> finish(LoginResult r, const std::string& ip);

  store::AsyncStore& store_;
  auth::AuthThrottle& throttle_;
};

}  // namespace postino::login
