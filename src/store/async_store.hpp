// AsyncStore: the store for coroutine sessions. Every operation is an
// awaitable that runs the blocking StoreBackend call off the caller's thread
// and resumes the caller on its own executor (DESIGN.md "Concurrency": nothing
// blocks an I/O thread).
//  - deliver/append go straight to the backend's group-commit writer
//    (deliver_async), so concurrent appends share one sync and one commit
//    without holding any thread while they wait;
//  - every other call runs on the store's small worker pool.
// Ownership: AsyncStore borrows the backend, which must outlive it; it owns the
// worker pool. Destroying it waits for running calls.
// Thread rules: all methods may be called from any thread / coroutine. No lock
// is held across a co_await. g++ 12 note: keep arguments in named locals rather
// than temporaries inside the co_await expression (gcc coroutine temporaries bugs).
#pragma once

#include <boost/asio.hpp>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/backend.hpp"

namespace postino::store {

namespace asio = boost::asio;

class AsyncStore {
 public:
  // Workers run the reads that may scan (a mailbox's flags at SELECT, big
  // FETCH and SEARCH batches) and blob reads that wait for the disk; writes
  // wait for their group commit without holding one.
  static constexpr size_t kDefaultWorkers = 4;
  // Reads of a few rows by key run on the caller's thread instead: on data in
  // the page cache the query takes microseconds, less than waking a worker and
  // being woken back (each wake-up is an inter-processor interrupt). Larger
  // reads, which may scan a mailbox, go to the workers.
  static constexpr uint64_t kInlineFetchUids = 256;  // fetch(): flags + cached texts
  static constexpr uint64_t kInlineFlagUids = 1024;  // fetch_flags(): small rows

  explicit AsyncStore(StoreBackend& backend, size_t workers = kDefaultWorkers);
  ~AsyncStore();
  AsyncStore(const AsyncStore&) = delete;
  AsyncStore& operator=(const AsyncStore&) = delete;

  StoreBackend& backend() { return backend_; }
  ChangeBus& change_bus() { return backend_.change_bus(); }

  // Runs fn(StoreBackend&) -> R on a worker and resumes on the caller's executor.
  template <class R, class Fn>
  asio::awaitable<R> run(Fn fn);
  // run() for a small read: on the caller's thread.
  template <class R, class Fn>
  asio::awaitable<R> run_here(Fn fn) {
    co_return fn(backend_);
  }

  asio::awaitable<Result<std::vector<AppendResult>>> deliver(AppendRequest req);
  asio::awaitable<Result<AppendResult>> append(AppendRequest req);

  asio::awaitable<Result<Account>> get_account(std::string address);
  asio::awaitable<Result<std::vector<Mailbox>>> list_mailboxes(AccountId account);
  // Without counts these are one-row look-ups and run on the caller's thread.
  asio::awaitable<Result<Mailbox>> get_mailbox(AccountId account, std::string name,
                                               bool counts = true);
  asio::awaitable<Result<Mailbox>> get_mailbox_by_id(MailboxId id, bool counts = true);
  asio::awaitable<Result<Mailbox>> create_mailbox(AccountId account, std::string name,
                                                  std::string special_use = {});
  asio::awaitable<Status> delete_mailbox(AccountId account, std::string name);
  asio::awaitable<Result<Mailbox>> rename_mailbox(AccountId account, std::string from,
                                                  std::string to);
  asio::awaitable<Status> subscribe(AccountId account, std::string name);
  asio::awaitable<Status> unsubscribe(AccountId account, std::string name);
  asio::awaitable<Result<std::vector<std::string>>> list_subscriptions(AccountId account);
  asio::awaitable<Result<std::vector<MessageMeta>>> fetch(MailboxId mailbox, UidSet uids,
                                                          MetaParts parts = {});
  asio::awaitable<Result<std::vector<FlagState>>> fetch_flags(MailboxId mailbox, UidSet uids);
  asio::awaitable<Result<std::vector<MessageRef>>> list_messages(MailboxId mailbox);
  asio::awaitable<Result<std::string>> read_blob(std::string blob_id, uint64_t offset = 0,
                                                 uint64_t length = std::string::npos);
  // read_blob() without leaving the caller's thread when the bytes are in the
  // page cache (a RETR or FETCH of recent mail then costs no thread hand-off);
  // otherwise the same as read_blob() on the worker pool.
  asio::awaitable<Result<std::string>> read_blob_fast(std::string blob_id, uint64_t offset = 0,
                                                      uint64_t length = std::string::npos);
  asio::awaitable<Result<StoreFlagsResult>> store_flags(MailboxId mailbox, UidSet uids,
                                                        FlagUpdate update);
  asio::awaitable<Result<std::vector<Uid>>> expunge(MailboxId mailbox,
                                                    std::optional<UidSet> uids = std::nullopt);
  asio::awaitable<Result<CopyResult>> copy(MailboxId src, UidSet uids, MailboxId dst);
  asio::awaitable<Result<CopyResult>> move(MailboxId src, UidSet uids, MailboxId dst);
  // `recent`: the caller knows the answer is a few rows (a session catching up
  // with changes the bus just announced), so it runs on the caller's thread.
  asio::awaitable<Result<ChangesSince>> changes_since(MailboxId mailbox, ModSeq since,
                                                      bool recent = false);
  asio::awaitable<Result<QuotaUsage>> quota(AccountId account);

 private:
  StoreBackend& backend_;
  asio::thread_pool pool_;
};

template <class R, class Fn>
asio::awaitable<R> AsyncStore::run(Fn fn) {
  auto initiation = [this, fn = std::move(fn)](auto handler) mutable {
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    asio::post(pool_, [this, fn = std::move(fn), handler = std::move(handler),
                       work = std::move(work)]() mutable {
      R r = fn(backend_);
      auto ex = work.get_executor();
      asio::post(ex, [handler = std::move(handler), r = std::move(r)]() mutable {
        std::move(handler)(std::move(r));
      });
    });
  };
  // Held in a named local: g++ 12 mishandles temporaries in co_await expressions.
  R result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      std::move(initiation), asio::use_awaitable);
  co_return result;
}

}  // namespace postino::store
