// The portals added by config and fixtures alone (issue 14 point 5: ask39, haodf, 120ask), crawled over
// loopback from their start page with the bundled configs: every fixture page is reached through the
// site's follow rules and stored with exactly the records of its golden file, and every other page the
// fixtures link to is requested once and recorded as a 404. The clock is the goldens' fetch time
// (2026-03-01T02:00:00Z), so relative dates ("3天前", "昨天 08:10") resolve as in the goldens; 120ask's
// GBK bytes behind a gb2312 declaration are decoded as GB18030.
#include <gtest/gtest.h>

#include <map>
#include <ostream>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/records.h"
#include "crawl/crawl.h"
#include "crawl/curl_crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/memory_frontier.h"
#include "support/http_server.h"

namespace hc::crawl {
namespace {

using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using hc::testing::MemoryFrontier;
using hc::testing::ReplaceAll;
using records::Json;

struct PortalCase {
  std::string site;
  std::string host;     // the one host of the site's fixture pages
  std::string charset;  // what the crawler decodes the pages from
};

void PrintTo(const PortalCase& c, std::ostream* os) { *os << c.site; }

class PortalSiteCrawl : public ::testing::TestWithParam<PortalCase> {};

// The golden text with the site's https URLs turned into the http URLs the loopback crawl sees.
std::string HttpText(std::string text, const std::string& host) {
  return ReplaceAll(std::move(text), "https://" + host, "http://" + host);
}

TEST_P(PortalSiteCrawl, ReachesEveryFixturePageAndStoresItsGoldenRecords) {
  const PortalCase& c = GetParam();
  const auto fixtures = extract::FindFixtures(hc::testing::FixturesDir() / "sites", c.site);
  ASSERT_GE(fixtures.size(), 3u);

  HttpServer server;
  std::map<std::string, Json> goldens;  // http URL -> golden page JSON (with http URLs)
  for (const extract::FixturePage& fixture : fixtures) {
    const Json golden = Json::parse(HttpText(hc::testing::ReadFile(fixture.expected), c.host));
    const std::string url = golden["url"].get<std::string>();
    const std::string prefix = "http://" + c.host;
    ASSERT_EQ(url.rfind(prefix, 0), 0u) << url;
    std::string body = HttpText(hc::testing::ReadFile(fixture.html), c.host);
    // As scripts/serve-fixtures and the portal serve them: a GBK page as plain text/html, its charset
    // left to its <meta>.
    server.Route(url.substr(prefix.size()), c.charset == "UTF-8"
                                                ? HttpResponse::Html(std::move(body))
                                                : HttpResponse{.status = 200,
                                                               .headers = {{"Content-Type", "text/html"}},
                                                               .body = std::move(body)});
    goldens.emplace(url, golden);
  }
  server.RobotsTxt("User-agent: *\nAllow: /\n");

  auto program = hc::testing::LoadProgram(c.site);
  ASSERT_EQ(program.config().start_urls.size(), 1u);
  FakeClock clock(TimePoint{});
  TimePoint fetch_time;
  ASSERT_TRUE(ParseIso8601("2026-03-01T02:00:00Z", &fetch_time));
  clock.Set(fetch_time);
  MemoryFrontier frontier;
  CrawlOptions options = hc::testing::FastOptions(server, c.host);
  options.start_urls = {HttpText(program.config().start_urls[0], c.host)};
  options.max_depth = 2;
  options.clock = &clock;
  auto report = CrawlOverCurl(program, frontier, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  std::set<std::string> requested;
  for (const auto& request : server.Requests()) {
    EXPECT_TRUE(requested.insert(request.path).second) << request.path << " was requested twice";
  }
  EXPECT_EQ(report->stored, static_cast<int64_t>(fixtures.size()));
  EXPECT_EQ(report->failed, report->failures.count("http 404") ? report->failures.at("http 404") : 0);
  EXPECT_GT(report->failed, 0);  // the pages the fixtures link to but do not include

  for (const auto& [url, golden] : goldens) {
    SCOPED_TRACE(url);
    const store::PageObservation* stored = nullptr;
    for (const auto& page : frontier.pages) {
      if (page.url == url) stored = &page;
    }
    ASSERT_NE(stored, nullptr) << "not reached from " << options.start_urls[0];
    EXPECT_EQ(stored->failure_reason, "");
    EXPECT_EQ(stored->page_type, golden["page_type"]);
    EXPECT_EQ(stored->charset, c.charset);
    Json got = Json::array();
    for (const auto& record : stored->records) got.push_back(records::ToJson(record));
    EXPECT_EQ(got, golden["records"]);
  }
}

INSTANTIATE_TEST_SUITE_P(Issue14Portals, PortalSiteCrawl,
                         ::testing::Values(PortalCase{"ask39", "ask.39.net", "UTF-8"},
                                           PortalCase{"haodf", "www.haodf.com", "UTF-8"},
                                           PortalCase{"120ask", "www.120ask.com", "GB18030"}),
                         [](const ::testing::TestParamInfo<PortalCase>& info) {
                           return "site_" + info.param.site;
                         });

}  // namespace
}  // namespace hc::crawl
