#include "store/backend.hpp"

#include <future>

namespace postino::store {

Result<std::vector<AppendResult>> StoreBackend::deliver(AppendRequest req) {
  std::promise<Result<std::vector<AppendResult>>> p;
  auto f = p.get_future();
  deliver_async(std::move(req),
                [&p](Result<std::vector<AppendResult>> r) { p.set_value(std::move(r)); });
  return f.get();
}

namespace {

// Runs start(callback) and waits for the callback's result.
template <class T, class Start>
Result<T> wait_for(Start start) {
  std::promise<Result<T>> p;
  auto f = p.get_future();
  start([&p](Result<T> r) { p.set_value(std::move(r)); });
  return f.get();
}

}  // namespace

Result<StoreFlagsResult> StoreBackend::store_flags(MailboxId mailbox, const UidSet& uids,
                                                   const FlagUpdate& update) {
  return wait_for<StoreFlagsResult>(
      [&](auto done) { store_flags_async(mailbox, uids, update, std::move(done)); });
}

Result<std::vector<Uid>> StoreBackend::expunge(MailboxId mailbox,
                                               const std::optional<UidSet>& uids) {
  return wait_for<std::vector<Uid>>(
      [&](auto done) { expunge_async(mailbox, uids, std::move(done)); });
}

Result<CopyResult> StoreBackend::copy(MailboxId src, const UidSet& uids, MailboxId dst) {
  return wait_for<CopyResult>(
      [&](auto done) { copy_async(src, uids, dst, /*move=*/false, std::move(done)); });
}

Result<CopyResult> StoreBackend::move(MailboxId src, const UidSet& uids, MailboxId dst) {
  return wait_for<CopyResult>(
      [&](auto done) { copy_async(src, uids, dst, /*move=*/true, std::move(done)); });
}

Result<AppendResult> StoreBackend::append(AppendRequest req) {
  if (req.targets.size() != 1) return make_error(Errc::invalid, "append takes exactly one target");
  auto r = deliver(std::move(req));
  if (!r) return r.take_error();
  return std::move(r->front());
}

}  // namespace postino::store
