// Message write operations: append, flags, expunge, copy/move (see write_ops.hpp).
// MODSEQ rule (RFC 7162 §3.1): an operation takes HIGHESTMODSEQ + 1 for every
// message it changes and stores it as the mailbox's new HIGHESTMODSEQ.
#include <algorithm>
#include <limits>

#include "base/strings.hpp"
#include "store/sql/queries.hpp"
#include "store/sqlite/write_ops.hpp"

namespace postino::store::sqlite {

namespace {

constexpr uint64_t kMaxUid = std::numeric_limits<Uid>::max();

struct MailboxState {
  MailboxId id = 0;
  AccountId account_id = 0;
  uint32_t uidvalidity = 0;
  uint64_t uidnext = 1;
  ModSeq highestmodseq = 0;
};

template <class... A>
Result<MailboxState> load_state(Db& db, const char* sql, const A&... args) {
  auto q = db.query(sql, args...);
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::not_found, "no such mailbox");
  return MailboxState{q->i64(0), q->i64(1), static_cast<uint32_t>(q->i64(2)), q->u64(3), q->u64(4)};
}

Status check_quota(Db& db, AccountId account, uint64_t extra) {
  auto q = db.query(sql::kGetQuota, account);
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::not_found, "no such account");
  uint64_t used = q->u64(0), limit = q->u64(1);
  if (limit > 0 && used + extra > limit) return make_error(Errc::quota, "mailbox over quota");
  return {};
}

struct Row {
  Uid uid;
  uint64_t size;
  std::string blob_id;
};

// uid, size, blob_id of the messages in `uids` (a query with ?1 mailbox, ?2..?3 range).
Result<std::vector<Row>> select_rows(Db& db, const char* sql, MailboxId mailbox,
                                     const UidSet& uids) {
  std::vector<Row> rows;
  for (const auto& r : uids.ranges) {
    auto q = db.query(sql, mailbox, r.first, r.last);
    if (!q) return q.take_error();
    while (true) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      rows.push_back(Row{static_cast<Uid>(q->i64(0)), q->u64(1), q->text(2)});
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.uid < b.uid; });
  rows.erase(std::unique(rows.begin(), rows.end(),
                         [](const Row& a, const Row& b) { return a.uid == b.uid; }),
             rows.end());
  return rows;
}

bool has_flag(const std::vector<std::string>& flags, std::string_view f) {
  return std::any_of(flags.begin(), flags.end(), [&](const auto& x) { return iequals(x, f); });
}

bool same_flags(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() != b.size()) return false;
  return std::all_of(a.begin(), a.end(), [&](const auto& f) { return has_flag(b, f); });
}

std::vector<std::string> apply_update(const std::vector<std::string>& cur, FlagMode mode,
                                      const std::vector<std::string>& flags) {
  std::vector<std::string> out;
  switch (mode) {
    case FlagMode::replace:
      return flags;
    case FlagMode::add:
      out = cur;
      for (const auto& f : flags)
        if (!has_flag(out, f)) out.push_back(f);
      return out;
    case FlagMode::remove:
      for (const auto& f : cur)
        if (!has_flag(flags, f)) out.push_back(f);
      return out;
  }
  return out;
}

// Deletes rows from a mailbox, leaving tombstones at `modseq` (RFC 7162 §3.2.10).
Status remove_rows(Db& db, OpContext& ctx, const MailboxState& mb, const std::vector<Row>& rows,
                   ModSeq modseq) {
  for (const auto& r : rows) {
    if (auto st = db.run(sql::kDeleteMessage, mb.id, r.uid); !st) return st;
    if (auto st = db.run(sql::kInsertTombstone, mb.id, r.uid, modseq); !st) return st;
    ctx.gc_blobs.push_back(r.blob_id);
  }
  return db.run(sql::kSetMailboxCounters, mb.uidnext, modseq, mb.id);
}

uint64_t total_size(const std::vector<Row>& rows) {
  uint64_t n = 0;
  for (const auto& r : rows) n += r.size;
  return n;
}

}  // namespace

