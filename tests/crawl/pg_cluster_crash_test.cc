// Three crawler processes share one crawl on PostgreSQL, and one of them is SIGKILLed at random moments
// and started again (issue #16 point 6; docs/RELIABILITY.md "kill -9"): the final dataset equals that of
// one uninterrupted crawl, every page and every row once. The crawlers are this test binary started again
// (PgCrashChild.Crawl), each a process of its own with its own connection and lease owner, as
// `healthcrawl crawl` on three machines would be.
//
// HC_PG_CRASH_PAGES (default 600), HC_PG_CRASH_KILLS (default 12) and HC_PG_CRASH_SEED (printed) repeat a
// run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "crawl/crash_support.h"
#include "crawl/crawl.h"
#include "crawl/curl_crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "store/database.h"
#include "support/backend_support.h"
#include "support/http_server.h"
#include "support/pg_support.h"

namespace hc::crawl {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoi(value) : fallback;
}

Result<CrawlReport> CrawlInto(const std::string& conninfo, uint16_t port) {
  auto program = hc::testing::LoadProgram("mfk");
  store::StoreOptions store_options;
  store_options.batch_pages = 10;
  auto store = store::OpenDatabase(conninfo, store_options);
  if (!store.ok()) return store.status();
  CrawlOptions options;
  options.fetcher.connect_to = {"www.mfk.com:80:127.0.0.1:" + std::to_string(port),
                                "::127.0.0.1:" + std::to_string(port)};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.proxy = "";
  options.fetcher.total_timeout = milliseconds(5000);
  options.delay_seconds = 0;
  options.concurrency = 2;
  options.workers = 1;
  options.max_depth = 0;
  options.read_sitemaps = false;
  options.retry_base_delay = milliseconds(20);
  options.commit_interval = milliseconds(50);
  options.start_urls = {"http://www.mfk.com/list/guke.html"};
  // The default lease owner, <host>:<pid>: a crawler started after a kill takes back the leases of the
  // dead pid at once (docs/postgresql.md, RecoverLeases), not after they expire.
  options.runs = store->get();
  return CrawlOverCurl(program, **store, options);
}

// One text column per row, with a count each.
std::map<std::string, int> RowMultiset(const std::string& conninfo, const std::vector<std::string>& queries) {
  std::map<std::string, int> rows;
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo);
  for (const std::string& sql : queries) {
    // One row a line: the texts hold no newline (the generated pages' bodies are one line each).
    const std::string all = peek.All(sql);
    EXPECT_NE(all, "error") << sql;
    std::size_t from = 0;
    while (from < all.size()) {
      const std::size_t end = all.find('\n', from);
      ++rows[all.substr(from, end - from)];
      if (end == std::string::npos) break;
      from = end + 1;
    }
  }
  return rows;
}

int64_t QueryInt(const std::string& conninfo, const std::string& sql) {
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo);
  return peek.Int(sql);
}

// Every row that must come out the same, as "table: row" text with its count.
std::map<std::string, int> Snapshot(const std::string& conninfo) {
  return RowMultiset(conninfo,
                     {
                         "SELECT 'frontier: ' || url_key || ' ' || url || ' ' || state || ' ' || "
                         "coalesce(detail, '') || ' depth ' ||"
                         " depth || ' from ' || coalesce(discovered_from, '') || ' status ' || "
                         "coalesce(http_status::text, '') FROM frontier",
                         "SELECT 'page: ' || url || ' ' || coalesce(failure_reason, 'ok') || ' ' || "
                         "coalesce(page_type, '') || ' ' ||"
                         " coalesce(http_status::text, '') || ' ' || coalesce(charset, '') FROM pages",
                         "SELECT 'failure: ' || p.url || ' ' || f.reason || ' ' || "
                         "coalesce(f.http_status::text, '') FROM failures f"
                         " JOIN pages p ON p.id = f.page_id",
                         "SELECT 'article: ' || p.url || ' ' || a.title || ' ' || "
                         "coalesce(a.published_at::text, '') || ' ' ||"
                         " md5(coalesce(a.body, '')) FROM articles a JOIN pages p ON p.id = a.page_id",
                         "SELECT 'view: ' || p.url || ' ' || v.views FROM article_views v JOIN articles a ON "
                         "a.id = v.article_id"
                         " JOIN pages p ON p.id = a.page_id",
                         "SELECT 'raw: ' || url || ' ' || http_status || ' ' || body_size || ' ' || "
                         "body_sha1 FROM raw_responses",
                     });
}

// The child's side: crawl until killed, or until nothing is left.
TEST(PgClusterCrashChild, Crawl) {
  const char* db = std::getenv("HC_PG_CRASH_DB");
  const char* port = std::getenv("HC_PG_CRASH_PORT");
  if (!db || !port) GTEST_SKIP() << "run by PgClusterCrash.ThreeCrawlersOneKilledAtRandomMoments";
  auto report = CrawlInto(db, static_cast<uint16_t>(std::atoi(port)));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
}

pid_t StartChild(const std::string& conninfo, uint16_t port) {
  return hc::testing::StartTestChild(
      "PgClusterCrashChild.Crawl",
      {{"HC_PG_CRASH_DB", conninfo}, {"HC_PG_CRASH_PORT", std::to_string(port)}});
}

