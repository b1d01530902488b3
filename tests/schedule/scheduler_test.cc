// The scheduler daemon's loop on a FakeClock with fake job runners, against a real database, each test
// on SQLite and on PostgreSQL (backend_support.h): on-time runs, the missed-run policies after downtime,
// two schedulers on one database, three on threads of their own that wake together or at scattered
// moments (every fire time of a job runs exactly once, whichever finishes a run first), takeover of a
// crashed holder's lock (dead pid on this host, expired heartbeat), heartbeats, a lost lock, the
// graceful stop, and jobs files loaded into the database.
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
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::schedule {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TimePoint At(const std::string& iso) {
  TimePoint t{};
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

// Records every call; optionally blocks each run until released or told to stop.
class FakeRunner {
 public:
  JobRunner Runner() {
    return [this](const JobRun& run) -> Result<store::RunStats> {
      {
        std::lock_guard lock(mu_);
        calls_.push_back(run);
      }
      started_.fetch_add(1);
      while (block_.load() && !run.stop->load()) std::this_thread::sleep_for(milliseconds(1));
      if (fail_.load()) return Status::NetworkError("the site is down");
      store::RunStats stats;
      stats.outcome = run.stop->load() ? "interrupted" : "ok";
      stats.pages_fetched = 10;
      stats.pages_new = 4;
      stats.pages_changed = 3;
      stats.pages_unchanged = 2;
      stats.pages_failed = 1;
      return stats;
    };
  }
  std::vector<JobRun> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int started() const { return started_.load(); }
  void Block(bool on) { block_.store(on); }
  void Fail(bool on) { fail_.store(on); }
  bool WaitStarted(int n) const {
    for (int i = 0; i < 5000 && started_.load() < n; ++i) std::this_thread::sleep_for(milliseconds(1));
    return started_.load() >= n;
  }

 private:
  mutable std::mutex mu_;
  std::vector<JobRun> calls_;
  std::atomic<int> started_{0};
  std::atomic<bool> block_{false};
  std::atomic<bool> fail_{false};
};

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

// A fresh database per test on the parameter's backend (a SQLite file, or a clone of the PostgreSQL
// test cluster's template), and store_, one connection to it.
class SchedulerTest : public hc::testing::BackendTest {
 protected:
  // Another connection to the test's database, as another scheduler daemon has.
  std::unique_ptr<store::Database> OpenStore() {
    auto opened = Open();
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  // A job of `site` (jobs of one site take turns).
  void AddJob(const std::string& name, const std::string& cron, MissedRunPolicy missed, TimePoint added,
              bool paused = false, const std::string& site = "mfk") {
    JobSpec job;
    job.name = name;
    job.site = site;
    auto schedule = CronSchedule::Parse(cron);
    ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
    job.schedule = *schedule;
    job.time_zone = "Asia/Shanghai";
    job.zone = *LocateTimeZone("Asia/Shanghai");
    job.missed = missed;
    job.paused = paused;
    ASSERT_TRUE(store_->PutJob(ToJobRecord(job, "cli", {}), added).ok());
  }

  SchedulerOptions Options(const std::string& owner) {
    SchedulerOptions options;
    options.clock = &clock_;
    options.owner = owner;
    options.host = "test-host";
    options.heartbeat = seconds(15);
    options.lock_ttl = seconds(120);
    options.poll = milliseconds(5);
    options.reload_interval = milliseconds(50);
    options.pid_alive = [this](int64_t pid) { return dead_pids_.count(pid) == 0; };
    return options;
  }

  std::vector<store::RunRecord> History(const std::string& job = "") {
    auto runs = store_->ListRuns(job, false, 100);
    EXPECT_TRUE(runs.ok());
    return runs.ok() ? *runs : std::vector<store::RunRecord>{};
  }

  std::unique_ptr<store::Database> store_;
  // 2026-03-01 03:00 in Asia/Shanghai is 2026-02-28T19:00:00Z.
  FakeClock clock_{At("2026-02-28T12:00:00Z")};
  std::set<int64_t> dead_pids_;
};

TEST_P(SchedulerTest, AnOnTimeFireTimeRunsOnceAndIsRecorded) {
  AddJob("nightly", "0 3 * * *", MissedRunPolicy::kSkip, clock_.Now());
  FakeRunner runner;
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));

  auto next = scheduler.Step();
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, At("2026-02-28T19:00:00Z"));  // 03:00 Beijing time
  EXPECT_EQ(runner.started(), 0);

  clock_.Set(At("2026-02-28T19:00:00Z") + milliseconds(300));
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(scheduler.Drain().ok());
  ASSERT_EQ(runner.calls().size(), 1u);
  EXPECT_EQ(runner.calls()[0].scheduled_for, At("2026-02-28T19:00:00Z"));
  EXPECT_FALSE(runner.calls()[0].catch_up);
  EXPECT_EQ(runner.calls()[0].job.name, "nightly");

  clock_.Advance(seconds(20));
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(scheduler.Drain().ok());
  EXPECT_EQ(runner.calls().size(), 1u);  // the same fire time never runs twice

  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].finished);
  EXPECT_EQ(runs[0].info.command, "crawl");
  EXPECT_EQ(runs[0].info.sites, "mfk");
  EXPECT_EQ(runs[0].stats.outcome, "ok");
  EXPECT_EQ(runs[0].stats.pages_fetched, 10);
  EXPECT_EQ(runs[0].stats.pages_new, 4);
  EXPECT_EQ(runs[0].stats.pages_changed, 3);
  EXPECT_EQ(runs[0].stats.pages_unchanged, 2);
  EXPECT_EQ(runs[0].stats.pages_failed, 1);
  EXPECT_EQ(runs[0].stats.extra["scheduled_for"], "2026-02-28T19:00:00Z");
  EXPECT_TRUE(store_->ListJobLocks()->empty());  // released after the run
}

