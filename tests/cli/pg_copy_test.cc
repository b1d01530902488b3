// `healthcrawl db copy` and `db compare` (issue #16 point 9): a crawled fixture site's SQLite dataset
// copied into PostgreSQL and back gives equal fingerprints (every table's rows and checksum, the flat and
// nested exports) and byte-equal exports; a non-empty target is refused unless --replace; a copy into
// PostgreSQL can be crawled on (its ids continue after the copied ones); compare finds a changed row.
// Also `ingest` and `reextract` with --db postgresql://...: the same rows as on SQLite.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "crawl/fixture_site.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/pg_support.h"
#include "support/sqlite_exec.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::Cli;
using hc::testing::Quote;
using hc::testing::RunCommand;

std::string SiteArgs(const hc::testing::HttpServer& server) {
  return hc::testing::MfkCrawlArgs(server.port(), "--no-progress --allow-private-addresses --max-depth 1");
}

// Every file of an `export --all` folder and its bytes, by name.
std::map<std::string, std::string> ExportedFiles(const std::string& db, const fs::path& out) {
  std::string log;
  EXPECT_EQ(RunCommand(Cli("export --all --format jsonl --out " + Quote(out) + " --db " + Quote(db)), &log),
            0)
      << log;
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::directory_iterator(out)) {
    files[entry.path().filename().string()] = hc::testing::ReadFile(entry.path());
  }
  return files;
}

class PgDbCopyCli : public hc::testing::PgDatabaseTest {
 protected:
  hc::testing::TempDir dir_;
};

