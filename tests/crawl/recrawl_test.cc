// Incremental recrawls: due pages go back to the queue, revisits are conditional GETs, a 304 or the same
// body is recorded as a visit without re-extraction, a changed page is stored again, a vanished one is
// "gone", and the next interval adapts (Nutch's AdaptiveFetchSchedule) within the page type's bounds.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>

#include "core/clock.h"
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "store/page_builders.h"
#include "store/database.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Days = std::chrono::duration<int64_t, std::ratio<86400>>;
using store::PageChange;

milliseconds Ms(double days) { return milliseconds(std::llround(days * 86'400'000.0)); }

TEST(NextRevisitTest, AdaptsWithinTheBounds) {
  extract::RevisitPolicy week{Days(7), Days(1), Days(30)};
  extract::RevisitPolicy fixed{Days(1), seconds(0), seconds(0)};
  extract::RevisitPolicy none{};
  struct Case {
    const char* name;
    const extract::RevisitPolicy& policy;
    milliseconds previous;
    PageChange change;
    milliseconds expected;
  };
  const Case cases[] = {
      {"a new page starts at the interval", week, Ms(0), PageChange::kNew, Ms(7)},
      {"a new page ignores an old interval", week, Ms(20), PageChange::kNew, Ms(7)},
      {"unchanged: 40% longer", week, Ms(7), PageChange::kUnchanged, Ms(9.8)},
      {"changed: 20% shorter", week, Ms(7), PageChange::kChanged, Ms(5.6)},
      {"no previous interval: from the interval", week, Ms(0), PageChange::kUnchanged, Ms(9.8)},
      {"capped at max", week, Ms(25), PageChange::kUnchanged, Ms(30)},
      {"floored at min", week, Ms(1.1), PageChange::kChanged, Ms(1)},
      {"no bounds: the interval is fixed", fixed, Ms(1), PageChange::kUnchanged, Ms(1)},
      {"no bounds, changed: still fixed", fixed, Ms(1), PageChange::kChanged, Ms(1)},
      {"gone pages are not revisited", week, Ms(7), PageChange::kGone, Ms(0)},
      {"no policy, no revisit", none, Ms(7), PageChange::kNew, Ms(0)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(NextRevisit(c.policy, c.previous, c.change).count(), c.expected.count());
  }
}

// A listing and four articles (the fixture article under other ids) that behave differently on a revisit.
class RecrawlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    article_ = hc::testing::FixtureHtml("mfk", "article");
    ASSERT_NE(article_.find("9039次浏览"), std::string::npos);
    std::string links;
    for (const char* id : {"1", "2", "3", "4"}) links += std::string("<a href=\"/article/") + id + ".html\">a</a>";
    server_.Route("/list/guke.html", hc::testing::HttpResponse::Html("<html><body>" + links + "</body></html>"));
    server_.RobotsTxt("User-agent: *\nAllow: /\n");
    auto with_etag = hc::testing::HttpResponse::Html(article_);
    with_etag.etag = "\"a1\"";
    with_etag.last_modified = "Sun, 01 Mar 2026 00:00:00 GMT";
    server_.Route("/article/1.html", with_etag);                                     // answers 304
    server_.Route("/article/2.html", hc::testing::HttpResponse::Html(article_));    // same body again
    server_.Route("/article/3.html", hc::testing::HttpResponse::Html(article_));    // will change
    server_.Route("/article/4.html", hc::testing::HttpResponse::Html(article_));    // will vanish
    path_ = (dir_ / "crawl.db").string();
  }

  Result<CrawlReport> Crawl(TimePoint now, CrawlOptions::Recrawl recrawl = CrawlOptions::Recrawl::kDue) {
    clock_.Set(now);
    store::StoreOptions store_options;
    store_options.clock = &clock_;
    auto store = store::OpenDatabase(path_, store_options);
    if (!store.ok()) return store.status();
    CrawlOptions options = hc::testing::FastOptions(server_);
    options.clock = &clock_;
    options.max_depth = 1;  // the listing and its articles, not the articles' own links
    options.start_urls = {hc::testing::MfkUrl("/list/guke.html")};
    options.recrawl = recrawl;
    options.job = "mfk-weekly";
    options.runs = store->get();
    return RunCrawl(program_, **store, options);
  }

  hc::testing::HttpServer server_;
  hc::testing::TempDir dir_;
  std::string path_;
  std::string article_;
  extract::SelectorProgram program_ = hc::testing::LoadProgram("mfk");
  TimePoint t0_ = store::testing::At("2026-03-01T02:00:00Z");
  FakeClock clock_{t0_};
};

