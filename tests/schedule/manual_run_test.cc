// `schedule run JOB` (Scheduler::RunNow), the reload that SIGHUP triggers in the daemon's loop
// (Scheduler::Run's reload flag), and the job keys that reach the crawl (start_urls, delay,
// concurrency, sitemaps: the jobs table round trip and CrawlOptionsFor). On a FakeClock with a fake
// runner, against a real SQLite database.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "schedule/schedule.h"
#include "store/database.h"
#include "support/test_env.h"

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

class ManualRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::OpenDatabase(dir_ / "sched.db");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }

  void AddJob(const std::string& name, const std::string& site,
              MissedRunPolicy missed = MissedRunPolicy::kSkip, bool paused = false) {
    JobSpec job;
    job.name = name;
    job.site = site;
    job.schedule = *CronSchedule::Parse("0 3 * * *");
    job.time_zone = "Asia/Shanghai";
    job.zone = *LocateTimeZone("Asia/Shanghai");
    job.missed = missed;
    job.paused = paused;
    ASSERT_TRUE(store_->PutJob(ToJobRecord(job, "cli", {}), clock_.Now()).ok());
  }

  // A runner that records its runs and, while `block_` is set, waits for the stop flag.
  JobRunner Runner() {
    return [this](const JobRun& run) -> Result<store::RunStats> {
      {
        std::lock_guard lock(mu_);
        calls_.push_back(run);
      }
      while (block_.load() && !run.stop->load()) std::this_thread::sleep_for(milliseconds(1));
      store::RunStats stats;
      stats.outcome = run.stop->load() ? "interrupted" : "ok";
      stats.pages_fetched = 7;
      return stats;
    };
  }
  std::vector<JobRun> Calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }

  SchedulerOptions Options(const std::string& owner) {
    SchedulerOptions options;
    options.clock = &clock_;
    options.owner = owner;
    options.host = "test-host";
    options.pid = 100;
    options.poll = milliseconds(5);
    options.reload_interval = std::chrono::hours(1);  // passes come from fire times and reloads only
    options.pid_alive = [this](int64_t pid) { return pid != dead_pid_; };
    return options;
  }

  // A lock on `job` held by a live scheduler "test-host:4242" (or, with `dead`, one whose process is gone).
  void HoldLock(const std::string& job, bool dead = false) {
    store::JobLock lock;
    lock.job = job;
    lock.owner = "test-host:4242";
    lock.host = "test-host";
    lock.pid = 4242;
    lock.expires_at = clock_.Now() + minutes(2);
    ASSERT_TRUE(*store_->AcquireJobLock(lock, clock_.Now(), ""));
    if (dead) dead_pid_ = 4242;
  }

  std::vector<store::RunRecord> History(const std::string& job) {
    auto runs = store_->ListRuns(job, false, 100);
    EXPECT_TRUE(runs.ok());
    return runs.ok() ? *runs : std::vector<store::RunRecord>{};
  }

  hc::testing::TempDir dir_;
  std::unique_ptr<store::Database> store_;
  FakeClock clock_{At("2026-02-28T12:00:00Z")};
  int64_t dead_pid_ = -1;
  std::mutex mu_;
  std::vector<JobRun> calls_;
  std::atomic<bool> block_{false};
};

