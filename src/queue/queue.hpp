// queue::Queue: the outbound queue (DESIGN.md "queue/"). SMTP sessions hand it
// accepted messages for remote recipients (delivery::OutboundQueue); it keeps
// them in the QueueStore (durable before enqueue() returns) and delivers them
// to the recipients' MX hosts with the SMTP client.
//
// Scheduling: one scheduler coroutine leases due recipients from the store
// (bounded by max_in_flight), groups them per destination domain into jobs
// (one job = one message and at most max_rcpts_per_transaction recipients of
// one domain), and runs up to max_per_domain connections per domain (and
// max_connections in all). A domain worker resolves the route once (MX,
// RFC 5321 §5.1; null MX, RFC 7505), opens a connection and sends job after
// job over it (connection reuse), then QUITs when the domain has no more work.
// TLS policy per MX host (RFC 7672, RFC 8461): a host with secure, usable
// TLSA records (smtp/client/dane.hpp) gets DANE: STARTTLS and a certificate
// matching the records, else no delivery through it; a host whose TLSA
// look-up failed or was bogus is skipped (RFC 7672 §2.1.2); DANE wins over
// MTA-STS (RFC 8461 §2), whose enforce mode applies to the other hosts;
// everything else gets opportunistic STARTTLS. When no host can be used the
// recipients are deferred with 4.7.5 and a last reply saying why. Each
// connection is logged (queue.connected) with the policy and how the peer
// was authenticated; queue.attempt names the policy too.
// Outcomes: 2xx delivered; 5xx bounced; 4xx or no connection deferred with
// backoff (backoff.hpp), bounced once the queue lifetime is over. A delay
// DSN is sent once after delay_warning. DSNs (dsn.hpp) honour NOTIFY, RET,
// ENVID and ORCPT (RFC 3461), are never sent for a message with a null
// reverse-path, and go to the sender's INBOX when the sender is local, else
// through this queue with a null reverse-path.
// Crash safety: outcomes are recorded after the remote reply; a crash between
// a remote 250 and the commit delivers that recipient twice (RFC 5321 §6.1),
// nothing is lost. Leases held by this node are released at start.
// Changes made by `postino queue` (flush, retry, remove) in another process
// are seen because the scheduler re-reads the store at least every
// poll_interval.
//
// Ownership: Queue owns its QueueStore, a single I/O thread with its own
// io_context (all coroutines and SMTP connections run there), and a small
// worker pool (kWorkers) for the blocking store calls, and (own_resolver, set_mta_sts)
// the resolver and MTA-STS cache made on its executor. It borrows the
// StoreBackend (local DSN delivery), which must outlive it, and a resolver
// given to the constructor.
// Thread rules: enqueue() may be called from any coroutine on any executor;
// start()/stop() from the owning thread. Everything else runs on the queue's
// I/O thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "delivery/outbound.hpp"
#include "dns/resolver.hpp"
#include "queue/backoff.hpp"
#include "queue/dsn.hpp"
#include "smtp/client/mx.hpp"
#include "smtp/client/session.hpp"
#include "store/backend.hpp"
#include "store/queue_store.hpp"

namespace postino::queue {

class MtaStsCache;

struct Options {
  std::string hostname = "localhost";  // EHLO name, Reporting-MTA, MAILER-DAEMON domain
  std::string node_id = "local";       // lease owner
  std::string data_dir;                // leftover spool files are imported from data_dir/queue
  uint16_t smtp_port = 25;             // port of remote MX hosts
  RetryPolicy retry;
  uint32_t max_per_domain = 4;               // connections per destination domain
  uint32_t max_connections = 100;            // connections in all
  uint32_t max_rcpts_per_transaction = 100;  // RFC 5321 §4.5.3.1.8 minimum a server accepts
  std::string tls_ca_file;                   // extra trusted CAs for outbound TLS ("" = system)
  size_t max_in_flight = 2000;               // recipients leased and being worked on at once
  std::chrono::seconds poll_interval{2};
  std::chrono::seconds lease{3600};    // longer than any attempt
  std::chrono::seconds drain{10};      // stop(): time allowed to finish running attempts
  smtp::client::ClientOptions client;  // timeouts, HELO name (hostname), TLS
};

// Hooks that other modules provide: DKIM signing (header fields to prepend,
// "" for none) and the MTA-STS policy cache.
using Signer = std::function<Result<std::string>(std::string_view message)>;

class Queue final : public delivery::OutboundQueue {
 public:
  // Threads for blocking store calls; most of their time is spent waiting for
  // a group commit, so there are more of them than cores.
  static constexpr size_t kWorkers = 8;

  // resolver may be null when own_resolver() gives one before start().
  Queue(Options opts, store::StoreBackend& backend, std::unique_ptr<store::QueueStore> qs,
        dns::Resolver* resolver);
  ~Queue() override;
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  void set_signer(Signer s) { signer_ = std::move(s); }
  // The queue's executor (its own I/O thread), for objects the queue owns.
  boost::asio::any_io_executor executor() { return ioc_.get_executor(); }
  // A resolver (made on executor()) that the queue owns and uses.
  void own_resolver(std::unique_ptr<dns::Resolver> r) {
    owned_resolver_ = std::move(r);
    resolver_ = owned_resolver_.get();
  }
  // The MTA-STS policy cache (RFC 8461); it must use the queue's resolver.
  void set_mta_sts(std::shared_ptr<MtaStsCache> cache) { mta_sts_ = std::move(cache); }

