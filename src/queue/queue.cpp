// Queue lifecycle, enqueue, the scheduler and dispatching (see queue.hpp);
// delivery attempts and their outcomes are in deliver.cpp.
#include "queue/queue.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "base/log.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"
#include "delivery/spool_queue.hpp"
#include "queue/internal.hpp"

namespace postino::queue {

namespace asio = boost::asio;
using asio::awaitable;

store::QueueMessage to_queue_message(const delivery::OutboundMessage& m) {
  store::QueueMessage q;
  q.id = m.id;
  q.mail_from = m.mail_from;
  q.envid = m.dsn_envid;
  q.ret = m.dsn_ret;
  q.body_type = m.body_type.empty() ? "7BIT" : m.body_type;
  q.smtputf8 = m.smtputf8;
  q.auth_user = m.authenticated_user;
  q.client_ip = m.client_ip;
  q.received_at = m.received_at;
  for (size_t i = 0; i < m.rcpts.size(); ++i) {
    store::QueueRecipient r;
    r.idx = uint32_t(i);
    r.address = m.rcpts[i];
    r.domain = domain_part(r.address);
    if (i < m.recipients.size()) {
      r.notify = m.recipients[i].notify;
      r.orcpt = m.recipients[i].orcpt;
    }
    q.recipients.push_back(std::move(r));
  }
  return q;
}

Queue::Queue(Options opts, store::StoreBackend& backend, std::unique_ptr<store::QueueStore> qs,
             dns::Resolver* resolver)
    : opts_(std::move(opts)),
      backend_(backend),
      qs_(std::move(qs)),
      resolver_(resolver),
      workers_(kWorkers),
      wake_state_(std::make_shared<WakeState>()) {
  if (opts_.client.helo_name.empty() || opts_.client.helo_name == "localhost")
    opts_.client.helo_name = opts_.hostname;
  auto ctx = smtp::client::ClientSession::make_tls_context();
  if (ctx) tls_ctx_ = std::move(*ctx);
  if (tls_ctx_ && !opts_.tls_ca_file.empty()) {
    boost::system::error_code ec;
    tls_ctx_->load_verify_file(opts_.tls_ca_file, ec);
    if (ec)
      log::warn("queue.ca_file_unreadable", {{"file", opts_.tls_ca_file}, {"error", ec.message()}});
  }
}

Queue::~Queue() {
  stop();
  workers_.join();
}

Status Queue::start() {
  if (started_) return {};
  if (!resolver_) return make_error(Errc::invalid, "queue: no resolver");
  if (auto st = qs_->release_leases(opts_.node_id); !st) return st;
  auto imported = import_spool();
  if (!imported) log::warn("queue.spool_import_failed", {{"error", imported.error().message}});
  {
    std::lock_guard lk(wake_state_->mu);
    wake_state_->queue = this;
  }
  started_ = true;
  asio::co_spawn(ioc_, scheduler(), asio::detached);
  thread_ = std::thread([this] {
    auto work = asio::make_work_guard(ioc_);
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log::error("queue.io_exception", {{"error", e.what()}});
      }
    }
  });
  log::info("queue.start", {{"node", opts_.node_id}, {"smtp_port", opts_.smtp_port}});
  return {};
}

void Queue::stop() {
  if (!started_) return;
  started_ = false;
  {
    std::lock_guard lk(wake_state_->mu);
    wake_state_->queue = nullptr;
  }
  auto idle = std::make_shared<std::promise<void>>();
  auto fut = idle->get_future();
  asio::post(ioc_, [this, idle] {
    stopping_ = true;
    idle_ = idle;
    timer_.cancel();
    if (tasks_ == 0) idle_->set_value();
  });
  if (fut.wait_for(opts_.drain) != std::future_status::ready)
    log::warn("queue.drain_deadline", {{"in_flight", in_flight_}});
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
  log::info("queue.stop", {});
}

void Queue::task_done() {
  --tasks_;
  if (stopping_ && tasks_ == 0 && idle_) {
    idle_->set_value();
    idle_.reset();
  }
}

void Queue::wake() {
  wake_pending_ = true;
  if (sleeping_) timer_.cancel();
}

awaitable<Status> Queue::enqueue(delivery::OutboundMessage msg) {
  store::QueueMessage qm = to_queue_message(msg);
  if (qm.id.empty()) qm.id = random_token(kQueueIdChars);
  auto raw = msg.raw;
  auto wake = wake_state_;
  store::QueueStore& qs = *qs_;
  auto initiation = [&qs, &qm, &raw, wake](auto handler) {
    using H = decltype(handler);
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    struct Pending {
      H handler;
      decltype(work) guard;
    };
    auto pending = std::make_shared<Pending>(Pending{std::move(handler), std::move(work)});
    qs.enqueue_async(std::move(qm), std::move(raw), [pending, wake](Status st) {
      if (st) wake->notify();
      auto ex = pending->guard.get_executor();
      asio::post(ex, [pending, st = std::move(st)]() mutable {
        std::move(pending->handler)(std::move(st));
        pending->guard.reset();
      });
    });
  };
  Status st = co_await asio::async_initiate<decltype(asio::use_awaitable), void(Status)>(
      std::move(initiation), asio::use_awaitable);
  if (st) {
    metrics::counter("postino_queue_enqueued_total", "Messages entering the outbound queue").inc();
    log::info("queue.enqueued", {{"id", msg.id}, {"rcpts", msg.rcpts.size()}});
  }
  co_return st;
}

