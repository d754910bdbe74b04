// STORE / UID STORE (RFC 9051 §6.4.6; UNCHANGEDSINCE and MODIFIED, RFC 7162
// §3.1.3), COPY / MOVE with COPYUID (RFC 9051 §6.4.7, RFC 6851, RFC 4315) and
// EXPUNGE / UID EXPUNGE (RFC 9051 §6.4.3, §6.4.9).
#include <algorithm>

#include "base/strings.hpp"
#include "imap/server/session.hpp"

namespace postino::imap::server {

namespace {

store::FlagMode mode_of(StoreCmd::Mode m) {
  switch (m) {
    case StoreCmd::Mode::add:
      return store::FlagMode::add;
    case StoreCmd::Mode::remove:
      return store::FlagMode::remove;
    default:
      return store::FlagMode::replace;
  }
}

}  // namespace

awaitable<Reply> Session::on(const std::string&, StoreCmd& c) {
  if (c.unchangedsince) condstore_ = true;  // RFC 7162 §3.1
  auto uids = co_await resolve(c.set, c.uid);
  if (!uids) co_return Reply::bad(uids.error().message);
  if (view_->read_only) co_return Reply::no("mailbox is read-only", write::code::readonly());
  std::vector<std::string> flags;
  for (auto& f : c.flags)
    if (!iequals(f, "\\Recent")) flags.push_back(f);  // RFC 9051 §2.3.2: not settable
  if (uids->empty()) co_return Reply::ok("STORE completed");

  store::FlagUpdate update;
  update.mode = mode_of(c.mode);
  update.flags = std::move(flags);
  update.unchanged_since = c.unchangedsince;
  auto r = co_await store_.store_flags(view_->id, to_uid_set(*uids), update);
  if (!r) co_return store_error(r.error(), "STORE");
  auto line = [&](uint32_t seq, const store::FlagState& fs) {
    std::string s = std::to_string(seq) + " FETCH (";
    if (c.uid) s += "UID " + std::to_string(fs.uid) + " ";
    s += "FLAGS " + write::flag_list(fs.flags);
    if (condstore_) s += " MODSEQ (" + std::to_string(fs.modseq) + ")";
    send(write::untagged(s + ")"));
  };
  for (const auto& u : r->updated) {
    note_reported(u.uid, u.modseq);
    auto seq = view_->seq_of(u.uid);
    // RFC 7162 §3.1.3: under CONDSTORE the FETCH is sent even with .SILENT.
    if (seq && (!c.silent || condstore_)) line(*seq, u);
  }
  if (!c.silent) {
    // Messages whose flags did not change still get their FETCH (RFC 9051 §6.4.6).
    std::vector<store::Uid> rest;
    for (auto u : *uids) {
      bool done =
          std::any_of(r->updated.begin(), r->updated.end(), [&](auto& x) { return x.uid == u; }) ||
          std::find(r->failed.begin(), r->failed.end(), u) != r->failed.end();
      if (!done) rest.push_back(u);
    }
    if (!rest.empty()) {
      auto fl = co_await store_.fetch_flags(view_->id, to_uid_set(rest));
      if (fl)
        for (const auto& fs : *fl)
          if (auto seq = view_->seq_of(fs.uid)) line(*seq, fs);
    }
  }
  if (!r->failed.empty()) {
    std::vector<uint32_t> nums;
    for (auto u : r->failed) {
      if (c.uid) {
        nums.push_back(u);
      } else if (auto s = view_->seq_of(u)) {
        nums.push_back(*s);
      }
    }
    co_return Reply::ok("conditional STORE failed for some messages",
                        write::code::modified(SequenceSet::from_numbers(nums)));
  }
  co_return Reply::ok("STORE completed");
}

awaitable<Reply> Session::on(const std::string&, CopyCmd& c) {
  const char* verb = c.move ? "MOVE" : "COPY";
  auto uids = co_await resolve(c.set, c.uid);
  if (!uids) co_return Reply::bad(uids.error().message);
  auto name = decode_name(c.mailbox);
  if (!name) co_return Reply::no("bad mailbox name", write::code::cannot());
  auto dst = co_await store_.get_mailbox(account_id_, *name, false);
  if (!dst) {
    if (dst.error().code == Errc::not_found)  // RFC 9051 §6.4.7
      co_return Reply::no("no such mailbox", write::code::trycreate());
    co_return store_error(dst.error(), verb);
  }
  if (c.move && view_->read_only)
    co_return Reply::no("mailbox is read-only", write::code::readonly());
  if (uids->empty()) co_return Reply::ok(std::string(verb) + " completed");
  // (No "?:" around co_await: GCC 12 destroys the result twice.)
  Result<store::CopyResult> r = make_error(Errc::internal, "unset");
  if (c.move) {
    r = co_await store_.move(view_->id, to_uid_set(*uids), dst->id);
  } else {
    r = co_await store_.copy(view_->id, to_uid_set(*uids), dst->id);
  }
  if (!r) co_return store_error(r.error(), verb);
  std::vector<uint32_t> src, out;
  for (auto& [s, d] : r->uids) {
    src.push_back(s);
    out.push_back(d);
  }
  // COPYUID lists UIDs in matching order; from_numbers sorts, which keeps the
  // pairing because the store assigns destination UIDs in source order.
  auto code = write::code::copyuid(r->dst_uidvalidity, SequenceSet::from_numbers(src),
                                   SequenceSet::from_numbers(out));
  if (!c.move) co_return Reply::ok("COPY completed", code);
  // RFC 6851 §4.3: COPYUID in an untagged OK, then the expunges.
  send(write::untagged_status(write::Cond::ok, code, "moved"));
  auto gone = r->expunged;
  std::sort(gone.begin(), gone.end());
  report_expunged(gone);
  co_return Reply::ok("MOVE completed");
}

awaitable<Reply> Session::expunge(std::optional<std::vector<store::Uid>> only) {
  if (view_->read_only) co_return Reply::no("mailbox is read-only", write::code::readonly());
  std::optional<store::UidSet> set;
  if (only) {
    if (only->empty()) co_return Reply::ok("EXPUNGE completed");
    set = to_uid_set(*only);
  }
  auto r = co_await store_.expunge(view_->id, set);
  if (!r) co_return store_error(r.error(), "EXPUNGE");
  report_expunged(*r);
  co_return Reply::ok("EXPUNGE completed");
}

awaitable<Reply> Session::on(const std::string&, ExpungeCmd& c) {
  if (!c.uids) co_return co_await expunge(std::nullopt);
  auto uids = co_await resolve(*c.uids, true);  // RFC 4315 §2.1
  if (!uids) co_return Reply::bad(uids.error().message);
  co_return co_await expunge(std::move(*uids));
}

}  // namespace postino::imap::server
