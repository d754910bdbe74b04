// QueueStore helpers shared by every backend, and open_queue_store().
#include "store/queue_store.hpp"

#include <future>

namespace postino::store {

namespace sqlite {
Result<std::unique_ptr<QueueStore>> open_sqlite_queue_store(StoreBackend& backend);
}

const char* rcpt_status_name(RcptStatus s) {
  switch (s) {
    case RcptStatus::queued:
      return "queued";
    case RcptStatus::deferred:
      return "deferred";
    case RcptStatus::delivered:
      return "delivered";
    case RcptStatus::bounced:
      return "bounced";
  }
  return "deferred";
}

std::optional<RcptStatus> parse_rcpt_status(std::string_view s) {
  if (s == "queued") return RcptStatus::queued;
  if (s == "deferred") return RcptStatus::deferred;
  if (s == "delivered") return RcptStatus::delivered;
  if (s == "bounced") return RcptStatus::bounced;
  return std::nullopt;
}

bool valid_queue_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxQueueIdLength) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Status QueueStore::enqueue(QueueMessage msg, std::shared_ptr<const std::string> raw) {
  auto done = std::make_shared<std::promise<Status>>();
  auto fut = done->get_future();
  enqueue_async(std::move(msg), std::move(raw),
                [done](Status st) { done->set_value(std::move(st)); });
  return fut.get();
}

Result<std::unique_ptr<QueueStore>> open_queue_store(StoreBackend& backend) {
  return sqlite::open_sqlite_queue_store(backend);
}

}  // namespace postino::store
