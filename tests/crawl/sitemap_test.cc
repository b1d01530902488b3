// Sitemap parsing and gunzipping, retry backoff and failure categories: the crawl engine's pure parts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crawl/crawl.h"
#include "support/http_server.h"

namespace hc::crawl {
namespace {

using std::chrono::milliseconds;

TEST(Sitemap, ParsesUrlsetsAndIndexes) {
  struct Case {
    const char* name;
    std::string xml;
    bool is_index;
    std::vector<std::string> locations;
  };
  const std::vector<Case> cases = {
      {"urlset",
       "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
       "<url><loc>https://a.example/1</loc><lastmod>2026-01-01</lastmod></url>\n"
       "<url><loc> https://a.example/2 </loc></url></urlset>",
       false,
       {"https://a.example/1", "https://a.example/2"}},
      {"index",
       "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap><loc>https://a.example/s1.xml.gz"
       "</loc></sitemap><sitemap><loc>https://a.example/s2.xml</loc></sitemap></sitemapindex>",
       true,
       {"https://a.example/s1.xml.gz", "https://a.example/s2.xml"}},
      {"entities and CDATA", "<urlset><url><loc>https://a.example/?a=1&amp;b=2&#38;c=&#x33;</loc></url>"
                             "<url><loc><![CDATA[https://a.example/?x=<1>]]></loc></url></urlset>",
       false,
       {"https://a.example/?a=1&b=2&c=3", "https://a.example/?x=<1>"}},
      {"namespace prefixes", "<s:urlset xmlns:s=\"x\"><s:url><s:loc>https://a.example/p</s:loc></s:url></s:urlset>",
       false,
       {"https://a.example/p"}},
      {"comments are skipped", "<urlset><!-- <loc>https://a.example/no</loc> --><url><loc>https://a.example/yes</loc>"
                               "</url></urlset>",
       false,
       {"https://a.example/yes"}},
      {"an HTML error page has no locations", "<html><body>Not found</body></html>", false, {}},
      {"an unterminated loc is dropped", "<urlset><url><loc>https://a.example/1</loc></url><url><loc>https://a.",
       false,
       {"https://a.example/1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Sitemap sitemap = ParseSitemap(c.xml);
    EXPECT_EQ(sitemap.is_index, c.is_index);
    EXPECT_EQ(sitemap.locations, c.locations);
    EXPECT_FALSE(sitemap.truncated);
  }
}

TEST(Sitemap, KeepsAtMostMaxUrls) {
  std::string xml = "<urlset>";
  for (int i = 0; i < 10; ++i) xml += "<url><loc>https://a.example/" + std::to_string(i) + "</loc></url>";
  xml += "</urlset>";
  Sitemap sitemap = ParseSitemap(xml, 4);
  EXPECT_EQ(sitemap.locations.size(), 4u);
  EXPECT_TRUE(sitemap.truncated);
}

TEST(Sitemap, GunzipsWithinTheLimit) {
  const std::string xml(100'000, 'x');
  const std::string gz = hc::testing::GzipCompress(xml);
  auto ok = Gunzip(gz, 200'000);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, xml);
  auto big = Gunzip(gz, 50'000);
  EXPECT_EQ(big.status().code(), StatusCode::kTooLarge);
  auto broken = Gunzip(gz.substr(0, gz.size() / 2), 200'000);
  EXPECT_EQ(broken.status().code(), StatusCode::kCorruption);
  auto garbage = Gunzip("not gzip at all", 200'000);
  EXPECT_EQ(garbage.status().code(), StatusCode::kCorruption);
}

TEST(Retry, BackoffDoublesIsCappedAndJittered) {
  struct Case {
    int attempt;
    double jitter;
    int64_t ms;
  };
  const Case cases[] = {{1, 0.0, 1000}, {2, 0.0, 2000}, {3, 0.0, 4000}, {3, 0.5, 5000},
                        {10, 0.0, 60000}, {40, 0.0, 60000}, {0, 0.0, 1000}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.attempt);
    EXPECT_EQ(RetryBackoff(c.attempt, milliseconds(1000), milliseconds(60000), c.jitter).count(), c.ms);
  }
}

TEST(FailureCategory, GroupsReasonsForTheSummary) {
  const std::pair<const char*, const char*> cases[] = {
      {"http 404", "http 404"},
      {"network: timeout: Operation timed out after 200 ms", "network: timeout"},
      {"network: connect", "network: connect"},
      {"robots: disallowed by disallow: /q/ (line 2)", "robots: disallowed"},
      {"redirect: off-site http://evil.example/", "redirect: off-site"},
      {"redirect: too many (more than 5)", "redirect: too many"},
      {"extract: title: required field is missing", "extract: title"},
      {"content type: image/png", "content type"},
      {"too large", "too large"},
  };
  for (const auto& [reason, category] : cases) {
    SCOPED_TRACE(reason);
    EXPECT_EQ(FailureCategory(reason), category);
  }
}

}  // namespace
}  // namespace hc::crawl
