// The crawl's politeness against the loopback server, as the server sees it: requests to one origin
// arrive at least the delay apart, start to start (docs/crawling.md, "Politeness"), and no more are in
// progress at once than the concurrency. Only upper bounds on the rate are asserted: a test that wanted
// a minimum speed would fail on a loaded machine (bench/pace_bench.sh measures the speed).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "crawl/crawl.h"
#include "crawl/curl_crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/memory_frontier.h"
#include "support/http_server.h"

namespace hc::crawl {
namespace {

using hc::testing::FastOptions;
using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using hc::testing::MemoryFrontier;
using hc::testing::MfkUrl;
using std::chrono::milliseconds;

// How much closer than the delay two arrivals may be: the server stamps a request when its header
// block has been read, a little after the crawler started it, and that little varies (a new connection,
// a thread scheduled late).
constexpr milliseconds kTolerance{10};

TEST(Politeness, RequestsToAnOriginArriveAtLeastTheDelayApart) {
  struct Case {
    const char* name;
    double delay;
    int concurrency;
    milliseconds answer;  // how long the server takes for each page
  };
  const Case cases[] = {
      {"one at a time, the server answers well within the delay", 0.1, 1, milliseconds(0)},
      {"two at a time, the server answers slower than the delay", 0.05, 2, milliseconds(120)},
  };
  constexpr int kPages = 8;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpServer server;
    hc::testing::ServeMfk(server);
    std::string links;
    for (int i = 0; i < kPages - 1; ++i) {
      const std::string path = "/question/" + std::to_string(100 + i) + ".html";
      server.Route(path, HttpResponse{.status = 404, .body = "gone", .delay = c.answer});
      links += "<a href=\"" + path + "\">q</a>";
    }
    server.Route("/list/guke.html", HttpResponse::Html("<html><body>" + links + "</body></html>"));
    auto program = hc::testing::LoadProgram("mfk");
    MemoryFrontier frontier;
    CrawlOptions options = FastOptions(server);
    options.start_urls = {MfkUrl("/list/guke.html")};
    options.delay_seconds = c.delay;
    options.concurrency = c.concurrency;

    auto report = CrawlOverCurl(program, frontier, options);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->failed, kPages - 1);
    auto requests = server.Requests();
    ASSERT_EQ(requests.size(), 1u + kPages);  // robots.txt, the listing and its pages, each once
    EXPECT_EQ(requests.front().path, "/robots.txt");
    const auto min_gap =
        std::chrono::duration_cast<milliseconds>(std::chrono::duration<double>(c.delay)) - kTolerance;
    for (size_t i = 1; i < requests.size(); ++i) {
      EXPECT_GE(requests[i].arrived - requests[i - 1].arrived, min_gap)
          << requests[i - 1].path << " then " << requests[i].path;
    }
    EXPECT_LE(server.PeakRequestsInProgress(), c.concurrency);
  }
}

}  // namespace
}  // namespace hc::crawl
