// PlanRuns: the daemon's decision for one job at one moment, as a table of
// {policy, checked_through, now} -> {run?, catch-up?, skipped, next}; then a simulated daemon driven by
// a FakeClock across a downtime and a DST change.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "core/clock.h"
#include "schedule/schedule.h"
#include "zoned_text.h"

namespace hc::schedule {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::At;
using testing::InZone;
using testing::Zone;

JobSpec MakeJob(const std::string& expr, const std::string& zone, MissedRunPolicy missed, bool paused = false) {
  JobSpec job;
  job.name = "job";
  job.site = "mfk";
  Result<CronSchedule> schedule = CronSchedule::Parse(expr);
  EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
  if (schedule.ok()) job.schedule = *schedule;
  job.time_zone = zone;
  job.zone = Zone(zone);
  job.missed = missed;
  job.paused = paused;
  return job;
}

struct PlanCase {
  std::string name;
  std::string expr;
  MissedRunPolicy missed;
  bool paused;
  std::string checked_through;
  std::string now;
  std::string run_for;  // "" = no run
  bool catch_up;
  int64_t skipped;
  std::string next;
};

constexpr auto kSkip = MissedRunPolicy::kSkip;
constexpr auto kRunOnce = MissedRunPolicy::kRunOnce;

TEST(PlanRunsTest, MissedRunPolicies) {
  // Shanghai time throughout; "0 3 * * *" fires at 03:00 every day.
  const std::vector<PlanCase> cases = {
      {"nothing due yet", "0 3 * * *", kSkip, false, "2026-03-01T12:00:00+08:00", "2026-03-02T02:59:59+08:00", "",
       false, 0, "2026-03-02T03:00:00+08:00"},
      {"on time: runs", "0 3 * * *", kSkip, false, "2026-03-01T12:00:00+08:00", "2026-03-02T03:00:00+08:00",
       "2026-03-02T03:00:00+08:00", false, 0, "2026-03-03T03:00:00+08:00"},
      {"a little late, within grace: runs", "0 3 * * *", kSkip, false, "2026-03-01T12:00:00+08:00",
       "2026-03-02T03:01:00+08:00", "2026-03-02T03:00:00+08:00", false, 0, "2026-03-03T03:00:00+08:00"},
      {"skip: late past grace is dropped", "0 3 * * *", kSkip, false, "2026-03-01T12:00:00+08:00",
       "2026-03-02T03:01:01+08:00", "", false, 1, "2026-03-03T03:00:00+08:00"},
      {"skip: three days down, nothing runs", "0 3 * * *", kSkip, false, "2026-03-01T12:00:00+08:00",
       "2026-03-04T09:00:00+08:00", "", false, 3, "2026-03-05T03:00:00+08:00"},
      {"skip: down until exactly the next fire time runs that one", "0 3 * * *", kSkip, false,
       "2026-03-01T12:00:00+08:00", "2026-03-04T03:00:00+08:00", "2026-03-04T03:00:00+08:00", false, 2,
       "2026-03-05T03:00:00+08:00"},
      {"run_once: on time is not a catch-up", "0 3 * * *", kRunOnce, false, "2026-03-01T12:00:00+08:00",
       "2026-03-02T03:00:30+08:00", "2026-03-02T03:00:00+08:00", false, 0, "2026-03-03T03:00:00+08:00"},
      {"run_once: one missed runs late as a catch-up", "0 3 * * *", kRunOnce, false, "2026-03-01T12:00:00+08:00",
       "2026-03-02T09:00:00+08:00", "2026-03-02T03:00:00+08:00", true, 0, "2026-03-03T03:00:00+08:00"},
      {"run_once: three missed run once, for the latest", "0 3 * * *", kRunOnce, false, "2026-03-01T12:00:00+08:00",
       "2026-03-04T09:00:00+08:00", "2026-03-04T03:00:00+08:00", true, 2, "2026-03-05T03:00:00+08:00"},
      {"run_once: earlier ones missed, latest on time", "0 3 * * *", kRunOnce, false, "2026-03-01T12:00:00+08:00",
       "2026-03-03T03:00:10+08:00", "2026-03-03T03:00:00+08:00", true, 1, "2026-03-04T03:00:00+08:00"},
      {"run_once: nothing missed, nothing to catch up", "0 3 * * *", kRunOnce, false, "2026-03-02T03:00:00+08:00",
       "2026-03-02T20:00:00+08:00", "", false, 0, "2026-03-03T03:00:00+08:00"},
      {"the fire time at checked_through was already handled", "0 3 * * *", kRunOnce, false,
       "2026-03-02T03:00:00+08:00", "2026-03-02T03:00:00+08:00", "", false, 0, "2026-03-03T03:00:00+08:00"},
      {"clock went backwards: nothing reruns", "0 3 * * *", kRunOnce, false, "2026-03-02T04:00:00+08:00",
       "2026-03-02T02:00:00+08:00", "", false, 0, "2026-03-03T03:00:00+08:00"},
      {"paused skips everything", "0 3 * * *", kRunOnce, true, "2026-03-01T12:00:00+08:00", "2026-03-04T03:00:00+08:00",
       "", false, 3, "2026-03-05T03:00:00+08:00"},
      {"paused with nothing due", "0 3 * * *", kSkip, true, "2026-03-01T12:00:00+08:00", "2026-03-01T13:00:00+08:00",
       "", false, 0, "2026-03-02T03:00:00+08:00"},
  };
  for (const PlanCase& c : cases) {
    SCOPED_TRACE(c.name);
    JobSpec job = MakeJob(c.expr, "Asia/Shanghai", c.missed, c.paused);
    RunPlan plan = PlanRuns(job, At(c.checked_through), At(c.now));
    EXPECT_EQ(plan.run_for ? InZone(*plan.run_for, job.zone) : "", c.run_for);
    EXPECT_EQ(plan.catch_up, c.catch_up);
    EXPECT_EQ(plan.skipped, c.skipped);
    EXPECT_FALSE(plan.skipped_is_lower_bound);
    EXPECT_EQ(InZone(plan.next, job.zone), c.next);
  }
}

TEST(PlanRunsTest, GraceIsAnOption) {
  JobSpec job = MakeJob("0 3 * * *", "Asia/Shanghai", kSkip);
  PlanOptions generous;
  generous.grace = hours(2);
  RunPlan plan = PlanRuns(job, At("2026-03-01T12:00:00+08:00"), At("2026-03-02T04:30:00+08:00"), generous);
  ASSERT_TRUE(plan.run_for.has_value());
  EXPECT_EQ(InZone(*plan.run_for, job.zone), "2026-03-02T03:00:00+08:00");
  EXPECT_FALSE(plan.catch_up);
}

TEST(PlanRunsTest, LongDowntimeCountingStopsButFindsTheLatest) {
  // Every minute for 30 days: 43200 fire times; counting stops at 1000.
  JobSpec job = MakeJob("* * * * *", "UTC", kRunOnce);
  PlanOptions options;
  options.max_counted = 1000;
  RunPlan plan = PlanRuns(job, At("2026-01-01T00:00:00Z"), At("2026-01-31T00:00:30Z"), options);
  ASSERT_TRUE(plan.run_for.has_value());
  EXPECT_EQ(InZone(*plan.run_for, job.zone), "2026-01-31T00:00:00+00:00");
  EXPECT_TRUE(plan.catch_up);
  EXPECT_TRUE(plan.skipped_is_lower_bound);
  EXPECT_EQ(plan.skipped, 999);
  EXPECT_EQ(InZone(plan.next, job.zone), "2026-01-31T00:01:00+00:00");

  // A sparse schedule whose latest fire time is far behind the counting cut-off.
  JobSpec sparse = MakeJob("* * 1 1 *", "UTC", kRunOnce);  // every minute of January 1st
  plan = PlanRuns(sparse, At("2020-12-31T00:00:00Z"), At("2026-06-01T00:00:00Z"), options);
  ASSERT_TRUE(plan.run_for.has_value());
  EXPECT_EQ(InZone(*plan.run_for, sparse.zone), "2026-01-01T23:59:00+00:00");
  EXPECT_TRUE(plan.skipped_is_lower_bound);
}

// The daemon's loop in miniature: wake at plan.next (or at the end of a downtime), plan, record.
struct Simulation {
  std::vector<std::string> runs;  // "<scheduled-for> [catch-up] @ <started>"
  int64_t skipped = 0;
};

Simulation Simulate(const JobSpec& job, FakeClock& clock, TimePoint until, TimePoint down_from, TimePoint down_to) {
  Simulation sim;
  TimePoint checked_through = clock.Now();
  while (true) {
    RunPlan plan = PlanRuns(job, checked_through, clock.Now());
    checked_through = std::max(checked_through, clock.Now());
    sim.skipped += plan.skipped;
    if (plan.run_for) {
      sim.runs.push_back(InZone(*plan.run_for, job.zone) + (plan.catch_up ? " catch-up" : "") + " @ " +
                         InZone(clock.Now(), job.zone));
    }
    TimePoint wake = plan.next + seconds(2);  // the daemon wakes a little after the fire time
    if (wake > until) break;
    if (wake >= down_from && wake < down_to) wake = down_to;  // the machine was off
    clock.Set(wake);
  }
  return sim;
}

TEST(PlanRunsTest, SimulatedDaemonAcrossDowntime) {
  const TimePoint start = At("2026-03-01T00:00:00+08:00");
  const TimePoint until = At("2026-03-01T06:30:00+08:00");
  const TimePoint down_from = At("2026-03-01T01:30:00+08:00");
  const TimePoint down_to = At("2026-03-01T04:20:00+08:00");
  struct Case {
    std::string name;
    MissedRunPolicy missed;
    std::vector<std::string> runs;
    int64_t skipped;
  };
  const std::vector<Case> cases = {
      {"skip drops 02:00, 03:00 and 04:00",
       kSkip,
       {"2026-03-01T01:00:00+08:00 @ 2026-03-01T01:00:02+08:00",
        "2026-03-01T05:00:00+08:00 @ 2026-03-01T05:00:02+08:00",
        "2026-03-01T06:00:00+08:00 @ 2026-03-01T06:00:02+08:00"},
       3},
      {"run_once catches up once at power-on",
       kRunOnce,
       {"2026-03-01T01:00:00+08:00 @ 2026-03-01T01:00:02+08:00",
        "2026-03-01T04:00:00+08:00 catch-up @ 2026-03-01T04:20:00+08:00",
        "2026-03-01T05:00:00+08:00 @ 2026-03-01T05:00:02+08:00",
        "2026-03-01T06:00:00+08:00 @ 2026-03-01T06:00:02+08:00"},
       2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(start);
    Simulation sim = Simulate(MakeJob("0 * * * *", "Asia/Shanghai", c.missed), clock, until, down_from, down_to);
    EXPECT_EQ(sim.runs, c.runs);
    EXPECT_EQ(sim.skipped, c.skipped);
  }
}

TEST(PlanRunsTest, SimulatedDaemonAcrossDstChanges) {
  // A nightly 02:30 job in New York over both 2026 changes runs every night exactly once: on March 8
  // 02:30 does not exist and the run comes at 03:00 EDT; on November 1 the repeated hour is 01:00-01:59,
  // so 02:30 (EST) happens once.
  JobSpec job = MakeJob("30 2 * * *", "America/New_York", kSkip);
  struct Case {
    std::string name, start, until;
    std::vector<std::string> runs;
  };
  const std::vector<Case> cases = {
      {"spring forward",
       "2026-03-07T00:00:00-05:00",
       "2026-03-10T00:00:00-04:00",
       {"2026-03-07T02:30:00-05:00 @ 2026-03-07T02:30:02-05:00",
        "2026-03-08T03:00:00-04:00 @ 2026-03-08T03:00:02-04:00",
        "2026-03-09T02:30:00-04:00 @ 2026-03-09T02:30:02-04:00"}},
      {"fall back",
       "2026-10-31T00:00:00-04:00",
       "2026-11-03T00:00:00-05:00",
       {"2026-10-31T02:30:00-04:00 @ 2026-10-31T02:30:02-04:00",
        "2026-11-01T02:30:00-05:00 @ 2026-11-01T02:30:02-05:00",
        "2026-11-02T02:30:00-05:00 @ 2026-11-02T02:30:02-05:00"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeClock clock(At(c.start));
    Simulation sim = Simulate(job, clock, At(c.until), kNever, kNever);
    EXPECT_EQ(sim.runs, c.runs);
    EXPECT_EQ(sim.skipped, 0);
  }
}

}  // namespace
}  // namespace hc::schedule
