// `healthcrawl schedule ...` and `healthcrawl scheduler run` end to end: the built binary, its stdout,
// stderr and exit codes. The daemon crawls the saved mfk pages from a loopback HttpServer (every host
// is sent there with --connect-to, so nothing reaches the internet), including a daemon killed with
// SIGKILL in the middle of a run and restarted, and one stopped with SIGTERM.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "crawl/fixture_site.h"
#include "store/store.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::CliPath;
using hc::testing::RunCommand;
using std::chrono::milliseconds;

std::string Quote(const fs::path& p) { return "'" + p.string() + "'"; }

class ScheduleCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shipped mfk config, started from a page the test server has and without its https sitemap.
    fs::create_directories(selectors_);
    std::string yaml = hc::testing::ReadFile(hc::testing::SelectorsDir() / "mfk.yaml");
    yaml = hc::testing::ReplaceAll(yaml, "start_urls: ['https://www.mfk.com/list/zixun.html']",
                                   "start_urls: ['http://www.mfk.com/list/guke.html']");
    yaml = hc::testing::ReplaceAll(yaml, "sitemaps: ['https://www.mfk.com/sitemap.xml']", "sitemaps: []");
    hc::testing::WriteFile(selectors_ / "mfk.yaml", yaml);
  }

  std::string Cli(const std::string& args) const {
    return Quote(CliPath()) + " --selectors " + Quote(selectors_) + " " + args;
  }
  std::string Db() const { return " --db " + Quote(db_); }
  int Run(const std::string& args, std::string* out, bool merge = false) const {
    return RunCommand(Cli(args), out, merge);
  }

  // The daemon's arguments: every host and port to the loopback server.
  std::vector<std::string> DaemonArgs(const hc::testing::HttpServer& server, bool once) const {
    const std::string port = std::to_string(server.port());
    std::vector<std::string> args = {CliPath().string(), "--selectors", selectors_.string(), "scheduler", "run",
                                     "--db", db_.string(), "--connect-to", "www.mfk.com:80:127.0.0.1:" + port,
                                     "--connect-to", "::127.0.0.1:" + port, "--allow-private-addresses",
                                     "--delay", "0"};
    if (once) args.push_back("--once");
    return args;
  }

  std::string DaemonCommand(const hc::testing::HttpServer& server) const {
    std::string line;
    for (const auto& arg : DaemonArgs(server, true)) line += Quote(arg) + " ";
    return line;
  }

  // Pretends the scheduler was down for two days: the job's fire times since then are missed.
  void BackdateJob(const std::string& name) {
    auto store = hc::store::SqliteStore::Open(db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto job = (*store)->GetJob(name);
    ASSERT_TRUE(job.ok() && job->has_value());
    ASSERT_TRUE(*(*store)->SetJobCheckedThrough(name, (**job).checked_through,
                                                hc::SystemClock().Now() - std::chrono::hours(48)));
  }

  // Read-only: polling while the daemon writes must not take the write lock.
  std::vector<hc::store::RunRecord> History(const std::string& job) {
    auto store = hc::store::SqliteStore::Open(db_, {.read_only = true, .create = false});
    EXPECT_TRUE(store.ok());
    auto runs = (*store)->ListRuns(job, false, 100);
    EXPECT_TRUE(runs.ok());
    return *runs;
  }
  std::vector<hc::store::JobLock> Locks() {
    auto store = hc::store::SqliteStore::Open(db_, {.read_only = true, .create = false});
    EXPECT_TRUE(store.ok());
    return *(*store)->ListJobLocks();
  }

  // Starts the daemon on a due job whose pages answer slowly, waits until its run is under way, sends
  // SIGTERM `signals` times and returns waitpid's status. Repeats come 100 ms apart: enough for the
  // first to have been handled (two pending SIGTERMs would merge into one), well within the second in
  // which a repeat counts as the same request.
  int SigtermMidRun(int signals);

  hc::testing::TempDir dir_;
  fs::path selectors_ = dir_ / "selectors";
  fs::path db_ = dir_ / "crawl.db";
};

