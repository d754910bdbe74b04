// SELECT and EXAMINE (RFC 9051 §6.3.2-3, CONDSTORE/QRESYNC RFC 7162 §3.1.8 and
// §3.2.5), CLOSE (§6.4.1) and UNSELECT (RFC 3691). SELECT builds the session's
// MailboxView; CLOSE / UNSELECT drop it.
#include <algorithm>
#include <set>

#include "base/strings.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

namespace {

const std::vector<std::string> kSystemFlags = {store::kFlagAnswered, store::kFlagFlagged,
                                               store::kFlagDeleted, store::kFlagSeen,
                                               store::kFlagDraft};

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  return std::any_of(flags.begin(), flags.end(),
                     [&](const std::string& x) { return iequals(x, f); });
}

}  // namespace

awaitable<Reply> Session::on(const std::string&, SelectCmd& c) {
  if (c.qresync && !qresync_)  // RFC 7162 §3.2.5: QRESYNC must be enabled first
    co_return Reply::bad("QRESYNC is not enabled");
  if (view_) {
    view_.reset();
    unwatch();
    state_ = State::authenticated;
    if (qresync_) send(write::untagged_status(write::Cond::ok, write::code::closed(), "closed"));
  }
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  if (c.condstore) condstore_ = true;

  auto probe = co_await store_.get_mailbox(account_id_, *name, false);
  if (!probe) co_return store_error(probe.error(), c.read_only ? "EXAMINE" : "SELECT");
  watch(probe->id);
  // Read the mailbox again after subscribing, so no change falls in between;
  // its state and every message's flags in one trip to the store.
  using Snapshot = std::pair<store::Mailbox, std::vector<store::FlagState>>;
  const store::MailboxId id = probe->id;
  auto read = [id](store::StoreBackend& b) -> Result<Snapshot> {
    auto m = b.get_mailbox_by_id(id, false);
    if (!m) return m.take_error();
    auto f = b.fetch_flags(id, store::UidSet::all());
    if (!f) return f.take_error();
    return Snapshot{std::move(*m), std::move(*f)};
  };
  auto snap = co_await store_.run<Result<Snapshot>>(read);
  if (!snap) {
    unwatch();
    co_return store_error(snap.error(), "SELECT");
  }
  const store::Mailbox* mb = &snap->first;
  const std::vector<store::FlagState>* flags = &snap->second;
  std::vector<store::Uid> uids;
  uids.reserve(flags->size());
  std::set<std::string> keywords;
  uint32_t first_unseen = 0;
  for (const auto& f : *flags) uids.push_back(f.uid);
  std::sort(uids.begin(), uids.end());
  for (const auto& f : *flags) {
    for (const auto& k : f.flags)
      if (k.empty() || k[0] != '\\') keywords.insert(k);
  }

  auto view = std::make_unique<MailboxView>();
  view->id = mb->id;
  view->name = mb->name;
  view->uidvalidity = mb->uidvalidity;
  view->read_only = c.read_only;
  view->modseq = mb->highestmodseq;
  view->reset(std::move(uids));
  for (const auto& f : *flags) {
    if (!has_flag(f.flags, store::kFlagSeen)) {
      auto s = view->seq_of(f.uid);
      if (s && (first_unseen == 0 || *s < first_unseen)) first_unseen = *s;
    }
  }

  std::vector<std::string> all_flags = kSystemFlags;
  all_flags.insert(all_flags.end(), keywords.begin(), keywords.end());
  send(write::untagged("FLAGS " + write::flag_list(all_flags)));
  std::vector<std::string> perm = c.read_only ? std::vector<std::string>{} : all_flags;
  if (!c.read_only) perm.push_back("\\*");
  send(write::untagged_status(write::Cond::ok, write::code::permanentflags(perm), "flags"));
  send(write::untagged(std::to_string(view->size()) + " EXISTS"));
  if (!rev2_) {
    send(write::untagged("0 RECENT"));  // RFC 3501 §7.3.2
    if (first_unseen)
      send(write::untagged_status(write::Cond::ok, write::code::unseen(first_unseen), "unseen"));
  }
  send(write::untagged_status(write::Cond::ok, write::code::uidvalidity(mb->uidvalidity),
                              "UIDs valid"));
  send(write::untagged_status(write::Cond::ok, write::code::uidnext(mb->uidnext),
                              "predicted next UID"));
  send(write::untagged_status(write::Cond::ok, write::code::highestmodseq(mb->highestmodseq),
                              "highest modseq"));  // RFC 7162 §3.1.2.1
  view_ = std::move(view);
  state_ = State::selected;
  reported_.clear();

  if (c.qresync && c.qresync->uidvalidity == mb->uidvalidity) {
    // RFC 7162 §3.2.5.2: what changed while the client was away.
    auto ch = co_await store_.changes_since(mb->id, c.qresync->modseq);
    if (ch) {
      std::vector<store::Uid> vanished;
      for (auto u : ch->vanished) {
        if (c.qresync->known_uids && !c.qresync->known_uids->contains(u, view_->max_uid()))
          continue;
        vanished.push_back(u);
      }
      if (!vanished.empty())
        send(write::untagged("VANISHED (EARLIER) " + write::sequence_set(std::move(vanished))));
      for (const auto& fs : ch->changed) {
        auto seq = view_->seq_of(fs.uid);
        if (!seq || fs.modseq > mb->highestmodseq) continue;
        if (c.qresync->known_uids && !c.qresync->known_uids->contains(fs.uid, view_->max_uid()))
          continue;
        send(write::untagged(std::to_string(*seq) + " FETCH (UID " + std::to_string(fs.uid) +
                             " FLAGS " + write::flag_list(fs.flags) + " MODSEQ (" +
                             std::to_string(fs.modseq) + "))"));
      }
    }
  }
  co_return Reply::ok(c.read_only ? "EXAMINE completed" : "SELECT completed",
                      c.read_only ? write::code::readonly() : write::code::readwrite());
}

awaitable<Reply> Session::on(const std::string&, CloseCmd&) {
  // RFC 9051 §6.4.1: expunge silently unless read-only.
  if (!view_->read_only) (void)co_await store_.expunge(view_->id);
  view_.reset();
  unwatch();
  state_ = State::authenticated;
  co_return Reply::ok("CLOSE completed");
}

awaitable<Reply> Session::on(const std::string&, UnselectCmd&) {
  view_.reset();
  unwatch();
  state_ = State::authenticated;
  co_return Reply::ok("UNSELECT completed");
}

}  // namespace postino::imap::server
