// Issue #12 point 1, the page value (core/page.h): one crawled page goes from the frontier through the
// fetch, the parse worker and the store's writer to its rows, and each fact of it is computed once on
// that way. Counted with the test observers of core/url.h (every Url::Parse) and core/page.h (page-type
// matches, SHA-1 digests, records serialized to page JSON), on a FakeFetcher and a real SQLite store with
// the raw archive on, so the store's own uses of the facts (the content hash, the archive's body digest)
// are on the way too.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/page.h"
#include "core/url.h"
#include "crawl/crawl.h"
#include "crawl/fake_fetcher.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using hc::testing::FakeFetcher;
using hc::testing::GeneratedArticleHtml;
using hc::testing::GeneratedListingHtml;
using hc::testing::GeneratedTitle;
using hc::testing::MfkUrl;
using std::chrono::milliseconds;
using Response = FakeFetcher::Response;

struct FactCounts {
  std::mutex mu;
  std::map<std::string, int> url_parses;         // by input
  std::map<std::string, int> page_type_matches;  // by URL
  std::map<std::string, int> sha1s;              // by the bytes hashed
  std::map<std::string, int> record_jsons;       // by record kind
};
FactCounts counts;

void CountParse(std::string_view input) {
  std::lock_guard lock(counts.mu);
  ++counts.url_parses[std::string(input)];
}

void CountFact(PageFact fact, std::string_view subject) {
  std::lock_guard lock(counts.mu);
  switch (fact) {
    case PageFact::kPageTypeMatch:
      ++counts.page_type_matches[std::string(subject)];
      break;
    case PageFact::kSha1:
      ++counts.sha1s[std::string(subject)];
      break;
    case PageFact::kRecordJson:
      ++counts.record_jsons[std::string(subject)];
      break;
  }
}

TEST(PageValue, EachFactOfACrawledPageIsComputedOnce) {
  auto program = hc::testing::LoadProgram("mfk");
  FakeFetcher fetcher;
  fetcher.On(MfkUrl("/robots.txt"), Response::Text("User-agent: *\nAllow: /\n"));
  // The listing gives each article's link twice (a page repeats its links): one parse each.
  const std::string listing =
      GeneratedListingHtml({"/article/1.html", "/article/2.html", "/article/1.html", "/article/2.html"});
  fetcher.On(MfkUrl("/list/guke.html"), Response::Html(listing));
  std::map<std::string, std::string> bodies = {{MfkUrl("/list/guke.html"), listing}};
  for (int id : {1, 2}) {
    const std::string url = MfkUrl("/article/" + std::to_string(id) + ".html");
    bodies[url] = GeneratedArticleHtml(id, GeneratedTitle(id));
    fetcher.On(url, Response::Html(bodies[url]));
  }
  hc::testing::TempDir dir;
  auto db = store::OpenDatabase(dir / "crawl.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  CrawlOptions options;
  options.start_urls = {MfkUrl("/list/guke.html")};
  options.delay_seconds = 0;
  options.workers = 2;
  options.lease_owner = "test";
  options.read_sitemaps = false;
  options.archive = true;

  {
    std::lock_guard lock(counts.mu);
    counts.url_parses.clear();
    counts.page_type_matches.clear();
    counts.sha1s.clear();
    counts.record_jsons.clear();
  }
  SetUrlParseObserverForTests(&CountParse);
  SetPageFactObserverForTests(&CountFact);
  auto report = RunCrawl(program, **db, fetcher, options);
  SetPageFactObserverForTests(nullptr);
  SetUrlParseObserverForTests(nullptr);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_EQ(report->stored, 3);

  std::lock_guard lock(counts.mu);
  for (const auto& [url, body] : bodies) {
    SCOPED_TRACE(url);
    // The page URL: parsed once on its way from the frontier to the fetcher (robots.txt reads it, the
    // fetcher hands libcurl its href) and carried by the page to the worker, Extract and the row. The
    // start URL is parsed once more before it is a frontier row (as a start URL, by Seed).
    EXPECT_EQ(counts.url_parses[url], url == MfkUrl("/list/guke.html") ? 2 : 1);
    // Its page type: matched once, by the parse worker (the revisit policy, Extract and the row read it).
    // The start URL is matched once more when it is seeded (for its frontier priority); a link's
    // priority comes from the extraction that classified it.
    EXPECT_EQ(counts.page_type_matches[url], url == MfkUrl("/list/guke.html") ? 2 : 1);
    // The body's SHA-1: once, by the parse worker; the raw archive's row takes it from the page.
    EXPECT_EQ(counts.sha1s[body], 1);
  }
  // Each link: its href parsed once (resolved against the listing's URL) when the listing is
  // extracted, and never again on its way to the frontier (the page carries it parsed).
  EXPECT_EQ(counts.url_parses["/article/1.html"], 1);
  EXPECT_EQ(counts.url_parses["/article/2.html"], 1);
  // The records: one article record on each article page (the listing has none), serialized to page
  // JSON once, for the drift tally and the content hash together.
  EXPECT_EQ(counts.record_jsons["article"], 2);
  EXPECT_EQ(counts.record_jsons.size(), 1u);
}

}  // namespace
}  // namespace hc::crawl
