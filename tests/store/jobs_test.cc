// store::Database (SQLite) as the scheduler's JobStore: job rows (insert, replace, pause/resume), the
// compare-and-swap of checked_through, the job lock (acquire, expiry, takeover, renew, release), the
// ending of a dead holder's runs, and the run history.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "store/page_builders.h"
#include "store/database.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TimePoint At(const std::string& iso) {
  TimePoint t{};
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

JobRecord Job(const std::string& name, const std::string& cron = "0 3 * * *") {
  JobRecord job;
  job.name = name;
  job.site = "mfk";
  job.cron = cron;
  job.time_zone = "Asia/Shanghai";
  job.missed = "run_once";
  job.options = {{"max_pages", 50}, {"recrawl", "due"}};
  return job;
}

JobLock Lock(const std::string& job, const std::string& owner, TimePoint expires) {
  JobLock lock;
  lock.job = job;
  lock.owner = owner;
  lock.host = "host-a";
  lock.pid = 42;
  lock.expires_at = expires;
  return lock;
}

// Every JobStoreTest runs on SQLite (Sqlite/JobStoreTest) and on PostgreSQL (Pg/JobStoreTest).
class JobStoreTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto opened = Open();
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }
  std::unique_ptr<Database> store_;
};

TEST_P(JobStoreTest, AJobRoundTripsAndStartsCheckingWhenAdded) {
  const TimePoint now = At("2026-03-01T00:00:00Z");
  ASSERT_TRUE(store_->PutJob(Job("nightly"), now).ok());
  auto job = store_->GetJob("nightly");
  ASSERT_TRUE(job.ok());
  ASSERT_TRUE(job->has_value());
  const JobRecord& got = **job;
  EXPECT_EQ(got.site, "mfk");
  EXPECT_EQ(got.cron, "0 3 * * *");
  EXPECT_EQ(got.time_zone, "Asia/Shanghai");
  EXPECT_EQ(got.missed, "run_once");
  EXPECT_EQ(got.options["max_pages"], 50);
  EXPECT_EQ(got.source, "cli");
  EXPECT_FALSE(got.paused);
  ASSERT_TRUE(got.checked_through.has_value());
  EXPECT_EQ(*got.checked_through, now);
  EXPECT_EQ(got.created_at, now);

  auto absent = store_->GetJob("nope");
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->has_value());
}

