// `healthcrawl schedule run JOB`, the job keys that reach the crawl, unknown job names, and the daemon's
// SIGHUP reload, end to end: the built binary against the saved mfk pages on a loopback HttpServer
// (every host sent there with --connect-to), daemons and foreground runs spawned as child processes.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/schedule_cli.h"

namespace hc::testing::schedule_cli {
namespace {

std::string CommandLine(const std::vector<std::string>& args) {
  std::string line;
  for (const auto& arg : args) line += Quote(arg) + " ";
  return line;
}

// What a child wrote to its log so far ("" before it opened the file).
std::string LogText(const fs::path& log) {
  std::error_code ec;
  return fs::exists(log, ec) ? ReadFile(log) : std::string();
}

// Kills and reaps a child that a failed assertion left running.
class ChildGuard {
 public:
  explicit ChildGuard(pid_t pid) : pid_(pid) {}
  ~ChildGuard() {
    if (pid_ > 0 && waitpid(pid_, nullptr, WNOHANG) == 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildGuard(const ChildGuard&) = delete;
  ChildGuard& operator=(const ChildGuard&) = delete;

 private:
  pid_t pid_;
};

class ScheduleRunTest : public ScheduleCliTest {
 protected:
  // `schedule run JOB` with every host and port sent to the loopback server, as DaemonArgs does.
  std::vector<std::string> RunJob(const HttpServer& server, const std::string& job) const {
    std::vector<std::string> args = LoopbackArgv(server, {"schedule", "run", job});
    args.push_back("--no-progress");
    return args;
  }
  std::string HostName() const {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    return host;
  }
};

TEST_F(ScheduleRunTest, RunsTheJobNowAndTheHistoryMarksTheRunManual) {
  HttpServer server;
  ServeMfk(server);
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --paused --export " +
                    Quote(dir_ / "out/{job}.jsonl") + Db(),
                &out),
            0)
      << out;
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  const auto before = nlohmann::json::parse(out);

  ASSERT_EQ(RunCommand(CommandLine(RunJob(server, "nightly")), &out), 0) << out;
  EXPECT_NE(out.find("schedule run nightly: run 1 ok: "), std::string::npos) << out;
  EXPECT_NE(out.find("exported 1 rows to " + (dir_ / "out/nightly.jsonl").string()), std::string::npos)
      << out;
  EXPECT_TRUE(fs::exists(dir_ / "out/nightly.jsonl"));
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].info.command, "schedule run");
  EXPECT_EQ(runs[0].stats.outcome, "ok");
  EXPECT_GE(runs[0].stats.pages_stored, 5);
  EXPECT_EQ(runs[0].stats.extra["manual"], true);
  EXPECT_TRUE(Locks().empty());

  ASSERT_EQ(Run("schedule history nightly" + Db(), &out), 0);
  EXPECT_NE(out.find("TRIGGER"), std::string::npos) << out;
  EXPECT_NE(out.find(" manual"), std::string::npos) << out;
  ASSERT_EQ(Run("schedule history --json" + Db(), &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out).at(0)["trigger"], "manual") << out;
  // The job's schedule is untouched: still paused, the same next run.
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out), before);
}

