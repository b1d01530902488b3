// Run heartbeats (issue 15, point 3; docs/RELIABILITY.md, "Run records and heartbeats"): a crawl keeps
// its run record's heartbeat and counts current while it runs; once it is SIGKILLed, the next process
// that opens the database for writing marks the run `killed` with the real counts of what it committed;
// a run whose process is alive is never marked, however old its heartbeat.
//
// The crawl that gets killed runs in a child process (this test binary re-executed with a filter, as
// crash_test.cc does).
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <memory>
#include <thread>
#include <vector>

#include "crawl/crash_support.h"
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "store/database.h"
#include "support/http_server.h"

namespace hc::crawl {
namespace {

using hc::testing::QueryInt;
using hc::testing::QueryOne;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

constexpr int kArticles = 60;

// 60 articles behind one listing, each answering after 50 ms: a crawl of a few seconds at concurrency 1.
void ServeSlowSite(hc::testing::HttpServer& server) {
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::vector<std::string> hrefs;
  for (int i = 0; i < kArticles; ++i) {
    const int id = 200000 + i;
    hrefs.push_back(hc::testing::GeneratedArticlePath(id));
    hc::testing::HttpResponse article = hc::testing::GeneratedArticle(id);
    article.delay = milliseconds(50);
    server.Route(hc::testing::GeneratedArticlePath(id), article);
  }
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml(hrefs)));
}

