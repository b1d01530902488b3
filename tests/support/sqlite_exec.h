// SQL run on a SQLite file through a writable connection of its own, as a user's sqlite3 shell would
// (to change what a store under test reads next). Header-only: the support library does not link
// SQLite; the binaries that include this do.
#pragma once

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace hc::testing {

// Fails the test (with SQLite's message) when the file does not open or the SQL does not run.
inline void ExecuteSqlite(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(handle);
}

}  // namespace hc::testing
