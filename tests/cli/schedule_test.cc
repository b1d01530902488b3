// `healthcrawl schedule ...` and `healthcrawl scheduler run` end to end: the built binary, its stdout,
// stderr and exit codes. The daemon crawls the saved mfk pages from a loopback HttpServer (every host
// is sent there with --connect-to, so nothing reaches the internet), including a daemon killed with
// SIGKILL in the middle of a run and restarted, and one stopped with SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <string>

#include "cli/schedule_cli.h"

namespace hc::testing::schedule_cli {
namespace {

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
      {"unknown site", "a --site nosuchsite --cron '0 3 * * *'", "--site nosuchsite"},
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
}  // namespace hc::testing::schedule_cli
