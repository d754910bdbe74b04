// SqliteBackend operations: reads on a pooled read connection, writes as
// WriteOps on the group-commit writer (see sqlite_backend.hpp).
#include <future>

#include "base/limits.hpp"
#include "base/metrics.hpp"
#include "base/strings.hpp"
#include "store/sql/queries.hpp"
#include "store/sqlite/sqlite_backend.hpp"

namespace postino::store::sqlite {

namespace {

metrics::Histogram& op_histogram(const char* op) {
  return metrics::histogram("postino_store_op_seconds", "Store operation latency", {{"op", op}});
}

#define POSTINO_STORE_TIMED(op)             \
  static auto& op_hist_ = op_histogram(op); \
  metrics::Timer op_timer_(op_hist_)

// Collects every row of q through `read`.
template <class T, class F>
Result<std::vector<T>> collect(Result<Query> q, F read) {
  if (!q) return q.take_error();
  std::vector<T> out;
  while (true) {
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return out;
    out.push_back(read(*q));
  }
}

// The single row of q through `read`, or not_found(what).
template <class T, class F>
Result<T> one(Result<Query> q, F read, const std::string& what) {
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::not_found, what);
  return read(*q);
}

}  // namespace

template <class R, class Fn, class Done>
void SqliteBackend::write_async(Fn fn, Done done) {
  auto out = std::make_shared<std::optional<R>>();
  WriteOp op;
  op.body = [out, fn = std::move(fn)](Db& db, OpContext& ctx) -> Status {
    R r = fn(db, ctx);
    Status st = r ? Status{} : Status(r.error());
    out->emplace(std::move(r));
    return st;
  };
  op.done = [out, done = std::move(done)](Status st) mutable {
    if (!st) out->emplace(st.take_error());
    done(std::move(**out));
  };
  submit(std::move(op));
}

template <class R, class Fn>
R SqliteBackend::write_sync(Fn fn) {
  std::promise<R> p;
  auto f = p.get_future();
  write_async<R>(std::move(fn), [&p](R r) { p.set_value(std::move(r)); });
  return f.get();
}

// ---- directory ----

Status SqliteBackend::add_domain(std::string_view name) {
  std::string d = to_lower(trim(name));
  if (d.empty() || d.size() > limits::kMaxDomainLength || d.find('@') != std::string::npos ||
      d.find(' ') != std::string::npos)
    return make_error(Errc::invalid, "bad domain name");
  return write_sync<Status>([d](Db& db, OpContext&) -> Status {
    auto st = db.run(sql::kAddDomain, d);
    if (!st && st.error().code == Errc::exists) return make_error(Errc::exists, "domain exists");
    return st;
  });
}

Status SqliteBackend::remove_domain(std::string_view name) {
  std::string d = to_lower(trim(name));
  return write_sync<Status>([d](Db& db, OpContext&) -> Status {
    auto in_use = one<int64_t>(
        db.query(sql::kDomainInUse, d, d), [](const Query& q) { return q.i64(0); }, "");
    if (!in_use) return in_use.take_error();
    if (*in_use > 0) return make_error(Errc::busy, "domain has accounts or aliases");
    auto st = db.run(sql::kRemoveDomain, d);
    if (!st) return st;
    if (db.changes() == 0) return make_error(Errc::not_found, "no such domain: " + d);
    return {};
  });
}

Result<std::vector<Domain>> SqliteBackend::list_domains() {
  auto c = read_conn();
  if (!c) return c.take_error();
  return collect<Domain>((*c)->query(sql::kListDomains),
                         [](const Query& q) { return Domain{q.text(0)}; });
}

Result<Account> SqliteBackend::add_account(std::string_view address, const Credentials& creds) {
  return write_sync<Result<Account>>([a = std::string(address), creds](Db& db, OpContext& ctx) {
    return op_add_account(db, ctx, a, creds);
  });
}

Status SqliteBackend::remove_account(std::string_view address) {
  return write_sync<Status>(
      [a = std::string(address)](Db& db, OpContext& ctx) { return op_remove_account(db, ctx, a); });
}

Result<std::vector<Account>> SqliteBackend::list_accounts() {
  auto c = read_conn();
  if (!c) return c.take_error();
  return collect<Account>((*c)->query(sql::kListAccounts), account_from_row);
}

