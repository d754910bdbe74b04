// The bodies of the store's write operations, each run by the SqliteBackend
// writer thread inside one SQL transaction (under a savepoint of its own).
// They read and write through the writer connection only, so each sees the
// effects of the ops before it in the same batch. Besides its result, an op
// records in OpContext the changes to publish after commit and the blobs that
// may have lost their last reference (removed lazily after commit).
// Also: row readers and the name/flag rules shared with the read side.
// Thread rules: writer thread only (the Db is the writer connection).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "store/sqlite/db.hpp"
#include "store/types.hpp"

namespace postino::store::sqlite {

inline constexpr size_t kMaxMailboxNameBytes = 1024;
inline constexpr size_t kMaxFlagBytes = 128;
inline constexpr size_t kMaxFlagsPerMessage = 64;

struct OpContext {
  int64_t now = 0;  // unix seconds, fixed for the op
  std::vector<Change> changes;
  std::vector<std::string> gc_blobs;
  uint64_t appended = 0;
};

// ---- shared rules ----
// INBOX is case-insensitive (RFC 9051 §5.1); every other name is taken as is.
std::string normalize_mailbox_name(std::string_view name);
Status validate_mailbox_name(std::string_view name);
// Canonical spelling of system flags, duplicates (case-insensitive) dropped,
// \Recent dropped (RFC 9051 removed it); unknown \flags and bad atoms -> invalid.
Result<std::vector<std::string>> normalize_flags(const std::vector<std::string>& flags);
std::string join_flags(const std::vector<std::string>& flags);
std::vector<std::string> split_flags(std::string_view stored);
// Lower-cased address with exactly one '@' and non-empty parts; the domain part.
Result<std::string> normalize_address(std::string_view address);
// Alias sources may be "@domain" (catch-all); targets a comma-separated list.
inline constexpr size_t kMaxAliasTargets = 100;
Result<std::string> normalize_alias_source(std::string_view address);
Result<std::string> normalize_alias_targets(std::string_view targets);
std::string domain_of(std::string_view address);

// ---- row readers (column order: see sql/queries.hpp) ----
Account account_from_row(const Query& q);
Mailbox mailbox_from_row(const Query& q);
FlagState flag_state_from_row(const Query& q);

// ---- operations ----
Result<Account> op_add_account(Db& db, OpContext& ctx, std::string_view address,
                               const Credentials& creds);
Status op_remove_account(Db& db, OpContext& ctx, std::string_view address);
Result<Mailbox> op_create_mailbox(Db& db, OpContext& ctx, AccountId account, std::string_view name,
                                  std::string_view special_use);
Status op_delete_mailbox(Db& db, OpContext& ctx, AccountId account, std::string_view name);
Result<Mailbox> op_rename_mailbox(Db& db, OpContext& ctx, AccountId account, std::string_view from,
                                  std::string_view to);
Result<std::vector<AppendResult>> op_append(Db& db, OpContext& ctx, const AppendRequest& req,
                                            const std::string& blob_id);
Result<StoreFlagsResult> op_store_flags(Db& db, OpContext& ctx, MailboxId mailbox,
                                        const UidSet& uids, const FlagUpdate& update);
// A STORE that would change nothing (every flag already so, or UNCHANGEDSINCE
// fails) answered from `db` alone, any connection: its result, or an error
// (bad flags, no mailbox); nullopt when some message would change.
std::optional<Result<StoreFlagsResult>> store_flags_unchanged(Db& db, MailboxId mailbox,
                                                              const UidSet& uids,
                                                              const FlagUpdate& update);
// True when the mailbox exists and no message in `uids` (all if none) is
// \Deleted, read from `db` alone: an EXPUNGE (or CLOSE) with nothing to do.
bool nothing_to_expunge(Db& db, MailboxId mailbox, const std::optional<UidSet>& uids);
Result<std::vector<Uid>> op_expunge(Db& db, OpContext& ctx, MailboxId mailbox,
                                    const std::optional<UidSet>& uids);
Result<CopyResult> op_copy(Db& db, OpContext& ctx, MailboxId src, const UidSet& uids, MailboxId dst,
                           bool move);

}  // namespace postino::store::sqlite