// The scheduler was down for three nights (added on the 1st, back on the 4th at 05:00 Beijing time).
TEST_P(SchedulerTest, MissedRunsAfterDowntimeFollowTheJobsPolicy) {
  struct Case {
    std::string name;
    MissedRunPolicy missed;
    bool paused;
    int runs_at_restart;
  };
  const Case cases[] = {
      {"skip", MissedRunPolicy::kSkip, false, 0},
      {"run_once", MissedRunPolicy::kRunOnce, false, 1},
      {"paused", MissedRunPolicy::kRunOnce, true, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    clock_.Set(At("2026-02-28T12:00:00Z"));
    AddJob(c.name, "0 3 * * *", c.missed, clock_.Now(), c.paused);
    FakeRunner runner;
    {
      Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a-" + c.name));
      clock_.Set(At("2026-03-03T21:00:00Z"));  // 2026-03-04 05:00 CST
      auto next = scheduler.Step();
      ASSERT_TRUE(next.ok()) << next.status().ToString();
      ASSERT_TRUE(scheduler.Drain().ok());
      ASSERT_EQ(static_cast<int>(runner.calls().size()), c.runs_at_restart);
      if (c.runs_at_restart == 1) {
        // One catch-up, for the latest missed fire time only.
        EXPECT_TRUE(runner.calls()[0].catch_up);
        EXPECT_EQ(runner.calls()[0].scheduled_for, At("2026-03-03T19:00:00Z"));
        EXPECT_EQ(History(c.name)[0].stats.extra["catch_up"], true);
      }
      // Either way the missed fire times are dealt with: the next step runs nothing more...
      clock_.Advance(minutes(1));
      ASSERT_TRUE(scheduler.Step().ok());
      ASSERT_TRUE(scheduler.Drain().ok());
      EXPECT_EQ(static_cast<int>(runner.calls().size()), c.runs_at_restart);
      // ...and the next night runs on time (unless paused).
      clock_.Set(At("2026-03-04T19:00:00Z"));
      ASSERT_TRUE(scheduler.Step().ok());
      ASSERT_TRUE(scheduler.Drain().ok());
      EXPECT_EQ(static_cast<int>(runner.calls().size()), c.runs_at_restart + (c.paused ? 0 : 1));
      if (!c.paused) {
        EXPECT_FALSE(runner.calls().back().catch_up);
      }
    }
    ASSERT_TRUE(*store_->RemoveJob(c.name));
  }
}

TEST_P(SchedulerTest, ResumingAPausedJobDoesNotCatchUp) {
  AddJob("j", "0 3 * * *", MissedRunPolicy::kRunOnce, clock_.Now(), /*paused=*/true);
  FakeRunner runner;
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));
  clock_.Set(At("2026-03-03T21:00:00Z"));
  ASSERT_TRUE(*store_->SetJobPaused("j", false, clock_.Now()));
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(scheduler.Drain().ok());
  EXPECT_EQ(runner.started(), 0);
}

