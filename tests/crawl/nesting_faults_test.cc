// The nesting-depth rows of the fault table (docs/RELIABILITY.md, "Faults and hostile servers" and
// "Limits"), beside tests/crawl/faults_test.cc: a page nested deeper than html::ParseOptions::max_depth
// served from the loopback server and crawled with a good article into a SQLite database. The parse stays
// bounded in time, the page is stored with the limit in pages.notes, and the crawl goes on.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "crawl/crash_support.h"
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "html/html.h"
#include "store/database.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using hc::testing::QueryOne;
using Steady = std::chrono::steady_clock;

constexpr int kGoodId = 1000;

std::string ArticleUrl(int id) { return "http://www.mfk.com/article/" + std::to_string(id) + ".html"; }

std::string Divs(std::size_t n, const std::string& inside) {
  std::string out;
  out.reserve(n * 11 + inside.size());
  for (std::size_t i = 0; i < n; ++i) out += "<div>";
  out += inside;
  for (std::size_t i = 0; i < n; ++i) out += "</div>";
  return out;
}

std::string Note(std::size_t depth) {
  return "[\"elements nested " + std::to_string(depth) + " deep, over the nesting limit of " +
         std::to_string(html::ParseOptions{}.max_depth) + ": the content below that depth was flattened\"]";
}

TEST(CrawlFaults, PagesNestedPastTheLimitAreStoredWithANote) {
  const std::size_t limit = html::ParseOptions{}.max_depth;
  struct Case {
    const char* name;
    int id;
    std::string html;
    std::string state;
    std::string detail;  // frontier detail ("" when done)
    std::string notes;   // pages.notes
  };
  auto with_sidebar = [&](int id, std::size_t levels) {
    std::string html = hc::testing::GeneratedArticleHtml(id, hc::testing::GeneratedTitle(id));
    return html.insert(html.find("</body>"), Divs(levels, "<span>旁注</span>"));
  };
  auto wrapped = [&](int id, std::size_t levels) {
    std::string html = hc::testing::GeneratedArticleHtml(id, hc::testing::GeneratedTitle(id));
    const std::size_t body = html.find("<body>") + 6, end = html.find("</body>");
    return html.substr(0, body) + Divs(levels, html.substr(body, end - body)) + html.substr(end);
  };
  const Case cases[] = {
      // html, body, the divs, the span: the span is at depth levels + 3.
      {"a sidebar nested up to the limit", 2001, with_sidebar(2001, limit - 3), "done", "", "[]"},
      {"a sidebar of 100,000 nested divs beside the article", 2002, with_sidebar(2002, 100000), "done", "",
       Note(100003)},
      // The article's <p> and <span>s are at depth levels + 5; the title loses its text to the flattening.
      {"the article nested 2,000 deep", 2003, wrapped(2003, 2000), "failed",
       "extract: title: required field is missing", Note(2005)},
  };
  const extract::SelectorProgram program = hc::testing::LoadProgram("mfk");
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpServer server;
    server.RobotsTxt("User-agent: *\nAllow: /\n");
    server.Route(hc::testing::GeneratedArticlePath(kGoodId), hc::testing::GeneratedArticle(kGoodId));
    server.Route(hc::testing::GeneratedArticlePath(c.id), HttpResponse::Html(c.html));
    hc::testing::TempDir dir;
    const std::string db = (dir / "crawl.db").string();
    CrawlOptions options = hc::testing::FastOptions(server);
    options.fetcher.proxy = "";
    options.start_urls = {ArticleUrl(c.id), ArticleUrl(kGoodId)};

    const auto started = Steady::now();
    Result<CrawlReport> report = [&]() -> Result<CrawlReport> {
      auto store = store::OpenDatabase(db);
      if (!store.ok()) return store.status();
      options.runs = store->get();
      return RunCrawl(program, **store, options);
    }();
    const double seconds = std::chrono::duration<double>(Steady::now() - started).count();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    std::printf("fault row \"%s\": %.2f s, %zu bytes\n", c.name, seconds, c.html.size());
    // A bound, not a benchmark: without the limit Gumbo takes about 6 s over 50,000 nested divs, four
    // times that over 100,000.
    EXPECT_LT(seconds, 10.0);

    const std::string url = ArticleUrl(c.id);
    EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = '" + url + "'"), c.state);
    EXPECT_EQ(QueryOne(db, "SELECT coalesce(detail, '') FROM frontier WHERE url = '" + url + "'"), c.detail);
    if (c.state == "failed") {
      EXPECT_EQ(QueryOne(db, "SELECT failure_reason FROM pages WHERE url = '" + url + "'"), c.detail);
      EXPECT_EQ(report->failures.count(FailureCategory(c.detail)), 1u);
    }
    EXPECT_EQ(QueryOne(db, "SELECT notes FROM pages WHERE url = '" + url + "'"), c.notes);
    EXPECT_EQ(QueryOne(db, "SELECT links_dropped FROM pages WHERE url = '" + url + "'"), "0");
    if (c.state == "done") {
      EXPECT_EQ(QueryOne(db, "SELECT a.title FROM articles a JOIN pages p ON p.id = a.page_id WHERE p.url = '" +
                                 url + "'"),
                hc::testing::GeneratedTitle(c.id));
    }
    // The crawl went on: the good article is stored, with no note.
    const std::string good = ArticleUrl(kGoodId);
    EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = '" + good + "'"), "done");
    EXPECT_EQ(QueryOne(db, "SELECT notes FROM pages WHERE url = '" + good + "'"), "[]");
    EXPECT_EQ(report->frontier.in_flight, 0);
  }
}

}  // namespace
}  // namespace hc::crawl