TEST_F(ManualRunTest, RunsTheJobNowAndRecordsItAsManualWithoutTouchingItsSchedule) {
  AddJob("nightly", "mfk", MissedRunPolicy::kSkip,
         /*paused=*/true);  // a paused job runs too: it was asked for
  const auto before = **store_->GetJob("nightly");
  Scheduler scheduler(*store_, *store_, Runner(), Options("manual"));
  std::atomic<bool> stop{false};

  auto run = scheduler.RunNow("nightly", stop);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->refusal, "");
  EXPECT_TRUE(run->recorded.ok());
  EXPECT_TRUE(run->error.ok());
  EXPECT_EQ(run->stats.outcome, "ok");
  ASSERT_EQ(Calls().size(), 1u);
  EXPECT_TRUE(Calls()[0].manual);
  EXPECT_FALSE(Calls()[0].catch_up);
  EXPECT_EQ(Calls()[0].scheduled_for, clock_.Now());  // export placeholders use the moment it was asked for

  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, run->run_id);
  EXPECT_EQ(runs[0].info.command, "schedule run");
  EXPECT_EQ(runs[0].info.sites, "mfk");
  EXPECT_TRUE(runs[0].finished);
  EXPECT_EQ(runs[0].stats.outcome, "ok");
  EXPECT_EQ(runs[0].stats.pages_fetched, 7);
  EXPECT_EQ(runs[0].stats.extra["manual"], true);
  EXPECT_FALSE(runs[0].stats.extra.contains("scheduled_for"));
  EXPECT_TRUE(store_->ListJobLocks()->empty());
  // No fire time was claimed: the schedule goes on as before.
  EXPECT_EQ((**store_->GetJob("nightly")).checked_through, before.checked_through);
}

TEST_F(ManualRunTest, ARunningJobOrABusySiteIsRefusedNamingTheHolder) {
  struct Case {
    std::string name;
    std::string locked;   // the job whose lock is held
    std::string message;  // part of ManualRun::refusal
  };
  const Case cases[] = {
      {"the job itself", "nightly", "job nightly is already running (lock held by test-host:4242 since "},
      {"another job of its site", "hourly",
       "job hourly of the same site mfk is running (lock held by test-host:4242 since "},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AddJob("nightly", "mfk");
    AddJob("hourly", "mfk");
    AddJob("other-site", "xywy");
    HoldLock(c.locked);
    Scheduler scheduler(*store_, *store_, Runner(), Options("manual-" + c.name));
    std::atomic<bool> stop{false};
    auto run = scheduler.RunNow("nightly", stop);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_NE(run->refusal.find(c.message), std::string::npos) << run->refusal;
    EXPECT_EQ(run->run_id, 0);
    EXPECT_TRUE(History("nightly").empty());
    auto locks = *store_->ListJobLocks();
    ASSERT_EQ(locks.size(), 1u);  // the holder's lock is untouched
    EXPECT_EQ(locks[0].owner, "test-host:4242");
    // A job of another site is not held up.
    auto free = scheduler.RunNow("other-site", stop);
    ASSERT_TRUE(free.ok());
    EXPECT_EQ(free->refusal, "");
    EXPECT_EQ(free->stats.outcome, "ok");
    ASSERT_TRUE(store_->ReleaseJobLock(c.locked, "test-host:4242").ok());
  }
  EXPECT_EQ(Calls().size(), 2u);  // only the other site's runs
}

TEST_F(ManualRunTest, ALockOfADeadHolderIsTakenOverFirst) {
  AddJob("nightly", "mfk", MissedRunPolicy::kRunOnce);
  auto crashed = store_->BeginRun({"crawl", "mfk", clock_.Now(), "nightly"});
  ASSERT_TRUE(crashed.ok());
  HoldLock("nightly", /*dead=*/true);
  Scheduler scheduler(*store_, *store_, Runner(), Options("manual"));
  std::atomic<bool> stop{false};
  auto run = scheduler.RunNow("nightly", stop);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->refusal, "");
  EXPECT_EQ(run->stats.outcome, "ok");
  auto runs = History("nightly");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].id, *crashed);
  EXPECT_EQ(runs[1].stats.outcome, "crashed");
  EXPECT_EQ(runs[0].info.command, "schedule run");
}

