// A full disk during a crawl (healthcrawl issue 11, point 6; docs/RELIABILITY.md, the fault table):
// SQLite's "database or disk is full" stops the crawl at once as "storage: disk full" (an IoError, which
// `healthcrawl crawl` exits 3 on), no page is fetched only to be thrown away, and the next run, with
// space again, resumes and stores everything once. The disk is filled with PRAGMA max_page_count
// (StoreOptions::max_page_count), which fails writes past it exactly as a full disk does: SQLITE_FULL.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
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

using hc::testing::QueryInt;
using std::chrono::milliseconds;

constexpr int kArticles = 400;
constexpr int kPerListing = 50;
constexpr int kFirstArticle = 500000;
constexpr std::size_t kQueueCapacity = 8;
constexpr int kConcurrency = 2;

std::string ListingPath(int n) { return "/list/guke_" + std::to_string(n) + ".html"; }

void ServeSite(hc::testing::HttpServer& server) {
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  const int listings = kArticles / kPerListing;
  for (int n = 1; n <= listings; ++n) {
    std::vector<std::string> hrefs;
    for (int id = kFirstArticle + (n - 1) * kPerListing; id < kFirstArticle + n * kPerListing; ++id) {
      hrefs.push_back(hc::testing::GeneratedArticlePath(id));
      server.Route(hc::testing::GeneratedArticlePath(id), hc::testing::GeneratedArticle(id));
    }
    if (n < listings) hrefs.push_back(ListingPath(n + 1));
    server.Route(ListingPath(n), hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml(hrefs)));
  }
}

Result<CrawlReport> CrawlInto(const std::string& db, uint16_t port, int64_t max_page_count) {
  auto program = hc::testing::LoadProgram("mfk");
  store::StoreOptions store_options;
  store_options.batch_pages = 5;
  store_options.max_page_count = max_page_count;
  auto store = store::OpenDatabase(db, store_options);
  if (!store.ok()) return store.status();
  CrawlOptions options;
  options.fetcher.connect_to = {"www.mfk.com:80:127.0.0.1:" + std::to_string(port)};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.proxy = "";
  options.delay_seconds = 0;
  options.concurrency = kConcurrency;
  options.workers = 2;
  options.max_depth = 0;
  options.read_sitemaps = false;
  options.queue_capacity = kQueueCapacity;
  options.commit_interval = milliseconds(20);
  options.stop_grace = milliseconds(30'000);  // a storage failure must not wait for it
  options.start_urls = {"http://www.mfk.com" + ListingPath(1)};
  options.runs = store->get();
  options.parse_marks = ParseMarksPath(db, "mfk");
  return CrawlOverCurl(program, **store, options);
}

TEST(DiskFull, StopsTheCrawlAtOnceAndTheNextRunResumes) {
  hc::testing::HttpServer server;
  ServeSite(server);
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  {
    auto created = store::OpenDatabase(db);  // the schema, so that the cap leaves room for pages only
    ASSERT_TRUE(created.ok());
  }
  const int64_t empty_pages = QueryInt(db, "SELECT page_count FROM pragma_page_count()");
  ASSERT_GT(empty_pages, 0);

  // Room for a few dozen pages of the 400: 160 KiB, whatever the file's page size (8 KiB since session 20).
  const int64_t page_size = QueryInt(db, "SELECT page_size FROM pragma_page_size()");
  auto full = CrawlInto(db, server.port(), empty_pages + 160 * 1024 / page_size);
  ASSERT_FALSE(full.ok()) << "the crawl did not fill the capped database";
  EXPECT_EQ(full.status().code(), StatusCode::kIoError) << full.status().ToString();
  EXPECT_TRUE(full.status().message().starts_with("storage: disk full")) << full.status().ToString();

  // Fetching stopped promptly: what was requested is what got stored plus at most what the pipeline
  // holds (both queues, the transfers in flight) — not the rest of the site.
  const int64_t stored = QueryInt(db, "SELECT count(*) FROM frontier WHERE state IN ('done', 'failed')");
  const auto pages_requested = static_cast<int64_t>(server.Requests().size()) - 1;  // robots.txt
  std::printf("disk full: %lld of %d pages stored, %lld requested\n", static_cast<long long>(stored),
              kArticles + kArticles / kPerListing, static_cast<long long>(pages_requested));
  EXPECT_LT(stored, kArticles / 2);
  EXPECT_LE(pages_requested, stored + static_cast<int64_t>(2 * kQueueCapacity) + 2 * kConcurrency + 5 + 1);

  // Space again: the next run resumes and stores everything, once.
  auto resumed = CrawlInto(db, server.port(), 0);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_EQ(resumed->frontier.queued, 0);
  EXPECT_EQ(resumed->frontier.in_flight, 0);
  EXPECT_EQ(resumed->frontier.failed, 0);
  EXPECT_EQ(resumed->frontier.done, kArticles + kArticles / kPerListing);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM articles"), kArticles);
  EXPECT_EQ(QueryInt(db, "SELECT count(DISTINCT page_id) FROM articles"), kArticles);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM article_views"), kArticles);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM pages"), kArticles + kArticles / kPerListing);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM frontier WHERE parse_deaths > 0"), 0);  // no death, no count
  auto store = store::OpenDatabase(db);
  ASSERT_TRUE(store.ok());
  Status integrity = (*store)->CheckIntegrity();
  EXPECT_TRUE(integrity.ok()) << integrity.ToString();
}

}  // namespace
}  // namespace hc::crawl
