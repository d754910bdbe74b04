#include "store/async_store.hpp"

namespace postino::store {

namespace {

// Completion state for a backend callback: the backend's callback must be
// copyable (std::function), the awaitable handler is move-only, so it lives here.
template <class Handler>
struct Pending {
  Handler handler;
  asio::executor_work_guard<asio::associated_executor_t<Handler>> work;
};

// Calls start(callback), where the backend calls callback(T) on one of its
// threads, and resumes the caller on its executor with transform(T). A
// coroutine with everything it owns held in named locals: g++ 12 mishandles
// temporaries inside co_await expressions.
template <class R, class T, class Start, class Transform>
asio::awaitable<R> via_callback(Start start, Transform transform) {
  auto initiation = [&start, &transform](auto handler) {
    using H = decltype(handler);
    auto work = asio::make_work_guard(asio::get_associated_executor(handler));
    auto pending = std::make_shared<Pending<H>>(Pending<H>{std::move(handler), std::move(work)});
    start([pending, transform](T r) {
      auto ex = pending->work.get_executor();
      R out = transform(std::move(r));
      asio::post(ex, [pending, out = std::move(out)]() mutable {
        std::move(pending->handler)(std::move(out));
        pending->work.reset();
      });
    });
  };
  R result = co_await asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      std::move(initiation), asio::use_awaitable);
  co_return result;
}

template <class R, class Start>
asio::awaitable<R> via_callback(Start start) {
  return via_callback<R, R>(std::move(start), [](R r) { return r; });
}

}  // namespace

AsyncStore::AsyncStore(StoreBackend& backend, size_t workers)
    : backend_(backend), pool_(workers == 0 ? 1 : workers) {}

AsyncStore::~AsyncStore() { pool_.join(); }

asio::awaitable<Result<std::vector<AppendResult>>> AsyncStore::deliver(AppendRequest req) {
  using R = Result<std::vector<AppendResult>>;
  return via_callback<R>([this, req = std::move(req)](auto done) mutable {
    backend_.deliver_async(std::move(req), std::move(done));
  });
}

asio::awaitable<Result<AppendResult>> AsyncStore::append(AppendRequest req) {
  using R = Result<AppendResult>;
  if (req.targets.size() != 1) req.raw.reset();  // the backend then refuses it
  using Batch = Result<std::vector<AppendResult>>;
  return via_callback<R, Batch>(
      [this, req = std::move(req)](auto done) mutable {
        backend_.deliver_async(std::move(req), std::move(done));
      },
      [](Batch r) -> R {
        if (!r) return r.take_error();
        return std::move(r->front());
      });
}

asio::awaitable<Result<Account>> AsyncStore::get_account(std::string address) {
  return run<Result<Account>>(
      [a = std::move(address)](StoreBackend& b) { return b.get_account(a); });
}

asio::awaitable<Result<std::vector<Mailbox>>> AsyncStore::list_mailboxes(AccountId account) {
  // With counts for every mailbox: reads the covering-index entry of every
  // message of the account.
  return run<Result<std::vector<Mailbox>>>(
      [account](StoreBackend& b) { return b.list_mailboxes(account); });
}

asio::awaitable<Result<Mailbox>> AsyncStore::get_mailbox(AccountId account, std::string name,
                                                         bool counts) {
  auto fn = [account, n = std::move(name), counts](StoreBackend& b) {
    return b.get_mailbox(account, n, counts);
  };
  return counts ? run<Result<Mailbox>>(std::move(fn)) : run_here<Result<Mailbox>>(std::move(fn));
}

asio::awaitable<Result<Mailbox>> AsyncStore::get_mailbox_by_id(MailboxId id, bool counts) {
  auto fn = [id, counts](StoreBackend& b) { return b.get_mailbox_by_id(id, counts); };
  return counts ? run<Result<Mailbox>>(fn) : run_here<Result<Mailbox>>(fn);
}

asio::awaitable<Result<Mailbox>> AsyncStore::create_mailbox(AccountId account, std::string name,
                                                            std::string special_use) {
  return run<Result<Mailbox>>([account, n = std::move(name), su = std::move(special_use)](
                                  StoreBackend& b) { return b.create_mailbox(account, n, su); });
}

asio::awaitable<Status> AsyncStore::delete_mailbox(AccountId account, std::string name) {
  return run<Status>(
      [account, n = std::move(name)](StoreBackend& b) { return b.delete_mailbox(account, n); });
}

asio::awaitable<Result<Mailbox>> AsyncStore::rename_mailbox(AccountId account, std::string from,
                                                            std::string to) {
  return run<Result<Mailbox>>([account, f = std::move(from), t = std::move(to)](StoreBackend& b) {
    return b.rename_mailbox(account, f, t);
  });
}