  // Releases this node's leases, imports spool files, starts the I/O thread
  // and the scheduler.
  Status start();
  // Stops scheduling, lets running attempts finish (at most opts.drain), joins.
  // Attempts cut short keep their lease and are retried after the next start.
  void stop();

  boost::asio::awaitable<Status> enqueue(delivery::OutboundMessage msg) override;

  // Imports data_dir/queue/*.msg (the interim spool format) and removes each
  // file once its message is committed. Returns how many were imported.
  Result<size_t> import_spool();

  store::QueueStore& store() { return *qs_; }

  struct Job {
    std::shared_ptr<const store::QueueMessage> msg;  // recipients empty
    std::vector<store::QueueRecipient> rcpts;        // one domain
  };
  // How one attempt ended for one recipient.
  struct Attempt {
    enum class Kind { delivered, temporary, permanent } kind = Kind::temporary;
    std::string status;      // "4.4.1"
    std::string diagnostic;  // reply line, or local text
    std::string remote_mta;
    bool remote_dsn = false;  // the peer took the DSN parameters (no success DSN from us)
    std::string tls_policy;   // "dane", "dane-encrypt", "mta-sts", "opportunistic", "" (none)
  };
  // An open connection of a domain worker and the TLS policy it was opened under.
  struct Connection {
    std::unique_ptr<smtp::client::ClientSession> session;
    std::string policy;
  };

 private:
  struct DomainState {
    std::deque<Job> jobs;
    uint32_t workers = 0;
  };
  struct WakeState;
  class TaskGuard;

  template <class R, class Fn>
  boost::asio::awaitable<R> blocking(Fn fn);

  boost::asio::awaitable<void> scheduler();
  boost::asio::awaitable<void> domain_worker(std::string domain, std::shared_ptr<DomainState> d);
  boost::asio::awaitable<std::vector<Attempt>> attempt(const Job& job,
                                                       const smtp::client::Route& route,
                                                       bool enforce_tls, Connection& conn);
  // Opens a connection to the first host that works under its TLS policy;
  // on failure `error` says why and `status` is the enhanced status code.
  boost::asio::awaitable<Connection> connect(const smtp::client::Route& route, bool enforce_tls,
                                             std::string& error, std::string& status);
  boost::asio::awaitable<void> finish(const Job& job, std::vector<Attempt> results);
  Status send_dsn(const store::QueueMessage& msg, std::vector<DsnRecipient> entries,
                  std::string_view original);
  void dispatch(store::QueueMessage msg);
  void spawn_workers(const std::string& domain);
  void spawn_waiting();
  void wake();
  void task_done();
  void update_gauges();
  boost::asio::awaitable<void> refresh_gauges();

  Options opts_;
  store::StoreBackend& backend_;
  std::unique_ptr<store::QueueStore> qs_;
  dns::Resolver* resolver_;
  Signer signer_;
  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;

  boost::asio::thread_pool workers_;
  std::thread thread_;
  std::shared_ptr<WakeState> wake_state_;

  // I/O thread only:
  std::map<std::string, std::shared_ptr<DomainState>> domains_;
  size_t in_flight_ = 0;
  uint32_t connections_ = 0;
  size_t tasks_ = 0;
  bool stopping_ = false;
  bool sleeping_ = false;
  bool wake_pending_ = false;
  std::chrono::steady_clock::time_point gauges_at_{};
  std::shared_ptr<std::promise<void>> idle_;
  bool started_ = false;

  // Declared last, so destroyed first: the io_context goes while the state
  // above is alive (coroutine frames it still holds after a cut-short drain
  // touch it as they are destroyed); the timer, resolver and MTA-STS cache use
  // its executor, so they go before it (the cache before the resolver).
  boost::asio::io_context ioc_;
  boost::asio::steady_timer timer_{ioc_};
  std::unique_ptr<dns::Resolver> owned_resolver_;
  std::shared_ptr<MtaStsCache> mta_sts_;
};

// Runs fn() -> R on the worker pool and resumes on the caller's executor.
template <class R, class Fn>
boost::asio::awaitable<R> Queue::blocking(Fn fn) {
  auto initiation = [this, fn = std::move(fn)](auto handler) mutable {
    auto work = boost::asio::make_work_guard(boost::asio::get_associated_executor(handler));
    boost::asio::post(workers_, [fn = std::move(fn), handler = std::move(handler),
                                 work = std::move(work)]() mutable {
      R r = fn();
      auto ex = work.get_executor();
      boost::asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
        std::move(handler)(std::move(r));
      });
    });
  };
  R result = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(R)>(
      std::move(initiation), boost::asio::use_awaitable);
  co_return result;
}

// The queue form of an accepted message (recipient idx = envelope position).
store::QueueMessage to_queue_message(const delivery::OutboundMessage& m);

}  // namespace postino::queue