Result<std::vector<AppendResult>> op_append(Db& db, OpContext& ctx, const AppendRequest& req,
                                            const std::string& blob_id) {
  auto flags = normalize_flags(req.flags);
  if (!flags) return flags.take_error();
  const uint64_t size = req.raw ? req.raw->size() : 0;
  const int64_t date = req.internal_date != 0 ? req.internal_date : ctx.now;
  const std::string stored_flags = join_flags(*flags);
  const bool seen = has_flag(*flags, kFlagSeen), deleted = has_flag(*flags, kFlagDeleted);
  std::vector<AppendResult> out;
  for (const auto& t : req.targets) {
    auto mb =
        load_state(db, sql::kMailboxStateByName, t.account_id, normalize_mailbox_name(t.mailbox));
    if (!mb) return make_error(Errc::not_found, "no such mailbox: " + t.mailbox);
    if (auto st = check_quota(db, t.account_id, size); !st) return st.take_error();
    if (mb->uidnext > kMaxUid) return make_error(Errc::limit, "UID space exhausted");
    const Uid uid = static_cast<Uid>(mb->uidnext);
    const ModSeq modseq = mb->highestmodseq + 1;
    auto st =
        db.run(sql::kInsertMessage, mb->id, uid, modseq, stored_flags, int(seen), int(deleted),
               date, size, blob_id, req.envelope, req.bodystructure, req.body, req.header_summary);
    if (!st) return st.take_error();
    // RFC 9051 §2.3.1.1: UIDNEXT strictly increases.
    if (auto s = db.run(sql::kSetMailboxCounters, uint64_t(uid) + 1, modseq, mb->id); !s)
      return s.take_error();
    if (auto s = db.run(sql::kAddUsedBytes, size, t.account_id); !s) return s.take_error();
    ctx.changes.push_back(
        Change{t.account_id, mb->id, ChangeKind::appended, {uid}, modseq, {}, {}});
    ++ctx.appended;
    out.push_back(AppendResult{t.account_id, mb->id, mb->uidvalidity, uid, modseq, blob_id});
  }
  return out;
}

namespace {

// What a STORE would do, read through `db`: the new flags of every message
// they change, the UNCHANGEDSINCE failures, and the mailbox state.
struct FlagPlan {
  MailboxState mb;
  std::vector<FlagState> changes;  // uid, old modseq, new flags
  std::vector<Uid> failed;
};

Result<FlagPlan> plan_store_flags(Db& db, MailboxId mailbox, const UidSet& uids,
                                  const FlagUpdate& update) {
  auto flags = normalize_flags(update.flags);
  if (!flags) return flags.take_error();
  auto mb = load_state(db, sql::kMailboxState, mailbox);
  if (!mb) return mb.take_error();
  FlagPlan plan{*mb, {}, {}};
  for (const auto& r : uids.ranges) {
    auto q = db.query(sql::kFetchFlags, mailbox, r.first, r.last);
    if (!q) return q.take_error();
    while (true) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      FlagState m = flag_state_from_row(*q);
      // RFC 7162 §3.1.3: a message changed since UNCHANGEDSINCE is not touched.
      if (update.unchanged_since && m.modseq > *update.unchanged_since) {
        plan.failed.push_back(m.uid);
        continue;
      }
      auto next = apply_update(m.flags, update.mode, *flags);
      if (same_flags(next, m.flags)) continue;
      m.flags = std::move(next);
      plan.changes.push_back(std::move(m));
    }
  }
  return plan;
}

}  // namespace

Result<StoreFlagsResult> op_store_flags(Db& db, OpContext& ctx, MailboxId mailbox,
                                        const UidSet& uids, const FlagUpdate& update) {
  auto plan = plan_store_flags(db, mailbox, uids, update);
  if (!plan) return plan.take_error();
  const auto& mb = plan->mb;
  StoreFlagsResult res;
  res.failed = std::move(plan->failed);
  res.highestmodseq = mb.highestmodseq;
  if (plan->changes.empty()) return res;
  const ModSeq modseq = mb.highestmodseq + 1;
  for (auto& m : plan->changes) {
    auto st = db.run(sql::kSetFlags, join_flags(m.flags), int(has_flag(m.flags, kFlagSeen)),
                     int(has_flag(m.flags, kFlagDeleted)), modseq, mailbox, m.uid);
    if (!st) return st.take_error();
    res.updated.push_back(FlagState{m.uid, modseq, std::move(m.flags)});
  }
  if (auto st = db.run(sql::kSetMailboxCounters, mb.uidnext, modseq, mailbox); !st)
    return st.take_error();
  res.highestmodseq = modseq;
  Change c{mb.account_id, mailbox, ChangeKind::flags, {}, modseq, {}, {}};
  for (const auto& u : res.updated) c.uids.push_back(u.uid);
  ctx.changes.push_back(std::move(c));
  return res;
}

