// Scheduler daemons sharing one PostgreSQL database (issue #16 point 4): however many run, each on its
// own connection and thread, every fire time of a job runs exactly once, whether they wake together or
// at scattered moments, and whichever of them finishes a run first.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "schedule/schedule.h"
#include "store/database.h"
#include "support/pg_support.h"

namespace hc::schedule {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint At(const std::string& iso) {
  TimePoint t{};
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

// Counts the runs of every scheduler, by fire time.
class CountingRunner {
 public:
  JobRunner Runner() {
    return [this](const JobRun& run) -> Result<store::RunStats> {
      std::this_thread::sleep_for(milliseconds(2));  // long enough for the others to look meanwhile
      std::lock_guard lock(mu_);
      ++runs_[run.job.name + " " + FormatUtc(run.scheduled_for)];
      store::RunStats stats;
      stats.outcome = "ok";
      return stats;
    };
  }
  std::map<std::string, int> runs() const {
    std::lock_guard lock(mu_);
    return runs_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, int> runs_;
};

class PgSchedulerTest : public hc::testing::PgDatabaseTest {
 protected:
  std::unique_ptr<store::Database> Open() {
    auto opened = store::OpenDatabase(conninfo());
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  void AddJob(store::Database& db, const std::string& name, const std::string& cron, TimePoint added) {
    JobSpec job;
    job.name = name;
    job.site = name;  // a site each: jobs of one site take turns, which is not what is tested here
    auto schedule = CronSchedule::Parse(cron);
    ASSERT_TRUE(schedule.ok());
    job.schedule = *schedule;
    job.time_zone = "UTC";
    job.zone = *LocateTimeZone("UTC");
    job.missed = MissedRunPolicy::kRunOnce;
    ASSERT_TRUE(db.PutJob(ToJobRecord(job, "cli", {}), added).ok());
  }
  SchedulerOptions Options(const std::string& owner) {
    SchedulerOptions options;
    options.clock = &clock_;
    options.owner = owner;
    options.host = "test-host";
    options.pid_alive = [](int64_t) { return true; };
    return options;
  }
  FakeClock clock_{At("2026-02-28T12:00:00Z")};
};

TEST_F(PgSchedulerTest, ThreeSchedulersRunEveryFireTimeOfEveryJobExactlyOnce) {
  constexpr int kSchedulers = 3;
  constexpr int kMinutes = 30;
  std::vector<std::unique_ptr<store::Database>> dbs;
  for (int i = 0; i < kSchedulers; ++i) {
    dbs.push_back(Open());
    ASSERT_NE(dbs.back(), nullptr);
  }
  AddJob(*dbs[0], "minutely", "* * * * *", clock_.Now());
  AddJob(*dbs[0], "even", "*/2 * * * *", clock_.Now());
  CountingRunner runner;
  std::vector<std::unique_ptr<Scheduler>> schedulers;
  for (int i = 0; i < kSchedulers; ++i) {
    schedulers.push_back(
        std::make_unique<Scheduler>(*dbs[i], *dbs[i], runner.Runner(), Options("s" + std::to_string(i))));
  }
  const TimePoint start = At("2026-02-28T12:01:00Z");
  for (int m = 0; m < kMinutes; ++m) {
    // All wake within the same second, on threads of their own; some drain at once, some at the next
    // wake-up, so a run may still be going (its lock held) while the others look.
    clock_.Set(start + minutes(m) + milliseconds(100));
    std::vector<std::thread> threads;
    for (int i = 0; i < kSchedulers; ++i) {
      threads.emplace_back([&, i] {
        std::this_thread::sleep_for(milliseconds((i * 7 + m * 3) % 10));
        EXPECT_TRUE(schedulers[i]->Step().ok());
        if ((i + m) % 2 == 0) {
          EXPECT_TRUE(schedulers[i]->Drain().ok());
        }
      });
    }
    for (auto& t : threads) t.join();
  }
  for (auto& s : schedulers) ASSERT_TRUE(s->Drain().ok());

  // Each fire time ran once; a fire time is late only when its job's previous run still held the lock
  // (then run_once catches it up), so every run serves a distinct fire time.
  int total = 0;
  for (const auto& [fire, count] : runner.runs()) {
    EXPECT_EQ(count, 1) << fire;
    total += count;
  }
  auto history = dbs[0]->ListRuns("", false, 1000);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(static_cast<int>(history->size()), total);
  std::set<std::string> recorded;
  for (const auto& run : *history) {
    EXPECT_TRUE(run.finished);
    recorded.insert(run.info.job + " " + run.stats.extra.value("scheduled_for", std::string()));
  }
  EXPECT_EQ(static_cast<int>(recorded.size()), total) << "a fire time recorded twice";
  // Drained at least every other minute: most fire times ran on time.
  EXPECT_GE(total, kMinutes + kMinutes / 2 - 4);
  auto locks = dbs[0]->ListJobLocks();
  ASSERT_TRUE(locks.ok());
  EXPECT_TRUE(locks->empty());
}

}  // namespace
}  // namespace hc::schedule