// Reaps `pid` if it has exited: true when it is gone.
bool Exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

TEST(PgClusterCrash, ThreeCrawlersOneKilledAtRandomMoments) {
  auto cluster = hc::testing::TestCluster();
  if (!cluster.ok() && cluster.status().code() == StatusCode::kNotFound && std::getenv("CI") == nullptr) {
    GTEST_SKIP() << cluster.status().ToString();
  }
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  const int articles = EnvInt("HC_PG_CRASH_PAGES", 600);
  const int kills = EnvInt("HC_PG_CRASH_KILLS", 12);
  const unsigned seed = static_cast<unsigned>(
      EnvInt("HC_PG_CRASH_SEED", static_cast<int>(std::random_device{}() & 0x7fffffff)));
  std::printf("pg cluster crash test: %d articles, %d kills, HC_PG_CRASH_SEED=%u\n", articles, kills, seed);
  std::mt19937 rng(seed);

  hc::testing::HttpServer server;
  hc::testing::ServeKillTestSite(server, articles, {.per_listing = 40, .first_article = 200000, .untitled_every = 97, .missing_from = 9000000});

  hc::testing::PgTestDatabase whole_db;
  ASSERT_TRUE(whole_db.Create(*cluster).ok());
  auto uninterrupted = CrawlInto(whole_db.conninfo(), server.port());
  ASSERT_TRUE(uninterrupted.ok()) << uninterrupted.status().ToString();
  ASSERT_EQ(uninterrupted->frontier.queued, 0);
  const int64_t finished = uninterrupted->frontier.done + uninterrupted->frontier.failed;
  ASSERT_GE(finished, articles);

  hc::testing::PgTestDatabase shared_db;
  ASSERT_TRUE(shared_db.Create(*cluster).ok());
  const std::string shared = shared_db.conninfo();
  const std::string finished_sql = "SELECT count(*) FROM frontier WHERE state IN ('done', 'failed')";

  // Kill moments: progress points (URLs finished, counted over the whole cluster) drawn at random, each
  // followed by 0-40 ms, so kills land at start-up, mid-fetch, mid-batch and between commits. At each, one
  // of the three crawlers (drawn at random) is killed and started again at once; the other two go on.
  std::uniform_int_distribution<int64_t> point(0, finished - 1);
  std::uniform_int_distribution<int> jitter_ms(0, 40);
  std::uniform_int_distribution<int> victim(0, 2);
  std::vector<int64_t> points;
  for (int i = 0; i < kills; ++i) points.push_back(point(rng));
  std::sort(points.begin(), points.end());

  std::array<pid_t, 3> crawlers{};
  for (pid_t& pid : crawlers) {
    pid = StartChild(shared, server.port());
    ASSERT_GT(pid, 0);
  }
  int killed = 0;
  for (int64_t at : points) {
    SCOPED_TRACE("kill at " + std::to_string(at));
    const auto deadline = Steady::now() + std::chrono::seconds(60);
    while (Steady::now() < deadline && QueryInt(shared, finished_sql) < at) {
      std::this_thread::sleep_for(milliseconds(3));
    }
    std::this_thread::sleep_for(milliseconds(jitter_ms(rng)));
    pid_t& pid = crawlers[static_cast<std::size_t>(victim(rng))];
    if (pid > 0 && !Exited(pid)) {
      kill(pid, SIGKILL);
      int status = 0;
      waitpid(pid, &status, 0);
      if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++killed;
    }
    pid = StartChild(shared, server.port());
    ASSERT_GT(pid, 0);
  }
  // The survivors finish; then one more crawl takes back what the last killed crawler held.
  for (pid_t pid : crawlers) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "a crawler that was not killed failed";
  }
  auto last = CrawlInto(shared, server.port());
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  std::printf("pg cluster crash test: %lld URLs finished; %d of %d kills landed\n",
              static_cast<long long>(finished), killed, kills);
  EXPECT_GE(killed, kills / 2) << "most kills should land while the crawl runs";
  EXPECT_EQ(last->frontier.queued, 0);
  EXPECT_EQ(last->frontier.in_flight, 0);

  const auto expected = Snapshot(whole_db.conninfo());
  const auto actual = Snapshot(shared);
  EXPECT_GT(expected.size(), static_cast<std::size_t>(3 * articles));
  for (const auto& [row, count] : expected) EXPECT_EQ(count, 1) << "uninterrupted crawl: " << row;
  for (const auto& [row, count] : actual) EXPECT_EQ(count, 1) << "shared crawl stored twice: " << row;
  int differences = 0;
  for (const auto& [row, count] : expected) {
    if (!actual.count(row) && ++differences <= 20) ADD_FAILURE() << "missing after the kills: " << row;
  }
  for (const auto& [row, count] : actual) {
    if (!expected.count(row) && ++differences <= 40) ADD_FAILURE() << "only after the kills: " << row;
  }
  EXPECT_EQ(differences, 0);
  EXPECT_EQ(actual.size(), expected.size());
}

}  // namespace
}  // namespace hc::crawl
