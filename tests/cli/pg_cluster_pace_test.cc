// Politeness for the whole cluster (issue #16 point 3; store/host_pace.h): three `healthcrawl crawl`
// processes on one PostgreSQL database crawl one loopback host with --delay d. The server's request log
// shows what they did together: every request starts at least d after the one before it, whichever
// process sent them (less a small tolerance for a process that wakes late), robots.txt was requested once,
// and every page once. With --concurrency 1 and a slow server, the server never has two requests of the
// host in progress at once; and the config's sitemap is fetched by one of the processes.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>

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

// `healthcrawl crawl --site mfk` on `database`, the site's host sent to `server`, with `flags`.
std::string CrawlCommand(const hc::testing::PgTestDatabase& database, const hc::testing::HttpServer& server,
                         const std::string& flags) {
  return Cli("crawl --site mfk --db " + Quote(database.conninfo()) + " --connect-to www.mfk.com:80:127.0.0.1:" +
             std::to_string(server.port()) + " --no-progress --no-sitemaps --allow-private-addresses " + flags);
}

// Runs `command` in `n` processes at once; each must exit 0.
void RunAtOnce(const std::string& command, int n) {
  std::vector<std::future<std::pair<int, std::string>>> crawlers;
  for (int i = 0; i < n; ++i) {
    crawlers.push_back(std::async(std::launch::async, [&command] {
      std::string output;
      const int status = RunCommand(command, &output, true);
      return std::make_pair(status, output);
    }));
  }
  for (auto& crawler : crawlers) {
    auto [status, output] = crawler.get();
    EXPECT_EQ(status, 0) << output;
  }
}

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
  const std::string crawl =
      CrawlCommand(database, server,
                   "--start-url http://www.mfk.com/list/guke.html --delay " + std::to_string(kDelaySeconds) +
                       " --max-depth 1");
  RunAtOnce(crawl, 3);

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

// Three crawlers, each with --concurrency 1 and no delay, against a server slower than they are: one
// request of the host in progress at a time for the whole cluster (HostPace's request slots).
TEST(PgClusterPace, ThreeCrawlersWithConcurrencyOneNeverHaveTwoRequestsInProgressAtOnce) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::vector<std::string> hrefs;
  for (int id = 1; id <= kArticles; ++id) {
    hrefs.push_back(hc::testing::GeneratedArticlePath(id));
    hc::testing::HttpResponse article = hc::testing::GeneratedArticle(id);
    article.delay = milliseconds(120);  // each request lasts long enough for the others to try one
    server.Route(hc::testing::GeneratedArticlePath(id), std::move(article));
  }
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml(hrefs)));
  const std::string crawl =
      CrawlCommand(database, server,
                   "--start-url http://www.mfk.com/list/guke.html --delay 0 --concurrency 1 --max-depth 1");
  RunAtOnce(crawl, 3);

  EXPECT_EQ(server.PeakRequestsInProgress(), 1) << "concurrency 1 holds for the cluster";
  const auto log = server.Requests();
  std::map<std::string, int> by_path;
  for (const auto& request : log) ++by_path[request.path];
  for (int id = 1; id <= kArticles; ++id) EXPECT_EQ(by_path[hc::testing::GeneratedArticlePath(id)], 1) << id;
  EXPECT_EQ(by_path["/robots.txt"], 1);
  std::printf("3 crawlers, --concurrency 1: %zu requests, at most %d in progress at once\n", log.size(),
              server.PeakRequestsInProgress());
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, database.conninfo());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'done'"), kArticles + 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM host_slots"), 0) << "every process freed its slots at its end";
  EXPECT_EQ(peek.Int("SELECT count(*) FROM crawl_runs WHERE outcome NOT IN ('ok', 'nothing due')"), 0)
      << peek.All("SELECT outcome FROM crawl_runs");
}

