// MAIL FROM and RCPT TO (RFC 5321 §4.1.1.2, §4.1.1.3): sequencing, SIZE
// (RFC 1870), SMTPUTF8 (RFC 6531), and the relay and sender policy:
//  - submission / submissions: AUTH first (530 5.7.0);
//  - an authenticated client may only use an envelope sender it owns
//    (553 5.7.1) and may send anywhere;
//  - an unauthenticated client (MX) may only send to our domains: another
//    domain is "relaying denied" (550 5.7.1), an unknown local user 550 5.1.1.
#include "base/log.hpp"
#include "smtp/server/session.hpp"

namespace postino::smtp::server {

// Store calls: g++ 12 destroys a prvalue lambda passed to a coroutine
// (AsyncStore::run) twice, so a lambda that owns a std::string double-frees
// it. Store calls therefore capture pointers to locals of this coroutine
// frame, which outlives the call.

awaitable<Session::Next> Session::on_mail(const Command& cmd) {
  if (tx_.active) {
    reply(kBadSequence, "Nested MAIL command");
    co_return Next::go_on;
  }
  if (mode_ != Mode::mx && !authenticated_) {
    reject(kAuthRequired, "auth_required");
    co_return Next::go_on;
  }
  if (cmd.has_8bit && !cmd.mail.smtputf8) {  // RFC 6531 §3.4
    reject(kNonAsciiNotPermitted, "utf8_without_smtputf8");
    co_return Next::go_on;
  }
  if (cmd.mail.size && *cmd.mail.size > opts_.max_message_size) {  // RFC 1870 §6.1
    reject(kSizeExceeded, "size");
    co_return Next::go_on;
  }
  if (cmd.mail.body == BodyType::BinaryMime && !esmtp_) {
    reply(kBadSequence, "BINARYMIME needs EHLO");
    co_return Next::go_on;
  }
  if (authenticated_) {
    if (cmd.path.null || cmd.path.postmaster) {
      reject(kSenderNotOwned, "sender_not_owned");
      co_return Next::go_on;
    }
    // The lambda captures only pointers and ints (see kStoreCallNote).
    std::string sender = cmd.path.address();
    auto owned = co_await svc_.store().run<Result<bool>>(
        [addr = &sender, id = auth_account_](store::StoreBackend& b) {
          return delivery::sender_owned_by(b, *addr, id);
        });
    if (!owned) {
      reject(kLocalError, "store_error");
      co_return Next::go_on;
    }
    if (!*owned) {
      reject(kSenderNotOwned, "sender_not_owned");
      co_return Next::go_on;
    }
  }
  tx_ = Transaction{};
  tx_.active = true;
  tx_.from = cmd.path;
  tx_.params = cmd.mail;
  log::info("smtp.mail", {{"conn", conn_.id()},
                          {"from", cmd.path.address()},
                          {"size", cmd.mail.size ? *cmd.mail.size : 0},
                          {"body", body_type_name(cmd.mail.body)},
                          {"user", auth_user_}});
  reply(kSenderOk);
  co_return Next::go_on;
}

awaitable<Session::Next> Session::on_rcpt(const Command& cmd) {
  if (!tx_.active) {
    reply(kBadSequence, "Need MAIL before RCPT");
    co_return Next::go_on;
  }
  if (tx_.bdat) {  // RFC 3030 §2: no RCPT once BDAT has started
    reply(kBadSequence, "RCPT not allowed after BDAT");
    co_return Next::go_on;
  }
  if (tx_.rcpts.size() >= opts_.max_recipients) {  // RFC 5321 §4.5.3.1.10
    reject(kTooManyRecipients, "too_many_recipients");
    co_return Next::go_on;
  }
  if (cmd.path.utf8 && !tx_.params.smtputf8) {
    reject(kNonAsciiNotPermitted, "utf8_without_smtputf8");
    co_return Next::go_on;
  }
  // RFC 5321 §4.1.1.3: "<postmaster>" reaches our postmaster.
  std::string address = cmd.path.postmaster ? "postmaster@" + opts_.hostname : cmd.path.address();
  auto res = co_await svc_.store().run<Result<delivery::Resolution>>(
      [addr = &address](store::StoreBackend& b) { return delivery::resolve_recipient(b, *addr); });
  if (!res) {
    if (res.error().code == Errc::invalid) {
      reject(kBadRecipientSyntax, "bad_recipient");
    } else {
      log::warn("smtp.rcpt_lookup_failed", {{"conn", conn_.id()}, {"error", res.error().message}});
      reject(kLocalError, "store_error");
    }
    co_return Next::go_on;
  }
  Recipient r{address, cmd.rcpt, std::move(*res), false};
  switch (r.resolution.kind) {
    case delivery::RecipientKind::not_local:
      // No open relay: only an authenticated user may send elsewhere.
      if (!authenticated_) {
        log::info("smtp.relay_denied", {{"conn", conn_.id()}, {"rcpt", address}});
        reject(kRelayDenied, "relay_denied");
        co_return Next::go_on;
      }
      r.remote = true;
      break;
    case delivery::RecipientKind::unknown_user:
      reject(kMailboxUnavailable, "unknown_user", "No such user here");
      co_return Next::go_on;
    case delivery::RecipientKind::forward:
    case delivery::RecipientKind::local: {
      // Over quota is known now when the mailbox is already full, or when
      // SIZE says the message will not fit (RFC 1870 §6.2).
      uint64_t size = tx_.params.size.value_or(0);
      for (const auto& a : r.resolution.accounts) {
        if (a.quota_bytes != 0 &&
            (a.used_bytes >= a.quota_bytes || a.used_bytes + size > a.quota_bytes)) {
          reject(kQuota, "quota");
          co_return Next::go_on;
        }
      }
      break;
    }
  }
  log::info("smtp.rcpt", {{"conn", conn_.id()},
                          {"rcpt", address},
                          {"remote", r.remote ? "yes" : "no"},
                          {"accounts", r.resolution.accounts.size()},
                          {"forwards", r.resolution.forwards.size()}});
  tx_.rcpts.push_back(std::move(r));
  reply(kRecipientOk);
  co_return Next::go_on;
}

}  // namespace postino::smtp::server
