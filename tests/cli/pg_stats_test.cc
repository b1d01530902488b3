// `healthcrawl stats` over a crawl that two processes shared on PostgreSQL (issue #16 point 4): each
// process records its own run, and stats lists both (host:pid, pages, failures by reason) and sums them
// per site; the sums are the dataset's own counts (pages, failures).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "crawl/fixture_site.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace {

using hc::testing::Cli;
using hc::testing::Quote;
using hc::testing::RunCommand;

class PgStatsCli : public hc::testing::PgDatabaseTest {};

TEST_F(PgStatsCli, StatsSumsTheRunsOfTwoCrawlerProcesses) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  const std::string crawl =
      Cli("crawl --site mfk --db " + Quote(conninfo()) +
          hc::testing::MfkCrawlArgs(server.port(), "--no-progress --allow-private-addresses --max-depth 1"));
  std::string out1;
  std::string out2;
  int status1 = -1;
  int status2 = -1;
  std::thread first([&] { status1 = RunCommand(crawl, &out1); });
  std::thread second([&] { status2 = RunCommand(crawl, &out2); });
  first.join();
  second.join();
  ASSERT_EQ(status1, 0) << out1;
  ASSERT_EQ(status2, 0) << out2;

  std::string out;
  ASSERT_EQ(RunCommand(Cli("stats --json --db " + Quote(conninfo())), &out), 0) << out;
  const auto stats = nlohmann::json::parse(out);
  ASSERT_EQ(stats["runs"].size(), 2u) << out;
  std::set<int64_t> pids;
  int64_t fetched = 0;
  int64_t failed = 0;
  for (const auto& run : stats["runs"]) {
    EXPECT_EQ(run["site"], "mfk");
    // The second may find the first has fetched everything already.
    EXPECT_TRUE(run["outcome"] == "ok" || run["outcome"] == "nothing due") << run;
    pids.insert(run["pid"].get<int64_t>());
    fetched += run["fetched"].get<int64_t>();
    failed += run["failed"].get<int64_t>();
  }
  EXPECT_EQ(pids.size(), 2u) << "two processes";
  const auto& total = stats["run_totals"]["mfk"];
  EXPECT_EQ(total["runs"], 2);
  EXPECT_EQ(total["processes"], 2);
  EXPECT_EQ(total["fetched"], fetched);
  EXPECT_EQ(total["failed"], failed);
  // Every URL was fetched by one of them: the sums are the dataset's pages and failures.
  int64_t pages = 0;
  for (const auto& t : stats["tables"]) {
    if (t["site"] == "mfk" && t["table"] == "pages") pages = t["rows"].get<int64_t>();
  }
  EXPECT_EQ(fetched, pages) << out;
  int64_t failures = 0;
  for (const auto& f : stats["failures"]) {
    if (f["site"] == "mfk") failures += f["pages"].get<int64_t>();
  }
  int64_t by_reason = 0;
  for (const auto& [reason, count] : total["failures"].items()) by_reason += count.get<int64_t>();
  EXPECT_EQ(by_reason, failures) << out;

  ASSERT_EQ(RunCommand(Cli("stats --db " + Quote(conninfo())), &out), 0) << out;
  EXPECT_NE(out.find("Crawl run totals per site (all 2 runs)"), std::string::npos) << out;
}

}  // namespace
