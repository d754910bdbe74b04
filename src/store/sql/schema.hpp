// The store schema as an ordered list of migrations, versioned from the first
// release. Each migration is a list of SQL statements written in the subset
// SQLite and PostgreSQL share (TEXT, BIGINT, SMALLINT, composite primary keys,
// ON CONFLICT, RETURNING; ids come from the id_sequences table, never from
// AUTOINCREMENT / SERIAL), so the same text runs on both backends.
// A backend applies every migration with version > schema_version.version, each
// in one transaction, and records the new version.
// Thread rules: immutable data.
#pragma once

#include <vector>

namespace postino::store::sql {

struct Migration {
  int version;
  std::vector<const char*> statements;
};

// Ascending by version.
const std::vector<Migration>& migrations();
int latest_schema_version();

}  // namespace postino::store::sql
