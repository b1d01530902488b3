// `healthcrawl crawl` end to end against the mfk fixture site on a loopback server: the crawl fills the
// dataset and the frontier, a second run resumes (nothing fetched twice), SIGTERM stops it cleanly with
// exit status 130 and a rerun finishes the crawl, and bad input is refused with the documented status
// before anything is fetched.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "crawl/fixture_site.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/sqlite_count.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::Cli;
using hc::testing::RunCommand;
using hc::testing::SqliteCount;

using hc::testing::Quote;

// Every host goes to the loopback server: nothing this test runs can reach another address. Whether
// loopback addresses are allowed is each test's own flag.
std::string SiteArgs(const hc::testing::HttpServer& server) {
  return hc::testing::MfkCrawlArgs(server.port(), "--no-progress");
}

TEST(CrawlCli, CrawlsTheFixtureSiteAndASecondRunResumesWithoutRefetching) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";

  std::string out;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(db) + " --allow-private-addresses --max-depth 1" +
                           SiteArgs(server)),
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("crawl mfk: "), std::string::npos) << out;
  EXPECT_NE(out.find("visits: "), std::string::npos) << out;
  // The listing links the fixture article; the pages that are not in the fixture set are 404s, recorded.
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM articles"), 1);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM frontier WHERE state IN ('queued', 'in_flight')"), 0);
  EXPECT_GT(SqliteCount(db, "SELECT count(*) FROM frontier WHERE state = 'done'"), 1);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM failures"),
            SqliteCount(db, "SELECT count(*) FROM frontier WHERE state = 'failed'"));
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM crawl_runs WHERE command = 'crawl' AND outcome = 'ok'"), 1);

  const size_t requests = server.Requests().size();
  const int64_t pages = SqliteCount(db, "SELECT count(*) FROM pages");
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(db) + " --allow-private-addresses --max-depth 1" +
                           SiteArgs(server)),
                       &out),
            0)
      << out;
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM pages"), pages);
  // Only robots.txt is asked again: every page is done and none is due for a revisit yet.
  const auto log = server.Requests();
  for (size_t i = requests; i < log.size(); ++i) EXPECT_EQ(log[i].path, "/robots.txt");
}

// Issue 14, point 1: crawled two deep (listing, the article, the question pages behind its cards), the
// mfk site's rows hold the real article page's 12 doctors at 11 hospitals, one row each, and 杜俊秋's row
// carries his three answers (fixtures/sites/mfk/README.md).
TEST(CrawlCli, CrawledMfkHoldsTheRealPagesDoctorsOnceEach) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  std::string out;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(db) + " --allow-private-addresses --max-depth 2" +
                           SiteArgs(server)),
                       &out),
            0)
      << out;
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM pages WHERE failure_reason IS NULL"), 5);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM questions WHERE page_id IS NOT NULL"), 3);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM doctors"), 12);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM hospitals"), 11);
  EXPECT_EQ(SqliteCount(db, "SELECT count(DISTINCT name) FROM doctors"), 12);
  EXPECT_EQ(
      SqliteCount(db,
                  "SELECT count(*) FROM answers an JOIN doctors d ON d.id = an.doctor_id JOIN hospitals h"
                  " ON h.id = d.hospital_id WHERE d.name = '杜俊秋' AND d.title = '副主任医师'"
                  " AND h.name = '淮安市第二人民医院'"),
      3);
  EXPECT_EQ(SqliteCount(db,
                        "SELECT count(*) FROM doctors d JOIN hospitals h ON h.id = d.hospital_id"
                        " WHERE h.name = '淮安市中医院' AND d.name IN ('胡勇', '杨道海')"),
            2);
  // Each of the three question pages met its card in one answer row: 16 answers, 3 with the page's text.
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM answers"), 16);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM answers WHERE source = 'page'"), 3);
}

TEST(CrawlCli, LoopbackAddressesAreRefusedUnlessAllowed) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  std::string out;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(db) + SiteArgs(server)), &out, true), 0) << out;
  EXPECT_EQ(server.Requests().size(), 0u);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM articles"), 0);
  // The origin cannot be visited under this configuration: its URL fails at once, with the reason.
  EXPECT_EQ(
      SqliteCount(
          db,
          "SELECT count(*) FROM frontier WHERE state = 'failed' AND detail LIKE 'network: refused_address%'"),
      1);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM frontier WHERE state IN ('queued', 'in_flight', 'done')"),
            0);
}

TEST(CrawlCli, SigtermStopsCleanlyAndARerunFinishes) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  const std::string article = hc::testing::FixtureHtml("mfk", "article");
  std::string links;
  for (int i = 0; i < 40; ++i) {
    const std::string path = "/article/" + std::to_string(3000000 + i) + ".html";
    server.Route(path, hc::testing::HttpResponse{.status = 200,
                                                  .headers = {{"Content-Type", "text/html; charset=utf-8"}},
                                                  .body = article,
                                                  .delay = std::chrono::milliseconds(100)});
    links += "<a href=\"" + path + "\">a</a>";
  }
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html("<html><body>" + links + "</body></html>"));
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  const std::string crawl = Cli("crawl --site mfk --db " + Quote(db) +
                                " --allow-private-addresses --max-depth 1 --concurrency 1" + SiteArgs(server));
  std::string out;
  // `timeout` sends SIGTERM after 1.5 s; --preserve-status passes on the crawler's own exit status.
  EXPECT_EQ(RunCommand("timeout --preserve-status -s TERM 1.5 " + crawl, &out, true), 130) << out;
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM frontier WHERE state = 'in_flight'"), 0);
  const int64_t done = SqliteCount(db, "SELECT count(*) FROM frontier WHERE state = 'done'");
  EXPECT_GT(done, 0) << out;
  EXPECT_LT(done, 41);
  ASSERT_EQ(RunCommand(crawl, &out), 0) << out;
  EXPECT_EQ(
      SqliteCount(db, "SELECT count(*) FROM frontier WHERE url LIKE '%/article/30000%' AND state = 'done'"),
      40);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM articles"), 40);
  EXPECT_EQ(SqliteCount(db, "SELECT count(*) FROM crawl_runs WHERE outcome = 'interrupted'"), 1);
}

TEST(CrawlCli, BadInputIsRefusedBeforeAnyFetch) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  std::string out;
  // An unknown site, and a broken config: status 2, file:line:column in the message.
  EXPECT_EQ(RunCommand(Cli("crawl --site nosuchsite --db " + Quote(dir / "a.db") + SiteArgs(server)), &out, true), 2);
  fs::create_directories(dir / "selectors");
  std::ofstream(dir / "selectors" / "broken.yaml") << "site: broken\nname: x\nstart_urls: [\n";
  EXPECT_EQ(RunCommand(Cli("crawl --site broken --db " + Quote(dir / "b.db") + SiteArgs(server), dir / "selectors"),
                       &out, true),
            2);
  EXPECT_NE(out.find("broken.yaml:"), std::string::npos) << out;
  // A bad option value.
  EXPECT_EQ(RunCommand(Cli("crawl --site mfk --recrawl sometimes --db " + Quote(dir / "c.db")), &out, true), 2);
  // A file that is not a database: status 3, the file unchanged.
  std::ofstream(dir / "not.db") << "just text";
  EXPECT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(dir / "not.db") + " --allow-private-addresses" +
                           SiteArgs(server)),
                       &out, true),
            3);
  EXPECT_EQ(hc::testing::ReadFile(dir / "not.db"), "just text");
  EXPECT_EQ(server.Requests().size(), 0u);
}

}  // namespace