Result<Account> SqliteBackend::get_account(std::string_view address) {
  auto c = read_conn();
  if (!c) return c.take_error();
  std::string a = to_lower(trim(address));
  return one<Account>((*c)->query(sql::kGetAccount, a), account_from_row, "no such account: " + a);
}

Result<Account> SqliteBackend::get_account_by_id(AccountId id) {
  auto c = read_conn();
  if (!c) return c.take_error();
  return one<Account>((*c)->query(sql::kGetAccountById, id), account_from_row, "no such account");
}

Status SqliteBackend::set_credentials(std::string_view address, const Credentials& creds) {
  std::string a = to_lower(trim(address));
  return write_sync<Status>([a, creds](Db& db, OpContext&) -> Status {
    auto st = db.run(sql::kSetCredentials, creds.password_hash, creds.scram_salt,
                     creds.scram_iterations, creds.scram_stored_key, creds.scram_server_key, a);
    if (st && db.changes() == 0) return make_error(Errc::not_found, "no such account: " + a);
    return st;
  });
}

Status SqliteBackend::set_quota(std::string_view address, uint64_t quota_bytes) {
  std::string a = to_lower(trim(address));
  return write_sync<Status>([a, quota_bytes](Db& db, OpContext&) -> Status {
    auto st = db.run(sql::kSetQuota, quota_bytes, a);
    if (st && db.changes() == 0) return make_error(Errc::not_found, "no such account: " + a);
    return st;
  });
}

Status SqliteBackend::add_alias(std::string_view address, std::string_view target) {
  auto a = normalize_alias_source(address);
  if (!a) return a.take_error();
  auto t = normalize_alias_targets(target);
  if (!t) return t.take_error();
  return write_sync<Status>([a = *a, t = *t](Db& db, OpContext&) -> Status {
    std::string d = domain_of(a);
    auto known = one<int>(
        db.query(sql::kDomainExists, d), [](const Query&) { return 1; }, "no such domain: " + d);
    if (!known) return known.take_error();
    auto st = db.run(sql::kAddAlias, a, d, t);
    if (!st && st.error().code == Errc::exists) return make_error(Errc::exists, "alias exists");
    return st;
  });
}

Status SqliteBackend::remove_alias(std::string_view address) {
  std::string a = to_lower(trim(address));
  return write_sync<Status>([a](Db& db, OpContext&) -> Status {
    auto st = db.run(sql::kRemoveAlias, a);
    if (st && db.changes() == 0) return make_error(Errc::not_found, "no such alias: " + a);
    return st;
  });
}

Result<std::vector<Alias>> SqliteBackend::list_aliases() {
  auto c = read_conn();
  if (!c) return c.take_error();
  return collect<Alias>((*c)->query(sql::kListAliases), [](const Query& q) {
    return Alias{q.text(0), q.text(1)};
  });
}

Result<std::string> SqliteBackend::resolve_alias(std::string_view address) {
  auto c = read_conn();
  if (!c) return c.take_error();
  std::string a = to_lower(trim(address));
  return one<std::string>((*c)->query(sql::kResolveAlias, a),
                          [](const Query& q) { return q.text(0); }, "no such alias: " + a);
}

// ---- mailboxes ----

Result<std::vector<Mailbox>> SqliteBackend::list_mailboxes(AccountId account) {
  POSTINO_STORE_TIMED("list_mailboxes");
  auto c = read_conn();
  if (!c) return c.take_error();
  return collect<Mailbox>((*c)->query(sql::kListMailboxes, account), mailbox_from_row);
}

Result<Mailbox> SqliteBackend::get_mailbox(AccountId account, std::string_view name, bool counts) {
  auto c = read_conn();
  if (!c) return c.take_error();
  std::string n = normalize_mailbox_name(name);
  return one<Mailbox>((*c)->query(counts ? sql::kGetMailbox : sql::kGetMailboxBare, account, n),
                      mailbox_from_row, "no such mailbox: " + n);
}

Result<Mailbox> SqliteBackend::get_mailbox_by_id(MailboxId id, bool counts) {
  auto c = read_conn();
  if (!c) return c.take_error();
  return one<Mailbox>((*c)->query(counts ? sql::kGetMailboxById : sql::kGetMailboxByIdBare, id),
                      mailbox_from_row, "no such mailbox");
}

