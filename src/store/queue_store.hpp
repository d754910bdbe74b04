// QueueStore: the durable state of the outbound queue (DESIGN.md "queue/").
// A queued message is its envelope, its DSN parameters (RFC 3461) and a
// reference to its bytes in the BlobStore; each recipient has its own delivery
// state: queued -> (deferred ->)* delivered | bounced, the time of its next
// attempt, the number of attempts, the last reply, and a lease.
//
// Leases: a node works on a recipient only while it holds the lease
// (lease_owner, lease_until). lease_due() takes due recipients whose lease has
// expired and gives them to the caller until lease_until; record() ends the
// lease with the outcome. A node that dies leaves leases that expire, so
// another node (or the same after a restart, via release_leases()) picks the
// recipients up again: a message may then be delivered twice (RFC 5321 §6.1),
// never lost.
//
// Durability: enqueue() completes only after the bytes and the rows are
// synced and committed (the store's group commit, DESIGN.md "Durability").
// When every recipient of a message is final (delivered or bounced), record()
// removes the message; the blob goes once nothing else references it.
// Ownership: a QueueStore borrows the StoreBackend it was opened on, which
// must outlive it.
// Thread rules: every method is thread-safe and blocking except
// enqueue_async(), whose callback runs on a store thread. Call from worker
// threads, never from an I/O thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/backend.hpp"

namespace postino::store {

enum class RcptStatus { queued, deferred, delivered, bounced };

const char* rcpt_status_name(RcptStatus s);
std::optional<RcptStatus> parse_rcpt_status(std::string_view s);
inline bool is_final(RcptStatus s) {
  return s == RcptStatus::delivered || s == RcptStatus::bounced;
}

inline constexpr size_t kMaxQueueIdLength = 64;

struct QueueRecipient {
  uint32_t idx = 0;     // position in the envelope, unique within a message
  std::string address;  // forward-path mailbox
  std::string domain;   // lower-case domain part (the delivery destination)
  std::string notify;   // RFC 3461 §4.1: "", "NEVER" or a list of SUCCESS,FAILURE,DELAY
  std::string orcpt;    // RFC 3461 §4.2: "addr-type;address", "" when absent
  RcptStatus status = RcptStatus::queued;
  uint32_t attempts = 0;
  int64_t next_attempt = 0;     // unix seconds
  int64_t last_attempt = 0;     // unix seconds, 0 = never tried
  std::string last_reply;       // "451 4.3.0 text" or a local diagnostic
  std::string remote_mta;       // host name of the MX that gave last_reply
  bool delay_notified = false;  // a delay DSN was sent for this recipient
};

struct QueueMessage {
  std::string id;
  std::string mail_from;  // "" = null reverse-path (a DSN)
  std::string envid;      // RFC 3461 §4.4, decoded
  std::string ret;        // "", "FULL" or "HDRS" (RFC 3461 §4.3)
  std::string body_type;  // "7BIT", "8BITMIME" or "BINARYMIME"
  bool smtputf8 = false;  // RFC 6531
  std::string blob_id;    // set by enqueue
  uint64_t size = 0;      // set by enqueue
  std::string auth_user;
  std::string client_ip;
  int64_t received_at = 0;  // unix seconds, when our server accepted it
  int64_t created_at = 0;   // unix seconds, when it entered the queue (lifetime counts from here)
  std::vector<QueueRecipient> recipients;
};

// The result of one delivery attempt for one recipient. record() applies it
// and ends the lease.
struct RecipientOutcome {
  std::string message_id;
  uint32_t idx = 0;
  RcptStatus status = RcptStatus::deferred;
  uint32_t attempts = 0;
  int64_t next_attempt = 0;
  int64_t last_attempt = 0;
  std::string last_reply;
  std::string remote_mta;
  bool delay_notified = false;
};

struct QueueCounts {
  uint64_t messages = 0;
  uint64_t queued = 0;    // recipients never tried
  uint64_t deferred = 0;  // recipients waiting for a retry
};

class QueueStore {
 public:
  virtual ~QueueStore() = default;

  using EnqueueCallback = std::function<void(Status)>;
  // Stores the message bytes (BlobStore) and rows; `done` runs after commit
  // on a store thread. msg.id must be unique (Errc::exists otherwise) and made
  // of [A-Za-z0-9_-]; recipients need distinct idx values. created_at = 0
  // means now; next_attempt of each recipient = created_at.
  virtual void enqueue_async(QueueMessage msg, std::shared_ptr<const std::string> raw,
                             EnqueueCallback done) = 0;
  Status enqueue(QueueMessage msg, std::shared_ptr<const std::string> raw);

  // Leases at most `limit` due recipients (status queued or deferred,
  // next_attempt <= now, lease expired) to `owner` until lease_until, oldest
  // first. Returns their messages, each with only the leased recipients.
  virtual Result<std::vector<QueueMessage>> lease_due(std::string_view owner, int64_t now,
                                                      int64_t lease_until, size_t limit) = 0;
  // Ends every lease held by `owner` (start-up after a crash).
  virtual Status release_leases(std::string_view owner) = 0;
  // Applies outcomes (ending their leases); removes messages with no pending
  // recipient left.
  virtual Status record(std::vector<RecipientOutcome> outcomes) = 0;
  // The earliest next_attempt among pending recipients not leased at `now`.
  virtual Result<std::optional<int64_t>> next_due(int64_t now) = 0;

  // ---- operator's view (postino queue …) ----
  virtual Result<std::vector<QueueMessage>> list() = 0;
  virtual Result<QueueMessage> get(std::string_view id) = 0;
  virtual Result<std::string> read_message(std::string_view id) = 0;
  // Deletes the message and all its recipients (no DSN).
  virtual Status remove(std::string_view id) = 0;
  // Makes the pending recipients of one message / of every message due at
  // `now`; returns how many recipients changed.
  virtual Result<uint64_t> retry(std::string_view id, int64_t now) = 0;
  virtual Result<uint64_t> flush(int64_t now) = 0;
  virtual Result<QueueCounts> counts() = 0;
};

// The QueueStore of a backend (the SQLite backend: tables of schema v2).
Result<std::unique_ptr<QueueStore>> open_queue_store(StoreBackend& backend);

// True for a usable queue id: 1..kMaxQueueIdLength of [A-Za-z0-9_-].
bool valid_queue_id(std::string_view id);

}  // namespace postino::store
