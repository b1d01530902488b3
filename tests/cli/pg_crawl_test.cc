// `healthcrawl crawl --db postgresql://...` end to end (issue #16 point 3): the mfk fixture site on a
// loopback server crawled into a clone of the test cluster's template holds the same rows as the same
// crawl into a SQLite file, and no lock or marks file is made for it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "crawl/fixture_site.h"
#include "support/backend_support.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/pg_cluster_required.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::Backend;
using hc::testing::BackendPeek;
using hc::testing::Cli;
using hc::testing::Quote;
using hc::testing::RunCommand;

std::string SiteArgs(const hc::testing::HttpServer& server) {
  return hc::testing::MfkCrawlArgs(server.port(), "--no-progress --allow-private-addresses --max-depth 1");
}

// What a crawl decides, without its times: the frontier, the pages and the records.
std::string Rows(BackendPeek& peek) {
  return peek.All("SELECT url_key, state, http_status, depth, attempts FROM frontier ORDER BY url_key") +
         "--\n" + peek.All("SELECT url, page_type, http_status FROM pages ORDER BY url") + "--\n" +
         peek.All("SELECT title FROM articles ORDER BY title") + "--\n" +
         peek.All("SELECT name, title FROM doctors ORDER BY name, title") + "--\n" +
         peek.All("SELECT count(*) FROM crawl_runs WHERE outcome = 'ok'");
}

TEST(PgCrawlCli, CrawlsIntoPostgresTheSameRowsAsIntoSqlite) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  const fs::path sqlite = dir / "crawl.db";

  std::string out;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(sqlite) + SiteArgs(server)), &out), 0) << out;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(database.conninfo()) + SiteArgs(server)), &out),
            0)
      << out;
  EXPECT_NE(out.find("crawl mfk: "), std::string::npos) << out;

  BackendPeek from_sqlite(Backend::kSqlite, sqlite.string());
  BackendPeek from_pg(Backend::kPostgres, database.conninfo());
  const std::string rows = Rows(from_sqlite);
  EXPECT_NE(rows.find("done"), std::string::npos) << rows;
  EXPECT_EQ(Rows(from_pg), rows);
  EXPECT_EQ(from_pg.Int("SELECT count(*) FROM frontier WHERE state IN ('queued', 'in_flight')"), 0);

  // A second run resumes: nothing but robots.txt is fetched again.
  const size_t requests = server.Requests().size();
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(database.conninfo()) + SiteArgs(server)), &out),
            0)
      << out;
  const auto log = server.Requests();
  for (size_t i = requests; i < log.size(); ++i) EXPECT_EQ(log[i].path, "/robots.txt");
}

}  // namespace