TEST_F(RecrawlTest, RevisitsAreConditionalAndCountedByWhatTheyFound) {
  auto first = Crawl(t0_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->pages_new, 5);
  EXPECT_EQ(first->stored, 5);
  EXPECT_EQ(first->requeued, 0);

  // Nothing is due a few hours later: no page request at all.
  const size_t requests_before = server_.Requests().size();
  auto idle = Crawl(t0_ + hours(3));
  ASSERT_TRUE(idle.ok());
  EXPECT_EQ(idle->requeued, 0);
  EXPECT_EQ(idle->fetched, 0);
  const auto idle_requests = server_.Requests();
  for (size_t i = requests_before; i < idle_requests.size(); ++i) EXPECT_EQ(idle_requests[i].path, "/robots.txt");

  // A week and a day later everything is due: article 3 changed its view count, article 4 is gone.
  std::string changed = hc::testing::ReplaceAll(article_, "9039次浏览", "9100次浏览");
  server_.Route("/article/3.html", hc::testing::HttpResponse::Html(changed));
  server_.Route("/article/4.html", hc::testing::HttpResponse{.status = 404, .body = "gone"});
  const size_t before_revisit = server_.Requests().size();
  auto second = Crawl(t0_ + Days(8));
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->requeued, 5);
  EXPECT_EQ(second->pages_new, 0);
  EXPECT_EQ(second->pages_unchanged, 3);  // the listing and article 2 by their bytes, article 1 by 304
  EXPECT_EQ(second->pages_changed, 1);
  EXPECT_EQ(second->pages_gone, 1);
  EXPECT_EQ(second->stored, 1);           // only the changed page went through extraction and the store

  bool conditional = false;
  const auto requests = server_.Requests();
  for (size_t i = before_revisit; i < requests.size(); ++i) {
    const auto& r = requests[i];
    if (r.path == "/article/1.html") {
      conditional = true;
      EXPECT_EQ(r.Header("if-none-match"), "\"a1\"");
      EXPECT_EQ(r.Header("if-modified-since"), "Sun, 01 Mar 2026 00:00:00 GMT");
    }
    if (r.path == "/article/2.html") {
      EXPECT_EQ(r.Header("if-none-match"), "");
    }
  }
  EXPECT_TRUE(conditional);

  store::testing::Peek peek(path_);
  // Views: a second observation only for the page that changed.
  EXPECT_EQ(peek.All("SELECT p.url, v.views FROM article_views v JOIN articles a ON a.id = v.article_id"
                     " JOIN pages p ON p.id = a.page_id ORDER BY p.url, v.views"),
            "http://www.mfk.com/article/1.html|9039\n"
            "http://www.mfk.com/article/2.html|9039\n"
            "http://www.mfk.com/article/3.html|9039\n"
            "http://www.mfk.com/article/3.html|9100\n"
            "http://www.mfk.com/article/4.html|9039\n");
  // The unchanged visit is recorded on the page; the gone page keeps its data and gets the failure.
  EXPECT_EQ(peek.All("SELECT fetch_count, last_fetched_at FROM pages WHERE url LIKE '%/article/1.html'"),
            "2|2026-03-09T02:00:00Z\n");
  EXPECT_EQ(peek.Text("SELECT failure_reason FROM pages WHERE url LIKE '%/article/4.html'"), "http 404");
  // Adaptive intervals: unchanged 7d x 1.4, changed 7d x 0.8, the listing's fixed 1 day.
  EXPECT_EQ(peek.All("SELECT url, state, last_change, revisit_ms, visits, changes FROM frontier ORDER BY url"),
            "http://www.mfk.com/article/1.html|done|unchanged|846720000|2|1\n"
            "http://www.mfk.com/article/2.html|done|unchanged|846720000|2|1\n"
            "http://www.mfk.com/article/3.html|done|changed|483840000|2|2\n"
            "http://www.mfk.com/article/4.html|failed|gone|NULL|2|1\n"
            "http://www.mfk.com/list/guke.html|done|unchanged|86400000|2|1\n");
  EXPECT_EQ(peek.All("SELECT job, outcome, pages_new, pages_changed, pages_unchanged, pages_gone FROM crawl_runs"
                     " ORDER BY id"),
            "mfk-weekly|ok|5|0|0|0\n"
            "mfk-weekly|nothing due|0|0|0|0\n"
            "mfk-weekly|ok|0|1|3|1\n");

  // Six days later only the changed article (5.6 days) and the listing (1 day) are due.
  auto third = Crawl(t0_ + Days(14));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->requeued, 2);
  // recrawl: all refetches every page that is done, due or not (the gone one stays failed).
  auto all = Crawl(t0_ + Days(14) + hours(1), CrawlOptions::Recrawl::kAll);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->requeued, 4);
  EXPECT_EQ(all->pages_unchanged, 4);
}

}  // namespace
}  // namespace hc::crawl