Result<Mailbox> SqliteBackend::create_mailbox(AccountId account, std::string_view name,
                                              std::string_view special_use) {
  return write_sync<Result<Mailbox>>(
      [account, n = std::string(name), su = std::string(special_use)](Db& db, OpContext& ctx) {
        return op_create_mailbox(db, ctx, account, n, su);
      });
}

Status SqliteBackend::delete_mailbox(AccountId account, std::string_view name) {
  return write_sync<Status>([account, n = std::string(name)](Db& db, OpContext& ctx) {
    return op_delete_mailbox(db, ctx, account, n);
  });
}

Result<Mailbox> SqliteBackend::rename_mailbox(AccountId account, std::string_view from,
                                              std::string_view to) {
  return write_sync<Result<Mailbox>>(
      [account, f = std::string(from), t = std::string(to)](Db& db, OpContext& ctx) {
        return op_rename_mailbox(db, ctx, account, f, t);
      });
}

Status SqliteBackend::subscribe(AccountId account, std::string_view name) {
  std::string n = normalize_mailbox_name(name);
  if (auto st = validate_mailbox_name(n); !st) return st;
  return write_sync<Status>(
      [account, n](Db& db, OpContext&) { return db.run(sql::kSubscribe, account, n); });
}

Status SqliteBackend::unsubscribe(AccountId account, std::string_view name) {
  std::string n = normalize_mailbox_name(name);
  return write_sync<Status>([account, n](Db& db, OpContext&) -> Status {
    auto st = db.run(sql::kUnsubscribe, account, n);
    if (st && db.changes() == 0) return make_error(Errc::not_found, "not subscribed: " + n);
    return st;
  });
}

Result<std::vector<std::string>> SqliteBackend::list_subscriptions(AccountId account) {
  auto c = read_conn();
  if (!c) return c.take_error();
  return collect<std::string>((*c)->query(sql::kListSubscriptions, account),
                              [](const Query& q) { return q.text(0); });
}

// ---- messages ----

namespace {

void fill_static(MessageMeta& m, const MessageStatic& s, MetaParts parts) {
  m.internal_date = s.internal_date;
  m.size = s.size;
  m.blob_id = s.blob_id;
  if (parts.structure) {
    m.envelope = s.envelope;
    m.bodystructure = s.bodystructure;
    m.body = s.body;
  }
  if (parts.header) m.header_summary = s.header_summary;
}

// uid, modseq and flags of the messages in `uids`, in UID order, from the
// covering index messages_state.
Result<std::vector<FlagState>> read_flags(Db& db, MailboxId mailbox, const UidSet& uids) {
  std::vector<FlagState> out;
  for (const auto& r : uids.ranges) {
    auto part = collect<FlagState>(db.query(sql::kFetchFlags, mailbox, r.first, r.last),
                                   flag_state_from_row);
    if (!part) return part.take_error();
    for (auto& m : *part) out.push_back(std::move(m));
  }
  return out;
}

MessageStatic static_from_row(const Query& q) {
  MessageStatic s;
  s.internal_date = q.i64(1);
  s.size = q.u64(2);
  s.blob_id = q.text(3);
  s.envelope = q.text(4);
  s.bodystructure = q.text(5);
  s.body = q.text(6);
  s.header_summary = q.text(7);
  return s;
}

}  // namespace

