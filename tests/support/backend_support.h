// One store test suite run against both backends (issue #16): a value-parameterized fixture whose
// parameter is the backend, and a macro that instantiates a suite twice, as Sqlite/<Suite> and
// Pg/<Suite>. The Pg instantiation's names start with "Pg", so tests/CMakeLists.txt gives exactly those
// the PostgreSQL cluster fixture (pg_support.h), as for the other Pg* suites.
//
//   class ExportTest : public hc::testing::BackendTest {};
//   TEST_P(ExportTest, Something) { auto db = Open(); ... }
//   HC_INSTANTIATE_BACKEND_TEST(ExportTest);
//
// Header-only: only the store's tests link the store.
//
// Thread-safety: one fixture per test, as gtest runs them.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "core/status.h"
#include "store/database.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace hc::testing {

enum class Backend { kSqlite, kPostgres };

inline void PrintTo(Backend backend, std::ostream* os) {
  *os << (backend == Backend::kSqlite ? "SQLite" : "PostgreSQL");
}

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "sqlite" : "pg";
}

// Reads a database with a connection of its own, as a user's tool would: SQLite through sqlite3, a
// PostgreSQL database through libpq. Values come back as text, NULL as "NULL"; SQL must be valid on the
// backend it runs on (both accept plain SELECTs over the dataset's tables).
class BackendPeek {
 public:
  BackendPeek(Backend backend, const std::string& location) : backend_(backend) {
    if (backend == Backend::kSqlite) {
      sqlite3* db = nullptr;
      sqlite3_open_v2(location.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
      sqlite_.reset(db);
    } else {
      pg_.reset(PQconnectdb(location.c_str()));
    }
  }
  // Every row, columns separated by '|' and rows by newlines.
  std::string All(const std::string& sql) {
    std::string out;
    if (backend_ == Backend::kSqlite) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(sqlite_.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return "error";
      while (sqlite3_step(s) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(s); ++i) {
          if (i) out += '|';
          const void* p = sqlite3_column_blob(s, i);
          if (sqlite3_column_type(s, i) == SQLITE_NULL) {
            out += "NULL";
          } else {
            out.append(static_cast<const char*>(p ? p : ""), static_cast<size_t>(sqlite3_column_bytes(s, i)));
          }
        }
        out += '\n';
      }
      sqlite3_finalize(s);
      return out;
    }
    PGresult* r = PQexec(pg_.get(), ForPostgres(sql).c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      out = std::string("error: ") + PQresultErrorMessage(r);
      PQclear(r);
      return out;
    }
    for (int row = 0; row < PQntuples(r); ++row) {
      for (int i = 0; i < PQnfields(r); ++i) {
        if (i) out += '|';
        out += PQgetisnull(r, row, i) ? std::string("NULL") : std::string(PQgetvalue(r, row, i));
      }
      out += '\n';
    }
    PQclear(r);
    return out;
  }
  // The first value of the first row as stored ("" for NULL or no row).
  std::string Text(const std::string& sql) {
    std::string out;
    if (backend_ == Backend::kSqlite) {
      sqlite3_stmt* s = nullptr;
      if (sqlite3_prepare_v2(sqlite_.get(), sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
          sqlite3_step(s) == SQLITE_ROW) {
        const void* p = sqlite3_column_blob(s, 0);
        out.assign(static_cast<const char*>(p ? p : ""), static_cast<size_t>(sqlite3_column_bytes(s, 0)));
      }
      sqlite3_finalize(s);
      return out;
    }
    PGresult* r = PQexec(pg_.get(), ForPostgres(sql).c_str());
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
      out = std::string("error: ") + PQresultErrorMessage(r);
    } else if (PQntuples(r) > 0 && PQnfields(r) > 0) {
      out.assign(PQgetvalue(r, 0, 0), static_cast<size_t>(PQgetlength(r, 0, 0)));
    }
    PQclear(r);
    return out;
  }
  int64_t Int(const std::string& sql) {
    const std::string t = Text(sql);
    return t.empty() || t == "NULL" ? -1 : std::strtoll(t.c_str(), nullptr, 10);
  }

