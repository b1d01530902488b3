// The crawl engine on a FakeFetcher (fake_fetcher.h): a small mfk-like site answered from a table, no
// sockets. The assertions are on the frontier and the stored pages, never on timing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/records.h"
#include "core/url.h"
#include "crawl/crawl.h"
#include "crawl/fake_fetcher.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "crawl/memory_frontier.h"

namespace hc::crawl {
namespace {

using hc::testing::FakeFetcher;
using hc::testing::GeneratedArticleHtml;
using hc::testing::GeneratedListingHtml;
using hc::testing::GeneratedTitle;
using hc::testing::MemoryFrontier;
using hc::testing::MfkUrl;
using std::chrono::milliseconds;
using store::UrlState;
using Response = FakeFetcher::Response;

CrawlOptions FakeSiteOptions() {
  CrawlOptions options;
  options.start_urls = {MfkUrl("/list/guke.html")};
  options.delay_seconds = 0;
  options.max_attempts = 2;
  options.retry_base_delay = milliseconds(10);
  options.retry_max_delay = milliseconds(20);
  options.workers = 2;
  options.commit_interval = milliseconds(50);
  options.lease_owner = "test";
  options.read_sitemaps = false;
  return options;
}

// The site: a listing linking seven articles, of which 1 and 4 are stored; 2 is a 404; 3 is disallowed
// by robots.txt; 5 redirects (301) to 6, which nothing links, and 6 is stored; 7 fails with a reset
// connection on every try; 8 times out once, then answers.
void ServeSmallSite(FakeFetcher& fetcher) {
  fetcher.On(MfkUrl("/robots.txt"), Response::Text("User-agent: *\nDisallow: /article/3.html\n"));
  std::vector<std::string> links;
  for (int id : {1, 2, 3, 4, 5, 7, 8}) links.push_back("/article/" + std::to_string(id) + ".html");
  fetcher.On(MfkUrl("/list/guke.html"), Response::Html(GeneratedListingHtml(links)));
  for (int id : {1, 3, 4, 6}) {
    fetcher.On(MfkUrl("/article/" + std::to_string(id) + ".html"), Response::Html(GeneratedArticleHtml(id, GeneratedTitle(id))));
  }
  fetcher.On(MfkUrl("/article/2.html"), Response::WithStatus(404));
  fetcher.On(MfkUrl("/article/5.html"), Response::Redirect(301, MfkUrl("/article/6.html")));
  fetcher.On(MfkUrl("/article/7.html"), Response::Error(net::FetchError::kReset, "connection reset by peer"));
  fetcher.On(MfkUrl("/article/8.html"),
             {Response::Error(net::FetchError::kTimeout, "operation timed out"),
              Response::Html(GeneratedArticleHtml(8, GeneratedTitle(8)))});
}

std::optional<MemoryFrontier::Row> Row(const MemoryFrontier& frontier, int id) {
  return frontier.Find(MfkUrl("/article/" + std::to_string(id) + ".html"));
}

TEST(CrawlOnFakeFetcher, CrawlsASmallSite) {
  auto program = hc::testing::LoadProgram("mfk");
  FakeFetcher fetcher;
  ServeSmallSite(fetcher);
  MemoryFrontier frontier;
  auto report = RunCrawl(program, frontier, fetcher, FakeSiteOptions());
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  struct Case {
    int id;
    UrlState state;
    std::string detail;
    int attempts;
  };
  const Case cases[] = {
      {1, UrlState::kDone, "", 1},
      {2, UrlState::kFailed, "http 404", 1},
      {3, UrlState::kFailed, "robots: disallowed by", 0},
      {4, UrlState::kDone, "", 1},
      {5, UrlState::kRedirected, MfkUrl("/article/6.html"), 1},
      {6, UrlState::kDone, "", 1},
      {7, UrlState::kFailed, "network: reset: connection reset by peer", 2},
      {8, UrlState::kDone, "", 2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("article " + std::to_string(c.id));
    auto row = Row(frontier, c.id);
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(row->state, c.state);
    EXPECT_THAT(row->detail, ::testing::StartsWith(c.detail));
    if (c.attempts > 0) {
      EXPECT_EQ(row->attempts, c.attempts);
    }
  }

  // robots.txt came first, and the disallowed page was never asked for; the failing page was tried
  // max_attempts times, the one that recovered twice, every other page once.
  const std::vector<std::string> requested = fetcher.Requested();
  ASSERT_FALSE(requested.empty());
  EXPECT_EQ(requested.front(), MfkUrl("/robots.txt"));
  EXPECT_EQ(fetcher.Requests(MfkUrl("/article/3.html")), 0);
  EXPECT_EQ(fetcher.Requests(MfkUrl("/article/7.html")), 2);
  EXPECT_EQ(fetcher.Requests(MfkUrl("/article/8.html")), 2);
  for (int id : {1, 2, 4, 5, 6}) EXPECT_EQ(fetcher.Requests(MfkUrl("/article/" + std::to_string(id) + ".html")), 1);

  // The stored pages: the listing and four articles with their titles; the 404 stored as a failure.
  std::map<std::string, const store::PageObservation*> pages;
  for (const auto& page : frontier.pages) pages[page.url] = &page;
  for (int id : {1, 4, 6, 8}) {
    SCOPED_TRACE(id);
    const std::string url = MfkUrl("/article/" + std::to_string(id) + ".html");
    ASSERT_TRUE(pages.count(url));
    EXPECT_EQ(pages[url]->failure_reason, "");
    ASSERT_EQ(pages[url]->records.size(), 1u);
    EXPECT_EQ(records::ToJson(pages[url]->records[0])["title"], GeneratedTitle(id));
  }
  ASSERT_TRUE(pages.count(MfkUrl("/article/2.html")));
  EXPECT_EQ(pages[MfkUrl("/article/2.html")]->failure_reason, "http 404");

  EXPECT_EQ(report->stored, 5);  // the listing and four articles
  EXPECT_EQ(report->redirected, 1);
  EXPECT_EQ(report->failed, 3);
  EXPECT_EQ(report->retries, 2);
  EXPECT_EQ(report->failures.at("http 404"), 1);
  EXPECT_EQ(report->failures.at("robots: disallowed"), 1);
  EXPECT_EQ(report->failures.at("network: reset"), 1);
  EXPECT_EQ(report->frontier.queued, 0);
  EXPECT_EQ(report->frontier.in_flight, 0);
  EXPECT_EQ(report->frontier.total(), 9);
}

// A site whose robots.txt cannot be had: its pages wait, nothing but robots.txt is requested, and the
// run reports the origin unreachable.
TEST(CrawlOnFakeFetcher, AnUnreachableRobotsTxtHoldsTheOrigin) {
  auto program = hc::testing::LoadProgram("mfk");
  FakeFetcher fetcher;
  fetcher.On(MfkUrl("/robots.txt"), Response::Error(net::FetchError::kConnect, "connection refused"));
  MemoryFrontier frontier;
  CrawlOptions options = FakeSiteOptions();
  options.max_idle_wait = milliseconds(200);
  options.robots_unreachable_wait = milliseconds(60'000);
  auto report = RunCrawl(program, frontier, fetcher, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  for (const std::string& url : fetcher.Requested()) EXPECT_EQ(url, MfkUrl("/robots.txt"));
  EXPECT_EQ(fetcher.Requests(MfkUrl("/robots.txt")), options.max_attempts);
  EXPECT_TRUE(report->unreachable);
  EXPECT_EQ(report->frontier.queued, 1);
  EXPECT_EQ(RunOutcome(*report), "unreachable");
}

// Issue #12 point 1, the fetcher's part: on its way from the frontier to the fetcher (lease, robots.txt
// check, request), each page's URL is parsed once by the project's parser, on the fetch loop's thread,
// and the fetcher gets it parsed (the curl fetcher hands libcurl its href and parses nothing:
// FetcherTest.SendsTheParsedUrlWithoutParsingItAgain). The parse workers' parses (the page's own key
// and base URL in ObserveResponse and Extract, each link resolved) are not on that way: they are the
// page value's part of point 1.
std::mutex parses_mu;
std::thread::id fetch_thread;
std::map<std::string, int> fetch_thread_parses;

void CountParse(std::string_view input) {
  if (std::this_thread::get_id() != fetch_thread) return;
  std::lock_guard lock(parses_mu);
  ++fetch_thread_parses[std::string(input)];
}

TEST(CrawlOnFakeFetcher, APageUrlIsParsedOnceOnItsWayToTheFetcher) {
  auto program = hc::testing::LoadProgram("mfk");
  FakeFetcher fetcher;
  fetcher.On(MfkUrl("/robots.txt"), Response::Text("User-agent: *\nAllow: /\n"));
  fetcher.On(MfkUrl("/list/guke.html"), Response::Html(GeneratedListingHtml({"/article/1.html", "/article/2.html"})));
  for (int id : {1, 2}) {
    fetcher.On(MfkUrl("/article/" + std::to_string(id) + ".html"), Response::Html(GeneratedArticleHtml(id, GeneratedTitle(id))));
  }
  MemoryFrontier frontier;
  fetch_thread = std::this_thread::get_id();
  fetch_thread_parses.clear();
  SetUrlParseObserverForTests(&CountParse);
  auto report = RunCrawl(program, frontier, fetcher, FakeSiteOptions());
  SetUrlParseObserverForTests(nullptr);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->stored, 3);

  std::lock_guard lock(parses_mu);
  // The start URL is parsed once more, as a start URL (Seed), before it is a frontier row.
  EXPECT_EQ(fetch_thread_parses[MfkUrl("/list/guke.html")], 2);
  for (int id : {1, 2}) {
    SCOPED_TRACE(id);
    EXPECT_EQ(fetch_thread_parses[MfkUrl("/article/" + std::to_string(id) + ".html")], 1);
  }
}

}  // namespace
}  // namespace hc::crawl