// Which messages exist and their flags come from the narrow covering index
// (messages_state); what never changes comes from the MetaCache, and only the
// messages missing there are read from their rows (then cached). The two reads
// are separate snapshots: a message expunged in between has no row and is left
// out, as it would be had the expunge come first.
Result<std::vector<MessageMeta>> SqliteBackend::fetch(MailboxId mailbox, const UidSet& uids,
                                                      MetaParts parts) {
  POSTINO_STORE_TIMED("fetch");
  auto c = read_conn();
  if (!c) return c.take_error();
  auto states = read_flags(**c, mailbox, uids);
  if (!states) return states.take_error();
  std::vector<MessageMeta> out(states->size());
  for (size_t i = 0; i < out.size(); ++i) {
    auto& f = (*states)[i];
    out[i].mailbox_id = mailbox;
    out[i].uid = f.uid;
    out[i].modseq = f.modseq;
    out[i].flags = std::move(f.flags);
  }
  std::vector<Uid> wanted(out.size());
  for (size_t i = 0; i < out.size(); ++i) wanted[i] = out[i].uid;
  auto cached = meta_cache_.get_many(mailbox, wanted);
  std::vector<size_t> missing;
  for (size_t i = 0; i < out.size(); ++i) {
    if (cached[i])
      fill_static(out[i], *cached[i], parts);
    else
      missing.push_back(i);
  }
  MetaCache::count(out.size() - missing.size(), missing.size());
  if (missing.empty()) return out;

  // Runs of adjacent missing entries, one range read each. A caller that wants
  // none of the texts reads rows without them and caches nothing.
  const bool texts = parts.structure || parts.header;
  std::vector<bool> found(out.size(), true);
  for (size_t a = 0; a < missing.size();) {
    size_t b = a;
    while (b + 1 < missing.size() && missing[b + 1] == missing[b] + 1) ++b;
    size_t i = missing[a];
    const size_t last = missing[b];
    auto q = (*c)->query(texts ? sql::kFetchStatic : sql::kFetchStaticBare, mailbox, out[i].uid,
                         out[last].uid);
    if (!q) return q.take_error();
    while (i <= last) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      Uid uid = static_cast<Uid>(q->i64(0));
      while (i <= last && out[i].uid < uid) found[i++] = false;
      if (i > last || out[i].uid != uid) continue;
      auto s = std::make_shared<const MessageStatic>(static_from_row(*q));
      fill_static(out[i], *s, parts);
      if (texts) meta_cache_.put(mailbox, uid, std::move(s));
      ++i;
    }
    for (; i <= last; ++i) found[i] = false;
    a = b + 1;
  }
  size_t kept = 0;
  for (size_t i = 0; i < out.size(); ++i)
    if (found[i]) {
      if (kept != i) out[kept] = std::move(out[i]);
      ++kept;
    }
  out.resize(kept);
  return out;
}

Result<std::vector<MessageRef>> SqliteBackend::list_messages(MailboxId mailbox) {
  POSTINO_STORE_TIMED("list_messages");
  auto c = read_conn();
  if (!c) return c.take_error();
  return collect<MessageRef>((*c)->query(sql::kListMessages, mailbox), [](const Query& q) {
    MessageRef m;
    m.uid = static_cast<Uid>(q.i64(0));
    m.size = q.u64(1);
    m.blob_id = q.text(2);
    return m;
  });
}

Result<std::vector<FlagState>> SqliteBackend::fetch_flags(MailboxId mailbox, const UidSet& uids) {
  POSTINO_STORE_TIMED("fetch_flags");
  auto c = read_conn();
  if (!c) return c.take_error();
  return read_flags(**c, mailbox, uids);
}

Result<std::string> SqliteBackend::read_blob(std::string_view blob_id, uint64_t offset,
                                             uint64_t length) {
  POSTINO_STORE_TIMED("read_blob");
  return blobs_->read(blob_id, offset, length);
}

Result<std::optional<std::string>> SqliteBackend::read_blob_cached(std::string_view blob_id,
                                                                   uint64_t offset,
                                                                   uint64_t length) {
  POSTINO_STORE_TIMED("read_blob_cached");
  return blobs_->read_cached(blob_id, offset, length);
}

namespace {

// At most this many UIDs: small enough to plan a STORE on a read connection.
bool small_uid_set(const UidSet& uids) {
  constexpr uint64_t kMax = 1024;
  return uids.count_upto(kMax) <= kMax;
}

// The timer of an async write covers submit to commit: it ends when `done` runs.
template <class T>
auto timed(metrics::Histogram& h, StoreBackend::Callback<T> done) {
  return
      [timer = std::make_shared<metrics::Timer>(h), done = std::move(done)](Result<T> r) mutable {
        timer.reset();
        done(std::move(r));
      };
}

}  // namespace