TEST_F(ManualRunTest, TheStopFlagInterruptsTheRun) {
  AddJob("nightly", "mfk");
  block_ = true;
  Scheduler scheduler(*store_, *store_, Runner(), Options("manual"));
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    for (int i = 0; i < 5000 && Calls().empty(); ++i) std::this_thread::sleep_for(milliseconds(1));
    // While it runs, the job's lock is held by the manual run (no fire time in it).
    auto locks = *store_->ListJobLocks();
    EXPECT_EQ(locks.size(), 1u);
    if (!locks.empty()) {
      EXPECT_EQ(locks[0].owner, "manual");
      EXPECT_FALSE(locks[0].scheduled_for.has_value());
    }
    stop = true;
  });
  auto run = scheduler.RunNow("nightly", stop);
  stopper.join();
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->stats.outcome, "interrupted");
  EXPECT_EQ(History("nightly").at(0).stats.outcome, "interrupted");
  EXPECT_TRUE(store_->ListJobLocks()->empty());
}

TEST_F(ManualRunTest, AnUnknownJobIsNotFound) {
  Scheduler scheduler(*store_, *store_, Runner(), Options("manual"));
  std::atomic<bool> stop{false};
  auto run = scheduler.RunNow("nope", stop);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run.status().message(), "no job named 'nope'");
}

// The daemon's loop with the reload flag (what SIGHUP sets): the callback runs on the loop's thread,
// and the pass after it sees the jobs as the callback left them, at once (reload_interval is an hour).
TEST_F(ManualRunTest, AReloadIsFollowedByAPassThatSeesTheNewJobs) {
  AddJob("old", "mfk", MissedRunPolicy::kRunOnce);
  auto writer = store::OpenDatabase(dir_ / "sched.db");
  ASSERT_TRUE(writer.ok());
  Scheduler scheduler(*store_, *store_, Runner(), Options("daemon"));
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
  std::atomic<int> reloads{0};
  // Stands in for loading the jobs file: `old` is gone, `new` is in, and due (missed, run_once).
  auto on_reload = [&] {
    ++reloads;
    ASSERT_TRUE(*(*writer)->RemoveJob("old"));
    JobSpec job;
    job.name = "new";
    job.site = "mfk";
    job.schedule = *CronSchedule::Parse("0 3 * * *");
    job.zone = *LocateTimeZone("UTC");
    job.time_zone = "UTC";
    job.missed = MissedRunPolicy::kRunOnce;
    ASSERT_TRUE(
        (*writer)
            ->PutJob(ToJobRecord(job, "file", dir_ / "jobs.yaml"), clock_.Now() - std::chrono::hours(48))
            .ok());
  };
  std::thread loop([&] { EXPECT_TRUE(scheduler.Run(stop, &reload, on_reload).ok()); });
  std::this_thread::sleep_for(milliseconds(50));  // the first pass: nothing due
  EXPECT_TRUE(Calls().empty());
  reload = true;
  for (int i = 0; i < 5000 && Calls().empty(); ++i) std::this_thread::sleep_for(milliseconds(1));
  stop = true;
  loop.join();
  EXPECT_EQ(reloads.load(), 1);
  EXPECT_FALSE(reload.load());  // consumed
  ASSERT_EQ(Calls().size(), 1u);
  EXPECT_EQ(Calls()[0].job.name, "new");
  EXPECT_TRUE(Calls()[0].catch_up);
}

TEST(JobCrawlKeys, SurviveTheJobsTable) {
  JobSpec job;
  job.name = "a";
  job.site = "mfk";
  job.schedule = *CronSchedule::Parse("@daily");
  job.zone = *LocateTimeZone("UTC");
  job.options.start_urls = {"https://www.mfk.com/list/guke.html", "https://www.mfk.com/list/erke.html"};
  job.options.delay_seconds = 2.5;
  job.options.concurrency = 3;
  job.options.sitemaps = std::vector<std::string>{"https://www.mfk.com/sitemap-1.xml"};
  auto back = FromJobRecord(ToJobRecord(job, "cli", {}));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->options.start_urls, job.options.start_urls);
  EXPECT_EQ(back->options.delay_seconds, 2.5);
  EXPECT_EQ(back->options.concurrency, 3);
  EXPECT_EQ(back->options.sitemaps, job.options.sitemaps);
  EXPECT_TRUE(back->options.read_sitemaps);

  job.options = {};
  job.options.read_sitemaps = false;
  const store::JobRecord off = ToJobRecord(job, "cli", {});
  EXPECT_EQ(off.options["sitemaps"], false);
  EXPECT_FALSE(off.options.contains("start_urls"));
  EXPECT_FALSE(off.options.contains("delay"));
  back = FromJobRecord(off);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->options.read_sitemaps);
  EXPECT_FALSE(back->options.sitemaps.has_value());
  EXPECT_FALSE(back->options.delay_seconds.has_value());
}