// Serves the mfk pages, each answer `delay` late.
void ServeSlowMfk(hc::testing::HttpServer& server, milliseconds delay) {
  for (const auto& [path, page] : hc::testing::MfkPages()) {
    auto response = hc::testing::HttpResponse::Html(hc::testing::FixtureHtml("mfk", page));
    response.delay = delay;
    server.Route(path, response);
  }
  server.RobotsTxt("User-agent: *\nAllow: /\n");
}

pid_t Spawn(const std::vector<std::string>& args, const fs::path& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Polls `ready` for up to 20 s.
template <typename F>
bool WaitFor(F ready) {
  for (int i = 0; i < 400; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

TEST_F(ScheduleCliTest, JobsAreAddedListedPausedAndRemoved) {
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --time-zone Asia/Shanghai --missed run_once"
                " --max-pages 20 --export " + Quote(dir_ / "out/{job}-{date}.jsonl") + Db(),
                &out),
            0)
      << out;
  EXPECT_NE(out.find("added job nightly: site mfk, cron '0 3 * * *' in Asia/Shanghai"), std::string::npos) << out;
  EXPECT_NE(out.find("03:00 CST"), std::string::npos) << out;

  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  auto list = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(list.is_array()) << out;
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "nightly");
  EXPECT_EQ(list[0]["missed"], "run_once");
  EXPECT_EQ(list[0]["state"], "active");
  EXPECT_EQ(list[0]["source"], "cli");
  EXPECT_EQ(list[0]["options"]["max_pages"], 20);
  EXPECT_EQ(list[0]["options"]["export"]["format"], "jsonl");

  // Asia/Shanghai 03:00 is 19:00 UTC the day before, every day.
  ASSERT_EQ(Run("schedule next nightly --count 3 --json" + Db(), &out), 0);
  auto next = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(next.is_array()) << out;
  ASSERT_EQ(next[0]["next"].size(), 3u);
  for (const auto& t : next[0]["next"]) {
    EXPECT_NE(t["utc"].get<std::string>().find("T19:00:00Z"), std::string::npos) << t;
    EXPECT_NE(t["local"].get<std::string>().find("03:00 CST"), std::string::npos) << t;
  }

  ASSERT_EQ(Run("schedule pause nightly" + Db(), &out), 0);
  ASSERT_EQ(Run("schedule list" + Db(), &out), 0);
  EXPECT_NE(out.find("paused"), std::string::npos) << out;
  ASSERT_EQ(Run("schedule next" + Db(), &out), 0);
  EXPECT_NE(out.find("nightly: paused"), std::string::npos) << out;
  ASSERT_EQ(Run("schedule resume nightly" + Db(), &out), 0);
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out)[0]["state"], "active");

  ASSERT_EQ(Run("schedule history" + Db(), &out), 0);
  EXPECT_NE(out.find("RUN"), std::string::npos);
  ASSERT_EQ(Run("schedule remove nightly" + Db(), &out), 0);
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out).size(), 0u);
}

TEST_F(ScheduleCliTest, BadJobDefinitionsAreRefusedWithAMessageNamingTheField) {
  struct Case {
    std::string name;
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"hour out of range", "a --site mfk --cron '0 25 * * *'",
       "--cron '0 25 * * *': column 3: field 2 (hour) \"25\": value out of range 0-23"},
      {"bad weekday", "a --site mfk --cron '0 3 * * FUN'", "field 5 (day-of-week) \"FUN\""},
      {"four fields", "a --site mfk --cron '0 3 * *'", "expected 5 fields"},
      {"unknown zone", "a --site mfk --cron '0 3 * * *' --time-zone Asia/Shangai",
       "--time-zone: unknown time zone 'Asia/Shangai'"},
      {"unknown site", "a --site haodf --cron '0 3 * * *'", "--site haodf"},
      {"bad name", "'-a' --site mfk --cron '0 3 * * *'", ""},
      {"bad placeholder", "a --site mfk --cron '0 3 * * *' --export 'x/{day}.jsonl'",
       "--export: column 3: unknown placeholder {day}"},
      {"export format unknown", "a --site mfk --cron '0 3 * * *' --export out/dir", "--export-format is needed"},
      {"bad policy", "a --site mfk --cron '0 3 * * *' --missed always", "--missed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out;
    EXPECT_EQ(Run("schedule add " + c.args + Db(), &out, true), 2) << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
  }
  std::string out;
  ASSERT_EQ(Run("schedule add a --site mfk --cron '@daily'" + Db(), &out), 0) << out;
  EXPECT_EQ(Run("schedule add a --site mfk --cron '@daily'" + Db(), &out, true), 2);
  EXPECT_NE(out.find("job 'a' already exists"), std::string::npos) << out;
  EXPECT_EQ(Run("schedule pause nope" + Db(), &out, true), 2);
  EXPECT_NE(out.find("no job named 'nope'"), std::string::npos) << out;
  EXPECT_EQ(Run("schedule list --db " + Quote(dir_ / "absent.db"), &out, true), 3);
}