TEST_P(SchedulerTest, TwoSchedulersOnOneDatabaseNeverRunAFireTimeTwice) {
  AddJob("minutely", "* * * * *", MissedRunPolicy::kRunOnce, clock_.Now());
  auto other_store = OpenStore();
  ASSERT_NE(other_store, nullptr);
  FakeRunner runner_a;
  FakeRunner runner_b;
  Scheduler a(*store_, *store_, runner_a.Runner(), Options("a"));
  Scheduler b(*other_store, *other_store, runner_b.Runner(), Options("b"));
  const TimePoint start = At("2026-02-28T12:01:00Z");
  constexpr int kMinutes = 20;
  for (int i = 0; i < kMinutes; ++i) {
    clock_.Set(start + minutes(i) + milliseconds(100));
    // Both wake at the same moment, on two threads with two connections.
    std::thread ta([&] { EXPECT_TRUE(a.Step().ok()); });
    std::thread tb([&] { EXPECT_TRUE(b.Step().ok()); });
    ta.join();
    tb.join();
    ASSERT_TRUE(a.Drain().ok());
    ASSERT_TRUE(b.Drain().ok());
  }
  std::set<TimePoint> fire_times;
  for (const auto& run : runner_a.calls()) fire_times.insert(run.scheduled_for);
  for (const auto& run : runner_b.calls()) fire_times.insert(run.scheduled_for);
  EXPECT_EQ(runner_a.started() + runner_b.started(), kMinutes);
  EXPECT_EQ(static_cast<int>(fire_times.size()), kMinutes);
  EXPECT_EQ(History("minutely").size(), static_cast<size_t>(kMinutes));
}

