// ChangeBus: in-process fan-out of committed store changes to interested
// sessions (IMAP IDLE / NOOP, POP3 locks). Subscribers register for one mailbox
// or for a whole account and get a callback per Change.
// Invariant (DESIGN.md "Invariants"): the store publishes only after commit, so
// a subscriber that reads the store from its callback sees the change.
// Ownership: subscribe() returns an RAII Subscription; destroying it
// unregisters and waits out a callback running on another thread, so the
// callback's captures may die right after.
// Thread rules: all methods are thread-safe. Callbacks run on the publishing
// (store) thread and must be cheap: post to the session's executor and return.
// A callback must not subscribe/unsubscribe on the same bus.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "store/types.hpp"

namespace postino::store {

class ChangeBus;

class Subscription {
 public:
  Subscription() = default;
  Subscription(ChangeBus* bus, uint64_t id) : bus_(bus), id_(id) {}
  Subscription(Subscription&& o) noexcept : bus_(o.bus_), id_(o.id_) { o.bus_ = nullptr; }
  Subscription& operator=(Subscription&& o) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() { reset(); }
  void reset();
  bool active() const { return bus_ != nullptr; }

 private:
  ChangeBus* bus_ = nullptr;
  uint64_t id_ = 0;
};

class ChangeBus {
 public:
  using Callback = std::function<void(const Change&)>;

  Subscription subscribe_mailbox(MailboxId mailbox, Callback cb);
  Subscription subscribe_account(AccountId account, Callback cb);
  // Called by the store after commit.
  void publish(const Change& change);
  void publish(const std::vector<Change>& changes);
  size_t subscriber_count() const;

 private:
  friend class Subscription;
  struct Entry {
    bool by_account = false;
    int64_t key = 0;
    Callback cb;
  };
  void unsubscribe(uint64_t id);

  // publish_mu_ serialises delivery against unsubscribe, so a Subscription's
  // destructor never returns while its callback runs elsewhere.
  mutable std::mutex publish_mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, Entry> entries_;
};

}  // namespace postino::store
