// The end of a mail transaction: mail authentication for inbound MX mail
// (mailauth.cpp: it may refuse the message, or send it to Junk), prepend the
// Authentication-Results and Received headers, deliver to every local INBOX
// in one store call (one blob however many recipients), queue the remote
// recipients, and only then answer 250 (DESIGN.md "Durability").
//
// Partial failure: after DATA/BDAT SMTP has a single reply for all
// recipients (per-recipient replies are LMTP, RFC 2033). The store delivers
// to all local INBOXes in one transaction, so a quota or store failure fails
// the whole message with a 4xx (452 4.2.2 for quota, 451 4.3.0 otherwise)
// and nothing is delivered or queued; the client retries later. Quota is
// checked per recipient at RCPT time, so this only happens when a mailbox
// fills up during the transaction. Local delivery runs before queueing: if
// queueing then fails, the client's retry may deliver a local copy twice,
// which is preferred to losing the remote copies.
#include <chrono>

#include "base/log.hpp"
#include "base/strings.hpp"
#include "delivery/prepare.hpp"
#include "smtp/server/received.hpp"
#include "smtp/server/session.hpp"
#include "smtp/server/smtp_metrics.hpp"

namespace postino::smtp::server {
namespace {

std::string notify_string(const RcptParams& p) {
  if (!p.notify_set) return "";
  if (p.notify_never) return "NEVER";
  std::string s;
  auto add = [&s](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(p.notify_success, "SUCCESS");
  add(p.notify_failure, "FAILURE");
  add(p.notify_delay, "DELAY");
  return s;
}

}  // namespace

awaitable<void> Session::accept_message() {
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string id = random_token(kMessageIdChars);

  ReceivedInfo info;
  info.helo = helo_name_;
  info.client_ip = conn_.remote_ip();
  info.by_host = opts_.hostname;
  info.esmtp = esmtp_;
  info.tls = conn_.is_tls();
  info.authenticated = authenticated_;
  info.smtputf8 = tx_.params.smtputf8;
  info.tls_version = conn_.tls_version();
  info.tls_cipher = conn_.tls_cipher();
  info.id = id;
  if (tx_.rcpts.size() == 1) info.for_address = tx_.rcpts.front().address;
  info.time = now;

  // RFC 8601 §4: Authentication-Results above the trace fields we add.
  MailAuthDecision auth;
  if (mailauth_applies()) {
    MailAuthDecision checked = co_await check_mailauth(now, id);
    auth = std::move(checked);
    if (refused_by_mailauth(auth)) {
      reset_transaction();
      co_return;
    }
  } else if (svc_.resolver()) {
    remove_forged_authres();
  }
  bool junk = auth.verdict == mailauth::inbound::Verdict::junk;

  std::string raw = auth.header + received_header(info);
  raw.reserve(raw.size() + tx_.body.size());
  raw += tx_.body;
  auto shared = std::make_shared<const std::string>(std::move(raw));

  // Local INBOXes (deduplicated) and remote addresses (relayed or forwarded).
  std::vector<store::AccountId> accounts;
  delivery::OutboundMessage out;
  for (const auto& r : tx_.rcpts) {
    for (const auto& a : r.resolution.accounts)
      if (std::find(accounts.begin(), accounts.end(), a.id) == accounts.end())
        accounts.push_back(a.id);
    std::vector<std::string> remote = r.resolution.forwards;
    if (r.remote) remote.push_back(r.address);
    for (auto& addr : remote) {
      if (std::find(out.rcpts.begin(), out.rcpts.end(), addr) != out.rcpts.end()) continue;
      std::string orcpt;
      if (r.params.orcpt) orcpt = r.params.orcpt->addr_type + ";" + r.params.orcpt->address;
      out.recipients.push_back({addr, notify_string(r.params), orcpt});
      out.rcpts.push_back(std::move(addr));
    }
  }

  if (!accounts.empty()) {
    std::string mailbox = junk ? opts_.mailauth.junk_mailbox : std::string(store::kInbox);
    store::AppendRequest req = delivery::prepare_append(shared);
    for (auto a : accounts) req.targets.push_back({a, mailbox});
    req.internal_date = now;
    auto res = co_await svc_.store().deliver(std::move(req));
    if (!res && res.error().code == Errc::not_found && junk) {
      // A recipient has no Junk mailbox (deleted): INBOX rather than nothing.
      log::info("smtp.junk_missing", {{"conn", conn_.id()}, {"id", id}, {"mailbox", mailbox}});
      store::AppendRequest again = delivery::prepare_append(shared);
      for (auto a : accounts) again.targets.push_back({a, store::kInbox});
      again.internal_date = now;
      res = co_await svc_.store().deliver(std::move(again));
    }
    if (!res) {
      bool quota = res.error().code == Errc::quota;
      log::warn("smtp.delivery_failed",
                {{"conn", conn_.id()}, {"id", id}, {"error", res.error().message}});
      reject(quota ? kQuota : kLocalError, quota ? "quota" : "store_error");
      reset_transaction();
      co_return;
    }
  }
  if (!out.rcpts.empty()) {
    out.id = id;
    out.mail_from = tx_.from.null ? "" : tx_.from.address();
    if (tx_.params.ret) out.dsn_ret = *tx_.params.ret == DsnRet::Full ? "FULL" : "HDRS";
    if (tx_.params.envid) out.dsn_envid = *tx_.params.envid;
    out.body_type = body_type_name(tx_.params.body);
    out.smtputf8 = tx_.params.smtputf8;
    out.raw = shared;
    out.authenticated_user = auth_user_;
    out.client_ip = conn_.remote_ip();
    out.received_at = now;
    size_t n = out.rcpts.size();
    auto st = co_await svc_.outbound().enqueue(std::move(out));
    if (!st) {
      log::warn("smtp.queue_failed",
                {{"conn", conn_.id()}, {"id", id}, {"error", st.error().message}});
      reject(kLocalError, "queue_error");
      reset_transaction();
      co_return;
    }
    log::info("smtp.queued", {{"conn", conn_.id()}, {"id", id}, {"rcpts", n}});
  }
  message_counter(mode_).inc();
  log::info("smtp.accepted", {{"conn", conn_.id()},
                              {"id", id},
                              {"from", tx_.from.address()},
                              {"size", shared->size()},
                              {"rcpts", tx_.rcpts.size()},
                              {"local", accounts.size()},
                              {"junk", junk ? "yes" : "no"},
                              {"user", auth_user_}});
  reply(kMessageAccepted, "Message accepted as " + id);
  reset_transaction();
}

}  // namespace postino::smtp::server
