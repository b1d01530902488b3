// Issue 15, point 6: request options of `crawl` over loopback. The server sees the --user-agent (also
// on robots.txt, whose rules are matched against its product token), every --header, the cookies of the
// --cookie-jar file (and the jar is written back with the cookies the site set); the site config's
// `request:` block does the same and the flags win over it; --proxy (and http_proxy) send the requests
// through a loopback proxy; bad values are refused with status 2 before anything is fetched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "crawl/fixture_site.h"
#include "support/http_server.h"
#include "support/sqlite_count.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::HttpRequest;
using hc::testing::HttpResponse;
using hc::testing::RunCommand;
using hc::testing::SqliteCount;

using hc::testing::Quote;

std::string Crawl(const fs::path& db, const fs::path& selectors = hc::testing::SelectorsDir()) {
  return Quote(hc::testing::CliPath()) + " crawl --site mfk --selectors " + Quote(selectors) + " --db " + Quote(db) +
         " --delay 0 --no-progress --no-sitemaps --max-pages 1 --start-url http://www.mfk.com/list/guke.html";
}

std::string ConnectTo(const hc::testing::HttpServer& server) {
  return " --allow-private-addresses --connect-to ::127.0.0.1:" + std::to_string(server.port());
}

TEST(RequestOptions, TheServerSeesTheUserAgentHeadersAndCookiesAndTheJarIsWrittenBack) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  const std::string list = hc::testing::FixtureHtml("mfk", "list-guke");
  server.Route("/list/guke.html", [list](const HttpRequest&) {
    HttpResponse r = HttpResponse::Html(list);
    r.headers.emplace_back("Set-Cookie", "visited=yes; Path=/; Max-Age=86400");
    return r;
  });
  hc::testing::TempDir dir;
  const fs::path jar = dir / "cookies.txt";
  hc::testing::WriteFile(jar, "# Netscape HTTP Cookie File\nwww.mfk.com\tFALSE\t/\tFALSE\t0\tsession\tabc123\n");
  std::string out;
  ASSERT_EQ(RunCommand(Crawl(dir / "a.db") + ConnectTo(server) +
                           " --user-agent 'testbot/3.1 (+mailto:t@example.org)' --header 'X-Trace: abc'"
                           " --header 'Accept-Language: en' --cookie-jar " + Quote(jar),
                       &out, true),
            0)
      << out;
  const auto requests = server.Requests();
  ASSERT_GE(requests.size(), 2u);  // robots.txt and the page
  for (const HttpRequest& r : requests) {
    SCOPED_TRACE(r.target);
    EXPECT_EQ(r.Header("user-agent"), "testbot/3.1 (+mailto:t@example.org)");
    EXPECT_EQ(r.Header("x-trace"), "abc");
    EXPECT_EQ(r.Header("accept-language"), "en");  // replaces the fetcher's own
    EXPECT_NE(r.Header("cookie").find("session=abc123"), std::string::npos);
  }
  const std::string written = hc::testing::ReadFile(jar);
  EXPECT_NE(written.find("\tsession\tabc123"), std::string::npos) << written;
  EXPECT_NE(written.find("\tvisited\tyes"), std::string::npos) << written;
  EXPECT_EQ(SqliteCount(dir / "a.db", "SELECT count(*) FROM pages WHERE failure_reason IS NULL"), 1);
}

