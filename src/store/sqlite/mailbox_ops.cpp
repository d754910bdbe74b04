// Account and mailbox write operations (see write_ops.hpp).
#include <algorithm>
#include <limits>

#include "store/sql/queries.hpp"
#include "store/sqlite/write_ops.hpp"

namespace postino::store::sqlite {

namespace {

struct DefaultMailbox {
  const char* name;
  const char* special_use;
};
// RFC 6154 §2: the special-use mailboxes every new account gets.
constexpr DefaultMailbox kDefaultMailboxes[] = {
    {kInbox, ""},
    {"Sent", kSpecialSent},
    {"Drafts", kSpecialDrafts},
    {"Trash", kSpecialTrash},
    {"Junk", kSpecialJunk},
    {"Archive", kSpecialArchive},
};
constexpr const char* kAccountSeq = "account";
constexpr const char* kMailboxSeq = "mailbox";

Result<int64_t> next_id(Db& db, const char* seq) {
  auto q = db.query(sql::kNextId, seq);
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::internal, std::string("no id sequence ") + seq);
  return q->i64(0);
}

Result<Account> load_account(Db& db, std::string_view address) {
  auto q = db.query(sql::kGetAccount, address);
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::not_found, "no such account: " + std::string(address));
  return account_from_row(*q);
}

Result<Mailbox> load_mailbox(Db& db, AccountId account, const std::string& name) {
  auto q = db.query(sql::kGetMailbox, account, name);
  if (!q) return q.take_error();
  auto row = q->step();
  if (!row) return row.take_error();
  if (!*row) return make_error(Errc::not_found, "no such mailbox: " + name);
  return mailbox_from_row(*q);
}

// Drops every message and tombstone of a mailbox and the mailbox row itself;
// gives back the account's bytes and queues the blobs for lazy removal.
Status drop_mailbox(Db& db, OpContext& ctx, AccountId account, MailboxId id) {
  {
    auto q = db.query(sql::kMailboxBlobs, id);
    if (!q) return q.take_error();
    while (true) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      ctx.gc_blobs.push_back(q->text(0));
    }
  }
  uint64_t size = 0;
  {
    auto q = db.query(sql::kMailboxSize, id);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (*row) size = q->u64(0);
  }
  if (auto st = db.run(sql::kSubUsedBytes, size, size, account); !st) return st;
  if (auto st = db.run(sql::kDeleteMailboxMessages, id); !st) return st;
  if (auto st = db.run(sql::kDeleteMailboxTombstones, id); !st) return st;
  return db.run(sql::kDeleteMailbox, id);
}

}  // namespace

Result<Account> op_add_account(Db& db, OpContext& ctx, std::string_view address,
                               const Credentials& creds) {
  auto addr = normalize_address(address);
  if (!addr) return addr.take_error();
  std::string domain = domain_of(*addr);
  {
    auto q = db.query(sql::kDomainExists, domain);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return make_error(Errc::not_found, "no such domain: " + domain);
  }
  auto id = next_id(db, kAccountSeq);
  if (!id) return id.take_error();
  auto st = db.run(sql::kAddAccount, *id, *addr, domain, creds.password_hash, creds.scram_salt,
                   creds.scram_iterations, creds.scram_stored_key, creds.scram_server_key);
  if (!st) {
    if (st.error().code == Errc::exists)
      return make_error(Errc::exists, "account exists: " + *addr);
    return st.take_error();
  }
  for (const auto& mb : kDefaultMailboxes) {
    auto m = op_create_mailbox(db, ctx, *id, mb.name, mb.special_use);
    if (!m) return m.take_error();
    if (auto s = db.run(sql::kSubscribe, *id, mb.name); !s) return s.take_error();
  }
  return load_account(db, *addr);
}