TEST_F(ScheduleCliTest, AJobsFileIsLoadedAndItsErrorsPointAtTheFile) {
  const auto jobs = dir_ / "jobs.yaml";
  hc::testing::WriteFile(jobs, "jobs:\n  - name: a\n    site: mfk\n    schedule: \"0 25 * * *\"\n");
  std::string out;
  EXPECT_EQ(Run("schedule load " + Quote(jobs) + Db(), &out, true), 2);
  EXPECT_NE(out.find("jobs.yaml:4:18: schedule: field 2 (hour) \"25\": value out of range 0-23"), std::string::npos)
      << out;
  hc::testing::WriteFile(jobs,
                         "jobs:\n  - {name: a, site: mfk, schedule: '0 3 * * *', time_zone: Asia/Shanghai}\n"
                         "  - {name: b, site: mfk, schedule: '@hourly', paused: true}\n");
  ASSERT_EQ(Run("schedule load " + Quote(jobs) + Db(), &out), 0) << out;
  EXPECT_NE(out.find("2 added, 0 updated, 0 removed"), std::string::npos) << out;
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0);
  auto list = nlohmann::json::parse(out);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["source"], "file");
  EXPECT_EQ(list[1]["state"], "paused (in file)");
}

TEST_F(ScheduleCliTest, TheDaemonRunsAMissedJobOnceAndRecordsIt) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --time-zone Asia/Shanghai --missed run_once"
                " --export " + Quote(dir_ / "out/{job}.jsonl") + Db(),
                &out),
            0)
      << out;
  // Nothing is due: --once runs nothing.
  ASSERT_EQ(RunCommand(DaemonCommand(server), &out, true), 0) << out;
  EXPECT_TRUE(History("nightly").empty());

  BackdateJob("nightly");
  ASSERT_EQ(RunCommand(DaemonCommand(server), &out, true), 0) << out;
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u) << out;
  EXPECT_EQ(runs[0].stats.outcome, "ok") << runs[0].stats.extra.dump();
  EXPECT_EQ(runs[0].info.sites, "mfk");
  // The list page links to the four other saved pages and to many the server does not have (404s).
  EXPECT_GE(runs[0].stats.pages_fetched, 5);
  EXPECT_GE(runs[0].stats.pages_stored, 5);
  EXPECT_GT(runs[0].stats.pages_failed, 0);
  EXPECT_EQ(runs[0].stats.extra["catch_up"], true);
  EXPECT_TRUE(Locks().empty());
  // The export after the run: one nested document per article.
  const std::string exported = hc::testing::ReadFile(dir_ / "out/nightly.jsonl");
  EXPECT_NE(exported.find("\"diseases\""), std::string::npos) << exported.substr(0, 200);
  EXPECT_EQ(runs[0].stats.extra["export"]["rows"], 1);

  ASSERT_EQ(Run("schedule history nightly" + Db(), &out), 0);
  EXPECT_NE(out.find("nightly"), std::string::npos) << out;
  EXPECT_NE(out.find(" ok "), std::string::npos) << out;
  // It is not run again: the missed fire time was dealt with.
  ASSERT_EQ(RunCommand(DaemonCommand(server), &out, true), 0) << out;
  EXPECT_EQ(History("nightly").size(), 1u);
}

