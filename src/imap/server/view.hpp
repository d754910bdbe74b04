// MailboxView: the one piece of state an IMAP session keeps between commands
// (DESIGN.md "Invariants"): for the selected mailbox, the UID <-> message
// sequence number map the client knows, the MODSEQ it was last brought up to,
// and expunges it has not been told about yet (RFC 9051 §7.5.1 forbids
// EXPUNGE during FETCH, STORE and SEARCH, so they wait here).
// Memory: one 4-byte UID per message plus small bookkeeping; no flags.
// Thread rules: owned by one session; not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "imap/proto/sequence_set.hpp"
#include "store/types.hpp"

namespace postino::imap::server {

// Most messages one command may address (bounds the expanded UID list).
inline constexpr size_t kMaxAddressed = 10'000'000;

class MailboxView {
 public:
  store::MailboxId id = 0;
  std::string name;  // UTF-8 store name
  uint32_t uidvalidity = 0;
  bool read_only = false;
  store::ModSeq modseq = 0;  // the client has seen every change up to this

  uint32_t size() const { return static_cast<uint32_t>(uids_.size()); }
  store::Uid max_uid() const { return uids_.empty() ? 0 : uids_.back(); }
  const std::vector<store::Uid>& uids() const { return uids_; }
  void reset(std::vector<store::Uid> sorted_uids) { uids_ = std::move(sorted_uids); }

  // 1-based sequence number of uid, if the client knows it.
  std::optional<uint32_t> seq_of(store::Uid uid) const;
  store::Uid uid_at(uint32_t seq) const { return uids_[seq - 1]; }

  // The UIDs a set names, ascending. uid_mode: the set holds UIDs ("*" = the
  // highest UID; numbers not in the view are skipped); otherwise it holds
  // sequence numbers and Errc::invalid is returned when one is out of range.
  Result<std::vector<store::Uid>> resolve(const SequenceSet& set, bool uid_mode) const;

  // Appends new UIDs (must be above max_uid()).
  void append(const std::vector<store::Uid>& uids);
  // Removes uid; returns its former sequence number.
  std::optional<uint32_t> remove(store::Uid uid);

  // Expunges known to the store that the client has not been told about.
  std::vector<store::Uid> pending_expunge;

 private:
  std::vector<store::Uid> uids_;  // ascending; index + 1 = sequence number
};

// UIDs (ascending) as the store's range form.
store::UidSet to_uid_set(const std::vector<store::Uid>& sorted_uids);

}  // namespace postino::imap::server
