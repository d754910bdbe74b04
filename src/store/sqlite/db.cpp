#include "store/sqlite/db.hpp"

namespace postino::store::sqlite {

namespace {
constexpr int kBusyTimeoutMs = 10000;
}

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_CONSTRAINT:
      return make_error(Errc::exists, msg);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return make_error(Errc::busy, msg);
    default:
      return make_error(Errc::io, msg);
  }
}

Query::~Query() {
  if (s_) {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
}

void Query::bind(int i, std::string_view v) {
  sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

Result<bool> Query::step() {
  int rc = sqlite3_step(s_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(db_, rc, "step");
}

Status Query::run() {
  while (true) {
    auto r = step();
    if (!r) return r.take_error();
    if (!*r) return {};
  }
}

std::string Query::text(int col) const {
  const unsigned char* p = sqlite3_column_text(s_, col);
  int n = sqlite3_column_bytes(s_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p), size_t(n));
}

Result<std::unique_ptr<Db>> Db::open(const std::string& path, bool read_only) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_NOMUTEX |
              (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error e = sqlite_error(raw, rc, "open " + path);
    sqlite3_close_v2(raw);
    return e;
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // Durability (DESIGN.md): WAL with synchronous=FULL syncs the WAL on every
  // commit, so a committed transaction survives power loss.
  // Readers do not map the database (mmap_size stays 0): in WAL mode a reader
  // whose snapshot is stale unmaps the whole file at its next transaction, so
  // under steady writes every read paid an munmap, a TLB shoot-down on every
  // CPU and page faults; reading the few pages a query needs costs less.
  const char* pragmas = read_only ? "PRAGMA query_only=ON; PRAGMA foreign_keys=ON;"
                                  : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                    " PRAGMA foreign_keys=ON;";
  if (auto st = db->exec(pragmas); !st) return st.take_error();
  return db;
}

Db::~Db() {
  for (auto& [sql, s] : cache_) sqlite3_finalize(s);
  sqlite3_close_v2(db_);
}

Status Db::exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = sqlite_error(nullptr, rc, "exec");
    e.message = "exec: " + msg;
    return e;
  }
  return {};
}

Result<sqlite3_stmt*> Db::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second;
  sqlite3_stmt* s = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(db_, rc, std::string("prepare ") + sql);
  cache_.emplace(sql, s);
  return s;
}

}  // namespace postino::store::sqlite
