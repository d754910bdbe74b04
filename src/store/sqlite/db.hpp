// Thin RAII wrapper over one SQLite connection with a prepared-statement cache
// (statements are prepared once per connection, SQLITE_PREPARE_PERSISTENT, and
// reset after each use). Maps SQLite result codes to Errc: constraint ->
// exists, busy/locked -> busy, anything else -> io.
// Ownership: Db owns the connection and its cached statements; a Query borrows
// a cached statement and resets it when destroyed, so only one Query per SQL
// text may be live at a time on one Db.
// Thread rules: a Db (and its Queries) is used by one thread at a time.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>

#include "base/result.hpp"

namespace postino::store::sqlite {

class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  Query(Query&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  ~Query();

  void bind(int i, std::string_view v);
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }
  template <class N, std::enable_if_t<std::is_integral_v<N>, int> = 0>
  void bind(int i, N v) {
    sqlite3_bind_int64(s_, i, static_cast<sqlite3_int64>(v));
  }

  // true: a row is ready; false: done.
  Result<bool> step();
  // Steps to completion, ignoring rows.
  Status run();

  int64_t i64(int col) const { return sqlite3_column_int64(s_, col); }
  uint64_t u64(int col) const { return static_cast<uint64_t>(sqlite3_column_int64(s_, col)); }
  std::string text(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_;
};

class Db {
 public:
  // Opens (creating if needed) the database with WAL and synchronous=FULL.
  static Result<std::unique_ptr<Db>> open(const std::string& path, bool read_only);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs SQL text without results (may hold several statements).
  Status exec(std::string_view sql);
  // A cached statement for `sql` with args bound to ?1, ?2, ...
  template <class... A>
  Result<Query> query(const char* sql, const A&... args) {
    auto s = prepare(sql);
    if (!s) return s.take_error();
    Query q(db_, *s);
    int i = 1;
    (q.bind(i++, args), ...);
    return q;
  }
  // Runs a statement to completion.
  template <class... A>
  Status run(const char* sql, const A&... args) {
    auto q = query(sql, args...);
    if (!q) return q.take_error();
    return q->run();
  }
  int64_t changes() const { return sqlite3_changes64(db_); }
  sqlite3* raw() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> prepare(const char* sql);

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

// Error for SQLite result code rc on connection db.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

}  // namespace postino::store::sqlite