TEST_P(SchedulerTest, ThreeSchedulersRunEveryFireTimeOfEveryJobExactlyOnce) {
  constexpr int kSchedulers = 3;
  constexpr int kMinutes = 30;
  std::vector<std::unique_ptr<store::Database>> dbs;
  for (int i = 0; i < kSchedulers; ++i) {
    dbs.push_back(OpenStore());
    ASSERT_NE(dbs.back(), nullptr);
  }
  // A site each: jobs of one site take turns, which is not what is tested here.
  AddJob("minutely", "* * * * *", MissedRunPolicy::kRunOnce, clock_.Now(), false, "minutely");
  AddJob("even", "*/2 * * * *", MissedRunPolicy::kRunOnce, clock_.Now(), false, "even");
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

TEST_P(SchedulerTest, AJobWhosePreviousRunIsStillGoingIsNotStartedAgain) {
  AddJob("five", "*/5 * * * *", MissedRunPolicy::kSkip, clock_.Now());
  auto other_store = OpenStore();
  FakeRunner runner_a;
  FakeRunner runner_b;
  runner_a.Block(true);
  Scheduler a(*store_, *store_, runner_a.Runner(), Options("a"));
  Scheduler b(*other_store, *other_store, runner_b.Runner(), Options("b"));
  const TimePoint fire = At("2026-02-28T12:05:00Z");
  clock_.Set(fire);
  ASSERT_TRUE(a.Step().ok());
  ASSERT_TRUE(runner_a.WaitStarted(1));
  // The run takes seven minutes; the 12:10 fire time comes and goes meanwhile.
  for (int i = 1; i <= 7; ++i) {
    clock_.Set(fire + minutes(i));
    ASSERT_TRUE(a.Step().ok());
    ASSERT_TRUE(b.Step().ok());
  }
  EXPECT_EQ(runner_a.started(), 1);
  EXPECT_EQ(runner_b.started(), 0);
  runner_a.Block(false);
  ASSERT_TRUE(a.Drain().ok());
  // 12:10 was missed (two minutes late when the lock came free): policy skip drops it.
  ASSERT_TRUE(b.Step().ok());
  ASSERT_TRUE(a.Step().ok());
  ASSERT_TRUE(b.Drain().ok());
  EXPECT_EQ(runner_a.started() + runner_b.started(), 1);
  // 12:15 runs on time.
  clock_.Set(fire + minutes(10));
  ASSERT_TRUE(b.Step().ok());
  ASSERT_TRUE(b.Drain().ok());
  EXPECT_EQ(runner_b.started(), 1);
}

// Two jobs of one site never crawl at once: a crawl starting takes back its site's in-flight URLs.
TEST_P(SchedulerTest, JobsOfOneSiteTakeTurns) {
  AddJob("full", "0 3 * * *", MissedRunPolicy::kSkip, clock_.Now());
  AddJob("quick", "0 3 * * *", MissedRunPolicy::kSkip, clock_.Now());
  auto other_store = OpenStore();
  FakeRunner runner_a;
  FakeRunner runner_b;
  runner_a.Block(true);
  Scheduler a(*store_, *store_, runner_a.Runner(), Options("a"));
  Scheduler b(*other_store, *other_store, runner_b.Runner(), Options("b"));
  clock_.Set(At("2026-02-28T19:00:00Z"));
  ASSERT_TRUE(a.Step().ok());
  ASSERT_TRUE(b.Step().ok());
  ASSERT_TRUE(runner_a.WaitStarted(1));
  EXPECT_EQ(a.Running(), std::vector<std::string>{"full"});
  EXPECT_EQ(runner_b.started(), 0);  // neither here nor in the other scheduler
  runner_a.Block(false);
  ASSERT_TRUE(a.Drain().ok());
  clock_.Advance(seconds(30));  // still within the 60 s grace: on time
  ASSERT_TRUE(b.Step().ok());
  ASSERT_TRUE(b.Drain().ok());
  ASSERT_EQ(runner_b.calls().size(), 1u);
  EXPECT_EQ(runner_b.calls()[0].job.name, "quick");
}

// A holder on this host whose process is gone (SIGKILL, OOM) left its lock and an unfinished run.
TEST_P(SchedulerTest, ALockOfADeadProcessOnThisHostIsTakenOverAndItsRunRecordedAsCrashed) {
  struct Case {
    std::string name;
    MissedRunPolicy missed;
    bool reruns;  // run_once: the crashed fire time counts as missed
  };
  const Case cases[] = {{"skip", MissedRunPolicy::kSkip, false}, {"run_once", MissedRunPolicy::kRunOnce, true}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    clock_.Set(At("2026-02-28T12:00:00Z"));
    AddJob(c.name, "0 3 * * *", c.missed, clock_.Now());
    const TimePoint fire = At("2026-02-28T19:00:00Z");
    // What the dead scheduler (pid 4242) left behind, claimed at 03:00 and last seen at 03:05.
    auto crashed_run = store_->BeginRun({"crawl", "mfk", fire, c.name});
    ASSERT_TRUE(crashed_run.ok());
    ASSERT_TRUE(*store_->SetJobCheckedThrough(c.name, clock_.Now(), fire));
    store::JobLock lock;
    lock.job = c.name;
    lock.owner = "test-host:4242";
    lock.host = "test-host";
    lock.pid = 4242;
    lock.expires_at = fire + minutes(30);
    lock.run_id = *crashed_run;
    lock.scheduled_for = fire;
    ASSERT_TRUE(*store_->AcquireJobLock(lock, fire, ""));
    ASSERT_TRUE(*store_->RenewJobLock(c.name, "test-host:4242", fire + minutes(5), fire + minutes(30), 0));

    FakeRunner runner;
    Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a-" + c.name));
    clock_.Set(fire + minutes(10));  // restarted before the lock's expiry
    // While the holder lives, its lock is respected.
    ASSERT_TRUE(scheduler.Step().ok());
    EXPECT_EQ(runner.started(), 0);
    EXPECT_EQ(store_->ListJobLocks()->size(), 1u);
    dead_pids_.insert(4242);
    ASSERT_TRUE(scheduler.Step().ok());
    ASSERT_TRUE(scheduler.Drain().ok());

    auto runs = History(c.name);
    ASSERT_FALSE(runs.empty());
    const store::RunRecord& crashed = runs.back();
    EXPECT_EQ(crashed.id, *crashed_run);
    EXPECT_TRUE(crashed.finished);
    EXPECT_EQ(crashed.stats.outcome, "crashed");
    EXPECT_EQ(crashed.stats.finished_at, fire + minutes(5));  // its last heartbeat
    if (c.reruns) {
      ASSERT_EQ(runner.calls().size(), 1u);
      EXPECT_EQ(runner.calls()[0].scheduled_for, fire);
      EXPECT_TRUE(runner.calls()[0].catch_up);
      EXPECT_EQ(runs.size(), 2u);
    } else {
      EXPECT_EQ(runner.started(), 0);
    }
    EXPECT_TRUE(store_->ListJobLocks()->empty());  // nothing stuck
    // The next night runs as usual.
    clock_.Set(fire + hours(24));
    ASSERT_TRUE(scheduler.Step().ok());
    ASSERT_TRUE(scheduler.Drain().ok());
    EXPECT_EQ(runner.started(), c.reruns ? 2 : 1);
    dead_pids_.clear();
    ASSERT_TRUE(*store_->RemoveJob(c.name));
  }
}

// A holder on another host stops heartbeating (the machine died): its lock is taken over only after
// the lock's expiry, since its pid cannot be checked from here.
TEST_P(SchedulerTest, ALockWhoseHeartbeatExpiredIsTakenOver) {
  AddJob("j", "0 3 * * *", MissedRunPolicy::kRunOnce, clock_.Now());
  const TimePoint fire = At("2026-02-28T19:00:00Z");
  ASSERT_TRUE(*store_->SetJobCheckedThrough("j", clock_.Now(), fire));
  ASSERT_TRUE(store_->BeginRun({"crawl", "mfk", fire, "j"}).ok());
  store::JobLock lock;
  lock.job = "j";
  lock.owner = "elsewhere:7";
  lock.host = "elsewhere";
  lock.pid = 7;
  lock.expires_at = fire + minutes(2);
  lock.scheduled_for = fire;
  ASSERT_TRUE(*store_->AcquireJobLock(lock, fire, ""));
  dead_pids_.insert(7);  // the same pid on this host is dead, which must not matter

  FakeRunner runner;
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));
  clock_.Set(fire + minutes(1));
  ASSERT_TRUE(scheduler.Step().ok());
  EXPECT_EQ(runner.started(), 0);
  EXPECT_EQ((*store_->ListJobLocks())[0].owner, "elsewhere:7");

  clock_.Set(fire + minutes(2) + seconds(1));
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(scheduler.Drain().ok());
  EXPECT_EQ(runner.started(), 1);
  auto runs = History("j");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].stats.outcome, "crashed");
  EXPECT_EQ(runs[0].stats.outcome, "ok");
}