TEST(JobCrawlKeys, ABrokenStoredKeyNamesTheJob) {
  struct Case {
    std::string name;
    store::Json options;
    std::string message;
  };
  const Case cases[] = {
      {"delay too long", {{"delay", 4000}}, "job 'a': delay must be a number of seconds from 0 to 3600"},
      {"concurrency 0", {{"concurrency", 0}}, "job 'a': concurrency must be a whole number from 1 to 64"},
      {"start URL not http",
       {{"start_urls", {"ftp://x/"}}},
       "job 'a': start_urls: 'ftp://x/' is not an absolute http(s) URL"},
      {"sitemaps a number", {{"sitemaps", 3}}, "job 'a': sitemaps must be a list of URLs"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    store::JobRecord record;
    record.name = "a";
    record.site = "mfk";
    record.cron = "@daily";
    record.time_zone = "UTC";
    record.options = c.options;
    auto job = FromJobRecord(record);
    ASSERT_FALSE(job.ok());
    EXPECT_EQ(job.status().message(), c.message);
  }
}

// The command line (`scheduler run --delay`, `schedule run --delay`) wins over the job, the job over the
// site config (which is what an unset CrawlOptions field means).
TEST(JobCrawlKeys, CrawlOptionsForPrefersTheCommandLineThenTheJob) {
  JobSpec job;
  job.name = "a";
  job.site = "mfk";
  job.options.max_pages = 50;
  job.options.recrawl = RecrawlPolicy::kAll;
  job.options.start_urls = {"https://www.mfk.com/a.html"};
  job.options.delay_seconds = 5;
  job.options.concurrency = 1;
  job.options.sitemaps = std::vector<std::string>{"https://www.mfk.com/s.xml"};

  const crawl::CrawlOptions from_job = CrawlOptionsFor(job, crawl::CrawlOptions{});
  EXPECT_EQ(from_job.max_pages, 50);
  EXPECT_EQ(from_job.recrawl, crawl::CrawlOptions::Recrawl::kAll);
  EXPECT_EQ(from_job.start_urls, job.options.start_urls);
  EXPECT_EQ(from_job.delay_seconds, 5.0);
  EXPECT_EQ(from_job.concurrency, 1);
  EXPECT_EQ(from_job.sitemaps, job.options.sitemaps);
  EXPECT_TRUE(from_job.read_sitemaps);

  crawl::CrawlOptions command_line;
  command_line.delay_seconds = 0;
  command_line.concurrency = 4;
  command_line.start_urls = {"https://www.mfk.com/b.html"};
  const crawl::CrawlOptions both = CrawlOptionsFor(job, command_line);
  EXPECT_EQ(both.delay_seconds, 0.0);
  EXPECT_EQ(both.concurrency, 4);
  EXPECT_EQ(both.start_urls, command_line.start_urls);
  EXPECT_EQ(both.max_pages, 50);

  JobSpec plain;
  plain.options.read_sitemaps = false;
  const crawl::CrawlOptions config = CrawlOptionsFor(plain, crawl::CrawlOptions{});
  EXPECT_EQ(config.max_pages, -1);
  EXPECT_TRUE(config.start_urls.empty());
  EXPECT_FALSE(config.delay_seconds.has_value());
  EXPECT_EQ(config.concurrency, 0);
  EXPECT_FALSE(config.sitemaps.has_value());
  EXPECT_FALSE(config.read_sitemaps);
}

}  // namespace
}  // namespace hc::schedule