// The job's lock is held by a daemon's run, or by another `schedule run`: refused with exit 75 and the
// holder's name, and the holder's run goes on undisturbed.
TEST_F(ScheduleRunTest, AJobThatIsRunningIsRefusedNamingTheHolder) {
  struct Case {
    std::string name;
    bool daemon;  // the holder: a daemon, or another `schedule run`
  };
  const Case cases[] = {{"held by the daemon", true}, {"held by another schedule run", false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    db_ = dir_ / (std::string(c.daemon ? "daemon" : "manual") + ".db");
    HttpServer server;
    ServeSlowMfk(server, milliseconds(700));
    std::string out;
    ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --missed run_once" + Db(), &out), 0)
        << out;
    if (c.daemon) BackdateJob("nightly");
    const pid_t holder =
        Spawn(c.daemon ? DaemonArgs(server, /*once=*/false) : RunJob(server, "nightly"), dir_ / "holder.log");
    ASSERT_GT(holder, 0);
    ChildGuard guard(holder);
    const bool running = WaitFor([&] {
      auto runs = History("nightly");
      return !runs.empty() && !runs[0].finished && !server.Requests().empty();
    });
    EXPECT_TRUE(running) << LogText(dir_ / "holder.log");

    const int refused = RunCommand(CommandLine(RunJob(server, "nightly")), &out, true);
    const std::string owner = HostName() + ":" + std::to_string(holder);
    kill(holder, SIGTERM);
    int status = 0;
    waitpid(holder, &status, 0);
    EXPECT_EQ(refused, 75) << out;
    EXPECT_NE(out.find("job nightly is already running (run 1, lock held by " + owner + " since "),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("; not started"), std::string::npos) << out;
    ASSERT_TRUE(WIFEXITED(status)) << LogText(dir_ / "holder.log");
    EXPECT_EQ(WEXITSTATUS(status), 130) << LogText(dir_ / "holder.log");
    auto runs = History("nightly");
    ASSERT_EQ(runs.size(), 1u);  // the refused run left no row
    EXPECT_EQ(runs[0].stats.outcome, "interrupted");
    EXPECT_EQ(runs[0].info.command, c.daemon ? "crawl" : "schedule run");
    EXPECT_TRUE(Locks().empty());
  }
}

TEST_F(ScheduleRunTest, EverySubcommandThatTakesAJobNameRefusesAnUnknownOne) {
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '@daily'" + Db(), &out), 0) << out;
  const std::string kCommands[] = {"run", "history", "next", "pause", "resume", "remove"};
  for (const std::string& command : kCommands) {
    SCOPED_TRACE(command);
    EXPECT_EQ(Run("schedule " + command + " nope" + Db(), &out, true), 2) << out;
    EXPECT_NE(out.find("no job named 'nope'"), std::string::npos) << out;
  }
  EXPECT_EQ(JobNames(), std::vector<std::string>{"nightly"});
}

// A removed job's runs stay readable under its name.
TEST_F(ScheduleRunTest, TheHistoryOfARemovedJobIsStillShown) {
  HttpServer server;
  ServeMfk(server);
  std::string out;
  ASSERT_EQ(Run("schedule add gone --site mfk --cron '@daily'" + Db(), &out), 0) << out;
  ASSERT_EQ(RunCommand(CommandLine(RunJob(server, "gone")), &out), 0) << out;
  ASSERT_EQ(Run("schedule remove gone" + Db(), &out), 0) << out;
  ASSERT_EQ(Run("schedule history gone" + Db(), &out), 0) << out;
  EXPECT_NE(out.find("gone"), std::string::npos) << out;
}

// start_urls, sitemaps, concurrency and delay from a jobs file reach the crawl: the job starts where it
// says and reads its own sitemap instead of the config's (which has none here).
TEST_F(ScheduleRunTest, AJobsStartUrlsAndSitemapsReachTheCrawl) {
  HttpServer server;
  ServeMfk(server);
  server.Route("/job-sitemap.xml",
               HttpResponse::Text(
                   "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
                   "<url><loc>http://www.mfk.com/question/58213307.html</loc></url></urlset>",
                   "application/xml"));
  const fs::path jobs = dir_ / "jobs.yaml";
  WriteFile(jobs,
            "jobs:\n"
            "  - name: article\n"
            "    site: mfk\n"
            "    schedule: '@daily'\n"
            "    options:\n"
            "      start_urls: ['http://www.mfk.com/article/1620381.html']\n"
            "      sitemaps: ['http://www.mfk.com/job-sitemap.xml']\n"
            "      concurrency: 1\n"
            "      delay: 0\n"
            "      max_pages: 3\n");
  std::string out;
  ASSERT_EQ(Run("schedule load " + Quote(jobs) + Db(), &out), 0) << out;
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  const auto options = nlohmann::json::parse(out).at(0)["options"];
  EXPECT_EQ(options["start_urls"], nlohmann::json({"http://www.mfk.com/article/1620381.html"}));
  EXPECT_EQ(options["concurrency"], 1);

  ASSERT_EQ(RunCommand(CommandLine(RunJob(server, "article")), &out), 0) << out;
  std::vector<std::string> pages;  // what was fetched as a page, in order
  for (const HttpRequest& r : server.Requests()) {
    if (r.path != "/robots.txt" && r.path != "/job-sitemap.xml") pages.push_back(r.path);
  }
  ASSERT_FALSE(pages.empty());
  EXPECT_EQ(pages[0], "/article/1620381.html");  // the job's start URL, not the config's list page
  EXPECT_EQ(server.RequestsFor("/job-sitemap.xml").size(), 1u);
  EXPECT_EQ(server.PeakRequestsInProgress(), 1);  // concurrency 1
  auto runs = History("article");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].stats.extra["sitemaps"], 1);

  // sitemaps: false reads none, not even the job's list of before.
  WriteFile(jobs,
            "jobs:\n  - {name: article, site: mfk, schedule: '@daily',\n"
            "     options: {sitemaps: false, start_urls: ['http://www.mfk.com/article/1620381.html']}}\n");
  ASSERT_EQ(Run("schedule load " + Quote(jobs) + Db(), &out), 0) << out;
  ASSERT_EQ(RunCommand(CommandLine(RunJob(server, "article")), &out), 0) << out;
  EXPECT_EQ(server.RequestsFor("/job-sitemap.xml").size(), 1u);
  EXPECT_EQ(History("article").at(0).stats.extra["sitemaps"], 0);
}