std::optional<Result<StoreFlagsResult>> store_flags_unchanged(Db& db, MailboxId mailbox,
                                                              const UidSet& uids,
                                                              const FlagUpdate& update) {
  auto plan = plan_store_flags(db, mailbox, uids, update);
  if (!plan) return Result<StoreFlagsResult>(plan.take_error());
  if (!plan->changes.empty()) return std::nullopt;
  StoreFlagsResult res;
  res.failed = std::move(plan->failed);
  res.highestmodseq = plan->mb.highestmodseq;
  return Result<StoreFlagsResult>(std::move(res));
}

bool nothing_to_expunge(Db& db, MailboxId mailbox, const std::optional<UidSet>& uids) {
  if (!load_state(db, sql::kMailboxState, mailbox)) return false;
  // Each range is one look-up in the partial index of \Deleted messages.
  for (const auto& r : (uids ? *uids : UidSet::all()).ranges) {
    auto q = db.query(sql::kSelectDeleted, mailbox, r.first, r.last);
    if (!q) return false;
    auto row = q->step();
    if (!row || *row) return false;
  }
  return true;
}

Result<std::vector<Uid>> op_expunge(Db& db, OpContext& ctx, MailboxId mailbox,
                                    const std::optional<UidSet>& uids) {
  auto mb = load_state(db, sql::kMailboxState, mailbox);
  if (!mb) return mb.take_error();
  auto rows = select_rows(db, sql::kSelectDeleted, mailbox, uids ? *uids : UidSet::all());
  if (!rows) return rows.take_error();
  std::vector<Uid> out;
  if (rows->empty()) return out;
  const ModSeq modseq = mb->highestmodseq + 1;
  if (auto st = remove_rows(db, ctx, *mb, *rows, modseq); !st) return st.take_error();
  uint64_t size = total_size(*rows);
  if (auto st = db.run(sql::kSubUsedBytes, size, size, mb->account_id); !st) return st.take_error();
  for (const auto& r : *rows) out.push_back(r.uid);
  ctx.changes.push_back(Change{mb->account_id, mailbox, ChangeKind::expunged, out, modseq, {}, {}});
  return out;
}

Result<CopyResult> op_copy(Db& db, OpContext& ctx, MailboxId src, const UidSet& uids, MailboxId dst,
                           bool move) {
  auto s = load_state(db, sql::kMailboxState, src);
  if (!s) return s.take_error();
  auto d = load_state(db, sql::kMailboxState, dst);
  if (!d) return d.take_error();
  if (s->account_id != d->account_id)
    return make_error(Errc::invalid, "copy between accounts is not supported");
  auto rows = select_rows(db, sql::kSelectForCopy, src, uids);
  if (!rows) return rows.take_error();
  CopyResult res;
  res.dst_uidvalidity = d->uidvalidity;
  if (rows->empty()) return res;
  const uint64_t size = total_size(*rows);
  if (!move) {
    // Quota counts every message copy (RFC 9208 §5.1), whatever blobs are shared.
    if (auto st = check_quota(db, d->account_id, size); !st) return st.take_error();
  }
  if (d->uidnext + rows->size() - 1 > kMaxUid)
    return make_error(Errc::limit, "UID space exhausted");
  const ModSeq dst_modseq = d->highestmodseq + 1;
  uint64_t uid = d->uidnext;
  Change added{d->account_id, dst, ChangeKind::appended, {}, dst_modseq, {}, {}};
  for (const auto& r : *rows) {
    if (auto st = db.run(sql::kCopyMessage, dst, uid, dst_modseq, src, r.uid); !st)
      return st.take_error();
    res.uids.emplace_back(r.uid, static_cast<Uid>(uid));
    added.uids.push_back(static_cast<Uid>(uid));
    ++uid;
  }
  if (auto st = db.run(sql::kSetMailboxCounters, uid, dst_modseq, dst); !st) return st.take_error();
  ctx.changes.push_back(std::move(added));
  if (!move) {
    if (auto st = db.run(sql::kAddUsedBytes, size, d->account_id); !st) return st.take_error();
    return res;
  }
  // RFC 6851 §3.3: MOVE expunges the source messages. Reload: src may equal dst.
  auto s2 = load_state(db, sql::kMailboxState, src);
  if (!s2) return s2.take_error();
  const ModSeq src_modseq = s2->highestmodseq + 1;
  if (auto st = remove_rows(db, ctx, *s2, *rows, src_modseq); !st) return st.take_error();
  for (const auto& r : *rows) res.expunged.push_back(r.uid);
  ctx.changes.push_back(
      Change{s2->account_id, src, ChangeKind::expunged, res.expunged, src_modseq, {}, {}});
  return res;
}

}  // namespace postino::store::sqlite
