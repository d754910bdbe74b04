// STARTTLS (RFC 9051 §6.2.1), AUTHENTICATE with SASL-IR (RFC 9051 §6.2.2,
// RFC 4959) and LOGIN (RFC 9051 §6.2.3). The SASL mechanisms themselves run in
// login::Authenticator; here is only the IMAP framing: "+ base64" challenges,
// base64 answers, "*" to cancel.
#include "base/log.hpp"
#include "base/strings.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

namespace {
bool is_plaintext_mechanism(std::string_view mech) { return mech == "PLAIN" || mech == "LOGIN"; }
}  // namespace

awaitable<Reply> Session::on(const std::string& tag, StartTlsCmd&) {
  if (conn_.is_tls()) co_return Reply::bad("TLS is already active");
  send(write::tagged(tag, write::Cond::ok, std::nullopt, "begin TLS negotiation now"));
  // RFC 9051 §6.2.1: anything the client pipelined after STARTTLS is dropped.
  rx_.clear();
  auto st = co_await conn_.start_tls();
  if (!st) {
    state_ = State::logout;  // the session cannot continue after a failed handshake
    co_return Reply::done();
  }
  co_return Reply::done();
}

awaitable<Reply> Session::on(const std::string& tag, LoginCmd& c) {
  (void)tag;
  if (!plaintext_allowed())  // RFC 9051 §6.2.3 LOGINDISABLED
    co_return Reply::no("plaintext login needs TLS", write::code::privacyrequired());
  auto r = co_await auth_.check_password(c.user, c.password, conn_.remote_ip());
  if (r.outcome == login::Outcome::temporary)
    co_return Reply::no("try again later", write::code::unavailable());
  if (r.outcome != login::Outcome::ok)
    co_return Reply::no("invalid credentials", write::code::authenticationfailed());
  state_ = State::authenticated;
  account_id_ = r.account.id;
  user_ = r.account.address;
  log::info("imap.login", {{"conn", conn_.id()}, {"user", user_}, {"mech", "LOGIN"}});
  // RFC 9051 §6.2.3: the capabilities may change; say so in the OK.
  co_return Reply::ok("LOGIN completed", write::code::capability(capabilities()));
}

awaitable<Reply> Session::on(const std::string&, AuthenticateCmd& c) {
  if (!login::Authenticator::supports(c.mechanism))
    co_return Reply::no("unsupported mechanism", write::code::cannot());
  if (is_plaintext_mechanism(c.mechanism) && !plaintext_allowed())
    co_return Reply::no("plaintext authentication needs TLS", write::code::privacyrequired());
  std::optional<std::string> initial;
  if (c.initial_response) {
    if (*c.initial_response == "=") {
      initial = std::string();
    } else {
      auto d = base64_decode(*c.initial_response);
      if (!d) co_return Reply::bad("invalid base64 in initial response");
      initial = std::move(*d);
    }
  }
  bool cancelled = false;
  login::ChallengeFn challenge =
      [this, &cancelled](std::string_view ch) -> awaitable<Result<std::string>> {
    send(write::continuation(base64_encode(ch)));
    auto line = co_await read_client_line();
    if (!line) co_return line.take_error();
    std::string_view text = trim(*line);
    if (text == "*") {  // RFC 9051 §6.2.2
      cancelled = true;
      co_return make_error(Errc::invalid, "cancelled");
    }
    auto d = base64_decode(text);
    if (!d) co_return make_error(Errc::invalid, "invalid base64");
    co_return std::move(*d);
  };
  auto r =
      co_await auth_.authenticate(c.mechanism, std::move(initial), challenge, conn_.remote_ip());
  switch (r.outcome) {
    case login::Outcome::ok:
      break;
    case login::Outcome::cancelled:
      co_return Reply::bad("authentication cancelled");
    case login::Outcome::malformed:
      co_return Reply::bad(cancelled ? "authentication cancelled" : "malformed SASL data");
    case login::Outcome::unknown_mechanism:
      co_return Reply::no("unsupported mechanism", write::code::cannot());
    case login::Outcome::temporary:
      co_return Reply::no("try again later", write::code::unavailable());
    default:
      co_return Reply::no("invalid credentials", write::code::authenticationfailed());
  }
  state_ = State::authenticated;
  account_id_ = r.account.id;
  user_ = r.account.address;
  log::info("imap.login", {{"conn", conn_.id()}, {"user", user_}, {"mech", c.mechanism}});
  co_return Reply::ok("AUTHENTICATE completed", write::code::capability(capabilities()));
}

}  // namespace postino::imap::server
