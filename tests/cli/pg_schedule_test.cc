// `healthcrawl schedule ...`, `schedule run` and `scheduler run` with `--db postgresql://...` (issue #16
// point 1): the job commands work on PostgreSQL, a job runs (crawl and export) without any file beside
// the "database", and several daemons started at once on one PostgreSQL database run a due fire time
// once between them: no holder lock refuses the second, the job lock in the database orders them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/schedule_cli.h"
#include "support/pg_cluster_required.h"
#include "support/pg_support.h"

namespace hc::testing::schedule_cli {
namespace {

using hc::testing::HttpServer;
using hc::testing::ServeMfk;

class PgScheduleCli : public ScheduleCliTest {
 protected:
  void SetUp() override {
    ScheduleCliTest::SetUp();
    HC_REQUIRE_PG_CLUSTER(cluster);
    ASSERT_TRUE(database_.Create(*cluster).ok());
    db_ = database_.conninfo();  // every helper of ScheduleCliTest now addresses PostgreSQL
  }
  // Nothing but the selectors (and the test's own outputs) in the folder: no lock or marks files.
  std::vector<std::string> FolderEntries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_.path()))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  hc::testing::PgTestDatabase database_;
};

TEST_F(PgScheduleCli, JobCommandsAndAManualRunWorkOnPostgres) {
  HttpServer server;
  ServeMfk(server);
  std::string out;
  ASSERT_EQ(Run("schedule add nightly --site mfk --cron '0 3 * * *' --missed run_once --export " +
                    Quote(dir_ / "out/{job}.jsonl") + Db(),
                &out),
            0)
      << out;
  ASSERT_EQ(Run("schedule pause nightly" + Db(), &out), 0) << out;
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0) << out;
  auto listed = nlohmann::json::parse(out);
  ASSERT_TRUE(listed.is_array() && listed.size() == 1) << out;
  EXPECT_EQ(listed[0]["name"], "nightly");
  EXPECT_EQ(listed[0]["paused"], true) << out;
  ASSERT_EQ(Run("schedule resume nightly" + Db(), &out), 0) << out;

  const std::string port = std::to_string(server.port());
  ASSERT_EQ(RunCommand(Cli("schedule run nightly" + Db() + " --connect-to www.mfk.com:80:127.0.0.1:" + port +
                           " --connect-to ::127.0.0.1:" + port +
                           " --allow-private-addresses --delay 0 --no-progress"),
                       &out),
            0)
      << out;
  EXPECT_NE(out.find("schedule run nightly: run 1 ok: "), std::string::npos) << out;
  EXPECT_TRUE(fs::exists(dir_ / "out/nightly.jsonl"));
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].stats.outcome, "ok");
  EXPECT_GE(runs[0].stats.pages_stored, 5);
  EXPECT_TRUE(Locks().empty());
  ASSERT_EQ(Run("schedule history nightly" + Db(), &out), 0) << out;
  EXPECT_NE(out.find("nightly"), std::string::npos) << out;
  EXPECT_EQ(FolderEntries(), (std::vector<std::string>{"out", "selectors"}));

  ASSERT_EQ(Run("schedule remove nightly" + Db(), &out), 0) << out;
  ASSERT_EQ(Run("schedule list --json" + Db(), &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out).size(), 0u) << out;
}

TEST_F(PgScheduleCli, DaemonsStartedAtOnceRunADueFireTimeOnceBetweenThem) {
  HttpServer server;
  ServeMfk(server);
  std::string out;
  ASSERT_EQ(
      Run("schedule add every --site mfk --cron '* * * * *' --missed run_once --recrawl all" + Db(), &out), 0)
      << out;
  constexpr int kDaemons = 3;
  constexpr int kRounds = 3;
  for (int round = 1; round <= kRounds; ++round) {
    BackdateJob("every");  // a fire time is due (missed, caught up once: run_once)
    std::vector<pid_t> pids;
    for (int i = 0; i < kDaemons; ++i) {
      pids.push_back(Spawn(DaemonArgs(server, /*once=*/true),
                           dir_ / ("daemon-" + std::to_string(round) + "-" + std::to_string(i) + ".log")));
    }
    for (pid_t pid : pids) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      // None is refused (exit 75): on PostgreSQL daemons share the database.
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    auto runs = History("every");
    ASSERT_EQ(static_cast<int>(runs.size()), round) << "round " << round;
    EXPECT_EQ(runs[0].stats.outcome, "ok");
    EXPECT_EQ(runs[0].stats.extra.value("catch_up", false), true);
    EXPECT_TRUE(Locks().empty());
  }
}

}  // namespace
}  // namespace hc::testing::schedule_cli