TEST_P(SchedulerTest, TheHeartbeatKeepsALongRunsLockAndALostLockStopsTheRun) {
  AddJob("long", "0 3 * * *", MissedRunPolicy::kSkip, clock_.Now());
  FakeRunner runner;
  runner.Block(true);
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));
  const TimePoint fire = At("2026-02-28T19:00:00Z");
  clock_.Set(fire);
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(runner.WaitStarted(1));
  EXPECT_EQ((*store_->ListJobLocks())[0].expires_at, fire + seconds(120));
  EXPECT_NE((*store_->ListJobLocks())[0].run_id, 0);

  // An hour of heartbeats: the lock never expires.
  for (int i = 1; i <= 240; ++i) {
    clock_.Set(fire + seconds(15 * i));
    auto next = scheduler.Step();
    ASSERT_TRUE(next.ok());
    EXPECT_LE(*next, clock_.Now() + seconds(15));
  }
  auto locks = store_->ListJobLocks();
  ASSERT_EQ(locks->size(), 1u);
  EXPECT_EQ((*locks)[0].owner, "a");
  EXPECT_EQ((*locks)[0].expires_at, fire + hours(1) + seconds(120));
  EXPECT_EQ(scheduler.Running(), std::vector<std::string>{"long"});

  // Someone took the lock over (this scheduler hung past the expiry, say): the run is told to stop.
  store::JobLock theirs = (*locks)[0];
  theirs.owner = "b";
  ASSERT_TRUE(*store_->AcquireJobLock(theirs, clock_.Now(), "a"));
  clock_.Advance(seconds(15));
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(scheduler.Drain().ok());
  EXPECT_EQ(History("long")[0].stats.outcome, "interrupted");
  // The other holder's lock is left alone.
  ASSERT_EQ(store_->ListJobLocks()->size(), 1u);
  EXPECT_EQ((*store_->ListJobLocks())[0].owner, "b");
}

