// SQLite is honest about its limit (issue #16, point 5; store/holder_lock.h): a second process that
// would crawl a site into the same SQLite file, or a second scheduler daemon, is refused at its start
// with exit status 75 and a message naming the first (pid, host, since, command); a holder killed with
// SIGKILL leaves no lock behind, and the crawl resumes without storing a page twice; read-only commands
// run beside a crawl. Real processes: the built binary, spawned as children.
#include "store/holder_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cli/schedule_cli.h"
#include "crawl/generated_site.h"
#include "support/sqlite_count.h"

namespace hc::testing::schedule_cli {
namespace {

using hc::testing::HttpServer;
using hc::testing::ReadFile;

constexpr int kArticles = 48;
// Articles answered at once before the site starts holding its answers back.
constexpr int kQuickArticles = 6;

// kArticles articles behind /list/guke.html (the fixture config's start URL). The first kQuickArticles
// answer at once; after them, while `hold` is set, every article answers only after a minute, so the crawl
// is still running whatever the test does meanwhile however loaded the machine (the test ends it with a
// signal); once `hold` is cleared, new requests are answered at once.
struct HeldSite {
  std::shared_ptr<std::atomic<bool>> hold = std::make_shared<std::atomic<bool>>(true);
  std::shared_ptr<std::atomic<int>> served = std::make_shared<std::atomic<int>>(0);
};

HeldSite ServeHeldSite(HttpServer& server) {
  HeldSite site;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  std::vector<std::string> hrefs;
  for (int i = 0; i < kArticles; ++i) {
    const int id = 300000 + i;
    hrefs.push_back(GeneratedArticlePath(id));
    server.Route(GeneratedArticlePath(id), [site, id](const HttpRequest&) {
      HttpResponse article = GeneratedArticle(id);
      if (site.served->fetch_add(1) >= kQuickArticles && site.hold->load())
        article.delay = milliseconds(60'000);
      return article;
    });
  }
  server.Route("/list/guke.html", HttpResponse::Html(GeneratedListingHtml(hrefs)));
  return site;
}

// One number from the database, read behind the writers' backs; -1 when it cannot be read yet.
std::string Line(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& arg : args) line += Quote(arg) + " ";
  return line;
}

std::string LogOf(const fs::path& log) {
  std::error_code ec;
  return fs::exists(log, ec) ? ReadFile(log) : std::string();
}

std::string ThisHost() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

// Kills and reaps a child that a failed assertion left running.
class Reaper {
 public:
  explicit Reaper(pid_t pid) : pid_(pid) {}
  ~Reaper() {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

 private:
  pid_t pid_;
};

class HolderLockCliTest : public ScheduleCliTest {
 protected:
  std::vector<std::string> CrawlArgs(const HttpServer& server) const {
    std::vector<std::string> args = LoopbackArgv(server, {"crawl", "--site", "mfk"});
    args.insert(args.end(), {"--no-progress", "--no-sitemaps"});
    return args;
  }

