// Bringing the client up to date on its selected mailbox (RFC 9051 §7.5.1,
// RFC 7162 §3.1.4 and §3.2.10): new messages -> EXISTS, flag changes ->
// FETCH (UID FLAGS [MODSEQ]), expunges -> EXPUNGE or, under QRESYNC,
// VANISHED. The change bus only marks the session dirty; the work happens
// here, between commands, by asking the store what changed since the MODSEQ
// the client last saw.
#include <algorithm>

#include "base/log.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

void Session::watch(store::MailboxId id) {
  unwatch();
  {
    std::lock_guard lock(bus_->mu);
    bus_->notes.clear();
    bus_->overflow = false;
  }
  bus_->dirty.store(false);
  auto bus = bus_;
  // Runs on a store thread: note the change, flip the flag and wake an IDLE
  // read (change_bus.hpp thread rules). sub_ is reset before the session, and
  // so the connection, goes.
  net::Connection* conn = &conn_;
  sub_ = store_.change_bus().subscribe_mailbox(id, [bus, conn](const store::Change& c) {
    {
      std::lock_guard lock(bus->mu);
      if (bus->notes.size() < BusNotes::kMax)
        bus->notes.push_back({c.kind, c.modseq, c.uids});
      else
        bus->overflow = true;
    }
    bus->dirty.store(true, std::memory_order_release);
    conn->wake();
  });
}

// True when the noted changes are exactly the next MODSEQs after the view's
// and each is this session's own: a flag change it already answered with
// these MODSEQs (reported_), its own APPEND (returned in `fresh`, to be
// announced with EXISTS), or an expunge of UIDs it already removed. Then the
// store holds nothing else to tell the client.
bool Session::only_own_changes(std::vector<BusNotes::Note>& notes, std::vector<store::Uid>& fresh) {
  if (notes.empty()) return false;
  std::sort(notes.begin(), notes.end(), [](auto& a, auto& b) { return a.modseq < b.modseq; });
  store::ModSeq next = view_->modseq + 1;
  auto own = [&](store::Uid u, store::ModSeq m) {
    return std::any_of(reported_.begin(), reported_.end(),
                       [&](auto& r) { return r.first == u && r.second == m; });
  };
  for (const auto& n : notes) {
    if (n.modseq != next++) return false;  // someone else's change in between
    if (n.kind == store::ChangeKind::flags) {
      for (auto u : n.uids)
        if (!own(u, n.modseq)) return false;
    } else if (n.kind == store::ChangeKind::appended) {
      for (auto u : n.uids) {
        if (!own(u, n.modseq) || u <= view_->max_uid()) return false;
        fresh.push_back(u);
      }
    } else if (n.kind == store::ChangeKind::expunged) {
      for (auto u : n.uids)
        if (view_->seq_of(u)) return false;
    } else {
      return false;
    }
  }
  return true;
}

void Session::unwatch() { sub_.reset(); }

void Session::note_reported(store::Uid uid, store::ModSeq modseq) {
  reported_.emplace_back(uid, modseq);
}

void Session::report_expunged(const std::vector<store::Uid>& uids) {
  if (uids.empty() || !view_) return;
  if (qresync_) {
    // RFC 7162 §3.2.10: VANISHED replaces EXPUNGE once QRESYNC is enabled.
    std::vector<store::Uid> gone;
    for (auto u : uids)
      if (view_->remove(u)) gone.push_back(u);
    if (!gone.empty()) send(write::untagged("VANISHED " + write::sequence_set(std::move(gone))));
    return;
  }
  // Each EXPUNGE renumbers the rest; send them highest first so every number
  // stays the one the client knows (RFC 9051 §7.5.1).
  std::vector<std::pair<uint32_t, store::Uid>> seqs;
  for (auto u : uids)
    if (auto s = view_->seq_of(u)) seqs.emplace_back(*s, u);
  std::sort(seqs.begin(), seqs.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (auto& [seq, uid] : seqs) {
    view_->remove(uid);
    send(write::untagged(std::to_string(seq) + " EXPUNGE"));
  }
}

awaitable<void> Session::sync(bool allow_expunge) {
  if (!view_) co_return;
  bool dirty = bus_->dirty.exchange(false, std::memory_order_acq_rel);
  // The bus kept every note since the last sync: the changes are few.
  bool overflow = false;
  if (dirty) {
    std::vector<BusNotes::Note> notes;
    {
      std::lock_guard lock(bus_->mu);
      notes.swap(bus_->notes);
      overflow = std::exchange(bus_->overflow, false);
    }
    std::vector<store::Uid> fresh;
    if (!overflow && only_own_changes(notes, fresh)) {
      view_->modseq = notes.back().modseq;
      std::erase_if(reported_, [&](auto& r) { return r.second <= view_->modseq; });
      if (!fresh.empty()) {
        std::sort(fresh.begin(), fresh.end());
        view_->append(fresh);
        send(write::untagged(std::to_string(view_->size()) + " EXISTS"));
      }
      dirty = false;  // fall through to the pending expunges below
    }
  }
  if (dirty) {
    auto ch = co_await store_.changes_since(view_->id, view_->modseq, /*recent=*/!overflow);
    if (!ch) {
      log::warn("imap.sync_failed", {{"conn", conn_.id()}, {"error", ch.error().message}});
      bus_->dirty.store(true);
      co_return;
    }
    for (auto u : ch->vanished) {
      if (view_->seq_of(u) &&
          std::find(view_->pending_expunge.begin(), view_->pending_expunge.end(), u) ==
              view_->pending_expunge.end())
        view_->pending_expunge.push_back(u);
    }
    std::vector<store::Uid> fresh;
    std::vector<const store::FlagState*> changed;
    store::Uid top = view_->max_uid();
    for (const auto& fs : ch->changed) {
      if (fs.uid > top) {
        fresh.push_back(fs.uid);
      } else if (view_->seq_of(fs.uid)) {
        bool own = std::any_of(reported_.begin(), reported_.end(),
                               [&](auto& r) { return r.first == fs.uid && r.second == fs.modseq; });
        if (!own) changed.push_back(&fs);
      }
    }
    // Expunges first (when allowed), then the new size, then flag changes.
    if (allow_expunge && !view_->pending_expunge.empty()) {
      auto gone = std::move(view_->pending_expunge);
      view_->pending_expunge.clear();
      std::sort(gone.begin(), gone.end());
      report_expunged(gone);
    }
    if (!fresh.empty()) {
      std::sort(fresh.begin(), fresh.end());
      view_->append(fresh);
      send(write::untagged(std::to_string(view_->size()) + " EXISTS"));
    }
    for (const auto* fs : changed) {
      auto seq = view_->seq_of(fs->uid);
      if (!seq) continue;
      std::string line = std::to_string(*seq) + " FETCH (UID " + std::to_string(fs->uid) +
                         " FLAGS " + write::flag_list(fs->flags);
      if (condstore_) line += " MODSEQ (" + std::to_string(fs->modseq) + ")";  // RFC 7162 §3.1.4
      send(write::untagged(line + ")"));
    }
    view_->modseq = std::max(view_->modseq, ch->highestmodseq);
    reported_.clear();
    co_return;
  }
  if (allow_expunge && !view_->pending_expunge.empty()) {
    auto gone = std::move(view_->pending_expunge);
    view_->pending_expunge.clear();
    std::sort(gone.begin(), gone.end());
    report_expunged(gone);
  }
}

}  // namespace postino::imap::server
