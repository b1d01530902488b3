// `healthcrawl crawl` as cron sees it (issue 15, points 1-3): a first crawl that reaches nothing exits 1
// with the reason, a rerun says its URLs are still waiting, `--clear-holds` lets the fixed address be
// crawled at once, and a revisit with nothing due is a success; `--max-pages` counts this run's pages
// only, `--max-dataset-pages` the whole database's; SIGHUP stops a crawl as SIGTERM does (exit 130, the
// run `interrupted` with its real counts).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include "crawl/fixture_site.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::Cli;
using hc::testing::RunCommand;

using hc::testing::Quote;

// Every host of the crawl goes to 127.0.0.1:port.
std::string SiteArgs(uint16_t port) {
  return hc::testing::MfkCrawlArgs(port, "--no-progress --allow-private-addresses");
}

std::string QueryText(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  std::string out = "(no row)";
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(s, 0);
      out = text ? reinterpret_cast<const char*>(text) : "(null)";
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(h);
  return out;
}

int64_t Count(const fs::path& db, const std::string& sql) {
  const std::string text = QueryText(db, sql);
  return text == "(no row)" || text == "(null)" ? -1 : std::stoll(text);
}

// A port on 127.0.0.1 where nothing listens: bound once to get a free number, then closed.
uint16_t ClosedPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

// A listing of `articles` articles, each answering after `delay`.
void ServeArticles(hc::testing::HttpServer& server, int articles, std::chrono::milliseconds delay) {
  const std::string article = hc::testing::FixtureHtml("mfk", "article");
  std::string links;
  for (int i = 0; i < articles; ++i) {
    const std::string path = "/article/" + std::to_string(3000000 + i) + ".html";
    server.Route(path, hc::testing::HttpResponse{.status = 200,
                                                  .headers = {{"Content-Type", "text/html; charset=utf-8"}},
                                                  .body = article,
                                                  .delay = delay});
    links += "<a href=\"" + path + "\">a</a>";
  }
  server.Route("/list/guke.html", hc::testing::HttpResponse::Html("<html><body>" + links + "</body></html>"));
}

TEST(CrawlOps, UnreachableFirstCrawlExitsOneAndClearHoldsRecoversAtOnce) {
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  const std::string base = "crawl --site mfk --db " + Quote(db) + " --max-depth 1 --retries 0 --max-idle-wait 0";
  std::string out;

  // A wrong port: robots.txt cannot be had, the origin is held, nothing was reached.
  const uint16_t closed = ClosedPort();
  EXPECT_EQ(RunCommand(Cli(base + SiteArgs(closed)), &out), 1) << out;
  EXPECT_NE(out.find("outcome: unreachable"), std::string::npos) << out;
  EXPECT_NE(out.find("unreachable: http://www.mfk.com/robots.txt: connect"), std::string::npos) << out;
  EXPECT_NE(out.find("--clear-holds"), std::string::npos) << out;
  EXPECT_EQ(QueryText(db, "SELECT outcome FROM crawl_runs ORDER BY id DESC LIMIT 1"), "unreachable");
  EXPECT_NE(QueryText(db, "SELECT extra FROM crawl_runs ORDER BY id DESC LIMIT 1").find("connect"), std::string::npos);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM frontier WHERE state = 'queued'"), 1);

  // The address is fixed (a server on a port that works), but the URL still waits for the hold: the
  // rerun tries nothing and says so, with a failing status.
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  EXPECT_EQ(RunCommand(Cli(base + SiteArgs(server.port())), &out), 1) << out;
  EXPECT_NE(out.find("outcome: waiting"), std::string::npos) << out;
  EXPECT_EQ(server.Requests().size(), 0u);
  EXPECT_EQ(QueryText(db, "SELECT outcome FROM crawl_runs ORDER BY id DESC LIMIT 1"), "waiting");

  // --clear-holds: everything is fetched now.
  EXPECT_EQ(RunCommand(Cli(base + " --clear-holds" + SiteArgs(server.port())), &out), 0) << out;
  EXPECT_NE(out.find("outcome: ok"), std::string::npos) << out;
  EXPECT_EQ(Count(db, "SELECT count(*) FROM articles"), 1);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM frontier WHERE state IN ('queued', 'in_flight')"), 0);
  EXPECT_GT(Count(db, "SELECT count(*) FROM frontier WHERE state = 'done'"), 1);
  EXPECT_EQ(QueryText(db, "SELECT outcome FROM crawl_runs ORDER BY id DESC LIMIT 1"), "ok");

  // A revisit run with nothing due: a success that says so, and nothing requested.
  const size_t requests = server.Requests().size();
  EXPECT_EQ(RunCommand(Cli(base + SiteArgs(server.port())), &out), 0) << out;
  EXPECT_NE(out.find("outcome: nothing due"), std::string::npos) << out;
  EXPECT_EQ(server.Requests().size(), requests);
  EXPECT_EQ(QueryText(db, "SELECT outcome FROM crawl_runs ORDER BY id DESC LIMIT 1"), "nothing due");
}

// A crawl of ServeArticles' listing and its articles, one transfer at a time.
std::string ListingCrawl(const fs::path& db, uint16_t port) {
  return "crawl --site mfk --db " + Quote(db) + " --max-depth 1 --concurrency 1" + SiteArgs(port);
}