// SIGKILL in the middle of a run (issue 6): the lock does not stay stuck, the killed run is recorded
// as "crashed", and (missed: run_once) the restarted daemon runs the job again.
TEST_F(ScheduleCliTest, ADaemonKilledMidRunLeavesNoStuckLockAndTheNextRunHappens) {
  hc::testing::HttpServer server;
  ServeSlowMfk(server, milliseconds(700));
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --missed run_once" + Db(), &out), 0) << out;
  BackdateJob("nightly");

  const pid_t daemon = Spawn(DaemonArgs(server, /*once=*/false), dir_ / "daemon1.log");
  ASSERT_GT(daemon, 0);
  const bool mid_run = WaitFor([&] {
    auto runs = History("nightly");
    return !runs.empty() && !runs[0].finished && !server.Requests().empty();
  });
  kill(daemon, SIGKILL);
  int status = 0;
  waitpid(daemon, &status, 0);
  ASSERT_TRUE(mid_run) << hc::testing::ReadFile(dir_ / "daemon1.log");
  ASSERT_TRUE(WIFSIGNALED(status));
  auto locks = Locks();
  ASSERT_EQ(locks.size(), 1u);  // left behind by the dead process...
  EXPECT_EQ(locks[0].pid, daemon);

  ASSERT_EQ(RunCommand(DaemonCommand(server), &out, true), 0) << out;
  EXPECT_NE(out.find("process gone"), std::string::npos) << out;
  EXPECT_TRUE(Locks().empty());  // ...and taken over, not stuck
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 2u) << out;
  EXPECT_EQ(runs[1].stats.outcome, "crashed");
  EXPECT_TRUE(runs[1].finished);
  EXPECT_EQ(runs[0].stats.outcome, "ok");
  EXPECT_EQ(runs[0].stats.extra["catch_up"], true);
  EXPECT_GT(runs[0].stats.pages_fetched, 0);
  ASSERT_EQ(Run("schedule history" + Db(), &out), 0);
  EXPECT_NE(out.find("crashed"), std::string::npos) << out;
}

int ScheduleCliTest::SigtermMidRun(int signals) {
  hc::testing::HttpServer server;
  ServeSlowMfk(server, milliseconds(700));
  std::string out;
  EXPECT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --missed run_once" + Db(), &out), 0) << out;
  BackdateJob("nightly");
  const pid_t daemon = Spawn(DaemonArgs(server, /*once=*/false), dir_ / "daemon.log");
  EXPECT_GT(daemon, 0);
  const bool mid_run = WaitFor([&] {
    auto runs = History("nightly");
    return !runs.empty() && !runs[0].finished && !server.Requests().empty();
  });
  for (int i = 0; i < signals; ++i) {
    if (i > 0) std::this_thread::sleep_for(milliseconds(100));
    kill(daemon, SIGTERM);
  }
  int status = 0;
  waitpid(daemon, &status, 0);
  EXPECT_TRUE(mid_run) << hc::testing::ReadFile(dir_ / "daemon.log");
  return status;
}

TEST_F(ScheduleCliTest, SigtermStopsTheDaemonGracefully) {
  const int status = SigtermMidRun(1);
  ASSERT_TRUE(WIFEXITED(status)) << hc::testing::ReadFile(dir_ / "daemon.log");
  EXPECT_EQ(WEXITSTATUS(status), 130) << hc::testing::ReadFile(dir_ / "daemon.log");
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].finished);
  EXPECT_EQ(runs[0].stats.outcome, "interrupted");
  EXPECT_TRUE(Locks().empty());
}

// systemd (KillMode=control-group), `timeout` and shells signal the process and its group: the daemon
// gets SIGTERM twice at once, which must still be one graceful stop, not a kill.
TEST_F(ScheduleCliTest, TwoSigtermsAtOnceAreOneGracefulStop) {
  const int status = SigtermMidRun(2);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0) << "\n"
                                 << hc::testing::ReadFile(dir_ / "daemon.log");
  EXPECT_EQ(WEXITSTATUS(status), 130) << hc::testing::ReadFile(dir_ / "daemon.log");
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].stats.outcome, "interrupted");
  EXPECT_TRUE(Locks().empty());
}

}  // namespace
