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

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> all{kV1};
  return all;
}

int latest_schema_version() { return migrations().back().version; }

}  // namespace postino::store::sql
