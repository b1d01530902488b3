// Poison pages (healthcrawl issue 11, point 2; docs/RELIABILITY.md, "Poison pages"): a page whose parse
// kills the crawler is recognised by the next runs and failed after internal::kParseDeathLimit deaths
// in a row, and the crawl goes on. The deaths are real: this test binary is re-executed as the crawler
// (PoisonChild.Crawl), and the crash hook compiled into the test build of the crawl stage
// (src/crawl/poison_hook.cc, HC_CRASH_HOOKS) raises SIGSEGV in the middle of the poison page's parse.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "crawl/crash_support.h"
#include "crawl/crawl.h"
#include "crawl/curl_crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "crawl/poison_internal.h"
#include "store/database.h"
#include "support/backend_support.h"
#include "support/http_server.h"
#include "support/pg_support.h"

namespace hc::crawl {
namespace {

using hc::testing::QueryInt;
using std::chrono::milliseconds;

constexpr int kArticles = 40;
constexpr int kFirstArticle = 300000;
constexpr int kPoisonArticle = kFirstArticle + 7;
constexpr const char* kListing = "/list/guke.html";

void ServeSite(hc::testing::HttpServer& server) {
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::vector<std::string> hrefs;
  for (int id = kFirstArticle; id < kFirstArticle + kArticles; ++id) {
    hrefs.push_back(hc::testing::GeneratedArticlePath(id));
    server.Route(hc::testing::GeneratedArticlePath(id), hc::testing::GeneratedArticle(id));
  }
  server.Route(kListing, hc::testing::HttpResponse::Html(hc::testing::GeneratedListingHtml(hrefs)));
}

Result<CrawlReport> CrawlInto(const std::string& db, uint16_t port) {
  auto program = hc::testing::LoadProgram("mfk");
  auto store = store::OpenDatabase(db);
  if (!store.ok()) return store.status();
  CrawlOptions options;
  options.fetcher.connect_to = {"www.mfk.com:80:127.0.0.1:" + std::to_string(port)};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.proxy = "";
  options.delay_seconds = 0;
  options.concurrency = 4;
  options.workers = 2;  // the poison page is parsed beside others: they must not be failed with it
  options.max_depth = 0;
  options.read_sitemaps = false;
  options.commit_interval = milliseconds(20);
  options.start_urls = {"http://www.mfk.com/list/guke.html"};
  options.runs = store->get();
  if (store::IsPostgresLocation(db)) {
    options.parse_marks_db = db;  // shared by every crawler process on the database
  } else {
    options.parse_marks = ParseMarksPath(db, "mfk");
  }
  return CrawlOverCurl(program, **store, options);
}

// The child's side: one crawl, which dies when it parses the page named by HC_TEST_CRASH_ON_PARSE.
TEST(PoisonChild, Crawl) {
  const char* db = std::getenv("HC_POISON_DB");
  const char* port = std::getenv("HC_POISON_PORT");
  if (!db || !port) GTEST_SKIP() << "run by PoisonPage.FailedAfterThreeDeathsWhileParsingItAndTheCrawlGoesOn";
  auto report = CrawlInto(db, static_cast<uint16_t>(std::atoi(port)));
  ASSERT_TRUE(report.ok()) << report.status().ToString();
}

// Crawls the database `db` (a SQLite file or a PostgreSQL database) in child processes until a run ends
// by itself, and checks that the poison page was failed after kParseDeathLimit deaths and nothing else
// was; `QueryInt` reads the database.
void CrawlUntilThePoisonPageIsFailed(const std::string& db,
                                     const std::function<int64_t(const std::string&)>& QueryInt) {
  hc::testing::HttpServer server;
  ServeSite(server);
  const std::string poison_path = hc::testing::GeneratedArticlePath(kPoisonArticle);
  const std::string poison_url = "http://www.mfk.com" + poison_path;

  // Run the crawler until a run ends by itself; every other run dies on the poison page.
  int deaths = 0;
  bool finished = false;
  for (int run = 0; run < internal::kParseDeathLimit + 2 && !finished; ++run) {
    SCOPED_TRACE("run " + std::to_string(run + 1));
    const pid_t child =
        hc::testing::StartTestChild("PoisonChild.Crawl", {{"HC_POISON_DB", db},
                                                          {"HC_POISON_PORT", std::to_string(server.port())},
                                                          {"HC_TEST_CRASH_ON_PARSE", poison_path}});
    ASSERT_GT(child, 0);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
      finished = true;
    } else {
      ++deaths;  // SIGSEGV (under ASan: its report, then abort)
      EXPECT_EQ(
          QueryInt("SELECT count(*) FROM frontier WHERE url = '" + poison_url + "' AND state = 'failed'"), 0)
          << "failed before the limit";
    }
  }
  EXPECT_TRUE(finished);
  EXPECT_EQ(deaths, internal::kParseDeathLimit);
  // Fetched by each run that died on it, never by the run that failed it.
  EXPECT_EQ(server.RequestsFor(poison_path).size(), static_cast<std::size_t>(internal::kParseDeathLimit));