TEST(RequestOptions, RobotsRulesAreMatchedAgainstTheConfiguredAgentsProductToken) {
  struct Case {
    const char* name;
    std::string flags;
    int64_t disallowed;
  };
  const Case cases[] = {
      {"the group of testbot applies to testbot/3.1", " --user-agent 'testbot/3.1 (+mailto:t@example.org)'", 1},
      {"the default agent falls under *", "", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    hc::testing::HttpServer server;
    hc::testing::ServeMfk(server);
    server.RobotsTxt("User-agent: testbot\nDisallow: /list/\n\nUser-agent: *\nAllow: /\n");
    hc::testing::TempDir dir;
    std::string out;
    ASSERT_EQ(RunCommand(Crawl(dir / "a.db") + ConnectTo(server) + c.flags, &out, true), 0) << out;
    EXPECT_EQ(
        SqliteCount(dir / "a.db", "SELECT count(*) FROM frontier WHERE detail LIKE 'robots: disallowed%'"),
        c.disallowed);
  }
}

TEST(RequestOptions, TheSiteConfigsRequestBlockAppliesAndFlagsWin) {
  hc::testing::TempDir dir;
  const fs::path selectors = dir / "selectors";
  fs::create_directories(selectors);
  hc::testing::WriteFile(selectors / "mfk.yaml",
                         hc::testing::ReadFile(hc::testing::SelectorsDir() / "mfk.yaml") +
                             "\nrequest:\n  user_agent: 'cfgbot/1.0 (+mailto:cfg@example.org)'\n"
                             "  headers:\n    X-From: config\n    X-Only-Config: kept\n");
  struct Case {
    const char* name;
    std::string flags;
    std::string user_agent;
    std::string x_from;
  };
  const Case cases[] = {
      {"config alone", "", "cfgbot/1.0 (+mailto:cfg@example.org)", "config"},
      {"flags win", " --user-agent flagbot/2 --header 'x-from: flag'", "flagbot/2", "flag"},
  };
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    hc::testing::HttpServer server;
    hc::testing::ServeMfk(server);
    std::string out;
    ASSERT_EQ(RunCommand(Crawl(dir / ("db" + std::to_string(++n)), selectors) + ConnectTo(server) + c.flags, &out,
                         true),
              0)
        << out;
    const auto pages = server.RequestsFor("/list/guke.html");
    ASSERT_EQ(pages.size(), 1u);
    EXPECT_EQ(pages[0].Header("user-agent"), c.user_agent);
    EXPECT_EQ(pages[0].Header("x-from"), c.x_from);
    EXPECT_EQ(pages[0].Header("x-only-config"), "kept");
  }
}

TEST(RequestOptions, ProxyFromTheFlagOrTheEnvironmentCarriesTheRequests) {
  struct Case {
    const char* name;
    bool flag;  // --proxy, else http_proxy in the environment
  };
  for (const Case c : {Case{"--proxy", true}, Case{"http_proxy", false}}) {
    SCOPED_TRACE(c.name);
    // The loopback server plays the proxy: it receives absolute-form targets (RFC 9112 section 3.2.2) and
    // answers for www.mfk.com, which nothing resolves or contacts.
    hc::testing::HttpServer proxy;
    proxy.Route("http://www.mfk.com/robots.txt", HttpResponse::Text("User-agent: *\nAllow: /\n"));
    proxy.Route("http://www.mfk.com/list/guke.html", HttpResponse::Html(hc::testing::FixtureHtml("mfk", "list-guke")));
    hc::testing::TempDir dir;
    std::string out;
    const std::string command = c.flag ? Crawl(dir / "a.db") + " --proxy " + proxy.Origin()
                                       : "env -u HTTP_PROXY -u no_proxy -u NO_PROXY http_proxy=" + proxy.Origin() + " " + Crawl(dir / "a.db");
    ASSERT_EQ(RunCommand(command, &out, true), 0) << out;
    const auto requests = proxy.Requests();
    ASSERT_EQ(requests.size(), 2u) << out;
    for (const HttpRequest& r : requests) EXPECT_TRUE(r.target.starts_with("http://www.mfk.com/")) << r.target;
    EXPECT_EQ(SqliteCount(dir / "a.db", "SELECT count(*) FROM pages WHERE failure_reason IS NULL"), 1);
  }
}

TEST(RequestOptions, BadValuesAreRefusedBeforeAnyFetch) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  struct Case {
    const char* name;
    std::string flags;
    std::string message;
  };
  const Case cases[] = {
      {"header without a colon", " --header 'X-Trace abc'", "--header: header 'X-Trace abc' is not 'Name: value'"},
      {"header name with a space", " --header 'X Trace: abc'", "is not a token"},
      {"empty user agent", " --user-agent ''", "--user-agent must be one line of text"},
      {"proxy scheme", " --proxy ftp://127.0.0.1:21", "--proxy: proxy 'ftp://127.0.0.1:21': the scheme must be"},
      {"cookie jar in a missing folder", " --cookie-jar " + Quote(dir / "nope" / "jar.txt"), "does not exist"},
      {"summary format", " --summary yaml", "summary"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out;
    EXPECT_EQ(RunCommand(Crawl(dir / "a.db") + ConnectTo(server) + c.flags, &out, true), 2) << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
  }
  EXPECT_EQ(server.Requests().size(), 0u);
}

}  // namespace
