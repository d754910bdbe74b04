// Delivery attempts: a domain worker per destination (route, DANE, MTA-STS,
// one connection reused across jobs), one attempt per job, the outcome of each
// recipient (delivered / deferred with backoff / bounced), DSNs, and the
// store update. See queue.hpp for the rules.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "delivery/prepare.hpp"
#include "delivery/recipients.hpp"
#include "queue/internal.hpp"
#include "queue/mta_sts/mta_sts.hpp"
#include "queue/queue.hpp"
#include "smtp/client/dot_stuff.hpp"

namespace postino::queue {

namespace asio = boost::asio;
using asio::awaitable;
using smtp::client::ClientSession;
using smtp::client::DanePolicy;
using smtp::client::Route;
using smtp::client::TlsMode;
using Kind = Queue::Attempt::Kind;

namespace {

metrics::Counter& attempts_counter(const char* result) {
  return metrics::counter("postino_queue_attempts_total",
                          "Outbound delivery attempts per recipient, by result",
                          {{"result", result}});
}

metrics::Counter& dsn_counter(const char* where) {
  return metrics::counter("postino_queue_dsn_total", "Delivery status notifications generated",
                          {{"to", where}});
}

Queue::Attempt local_failure(Kind kind, std::string status, std::string text,
                             std::string remote = "") {
  Queue::Attempt a;
  a.kind = kind;
  a.status = status;
  // The diagnostic reads like a reply so that DSNs and `queue show` are uniform.
  a.diagnostic = (kind == Kind::permanent ? "550 " : "451 ") + status + " " + text;
  a.remote_mta = std::move(remote);
  return a;
}

Queue::Attempt from_reply(const smtp::Reply& r, const std::string& host, bool dsn) {
  Queue::Attempt a;
  a.kind = r.positive() ? Kind::delivered : r.transient() ? Kind::temporary : Kind::permanent;
  a.status = smtp::client::status_of(r);
  a.diagnostic = smtp::client::reply_line(r);
  a.remote_mta = host;
  a.remote_dsn = dsn;
  return a;
}

std::vector<Queue::Attempt> all(size_t n, const Queue::Attempt& a) {
  return std::vector<Queue::Attempt>(n, a);
}

// The TLS requirements for one host: DANE first (RFC 8461 §2: MTA-STS never
// overrides DANE), then MTA-STS enforce, else the configured default.
struct HostTls {
  TlsMode mode;
  const char* policy;
};

HostTls host_tls(const smtp::client::MxHost& h, bool sts_enforce, TlsMode fallback) {
  switch (h.dane.kind) {
    case DanePolicy::Kind::verify:  // RFC 7672 §2.2, §3.2
      return {TlsMode::dane, "dane"};
    case DanePolicy::Kind::encrypt:  // RFC 7672 §2.2: TLS without authentication...
      if (sts_enforce) break;        // ...unless MTA-STS asks for more (a valid certificate)
      return {TlsMode::encrypted, "dane-encrypt"};
    case DanePolicy::Kind::fail:
    case DanePolicy::Kind::none:
      break;
  }
  if (sts_enforce) return {TlsMode::required, "mta-sts"};  // RFC 8461 §5
  return {fallback, fallback == TlsMode::none ? "none" : "opportunistic"};
}

bool non_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c & 0x80) return true;
  return false;
}

}  // namespace

