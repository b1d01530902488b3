// Fault rows for the link and URL limits (issue 11 point 3), beside faults_test.cc: a page of more links
// than limits.max_links_per_page, a 10 MB href, a redirect to a URL longer than limits.max_url_length,
// and a start URL past the limit. Each row crawls one loopback site into a SQLite database and checks what
// reached the frontier, the server and the tables. docs/RELIABILITY.md ("Limits") lists them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

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

constexpr const char* kHost = "www.wenda.test";

std::string WendaPath(long long n) { return "/wenda/" + std::to_string(n) + ".html"; }
std::string WendaUrl(long long n) { return std::string("http://") + kHost + WendaPath(n); }

extract::SelectorProgram WendaProgram(const std::string& limits) {
  const std::string yaml = std::string("site: wenda\nallowed_domains: [wenda.test]\nstart_urls: ['") + WendaUrl(0) +
                           "']\nallow_private_addresses: true\n" + limits +
                           "follow:\n  allow: ['^http://www\\.wenda\\.test/wenda/\\d+\\.html$']\n"
                           "page_types:\n  - name: question\n    url: '/wenda/'\n";
  auto program = extract::SelectorProgram::FromYaml(yaml, "wenda.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) std::abort();
  return std::move(*program);
}

std::string Anchors(long long first, long long count) {
  std::string out;
  for (long long i = first; i < first + count; ++i) out += "<a href=" + WendaPath(i) + ">q</a>\n";
  return out;
}

std::string Page(const std::string& body) {
  return "<!doctype html><html><head><meta charset=utf-8><title>q</title></head><body>" + body + "</body></html>";
}

struct LimitCase {
  const char* name;
  std::string limits;                       // the config's limits block
  std::function<void(HttpServer&)> serve;   // /wenda/0.html and whatever it leads to
  int max_pages;
  std::string frontier_rows;                // count(*) of the frontier after the run
  std::string start_state;                  // state || ' ' || detail of /wenda/0.html: a prefix
  std::string links_dropped;                // pages.links_dropped of /wenda/0.html
  std::string notes;                        // pages.notes of /wenda/0.html
  std::vector<std::string> absent;          // URLs that must not be in the frontier
};

std::vector<LimitCase> Cases() {
  // 10 MB (not MiB: the page must stay under the 10 MiB body limit).
  const std::string ten_mb_path = "/wenda/" + std::string(10'000'000, '1') + ".html";
  const std::string long_location = "/wenda/" + std::string(10 * 1024, '7') + ".html";  // under the header limit
  std::vector<LimitCase> cases;
  cases.push_back({"a page of 1,000 links, 50 taken",
                   "limits: {max_links_per_page: 50}\n",
                   [](HttpServer& s) { s.Route(WendaPath(0), HttpResponse::Html(Page(Anchors(1, 1000)))); },
                   1, "51", "done ", "950", R"(["950 links past max_links_per_page (50) dropped"])",
                   {WendaUrl(51), WendaUrl(1000)}});
  cases.push_back({"a 10 MB href (default 8 KiB URL limit)",
                   "",
                   [=](HttpServer& s) {
                     s.Route(WendaPath(0), HttpResponse::Html(Page("<a href=" + ten_mb_path + ">x</a>" + Anchors(1, 1))));
                     s.Route(WendaPath(1), HttpResponse::Html(Page("end")));
                   },
                   0, "2", "done ", "1", R"(["1 links longer than max_url_length (8192 bytes) dropped"])",
                   {"http://www.wenda.test" + ten_mb_path}});
  cases.push_back({"a redirect to a 10 KB URL",
                   "",
                   [=](HttpServer& s) { s.Route(WendaPath(0), HttpResponse::Redirect(302, long_location)); },
                   0, "1", "failed redirect: target longer than max_url_length (", "0", "[]",
                   {"http://www.wenda.test" + long_location}});
  return cases;
}

TEST(CrawlLimits, LinksPastTheLimitsNeverReachTheFrontierTheServerOrTheTables) {
  for (const LimitCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    HttpServer server;
    server.RobotsTxt("User-agent: *\nAllow: /\n");
    c.serve(server);
    const extract::SelectorProgram program = WendaProgram(c.limits);
    hc::testing::TempDir dir;
    const std::string db = (dir / "crawl.db").string();
    CrawlOptions options = hc::testing::FastOptions(server, kHost);
    options.max_pages = c.max_pages;
    {
      auto store = store::OpenDatabase(db);
      ASSERT_TRUE(store.ok());
      Result<CrawlReport> report = RunCrawl(program, **store, options);
      ASSERT_TRUE(report.ok()) << report.status().ToString();
    }
    EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM frontier"), c.frontier_rows);
    const std::string start = "'" + WendaUrl(0) + "'";
    EXPECT_THAT(QueryOne(db, "SELECT state || ' ' || coalesce(detail, '') FROM frontier WHERE url = " + start),
                ::testing::StartsWith(c.start_state));
    EXPECT_EQ(QueryOne(db, "SELECT links_dropped FROM pages WHERE url = " + start), c.links_dropped);
    EXPECT_EQ(QueryOne(db, "SELECT coalesce(notes, '[]') FROM pages WHERE url = " + start), c.notes);
    for (const std::string& url : c.absent) {
      EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM frontier WHERE url = '" + url + "' OR url_key = '" + url + "'"), "0");
    }
    // Nothing over the limit was requested or stored anywhere.
    for (const auto& request : server.Requests()) EXPECT_LE(request.target.size(), 8192u);
    EXPECT_EQ(QueryOne(db, "SELECT max(length(url)) <= 8192 FROM frontier"), "1");
    EXPECT_EQ(QueryOne(db, "SELECT coalesce(max(length(url)), 0) <= 8192 FROM pages"), "1");
    EXPECT_EQ(QueryOne(db, "SELECT coalesce(max(length(discovered_from)), 0) <= 8192 FROM frontier"), "1");
    EXPECT_LT(std::filesystem::file_size(db), 2u * 1024 * 1024) << "the database holds more than the kept links";
  }
}

TEST(CrawlLimits, AStartUrlLongerThanTheLimitIsRefusedBeforeAnythingIsFetched) {
  HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  const extract::SelectorProgram program = WendaProgram("limits: {max_url_length: 100}\n");
  hc::testing::TempDir dir;
  auto store = store::OpenDatabase((dir / "crawl.db").string());
  ASSERT_TRUE(store.ok());
  CrawlOptions options = hc::testing::FastOptions(server, kHost);
  options.start_urls = {"http://www.wenda.test/wenda/" + std::string(200, '1') + ".html"};
  Result<CrawlReport> report = RunCrawl(program, **store, options);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(report.status().message(), ::testing::HasSubstr("longer than max_url_length (100)"));
  EXPECT_TRUE(server.Requests().empty());
}

// A stop past its grace period while fetched pages wait for a parse worker: they go back to the queue
// unparsed (a page of 300,000 links would take a worker a second or more), and the run ends with
// nothing in flight and every stored page's URL done.
TEST(CrawlLimits, AStopPastItsGraceReleasesFetchedPagesUnparsed) {
  HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::atomic<bool> stop{false};
  server.Route(WendaPath(0), HttpResponse::Html(Page(Anchors(1, 20))));
  for (int i = 1; i <= 20; ++i) {
    server.Route(WendaPath(i), [&stop, i](const hc::testing::HttpRequest&) {
      if (i == 3) stop = true;  // the crawl is asked to stop while the pages are on their way
      return HttpResponse::Html(Page(Anchors(100 + i * 10, 5)));
    });
  }
  const extract::SelectorProgram program = WendaProgram("");
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  CrawlOptions options = hc::testing::FastOptions(server, kHost);
  options.stop = &stop;
  options.stop_grace = std::chrono::milliseconds(0);
  options.workers = 1;
  {
    auto store = store::OpenDatabase(db);
    ASSERT_TRUE(store.ok());
    Result<CrawlReport> report = RunCrawl(program, **store, options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_TRUE(report->interrupted);
    EXPECT_EQ(report->frontier.in_flight, 0);
    EXPECT_LT(report->stored, 21);
  }
  // Every page fetched but not stored is queued again for the next run.
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM frontier WHERE state = 'in_flight'"), "0");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM frontier WHERE state = 'done'"),
            QueryOne(db, "SELECT count(*) FROM pages"));
}

}  // namespace
}  // namespace hc::crawl
