// Issue 11's poison link at the crawl level: a xywy listing whose links include a doctor card of
// 100,000 digits (at 40,000 std::regex's recursive matcher overflowed the stack and every rerun died on
// the same page) and a 1 MB one, crawled with the shipped xywy config from the loopback server. The
// crawl ends normally, the listing (a links-only page type) is stored without a failure, and its links
// are taken into the frontier. (Whether a long link is then queued or dropped by a URL length cap is the link
// limits' business, not asserted here.) docs/RELIABILITY.md lists the case in the fault table.
#include <gtest/gtest.h>

#include <string>

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

const store::PageObservation* StoredPage(const MemoryFrontier& frontier, const std::string& url) {
  for (const auto& page : frontier.pages) {
    if (page.url == url) return &page;
  }
  return nullptr;
}

TEST(CrawlLongLinks, ListingWithHugeDoctorCardLinksIsStoredAndTheCrawlGoesOn) {
  const std::string list_url = "http://club.xywy.com/list_guke_1.htm";
  const std::string doctor_url = "http://club.xywy.com/doc_card/86423";
  std::string html = hc::testing::FixtureHtml("xywy", "list-guke");
  const size_t body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  html.insert(body_end, "<a href=\"/doc_card/" + std::string(100000, '1') + "\">a</a>" + "<a href=\"/doc_card/" +
                            std::string(1024 * 1024, '2') + "/\">b</a>" + "<a href=\"" + doctor_url + "\">c</a>");
  HttpServer server;
  server.Route("/list_guke_1.htm", HttpResponse::Html(html));
  server.Route("/doc_card/86423", HttpResponse::Html(hc::testing::FixtureHtml("xywy", "doctor-86423")));
  server.RobotsTxt("User-agent: *\nAllow: /\n");

  auto program = hc::testing::LoadProgram("xywy");
  MemoryFrontier frontier;
  CrawlOptions options = hc::testing::FastOptions(server, "club.xywy.com");
  options.start_urls = {list_url};
  options.max_depth = 1;
  options.max_pages = 2;  // the listing and one of its links
  auto report = CrawlOverCurl(program, frontier, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  const auto* listing = StoredPage(frontier, list_url);
  ASSERT_NE(listing, nullptr);
  EXPECT_EQ(listing->failure_reason, "");
  EXPECT_EQ(listing->page_type, "listing");
  EXPECT_GE(report->stored, 1);
  EXPECT_GE(report->discovered, 1);  // at least the ordinary doctor link; the long ones are not asserted
}

}  // namespace
}  // namespace hc::crawl