awaitable<void> Queue::domain_worker(std::string domain, std::shared_ptr<DomainState> d) {
  TaskGuard guard(*this);
  std::string name = domain;
  Route route = co_await smtp::client::resolve_route(*resolver_, name);
  // RFC 7672 §2.2: TLSA records of the hosts of a DNSSEC-secure route.
  std::string dane_domain = dns::normalize_name(domain);
  co_await smtp::client::apply_dane(*resolver_, route, dane_domain, opts_.smtp_port);
  for (const auto& h : route.hosts) {
    if (h.dane.kind == DanePolicy::Kind::none) continue;
    log::info("queue.dane", {{"domain", domain},
                             {"host", h.name},
                             {"tlsa", h.dane.tlsa_name},
                             {"policy", smtp::client::dane_kind_name(h.dane.kind)},
                             {"records", h.dane.records.size()},
                             {"error", h.dane.error}});
  }
  bool enforce = false;
  // RFC 8461 §5: with mode enforce, only MX hosts the policy lists are used,
  // and only over TLS with a valid certificate for the host name.
  if (mta_sts_ && route.kind == Route::Kind::ok && !route.hosts.front().name.empty()) {
    std::string sts_domain = domain;
    MtaStsPolicy policy = co_await mta_sts_->policy(sts_domain);
    if (policy.mode == MtaStsPolicy::enforce) {
      enforce = true;
      std::vector<smtp::client::MxHost> kept;
      // A host with usable DANE TLSA records is authenticated by DANE, which
      // takes precedence over MTA-STS (RFC 8461 §2).
      for (auto& h : route.hosts)
        if (policy.matches_mx(h.name) || h.dane.kind == DanePolicy::Kind::verify)
          kept.push_back(std::move(h));
      route.hosts = std::move(kept);
      if (route.hosts.empty()) {
        route.kind = Route::Kind::temporary;
        route.error = "no MX host of " + domain + " matches its MTA-STS policy";
      }
    }
  }
  Connection conn;
  while (!stopping_ && !d->jobs.empty()) {
    Job job = std::move(d->jobs.front());
    d->jobs.pop_front();
    auto results = co_await attempt(job, route, enforce, conn);
    if (stopping_) break;  // not recorded: the lease makes it due again after restart
    co_await finish(job, std::move(results));
  }
  if (conn.session) co_await conn.session->quit();
  --d->workers;
  --connections_;
  if (!stopping_) spawn_waiting();
}

awaitable<Queue::Connection> Queue::connect(const Route& route, bool enforce_tls,
                                            std::string& error, std::string& status) {
  // RFC 5321 §5.1: hosts in preference order, each of its addresses in turn.
  // RFC 7672 §2.2.1: MX preference comes before security; a host that cannot
  // be used under its policy is skipped, never used in clear. Without a
  // session, the result still names the policy of the last host tried.
  std::string last_policy;
  for (const auto& host : route.hosts) {
    if (host.dane.kind == DanePolicy::Kind::fail) {
      // RFC 7672 §2.1.2: a failed TLSA look-up makes the host unreachable.
      error = host.name + ": DANE: " + host.dane.error;
      status = "4.7.5";
      last_policy = "dane";
      log::info("queue.connect_skipped", {{"host", host.name}, {"error", host.dane.error}});
      continue;
    }
    HostTls tls = host_tls(host, enforce_tls, opts_.client.tls);
    last_policy = tls.policy;
    for (const auto& addr : host.addresses) {
      if (stopping_) co_return Connection{nullptr, last_policy};
      smtp::client::ClientOptions o = opts_.client;
      o.tls = tls.mode;
      o.tls_name = host.name;
      if (tls.mode == TlsMode::dane) {
        o.dane_tlsa = host.dane.records;
        o.dane_names = host.dane.names;
      }
      asio::ip::tcp::endpoint ep(addr, opts_.smtp_port);
      auto s = co_await ClientSession::open(ioc_.get_executor(), ep, o, tls_ctx_);
      if (s) {
        const ClientSession& cs = **s;
        std::string tls_state = !cs.tls_active()    ? "none"
                                : cs.tls_verified() ? "verified"
                                                    : "encrypted";
        log::info("queue.connected", {{"host", host.name},
                                      {"address", addr.to_string()},
                                      {"policy", tls.policy},
                                      {"tls", tls_state},
                                      {"auth", cs.tls_auth().empty() ? "none" : cs.tls_auth()}});
        co_return Connection{std::move(*s), tls.policy};
      }
      std::string why = s.error().message;
      if (tls.mode == TlsMode::dane || tls.mode == TlsMode::encrypted)
        why = "DANE (TLSA " + host.dane.tlsa_name + "): " + why;
      error = (host.name.empty() ? addr.to_string() : host.name) + ": " + why;
      // RFC 3463 §3.8: 4.7.5 the TLS the policy requires could not be used;
      // §3.5: 4.4.1 no answer from host.
      bool mandatory = tls.mode != TlsMode::opportunistic && tls.mode != TlsMode::none;
      status = mandatory && s.error().code == Errc::auth ? "4.7.5" : "4.4.1";
      log::info("queue.connect_failed", {{"host", host.name},
                                         {"address", addr.to_string()},
                                         {"policy", tls.policy},
                                         {"error", why}});
    }
  }
  co_return Connection{nullptr, last_policy};
}