TEST_F(ScheduleRunTest, ScheduleAddTakesTheCrawlKeysAndChecksThem) {
  struct Case {
    std::string name;
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"start URL not http(s)", "--start-url ftp://www.mfk.com/",
       "--start-url: 'ftp://www.mfk.com/' is not an absolute http(s) URL"},
      {"sitemap with credentials", "--sitemap http://u:p@www.mfk.com/s.xml",
       "--sitemap: 'http://u:p@www.mfk.com/s.xml' carries credentials"},
      {"sitemaps both ways", "--sitemap http://www.mfk.com/s.xml --no-sitemaps",
       "--sitemap and --no-sitemaps exclude each other"},
      {"delay over an hour", "--delay 3601", "--delay"},
      {"concurrency 0", "--concurrency 0", "--concurrency"},
  };
  std::string out;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Run("schedule add a --site mfk --cron '@daily' " + c.args + Db(), &out, true), 2) << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
  }
  ASSERT_EQ(Run("schedule add a --site mfk --cron '@daily' --start-url http://www.mfk.com/list/erke.html"
                " --delay 1.5 --concurrency 1 --no-sitemaps" +
                    Db(),
                &out),
            0)
      << out;
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  const auto options = nlohmann::json::parse(out).at(0)["options"];
  EXPECT_EQ(options["start_urls"], nlohmann::json({"http://www.mfk.com/list/erke.html"})) << options;
  EXPECT_EQ(options["delay"], 1.5) << options;
  EXPECT_EQ(options["concurrency"], 1) << options;
  EXPECT_EQ(options["sitemaps"], false) << options;
}