  // The poison URL failed with the one reason, in the frontier, on the page and in the failures history.
  const std::string reason = internal::PoisonReason();
  EXPECT_EQ(QueryInt("SELECT count(*) FROM frontier WHERE url = '" + poison_url +
                     "' AND state = 'failed'"
                     " AND detail = '" +
                     reason + "'"),
            1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pages WHERE url = '" + poison_url + "' AND failure_reason = '" +
                     reason + "'"),
            1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM failures f JOIN pages p ON p.id = f.page_id WHERE p.url = '" +
                     poison_url + "' AND f.reason = '" + reason + "'"),
            1);
  // Every other page stored once: the pages parsed beside the poison one at a death were not failed.
  EXPECT_EQ(QueryInt("SELECT count(*) FROM frontier WHERE state = 'done'"), kArticles);  // + listing - poison
  EXPECT_EQ(QueryInt("SELECT count(*) FROM frontier WHERE state <> 'done'"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM articles"), kArticles - 1);
  EXPECT_EQ(QueryInt("SELECT count(DISTINCT page_id) FROM articles"), kArticles - 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM failures"), 1);

  // `healthcrawl stats` shows it: ComputeStats counts it (cli_test's StatsFormatTest.FailureReasonShown
  // checks that the report prints a failure's reason).
  {
    auto store = store::OpenDatabase(db);
    ASSERT_TRUE(store.ok());
    auto stats = (*store)->ComputeStats();
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    int64_t pages = 0;
    for (const auto& f : stats->failures) pages += f.reason == reason ? f.pages : 0;
    EXPECT_EQ(pages, 1);
  }

  // A further run (no crash hook armed in this process) does not fetch it again.
  auto again = CrawlInto(db, server.port());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(server.RequestsFor(poison_path).size(), static_cast<std::size_t>(internal::kParseDeathLimit));
  EXPECT_EQ(again->failed, 0);
}

TEST(PoisonPage, FailedAfterThreeDeathsWhileParsingItAndTheCrawlGoesOn) {
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  CrawlUntilThePoisonPageIsFailed(db, [&](const std::string& sql) { return QueryInt(db, sql); });
}

// The same on PostgreSQL: the marks are rows of parse_marks, which each dead crawler process leaves
// behind for the next process of this host (store::SharedParseMarks).
class PgPoisonPage : public hc::testing::PgDatabaseTest {};

TEST_F(PgPoisonPage, FailedAfterThreeDeathsWhileParsingItAndTheCrawlGoesOn) {
  const std::string db = conninfo();
  {
    auto store = store::OpenDatabase(db);  // the schema first: the children would race to migrate it
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, db);
  CrawlUntilThePoisonPageIsFailed(db, [&](const std::string& sql) { return peek.Int(sql); });
  EXPECT_EQ(peek.Int("SELECT count(*) FROM parse_marks"),
            0);  // every run that ended cleanly removed its rows
}

// A death leaves the pages being parsed in the marks; a clean end leaves none. The death is real: a
// forked child that sets marks and leaves through _exit, with no destructor run.
TEST(ParseMarks, ADeathLeavesThePagesBeingParsedAndACleanEndNone) {
  hc::testing::TempDir dir;
  const auto path = dir / "marks";
  const pid_t child = fork();
  if (child == 0) {
    internal::ParseMarks::LastRun last;
    auto marks = internal::ParseMarks::Open(path, 3, &last);
    if (!marks.ok()) _exit(1);
    (*marks)->Set(0, 42);
    (*marks)->Set(2, 7);
    (*marks)->Set(1, 9);
    (*marks)->Clear(1);  // parsed and done before the death
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  struct Case {
    const char* name;
    bool died;
    std::vector<int64_t> being_parsed;
  };
  const Case cases[] = {
      {"after the child's death", true, {42, 7}},
      {"after a clean end (the destructor ran)", false, {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    internal::ParseMarks::LastRun last;
    auto marks = internal::ParseMarks::Open(path, 2, &last);
    ASSERT_TRUE(marks.ok()) << marks.status().ToString();
    EXPECT_EQ(last.died, c.died);
    EXPECT_EQ(last.being_parsed, c.being_parsed);
  }
}

TEST(ParseMarks, ASecondCrawlOfTheSameSiteIsRefusedTheFile) {
  hc::testing::TempDir dir;
  internal::ParseMarks::LastRun last;
  auto first = internal::ParseMarks::Open(dir / "marks", 2, &last);
  ASSERT_TRUE(first.ok());
  // flock locks belong to the open file description: a second open in this process conflicts as a
  // second process would.
  auto second = internal::ParseMarks::Open(dir / "marks", 2, &last);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
}

TEST(ParseMarks, PathIsBesideTheDatabase) {
  struct Case {
    const char* db;
    const char* site;
    const char* path;
  };
  const Case cases[] = {
      {"/data/crawl.db", "mfk", "/data/crawl.db.parsing-mfk"},
      {"crawl.db", "xywy", "crawl.db.parsing-xywy"},
      {"/data/crawl.db", "a/../b c", "/data/crawl.db.parsing-a____b_c"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.site);
    EXPECT_EQ(ParseMarksPath(c.db, c.site).string(), c.path);
  }
}

}  // namespace
}  // namespace hc::crawl