// The pages the run's own record shows so far, or -1 while the child has not created the database yet
// (polled behind the crawler's back, so a failure to read is no test failure).
int64_t PagesInRunRecord(const std::string& db_path) {
  sqlite3* db = nullptr;
  int64_t n = -1;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(db, 1000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT max(pages_stored) FROM crawl_runs", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      n = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return n;
}

// The child's side: crawl with a fast heartbeat until killed.
TEST(HeartbeatChild, Crawl) {
  const char* db = std::getenv("HC_HEARTBEAT_DB");
  const char* port = std::getenv("HC_HEARTBEAT_PORT");
  if (!db || !port) GTEST_SKIP() << "run by RunHeartbeat.SigkilledRunIsMarkedKilledWithItsRealCounts";
  auto program = hc::testing::LoadProgram("mfk");
  auto store = store::OpenDatabase(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  CrawlOptions options;
  options.fetcher.connect_to = {std::string("www.mfk.com:80:127.0.0.1:") + port, std::string("::127.0.0.1:") + port};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.proxy = "";
  options.delay_seconds = 0;
  options.concurrency = 1;
  options.workers = 1;
  options.read_sitemaps = false;
  options.commit_interval = milliseconds(50);
  options.heartbeat_interval = milliseconds(100);
  options.start_urls = {"http://www.mfk.com/list/guke.html"};
  options.runs = store->get();
  auto report = RunCrawl(program, **store, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
}

Result<std::unique_ptr<store::Database>> OpenForWriting(const std::string& db, milliseconds dead_after) {
  store::StoreOptions options;
  options.dead_run_after = dead_after;
  return store::OpenDatabase(db, options);
}

TEST(RunHeartbeat, SigkilledRunIsMarkedKilledWithItsRealCounts) {
  hc::testing::HttpServer server;
  ServeSlowSite(server);
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  const pid_t child = hc::testing::StartTestChild(
      "HeartbeatChild.Crawl", {{"HC_HEARTBEAT_DB", db}, {"HC_HEARTBEAT_PORT", std::to_string(server.port())}});
  ASSERT_GT(child, 0);

  // Wait until the run's own record (its heartbeat) shows pages, well before the crawl could end.
  const auto deadline = Steady::now() + std::chrono::seconds(30);
  while (Steady::now() < deadline && PagesInRunRecord(db) < 8) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_GE(QueryInt(db, "SELECT max(pages_stored) FROM crawl_runs"), 8) << "the heartbeat never showed counts";
  EXPECT_EQ(QueryOne(db, "SELECT ifnull(outcome, 'running') FROM crawl_runs"), "running");
  EXPECT_EQ(QueryInt(db, "SELECT pid FROM crawl_runs"), child);

  // The process is alive: another writer leaves its run alone, even with a staleness of nothing.
  {
    auto store = OpenForWriting(db, milliseconds(0));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(QueryOne(db, "SELECT ifnull(outcome, 'running') FROM crawl_runs"), "running");
  }

  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status));
  const int64_t done = QueryInt(db, "SELECT count(*) FROM frontier WHERE state = 'done'");
  ASSERT_GT(done, 0);
  ASSERT_LT(done, kArticles + 1) << "the crawl ended before it was killed";

  // Dead, but its heartbeat is younger than the staleness interval: still unfinished.
  {
    auto store = OpenForWriting(db, std::chrono::minutes(10));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(QueryOne(db, "SELECT ifnull(outcome, 'running') FROM crawl_runs"), "running");
  }
  // Dead and stale: marked killed by the next writer, with the counts of what it committed.
  std::this_thread::sleep_for(milliseconds(50));
  {
    auto store = OpenForWriting(db, milliseconds(10));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  EXPECT_EQ(QueryOne(db, "SELECT outcome FROM crawl_runs"), "killed");
  EXPECT_EQ(QueryInt(db, "SELECT pages_stored FROM crawl_runs"), done);
  EXPECT_EQ(QueryInt(db, "SELECT pages_new FROM crawl_runs"), done);
  EXPECT_EQ(QueryInt(db, "SELECT pages_failed FROM crawl_runs"), 0);
  EXPECT_EQ(QueryInt(db, "SELECT pages_fetched FROM crawl_runs"), done);
  EXPECT_GT(QueryInt(db, "SELECT bytes_fetched FROM crawl_runs"), 0);
  // It ended at its last sign of life.
  EXPECT_NE(QueryOne(db, "SELECT finished_at FROM crawl_runs"), "");
  EXPECT_EQ(QueryInt(db, "SELECT updated_seq > 1 FROM crawl_runs"), 1);
}

// Table-driven over who holds the run: the staleness rule and the process check, through the store.
TEST(RunHeartbeat, OnlyStaleRunsOfGoneProcessesAreMarked) {
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  // A pid that is surely gone: a child that has exited and been reaped.
  const pid_t gone = fork();
  if (gone == 0) _exit(0);
  ASSERT_GT(gone, 0);
  waitpid(gone, nullptr, 0);

  struct Row {
    const char* what;
    std::string host;
    int64_t pid;
    milliseconds age;  // of the last heartbeat
    const char* outcome;
  };
  const Row rows[] = {
      {"this host, process gone, stale", host, gone, std::chrono::minutes(5), "killed"},
      {"this host, process gone, fresh", host, gone, std::chrono::seconds(5), "running"},
      {"this host, process alive, stale", host, getpid(), std::chrono::minutes(5), "running"},
      {"another host, stale", "some-other-host.invalid", getpid(), std::chrono::minutes(5), "killed"},
      {"another host, fresh", "some-other-host.invalid", getpid(), std::chrono::seconds(5), "running"},
      {"no heartbeat (an ingest)", host, 0, std::chrono::minutes(5), "running"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.what);
    hc::testing::TempDir dir;
    const std::string db = (dir / "runs.db").string();
    const TimePoint now = std::chrono::system_clock::now();
    int64_t id = 0;
    {
      store::StoreOptions options;
      options.reap_dead_runs = false;
      auto store = store::OpenDatabase(db, options);
      ASSERT_TRUE(store.ok());
      auto begun = (*store)->BeginRun(
          {.command = "crawl", .sites = "mfk", .started_at = now - row.age, .job = "", .host = row.host, .pid = row.pid});
      ASSERT_TRUE(begun.ok());
      id = *begun;
      auto reaped = (*store)->ReapDeadRuns(now, std::chrono::seconds(60));
      ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
      EXPECT_EQ(reaped->size(), std::string(row.outcome) == "killed" ? 1u : 0u);
    }
    EXPECT_EQ(QueryOne(db, "SELECT ifnull(outcome, 'running') FROM crawl_runs WHERE id = " + std::to_string(id)),
              row.outcome);
  }
}

}  // namespace
}  // namespace hc::crawl