// --batch-pages: 0 and past 100000 are refused before anything starts (exit 2, naming the option);
// --batch-pages 1 commits every page, so a reader sees the articles arrive one by one while the crawl
// goes on (the default batch stays open up to 2 s and would show them in one or two steps).
TEST(CrawlOps, BatchPagesIsCheckedAndOneCommitsEveryPage) {
  hc::testing::HttpServer server;
  ServeArticles(server, 8, std::chrono::milliseconds(300));
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  const std::string crawl = ListingCrawl(db, server.port());
  std::string out;
  for (const char* bad : {"0", "100001", "many"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(RunCommand(Cli(crawl + " --batch-pages " + bad) + " 2>&1", &out), 2) << out;
    EXPECT_NE(out.find("--batch-pages"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(db)) << "a refused command created the database";
  }

  std::atomic<int> exit_code = -1;
  std::thread crawler([&] { exit_code = RunCommand(Cli(crawl + " --batch-pages 1"), &out); });
  std::set<int64_t> seen;  // the stored article counts a reader saw while the crawl ran
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (exit_code == -1 && std::chrono::steady_clock::now() < give_up) {
    const int64_t n = Count(db, "SELECT count(*) FROM articles");
    if (n >= 0) seen.insert(n);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  crawler.join();
  EXPECT_EQ(exit_code.load(), 0) << out;
  EXPECT_EQ(Count(db, "SELECT count(*) FROM articles"), 8);
  // Pages 300 ms apart, looked at every 20 ms: most of the 9 counts 0..8 show; at least 5 of them.
  EXPECT_GE(seen.size(), 5u) << "counts seen: " << seen.size();
}

TEST(CrawlOps, MaxPagesCountsThisRunOnlyAndTheDatasetLimitCountsTheDatabase) {
  hc::testing::HttpServer server;
  ServeArticles(server, 30, std::chrono::milliseconds(0));
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  const std::string crawl = ListingCrawl(db, server.port());
  const std::string completed = "SELECT count(*) FROM frontier WHERE state IN ('done', 'failed')";
  std::string out;

  struct Step {
    const char* what;
    std::string limits;
    int64_t completed_after;  // URLs done or failed in the database after the run
    const char* outcome;
  };
  const Step steps[] = {
      {"a first run of 5", " --max-pages 5", 5, "ok"},
      // The database already holds 5 pages: the per-run limit still allows 5 more.
      {"a second run of 5 on a database of 5", " --max-pages 5", 10, "ok"},
      {"the dataset limit of 12 on a database of 10", " --max-dataset-pages 12", 12, "ok"},
      // Already reached: nothing is completed, and that is no failure.
      {"the dataset limit of 12 again", " --max-dataset-pages 12", 12, "ok"},
      // The tighter of the two wins.
      {"5 per run under a dataset limit of 14", " --max-pages 5 --max-dataset-pages 14", 14, "ok"},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.what);
    EXPECT_EQ(RunCommand(Cli(crawl + step.limits), &out), 0) << out;
    EXPECT_EQ(Count(db, completed), step.completed_after) << out;
    EXPECT_EQ(QueryText(db, "SELECT outcome FROM crawl_runs ORDER BY id DESC LIMIT 1"), step.outcome);
    if (Count(db, "SELECT pages_stored + pages_failed FROM crawl_runs ORDER BY id DESC LIMIT 1") == 0) {
      EXPECT_NE(out.find("the dataset limit (--max-dataset-pages) is already reached"), std::string::npos) << out;
    }
  }
  // Each run's record counts its own pages: 5, 5, 2, 0, 2.
  EXPECT_EQ(QueryText(db, "SELECT group_concat(pages_stored + pages_failed, ',') FROM"
                          " (SELECT * FROM crawl_runs ORDER BY id)"),
            "5,5,2,0,2");
}

TEST(CrawlOps, SighupStopsGracefullyWithExit130AndTheRunKeepsItsCounts) {
  hc::testing::HttpServer server;
  ServeArticles(server, 40, std::chrono::milliseconds(100));
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  const std::string crawl =
      Cli("crawl --site mfk --db " + Quote(db) + " --max-depth 1 --concurrency 1" + SiteArgs(server.port()));
  std::string out;
  EXPECT_EQ(RunCommand("timeout --preserve-status -s HUP 1.5 " + crawl, &out, true), 130) << out;
  EXPECT_EQ(QueryText(db, "SELECT outcome FROM crawl_runs"), "interrupted");
  EXPECT_EQ(Count(db, "SELECT count(*) FROM frontier WHERE state = 'in_flight'"), 0);
  const int64_t done = Count(db, "SELECT count(*) FROM frontier WHERE state = 'done'");
  EXPECT_GT(done, 0) << out;
  EXPECT_LT(done, 41);
  // The run's counts are those of the pages it stored, every one of them marked with its run.
  EXPECT_EQ(Count(db, "SELECT pages_stored FROM crawl_runs"), done);
  EXPECT_EQ(Count(db, "SELECT count(*) FROM frontier f JOIN crawl_runs r ON r.id = f.run_id WHERE f.state = 'done'"),
            done);
  EXPECT_GE(Count(db, "SELECT pages_fetched FROM crawl_runs"), done);
  EXPECT_NE(QueryText(db, "SELECT heartbeat_at FROM crawl_runs"), "(null)");
  EXPECT_GT(Count(db, "SELECT pid FROM crawl_runs"), 0);
}

}  // namespace