TEST_P(SchedulerTest, ARunnerErrorIsRecordedAsAFailedRun) {
  AddJob("j", "0 3 * * *", MissedRunPolicy::kSkip, clock_.Now());
  FakeRunner runner;
  runner.Fail(true);
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));
  clock_.Set(At("2026-02-28T19:00:00Z"));
  ASSERT_TRUE(scheduler.Step().ok());
  ASSERT_TRUE(scheduler.Drain().ok());
  auto runs = History("j");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].stats.outcome, "failed");
  EXPECT_NE(runs[0].stats.extra.value("error", std::string()).find("the site is down"), std::string::npos);
  EXPECT_TRUE(store_->ListJobLocks()->empty());
}

TEST_P(SchedulerTest, RunStopsGracefullyWhenTheStopFlagIsSet) {
  AddJob("j", "0 3 * * *", MissedRunPolicy::kSkip, clock_.Now());
  FakeRunner runner;
  runner.Block(true);  // runs until told to stop
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));
  std::atomic<bool> stop{false};
  Status result;
  std::thread loop([&] { result = scheduler.Run(stop); });
  std::this_thread::sleep_for(milliseconds(30));
  EXPECT_EQ(runner.started(), 0);
  clock_.Set(At("2026-02-28T19:00:00Z"));  // the loop wakes for the fire time
  ASSERT_TRUE(runner.WaitStarted(1));
  stop.store(true);
  loop.join();
  EXPECT_TRUE(result.ok()) << result.ToString();
  ASSERT_EQ(runner.calls().size(), 1u);
  auto runs = History("j");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].finished);
  EXPECT_EQ(runs[0].stats.outcome, "interrupted");
  EXPECT_TRUE(store_->ListJobLocks()->empty());
}

TEST_P(SchedulerTest, AJobAddedWhileRunningIsPickedUp) {
  FakeRunner runner;
  Scheduler scheduler(*store_, *store_, runner.Runner(), Options("a"));
  std::atomic<bool> stop{false};
  std::thread loop([&] { EXPECT_TRUE(scheduler.Run(stop).ok()); });
  std::this_thread::sleep_for(milliseconds(20));
  auto writer = OpenStore();
  JobSpec job;
  job.name = "late";
  job.site = "mfk";
  job.schedule = *CronSchedule::Parse("*/5 * * * *");
  job.zone = *LocateTimeZone("UTC");
  job.time_zone = "UTC";
  ASSERT_TRUE(writer->PutJob(ToJobRecord(job, "cli", {}), clock_.Now()).ok());
  std::this_thread::sleep_for(milliseconds(150));  // a few reload intervals
  clock_.Set(At("2026-02-28T12:05:00Z"));
  const bool started = runner.WaitStarted(1);
  stop.store(true);
  loop.join();
  EXPECT_TRUE(started);
}

TEST(JobRecordTest, ASpecSurvivesTheDatabaseRoundTrip) {
  auto file = ParseJobsFile(R"(jobs:
  - name: mfk-nightly
    site: mfk
    schedule: "0 3 * * *"
    time_zone: Asia/Shanghai
    missed: run_once
    paused: true
    options:
      max_pages: 500
      recrawl: all
      export: {format: csv, out: '/data/{job}-{date}.csv'}
)",
                            "/etc/hc/jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const JobSpec& spec = file->jobs[0];
  store::JobRecord record = ToJobRecord(spec, "file", "/etc/hc/jobs.yaml");
  EXPECT_TRUE(record.paused_in_file);
  EXPECT_FALSE(record.paused);
  EXPECT_EQ(record.source_file, "/etc/hc/jobs.yaml");
  EXPECT_EQ(record.options.dump(),
            R"({"max_pages":500,"recrawl":"all","export":{"format":"csv","out":"/data/{job}-{date}.csv"}})");
  auto back = FromJobRecord(record);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->name, "mfk-nightly");
  EXPECT_EQ(back->schedule.text(), "0 3 * * *");
  EXPECT_EQ(back->zone->name(), "Asia/Shanghai");
  EXPECT_EQ(back->missed, MissedRunPolicy::kRunOnce);
  EXPECT_TRUE(back->paused);
  EXPECT_EQ(back->options.max_pages, 500);
  EXPECT_EQ(back->options.recrawl, RecrawlPolicy::kAll);
  ASSERT_TRUE(back->options.export_to.has_value());
  EXPECT_EQ(back->options.export_to->format, ExportFormat::kCsv);
  EXPECT_EQ(ExpandExportPath(*back, At("2026-02-28T19:00:00Z")), "/data/mfk-nightly-2026-03-01.csv");
  EXPECT_EQ(back->NextAfter(At("2026-02-28T12:00:00Z")), At("2026-02-28T19:00:00Z"));

  struct Broken {
    std::string name;
    std::string cron;
    std::string zone;
    std::string expected;
  };
  const Broken broken[] = {
      {"cron", "0 25 * * *", "UTC", "job 'mfk-nightly': cron: column 3: field 2 (hour)"},
      {"zone", "0 3 * * *", "Asia/Shangai", "unknown time zone 'Asia/Shangai'"},
  };
  for (const Broken& b : broken) {
    SCOPED_TRACE(b.name);
    store::JobRecord bad = record;
    bad.cron = b.cron;
    bad.time_zone = b.zone;
    auto result = FromJobRecord(bad);
    ASSERT_FALSE(result.ok());
    EXPECT_NE(result.status().message().find(b.expected), std::string::npos) << result.status().message();
  }
}

