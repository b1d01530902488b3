// Shared by the crawl tests that read a crawl database behind the crawler's back (the kill -9 tests,
// poison pages, a full disk, the limits and nesting fault rows): a plain read-only connection, usable
// while a crawler may be writing it, and re-executing this test binary as the
// crawler child that gets killed (exec gives the child a clean process, which fork alone would not in a
// program that has threads).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>

namespace hc::testing {

// The rows of `queries` (each selecting one text column), with a count each: what two databases must
// share, compared as multisets.
inline std::map<std::string, int> RowMultiset(const std::string& db_path, std::initializer_list<const char*> queries) {
  std::map<std::string, int> rows;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  for (const char* sql : queries) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      ++rows[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))];
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return rows;
}

// The first column of the first row of `sql` as text, or "(no row)".
inline std::string QueryOne(const std::string& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
  std::string out = "(no row)";
  if (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out = text ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

// The integer `sql` selects, or -1 when it selects no row.
inline int64_t QueryInt(const std::string& db_path, const std::string& sql) {
  const std::string text = QueryOne(db_path, "SELECT CAST((" + sql + ") AS TEXT)");
  return text == "(no row)" ? -1 : std::stoll(text);
}

// URLs done or failed in the frontier so far (-1 when the database cannot be read yet).
inline int64_t CountFinished(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM frontier WHERE state IN ('done', 'failed')", -1, &stmt,
                           nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

// Starts this test binary again with `--gtest_filter=<filter>` and `env` set: the child's pid.
inline pid_t StartTestChild(const std::string& filter,
                            std::initializer_list<std::pair<const char*, std::string>> env) {
  pid_t pid = fork();
  if (pid == 0) {
    for (const auto& [name, value] : env) setenv(name, value.c_str(), 1);
    const std::string arg = "--gtest_filter=" + filter;
    execl("/proc/self/exe", "crawl_test", arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

}  // namespace hc::testing