awaitable<std::vector<Queue::Attempt>> Queue::attempt(const Job& job, const Route& route,
                                                      bool enforce_tls, Connection& conn) {
  const size_t n = job.rcpts.size();
  switch (route.kind) {
    case Route::Kind::null_mx:  // RFC 7505 §4.3: 5.1.10
      co_return all(n, local_failure(Kind::permanent, "5.1.10", route.error));
    case Route::Kind::no_domain:  // RFC 3463 §3.2: bad destination system address
      co_return all(n, local_failure(Kind::permanent, "5.1.2", route.error));
    case Route::Kind::temporary:  // RFC 3463 §3.5: routing server failure
      co_return all(n, local_failure(Kind::temporary, "4.4.3", route.error));
    case Route::Kind::ok:
      break;
  }
  std::string id = job.msg->id;
  auto read = [this, id] { return qs_->read_message(id); };
  auto bytes = co_await blocking<Result<std::string>>(std::move(read));
  if (!bytes) co_return all(n, local_failure(Kind::temporary, "4.3.0", bytes.error().message));
  std::string message = std::move(*bytes);
  if (signer_) {
    auto sig = signer_(message);
    if (sig && !sig->empty())
      message.insert(0, *sig);
    else if (!sig)
      log::warn("queue.dkim_sign_failed", {{"id", id}, {"error", sig.error().message}});
  }

  smtp::client::ClientEnvelope env;
  env.mail_from = job.msg->mail_from;
  env.ret = job.msg->ret;
  env.envid = job.msg->envid;
  env.body_type = job.msg->body_type;
  env.smtputf8 = job.msg->smtputf8;
  for (const auto& r : job.rcpts) env.recipients.push_back({r.address, r.notify, r.orcpt});
  bool eight_bit = job.msg->body_type == "8BITMIME" || smtp::client::has_8bit(message);
  if (eight_bit && env.body_type != "BINARYMIME") env.body_type = "8BITMIME";

  for (int round = 0; round < 2; ++round) {
    std::string error;
    std::string status = enforce_tls ? "4.7.5" : "4.4.1";
    bool reused = conn.session != nullptr;
    if (!conn.session) conn = co_await connect(route, enforce_tls, error, status);
    auto& session = conn.session;
    if (!session) {
      // RFC 3463 §3.5: 4.4.1 no answer from host / §3.8: 4.7.5 TLS could not be used.
      auto failed = local_failure(Kind::temporary, status,
                                  "cannot deliver to " + job.rcpts.front().domain + ": " + error);
      failed.tls_policy = conn.policy;
      co_return all(n, failed);
    }
    const auto& caps = session->capabilities();
    std::string host = route.hosts.front().name;
    for (const auto& h : route.hosts)
      for (const auto& a : h.addresses)
        if (session->peer().rfind(a.to_string() + ":", 0) == 0) host = h.name;
    if (host.empty()) host = session->peer();
    // Requirements the peer must meet, decided before any MAIL command.
    if (env.body_type == "BINARYMIME")  // we do not send BDAT (RFC 3030)
      co_return all(n, local_failure(Kind::permanent, "5.6.3",
                                     "binary message cannot be sent without conversion", host));
    if (eight_bit && !caps.eightbitmime)  // RFC 6152 §3: bounce rather than send 8-bit
      co_return all(n,
                    local_failure(Kind::permanent, "5.6.3",
                                  "8-bit message and " + host + " does not offer 8BITMIME", host));
    bool utf8_needed = env.smtputf8 || non_ascii(env.mail_from);
    for (const auto& r : env.recipients) utf8_needed = utf8_needed || non_ascii(r.address);
    if (utf8_needed && !caps.smtputf8)  // RFC 6531 §3.2: no downgrade, bounce
      co_return all(n, local_failure(Kind::permanent, "5.6.7",
                                     "SMTPUTF8 required and " + host + " does not offer it", host));
    if (caps.size && caps.size_limit && message.size() > caps.size_limit)  // RFC 1870 §6
      co_return all(n, local_failure(Kind::permanent, "5.3.4",
                                     "message larger than " + host + " accepts", host));

    auto res = co_await session->send(env, message);
    if (!res) {
      session.reset();
      if (reused && round == 0) continue;  // a stale reused connection: once more, fresh
      co_return all(
          n, local_failure(Kind::temporary, "4.4.2",
                           "connection with " + host + " lost: " + res.error().message, host));
    }
    std::vector<Attempt> out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(from_reply(res->outcome(i), host, caps.dsn));
      out.back().tls_policy = conn.policy;
    }
    if (res->mail.code == 421 || res->data.code == 421) session.reset();  // peer is closing
    co_return out;
  }
  co_return all(n, local_failure(Kind::temporary, "4.4.2", "connection lost"));
}

