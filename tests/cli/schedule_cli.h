// The fixture of the `healthcrawl schedule ...` / `scheduler run` end-to-end tests (schedule_test.cc,
// schedule_run_test.cc): a copy of the mfk config that starts from a page the loopback server has, the
// built binary run with it, a daemon spawned as a child process, and read-only looks at its database.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::testing::schedule_cli {

namespace fs = std::filesystem;
using hc::testing::CliPath;
using hc::testing::RunCommand;
using std::chrono::milliseconds;

using hc::testing::Quote;

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

  std::string Cli(const std::string& args) const { return hc::testing::Cli(args, selectors_); }
  std::string Db() const { return " --db " + Quote(db_); }
  int Run(const std::string& args, std::string* out, bool merge = false) const {
    return RunCommand(Cli(args), out, merge);
  }

  // A spawned process's argv: the binary with this test's selectors, `words` (the subcommand and its
  // arguments), this test's database, and every host and port sent to the loopback server, no delay.
  std::vector<std::string> LoopbackArgv(const hc::testing::HttpServer& server,
                                        const std::vector<std::string>& words) const {
    std::vector<std::string> args = {CliPath().string(), "--selectors", selectors_.string()};
    args.insert(args.end(), words.begin(), words.end());
    args.insert(args.end(), {"--db", db_.string()});
    for (const std::string& word : hc::testing::LoopbackConnectTo(server.port())) args.push_back(word);
    args.insert(args.end(), {"--allow-private-addresses", "--delay", "0"});
    return args;
  }

  // The daemon's arguments.
  std::vector<std::string> DaemonArgs(const hc::testing::HttpServer& server, bool once) const {
    std::vector<std::string> args = LoopbackArgv(server, {"scheduler", "run"});
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
    auto store = hc::store::OpenDatabase(db_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto job = (*store)->GetJob(name);
    ASSERT_TRUE(job.ok() && job->has_value());
    ASSERT_TRUE(*(*store)->SetJobCheckedThrough(name, (**job).checked_through,
                                                hc::SystemClock().Now() - std::chrono::hours(48)));
  }

  // Read-only: polling while the daemon writes must not take the write lock.
  std::vector<hc::store::RunRecord> History(const std::string& job) {
    auto store = hc::store::OpenDatabase(db_, {.read_only = true, .create = false});
    EXPECT_TRUE(store.ok());
    auto runs = (*store)->ListRuns(job, false, 100);
    EXPECT_TRUE(runs.ok());
    return *runs;
  }
  std::vector<hc::store::JobLock> Locks() {
    auto store = hc::store::OpenDatabase(db_, {.read_only = true, .create = false});
    EXPECT_TRUE(store.ok());
    return *(*store)->ListJobLocks();
  }

  // Starts the daemon on a due job whose pages answer slowly, waits until its run is under way, sends
  // SIGTERM `signals` times and returns waitpid's status. Repeats come 100 ms apart: enough for the
  // first to have been handled (two pending SIGTERMs would merge into one), well within the second in
  // which a repeat counts as the same request.
  int SigtermMidRun(int signals);

  // The jobs of the database as `schedule list --json` shows them, by name.
  std::vector<std::string> JobNames();

  hc::testing::TempDir dir_;
  fs::path selectors_ = dir_ / "selectors";
  fs::path db_ = dir_ / "crawl.db";
};

// Serves the mfk pages, each answer `delay` late.
inline void ServeSlowMfk(hc::testing::HttpServer& server, milliseconds delay) {
  for (const auto& [path, page] : hc::testing::MfkPages()) {
    auto response = hc::testing::HttpResponse::Html(hc::testing::FixtureHtml("mfk", page));
    response.delay = delay;
    server.Route(path, response);
  }
  server.RobotsTxt("User-agent: *\nAllow: /\n");
}

inline pid_t Spawn(const std::vector<std::string>& args, const fs::path& log) {
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

inline int ScheduleCliTest::SigtermMidRun(int signals) {
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

inline std::vector<std::string> ScheduleCliTest::JobNames() {
  std::string out;
  EXPECT_EQ(Run("schedule list --json" + Db(), &out), 0) << out;
  std::vector<std::string> names;
  for (const auto& job : nlohmann::json::parse(out, nullptr, false)) names.push_back(job.value("name", ""));
  return names;
}

}  // namespace hc::testing::schedule_cli
