// AUTH (RFC 4954) and STARTTLS (RFC 3207).
#include "base/log.hpp"
#include "base/strings.hpp"
#include "login/authenticator.hpp"
#include "smtp/server/session.hpp"

namespace postino::smtp::server {

// RFC 4954 §4: the server sends "334 " + base64(challenge); the client
// answers one line of base64, or "*" to cancel.
awaitable<Result<std::string>> Session::sasl_challenge(std::string_view data) {
  conn_.write("334 " + base64_encode(data) + "\r\n");
  if (!co_await flush()) co_return make_error(Errc::io, "write failed");
  auto line = co_await conn_.read_line(kMaxAuthCommandLine);
  if (!line) co_return make_error(Errc::io, "read failed");
  std::string_view text = trim(*line);
  if (text == "*") co_return make_error(Errc::invalid, "cancelled");
  if (text.empty()) co_return std::string();
  auto decoded = base64_decode(text);
  if (!decoded) co_return make_error(Errc::invalid, "bad base64");
  co_return std::move(*decoded);
}

awaitable<Session::Next> Session::on_auth(const Command& cmd) {
  if (authenticated_) {  // RFC 4954 §4: no AUTH after a successful one
    reply(kBadSequence, "Already authenticated");
    co_return Next::go_on;
  }
  if (!auth_allowed()) {
    reject(kEncryptionRequired, "auth_needs_tls");
    co_return Next::go_on;
  }
  if (!login::Authenticator::supports(cmd.auth_mechanism)) {
    reject(kAuthMechUnknown, "auth_mechanism");
    co_return Next::go_on;
  }
  bool bad_base64 = false;
  login::ChallengeFn challenge =
      [this, &bad_base64](std::string_view d) -> awaitable<Result<std::string>> {
    auto r = co_await sasl_challenge(d);
    if (!r && r.error().message == "bad base64") bad_base64 = true;
    co_return r;
  };
  auto result = co_await svc_.authenticator().authenticate(
      cmd.auth_mechanism, cmd.auth_initial_response, challenge, conn_.remote_ip());
  switch (result.outcome) {
    case login::Outcome::ok:
      authenticated_ = true;
      auth_user_ = result.account.address;
      auth_account_ = result.account.id;
      log::info("smtp.auth", {{"conn", conn_.id()},
                              {"user", auth_user_},
                              {"mechanism", cmd.auth_mechanism},
                              {"tls", conn_.is_tls() ? "yes" : "no"}});
      reply(kAuthSucceeded);
      break;
    case login::Outcome::bad_credentials:
    case login::Outcome::throttled:
      reject(kAuthInvalid, login::outcome_name(result.outcome));
      break;
    case login::Outcome::cancelled:
      reject(kAuthCancelled, "auth_cancelled");
      break;
    case login::Outcome::malformed:
      reject(bad_base64 ? kBadBase64 : kSyntax, "auth_malformed");
      break;
    case login::Outcome::unknown_mechanism:
      reject(kAuthMechUnknown, "auth_mechanism");
      break;
    case login::Outcome::temporary:
      reject(kTempAuthFailure, "auth_temporary");
      break;
  }
  co_return Next::go_on;
}

awaitable<Session::Next> Session::on_starttls(const Command&) {
  if (conn_.is_tls()) {
    reply(kBadSequence, "TLS already active");
    co_return Next::go_on;
  }
  if (!opts_.tls_available) {
    reply(kTlsUnavailable);
    co_return Next::go_on;
  }
  reply(kStartTlsReady);
  // Connection::start_tls flushes the 220 and discards any plaintext the
  // client pipelined after STARTTLS (RFC 3207 §4.2, command injection).
  auto st = co_await conn_.start_tls();
  if (!st) {
    log::info("smtp.starttls_failed", {{"conn", conn_.id()}, {"error", st.error().message}});
    co_return Next::close;
  }
  // RFC 3207 §4.2: forget everything learnt before TLS, EHLO included.
  reset_session_state();
  co_return Next::go_on;
}

}  // namespace postino::smtp::server
