// HolderLock (store/holder_lock.h): one holder at a time, a refusal that names the holder, nothing stale
// after a holder dies, and one lock file per database whatever path names it.
#include "store/holder_lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

#include "support/test_env.h"

namespace hc::store {
namespace {

namespace fs = std::filesystem;

std::string ThisHost() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return host;
}

TEST(HolderLockTest, OneHolderAtATimeAndTheRefusalNamesIt) {
  hc::testing::TempDir dir;
  const fs::path path = dir / "crawl.db.crawl-mfk.lock";
  TimePoint since;
  ASSERT_TRUE(ParseIso8601("2026-03-02T19:00:00Z", &since));
  auto first = HolderLock::Acquire(path, {.since = since, .command = "healthcrawl crawl --site mfk"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ((*first)->holder().pid, static_cast<int64_t>(getpid()));
  EXPECT_EQ((*first)->holder().host, ThisHost());

  // A second open of the file, in this process as in another, is refused (an OFD lock, not a POSIX one).
  LockHolder held_by;
  auto second = HolderLock::Acquire(path, {.command = "healthcrawl crawl --site mfk"}, &held_by);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  const std::string expected = "held by pid " + std::to_string(getpid()) + " on host " + ThisHost() +
                               " since 2026-03-02T19:00:00Z (healthcrawl crawl --site mfk)";
  EXPECT_EQ(second.status().message(), expected);
  EXPECT_EQ(held_by.pid, static_cast<int64_t>(getpid()));
  EXPECT_EQ(held_by.command, "healthcrawl crawl --site mfk");

  auto holder = HolderLock::Holder(path);
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  ASSERT_TRUE(holder->has_value());
  EXPECT_EQ("held by " + DescribeHolder(**holder), expected);

  first->reset();  // released: the record is emptied and the lock is free
  EXPECT_EQ(hc::testing::ReadFile(path), "");
  holder = HolderLock::Holder(path);
  ASSERT_TRUE(holder.ok());
  EXPECT_FALSE(holder->has_value());
  auto third = HolderLock::Acquire(path, {.command = "healthcrawl crawl --site mfk"});
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST(HolderLockTest, NobodyHoldsAFileThatDoesNotExist) {
  hc::testing::TempDir dir;
  auto holder = HolderLock::Holder(dir / "nothing.lock");
  ASSERT_TRUE(holder.ok()) << holder.status().ToString();
  EXPECT_FALSE(holder->has_value());
  EXPECT_FALSE(fs::exists(dir / "nothing.lock"));  // looking creates nothing
}

// A holder killed with SIGKILL: the kernel drops its lock; its record stays until the next holder
// replaces it.
TEST(HolderLockTest, AHolderKilledWithSigkillLeavesNoLock) {
  hc::testing::TempDir dir;
  const fs::path path = dir / "crawl.db.scheduler.lock";
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto lock = HolderLock::Acquire(path, {.command = "healthcrawl scheduler run"});
    const char byte = lock.ok() ? 'y' : 'n';
    (void)!write(ready[1], &byte, 1);
    pause();  // until killed
    _exit(0);
  }
  close(ready[1]);
  char byte = 0;
  ASSERT_EQ(read(ready[0], &byte, 1), 1);
  close(ready[0]);
  ASSERT_EQ(byte, 'y');
  auto held = HolderLock::Acquire(path, {.command = "healthcrawl scheduler run"});
  ASSERT_FALSE(held.ok());
  EXPECT_NE(held.status().message().find("held by pid " + std::to_string(child) + " on host "),
            std::string::npos)
      << held.status().message();

  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_NE(hc::testing::ReadFile(path).find("\"pid\":" + std::to_string(child)), std::string::npos);
  auto holder = HolderLock::Holder(path);
  ASSERT_TRUE(holder.ok());
  EXPECT_FALSE(holder->has_value());
  auto taken = HolderLock::Acquire(path, {.command = "healthcrawl scheduler run"});
  ASSERT_TRUE(taken.ok()) << taken.status().ToString();
  EXPECT_EQ(hc::testing::ReadFile(path).find("\"pid\":" + std::to_string(child)), std::string::npos);
}

// A lock taken the moment before its record is written, or a file that is no record: the holder is
// still refused, as one that has not written its name.
TEST(HolderLockTest, AHolderWithoutARecordIsStillAHolder) {
  hc::testing::TempDir dir;
  const fs::path path = dir / "crawl.db.crawl-mfk.lock";
  auto lock = HolderLock::Acquire(path, {.command = "healthcrawl crawl --site mfk"});
  ASSERT_TRUE(lock.ok());
  hc::testing::WriteFile(path, "not json");
  auto second = HolderLock::Acquire(path, {});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(), "held by a process that has not written its name yet");
}

// Each site has its own crawl lock, the scheduler one more; a relative path, or a symlink to the database,
// names the same files.
TEST(HolderLockTest, OneLockPerSiteAndDatabaseWhateverPathNamesIt) {
  hc::testing::TempDir dir;
  const fs::path db = dir / "crawl.db";
  hc::testing::WriteFile(db, "");
  fs::create_directories(dir / "elsewhere");
  fs::create_symlink(db, dir / "elsewhere" / "link.db");
  const fs::path canonical = fs::canonical(db);
  EXPECT_EQ(CrawlLockPath(db, "mfk"), canonical.parent_path() / "crawl.db.crawl-mfk.lock");
  EXPECT_EQ(CrawlLockPath(dir / "elsewhere" / "link.db", "mfk"), CrawlLockPath(db, "mfk"));
  EXPECT_EQ(CrawlLockPath(dir / "elsewhere" / ".." / "crawl.db", "mfk"), CrawlLockPath(db, "mfk"));
  EXPECT_EQ(SchedulerLockPath(db), canonical.parent_path() / "crawl.db.scheduler.lock");
  EXPECT_EQ(CrawlLockPath(db, "a/../b c").filename(), "crawl.db.crawl-a____b_c.lock");

  auto mfk = LockSiteCrawl(db, "mfk", "healthcrawl crawl --site mfk");
  ASSERT_TRUE(mfk.ok()) << mfk.status().ToString();
  auto xywy = LockSiteCrawl(db, "xywy", "healthcrawl crawl --site xywy");
  EXPECT_TRUE(xywy.ok()) << "another site's crawl is no collision: " << xywy.status().ToString();
  auto scheduler = LockScheduler(db, "healthcrawl scheduler run");
  EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();

  auto again = LockSiteCrawl(dir / "elsewhere" / "link.db", "mfk", "healthcrawl crawl --site mfk");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kBusy);
  const std::string by = "pid " + std::to_string(getpid()) + " on host " + ThisHost() + " since ";
  EXPECT_EQ(again.status().message().rfind("database busy: site mfk of " +
                                               (dir / "elsewhere" / "link.db").string() +
                                               " is being crawled by " + by,
                                           0),
            0u)
      << again.status().message();
  auto who = SiteCrawlHolder(db, "mfk");
  ASSERT_TRUE(who.ok());
  EXPECT_EQ(who->rfind("database busy: site mfk of " + db.string() + " is being crawled by " + by, 0), 0u)
      << *who;
  auto nobody = SiteCrawlHolder(db, "haodf");
  ASSERT_TRUE(nobody.ok());
  EXPECT_EQ(*nobody, "");
  auto second_scheduler = LockScheduler(db, "healthcrawl scheduler run --once");
  ASSERT_FALSE(second_scheduler.ok());
  EXPECT_EQ(second_scheduler.status().message().rfind(
                "database busy: " + db.string() + " has a scheduler running already: " + by, 0),
            0u)
      << second_scheduler.status().message();
}

}  // namespace
}  // namespace hc::store
