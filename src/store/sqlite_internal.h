// Internal to src/store: RAII owners of sqlite3* and sqlite3_stmt*, a cache of prepared statements
// (each SQL string is prepared once per connection and reused), typed binding, and the mapping of
// SQLite result codes to Status.
//
// Thread-safety: a Db is used by one thread at a time, like the SqliteStore that owns it.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/status.h"

// Propagates a non-OK Status (Result<T> converts from it).
#define HC_RETURN_IF_ERROR(expr)  \
  do {                            \
    ::hc::Status hc_s_ = (expr);  \
    if (!hc_s_.ok()) return hc_s_; \
  } while (0)

namespace hc::store::internal {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// A value for a BLOB parameter (a TEXT parameter is a std::string_view).
struct Blob {
  std::string_view bytes;
};

// JSON text; invalid UTF-8 in strings is replaced by U+FFFD instead of throwing.
inline std::string DumpJson(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

// The same code as `s` with another message.
Status WithMessage(const Status& s, std::string message);

// Status for an SQLite result code, with `what` (the operation) and the connection's message.
Status SqliteError(sqlite3* db, int rc, std::string_view what);

// A prepared statement in use: bound, stepped, then reset on destruction so the cached statement can
// be reused. Obtained from Db::Prepare.
class Query {
 public:
  Query(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  Query(Query&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), status_(std::move(other.status_)) {
    other.stmt_ = nullptr;
  }
  ~Query() {
    if (stmt_) {
      sqlite3_reset(stmt_);
      sqlite3_clear_bindings(stmt_);
    }
  }

  // Parameters are 1-based, as in SQLite.
  Query& Bind(int i, std::nullptr_t) { return Check(sqlite3_bind_null(stmt_, i)); }
  Query& Bind(int i, int64_t v) { return Check(sqlite3_bind_int64(stmt_, i, v)); }
  Query& Bind(int i, int v) { return Check(sqlite3_bind_int64(stmt_, i, v)); }
  Query& Bind(int i, double v) { return Check(sqlite3_bind_double(stmt_, i, v)); }
  Query& Bind(int i, std::string_view v) {
    // SQLITE_TRANSIENT copies, so the view may die before the step; the explicit length keeps NULs.
    return Check(sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  Query& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  Query& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Query& Bind(int i, Blob v) {
    return Check(sqlite3_bind_blob64(stmt_, i, v.bytes.data(), v.bytes.size(), SQLITE_TRANSIENT));
  }
  template <typename T>
  Query& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : Bind(i, nullptr);
  }
  // Text that is stored as NULL when empty.
  Query& BindOrNull(int i, std::string_view v) { return v.empty() ? Bind(i, nullptr) : Bind(i, v); }

  // Steps once: true with a row, false when done. Errors go to status().
  bool Step();
  // Steps to completion (for statements without rows).
  Status Run();
  const Status& status() const { return status_; }

  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  int Type(int col) const { return sqlite3_column_type(stmt_, col); }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Real(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  std::optional<std::string> OptText(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  int columns() const { return sqlite3_column_count(stmt_); }

 private:
  Query& Check(int rc);
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  Status status_;
};

// One connection and its statement cache.
class Db {
 public:
  // Opens with SQLITE_OPEN_READWRITE (| CREATE when `create`) or READONLY. `immutable` (read-only
  // only) opens the file as SQLite's immutable=1 URI parameter says: no locks, no -wal/-shm files.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, bool read_only, bool create,
                                          bool immutable = false);

  sqlite3* raw() const { return db_.get(); }
  // The cached prepared statement for `sql` (prepared on first use). Errors land in the Query's
  // status() and make every Step fail.
  Result<Query> Prepare(std::string_view sql);
  // Runs one or more statements without parameters (DDL, PRAGMA, BEGIN/COMMIT).
  Status Exec(std::string_view sql);
  // The single integer a query returns (PRAGMA user_version, count(*)).
  Result<int64_t> QueryInt(std::string_view sql);
  // The rowid of the last row an INSERT on this connection added. Inserts use it instead of
  // RETURNING id: SQLite buffers RETURNING rows in an ephemeral table, opened and closed per step.
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  explicit Db(DbHandle db) : db_(std::move(db)) {}
  // Statements are finalized before the connection closes: members are destroyed in reverse order.
  DbHandle db_;
  // Looked up by the caller's string_view (no copy of the SQL per statement run).
  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>()(sql); }
  };
  std::unordered_map<std::string, StmtHandle, SqlHash, std::equal_to<>> cache_;
};

// Runs `sql` with `args` bound to ?1, ?2, ... and steps it to completion.
template <typename... Args>
Status Execute(Db& db, std::string_view sql, const Args&... args) {
  auto q = db.Prepare(sql);
  if (!q.ok()) return q.status();
  int i = 0;
  (q->Bind(++i, args), ...);
  if (!q->status().ok()) return q->status();
  return q->Run();
}

}  // namespace hc::store::internal
