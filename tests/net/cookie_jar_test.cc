// FetcherOptions::cookie_jar: a Netscape cookie file read when the fetcher is made, its cookies sent
// where they apply, and written back (with the cookies servers set meanwhile) when it is destroyed.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>

#include "net/fetcher.h"
#include "support/http_server.h"
#include "support/parsed_url.h"
#include "support/test_env.h"

namespace {

using hc::net::FetcherOptions;
using hc::net::FetchResult;
using hc::testing::HttpRequest;
using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using std::chrono::milliseconds;

FetcherOptions JarOptions(const std::filesystem::path& jar) {
  FetcherOptions options;
  options.allow_private_addresses = true;  // the server is on loopback
  options.proxy = "";                      // never a proxy from the environment
  options.total_timeout = milliseconds(5000);
  options.cookie_jar = jar.string();
  return options;
}

FetchResult Fetch(hc::net::Fetcher& fetcher, const std::string& url) {
  fetcher.Submit({.url = hc::testing::ParsedUrl(url), .context_id = 1});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    auto results = fetcher.Perform(milliseconds(200));
    if (!results.empty()) return std::move(results.front());
  }
  ADD_FAILURE() << "no result for " << url;
  return {};
}

TEST(CookieJar, CookiesOfTheFileAreSentAndTheJarIsWrittenBack) {
  HttpServer server;
  server.Route("/check", [](const HttpRequest& request) { return HttpResponse::Text(request.Header("cookie")); });
  server.Route("/set", HttpResponse{.headers = {{"Set-Cookie", "fresh=new1; Path=/; Max-Age=3600"}}, .body = "set"});
  hc::testing::TempDir dir;
  const auto jar = dir / "cookies.txt";
  // Netscape format: domain, include subdomains, path, secure, expires (0: a session cookie), name, value.
  hc::testing::WriteFile(jar, "# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsession\tabc123\n");
  {
    auto fetcher = hc::net::NewCurlFetcher(JarOptions(jar));
    ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
    EXPECT_EQ(Fetch(**fetcher, server.Url("/check")).body, "session=abc123");
    ASSERT_TRUE(Fetch(**fetcher, server.Url("/set")).ok());
    const std::string both = Fetch(**fetcher, server.Url("/check")).body;
    EXPECT_NE(both.find("session=abc123"), std::string::npos) << both;
    EXPECT_NE(both.find("fresh=new1"), std::string::npos) << both;
  }
  const std::string written = hc::testing::ReadFile(jar);
  EXPECT_NE(written.find("\tsession\tabc123"), std::string::npos) << written;
  EXPECT_NE(written.find("\tfresh\tnew1"), std::string::npos) << written;

  // The next fetcher starts from what the last one wrote.
  auto again = hc::net::NewCurlFetcher(JarOptions(jar));
  ASSERT_TRUE(again.ok());
  const std::string sent = Fetch(**again, server.Url("/check")).body;
  EXPECT_NE(sent.find("fresh=new1"), std::string::npos) << sent;
}

TEST(CookieJar, AMissingFileIsAnEmptyJarAndAMissingFolderIsRefused) {
  HttpServer server;
  server.Route("/set", HttpResponse{.headers = {{"Set-Cookie", "a=1; Path=/; Max-Age=3600"}}, .body = "set"});
  hc::testing::TempDir dir;
  {
    auto fetcher = hc::net::NewCurlFetcher(JarOptions(dir / "new.txt"));
    ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();
    ASSERT_TRUE(Fetch(**fetcher, server.Url("/set")).ok());
  }
  EXPECT_NE(hc::testing::ReadFile(dir / "new.txt").find("\ta\t1"), std::string::npos);

  struct Case {
    const char* name;
    std::filesystem::path jar;
    const char* message;
  };
  std::filesystem::create_directories(dir / "a-folder");
  const Case cases[] = {
      {"missing folder", dir / "nope" / "cookies.txt", "does not exist"},
      {"a folder, not a file", dir / "a-folder", "is not a file"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto fetcher = hc::net::NewCurlFetcher(JarOptions(c.jar));
    ASSERT_FALSE(fetcher.ok());
    EXPECT_EQ(fetcher.status().code(), hc::StatusCode::kInvalidArgument);
    EXPECT_NE(fetcher.status().message().find(c.message), std::string::npos) << fetcher.status().message();
  }
}

}  // namespace
