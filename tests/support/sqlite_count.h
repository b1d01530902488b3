// One number read from a SQLite dataset the CLI under test wrote, on a read-only connection of its own,
// as a user's tool would. Header-only: the support library does not link SQLite; the binaries that
// include this do.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace hc::testing {

// The first column of the first row of `sql` as an integer (NULL is 0); -1 when the file cannot be
// opened, the statement does not prepare or it returns no row. A crawl still writing the file is waited
// for up to a second.
inline int64_t SqliteCount(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(h, 1000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
      n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return n;
}

}  // namespace hc::testing