// A request slot is held in the name of the crawl that holds it: its lease owner (host:pid, as the
// frontier's leases) and the run's number in the process. The slots of two processes must never share an
// owner, or the first to end would free the other's slots with its own (ReleaseAllSlots) and a third could
// then send a request the host's concurrency does not allow.
TEST(PgClusterPace, ARequestSlotIsOwnedByTheCrawlThatHoldsIt) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  hc::testing::HttpResponse listing =
      hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml({}));
  listing.delay = milliseconds(3000);  // the slot stays held while the test looks at it
  server.Route("/list/guke.html", std::move(listing));
  const std::string crawl =
      CrawlCommand(database, server,
                   "--start-url http://www.mfk.com/list/guke.html --delay 0 --concurrency 1 --max-depth 0");
  auto crawler = std::async(std::launch::async, [&crawl] {
    std::string output;
    const int status = RunCommand(crawl, &output, true);
    return std::make_pair(status, output);
  });
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, database.conninfo());
  std::string owner;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (owner.empty() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(milliseconds(50));
    // The schema is the crawler's to create: until then there is no table to look at.
    if (peek.Int("SELECT count(*) FROM pg_tables WHERE tablename = 'host_slots'") == 0) continue;
    owner = peek.All("SELECT owner FROM host_slots WHERE slot >= 0");
  }
  auto [status, output] = crawler.get();
  EXPECT_EQ(status, 0) << output;
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  ASSERT_FALSE(owner.empty()) << "no request slot was seen while the listing was in progress";
  // host:pid/1 (BackendPeek::All ends each row with a newline).
  EXPECT_TRUE(owner.starts_with(std::string(host) + ":")) << owner;
  EXPECT_NE(owner.find("/1"), std::string::npos) << owner;
  EXPECT_GT(owner.find('/'), std::string(host).size() + 1) << "a pid before the run's number: " << owner;
  EXPECT_EQ(peek.Int("SELECT count(*) FROM host_slots"), 0) << "the crawl freed its slot at its end";
}

// A crawl of this machine killed (SIGKILL) while it held a host's only request slot: a crawl started
// after it frees that slot at once (its process is gone), instead of waiting out the slot's lease.
TEST(PgClusterPace, ACrawlRestartedAfterAKillDoesNotWaitForTheDeadCrawlsSlot) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml({})));
  server.Route("/list/neike.html", hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml({})));
  const std::string crawl =
      CrawlCommand(database, server, "--delay 0 --concurrency 1 --max-depth 0 --start-url http://www.mfk.com/list/");
  std::string output;
  ASSERT_EQ(RunCommand(crawl + "guke.html", &output, true), 0) << output;  // creates the tables

  // What a SIGKILLed crawl of this host leaves: the origin's only slot, leased for ten minutes.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  const std::string dead = std::string(host) + ":" + std::to_string(child) + "/1";
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, database.conninfo());
  ASSERT_EQ(peek.All("INSERT INTO host_slots (origin, slot, owner, lease_until) VALUES ('http://www.mfk.com', 0, '" +
                     dead + "', extract(epoch FROM clock_timestamp()) + 600) RETURNING slot"),
            "0\n");

  const auto started = std::chrono::steady_clock::now();
  ASSERT_EQ(RunCommand(crawl + "neike.html", &output, true), 0) << output;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(60));
  EXPECT_NE(output.find("1 request slots of a crawl that is gone were freed"), std::string::npos) << output;
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'done'"), 2);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM host_slots"), 0);
}

// The config's sitemap (here http://www.mfk.com/sitemap.xml) with three crawlers starting at once: one of
// them reads it, and its URLs reach them all through the frontier.
TEST(PgClusterPace, ASitemapIsFetchedOnceWhenThreeCrawlersStart) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::TempDir dir;
  const std::filesystem::path selectors = dir / "selectors";
  std::filesystem::copy(hc::testing::SelectorsDir(), selectors, std::filesystem::copy_options::recursive);
  {
    std::ifstream in(selectors / "mfk.yaml");
    std::string config((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string https = "sitemaps: ['https://www.mfk.com/sitemap.xml']";
    const auto at = config.find(https);
    ASSERT_NE(at, std::string::npos);
    config.replace(at, https.size(), "sitemaps: ['http://www.mfk.com/sitemap.xml']");
    std::ofstream(selectors / "mfk.yaml", std::ios::trunc) << config;
  }
  hc::testing::HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::string sitemap = "<?xml version=\"1.0\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n";
  for (int id = 1; id <= kArticles; ++id) {
    server.Route(hc::testing::GeneratedArticlePath(id), hc::testing::GeneratedArticle(id));
    sitemap += "<url><loc>http://www.mfk.com" + hc::testing::GeneratedArticlePath(id) + "</loc></url>\n";
  }
  sitemap += "</urlset>\n";
  server.Route("/sitemap.xml", hc::testing::HttpResponse::Text(sitemap, "application/xml"));
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml({})));
  const std::string crawl =
      Cli("crawl --site mfk --db " + Quote(database.conninfo()) + " --connect-to www.mfk.com:80:127.0.0.1:" +
              std::to_string(server.port()) +
              " --start-url http://www.mfk.com/list/guke.html --delay 0 --no-progress --allow-private-addresses"
              " --max-depth 1",
          selectors.string());
  RunAtOnce(crawl, 3);

  EXPECT_EQ(server.RequestsFor("/sitemap.xml").size(), 1u) << "one crawler reads it for the cluster";
  for (int id = 1; id <= kArticles; ++id) {
    EXPECT_EQ(server.RequestsFor(hc::testing::GeneratedArticlePath(id)).size(), 1u) << id;
  }
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, database.conninfo());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'done'"), kArticles + 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM sitemap_reads"), 1);
}

}  // namespace
