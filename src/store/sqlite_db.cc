#include <string>

#include "store/sqlite_internal.h"

namespace hc::store::internal {

Status WithMessage(const Status& s, std::string message) {
  switch (s.code()) {
    case StatusCode::kOk: return s;
    case StatusCode::kInvalidArgument: return Status::InvalidArgument(std::move(message));
    case StatusCode::kConfigError: return Status::ConfigError(std::move(message));
    case StatusCode::kNotFound: return Status::NotFound(std::move(message));
    case StatusCode::kIoError: return Status::IoError(std::move(message));
    case StatusCode::kCorruption: return Status::Corruption(std::move(message));
    case StatusCode::kBusy: return Status::Busy(std::move(message));
    case StatusCode::kNetworkError: return Status::NetworkError(std::move(message));
    case StatusCode::kTooLarge: return Status::TooLarge(std::move(message));
    case StatusCode::kUnsupported: return Status::Unsupported(std::move(message));
    case StatusCode::kInternal: return Status::Internal(std::move(message));
  }
  return Status::Internal(std::move(message));
}

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
    // One sentence naming the file; the statement that met the damage (often many lines of SQL) tells
    // the user nothing.
    const char* file = db ? sqlite3_db_filename(db, "main") : nullptr;
    const std::string name = file && *file ? file : "the database";
    return Status::Corruption(
        (rc & 0xff) == SQLITE_NOTADB
            ? name + " is not a SQLite database (SQLite: " + sqlite3_errstr(rc) +
                  "); it is damaged or another kind of file"
            : name + " is damaged (SQLite: " + sqlite3_errstr(rc) + "); restore it from a backup");
  }
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Busy(msg + " (the database is locked by another process)");
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return Status::InvalidArgument(msg);
    case SQLITE_FULL:
      // Not a page's fault (it is no "too large" failure): the store cannot take anything more, and
      // the crawl stops on it (docs/RELIABILITY.md, the fault table).
      return Status::IoError("storage: disk full (" + msg + ")");
    case SQLITE_TOOBIG:
      return Status::TooLarge(msg);
    case SQLITE_NOMEM:
    case SQLITE_MISUSE:
    case SQLITE_INTERNAL:
      return Status::Internal(msg);
    default:  // READONLY, CANTOPEN, IOERR, PERM, AUTH, ...
      return Status::IoError(msg);
  }
}

Query& Query::Check(int rc) {
  if (rc != SQLITE_OK && status_.ok()) status_ = SqliteError(db_, rc, "bind");
  return *this;
}

bool Query::Step() {
  if (!status_.ok()) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = SqliteError(db_, rc, sqlite3_sql(stmt_));
  return false;
}

Status Query::Run() {
  while (Step()) {
  }
  return status_;
}

std::string Query::Text(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);  // blob access keeps embedded NULs
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

std::optional<std::string> Query::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

std::optional<int64_t> Query::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, bool read_only, bool create, bool immutable) {
  int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  if (read_only) {
    flags |= SQLITE_OPEN_READONLY;
  } else {
    flags |= SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  }
  std::string name = path;
  if (read_only && immutable) {
    // A URI filename (https://sqlite.org/uri.html): '?', '#' and '%' in the path are percent-encoded.
    name = "file:";
    for (char c : path) {
      if (c == '?' || c == '#' || c == '%') {
        static const char kHex[] = "0123456789ABCDEF";
        name += '%';
        name += kHex[(static_cast<unsigned char>(c) >> 4) & 0xf];
        name += kHex[static_cast<unsigned char>(c) & 0xf];
      } else {
        name += c;
      }
    }
    name += "?immutable=1";
    flags |= SQLITE_OPEN_URI;
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  DbHandle db(raw);
  if (rc != SQLITE_OK) return SqliteError(raw, rc, "cannot open database " + path);
  return std::unique_ptr<Db>(new Db(std::move(db)));
}

Result<Query> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    StmtHandle owned(stmt);
    if (rc != SQLITE_OK) return SqliteError(db_.get(), rc, "prepare \"" + std::string(sql) + "\"");
    it = cache_.emplace(std::string(sql), std::move(owned)).first;
  }
  return Query(db_.get(), it->second.get());
}

Status Db::Exec(std::string_view sql) {
  std::string text(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &err);
  std::unique_ptr<char, decltype(&sqlite3_free)> owned_err(err, &sqlite3_free);
  if (rc != SQLITE_OK) {
    std::string head = text.substr(0, 60);
    return SqliteError(db_.get(), rc, "\"" + head + (text.size() > 60 ? "...\"" : "\""));
  }
  return Status::Ok();
}

Result<int64_t> Db::QueryInt(std::string_view sql) {
  auto q = Prepare(sql);
  if (!q.ok()) return q.status();
  if (!q->Step()) {
    if (!q->status().ok()) return q->status();
    return Status::NotFound("no row from \"" + std::string(sql) + "\"");
  }
  return q->Int(0);
}

}  // namespace hc::store::internal