// SIGHUP makes a running daemon load its jobs file again: a job removed from the file is no longer
// scheduled (its run going on finishes), a new one is loaded and runs.
TEST_F(ScheduleRunTest, SighupReloadsTheJobsFileAndTheNewJobRuns) {
  HttpServer server;
  ServeSlowMfk(server, milliseconds(300));
  const fs::path jobs = dir_ / "jobs.yaml";
  WriteFile(jobs, "jobs:\n  - {name: old, site: mfk, schedule: '0 3 * * *', missed: run_once}\n");
  std::vector<std::string> args = DaemonArgs(server, /*once=*/false);
  args.insert(args.end(), {"--jobs", jobs.string()});
  std::string out;
  ASSERT_EQ(Run("schedule load " + Quote(jobs) + Db(), &out), 0) << out;  // so that it can be backdated
  BackdateJob("old");
  const pid_t daemon = Spawn(args, dir_ / "daemon.log");
  ASSERT_GT(daemon, 0);
  ChildGuard guard(daemon);
  const bool old_running = WaitFor([&] {
    auto runs = History("old");
    return !runs.empty() && !runs[0].finished;
  });
  EXPECT_TRUE(old_running) << LogText(dir_ / "daemon.log");

  WriteFile(jobs, "jobs:\n  - {name: new, site: mfk, schedule: '0 3 * * *', missed: run_once}\n");
  kill(daemon, SIGHUP);
  EXPECT_TRUE(WaitFor([&] { return JobNames() == std::vector<std::string>{"new"}; }))
      << LogText(dir_ / "daemon.log");
  BackdateJob("new");  // its fire times start at loading: make one due
  const bool new_ran = WaitFor([&] {
    auto runs = History("new");
    return !runs.empty() && runs[0].finished;
  });
  kill(daemon, SIGTERM);
  int status = 0;
  waitpid(daemon, &status, 0);
  const std::string log = LogText(dir_ / "daemon.log");
  EXPECT_TRUE(new_ran) << log;
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 130) << log;
  EXPECT_NE(log.find("SIGHUP: reloading " + jobs.string()), std::string::npos) << log;
  EXPECT_NE(log.find("1 jobs added, 0 updated, 1 removed"), std::string::npos) << log;
  auto old_runs = History("old");
  ASSERT_EQ(old_runs.size(), 1u);  // it finished, and never ran again
  EXPECT_EQ(old_runs[0].stats.outcome, "ok") << log;
  auto new_runs = History("new");
  ASSERT_EQ(new_runs.size(), 1u);
  // The same site, crawled to the end by "old" a moment before: the new job's run finds nothing due.
  EXPECT_EQ(new_runs[0].stats.outcome, "nothing due") << log;
  EXPECT_EQ(new_runs[0].stats.extra["catch_up"], true);
}

// A broken jobs file on SIGHUP is reported as file:line:column, and the jobs loaded before stay in force.
TEST_F(ScheduleRunTest, ABrokenJobsFileOnSighupKeepsTheOldJobs) {
  HttpServer server;
  ServeMfk(server);
  const fs::path jobs = dir_ / "jobs.yaml";
  WriteFile(jobs, "jobs:\n  - {name: old, site: mfk, schedule: '0 3 * * *', missed: run_once}\n");
  std::vector<std::string> args = DaemonArgs(server, /*once=*/false);
  args.insert(args.end(), {"--jobs", jobs.string()});
  const pid_t daemon = Spawn(args, dir_ / "daemon.log");
  ASSERT_GT(daemon, 0);
  ChildGuard guard(daemon);
  EXPECT_TRUE(WaitFor([&] { return LogText(dir_ / "daemon.log").find("running as") != std::string::npos; }));

  WriteFile(jobs, "jobs:\n  - name: new\n    site: mfk\n    schedule: '0 25 * * *'\n");
  kill(daemon, SIGHUP);
  const std::string expected =
      jobs.string() + ":4:18: schedule: field 2 (hour) \"25\": value out of range 0-23";
  EXPECT_TRUE(WaitFor([&] { return LogText(dir_ / "daemon.log").find(expected) != std::string::npos; }))
      << LogText(dir_ / "daemon.log");
  EXPECT_EQ(JobNames(), std::vector<std::string>{"old"});
  BackdateJob("old");  // the old job is still scheduled: make it due
  const bool old_ran = WaitFor([&] {
    auto runs = History("old");
    return !runs.empty() && runs[0].finished;
  });
  kill(daemon, SIGTERM);
  int status = 0;
  waitpid(daemon, &status, 0);
  const std::string log = LogText(dir_ / "daemon.log");
  EXPECT_TRUE(old_ran) << log;
  EXPECT_NE(log.find("reload failed, the jobs loaded before stay in force: " + expected), std::string::npos)
      << log;
  ASSERT_TRUE(WIFEXITED(status)) << log;
  EXPECT_EQ(WEXITSTATUS(status), 130) << log;
  EXPECT_EQ(History("old").at(0).stats.outcome, "ok");
}

}  // namespace
}  // namespace hc::testing::schedule_cli
