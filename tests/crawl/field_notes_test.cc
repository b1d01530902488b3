// A crawl's conversion notes (issue 13 point 2): summed per field over every worker's pages, with the
// first example and its URL, in the report and in crawl_runs.extra.field_notes, where `stats` finds them.
#include <gtest/gtest.h>

#include <string>

#include "crawl/crash_support.h"
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using hc::testing::QueryOne;

constexpr const char* kHost = "www.notes.test";

std::string Url(int n) { return std::string("http://") + kHost + "/a/" + std::to_string(n) + ".html"; }

extract::SelectorProgram NotesProgram() {
  const std::string yaml = std::string("site: notes\nallowed_domains: [notes.test]\nstart_urls: ['") +
                           Url(0) +
                           "']\nallow_private_addresses: true\n"
                           "page_types:\n  - name: article\n    url: '/a/'\n    record: article\n"
                           "    fields:\n      title: h1\n      views: .views\n      published_at: .time\n";
  auto program = extract::SelectorProgram::FromYaml(yaml, "notes.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) std::abort();
  return std::move(*program);
}

std::string Page(const std::string& body) {
  return "<!doctype html><html><head><meta charset=utf-8></head><body><h1>t</h1>" + body + "</body></html>";
}

TEST(CrawlFieldNotes, CountedPerFieldOverThePagesAndKeptWithTheRun) {
  HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  // Page 0 links 1..6; views are unreadable on pages 0, 2, 4 and 6, the date on page 3 only.
  std::string links;
  for (int i = 1; i <= 6; ++i) links += "<a href=/a/" + std::to_string(i) + ".html>x</a>";
  server.Route("/a/0.html", HttpResponse::Html(Page("<p class=views>很多</p>" + links)));
  for (int i = 1; i <= 6; ++i) {
    std::string body = i % 2 == 0 ? "<p class=views>n/a</p>" : "<p class=views>12次阅读</p>";
    if (i == 3) body += "<p class=time>不详</p>";
    server.Route("/a/" + std::to_string(i) + ".html", HttpResponse::Html(Page(body)));
  }
  const extract::SelectorProgram program = NotesProgram();
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  CrawlOptions options = hc::testing::FastOptions(server, kHost);
  CrawlReport report;
  {
    auto store = store::OpenDatabase(db);
    ASSERT_TRUE(store.ok());
    options.runs = store->get();
    auto run = RunCrawl(program, **store, options);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    report = std::move(*run);
  }
  EXPECT_EQ(report.stored, 7);
  ASSERT_EQ(report.field_notes.size(), 2u);
  // The order of first failure depends on the workers; the first example of views is page 0's only
  // when page 0 went first, which it does: it is the only URL known until it is extracted.
  const auto& views =
      report.field_notes[0].field == "article.views" ? report.field_notes[0] : report.field_notes[1];
  const auto& date =
      report.field_notes[0].field == "article.views" ? report.field_notes[1] : report.field_notes[0];
  EXPECT_EQ(views.field, "article.views");
  EXPECT_EQ(views.count, 4);
  EXPECT_EQ(views.example, "\"很多\" is not a count");
  EXPECT_EQ(views.url, Url(0));
  EXPECT_EQ(date.field, "article.published_at");
  EXPECT_EQ(date.count, 1);
  EXPECT_EQ(date.example, "\"不详\" is not a date");
  EXPECT_EQ(date.url, Url(3));

  EXPECT_EQ(
      QueryOne(db, "SELECT json_extract(extra, '$.field_notes.\"article.views\".count') FROM crawl_runs"),
      "4");
  EXPECT_EQ(
      QueryOne(db,
               "SELECT json_extract(extra, '$.field_notes.\"article.published_at\".url') FROM crawl_runs"),
      Url(3));

  auto store = store::OpenDatabase(db, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto stats = (*store)->ComputeStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_EQ(stats->field_notes.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {  // as the run listed them
    SCOPED_TRACE(i);
    EXPECT_EQ(stats->field_notes[i].site, "notes");
    EXPECT_EQ(stats->field_notes[i].run_id, report.run_id);
    EXPECT_EQ(stats->field_notes[i].field, report.field_notes[i].field);
    EXPECT_EQ(stats->field_notes[i].notes, report.field_notes[i].count);
    EXPECT_EQ(stats->field_notes[i].example, report.field_notes[i].example);
  }
}

TEST(CrawlFieldNotes, NoneWhenEveryValueReads) {
  HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  server.Route("/a/0.html", HttpResponse::Html(Page("<p class=views>12次阅读</p>")));
  const extract::SelectorProgram program = NotesProgram();
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  auto store = store::OpenDatabase(db);
  ASSERT_TRUE(store.ok());
  CrawlOptions options = hc::testing::FastOptions(server, kHost);
  options.runs = store->get();
  auto report = RunCrawl(program, **store, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->field_notes.empty());
  EXPECT_EQ(QueryOne(db, "SELECT coalesce(json_extract(extra, '$.field_notes'), 'none') FROM crawl_runs"),
            "none");
}

}  // namespace
}  // namespace hc::crawl