awaitable<void> Queue::finish(const Job& job, std::vector<Attempt> results) {
  const auto& msg = *job.msg;
  const auto& rp = opts_.retry;
  int64_t now = unix_now();
  std::vector<store::RecipientOutcome> outcomes;
  std::vector<DsnRecipient> dsn;
  for (size_t i = 0; i < job.rcpts.size(); ++i) {
    const auto& r = job.rcpts[i];
    const Attempt& a = results[i];
    store::RecipientOutcome o;
    o.message_id = msg.id;
    o.idx = r.idx;
    o.attempts = r.attempts + 1;
    o.last_attempt = now;
    o.last_reply = a.diagnostic;
    o.remote_mta = a.remote_mta;
    o.delay_notified = r.delay_notified;
    DsnRecipient entry{r.address, r.orcpt, DsnAction::failed, a.status, a.remote_mta, a.diagnostic,
                       now,       0};
    const int64_t expires = msg.created_at + rp.lifetime;
    if (a.kind == Kind::delivered) {
      o.status = store::RcptStatus::delivered;
      attempts_counter("delivered").inc();
      // RFC 3461 §5.2.2: relayed to a server without DSN, we report success.
      if (!a.remote_dsn && wants_dsn(r.notify, NotifyEvent::success)) {
        entry.action = DsnAction::relayed;
        dsn.push_back(entry);
      }
    } else if (a.kind == Kind::permanent || now >= expires) {
      o.status = store::RcptStatus::bounced;
      attempts_counter("bounced").inc();
      if (a.kind != Kind::permanent) {
        // RFC 5321 §4.5.4.1: give up after the queue lifetime; RFC 3463 4.4.7.
        entry.status = "4.4.7";
        o.last_reply = "delivery time expired; last error: " + a.diagnostic;
      }
      if (wants_dsn(r.notify, NotifyEvent::failure)) dsn.push_back(entry);
    } else {
      o.status = store::RcptStatus::deferred;
      attempts_counter("deferred").inc();
      o.next_attempt = std::min(now + retry_delay(rp, o.attempts), expires);
      bool want_delay = rp.delay_warning > 0 && wants_dsn(r.notify, NotifyEvent::delay);
      int64_t warn_at = msg.created_at + rp.delay_warning;
      if (want_delay && !r.delay_notified) {
        if (now >= warn_at) {
          o.delay_notified = true;
          entry.action = DsnAction::delayed;
          entry.will_retry_until = expires;
          dsn.push_back(entry);
        } else {
          o.next_attempt = std::min(o.next_attempt, warn_at);
        }
      }
    }
    log::info("queue.attempt", {{"id", msg.id},
                                {"rcpt", r.address},
                                {"status", store::rcpt_status_name(o.status)},
                                {"attempts", o.attempts},
                                {"mx", a.remote_mta},
                                {"tls_policy", a.tls_policy},
                                {"reply", a.diagnostic}});
    outcomes.push_back(std::move(o));
  }
  // DSN first, then the outcome: a crash in between repeats the DSN, never loses it.
  if (!dsn.empty() && !msg.mail_from.empty()) {  // RFC 3461 §6.2: never to the null sender
    auto meta = job.msg;
    auto entries = std::make_shared<std::vector<DsnRecipient>>(std::move(dsn));
    auto make_dsn = [this, meta, entries]() -> Status {
      auto original = qs_->read_message(meta->id);
      std::string bytes = original ? std::move(*original) : std::string();
      return send_dsn(*meta, std::move(*entries), bytes);
    };
    Status st = co_await blocking<Status>(std::move(make_dsn));
    if (!st) log::error("queue.dsn_failed", {{"id", msg.id}, {"error", st.error().message}});
  }
  auto shared = std::make_shared<std::vector<store::RecipientOutcome>>(std::move(outcomes));
  auto write = [this, shared] { return qs_->record(std::move(*shared)); };
  Status st = co_await blocking<Status>(std::move(write));
  if (!st) log::error("queue.record_failed", {{"id", msg.id}, {"error", st.error().message}});
  bool was_full = in_flight_ >= opts_.max_in_flight;
  in_flight_ -= std::min(in_flight_, job.rcpts.size());
  if (was_full) wake();
}