TEST_P(JobStoreTest, ReplacingADefinitionKeepsPauseAndResetsCheckingOnlyWhenTheScheduleChanged) {
  struct Case {
    std::string name;
    std::string cron;
    std::string zone;
    bool check_reset;
  };
  const Case cases[] = {
      {"same schedule", "0 3 * * *", "Asia/Shanghai", false},
      {"new cron", "0 4 * * *", "Asia/Shanghai", true},
      {"new zone", "0 3 * * *", "UTC", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const TimePoint added = At("2026-03-01T00:00:00Z");
    const TimePoint later = At("2026-03-05T00:00:00Z");
    ASSERT_TRUE(store_->PutJob(Job(c.name), added).ok());
    ASSERT_TRUE(*store_->SetJobPaused(c.name, true, added));
    JobRecord replaced = Job(c.name, c.cron);
    replaced.time_zone = c.zone;
    replaced.site = "xywy";
    replaced.source = "file";
    replaced.source_file = "/etc/jobs.yaml";
    replaced.paused = false;  // counts only for a new job
    ASSERT_TRUE(store_->PutJob(replaced, later).ok());
    auto got = store_->GetJob(c.name);
    ASSERT_TRUE(got.ok() && got->has_value());
    EXPECT_EQ((*got)->site, "xywy");
    EXPECT_EQ((*got)->source_file, "/etc/jobs.yaml");
    EXPECT_TRUE((*got)->paused);
    EXPECT_EQ((*got)->created_at, added);
    EXPECT_EQ((*got)->updated_at, later);
    EXPECT_EQ(*(*got)->checked_through, c.check_reset ? later : added);
  }
}

TEST_P(JobStoreTest, BadDefinitionsAreRefused) {
  JobRecord no_name = Job("");
  EXPECT_EQ(store_->PutJob(no_name, {}).code(), StatusCode::kInvalidArgument);
  JobRecord bad_missed = Job("a");
  bad_missed.missed = "always";
  EXPECT_EQ(store_->PutJob(bad_missed, {}).code(), StatusCode::kInvalidArgument);
  JobRecord bad_source = Job("b");
  bad_source.source = "api";
  EXPECT_EQ(store_->PutJob(bad_source, {}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->ListJobs()->empty());
}

TEST_P(JobStoreTest, ResumingNeverReachesBackIntoThePause) {
  const TimePoint added = At("2026-03-01T00:00:00Z");
  const TimePoint resumed = At("2026-03-09T00:00:00Z");
  ASSERT_TRUE(store_->PutJob(Job("j"), added).ok());
  ASSERT_TRUE(*store_->SetJobPaused("j", true, At("2026-03-02T00:00:00Z")));
  EXPECT_EQ(*(*store_->GetJob("j"))->checked_through, added);
  ASSERT_TRUE(*store_->SetJobPaused("j", false, resumed));
  EXPECT_FALSE((*store_->GetJob("j"))->paused);
  EXPECT_EQ(*(*store_->GetJob("j"))->checked_through, resumed);
  EXPECT_FALSE(*store_->SetJobPaused("absent", true, resumed));
  EXPECT_TRUE(*store_->RemoveJob("j"));
  EXPECT_FALSE(*store_->RemoveJob("j"));
}

TEST_P(JobStoreTest, CheckedThroughIsACompareAndSwap) {
  const TimePoint added = At("2026-03-01T00:00:00Z");
  const TimePoint t1 = At("2026-03-01T03:00:00Z");
  const TimePoint t2 = At("2026-03-02T03:00:00Z");
  ASSERT_TRUE(store_->PutJob(Job("j"), added).ok());
  EXPECT_TRUE(*store_->SetJobCheckedThrough("j", added, t1));
  // A second scheduler that read `added` too loses.
  EXPECT_FALSE(*store_->SetJobCheckedThrough("j", added, t2));
  EXPECT_FALSE(*store_->SetJobCheckedThrough("j", std::nullopt, t2));
  EXPECT_EQ(*(*store_->GetJob("j"))->checked_through, t1);
  EXPECT_TRUE(*store_->SetJobCheckedThrough("j", t1, t2));
  EXPECT_FALSE(*store_->SetJobCheckedThrough("absent", std::nullopt, t2));
}

TEST_P(JobStoreTest, ALockHasOneHolderUntilItExpiresOrIsTakenOver) {
  const TimePoint now = At("2026-03-01T00:00:00Z");
  ASSERT_TRUE(*store_->AcquireJobLock(Lock("j", "a:1", now + seconds(60)), now, ""));
  // Held and not expired: nobody else gets it...
  EXPECT_FALSE(*store_->AcquireJobLock(Lock("j", "b:2", now + seconds(60)), now + seconds(30), ""));
  // ...except by naming the holder (it was found dead)...
  EXPECT_FALSE(*store_->AcquireJobLock(Lock("j", "b:2", now + seconds(60)), now + seconds(30), "c:3"));
  // ...and re-acquiring your own lock is fine.
  EXPECT_TRUE(*store_->AcquireJobLock(Lock("j", "a:1", now + seconds(90)), now + seconds(30), ""));
  auto locks = store_->ListJobLocks();
  ASSERT_TRUE(locks.ok());
  ASSERT_EQ(locks->size(), 1u);
  EXPECT_EQ((*locks)[0].owner, "a:1");
  EXPECT_EQ((*locks)[0].expires_at, now + seconds(90));

  // The heartbeat moves the expiry and records the run.
  EXPECT_TRUE(*store_->RenewJobLock("j", "a:1", now + seconds(80), now + seconds(200), 7));
  EXPECT_FALSE(*store_->AcquireJobLock(Lock("j", "b:2", now + seconds(300)), now + seconds(150), ""));
  // Past the expiry it is anybody's; the old holder's heartbeat then fails.
  EXPECT_TRUE(*store_->AcquireJobLock(Lock("j", "b:2", now + seconds(400)), now + seconds(201), ""));
  EXPECT_FALSE(*store_->RenewJobLock("j", "a:1", now + seconds(202), now + seconds(300), 0));
  // Releasing someone else's lock does nothing; the holder's release frees it.
  ASSERT_TRUE(store_->ReleaseJobLock("j", "a:1").ok());
  EXPECT_EQ(store_->ListJobLocks()->size(), 1u);
  // Takeover of a named holder, before expiry.
  EXPECT_TRUE(*store_->AcquireJobLock(Lock("j", "c:3", now + seconds(500)), now + seconds(210), "b:2"));
  EXPECT_EQ((*store_->ListJobLocks())[0].owner, "c:3");
  ASSERT_TRUE(store_->ReleaseJobLock("j", "c:3").ok());
  EXPECT_TRUE(store_->ListJobLocks()->empty());
}

TEST_P(JobStoreTest, UnfinishedRunsOfAJobEndAsCrashedAndHistoryListsThem) {
  const TimePoint t = At("2026-03-01T03:00:00Z");
  auto manual = store_->BeginRun({"crawl", "mfk", t, ""});
  auto done = store_->BeginRun({"crawl", "mfk", t, "nightly"});
  auto dangling = store_->BeginRun({"crawl", "mfk", t + seconds(10), "nightly"});
  auto other = store_->BeginRun({"crawl", "xywy", t + seconds(20), "hourly"});
  ASSERT_TRUE(manual.ok() && done.ok() && dangling.ok() && other.ok());
  RunStats stats;
  stats.finished_at = t + seconds(5);
  stats.pages_fetched = 12;
  stats.pages_new = 3;
  stats.pages_changed = 4;
  stats.pages_unchanged = 5;
  stats.pages_failed = 1;
  ASSERT_TRUE(store_->FinishRun(*done, stats).ok());

  auto ended = store_->EndUnfinishedRuns("nightly", "crashed", t + seconds(30));
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 1);
  EXPECT_EQ(*store_->EndUnfinishedRuns("nightly", "crashed", t + seconds(40)), 0);

  auto nightly = store_->ListRuns("nightly", false, 10);
  ASSERT_TRUE(nightly.ok());
  ASSERT_EQ(nightly->size(), 2u);
  EXPECT_EQ((*nightly)[0].id, *dangling);  // newest first
  EXPECT_TRUE((*nightly)[0].finished);
  EXPECT_EQ((*nightly)[0].stats.outcome, "crashed");
  EXPECT_EQ((*nightly)[0].stats.finished_at, t + seconds(30));
  EXPECT_EQ((*nightly)[1].stats.outcome, "ok");
  EXPECT_EQ((*nightly)[1].stats.pages_fetched, 12);
  EXPECT_EQ((*nightly)[1].stats.pages_new, 3);
  EXPECT_EQ((*nightly)[1].stats.pages_changed, 4);
  EXPECT_EQ((*nightly)[1].stats.pages_unchanged, 5);
  EXPECT_EQ((*nightly)[1].stats.pages_failed, 1);
  EXPECT_EQ((*nightly)[1].info.job, "nightly");

  auto scheduled = store_->ListRuns("", false, 10);
  ASSERT_TRUE(scheduled.ok());
  EXPECT_EQ(scheduled->size(), 3u);
  EXPECT_FALSE((*scheduled)[0].finished);  // "hourly" is still running
  auto everything = store_->ListRuns("", true, 10);
  ASSERT_TRUE(everything.ok());
  EXPECT_EQ(everything->size(), 4u);
  EXPECT_EQ((*everything)[3].id, *manual);
  EXPECT_EQ(store_->ListRuns("", true, 2)->size(), 2u);
}

TEST_P(JobStoreTest, JobWritesCommitAnOpenPageBatchFirst) {
  ASSERT_TRUE(store_->PutPage(testing::Page("https://www.mfk.com/article/1.html", "2026-03-01T00:00:00Z",
                                            testing::Article("题", 1, Json::array())))
                  .ok());
  ASSERT_TRUE(store_->PutJob(Job("j"), At("2026-03-01T00:00:00Z")).ok());
  // Another connection sees both the job and the page at once.
  auto peek = Peek();
  EXPECT_EQ(peek.Int("SELECT count(*) FROM jobs"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 1);
}

HC_INSTANTIATE_BACKEND_TEST(JobStoreTest);

}  // namespace
}  // namespace hc::store
