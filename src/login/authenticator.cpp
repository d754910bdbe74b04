#include "login/authenticator.hpp"

#include "auth/address.hpp"
#include "auth/password.hpp"
#include "base/log.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"
#include "sasl/mechanism.hpp"

namespace postino::login {
namespace {

namespace asio = boost::asio;

metrics::Counter& auth_counter(const char* result) {
  return metrics::counter("postino_auth_attempts_total", "Authentication attempts by result",
                          {{"result", result}});
}

// Accounts are looked up by their normalised address; a user name that is not
// an address cannot match any account.
std::optional<std::string> account_key(std::string_view user) {
  auto a = auth::parse_address(user);
  if (!a) return std::nullopt;
  return to_lower(a->local) + "@" + a->domain;
}

std::optional<sasl::ScramCredentials> scram_of(const store::Account& acc) {
  auto salt = base64_decode(acc.scram_salt);
  auto stored = base64_decode(acc.scram_stored_key);
  auto server = base64_decode(acc.scram_server_key);
  if (!salt || !stored || !server || acc.scram_iterations == 0) return std::nullopt;
  return sasl::ScramCredentials{*salt, acc.scram_iterations, *stored, *server};
}

}  // namespace

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::ok:
      return "ok";
    case Outcome::bad_credentials:
      return "bad_credentials";
    case Outcome::throttled:
      return "throttled";
    case Outcome::cancelled:
      return "cancelled";
    case Outcome::malformed:
      return "malformed";
    case Outcome::unknown_mechanism:
      return "unknown_mechanism";
    case Outcome::temporary:
      return "temporary";
  }
  return "bad_credentials";
}

Authenticator::Authenticator(store::AsyncStore& store, auth::AuthThrottle& throttle)
    : store_(store), throttle_(throttle) {}

bool Authenticator::supports(std::string_view mechanism) {
  for (auto name : sasl::kMechanismNames)
    if (iequals(name, mechanism)) return true;
  return false;
}

asio::awaitable<LoginResult> Authenticator::finish(LoginResult r, const std::string& ip) {
  auth_counter(outcome_name(r.outcome)).inc();
  if (r.outcome == Outcome::ok) {
    throttle_.record_success(ip, r.account.address);
  } else if (r.outcome == Outcome::bad_credentials) {
    throttle_.record_failure(ip, r.user);
  }
  if (r.outcome != Outcome::ok)
    log::info("auth.fail", {{"ip", ip}, {"user", r.user}, {"reason", outcome_name(r.outcome)}});
  co_return r;
}

asio::awaitable<LoginResult> Authenticator::check_password(std::string user, std::string password,
                                                           std::string ip) {
  LoginResult r;
  r.user = user;
  auto key = account_key(user);
  if (!throttle_.allowed(ip, key ? *key : user)) {
    r.outcome = Outcome::throttled;
    co_return co_await finish(std::move(r), ip);
  }
  if (!key) {
    r.outcome = Outcome::bad_credentials;
    co_return co_await finish(std::move(r), ip);
  }
  // Look-up and argon2id verification both run on the store's worker threads.
  // A named callable, moved in: g++ 12 destroys a temporary passed straight
  // into a co_await expression twice.
  auto verify = [k = *key,
                 pw = std::move(password)](store::StoreBackend& b) -> Result<store::Account> {
    auto acc = b.get_account(k);
    if (!acc) return acc;
    if (!auth::verify_password(pw, acc->password_hash))
      return make_error(Errc::auth, "bad password");
    return acc;
  };
  auto res = co_await store_.run<Result<store::Account>>(std::move(verify));
  if (res) {
    r.outcome = Outcome::ok;
    r.account = std::move(*res);
  } else {
    auto code = res.error().code;
    r.outcome = (code == Errc::auth || code == Errc::not_found) ? Outcome::bad_credentials
                                                                : Outcome::temporary;
  }
  co_return co_await finish(std::move(r), ip);
}

asio::awaitable<LoginResult> Authenticator::authenticate(std::string_view mechanism,
                                                         std::optional<std::string> initial,
                                                         ChallengeFn challenge, std::string ip) {
  LoginResult r;
  auto mech = sasl::make_mechanism(mechanism);
  if (!mech) {
    r.outcome = Outcome::unknown_mechanism;
    co_return co_await finish(std::move(r), ip);
  }
  sasl::StepResult step =
      initial ? mech->start(std::string_view(*initial)) : mech->start(std::nullopt);
  store::Account scram_account;
  for (int rounds = 0; rounds < kMaxRounds; ++rounds) {
    switch (step.kind) {
      case sasl::StepKind::Continue: {
        auto answer = co_await challenge(step.data);
        if (!answer) {
          r.outcome =
              answer.error().message == "cancelled" ? Outcome::cancelled : Outcome::malformed;
          co_return co_await finish(std::move(r), ip);
        }
        step = mech->step(*answer);
        continue;
      }
      case sasl::StepKind::NeedVerify: {
        // PLAIN / LOGIN. An authorization identity other than the
        // authentication identity is refused (no proxy logins).
        if (!step.authzid.empty() && !iequals(step.authzid, step.authcid)) {
          r.user = step.authcid;
          r.outcome = Outcome::bad_credentials;
          co_return co_await finish(std::move(r), ip);
        }
        co_return co_await check_password(step.authcid, step.password, ip);
      }
      case sasl::StepKind::NeedCredentials: {
        r.user = step.authcid;
        auto key = account_key(step.authcid);
        if (!throttle_.allowed(ip, key ? *key : step.authcid)) {
          r.outcome = Outcome::throttled;
          co_return co_await finish(std::move(r), ip);
        }
        std::optional<sasl::ScramCredentials> creds;
        if (key) {
          auto acc = co_await store_.get_account(*key);
          if (acc) {
            creds = scram_of(*acc);
            scram_account = std::move(*acc);
          } else if (acc.error().code != Errc::not_found) {
            r.outcome = Outcome::temporary;
            co_return co_await finish(std::move(r), ip);
          }
        }
        // Unknown users still get a (fake) challenge: the mechanism decides.
        step = mech->supply_credentials(creds);
        continue;
      }
      case sasl::StepKind::Success: {
        if (r.user.empty()) r.user = step.authcid;
        if (!step.authzid.empty() && !iequals(step.authzid, step.authcid)) {
          r.outcome = Outcome::bad_credentials;
          co_return co_await finish(std::move(r), ip);
        }
        if (step.has_data) {
          // Server-final data goes out as a challenge; the answer must be empty.
          auto answer = co_await challenge(step.data);
          if (!answer || !answer->empty()) {
            r.outcome = answer ? Outcome::malformed : Outcome::cancelled;
            co_return co_await finish(std::move(r), ip);
          }
        }
        if (scram_account.id == 0) {
          r.outcome = Outcome::bad_credentials;
          co_return co_await finish(std::move(r), ip);
        }
        r.outcome = Outcome::ok;
        r.account = std::move(scram_account);
        co_return co_await finish(std::move(r), ip);
      }
      case sasl::StepKind::Failure:
        if (r.user.empty()) r.user = step.authcid;
        r.outcome = step.authcid.empty() && scram_account.id == 0 ? Outcome::malformed
                                                                  : Outcome::bad_credentials;
        co_return co_await finish(std::move(r), ip);
    }
  }
  r.outcome = Outcome::malformed;
  co_return co_await finish(std::move(r), ip);
}

}  // namespace postino::login