Status Queue::send_dsn(const store::QueueMessage& msg, std::vector<DsnRecipient> entries,
                       std::string_view original) {
  DsnInput in;
  in.reporting_mta = opts_.hostname;
  in.sender = msg.mail_from;
  in.envid = msg.envid;
  in.arrival = msg.received_at ? msg.received_at : msg.created_at;
  in.now = unix_now();
  in.full = msg.ret == "FULL";
  in.original = original;
  in.recipients = std::move(entries);
  auto raw = std::make_shared<const std::string>(build_dsn(in));

  // A local sender gets the DSN in its INBOX; anyone else through the queue.
  auto res = delivery::resolve_recipient(backend_, msg.mail_from);
  if (res && res->kind == delivery::RecipientKind::local && !res->accounts.empty()) {
    store::AppendRequest req = delivery::prepare_append(raw);
    for (const auto& a : res->accounts) req.targets.push_back({a.id, store::kInbox});
    req.internal_date = in.now;
    auto r = backend_.deliver(std::move(req));
    if (!r) return r.take_error();
    dsn_counter("local").inc();
    log::info("queue.dsn", {{"id", msg.id}, {"to", msg.mail_from}, {"delivery", "local"}});
    return {};
  }
  store::QueueMessage q;
  q.id = random_token(kQueueIdChars);
  q.mail_from = "";  // RFC 3461 §6.2, RFC 5321 §4.5.5
  q.body_type = smtp::client::has_8bit(*raw) ? "8BITMIME" : "7BIT";
  q.smtputf8 = non_ascii(msg.mail_from);
  q.received_at = in.now;
  store::QueueRecipient r;
  r.idx = 0;
  r.address = msg.mail_from;
  r.domain = domain_part(msg.mail_from);
  q.recipients.push_back(std::move(r));
  if (auto st = qs_->enqueue(std::move(q), raw); !st) return st;
  wake_state_->notify();
  dsn_counter("remote").inc();
  log::info("queue.dsn", {{"id", msg.id}, {"to", msg.mail_from}, {"delivery", "queue"}});
  return {};
}

}  // namespace postino::queue
