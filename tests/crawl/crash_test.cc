// Crash safety at scale (healthcrawl issue 6, point 2): a crawl of a 2,000-article loopback site into
// the SQLite store is SIGKILLed at 20 random moments and restarted each time; the database it ends with
// must equal that of an uninterrupted crawl of the same site. "Equal" is row for row, as multisets of
// stable text, over frontier, pages, articles, article_views, failures and raw_responses; every row
// appears once (nothing stored twice), nothing is left queued or in flight, and PRAGMA integrity_check
// passes. resume_test.cc does the same with 4 kills at chosen points on 60 pages.
//
// The crawl that gets killed runs in a child process: this test binary re-executed with a filter that
// selects CrashChild.Crawl, the database and port in the environment (exec gives the child a clean
// process, which fork alone would not in a program that has threads).
//
// Knobs (environment): HC_CRASH_PAGES (articles, default 2000; CI runs the default), HC_CRASH_KILLS
// (default 20), HC_CRASH_SEED (the kill moments' random seed; printed on every run so a failure can be
// replayed).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
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
#include "support/http_server.h"

namespace hc::crawl {
namespace {

using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::atoi(value) : fallback;
}

Result<CrawlReport> CrawlInto(const std::string& db, uint16_t port) {
  auto program = hc::testing::LoadProgram("mfk");
  store::StoreOptions store_options;
  store_options.batch_pages = 20;
  auto store = store::OpenDatabase(db, store_options);
  if (!store.ok()) return store.status();
  CrawlOptions options;
  options.fetcher.connect_to = {"www.mfk.com:80:127.0.0.1:" + std::to_string(port),
                                "::127.0.0.1:" + std::to_string(port)};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.proxy = "";
  options.fetcher.total_timeout = milliseconds(5000);
  options.delay_seconds = 0;
  options.concurrency = 4;
  options.workers = 2;
  options.max_depth = 0;
  options.read_sitemaps = false;
  options.retry_base_delay = milliseconds(20);
  options.commit_interval = milliseconds(50);
  options.start_urls = {"http://www.mfk.com/list/guke.html"};
  options.lease_owner = "crash-test:" + std::to_string(getpid());
  options.runs = store->get();
  // With the poison-page marks, as `healthcrawl crawl` runs: random kills land in parses too, and must
  // not fail a healthy page (docs/RELIABILITY.md, "Poison pages").
  options.parse_marks = ParseMarksPath(db, "mfk");
  return CrawlOverCurl(program, **store, options);
}

// Every row that must come out the same, as "table: row" text with its count.
std::map<std::string, int> Snapshot(const std::string& db_path) {
  return hc::testing::RowMultiset(db_path, {
      "SELECT 'frontier: ' || url_key || ' ' || url || ' ' || state || ' ' || coalesce(detail, '') || ' depth ' ||"
      " depth || ' from ' || coalesce(discovered_from, '') || ' status ' || coalesce(http_status, '') FROM frontier",
      "SELECT 'page: ' || url || ' ' || coalesce(failure_reason, 'ok') || ' ' || coalesce(page_type, '') || ' ' ||"
      " coalesce(http_status, '') || ' ' || coalesce(charset, '') FROM pages",
      "SELECT 'failure: ' || p.url || ' ' || f.reason || ' ' || coalesce(f.http_status, '') FROM failures f"
      " JOIN pages p ON p.id = f.page_id",
      "SELECT 'article: ' || p.url || ' ' || a.title || ' ' || coalesce(a.published_at, '') || ' ' ||"
      " coalesce(a.body, '') FROM articles a JOIN pages p ON p.id = a.page_id",
      "SELECT 'view: ' || p.url || ' ' || v.views FROM article_views v JOIN articles a ON a.id = v.article_id"
      " JOIN pages p ON p.id = a.page_id",
      "SELECT 'raw: ' || url || ' ' || http_status || ' ' || body_size || ' ' || body_sha1 FROM raw_responses",
  });
}

// The child's side: crawl until killed.
TEST(CrashChild, Crawl) {
  const char* db = std::getenv("HC_CRASH_DB");
  const char* port = std::getenv("HC_CRASH_PORT");
  if (!db || !port) GTEST_SKIP() << "run by CrawlCrash.SigkillAtRandomMomentsThenResume";
  auto report = CrawlInto(db, static_cast<uint16_t>(std::atoi(port)));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
}

pid_t StartChild(const std::string& db, uint16_t port) {
  return hc::testing::StartTestChild("CrashChild.Crawl", {{"HC_CRASH_DB", db}, {"HC_CRASH_PORT", std::to_string(port)}});
}

TEST(CrawlCrash, SigkillAtRandomMomentsThenResume) {
  const int articles = EnvInt("HC_CRASH_PAGES", 2000);
  const int kills = EnvInt("HC_CRASH_KILLS", 20);
  const unsigned seed = static_cast<unsigned>(EnvInt("HC_CRASH_SEED", static_cast<int>(std::random_device{}() & 0x7fffffff)));
  std::printf("crash test: %d articles, %d kills, HC_CRASH_SEED=%u\n", articles, kills, seed);
  std::mt19937 rng(seed);

  hc::testing::HttpServer server;
  hc::testing::ServeKillTestSite(server, articles, {});
  hc::testing::TempDir dir;

  const auto whole_started = Steady::now();
  const std::string whole = (dir / "whole.db").string();
  auto uninterrupted = CrawlInto(whole, server.port());
  ASSERT_TRUE(uninterrupted.ok()) << uninterrupted.status().ToString();
  const double whole_seconds = std::chrono::duration<double>(Steady::now() - whole_started).count();
  ASSERT_EQ(uninterrupted->frontier.queued, 0);
  const int64_t finished = uninterrupted->frontier.done + uninterrupted->frontier.failed;
  ASSERT_GE(finished, articles);

  // The kill moments: 20 progress points drawn at random over the crawl (how many URLs are recorded
  // done or failed), each followed by a random 0-40 ms, so kills land at startup, mid-fetch,
  // mid-transaction and between commits alike.
  std::uniform_int_distribution<int64_t> point(0, finished - 1);
  std::uniform_int_distribution<int> jitter_ms(0, 40);
  std::vector<int64_t> points;
  for (int i = 0; i < kills; ++i) points.push_back(point(rng));
  std::sort(points.begin(), points.end());

  const auto resumed_started = Steady::now();
  const std::string resumed = (dir / "resumed.db").string();
  int killed = 0;
  for (int64_t at : points) {
    SCOPED_TRACE("kill at " + std::to_string(at));
    pid_t child = StartChild(resumed, server.port());
    ASSERT_GT(child, 0);
    const auto deadline = Steady::now() + std::chrono::seconds(60);
    while (Steady::now() < deadline && hc::testing::CountFinished(resumed) < at) {
      int status = 0;
      if (waitpid(child, &status, WNOHANG) == child) {
        child = 0;  // it finished before the kill
        break;
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    if (child > 0) {
      std::this_thread::sleep_for(milliseconds(jitter_ms(rng)));
      kill(child, SIGKILL);
      int status = 0;
      waitpid(child, &status, 0);
      if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ++killed;
    }
  }
  auto last = CrawlInto(resumed, server.port());
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  const double resumed_seconds = std::chrono::duration<double>(Steady::now() - resumed_started).count();
  std::printf("crash test: uninterrupted crawl %.1f s (%lld URLs finished); %d of %d kills landed; killed "
              "crawls and the last run %.1f s\n",
              whole_seconds, static_cast<long long>(finished), killed, kills, resumed_seconds);
  EXPECT_GE(killed, kills / 2) << "most kills should land while the crawl runs";
  EXPECT_EQ(last->frontier.queued, 0);
  EXPECT_EQ(last->frontier.in_flight, 0);

  const auto expected = Snapshot(whole);
  const auto actual = Snapshot(resumed);
  EXPECT_GT(expected.size(), static_cast<std::size_t>(3 * articles));
  for (const auto& [row, count] : expected) EXPECT_EQ(count, 1) << "uninterrupted crawl: " << row;
  for (const auto& [row, count] : actual) EXPECT_EQ(count, 1) << "resumed crawl stored twice: " << row;
  // Rows one side has and the other lacks, listed (a map comparison alone would print 10,000 rows).
  int differences = 0;
  for (const auto& [row, count] : expected) {
    if (!actual.count(row) && ++differences <= 20) ADD_FAILURE() << "missing after the kills: " << row;
  }
  for (const auto& [row, count] : actual) {
    if (!expected.count(row) && ++differences <= 40) ADD_FAILURE() << "only after the kills: " << row;
  }
  EXPECT_EQ(differences, 0);
  EXPECT_EQ(actual.size(), expected.size());

  auto store = store::OpenDatabase(resumed);
  ASSERT_TRUE(store.ok());
  Status integrity = (*store)->CheckIntegrity();
  EXPECT_TRUE(integrity.ok()) << integrity.ToString();
}

}  // namespace
}  // namespace hc::crawl
