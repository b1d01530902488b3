// Security defaults (healthcrawl issue 6, point 6), one test per default that no other test already
// covers at this level. The others are covered where they live, and docs/RELIABILITY.md maps each
// default to its tests:
//   only http(s)           tests/net/fetcher_test.cc OnlyHttpAndHttpsUrlsAreFetched; faults_test.cc
//                          "redirect to a non-http scheme"; here: start URLs and links
//   allowed domains after  faults_test.cc "redirect to another domain", "redirect off-site on the
//   every redirect         second hop", "redirect to a link-local address"; engine_test.cc
//                          RedirectsAreFollowedHopByHopWithinLimits
//   private addresses      faults_test.cc PrivateAddressesAreRefusedUnlessTheSiteConfigAllowsThem;
//                          fetcher_test.cc NonPublicAddressesAreRefusedUnlessAllowed, IsPublicAddress,
//                          ConnectToSendsAHostNameToAnotherAddress
//   size limits            faults_test.cc (20 MB page, gzip bomb, header block, 2 MB robots.txt);
//                          fetcher_test.cc BodiesOverTheLimitAreAbortedAsTooLarge,
//                          HeadersOverTheLimitAreTooLarge; robots_test.cc ID_ParseLimit500KiB;
//                          sitemap_test.cc GunzipsWithinTheLimit; here: sitemaps in a crawl
//   no shell               here
//   export                 tests/store/export_test.cc RefusesToOverwriteWithoutForceAndNeverFollowsSymlinks,
//                          AllFolderNeverWritesThroughSymlinks; tests/cli/export_test.cc
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "crawl/crawl.h"
#include "crawl/curl_crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "crawl/memory_frontier.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using hc::testing::MemoryFrontier;
using std::chrono::milliseconds;

constexpr std::size_t kMiB = 1024 * 1024;

TEST(SecurityDefaults, StartUrlsMustBeHttpOrHttps) {
  HttpServer server;
  const auto program = hc::testing::LoadProgram("mfk");
  for (const char* url : {"ftp://www.mfk.com/list/guke.html", "file:///etc/passwd", "javascript:alert(1)",
                          "gopher://www.mfk.com/"}) {
    SCOPED_TRACE(url);
    MemoryFrontier frontier;
    CrawlOptions options = hc::testing::FastOptions(server);
    options.start_urls = {url};
    auto report = CrawlOverCurl(program, frontier, options);
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(report.status().message(), ::testing::HasSubstr("is not an http(s) URL"));
  }
  EXPECT_TRUE(server.Requests().empty());
}

TEST(SecurityDefaults, LinksToOtherSchemesAndDomainsAreNeverQueued) {
  HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  server.Route(hc::testing::GeneratedArticlePath(1000), hc::testing::GeneratedArticle(1000));
  server.Route("/list/guke.html",
               HttpResponse::Html(hc::testing::GeneratedListingHtml(
                   {"ftp://www.mfk.com/article/1.html", "javascript:alert(1)", "mailto:someone@mfk.com",
                    "file:///etc/passwd", "data:text/html,<h1>x</h1>", "//evil.example/article/2.html",
                    "http://evil.example/article/3.html", "http://169.254.169.254/article/4.html",
                    "http://127.0.0.1/article/5.html", "/article/1000.html"})));
  const auto program = hc::testing::LoadProgram("mfk");
  MemoryFrontier frontier;
  CrawlOptions options = hc::testing::FastOptions(server);
  options.start_urls = {hc::testing::MfkUrl("/list/guke.html")};
  auto report = CrawlOverCurl(program, frontier, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->frontier.total(), 2);  // the listing and its one on-site article
  EXPECT_TRUE(frontier.Find(hc::testing::MfkUrl("/article/1000.html")).has_value());
  for (const auto& request : server.Requests()) {
    EXPECT_EQ(request.Header("host"), "www.mfk.com") << request.target;
  }
}

