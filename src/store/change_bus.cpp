#include "store/change_bus.hpp"

namespace postino::store {

Subscription& Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    reset();
    bus_ = o.bus_;
    id_ = o.id_;
    o.bus_ = nullptr;
  }
  return *this;
}

void Subscription::reset() {
  if (bus_) bus_->unsubscribe(id_);
  bus_ = nullptr;
}

Subscription ChangeBus::subscribe_mailbox(MailboxId mailbox, Callback cb) {
  std::lock_guard lk(publish_mu_);
  uint64_t id = next_id_++;
  entries_.emplace(id, Entry{false, mailbox, std::move(cb)});
  return Subscription(this, id);
}

Subscription ChangeBus::subscribe_account(AccountId account, Callback cb) {
  std::lock_guard lk(publish_mu_);
  uint64_t id = next_id_++;
  entries_.emplace(id, Entry{true, account, std::move(cb)});
  return Subscription(this, id);
}

void ChangeBus::unsubscribe(uint64_t id) {
  std::lock_guard lk(publish_mu_);
  entries_.erase(id);
}

void ChangeBus::publish(const Change& change) {
  std::lock_guard lk(publish_mu_);
  for (const auto& [id, e] : entries_) {
    bool match = e.by_account ? e.key == change.account_id : e.key == change.mailbox_id;
    if (match && e.cb) e.cb(change);
  }
}

void ChangeBus::publish(const std::vector<Change>& changes) {
  for (const auto& c : changes) publish(c);
}

size_t ChangeBus::subscriber_count() const {
  std::lock_guard lk(publish_mu_);
  return entries_.size();
}

}  // namespace postino::store