Result<size_t> Queue::import_spool() {
  namespace fs = std::filesystem;
  if (opts_.data_dir.empty()) return size_t(0);
  fs::path dir = fs::path(opts_.data_dir) / std::string(delivery::kSpoolDir);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return size_t(0);
  size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::string path = entry.path().string();
    if (entry.path().extension() != std::string(delivery::kSpoolSuffix)) continue;
    auto msg = delivery::read_spool_file(path);
    if (!msg) {
      log::warn("queue.spool_unreadable", {{"file", path}, {"error", msg.error().message}});
      continue;
    }
    store::QueueMessage qm = to_queue_message(*msg);
    if (!store::valid_queue_id(qm.id)) qm.id = random_token(kQueueIdChars);
    if (qm.recipients.empty()) {
      fs::remove(entry.path(), ec);
      continue;
    }
    Status st = qs_->enqueue(std::move(qm), msg->raw);
    if (!st && st.error().code != Errc::exists) return st.take_error();
    fs::remove(entry.path(), ec);  // committed (or committed by an earlier import)
    ++n;
  }
  if (n) log::info("queue.spool_imported", {{"messages", n}});
  return n;
}

void Queue::dispatch(store::QueueMessage msg) {
  std::map<std::string, std::vector<store::QueueRecipient>> by_domain;
  for (auto& r : msg.recipients) by_domain[r.domain].push_back(std::move(r));
  msg.recipients.clear();
  auto meta = std::make_shared<const store::QueueMessage>(std::move(msg));
  size_t chunk = std::max<uint32_t>(opts_.max_rcpts_per_transaction, 1);
  for (auto& [domain, rcpts] : by_domain) {
    auto& d = domains_[domain];
    if (!d) d = std::make_shared<DomainState>();
    for (size_t i = 0; i < rcpts.size(); i += chunk) {
      Job job;
      job.msg = meta;
      size_t end = std::min(rcpts.size(), i + chunk);
      job.rcpts.assign(std::make_move_iterator(rcpts.begin() + i),
                       std::make_move_iterator(rcpts.begin() + end));
      in_flight_ += job.rcpts.size();
      d->jobs.push_back(std::move(job));
    }
    spawn_workers(domain);
  }
}

void Queue::spawn_workers(const std::string& domain) {
  auto it = domains_.find(domain);
  if (it == domains_.end()) return;
  auto d = it->second;
  while (!stopping_ && d->workers < opts_.max_per_domain && d->workers < d->jobs.size() &&
         connections_ < opts_.max_connections) {
    ++d->workers;
    ++connections_;
    asio::co_spawn(ioc_, domain_worker(domain, d), asio::detached);
  }
}

void Queue::spawn_waiting() {
  for (auto it = domains_.begin(); it != domains_.end();) {
    if (it->second->jobs.empty() && it->second->workers == 0) {
      it = domains_.erase(it);
      continue;
    }
    if (!it->second->jobs.empty()) spawn_workers(it->first);
    ++it;
  }
}

void Queue::update_gauges() {
  auto now = std::chrono::steady_clock::now();
  if (now - gauges_at_ < opts_.poll_interval) return;
  gauges_at_ = now;
  asio::co_spawn(ioc_, refresh_gauges(), asio::detached);
}

awaitable<void> Queue::refresh_gauges() {
  TaskGuard g(*this);
  auto count = [this] { return qs_->counts(); };
  auto c = co_await blocking<Result<store::QueueCounts>>(std::move(count));
  if (!c) co_return;
  static auto& messages =
      metrics::gauge("postino_queue_messages", "Messages in the outbound queue");
  static auto& queued = metrics::gauge("postino_queue_recipients", "Queue recipients by state",
                                       {{"state", "queued"}});
  static auto& deferred = metrics::gauge("postino_queue_recipients", "Queue recipients by state",
                                         {{"state", "deferred"}});
  static auto& active = metrics::gauge("postino_queue_recipients", "Queue recipients by state",
                                       {{"state", "active"}});
  messages.set(int64_t(c->messages));
  queued.set(int64_t(c->queued));
  deferred.set(int64_t(c->deferred));
  active.set(int64_t(in_flight_));
}

awaitable<void> Queue::scheduler() {
  TaskGuard guard(*this);
  const int64_t lease = opts_.lease.count();
  while (!stopping_) {
    int64_t now = unix_now();
    size_t room = opts_.max_in_flight > in_flight_ ? opts_.max_in_flight - in_flight_ : 0;
    size_t got = 0;
    wake_pending_ = false;
    if (room > 0) {
      auto take = [this, now, lease, room] {
        return qs_->lease_due(opts_.node_id, now, now + lease, room);
      };
      auto leased = co_await blocking<Result<std::vector<store::QueueMessage>>>(std::move(take));
      if (stopping_) break;
      if (!leased) {
        log::error("queue.lease_failed", {{"error", leased.error().message}});
      } else {
        for (auto& m : *leased) {
          got += m.recipients.size();
          dispatch(std::move(m));
        }
      }
    }
    update_gauges();
    if (got > 0 && got >= room) continue;  // more may be due right now
    if (wake_pending_) continue;
    auto wait =
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(opts_.poll_interval);
    if (room > 0) {
      auto ask = [this, now] { return qs_->next_due(now); };
      auto next = co_await blocking<Result<std::optional<int64_t>>>(std::move(ask));
      if (stopping_) break;
      if (next && *next) {
        int64_t delta = **next - unix_now();
        auto until = std::chrono::seconds(std::max<int64_t>(delta, got > 0 ? 0 : 1));
        if (until < wait) wait = until;
      }
    }
    if (wake_pending_) continue;
    timer_.expires_after(wait);
    sleeping_ = true;
    auto [ec] = co_await timer_.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
    sleeping_ = false;
  }
}

}  // namespace postino::queue
