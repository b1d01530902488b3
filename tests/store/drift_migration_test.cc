// Migration 12 on a database of version 11 holding drift rows (both backends): the new `position`
// column of run_page_types, run_field_fill and run_fill_alarms is filled for the existing rows, per
// run, in the order they were written (SQLite's rowid, PostgreSQL's ctid), so that the drift history
// reads back in written order after the upgrade, and rows written after it go on from there.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/database.h"
#include "store/pg_schema_internal.h"
#include "store/schema_internal.h"
#include "store/sqlite_internal.h"
#include "support/backend_support.h"

namespace hc::store {
namespace {

using internal::Db;

// Two runs' rows, interleaved between the runs and not in key order, as two processes' drift checks
// could have written them.
constexpr const char* kVersion11Rows = R"sql(
  INSERT INTO crawl_runs (id, command, sites, started_at, finished_at, outcome)
    VALUES (1, 'crawl', 'mfk', '2026-02-01T00:00:00Z', '2026-02-01T01:00:00Z', 'ok'),
           (2, 'crawl', 'mfk', '2026-02-02T00:00:00Z', '2026-02-02T01:00:00Z', 'degraded');
  INSERT INTO run_page_types (run_id, site, page_type, pages, records) VALUES
    (2, 'mfk', 'question', 5, 5), (1, 'mfk', 'question', 4, 4), (2, 'mfk', 'article', 9, 9),
    (1, 'mfk', 'article', 8, 8);
  INSERT INTO run_field_fill (run_id, site, page_type, field, filled, total) VALUES
    (1, 'mfk', 'article', 'title', 8, 8), (2, 'mfk', 'article', 'title', 9, 9),
    (1, 'mfk', 'article', 'author', 6, 8), (2, 'mfk', 'article', 'author', 1, 9),
    (1, 'mfk', 'article', 'abstract', 7, 8);
  INSERT INTO run_fill_alarms (run_id, site, page_type, field, filled, total, rate, baseline, basis) VALUES
    (2, 'mfk', 'article', 'author', 1, 9, 0.11, 0.75, 'median'),
    (2, 'mfk', 'article', 'abstract', 2, 9, 0.22, 0.875, 'median');
)sql";

class DriftMigrationTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (!is_pg()) {
      auto db = Db::Open(location(), false, true);
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      ASSERT_TRUE(internal::Migrate(**db, 11).ok());
      ASSERT_TRUE((*db)->Exec(kVersion11Rows).ok());
      return;
    }
    auto conn = pg::PgConnection::Open(location());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    Status migrated = pg::MigratePg(*conn, "2026-02-01T00:00:00Z", 11);
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    auto ran = conn->ExecScript(kVersion11Rows);
    ASSERT_TRUE(ran.ok()) << ran.status().ToString();
    auto set = conn->ExecScript("SELECT setval(pg_get_serial_sequence('crawl_runs', 'id'), 2)");
    ASSERT_TRUE(set.ok()) << set.status().ToString();
  }
};

TEST_P(DriftMigrationTest, ExistingDriftRowsAreNumberedInWrittenOrderPerRun) {
  {
    auto before = Peek();
    ASSERT_EQ(before.Int(is_pg() ? "SELECT max(version) FROM healthcrawl_schema_versions" : "PRAGMA user_version"),
              11);
  }
  auto store = Open();  // migrates to the current version
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto peek = Peek();
  EXPECT_EQ(peek.All("SELECT run_id, page_type, position FROM run_page_types ORDER BY run_id, position"),
            "1|question|0\n1|article|1\n2|question|0\n2|article|1\n");
  EXPECT_EQ(peek.All("SELECT run_id, field, position FROM run_field_fill ORDER BY run_id, position"),
            "1|title|0\n1|author|1\n1|abstract|2\n2|title|0\n2|author|1\n");
  EXPECT_EQ(peek.All("SELECT run_id, field, position FROM run_fill_alarms ORDER BY run_id, position"),
            "2|author|0\n2|abstract|1\n");

  // Read back through the store in that order.
  auto runs = (*store)->ListRunFill("mfk", /*good_only=*/false, 0);
  ASSERT_TRUE(runs.ok()) << runs.status().ToString();
  ASSERT_EQ(runs->size(), 2u);
  const RunFill& first = (*runs)[1];  // newest first
  ASSERT_EQ(first.run_id, 1);
  ASSERT_EQ(first.page_types.size(), 2u);
  EXPECT_EQ(first.page_types[0].page_type, "question");
  ASSERT_EQ(first.fields.size(), 3u);
  EXPECT_EQ(first.fields[0].field, "title");
  EXPECT_EQ(first.fields[1].field, "author");
  EXPECT_EQ(first.fields[2].field, "abstract");
  auto degraded = (*store)->ListDegradedRuns("mfk", 0);
  ASSERT_TRUE(degraded.ok()) << degraded.status().ToString();
  ASSERT_EQ(degraded->size(), 1u);
  ASSERT_EQ((*degraded)[0].alarms.size(), 2u);
  EXPECT_EQ((*degraded)[0].alarms[0].field, "author");
  EXPECT_EQ((*degraded)[0].alarms[1].field, "abstract");
}

HC_INSTANTIATE_BACKEND_TEST(DriftMigrationTest);

}  // namespace
}  // namespace hc::store