TEST_F(PgDbCopyCli, SqliteToPostgresAndBackGivesEqualFingerprintsAndExports) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  const fs::path a = dir_ / "a.db";
  const fs::path b = dir_ / "b.db";
  std::string out;
  // A crawl and a recrawl (two runs, revisits, the raw archive, drift rows), and a scheduled job.
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(a) + SiteArgs(server)), &out), 0) << out;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --recrawl all --db " + Quote(a) + SiteArgs(server)), &out), 0)
      << out;
  ASSERT_EQ(RunCommand(Cli("schedule add nightly --site mfk --cron '0 3 * * *' --db " + Quote(a)), &out), 0)
      << out;
  // Rows of the tables this small crawl leaves empty: a zstd dictionary (any bytes, a fraction), a
  // question's view count and a site-declared child list.
  hc::testing::ExecuteSqlite(
      a,
      "INSERT INTO zstd_dictionaries (site_id, created_at, dict, dict_sha1, sample_pages, sample_bytes,"
      " trained_ratio, plain_ratio) VALUES (1, '2026-12-03T00:00:00Z', X'00FF37A430EC0001', 'sha', 3, 8,"
      " 0.1234567890123, 1.0 / 3);"
      "INSERT INTO question_views (question_id, observed_at, views) SELECT min(id),"
      " '2026-12-03T00:00:00Z', 42 FROM questions;"
      "INSERT INTO record_children (page_id, parent_table, parent_id, list, position, fields, updated_at)"
      " SELECT min(id), 'articles', NULL, 'steps', 0, '{\"text\":\"\u6b65\"}', '2026-12-03T00:00:00Z'"
      " FROM pages");
  const std::string pg = conninfo();

  ASSERT_EQ(RunCommand(Cli("db copy --from " + Quote(a) + " --to " + Quote(pg)), &out), 0) << out;
  EXPECT_NE(out.find("copied "), std::string::npos) << out;
  EXPECT_NE(out.find("raw_responses"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(Cli("db copy --from " + Quote(pg) + " --to " + Quote(b)), &out), 0) << out;

  ASSERT_EQ(RunCommand(Cli("db compare " + Quote(a) + " " + Quote(pg)), &out), 0) << out;
  EXPECT_NE(out.find("\nequal\n"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(Cli("db compare --json " + Quote(a) + " " + Quote(b)), &out), 0) << out;
  const auto summary = nlohmann::json::parse(out);
  EXPECT_EQ(summary["equal"], true);
  // Every table was fingerprinted, and the crawl filled the ones that matter.
  for (const char* table :
       {"pages", "frontier", "raw_responses", "crawl_runs", "jobs", "run_field_fill", "articles", "doctors",
        "answers", "failures", "zstd_dictionaries", "question_views", "record_children"}) {
    EXPECT_GT(summary["first"]["tables"][table]["rows"].get<int64_t>(), 0) << table;
  }
  EXPECT_TRUE(summary["first"]["exports"].contains("export/nested.jsonl"));

  // The exports themselves, byte for byte, from the three databases.
  const auto from_a = ExportedFiles(a.string(), dir_ / "export-a");
  EXPECT_EQ(ExportedFiles(pg, dir_ / "export-pg"), from_a);
  EXPECT_EQ(ExportedFiles(b.string(), dir_ / "export-b"), from_a);

  // A non-empty target is refused, and replaced when asked.
  ASSERT_EQ(RunCommand(Cli("db copy --from " + Quote(a) + " --to " + Quote(pg)), &out, true), 2) << out;
  EXPECT_NE(out.find("holds a dataset already"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(Cli("db copy --replace --from " + Quote(a) + " --to " + Quote(pg)), &out), 0) << out;
  ASSERT_EQ(RunCommand(Cli("db compare " + Quote(a) + " " + Quote(pg)), &out), 0) << out;

  // compare finds one changed value, and names its table.
  hc::testing::ExecuteSqlite(
      b, "UPDATE doctors SET name = name || 'x' WHERE id = (SELECT min(id) FROM doctors)");
  ASSERT_EQ(RunCommand(Cli("db compare " + Quote(a) + " " + Quote(b)), &out), 1) << out;
  EXPECT_NE(out.find("differs: doctors: checksum differs"), std::string::npos) << out;
  EXPECT_NE(out.find("\ndifferent\n"), std::string::npos) << out;

  // The PostgreSQL copy is a dataset to crawl on: new rows get ids after the copied ones.
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --recrawl all --db " + Quote(pg) + SiteArgs(server)), &out), 0)
      << out;
  ASSERT_EQ(RunCommand(Cli("db compare " + Quote(a) + " " + Quote(pg)), &out), 1) << out;
  EXPECT_NE(out.find("crawl_runs: 2 vs 3 rows"), std::string::npos) << out;
}

// The two datasets' tables hold as many rows each (their times differ: each command stamps its run and
// rows with the moment it ran).
void ExpectSameRowCounts(const std::string& first, const std::string& second) {
  std::string out;
  const int status = RunCommand(Cli("db compare --json " + Quote(first) + " " + Quote(second)), &out);
  ASSERT_TRUE(status == 0 || status == 1) << out;
  const auto summary = nlohmann::json::parse(out);
  for (const auto& [table, print] : summary["first"]["tables"].items()) {
    EXPECT_EQ(print["rows"], summary["second"]["tables"][table]["rows"]) << table;
  }
  EXPECT_GT(summary["second"]["tables"]["articles"]["rows"].get<int64_t>(), 0);
  EXPECT_GT(summary["second"]["tables"]["raw_responses"]["rows"].get<int64_t>(), 0);
}

TEST_F(PgDbCopyCli, IngestAndReextractOnPostgresStoreWhatTheyStoreOnSqlite) {
  const fs::path sqlite = dir_ / "ingest.db";
  const fs::path fixtures = fs::path(HC_SOURCE_DIR) / "fixtures/sites/mfk";
  std::string files;
  for (const auto& entry : fs::directory_iterator(fixtures)) {
    if (entry.path().extension() == ".html") files += " " + Quote(entry.path());
  }
  const std::string pg = conninfo();
  std::string out;
  ASSERT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(sqlite) + files), &out), 0) << out;
  ASSERT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(pg) + files), &out), 0) << out;
  EXPECT_NE(out.find("ingested 5 files"), std::string::npos) << out;
  ExpectSameRowCounts(sqlite.string(), pg);
  ASSERT_EQ(RunCommand(Cli("reextract --site mfk --db " + Quote(sqlite)), &out), 0) << out;
  ASSERT_EQ(RunCommand(Cli("reextract --site mfk --db " + Quote(pg)), &out), 0) << out;
  EXPECT_NE(out.find("re-extracted 5 archived responses"), std::string::npos) << out;
  ExpectSameRowCounts(sqlite.string(), pg);
}

}  // namespace