  // The pid the site's crawl lock names while it is held; 0 while nobody holds it.
  int64_t CrawlHolderPid() const {
    auto holder = store::HolderLock::Holder(store::CrawlLockPath(db_, "mfk"));
    return holder.ok() && holder->has_value() ? (*holder)->pid : 0;
  }
};

// The case of the issue: two crawls of one site on one database. The second is refused with 75 and the
// first named; stats and export read beside the crawl; after the first is SIGKILLed a new crawl starts at
// once (the kernel dropped the lock), says it took over, and resumes: every page stored once.
TEST_F(HolderLockCliTest, ASecondCrawlIsRefusedAndAKilledOneIsTakenOverAndResumed) {
  HttpServer server;
  const HeldSite site = ServeHeldSite(server);
  const pid_t first = Spawn(CrawlArgs(server), dir_ / "first.log");
  ASSERT_GT(first, 0);
  Reaper reaper(first);
  const bool crawling = WaitFor(
      [&] { return CrawlHolderPid() == first && SqliteCount(db_, "SELECT count(*) FROM pages") >= 3; });
  ASSERT_TRUE(crawling) << LogOf(dir_ / "first.log");

  std::string out;
  const int second = RunCommand(Line(CrawlArgs(server)), &out, /*merge_stderr=*/true);
  const int64_t runs_beside = SqliteCount(db_, "SELECT count(*) FROM crawl_runs");
  std::string stats;
  const int stats_status = Run("stats" + Db(), &stats, true);
  std::string exported;
  const int export_status = Run("export --table articles --format csv --out -" + Db(), &exported, true);
  const bool still_crawling = CrawlHolderPid() == first;

  site.hold->store(false);  // for the crawl after the kill
  kill(first, SIGKILL);
  int status = 0;
  waitpid(first, &status, 0);
  ASSERT_TRUE(still_crawling) << "the first crawl ended: " << LogOf(dir_ / "first.log");
  EXPECT_EQ(second, 75) << out;
  const std::string expected = "crawl mfk: database busy: site mfk of " + db_.string() +
                               " is being crawled by pid " + std::to_string(first) + " on host " +
                               ThisHost() + " since ";
  EXPECT_NE(out.find(expected), std::string::npos) << out;
  EXPECT_NE(out.find("Z (healthcrawl crawl --site mfk); not started"), std::string::npos) << out;
  EXPECT_EQ(runs_beside, 1) << "the refused crawl recorded a run";
  EXPECT_EQ(stats_status, 0) << stats;
  EXPECT_EQ(export_status, 0) << exported;
  EXPECT_NE(exported.find("title"), std::string::npos) << exported.substr(0, 300);
  ASSERT_TRUE(WIFSIGNALED(status));

  // Killed: its record is left in the file, but nobody holds the lock.
  EXPECT_EQ(CrawlHolderPid(), 0);
  EXPECT_NE(ReadFile(store::CrawlLockPath(db_, "mfk")).find("\"pid\":" + std::to_string(first)),
            std::string::npos);
  const int64_t stored_before = SqliteCount(db_, "SELECT count(*) FROM pages");

  ASSERT_EQ(RunCommand(Line(CrawlArgs(server)), &out, true), 0) << out;
  EXPECT_NE(out.find("taking over from pid " + std::to_string(first) + " on host " + ThisHost()),
            std::string::npos)
      << out;
  EXPECT_LT(stored_before, kArticles + 1) << "the killed crawl had finished";
  EXPECT_EQ(SqliteCount(db_, "SELECT count(*) FROM pages"), kArticles + 1);
  EXPECT_EQ(SqliteCount(db_, "SELECT count(*) FROM articles"), kArticles);
  EXPECT_EQ(SqliteCount(db_, "SELECT max(fetch_count) FROM pages"), 1) << "a page was stored twice";
  EXPECT_EQ(SqliteCount(db_, "SELECT count(*) FROM frontier WHERE state = 'done'"), kArticles + 1);
  EXPECT_EQ(SqliteCount(db_, "SELECT count(*) FROM frontier WHERE state IN ('queued', 'in_flight')"), 0);
  EXPECT_EQ(CrawlHolderPid(), 0);
  EXPECT_EQ(ReadFile(store::CrawlLockPath(db_, "mfk")), "") << "a crawl that ended left its record";
}

// Two scheduler daemons on one database: the second (here `--once`) is refused naming the first; once the
// first is killed, a daemon starts.
TEST_F(HolderLockCliTest, ASecondSchedulerIsRefusedNamingTheFirst) {
  HttpServer server;
  ServeHeldSite(server);  // no job: the daemons fetch nothing
  const pid_t daemon = Spawn(DaemonArgs(server, /*once=*/false), dir_ / "daemon.log");
  ASSERT_GT(daemon, 0);
  Reaper reaper(daemon);
  ASSERT_TRUE(WaitFor([&] { return LogOf(dir_ / "daemon.log").find("running as") != std::string::npos; }))
      << LogOf(dir_ / "daemon.log");

  std::string out;
  const int second = RunCommand(DaemonCommand(server), &out, true);
  kill(daemon, SIGKILL);
  waitpid(daemon, nullptr, 0);
  EXPECT_EQ(second, 75) << out;
  EXPECT_NE(out.find("scheduler: database busy: " + db_.string() + " has a scheduler running already: pid " +
                     std::to_string(daemon) + " on host " + ThisHost() + " since "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Z (healthcrawl scheduler run); not started"), std::string::npos) << out;

  ASSERT_EQ(RunCommand(DaemonCommand(server), &out, true), 0) << out;
  EXPECT_NE(out.find("taking over from pid " + std::to_string(daemon)), std::string::npos) << out;
}

// The daemon's run of a job holds its site's crawl lock: a `crawl` of the site by hand is refused while
// it goes on, naming the job's run.
TEST_F(HolderLockCliTest, ACrawlBesideADaemonsRunOfTheSiteIsRefused) {
  HttpServer server;
  ServeHeldSite(server);
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --missed run_once" + Db(), &out), 0)
      << out;
  BackdateJob("nightly");
  const pid_t daemon = Spawn(DaemonArgs(server, /*once=*/false), dir_ / "daemon.log");
  ASSERT_GT(daemon, 0);
  Reaper reaper(daemon);
  ASSERT_TRUE(WaitFor([&] { return CrawlHolderPid() == daemon; })) << LogOf(dir_ / "daemon.log");

  const int refused = RunCommand(Line(CrawlArgs(server)), &out, true);
  const bool still_running = CrawlHolderPid() == daemon;
  kill(daemon, SIGTERM);
  int status = 0;
  waitpid(daemon, &status, 0);
  ASSERT_TRUE(still_running) << LogOf(dir_ / "daemon.log");
  EXPECT_EQ(refused, 75) << out;
  EXPECT_NE(out.find("is being crawled by pid " + std::to_string(daemon) + " on host " + ThisHost()),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("(healthcrawl scheduler run: job nightly, run 1); not started"), std::string::npos)
      << out;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << LogOf(dir_ / "daemon.log");
  EXPECT_EQ(SqliteCount(db_, "SELECT count(*) FROM crawl_runs"), 1) << "the refused crawl recorded a run";
}

// A `crawl` by hand holds the site: `schedule run` of a job of that site is refused (75, the crawl
// named, no run recorded), and a daemon's due job of the site waits instead of starting.
TEST_F(HolderLockCliTest, AJobOfASiteBeingCrawledByHandIsRefusedOrWaits) {
  HttpServer server;
  ServeHeldSite(server);
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --missed run_once" + Db(), &out), 0)
      << out;
  BackdateJob("nightly");
  const pid_t crawl = Spawn(CrawlArgs(server), dir_ / "crawl.log");
  ASSERT_GT(crawl, 0);
  Reaper reaper(crawl);
  ASSERT_TRUE(WaitFor([&] { return CrawlHolderPid() == crawl; })) << LogOf(dir_ / "crawl.log");

  std::vector<std::string> run_job = DaemonArgs(server, /*once=*/false);
  run_job.erase(run_job.begin() + 3, run_job.begin() + 5);  // "scheduler", "run" -> "schedule", "run", JOB
  run_job.insert(run_job.begin() + 3, {"schedule", "run", "nightly"});
  std::string manual;
  const int manual_status = RunCommand(Line(run_job), &manual, true);
  std::string once;
  const int once_status = RunCommand(DaemonCommand(server), &once, true);
  const bool still_crawling = CrawlHolderPid() == crawl;
  kill(crawl, SIGTERM);
  int status = 0;
  waitpid(crawl, &status, 0);
  ASSERT_TRUE(still_crawling) << LogOf(dir_ / "crawl.log");

  const std::string held_by = "database busy: site mfk of " + db_.string() + " is being crawled by pid " +
                              std::to_string(crawl) + " on host " + ThisHost() + " since ";
  EXPECT_EQ(manual_status, 75) << manual;
  EXPECT_NE(manual.find("schedule run: " + held_by), std::string::npos) << manual;
  EXPECT_NE(manual.find("(healthcrawl crawl --site mfk); not started"), std::string::npos) << manual;
  EXPECT_EQ(once_status, 0) << once;
  EXPECT_NE(once.find("scheduler: job nightly: waiting, " + held_by), std::string::npos) << once;
  EXPECT_TRUE(History("nightly").empty()) << "a job ran beside the crawl of its site";
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 130) << LogOf(dir_ / "crawl.log");
}

}  // namespace
}  // namespace hc::testing::schedule_cli
