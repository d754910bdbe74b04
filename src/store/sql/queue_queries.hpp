// The outbound queue's SQL (tables of schema version 2, see schema.cpp),
// written once in the dialect SQLite and PostgreSQL share, like queries.hpp.
// Column order of each SELECT is part of its contract with the row readers in
// store/sqlite/queue_store.cpp.
// Thread rules: immutable data.
#pragma once

namespace postino::store::sql {

#define POSTINO_QMSG_COLUMNS                                                             \
  "id, mail_from, envid, ret, body_type, smtputf8, blob_id, size, auth_user, client_ip," \
  " received_at, created_at"
#define POSTINO_QRCPT_COLUMNS                                                          \
  "idx, address, domain, notify, orcpt, status, attempts, next_attempt, last_attempt," \
  " last_reply, remote_mta, delay_notified"

inline constexpr const char* kQueueInsertMessage =
    "INSERT INTO queue_messages (" POSTINO_QMSG_COLUMNS
    ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr const char* kQueueInsertRecipient =
    "INSERT INTO queue_recipients (message_id, " POSTINO_QRCPT_COLUMNS
    ", lease_owner, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', 0)";
inline constexpr const char* kQueueGetMessage =
    "SELECT " POSTINO_QMSG_COLUMNS " FROM queue_messages WHERE id = ?";
inline constexpr const char* kQueueListMessages =
    "SELECT " POSTINO_QMSG_COLUMNS " FROM queue_messages ORDER BY created_at, id";
inline constexpr const char* kQueueRecipientsOf =
    "SELECT " POSTINO_QRCPT_COLUMNS " FROM queue_recipients WHERE message_id = ? ORDER BY idx";
inline constexpr const char* kQueueRecipient =
    "SELECT " POSTINO_QRCPT_COLUMNS " FROM queue_recipients WHERE message_id = ? AND idx = ?";
// Due, unleased recipients, oldest first (index queue_recipients_due).
inline constexpr const char* kQueueDue =
    "SELECT message_id, idx FROM queue_recipients"
    " WHERE status IN ('queued', 'deferred') AND next_attempt <= ? AND lease_until <= ?"
    " ORDER BY next_attempt LIMIT ?";
inline constexpr const char* kQueueLease =
    "UPDATE queue_recipients SET lease_owner = ?, lease_until = ? WHERE message_id = ? AND idx = ?";
inline constexpr const char* kQueueHasLeases =
    "SELECT 1 FROM queue_recipients WHERE lease_owner = ? LIMIT 1";
inline constexpr const char* kQueueReleaseLeases =
    "UPDATE queue_recipients SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?";
inline constexpr const char* kQueueRecord =
    "UPDATE queue_recipients SET status = ?, attempts = ?, next_attempt = ?, last_attempt = ?,"
    " last_reply = ?, remote_mta = ?, delay_notified = ?, lease_owner = '', lease_until = 0"
    " WHERE message_id = ? AND idx = ?";
inline constexpr const char* kQueuePendingOf =
    "SELECT COUNT(*) FROM queue_recipients WHERE message_id = ?"
    " AND status IN ('queued', 'deferred')";
inline constexpr const char* kQueueBlobOf = "SELECT blob_id FROM queue_messages WHERE id = ?";
inline constexpr const char* kQueueDeleteRecipients =
    "DELETE FROM queue_recipients WHERE message_id = ?";
inline constexpr const char* kQueueDeleteMessage = "DELETE FROM queue_messages WHERE id = ?";
inline constexpr const char* kQueueNextDue =
    "SELECT MIN(CASE WHEN lease_until > ? AND lease_until > next_attempt THEN lease_until"
    " ELSE next_attempt END) FROM queue_recipients WHERE status IN ('queued', 'deferred')";
inline constexpr const char* kQueueRetry =
    "UPDATE queue_recipients SET next_attempt = ? WHERE message_id = ?"
    " AND status IN ('queued', 'deferred') AND next_attempt > ?";
inline constexpr const char* kQueueFlush =
    "UPDATE queue_recipients SET next_attempt = ? WHERE status = 'deferred' AND next_attempt > ?";
inline constexpr const char* kQueueCountMessages = "SELECT COUNT(*) FROM queue_messages";
inline constexpr const char* kQueueCountByStatus =
    "SELECT status, COUNT(*) FROM queue_recipients GROUP BY status";

#undef POSTINO_QMSG_COLUMNS
#undef POSTINO_QRCPT_COLUMNS

}  // namespace postino::store::sql
