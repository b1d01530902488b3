// Politeness for the whole cluster (issue #16 point 3; store/host_pace.h): three `healthcrawl crawl`
// processes on one PostgreSQL database crawl one loopback host with --delay d. The server's request log
// shows what they did together: every request starts at least d after the one before it, whichever
// process sent them (less a small tolerance for a process that wakes late), robots.txt was requested once,
// and every page once.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "crawl/generated_site.h"
#include "support/backend_support.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/pg_cluster_required.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace {

using hc::testing::Cli;
using hc::testing::Quote;
using hc::testing::RunCommand;
using std::chrono::milliseconds;

constexpr int kArticles = 14;
constexpr double kDelaySeconds = 0.3;
// A process may wake a little after its slot (a loaded machine), and the next one on time.
constexpr milliseconds kTolerance{60};

TEST(PgClusterPace, ThreeCrawlersHoldOneDelayPerHostAndFetchRobotsTxtOnce) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::vector<std::string> hrefs;
  for (int id = 1; id <= kArticles; ++id) {
    hrefs.push_back(hc::testing::GeneratedArticlePath(id));
    server.Route(hc::testing::GeneratedArticlePath(id), hc::testing::GeneratedArticle(id));
  }
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml(hrefs)));
  const std::string port = std::to_string(server.port());
  const std::string crawl =
      Cli("crawl --site mfk --db " + Quote(database.conninfo()) + " --connect-to www.mfk.com:80:127.0.0.1:" +
          port + " --start-url http://www.mfk.com/list/guke.html --delay " + std::to_string(kDelaySeconds) +
          " --no-progress --no-sitemaps --allow-private-addresses --max-depth 1");
  std::vector<std::future<std::pair<int, std::string>>> crawlers;
  for (int i = 0; i < 3; ++i) {
    crawlers.push_back(std::async(std::launch::async, [&crawl] {
      std::string output;
      const int status = RunCommand(crawl, &output, true);
      return std::make_pair(status, output);
    }));
  }
  for (auto& crawler : crawlers) {
    auto [status, output] = crawler.get();
    EXPECT_EQ(status, 0) << output;
  }

  const auto log = server.Requests();
  std::map<std::string, int> by_path;
  for (const auto& request : log) ++by_path[request.path];
  EXPECT_EQ(by_path["/robots.txt"], 1) << "robots.txt is fetched once for the cluster";
  EXPECT_EQ(by_path["/list/guke.html"], 1);
  for (int id = 1; id <= kArticles; ++id) EXPECT_EQ(by_path[hc::testing::GeneratedArticlePath(id)], 1) << id;
  EXPECT_EQ(log.size(), static_cast<std::size_t>(kArticles + 2));

  const auto delay = std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(kDelaySeconds));
  milliseconds smallest = milliseconds::max();
  for (std::size_t i = 1; i < log.size(); ++i) {
    const auto gap = std::chrono::duration_cast<milliseconds>(log[i].arrived - log[i - 1].arrived);
    smallest = std::min(smallest, gap);
    EXPECT_GE(gap, delay - kTolerance) << log[i - 1].path << " then " << log[i].path;
  }
  std::printf("3 crawlers, --delay %.1f: %zu requests, smallest gap between two starts %lld ms\n",
              kDelaySeconds, log.size(), static_cast<long long>(smallest.count()));

  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, database.conninfo());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'done'"), kArticles + 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM robots_cache WHERE status = 200"), 1);
  // A crawler that read robots.txt from the database reached the site too; one that found every URL
  // leased by the others ends with nothing due.
  EXPECT_EQ(peek.Int("SELECT count(*) FROM crawl_runs"), 3);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM crawl_runs WHERE outcome NOT IN ('ok', 'nothing due')"), 0)
      << peek.All("SELECT outcome FROM crawl_runs");
}

}  // namespace