// Sitemaps are capped twice: the fetch (CrawlOptions::max_sitemap_bytes of body) and the gunzip of a
// .xml.gz (the same number of decompressed bytes). A sitemap over either is skipped and the crawl
// goes on with the others.
TEST(SecurityDefaults, OversizedSitemapsAndSitemapBombsAreSkipped) {
  HttpServer server;
  server.RobotsTxt(
      "User-agent: *\nAllow: /\nSitemap: http://www.mfk.com/big.xml\nSitemap: http://www.mfk.com/bomb.xml.gz\n"
      "Sitemap: http://www.mfk.com/ok.xml\n");
  auto urlset = [](const std::vector<int>& ids, std::size_t pad) {
    std::string xml = "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">";
    for (int id : ids) xml += "<url><loc>http://www.mfk.com/article/" + std::to_string(id) + ".html</loc></url>";
    xml += "<!--" + std::string(pad, 'p') + "--></urlset>";
    return xml;
  };
  server.Route("/big.xml", HttpResponse::Text(urlset({2001}, 2 * kMiB), "application/xml"));
  // About 0.5 MB on the wire, 512 MiB gunzipped: the fetch is within the limit, the gunzip is not.
  server.Route("/bomb.xml.gz", HttpResponse{.headers = {{"Content-Type", "application/gzip"}},
                                            .body = hc::testing::GzipBombOfZeros(512 * kMiB)});
  server.Route("/ok.xml", HttpResponse::Text(urlset({1000}, 0), "application/xml"));
  server.Route(hc::testing::GeneratedArticlePath(1000), hc::testing::GeneratedArticle(1000));
  server.Route(hc::testing::GeneratedArticlePath(2001), hc::testing::GeneratedArticle(2001));
  server.Route("/none.html", HttpResponse{.status = 404});
  const auto program = hc::testing::LoadProgramWithSitemaps("mfk", "[]");
  MemoryFrontier frontier;
  CrawlOptions options = hc::testing::FastOptions(server);
  options.read_sitemaps = true;
  options.max_sitemap_bytes = kMiB;
  options.start_urls = {hc::testing::MfkUrl("/none.html")};
  auto report = CrawlOverCurl(program, frontier, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->sitemaps, 1);  // ok.xml only
  EXPECT_LE(static_cast<std::size_t>(report->bytes), 2 * kMiB);
  EXPECT_TRUE(frontier.Find(hc::testing::MfkUrl("/article/1000.html")).has_value());
  EXPECT_FALSE(frontier.Find(hc::testing::MfkUrl("/article/2001.html")).has_value());
  EXPECT_EQ(frontier.Find(hc::testing::MfkUrl("/article/1000.html"))->state, store::UrlState::kDone);
}

// The product never runs a shell or another program: no call in src/ of system(), popen(), the exec
// family, posix_spawn, fork or wordexp (which runs a shell for command substitution). Comments are
// ignored; nothing is exempt. (The tests' RunCommand runs the CLI through /bin/sh; it lives in tests/.)
TEST(SecurityDefaults, NoShellOrSubprocessIsEverRun) {
  const std::regex call(
      R"((^|[^A-Za-z0-9_])(system|popen|execl|execle|execlp|execv|execve|execvp|execvpe|fexecve|posix_spawnp?|fork|vfork|wordexp)\s*\()");
  const std::regex shell_path(R"(/bin/(ba)?sh\b)");
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(hc::testing::SourceDir() / "src")) {
    const auto ext = entry.path().extension();
    if (!entry.is_regular_file() || (ext != ".cc" && ext != ".h")) continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const std::string code = line.substr(0, line.find("//"));
      EXPECT_FALSE(std::regex_search(code, call)) << entry.path().string() << ":" << number << ": " << line;
      EXPECT_FALSE(std::regex_search(code, shell_path)) << entry.path().string() << ":" << number << ": " << line;
    }
  }
  EXPECT_GT(files, 50);
}

}  // namespace
}  // namespace hc::crawl