void SqliteBackend::store_flags_async(MailboxId mailbox, UidSet uids, FlagUpdate update,
                                      Callback<StoreFlagsResult> done) {
  static auto& hist = op_histogram("store_flags");
  auto finish = timed(hist, std::move(done));
  // A STORE that changes nothing is answered from a read snapshot: it takes
  // effect at that snapshot and needs no commit (clients often set flags a
  // message already has). Only for small sets: the check costs a read.
  if (small_uid_set(uids)) {
    auto c = read_conn();
    if (c && (*c)->run("BEGIN")) {
      auto unchanged = store_flags_unchanged(**c, mailbox, uids, update);
      (void)(*c)->run("COMMIT");
      if (unchanged) {
        finish(std::move(*unchanged));
        return;
      }
    }
  }
  write_async<Result<StoreFlagsResult>>(
      [mailbox, uids = std::move(uids), update = std::move(update)](Db& db, OpContext& ctx) {
        return op_store_flags(db, ctx, mailbox, uids, update);
      },
      std::move(finish));
}

void SqliteBackend::expunge_async(MailboxId mailbox, std::optional<UidSet> uids,
                                  Callback<std::vector<Uid>> done) {
  static auto& hist = op_histogram("expunge");
  auto finish = timed(hist, std::move(done));
  // Nothing \Deleted (an EXPUNGE or CLOSE out of habit): answered from a read
  // snapshot, like an unchanged STORE, without a commit.
  if (!uids || uids->ranges.size() <= 64) {  // a look-up per range
    auto c = read_conn();
    if (c && (*c)->run("BEGIN")) {
      bool nothing = nothing_to_expunge(**c, mailbox, uids);
      (void)(*c)->run("COMMIT");
      if (nothing) {
        finish(std::vector<Uid>{});
        return;
      }
    }
  }
  write_async<Result<std::vector<Uid>>>(
      [mailbox, uids = std::move(uids)](Db& db, OpContext& ctx) {
        return op_expunge(db, ctx, mailbox, uids);
      },
      std::move(finish));
}

void SqliteBackend::copy_async(MailboxId src, UidSet uids, MailboxId dst, bool move,
                               Callback<CopyResult> done) {
  static auto& copy_hist = op_histogram("copy");
  static auto& move_hist = op_histogram("move");
  write_async<Result<CopyResult>>(
      [src, uids = std::move(uids), dst, move](Db& db, OpContext& ctx) {
        return op_copy(db, ctx, src, uids, dst, move);
      },
      timed(move ? move_hist : copy_hist, std::move(done)));
}

Result<ChangesSince> SqliteBackend::changes_since(MailboxId mailbox, ModSeq since) {
  POSTINO_STORE_TIMED("changes_since");
  auto c = read_conn();
  if (!c) return c.take_error();
  // One read transaction so HIGHESTMODSEQ, changes and tombstones agree.
  if (auto st = (*c)->run("BEGIN"); !st) return st.take_error();
  auto finish = [&](auto r) {
    (void)(*c)->run("COMMIT");
    return r;
  };
  ChangesSince out;
  auto hms = one<ModSeq>((*c)->query(sql::kMailboxState, mailbox),
                         [](const Query& q) { return q.u64(4); }, "no such mailbox");
  if (!hms) return finish(Result<ChangesSince>(hms.take_error()));
  out.highestmodseq = *hms;
  auto changed =
      collect<FlagState>((*c)->query(sql::kChangedSince, mailbox, since), flag_state_from_row);
  if (!changed) return finish(Result<ChangesSince>(changed.take_error()));
  out.changed = std::move(*changed);
  auto vanished = collect<Uid>((*c)->query(sql::kVanishedSince, mailbox, since),
                               [](const Query& q) { return static_cast<Uid>(q.i64(0)); });
  if (!vanished) return finish(Result<ChangesSince>(vanished.take_error()));
  out.vanished = std::move(*vanished);
  return finish(Result<ChangesSince>(std::move(out)));
}

Result<QuotaUsage> SqliteBackend::quota(AccountId account) {
  auto c = read_conn();
  if (!c) return c.take_error();
  return one<QuotaUsage>((*c)->query(sql::kGetQuota, account),
                         [](const Query& q) {
                           return QuotaUsage{q.u64(0), q.u64(1)};
                         },
                         "no such account");
}

}  // namespace postino::store::sqlite
