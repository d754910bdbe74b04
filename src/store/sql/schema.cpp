#include "store/sql/schema.hpp"

namespace postino::store::sql {

namespace {

// Version 1: directory, mailboxes, messages, tombstones (RFC 7162 QRESYNC).
// Message flags are stored as one space-separated string; seen/deleted are
// kept beside it for counts and EXPUNGE. Blobs are referenced by SHA-256 id;
// a blob file is removed once no message row references it.
const Migration kV1{
    1,
    {
        "CREATE TABLE domains (name TEXT PRIMARY KEY)",
        "CREATE TABLE id_sequences (name TEXT PRIMARY KEY, next_id BIGINT NOT NULL)",
        "INSERT INTO id_sequences (name, next_id) VALUES ('account', 1), ('mailbox', 1)",
        "CREATE TABLE accounts ("
        " id BIGINT PRIMARY KEY,"
        " address TEXT NOT NULL UNIQUE,"
        " domain TEXT NOT NULL REFERENCES domains(name),"
        " password_hash TEXT NOT NULL,"
        " scram_salt TEXT NOT NULL,"
        " scram_iterations BIGINT NOT NULL,"
        " scram_stored_key TEXT NOT NULL,"
        " scram_server_key TEXT NOT NULL,"
        " quota_bytes BIGINT NOT NULL,"
        " used_bytes BIGINT NOT NULL,"
        " last_uidvalidity BIGINT NOT NULL)",
        "CREATE INDEX accounts_by_domain ON accounts (domain)",
        "CREATE TABLE aliases ("
        " address TEXT PRIMARY KEY,"
        " domain TEXT NOT NULL REFERENCES domains(name),"
        " target TEXT NOT NULL)",
        "CREATE INDEX aliases_by_domain ON aliases (domain)",
        "CREATE TABLE mailboxes ("
        " id BIGINT PRIMARY KEY,"
        " account_id BIGINT NOT NULL REFERENCES accounts(id),"
        " name TEXT NOT NULL,"
        " uidvalidity BIGINT NOT NULL,"
        " uidnext BIGINT NOT NULL,"
        " highestmodseq BIGINT NOT NULL,"
        " special_use TEXT NOT NULL,"
        " UNIQUE (account_id, name))",
        "CREATE TABLE subscriptions ("
        " account_id BIGINT NOT NULL REFERENCES accounts(id),"
        " name TEXT NOT NULL,"
        " PRIMARY KEY (account_id, name))",
        "CREATE TABLE messages ("
        " mailbox_id BIGINT NOT NULL REFERENCES mailboxes(id),"
        " uid BIGINT NOT NULL,"
        " modseq BIGINT NOT NULL,"
        " flags TEXT NOT NULL,"
        " seen SMALLINT NOT NULL,"
        " deleted SMALLINT NOT NULL,"
        " internal_date BIGINT NOT NULL,"
        " size BIGINT NOT NULL,"
        " blob_id TEXT NOT NULL,"
        " envelope TEXT NOT NULL,"
        " bodystructure TEXT NOT NULL,"
        " body TEXT NOT NULL,"
        " header_summary TEXT NOT NULL,"
        " PRIMARY KEY (mailbox_id, uid))",
        "CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq)",
        "CREATE INDEX messages_by_blob ON messages (blob_id)",
        "CREATE TABLE tombstones ("
        " mailbox_id BIGINT NOT NULL,"
        " uid BIGINT NOT NULL,"
        " modseq BIGINT NOT NULL,"
        " PRIMARY KEY (mailbox_id, uid))",
        "CREATE INDEX tombstones_by_modseq ON tombstones (mailbox_id, modseq)",
    }};

// Version 2: the outbound queue (src/queue, store/queue_store.hpp). A queued
// message keeps its bytes in the BlobStore like a mailbox message (written and
// synced by the same group commit, shared with local copies of the same
// message); kBlobReferenced counts queue rows too, so a blob lives while a
// mailbox message or a queue entry refers to it. One row per recipient holds
// its delivery state (RFC 5321 §4.5.4.1 retries) and its lease (owner and
// expiry: a node works on a recipient only while it holds the lease).
const Migration kV2{
    2,
    {
        "CREATE TABLE queue_messages ("
        " id TEXT PRIMARY KEY,"
        " mail_from TEXT NOT NULL,"
        " envid TEXT NOT NULL,"
        " ret TEXT NOT NULL,"
        " body_type TEXT NOT NULL,"
        " smtputf8 SMALLINT NOT NULL,"
        " blob_id TEXT NOT NULL,"
        " size BIGINT NOT NULL,"
        " auth_user TEXT NOT NULL,"
        " client_ip TEXT NOT NULL,"
        " received_at BIGINT NOT NULL,"
        " created_at BIGINT NOT NULL)",
        "CREATE INDEX queue_messages_by_blob ON queue_messages (blob_id)",
        "CREATE TABLE queue_recipients ("
        " message_id TEXT NOT NULL REFERENCES queue_messages(id),"
        " idx BIGINT NOT NULL,"
        " address TEXT NOT NULL,"
        " domain TEXT NOT NULL,"
        " notify TEXT NOT NULL,"
        " orcpt TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " attempts BIGINT NOT NULL,"
        " next_attempt BIGINT NOT NULL,"
        " last_attempt BIGINT NOT NULL,"
        " last_reply TEXT NOT NULL,"
        " remote_mta TEXT NOT NULL,"
        " delay_notified SMALLINT NOT NULL,"
        " lease_owner TEXT NOT NULL,"
        " lease_until BIGINT NOT NULL,"
        " PRIMARY KEY (message_id, idx))",
        "CREATE INDEX queue_recipients_due ON queue_recipients (status, next_attempt)",
    }};

// Version 3: DMARC aggregate-report data (RFC 9990; store/dmarc_records.hpp),
// one row per message and Author Domain evaluated under a DMARC Policy Record.
const Migration kV3{3,
                    {
                        "CREATE TABLE dmarc_records ("
                        " id BIGINT PRIMARY KEY,"
                        " evaluated_at BIGINT NOT NULL,"
                        " source_ip TEXT NOT NULL,"
                        " disposition TEXT NOT NULL,"
                        " dkim_aligned TEXT NOT NULL,"
                        " spf_aligned TEXT NOT NULL,"
                        " override_reason TEXT NOT NULL,"
                        " override_comment TEXT NOT NULL,"
                        " header_from TEXT NOT NULL,"
                        " envelope_from TEXT NOT NULL,"
                        " envelope_to TEXT NOT NULL,"
                        " policy_domain TEXT NOT NULL,"
                        " p TEXT NOT NULL,"
                        " sp TEXT NOT NULL,"
                        " np TEXT NOT NULL,"
                        " adkim TEXT NOT NULL,"
                        " aspf TEXT NOT NULL,"
                        " testing SMALLINT NOT NULL,"
                        " fo TEXT NOT NULL,"
                        " rua TEXT NOT NULL,"
                        " dkim_results TEXT NOT NULL,"
                        " spf_domain TEXT NOT NULL,"
                        " spf_scope TEXT NOT NULL,"
                        " spf_result TEXT NOT NULL)",
                        "CREATE INDEX dmarc_records_by_time ON dmarc_records (evaluated_at)",
                        "INSERT INTO id_sequences (name, next_id) VALUES ('dmarc_record', 1)",
                    }};

// Version 4: covering indexes for what IMAP reads most, so those reads scan
// small index entries instead of the wide message rows: the per-mailbox counts
// (message, unseen, size) of STATUS and LIST, and every message's flags and
// MODSEQ (SELECT, flag searches, FETCH FLAGS); and a partial index of the
// messages marked \Deleted, so EXPUNGE finds them without a scan.
const Migration kV4{4,
                    {
                        "CREATE INDEX messages_counts ON messages (mailbox_id, seen, size, uid)",
                        "CREATE INDEX messages_flags ON messages (mailbox_id, uid, modseq, flags)",
                        "CREATE INDEX messages_deleted ON messages (mailbox_id, uid)"
                        " WHERE deleted = 1",
                    }};

// Version 5: fewer index pages written per change. A flag change rewrote the
// entries of four indexes (by MODSEQ, flags, counts, and the row): one
// covering index now serves what the three served: SELECT's flags, FETCH
// FLAGS and flag searches, the counts of STATUS and LIST (message, unseen,
// size), and CONDSTORE/QRESYNC's changes since a MODSEQ, which scans the
// mailbox's entries in this index as SELECT already does. A flag change now
// writes the row, this index's one entry and the mailbox row.
const Migration kV5{5,
                    {
                        "DROP INDEX messages_counts",
                        "DROP INDEX messages_by_modseq",
                        "DROP INDEX messages_flags",
                        "CREATE INDEX messages_state ON messages"
                        " (mailbox_id, uid, modseq, seen, size, flags)",
                        // Made again after messages_state: of two indexes on
                        // (mailbox_id, uid), SQLite's planner takes the later,
                        // and EXPUNGE's look-up must take this one.
                        "DROP INDEX messages_deleted",
                        "CREATE INDEX messages_deleted ON messages (mailbox_id, uid)"
                        " WHERE deleted = 1",
                    }};

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all{kV1, kV2, kV3, kV4, kV5};
  return all;
}

int latest_schema_version() { return migrations().back().version; }

}  // namespace postino::store::sql