 private:
  // SQLite's group_concat(x) is PostgreSQL's string_agg(x::text, ','), and a query's ORDER BY, which
  // SQLite applies before aggregating, goes inside the aggregate: the one spelling the store tests
  // need that differs.
  static std::string ForPostgres(std::string sql) {
    const size_t agg = sql.find("group_concat(");
    if (agg == std::string::npos) return sql;
    std::string order;
    const size_t by = sql.rfind(" ORDER BY ");
    if (by != std::string::npos && by > agg) {
      order = sql.substr(by);
      sql.erase(by);
    }
    size_t depth = 1, j = agg + 13;
    for (; j < sql.size() && depth > 0; ++j) depth += sql[j] == '(' ? 1 : sql[j] == ')' ? -1 : 0;
    std::string value = sql.substr(agg + 13, j - 1 - (agg + 13)), separator = "','";
    depth = 0;
    for (size_t k = 0; k < value.size(); ++k) {  // group_concat(x, sep)
      depth += value[k] == '(' ? 1 : value[k] == ')' ? -1 : 0;
      if (depth == 0 && value[k] == ',') {
        separator = value.substr(k + 1);
        value.erase(k);
        break;
      }
    }
    return sql.substr(0, agg) + "string_agg((" + value + ")::text, " + separator + order + ")" +
           sql.substr(j);
  }
  struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  struct PgCloser {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  Backend backend_;
  std::unique_ptr<sqlite3, SqliteCloser> sqlite_;
  std::unique_ptr<PGconn, PgCloser> pg_;
};

// Waits (at most 10 s) until exactly `n` sessions other than peek's are on peek's PostgreSQL database.
// A session that a test closed or terminated can stay in pg_stat_activity a moment after it ends, so a
// test that then counts or terminates "the other sessions" waits for them first.
inline bool WaitForOtherSessions(BackendPeek& peek, int64_t n) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (peek.Int("SELECT count(*) FROM pg_stat_activity"
                  " WHERE datname = current_database() AND pid <> pg_backend_pid()") != n) {
    if (std::chrono::steady_clock::now() >= give_up) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// A fresh, empty database per test on the parameter's backend: a file in a temporary folder, or a
// clone of the cluster's hc_template (skipped, or failed in CI, without the server binaries).
class BackendTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (backend() == Backend::kSqlite) {
      location_ = (dir_ / "crawl.db").string();
      return;
    }
    Result<PgCluster> cluster = TestCluster();
    if (!cluster.ok()) {
      const char* ci = std::getenv("CI");
      if (cluster.status().code() == StatusCode::kNotFound && !(ci && std::string(ci) == "true")) {
        GTEST_SKIP() << "PostgreSQL tests skipped: " << cluster.status().message();
      }
      FAIL() << "PostgreSQL test cluster: " << cluster.status().ToString();
    }
    const Status s = pg_database_.Create(*cluster);
    ASSERT_TRUE(s.ok()) << s.ToString();
    location_ = pg_database_.conninfo();
  }

  Backend backend() const { return GetParam(); }
  bool is_pg() const { return backend() == Backend::kPostgres; }
  // What OpenDatabase takes: the SQLite file's path, or the clone's connection string.
  const std::string& location() const { return location_; }
  Result<std::unique_ptr<store::Database>> Open(const store::StoreOptions& options = {}) const {
    return store::OpenDatabase(location_, options);
  }
  BackendPeek Peek() const { return BackendPeek(backend(), location_); }
  BackendPeek Peek(const std::string& location) const { return BackendPeek(backend(), location); }
  // Another empty database on the same backend, for a test that needs more than one: a file named
  // `name` in the test's folder, or another clone of hc_template (dropped with the test).
  std::string AnotherDatabase(const std::string& name) {
    if (backend() == Backend::kSqlite) return (dir_ / name).string();
    Result<PgCluster> cluster = TestCluster();
    EXPECT_TRUE(cluster.ok());
    if (!cluster.ok()) return "";
    more_.push_back(std::make_unique<PgTestDatabase>());
    const Status s = more_.back()->Create(*cluster);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return more_.back()->conninfo();
  }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  PgTestDatabase pg_database_;
  std::vector<std::unique_ptr<PgTestDatabase>> more_;
  std::string location_;
};

}  // namespace hc::testing

// Runs every TEST_P of `suite` (a BackendTest) on SQLite as Sqlite/<suite> and on PostgreSQL as
// Pg/<suite>.
#define HC_INSTANTIATE_BACKEND_TEST(suite)                                                    \
  INSTANTIATE_TEST_SUITE_P(Sqlite, suite, ::testing::Values(::hc::testing::Backend::kSqlite), \
                           ::hc::testing::BackendName);                                       \
  INSTANTIATE_TEST_SUITE_P(Pg, suite, ::testing::Values(::hc::testing::Backend::kPostgres),   \
                           ::hc::testing::BackendName)