TEST(JobRecordTest, ExportPathsAndNamesAreChecked) {
  EXPECT_TRUE(CheckExportPath("out/{job}-{date}-{time}.jsonl").ok());
  EXPECT_NE(CheckExportPath("out/{jobb}.jsonl").message().find("column 5: unknown placeholder {jobb}"),
            std::string::npos);
  EXPECT_NE(CheckExportPath("out/{job.jsonl").message().find("unbalanced"), std::string::npos);
  EXPECT_FALSE(CheckExportPath("").ok());
  EXPECT_TRUE(IsValidJobName("mfk-nightly.v2_x"));
  EXPECT_FALSE(IsValidJobName("-x"));
  EXPECT_FALSE(IsValidJobName(""));
  EXPECT_FALSE(IsValidJobName("a b"));
  EXPECT_FALSE(IsValidJobName(std::string(65, 'a')));
  EXPECT_TRUE(IsValidJobName(std::string(64, 'a')));
}

TEST_P(SchedulerTest, AJobsFileIsLoadedIntoTheDatabaseAndKeptInStep) {
  const auto path = dir() / "jobs.yaml";
  auto first = ParseJobsFile(R"(jobs:
  - {name: a, site: mfk, schedule: "0 3 * * *"}
  - {name: b, site: mfk, schedule: "0 4 * * *", paused: true}
)",
                             path.string());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto report = SyncJobsFile(*first, path, *store_, clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 2);
  ASSERT_TRUE(*store_->SetJobPaused("a", true, clock_.Now()));  // paused by command

  auto second = ParseJobsFile(R"(jobs:
  - {name: a, site: xywy, schedule: "0 3 * * *"}
  - {name: c, site: mfk, schedule: "@hourly"}
)",
                              path.string());
  ASSERT_TRUE(second.ok());
  report = SyncJobsFile(*second, path, *store_, clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->added, 1);
  EXPECT_EQ(report->updated, 1);
  EXPECT_EQ(report->removed, 1);
  auto jobs = store_->ListJobs();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].name, "a");
  EXPECT_EQ((*jobs)[0].site, "xywy");
  EXPECT_TRUE((*jobs)[0].paused);  // the command's pause survives a reload
  EXPECT_EQ((*jobs)[0].source, "file");
  EXPECT_EQ((*jobs)[1].name, "c");

  // A name that belongs to a `schedule add` job: refused, nothing written.
  AddJob("d", "0 5 * * *", MissedRunPolicy::kSkip, clock_.Now());
  auto clash = ParseJobsFile(R"(jobs:
  - {name: e, site: mfk, schedule: "0 3 * * *"}
  - {name: d, site: mfk, schedule: "0 3 * * *"}
)",
                             path.string());
  ASSERT_TRUE(clash.ok());
  report = SyncJobsFile(*clash, path, *store_, clock_.Now());
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kConfigError);
  EXPECT_NE(report.status().message().find(":3:5: job 'd' already exists"), std::string::npos)
      << report.status().message();
  EXPECT_EQ(store_->ListJobs()->size(), 3u);  // a, c, d: nothing added or removed
}

HC_INSTANTIATE_BACKEND_TEST(SchedulerTest);

}  // namespace
}  // namespace hc::schedule
