// Every SQL statement the store runs, written once in the dialect SQLite and
// PostgreSQL share. Placeholders are positional `?`; a backend whose driver
// wants another form ($1, $2 ... for libpq) rewrites them once when it
// prepares the statement. Column order of each SELECT is part of its contract
// with the row readers in the backend.
// Thread rules: immutable data.
#pragma once

namespace postino::store::sql {

// ---- schema bookkeeping ----
inline constexpr const char* kCreateSchemaVersion =
    "CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)";
inline constexpr const char* kGetSchemaVersion = "SELECT MAX(version) FROM schema_version";
inline constexpr const char* kSetSchemaVersion = "INSERT INTO schema_version (version) VALUES (?)";

// ---- ids ----
inline constexpr const char* kNextId =
    "UPDATE id_sequences SET next_id = next_id + 1 WHERE name = ? RETURNING next_id - 1";

// ---- domains ----
inline constexpr const char* kAddDomain = "INSERT INTO domains (name) VALUES (?)";
inline constexpr const char* kDomainExists = "SELECT 1 FROM domains WHERE name = ?";
inline constexpr const char* kDomainInUse =
    "SELECT (SELECT COUNT(*) FROM accounts WHERE domain = ?) +"
    " (SELECT COUNT(*) FROM aliases WHERE domain = ?)";
inline constexpr const char* kRemoveDomain = "DELETE FROM domains WHERE name = ?";
inline constexpr const char* kListDomains = "SELECT name FROM domains ORDER BY name";

// ---- accounts ----
#define POSTINO_ACCOUNT_COLUMNS                                                 \
  "id, address, password_hash, scram_salt, scram_iterations, scram_stored_key," \
  " scram_server_key, quota_bytes, used_bytes"
inline constexpr const char* kAddAccount =
    "INSERT INTO accounts (id, address, domain, password_hash, scram_salt, scram_iterations,"
    " scram_stored_key, scram_server_key, quota_bytes, used_bytes, last_uidvalidity)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0)";
inline constexpr const char* kGetAccount =
    "SELECT " POSTINO_ACCOUNT_COLUMNS " FROM accounts WHERE address = ?";
inline constexpr const char* kGetAccountById =
    "SELECT " POSTINO_ACCOUNT_COLUMNS " FROM accounts WHERE id = ?";
inline constexpr const char* kListAccounts =
    "SELECT " POSTINO_ACCOUNT_COLUMNS " FROM accounts ORDER BY address";
#undef POSTINO_ACCOUNT_COLUMNS
inline constexpr const char* kSetCredentials =
    "UPDATE accounts SET password_hash = ?, scram_salt = ?, scram_iterations = ?,"
    " scram_stored_key = ?, scram_server_key = ? WHERE address = ?";
inline constexpr const char* kSetQuota = "UPDATE accounts SET quota_bytes = ? WHERE address = ?";
inline constexpr const char* kAddUsedBytes =
    "UPDATE accounts SET used_bytes = used_bytes + ? WHERE id = ?";
inline constexpr const char* kSubUsedBytes =
    "UPDATE accounts SET used_bytes = CASE WHEN used_bytes > ? THEN used_bytes - ? ELSE 0 END"
    " WHERE id = ?";
inline constexpr const char* kGetQuota =
    "SELECT used_bytes, quota_bytes FROM accounts WHERE id = ?";
inline constexpr const char* kGetLastUidValidity =
    "SELECT last_uidvalidity FROM accounts WHERE id = ?";
inline constexpr const char* kSetLastUidValidity =
    "UPDATE accounts SET last_uidvalidity = ? WHERE id = ?";
inline constexpr const char* kRemoveAccountSubscriptions =
    "DELETE FROM subscriptions WHERE account_id = ?";
inline constexpr const char* kRemoveAccount = "DELETE FROM accounts WHERE id = ?";

// ---- aliases ----
inline constexpr const char* kAddAlias =
    "INSERT INTO aliases (address, domain, target) VALUES (?, ?, ?)";
inline constexpr const char* kRemoveAlias = "DELETE FROM aliases WHERE address = ?";
inline constexpr const char* kListAliases = "SELECT address, target FROM aliases ORDER BY address";
inline constexpr const char* kResolveAlias = "SELECT target FROM aliases WHERE address = ?";

// ---- mailboxes ----
// Columns: id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use,
// subscribed, message_count, unseen_count, size_bytes.
#define POSTINO_MAILBOX_SELECT                                                    \
  "SELECT m.id, m.account_id, m.name, m.uidvalidity, m.uidnext, m.highestmodseq," \
  " m.special_use,"                                                               \
  " (SELECT COUNT(*) FROM subscriptions s WHERE s.account_id = m.account_id"      \
  "  AND s.name = m.name),"                                                       \
  " COUNT(x.uid), COALESCE(SUM(1 - x.seen), 0), COALESCE(SUM(x.size), 0)"         \
  " FROM mailboxes m LEFT JOIN messages x ON x.mailbox_id = m.id "
inline constexpr const char* kListMailboxes =
    POSTINO_MAILBOX_SELECT "WHERE m.account_id = ? GROUP BY m.id ORDER BY m.name";
inline constexpr const char* kGetMailbox =
    POSTINO_MAILBOX_SELECT "WHERE m.account_id = ? AND m.name = ? GROUP BY m.id";
inline constexpr const char* kGetMailboxById =
    POSTINO_MAILBOX_SELECT "WHERE m.id = ? GROUP BY m.id";
#undef POSTINO_MAILBOX_SELECT
// The same columns without the counts (zeros), reading no message rows.
#define POSTINO_MAILBOX_BARE                                                      \
  "SELECT m.id, m.account_id, m.name, m.uidvalidity, m.uidnext, m.highestmodseq," \
  " m.special_use, 0, 0, 0, 0 FROM mailboxes m "
inline constexpr const char* kGetMailboxBare =
    POSTINO_MAILBOX_BARE "WHERE m.account_id = ? AND m.name = ?";
inline constexpr const char* kGetMailboxByIdBare = POSTINO_MAILBOX_BARE "WHERE m.id = ?";
#undef POSTINO_MAILBOX_BARE
inline constexpr const char* kMailboxIds = "SELECT id FROM mailboxes WHERE account_id = ?";
// id, account_id, uidvalidity, uidnext, highestmodseq: the writer's view.
inline constexpr const char* kMailboxState =
    "SELECT id, account_id, uidvalidity, uidnext, highestmodseq FROM mailboxes WHERE id = ?";
inline constexpr const char* kMailboxStateByName =
    "SELECT id, account_id, uidvalidity, uidnext, highestmodseq FROM mailboxes"
    " WHERE account_id = ? AND name = ?";
inline constexpr const char* kMailboxName = "SELECT name FROM mailboxes WHERE id = ?";
inline constexpr const char* kCreateMailbox =
    "INSERT INTO mailboxes (id, account_id, name, uidvalidity, uidnext, highestmodseq, special_use)"
    " VALUES (?, ?, ?, ?, 1, 1, ?)";
inline constexpr const char* kSetMailboxCounters =
    "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?";
inline constexpr const char* kRenameMailbox = "UPDATE mailboxes SET name = ? WHERE id = ?";
inline constexpr const char* kDeleteMailbox = "DELETE FROM mailboxes WHERE id = ?";
inline constexpr const char* kDeleteMailboxMessages = "DELETE FROM messages WHERE mailbox_id = ?";
inline constexpr const char* kDeleteMailboxTombstones =
    "DELETE FROM tombstones WHERE mailbox_id = ?";
inline constexpr const char* kMailboxBlobs =
    "SELECT DISTINCT blob_id FROM messages WHERE mailbox_id = ?";
inline constexpr const char* kMailboxSize =
    "SELECT COALESCE(SUM(size), 0) FROM messages WHERE mailbox_id = ?";

// ---- subscriptions ----
inline constexpr const char* kSubscribe =
    "INSERT INTO subscriptions (account_id, name) VALUES (?, ?) ON CONFLICT DO NOTHING";
inline constexpr const char* kUnsubscribe =
    "DELETE FROM subscriptions WHERE account_id = ? AND name = ?";
inline constexpr const char* kListSubscriptions =
    "SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name";

// ---- messages ----
inline constexpr const char* kInsertMessage =
    "INSERT INTO messages (mailbox_id, uid, modseq, flags, seen, deleted, internal_date, size,"
    " blob_id, envelope, bodystructure, body, header_summary)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
// Copy one message row into another mailbox with a new uid and modseq.
inline constexpr const char* kCopyMessage =
    "INSERT INTO messages (mailbox_id, uid, modseq, flags, seen, deleted, internal_date, size,"
    " blob_id, envelope, bodystructure, body, header_summary)"
    " SELECT ?, ?, ?, flags, seen, deleted, internal_date, size, blob_id, envelope,"
    " bodystructure, body, header_summary FROM messages WHERE mailbox_id = ? AND uid = ?";
// What never changes in a message row (MetaCache): all of it, or without the
// texts (their overflow pages are then not read) for a caller that wants none.
inline constexpr const char* kFetchStatic =
    "SELECT uid, internal_date, size, blob_id, envelope, bodystructure, body, header_summary"
    " FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid";
inline constexpr const char* kFetchStaticBare =
    "SELECT uid, internal_date, size, blob_id, '', '', '', ''"
    " FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid";
inline constexpr const char* kFetchFlags =
    "SELECT uid, modseq, flags FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ?"
    " ORDER BY uid";
inline constexpr const char* kListMessages =
    "SELECT uid, size, blob_id FROM messages WHERE mailbox_id = ? ORDER BY uid";
// uid, size, blob_id for the messages a MOVE/COPY/EXPUNGE acts on.
inline constexpr const char* kSelectForCopy =
    "SELECT uid, size, blob_id FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ?"
    " ORDER BY uid";
inline constexpr const char* kSelectDeleted =
    "SELECT uid, size, blob_id FROM messages WHERE mailbox_id = ? AND deleted = 1"
    " AND uid BETWEEN ? AND ? ORDER BY uid";
inline constexpr const char* kSetFlags =
    "UPDATE messages SET flags = ?, seen = ?, deleted = ?, modseq = ?"
    " WHERE mailbox_id = ? AND uid = ?";
inline constexpr const char* kDeleteMessage =
    "DELETE FROM messages WHERE mailbox_id = ? AND uid = ?";
inline constexpr const char* kInsertTombstone =
    "INSERT INTO tombstones (mailbox_id, uid, modseq) VALUES (?, ?, ?)";
inline constexpr const char* kChangedSince =
    "SELECT uid, modseq, flags FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid";
inline constexpr const char* kVanishedSince =
    "SELECT uid FROM tombstones WHERE mailbox_id = ? AND modseq > ? ORDER BY uid";
// A blob is referenced by a mailbox message or an outbound queue entry.
inline constexpr const char* kBlobReferenced =
    "SELECT 1 FROM (SELECT ? AS id) b WHERE EXISTS (SELECT 1 FROM messages WHERE blob_id = b.id)"
    " OR EXISTS (SELECT 1 FROM queue_messages WHERE blob_id = b.id)";

}  // namespace postino::store::sql
