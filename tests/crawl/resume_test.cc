// Resuming after kill -9: a crawl into the SQLite store, killed at arbitrary moments and restarted,
// ends with the same rows as an uninterrupted crawl of the same site: nothing fetched is lost, nothing
// is stored twice, no URL is left in flight, and the database passes PRAGMA integrity_check.
//
// The crawl that gets killed runs in a child process: this test binary re-executed with a filter that
// selects ResumeChild.Crawl and the database and port in the environment (exec gives the child a clean
// process, which fork alone would not in a program that has threads).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "crawl/crash_support.h"
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/http_server.h"

namespace hc::crawl {
namespace {

using std::chrono::milliseconds;

// 60 articles (the fixture article under other ids), linked from one listing, each answering slowly
// enough that a crawl takes a second or two. The articles' own links reach the other fixture pages and
// a few dozen 404s; the site is finite, so every complete crawl reaches the same URLs.
void ServeSlowSite(hc::testing::HttpServer& server) {
  hc::testing::ServeMfk(server);
  const std::string article = hc::testing::FixtureHtml("mfk", "article");
  std::string links;
  for (int i = 0; i < 60; ++i) {
    const std::string path = "/article/" + std::to_string(2000000 + i) + ".html";
    server.Route(path, hc::testing::HttpResponse{.status = 200,
                                                  .headers = {{"Content-Type", "text/html; charset=utf-8"}},
                                                  .body = article,
                                                  .delay = milliseconds(15)});
    links += "<a href=\"" + path + "\">a</a>";
  }
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html("<html><body>" + links + "</body></html>"));
}

CrawlOptions SiteOptions(uint16_t port) {
  CrawlOptions options;
  options.fetcher.connect_to = {"www.mfk.com:80:127.0.0.1:" + std::to_string(port), "::127.0.0.1:" + std::to_string(port)};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.total_timeout = milliseconds(3000);
  options.delay_seconds = 0;
  options.concurrency = 2;
  options.workers = 2;
  options.max_depth = 0;
  options.read_sitemaps = false;
  options.retry_base_delay = milliseconds(20);
  options.commit_interval = milliseconds(50);
  options.start_urls = {"http://www.mfk.com/list/guke.html"};
  options.lease_owner = "test:" + std::to_string(getpid());
  return options;
}

Result<CrawlReport> CrawlInto(const std::string& db, uint16_t port) {
  auto program = hc::testing::LoadProgram("mfk");
  store::StoreOptions store_options;
  store_options.batch_pages = 5;
  auto store = store::OpenDatabase(db, store_options);
  if (!store.ok()) return store.status();
  CrawlOptions options = SiteOptions(port);
  options.runs = store->get();
  return RunCrawl(program, **store, options);
}

// Rows that must come out the same, as "table: row" strings with a count each.
std::map<std::string, int> Snapshot(const std::string& db_path) {
  return hc::testing::RowMultiset(db_path, {
      "SELECT 'frontier: ' || url_key || ' ' || state || ' ' || coalesce(detail, '') FROM frontier",
      "SELECT 'page: ' || url || ' ' || coalesce(failure_reason, 'ok') || ' ' || coalesce(page_type, '') FROM pages",
      "SELECT 'failure: ' || p.url || ' ' || f.reason FROM failures f JOIN pages p ON p.id = f.page_id",
      "SELECT 'article: ' || p.url || ' ' || a.title FROM articles a JOIN pages p ON p.id = a.page_id",
      ("SELECT 'view: ' || p.url || ' ' || v.views FROM article_views v JOIN articles a ON a.id = v.article_id"
       " JOIN pages p ON p.id = a.page_id"),
      "SELECT 'answer: ' || count(*) FROM answers",
      "SELECT 'question: ' || count(*) FROM questions",
      "SELECT 'raw: ' || url FROM raw_responses",
  });
}

// The child's side: crawl until killed.
TEST(ResumeChild, Crawl) {
  const char* db = std::getenv("HC_RESUME_DB");
  const char* port = std::getenv("HC_RESUME_PORT");
  if (!db || !port) GTEST_SKIP() << "run by CrawlResume.KillNineAnyTimeThenResume";
  auto report = CrawlInto(db, static_cast<uint16_t>(std::atoi(port)));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
}

pid_t StartChild(const std::string& db, uint16_t port) {
  return hc::testing::StartTestChild("ResumeChild.Crawl",
                                     {{"HC_RESUME_DB", db}, {"HC_RESUME_PORT", std::to_string(port)}});
}

TEST(CrawlResume, KillNineAnyTimeThenResume) {
  hc::testing::HttpServer server;
  ServeSlowSite(server);
  hc::testing::TempDir dir;

  const std::string whole = (dir / "whole.db").string();
  auto uninterrupted = CrawlInto(whole, server.port());
  ASSERT_TRUE(uninterrupted.ok()) << uninterrupted.status().ToString();
  ASSERT_EQ(uninterrupted->frontier.queued, 0);
  ASSERT_GT(uninterrupted->frontier.done, 60);

  // Kill the crawl at several points: early, and after some pages, then let a last run finish.
  const std::string resumed = (dir / "resumed.db").string();
  const int64_t kill_after[] = {0, 20, 45, 70};
  for (int64_t pages : kill_after) {
    SCOPED_TRACE(pages);
    pid_t child = StartChild(resumed, server.port());
    ASSERT_GT(child, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (pages == 0) {
        std::this_thread::sleep_for(milliseconds(150));
        break;
      }
      if (hc::testing::CountFinished(resumed) >= pages) break;
      int status = 0;
      if (waitpid(child, &status, WNOHANG) == child) {
        child = 0;  // it finished before the kill
        break;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    if (child > 0) {
      kill(child, SIGKILL);
      int status = 0;
      waitpid(child, &status, 0);
    }
  }
  auto last = CrawlInto(resumed, server.port());
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  EXPECT_EQ(last->frontier.queued, 0);
  EXPECT_EQ(last->frontier.in_flight, 0);

  EXPECT_EQ(Snapshot(resumed), Snapshot(whole));
  auto store = store::OpenDatabase(resumed);
  ASSERT_TRUE(store.ok());
  EXPECT_TRUE((*store)->CheckIntegrity().ok());
}

}  // namespace
}  // namespace hc::crawl