asio::awaitable<Status> AsyncStore::subscribe(AccountId account, std::string name) {
  return run<Status>(
      [account, n = std::move(name)](StoreBackend& b) { return b.subscribe(account, n); });
}

asio::awaitable<Status> AsyncStore::unsubscribe(AccountId account, std::string name) {
  return run<Status>(
      [account, n = std::move(name)](StoreBackend& b) { return b.unsubscribe(account, n); });
}

asio::awaitable<Result<std::vector<std::string>>> AsyncStore::list_subscriptions(
    AccountId account) {
  return run_here<Result<std::vector<std::string>>>(
      [account](StoreBackend& b) { return b.list_subscriptions(account); });
}

asio::awaitable<Result<std::vector<MessageMeta>>> AsyncStore::fetch(MailboxId mailbox, UidSet uids,
                                                                    MetaParts parts) {
  bool small = uids.count_upto(kInlineFetchUids) <= kInlineFetchUids;
  auto fn = [mailbox, u = std::move(uids), parts](StoreBackend& b) {
    return b.fetch(mailbox, u, parts);
  };
  using R = Result<std::vector<MessageMeta>>;
  return small ? run_here<R>(std::move(fn)) : run<R>(std::move(fn));
}

asio::awaitable<Result<std::vector<FlagState>>> AsyncStore::fetch_flags(MailboxId mailbox,
                                                                        UidSet uids) {
  bool small = uids.count_upto(kInlineFlagUids) <= kInlineFlagUids;
  auto fn = [mailbox, u = std::move(uids)](StoreBackend& b) { return b.fetch_flags(mailbox, u); };
  using R = Result<std::vector<FlagState>>;
  return small ? run_here<R>(std::move(fn)) : run<R>(std::move(fn));
}

asio::awaitable<Result<std::vector<MessageRef>>> AsyncStore::list_messages(MailboxId mailbox) {
  return run<Result<std::vector<MessageRef>>>(
      [mailbox](StoreBackend& b) { return b.list_messages(mailbox); });
}

asio::awaitable<Result<std::string>> AsyncStore::read_blob(std::string blob_id, uint64_t offset,
                                                           uint64_t length) {
  return run<Result<std::string>>([id = std::move(blob_id), offset, length](StoreBackend& b) {
    return b.read_blob(id, offset, length);
  });
}

asio::awaitable<Result<std::string>> AsyncStore::read_blob_fast(std::string blob_id,
                                                                uint64_t offset, uint64_t length) {
  auto cached = backend_.read_blob_cached(blob_id, offset, length);
  if (cached && *cached) co_return std::move(**cached);
  if (!cached && cached.error().code != Errc::io) co_return cached.take_error();
  auto r = co_await read_blob(std::move(blob_id), offset, length);
  co_return r;
}

asio::awaitable<Result<StoreFlagsResult>> AsyncStore::store_flags(MailboxId mailbox, UidSet uids,
                                                                  FlagUpdate update) {
  return via_callback<Result<StoreFlagsResult>>(
      [this, mailbox, u = std::move(uids), up = std::move(update)](auto done) mutable {
        backend_.store_flags_async(mailbox, std::move(u), std::move(up), std::move(done));
      });
}

asio::awaitable<Result<std::vector<Uid>>> AsyncStore::expunge(MailboxId mailbox,
                                                              std::optional<UidSet> uids) {
  return via_callback<Result<std::vector<Uid>>>(
      [this, mailbox, u = std::move(uids)](auto done) mutable {
        backend_.expunge_async(mailbox, std::move(u), std::move(done));
      });
}

asio::awaitable<Result<CopyResult>> AsyncStore::copy(MailboxId src, UidSet uids, MailboxId dst) {
  return via_callback<Result<CopyResult>>([this, src, u = std::move(uids), dst](auto done) mutable {
    backend_.copy_async(src, std::move(u), dst, /*move=*/false, std::move(done));
  });
}

asio::awaitable<Result<CopyResult>> AsyncStore::move(MailboxId src, UidSet uids, MailboxId dst) {
  return via_callback<Result<CopyResult>>([this, src, u = std::move(uids), dst](auto done) mutable {
    backend_.copy_async(src, std::move(u), dst, /*move=*/true, std::move(done));
  });
}

asio::awaitable<Result<ChangesSince>> AsyncStore::changes_since(MailboxId mailbox, ModSeq since,
                                                                bool recent) {
  auto fn = [mailbox, since](StoreBackend& b) { return b.changes_since(mailbox, since); };
  return recent ? run_here<Result<ChangesSince>>(fn) : run<Result<ChangesSince>>(fn);
}

asio::awaitable<Result<QuotaUsage>> AsyncStore::quota(AccountId account) {
  return run_here<Result<QuotaUsage>>([account](StoreBackend& b) { return b.quota(account); });
}

}  // namespace postino::store