Status op_remove_account(Db& db, OpContext& ctx, std::string_view address) {
  auto addr = normalize_address(address);
  if (!addr) return addr.take_error();
  auto acct = load_account(db, *addr);
  if (!acct) return acct.take_error();
  std::vector<MailboxId> ids;
  {
    auto q = db.query(sql::kMailboxIds, acct->id);
    if (!q) return q.take_error();
    while (true) {
      auto row = q->step();
      if (!row) return row.take_error();
      if (!*row) break;
      ids.push_back(q->i64(0));
    }
  }
  for (MailboxId id : ids) {
    if (auto st = drop_mailbox(db, ctx, acct->id, id); !st) return st;
    ctx.changes.push_back(Change{acct->id, id, ChangeKind::mailbox_deleted, {}, 0, {}, {}});
  }
  if (auto st = db.run(sql::kRemoveAccountSubscriptions, acct->id); !st) return st;
  return db.run(sql::kRemoveAccount, acct->id);
}

Result<Mailbox> op_create_mailbox(Db& db, OpContext& ctx, AccountId account,
                                  std::string_view name_in, std::string_view special_use) {
  std::string name = normalize_mailbox_name(name_in);
  if (auto st = validate_mailbox_name(name); !st) return st.take_error();
  int64_t last = 0;
  {
    auto q = db.query(sql::kGetLastUidValidity, account);
    if (!q) return q.take_error();
    auto row = q->step();
    if (!row) return row.take_error();
    if (!*row) return make_error(Errc::not_found, "no such account");
    last = q->i64(0);
  }
  // RFC 9051 §2.3.1.1: a name reused after DELETE must get a new UIDVALIDITY.
  // Time-based, but strictly increasing per account.
  int64_t uidvalidity = std::max<int64_t>(ctx.now, last + 1);
  if (uidvalidity > std::numeric_limits<uint32_t>::max())
    return make_error(Errc::limit, "UIDVALIDITY space exhausted");
  auto id = next_id(db, kMailboxSeq);
  if (!id) return id.take_error();
  auto st = db.run(sql::kCreateMailbox, *id, account, name, uidvalidity, special_use);
  if (!st) {
    if (st.error().code == Errc::exists) return make_error(Errc::exists, "mailbox exists: " + name);
    return st.take_error();
  }
  if (auto s = db.run(sql::kSetLastUidValidity, uidvalidity, account); !s) return s.take_error();
  ctx.changes.push_back(Change{account, *id, ChangeKind::mailbox_created, {}, 1, name, {}});
  return load_mailbox(db, account, name);
}

Status op_delete_mailbox(Db& db, OpContext& ctx, AccountId account, std::string_view name_in) {
  std::string name = normalize_mailbox_name(name_in);
  // RFC 9051 §6.3.5: deleting INBOX is an error.
  if (name == kInbox) return make_error(Errc::invalid, "INBOX cannot be deleted");
  auto mb = load_mailbox(db, account, name);
  if (!mb) return mb.take_error();
  if (auto st = drop_mailbox(db, ctx, account, mb->id); !st) return st;
  ctx.changes.push_back(Change{account, mb->id, ChangeKind::mailbox_deleted, {}, 0, name, {}});
  return {};
}

Result<Mailbox> op_rename_mailbox(Db& db, OpContext& ctx, AccountId account,
                                  std::string_view from_in, std::string_view to_in) {
  std::string from = normalize_mailbox_name(from_in);
  std::string to = normalize_mailbox_name(to_in);
  if (auto st = validate_mailbox_name(to); !st) return st.take_error();
  auto src = load_mailbox(db, account, from);
  if (!src) return src.take_error();
  if (to == kInbox || load_mailbox(db, account, to))
    return make_error(Errc::exists, "mailbox exists: " + to);
  if (from == kInbox) {
    // RFC 9051 §6.3.6: renaming INBOX moves all its messages to a new mailbox
    // of the new name and leaves INBOX in place, empty.
    auto dst = op_create_mailbox(db, ctx, account, to, "");
    if (!dst) return dst.take_error();
    auto moved = op_copy(db, ctx, src->id, UidSet::all(), dst->id, /*move=*/true);
    if (!moved) return moved.take_error();
    return load_mailbox(db, account, to);
  }
  if (auto st = db.run(sql::kRenameMailbox, to, src->id); !st) return st.take_error();
  ctx.changes.push_back(
      Change{account, src->id, ChangeKind::mailbox_renamed, {}, src->highestmodseq, to, from});
  return load_mailbox(db, account, to);
}

}  // namespace postino::store::sqlite
