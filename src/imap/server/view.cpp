#include "imap/server/view.hpp"

#include <algorithm>

namespace postino::imap::server {

std::optional<uint32_t> MailboxView::seq_of(store::Uid uid) const {
  auto it = std::lower_bound(uids_.begin(), uids_.end(), uid);
  if (it == uids_.end() || *it != uid) return std::nullopt;
  return static_cast<uint32_t>(it - uids_.begin()) + 1;
}

Result<std::vector<store::Uid>> MailboxView::resolve(const SequenceSet& set, bool uid_mode) const {
  std::vector<store::Uid> out;
  if (uid_mode) {
    // RFC 9051 §6.4.9: "*" is the highest UID in use; UIDs not present are ignored.
    for (const auto& r : set.normalised(std::max<uint32_t>(max_uid(), 1))) {
      auto lo = std::lower_bound(uids_.begin(), uids_.end(), r.first);
      auto hi = std::upper_bound(lo, uids_.end(), r.last);
      if (out.size() + static_cast<size_t>(hi - lo) > kMaxAddressed)
        return make_error(Errc::limit, "too many messages");
      out.insert(out.end(), lo, hi);
    }
    // "n:*" with an empty mailbox resolved against 1 above; drop a phantom 1.
    if (uids_.empty()) out.clear();
    return out;
  }
  // RFC 9051 §9: a message sequence number above the mailbox size is invalid.
  if (set.exceeds(size())) return make_error(Errc::invalid, "invalid message sequence number");
  if (size() == 0) {
    return make_error(Errc::invalid, "no messages");
  }
  for (const auto& r : set.normalised(size())) {
    if (out.size() + (r.last - r.first + 1) > kMaxAddressed)
      return make_error(Errc::limit, "too many messages");
    for (uint32_t s = r.first; s <= r.last; ++s) out.push_back(uids_[s - 1]);
  }
  return out;
}

void MailboxView::append(const std::vector<store::Uid>& uids) {
  for (auto u : uids)
    if (u > max_uid()) uids_.push_back(u);
}

std::optional<uint32_t> MailboxView::remove(store::Uid uid) {
  auto it = std::lower_bound(uids_.begin(), uids_.end(), uid);
  if (it == uids_.end() || *it != uid) return std::nullopt;
  auto seq = static_cast<uint32_t>(it - uids_.begin()) + 1;
  uids_.erase(it);
  return seq;
}

store::UidSet to_uid_set(const std::vector<store::Uid>& sorted_uids) {
  store::UidSet set;
  for (auto u : sorted_uids) {
    if (!set.ranges.empty() && set.ranges.back().last + 1 == u) {
      set.ranges.back().last = u;
    } else {
      set.ranges.push_back({u, u});
    }
  }
  return set;
}

}  // namespace postino::imap::server
