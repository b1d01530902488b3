// HostPace (store/host_pace.h): one start slot per origin for every process crawling a PostgreSQL
// database, robots.txt claimed by one process and read by the others; SQLite's in-process answer.
// Each "process" here is a HostPace of its own, that is, a connection of its own.
#include "store/host_pace.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/host.h"
#include "store/database.h"
#include "support/backend_support.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using std::chrono::milliseconds;

// The server decides the slots on its clock; the statements between two reservations take a few
// milliseconds, so a wait is its slot less that much.
constexpr milliseconds kSlack{500};

class PgHostPaceTest : public hc::testing::PgDatabaseTest {
 protected:
  void SetUp() override {
    hc::testing::PgDatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto db = OpenDatabase(conninfo());  // creates the tables
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }
  std::unique_ptr<HostPace> Process() {
    auto pace = OpenHostPace(conninfo());
    EXPECT_TRUE(pace.ok()) << pace.status().ToString();
    return pace.ok() ? std::move(*pace) : nullptr;
  }
};

TEST_F(PgHostPaceTest, ReservationsOfSeveralProcessesAreOneDelayApart) {
  auto a = Process(), b = Process(), c = Process();
  ASSERT_TRUE(a && b && c);
  const milliseconds delay(4000);
  std::vector<milliseconds> waits;
  for (HostPace* p : {a.get(), b.get(), c.get(), a.get()}) {
    auto wait = p->ReserveStart("http://www.mfk.com", delay);
    ASSERT_TRUE(wait.ok()) << wait.status().ToString();
    waits.push_back(*wait);
  }
  EXPECT_EQ(waits[0], milliseconds(0)) << "the first start of an origin goes at once";
  for (std::size_t i = 1; i < waits.size(); ++i) {
    SCOPED_TRACE("reservation " + std::to_string(i));
    EXPECT_GT(waits[i], static_cast<int64_t>(i) * delay - kSlack);
    EXPECT_LE(waits[i], static_cast<int64_t>(i) * delay);
  }
  // Another origin has a pace of its own; no delay reserves nothing ahead.
  auto other = b->ReserveStart("http://club.xywy.com", delay);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(*other, milliseconds(0));
  auto unpaced = c->ReserveStart("http://ask.39.net", milliseconds(0));
  ASSERT_TRUE(unpaced.ok());
  EXPECT_EQ(*unpaced, milliseconds(0));
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.All("SELECT origin, reservations, delay_seconds FROM host_pace ORDER BY origin"),
            "http://ask.39.net|1|0\nhttp://club.xywy.com|1|4\nhttp://www.mfk.com|4|4\n");
}

TEST_F(PgHostPaceTest, ReservationsRacingFromManyConnectionsNeverShareASlot) {
  constexpr int kProcesses = 4, kEach = 5;
  const milliseconds delay(1000);
  std::vector<std::vector<milliseconds>> waits(kProcesses);
  std::vector<std::thread> threads;
  for (int i = 0; i < kProcesses; ++i) {
    threads.emplace_back([&, i] {
      auto pace = OpenHostPace(conninfo());
      ASSERT_TRUE(pace.ok()) << pace.status().ToString();
      const auto t0 = std::chrono::steady_clock::now();
      for (int n = 0; n < kEach; ++n) {
        auto wait = (*pace)->ReserveStart("http://www.mfk.com", delay);
        ASSERT_TRUE(wait.ok()) << wait.status().ToString();
        // As a slot on one clock: when it starts, counted from a common moment (near enough).
        waits[i].push_back(std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0) +
                           *wait);
      }
    });
  }
  for (auto& t : threads) t.join();
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Int("SELECT reservations FROM host_pace"), kProcesses * kEach);
  // 20 slots a delay apart: the last is 19 delays after the first, whoever reserved which.
  EXPECT_GT(
      peek.Int(
          "SELECT round(next_allowed_at - extract(epoch FROM clock_timestamp()))::bigint FROM host_pace"),
      (kProcesses * kEach - 2) * delay.count() / 1000);
}

TEST_F(PgHostPaceTest, AHoldStopsEveryProcessUntilItEnds) {
  auto a = Process(), b = Process();
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(a->HoldOrigin("http://www.mfk.com", milliseconds(5000)).ok());
  ASSERT_TRUE(a->HoldOrigin("http://www.mfk.com", milliseconds(1000)).ok())
      << "a shorter hold changes nothing";
  auto wait = b->ReserveStart("http://www.mfk.com", milliseconds(100));
  ASSERT_TRUE(wait.ok());
  EXPECT_GT(*wait, milliseconds(5000) - kSlack);
  EXPECT_LE(*wait, milliseconds(5000));
}

TEST_F(PgHostPaceTest, RobotsTxtIsFetchedByTheFirstProcessAndReadByTheOthers) {
  auto a = Process(), b = Process();
  ASSERT_TRUE(a && b);
  const std::string origin = "http://www.mfk.com";
  auto first = a->LookupRobots(origin, "host-a:1", milliseconds(60'000));
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->state, RobotsLookup::State::kFetch);
  auto again = a->LookupRobots(origin, "host-a:1", milliseconds(60'000));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, RobotsLookup::State::kFetch) << "the claimant keeps its claim";
  auto other = b->LookupRobots(origin, "host-b:2", milliseconds(60'000));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->state, RobotsLookup::State::kWait);

  static constexpr char kBody[] = "User-agent: *\nDisallow: /private\n\0\xff";  // a NUL and a non-UTF-8 byte
  const std::string body(kBody, sizeof(kBody) - 1);
  ASSERT_TRUE(a->PutRobots(origin, 200, body, std::chrono::seconds(86400)).ok());
  auto cached = b->LookupRobots(origin, "host-b:2", milliseconds(60'000));
  ASSERT_TRUE(cached.ok());
  EXPECT_EQ(cached->state, RobotsLookup::State::kCached);
  EXPECT_EQ(cached->status, 200);
  EXPECT_EQ(cached->body, body);
  EXPECT_GT(cached->expires_in, std::chrono::seconds(86000));
  EXPECT_LE(cached->expires_in, std::chrono::seconds(86400));
}

TEST_F(PgHostPaceTest, AClaimEndsWhenReleasedOrWhenItsTimeIsUp) {
  auto a = Process(), b = Process();
  ASSERT_TRUE(a && b);
  const std::string origin = "http://club.xywy.com";
  ASSERT_EQ(a->LookupRobots(origin, "host-a:1", milliseconds(60'000))->state, RobotsLookup::State::kFetch);
  ASSERT_TRUE(b->ReleaseRobots(origin, "host-b:2").ok());
  EXPECT_EQ(b->LookupRobots(origin, "host-b:2", milliseconds(60'000))->state, RobotsLookup::State::kWait)
      << "only the claimant ends its claim";
  ASSERT_TRUE(a->ReleaseRobots(origin, "host-a:1").ok());  // robots.txt was unreachable
  EXPECT_EQ(b->LookupRobots(origin, "host-b:2", milliseconds(50))->state, RobotsLookup::State::kFetch);
  // b dies with its claim: it runs out, and a takes it.
  std::this_thread::sleep_for(milliseconds(120));
  EXPECT_EQ(a->LookupRobots(origin, "host-a:1", milliseconds(60'000))->state, RobotsLookup::State::kFetch);
  // An expired answer is fetched again by one process.
  ASSERT_TRUE(a->PutRobots(origin, 404, "", std::chrono::seconds(0)).ok());
  EXPECT_EQ(b->LookupRobots(origin, "host-b:2", milliseconds(60'000))->state, RobotsLookup::State::kFetch);
  EXPECT_EQ(a->LookupRobots(origin, "host-a:1", milliseconds(60'000))->state, RobotsLookup::State::kWait);
}

TEST_F(PgHostPaceTest, ARequestSlotIsHeldByOneProcessUntilReleasedOrItsLeaseRunsOut) {
  auto a = Process(), b = Process();
  ASSERT_TRUE(a && b);
  const std::string origin = "http://www.mfk.com";
  const milliseconds lease(60'000);
  auto first = a->AcquireStart(origin, "host-a:1/1", 1, milliseconds(0), lease);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->slot, 0);
  EXPECT_EQ(first->wait, milliseconds(0));
  auto second = b->AcquireStart(origin, "host-b:2/1", 1, milliseconds(0), lease);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(second->acquired()) << "concurrency 1: the only slot is a's";
  EXPECT_TRUE(b->AcquireStart("http://club.xywy.com", "host-b:2/1", 1, milliseconds(0), lease)->acquired())
      << "another origin has slots of its own";

  // A release is queued: nothing changes in the database until a's next statement.
  a->ReleaseSlot(origin, first->slot);
  EXPECT_FALSE(b->AcquireStart(origin, "host-b:2/1", 1, milliseconds(0), lease)->acquired());
  ASSERT_TRUE(a->FlushReleases("host-a:1/1").ok());
  auto freed = b->AcquireStart(origin, "host-b:2/1", 1, milliseconds(0), lease);
  ASSERT_TRUE(freed.ok());
  EXPECT_EQ(freed->slot, 0) << "released: b takes it";
  EXPECT_FALSE(a->AcquireStart(origin, "host-a:1/1", 1, milliseconds(0), lease)->acquired());

  // b is killed while it holds the slot: the lease runs out and a takes it.
  const std::string dead = "http://ask.39.net";
  ASSERT_TRUE(b->AcquireStart(dead, "host-b:2/1", 1, milliseconds(0), milliseconds(150))->acquired());
  EXPECT_FALSE(a->AcquireStart(dead, "host-a:1/1", 1, milliseconds(0), lease)->acquired());
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_TRUE(a->AcquireStart(dead, "host-a:1/1", 1, milliseconds(0), lease)->acquired());

  // The end of a run frees all of its owner's slots.
  ASSERT_TRUE(b->ReleaseAllSlots("host-b:2/1").ok());
  EXPECT_TRUE(a->AcquireStart(origin, "host-a:1/1", 1, milliseconds(0), lease)->acquired());
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.All("SELECT origin, slot, owner FROM host_slots ORDER BY origin, slot"),
            "http://ask.39.net|0|host-a:1/1\nhttp://www.mfk.com|0|host-a:1/1\n");
}

TEST_F(PgHostPaceTest, ConcurrencyTwoIsTwoSlotsForTheWholeCluster) {
  auto a = Process(), b = Process(), c = Process();
  ASSERT_TRUE(a && b && c);
  const std::string origin = "http://www.mfk.com";
  const milliseconds lease(60'000);
  auto one = a->AcquireStart(origin, "a", 2, milliseconds(0), lease);
  auto two = b->AcquireStart(origin, "b", 2, milliseconds(0), lease);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(one->slot, 0);
  EXPECT_EQ(two->slot, 1);
  EXPECT_FALSE(c->AcquireStart(origin, "c", 2, milliseconds(0), lease)->acquired());
  EXPECT_FALSE(c->AcquireStart(origin, "c", 1, milliseconds(0), lease)->acquired())
      << "a process with a lower concurrency counts the others' requests too";
  b->ReleaseSlot(origin, two->slot);
  ASSERT_TRUE(b->FlushReleases("b").ok());
  EXPECT_EQ(c->AcquireStart(origin, "c", 2, milliseconds(0), lease)->slot, 1);
}

TEST_F(PgHostPaceTest, TheSlotAndTheStartAreTakenInOneStatementAndASlotIsRenewedForTheNextStart) {
  auto a = Process(), b = Process();
  ASSERT_TRUE(a && b);
  const std::string origin = "http://www.mfk.com";
  const milliseconds delay(4000), lease(60'000);
  auto first = a->AcquireStart(origin, "a", 1, delay, lease);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->wait, milliseconds(0));
  // a's request ended; its next start renews the slot (the release goes with it) and waits a delay.
  a->ReleaseSlot("http://club.xywy.com", 0);  // not a's: left alone
  a->ReleaseSlot(origin, first->slot);
  auto next = a->AcquireStart(origin, "a", 1, delay, lease);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->slot, 0);
  EXPECT_GT(next->wait, delay - kSlack);
  EXPECT_LE(next->wait, delay);
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Int("SELECT reservations FROM host_pace WHERE origin = 'http://www.mfk.com'"), 2);
  EXPECT_GT(peek.Int("SELECT round(lease_until - extract(epoch FROM clock_timestamp()))::bigint FROM host_slots"),
            60)
      << "the lease counts from the reserved start";
  EXPECT_FALSE(b->AcquireStart(origin, "b", 1, delay, lease)->acquired());
  EXPECT_EQ(peek.Int("SELECT reservations FROM host_pace WHERE origin = 'http://www.mfk.com'"), 2)
      << "no slot, no start reserved";
}

TEST_F(PgHostPaceTest, AProcessRefusedASlotIsNextInLine) {
  auto a = Process(), b = Process(), c = Process();
  ASSERT_TRUE(a && b && c);
  const std::string origin = "http://www.mfk.com";
  const milliseconds lease(60'000);
  ASSERT_TRUE(a->AcquireStart(origin, "a", 1, milliseconds(0), lease)->acquired());
  EXPECT_FALSE(b->AcquireStart(origin, "b", 1, milliseconds(0), lease)->acquired());
  EXPECT_FALSE(c->AcquireStart(origin, "c", 1, milliseconds(0), lease)->acquired());
  // a has another request for the origin at once: instead of renewing its slot it gives it up, since b
  // asked first.
  a->ReleaseSlot(origin, 0);
  EXPECT_FALSE(a->AcquireStart(origin, "a", 1, milliseconds(0), lease)->acquired());
  EXPECT_FALSE(c->AcquireStart(origin, "c", 1, milliseconds(0), lease)->acquired()) << "b is next, not c";
  EXPECT_TRUE(b->AcquireStart(origin, "b", 1, milliseconds(0), lease)->acquired());
  // The next in line is whoever asks first once b is served.
  EXPECT_FALSE(c->AcquireStart(origin, "c", 1, milliseconds(0), lease)->acquired());
  b->ReleaseSlot(origin, 0);
  EXPECT_FALSE(b->AcquireStart(origin, "b", 1, milliseconds(0), lease)->acquired());
  EXPECT_FALSE(a->AcquireStart(origin, "a", 1, milliseconds(0), lease)->acquired());
  EXPECT_TRUE(c->AcquireStart(origin, "c", 1, milliseconds(0), lease)->acquired());
  // a is next in line, but does not ask again within a second (it died, or has other work): the place
  // is lost, and c renews.
  EXPECT_FALSE(a->AcquireStart(origin, "a", 1, milliseconds(0), lease)->acquired());
  std::this_thread::sleep_for(milliseconds(1200));
  c->ReleaseSlot(origin, 0);
  EXPECT_TRUE(c->AcquireStart(origin, "c", 1, milliseconds(0), lease)->acquired());
}

TEST_F(PgHostPaceTest, TheSlotsOfAGoneCrawlOfThisHostAreFreedAtOnce) {
  auto dead = Process(), alive = Process(), restarted = Process();
  ASSERT_TRUE(dead && alive && restarted);
  // A pid that existed and is gone: a child that has exited and been reaped.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  const std::string host = HostName();
  const std::string gone = host + ":" + std::to_string(child) + "/1";
  const std::string living = host + ":" + std::to_string(::getpid()) + "/7";
  const milliseconds lease(600'000);
  const std::string origin = "http://www.mfk.com";
  ASSERT_TRUE(dead->AcquireStart(origin, gone, 2, milliseconds(0), lease)->acquired());
  ASSERT_TRUE(alive->AcquireStart(origin, living, 2, milliseconds(0), lease)->acquired());
  ASSERT_TRUE(dead->AcquireStart("http://club.xywy.com", gone, 1, milliseconds(0), lease)->acquired());
  // Another machine's crawl is never known to be gone: its slot waits for its lease.
  ASSERT_TRUE(alive->AcquireStart("http://ask.39.net", "elsewhere:" + std::to_string(child) + "/1", 1,
                                  milliseconds(0), lease)
                  ->acquired());
  EXPECT_FALSE(restarted->AcquireStart(origin, "restarted", 2, milliseconds(0), lease)->acquired());

  auto freed = restarted->RecoverSlots();
  ASSERT_TRUE(freed.ok()) << freed.status().ToString();
  EXPECT_EQ(*freed, 2) << "the gone crawl's two slots, not the living one's, not another host's";
  EXPECT_TRUE(restarted->AcquireStart(origin, "restarted", 2, milliseconds(0), lease)->acquired());
  EXPECT_TRUE(restarted->AcquireStart("http://club.xywy.com", "restarted", 1, milliseconds(0), lease)->acquired());
  EXPECT_FALSE(restarted->AcquireStart("http://ask.39.net", "restarted", 1, milliseconds(0), lease)->acquired());
  EXPECT_EQ(*restarted->RecoverSlots(), 0);
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.All("SELECT count(*) FROM host_slots WHERE owner = '" + gone + "'"), "0\n");
}

TEST_F(PgHostPaceTest, AProcessRefusedWhileItHoldsSlotsIsNotNextInLine) {
  auto a = Process(), b = Process(), c = Process();
  ASSERT_TRUE(a && b && c);
  const std::string origin = "http://www.mfk.com";
  const milliseconds lease(60'000);
  ASSERT_TRUE(a->AcquireStart(origin, "a", 2, milliseconds(0), lease)->acquired());
  ASSERT_TRUE(b->AcquireStart(origin, "b", 2, milliseconds(0), lease, 0)->acquired());
  // b has a request in flight on its slot: refused, it does not hold up the others.
  EXPECT_FALSE(b->AcquireStart(origin, "b", 2, milliseconds(0), lease, 1)->acquired());
  a->ReleaseSlot(origin, 0);
  EXPECT_TRUE(a->AcquireStart(origin, "a", 2, milliseconds(0), lease, 0)->acquired()) << "a renews: b is not next";
  // c holds nothing: it is next in line, and a gives its slot up for it.
  EXPECT_FALSE(c->AcquireStart(origin, "c", 2, milliseconds(0), lease, 0)->acquired());
  a->ReleaseSlot(origin, 0);
  EXPECT_FALSE(a->AcquireStart(origin, "a", 2, milliseconds(0), lease, 0)->acquired());
  EXPECT_FALSE(b->AcquireStart(origin, "b", 2, milliseconds(0), lease, 1)->acquired());
  EXPECT_TRUE(c->AcquireStart(origin, "c", 2, milliseconds(0), lease, 0)->acquired());
  // Once c is served: b, refused holding a slot, is not next in line; a, holding nothing, is.
  EXPECT_FALSE(b->AcquireStart(origin, "b", 2, milliseconds(0), lease, 1)->acquired());
  EXPECT_FALSE(a->AcquireStart(origin, "a", 2, milliseconds(0), lease, 0)->acquired());
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.All("SELECT slot, owner FROM host_slots WHERE origin = 'http://www.mfk.com' ORDER BY slot"),
            "-1|a\n0|c\n1|b\n")
      << "a is next in line";
}

TEST_F(PgHostPaceTest, ASitemapIsReadByOneProcessWithinItsWindow) {
  auto a = Process(), b = Process();
  ASSERT_TRUE(a && b);
  const std::string url = "http://www.mfk.com/sitemap.xml";
  const std::chrono::seconds hour(3600);
  auto first = a->ClaimSitemap(url, "a", hour);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  EXPECT_FALSE(*b->ClaimSitemap(url, "b", hour));
  EXPECT_FALSE(*a->ClaimSitemap(url, "a", hour)) << "a restarted crawl within the window skips it too";
  EXPECT_TRUE(*b->ClaimSitemap("http://www.mfk.com/sitemap-2.xml", "b", hour));
  EXPECT_TRUE(*b->ClaimSitemap(url, "b", std::chrono::seconds(0))) << "after the window it is read again";
  hc::testing::BackendPeek peek(hc::testing::Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.All("SELECT url, owner FROM sitemap_reads ORDER BY url"),
            "http://www.mfk.com/sitemap-2.xml|b\nhttp://www.mfk.com/sitemap.xml|b\n");
}

TEST(HostPaceSqlite, OneCrawlPerFilePacesItselfInProcess) {
  hc::testing::TempDir dir;
  auto pace = OpenHostPace((dir / "crawl.db").string());
  ASSERT_TRUE(pace.ok()) << pace.status().ToString();
  for (int i = 0; i < 3; ++i) {
    auto wait = (*pace)->ReserveStart("http://www.mfk.com", milliseconds(5000));
    ASSERT_TRUE(wait.ok());
    EXPECT_EQ(*wait, milliseconds(0)) << "the crawl's own pacer keeps the delay";
    auto robots = (*pace)->LookupRobots("http://www.mfk.com", "host:1", milliseconds(60'000));
    ASSERT_TRUE(robots.ok());
    EXPECT_EQ(robots->state, RobotsLookup::State::kFetch);
    auto slot = (*pace)->AcquireStart("http://www.mfk.com", "host:1", 1, milliseconds(5000), milliseconds(60'000));
    ASSERT_TRUE(slot.ok());
    EXPECT_TRUE(slot->acquired()) << "the crawl's own pacer keeps the concurrency";
    EXPECT_EQ(slot->wait, milliseconds(0));
    EXPECT_TRUE(*(*pace)->ClaimSitemap("http://www.mfk.com/sitemap.xml", "host:1", std::chrono::hours(1)));
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "crawl.db")) << "no file is made";
}

TEST_F(PgHostPaceTest, ADatabaseBeforeMigration14IsRefused) {
  hc::testing::PgTestDatabase fresh;
  ASSERT_TRUE(fresh.Create(cluster()).ok());
  auto pace = OpenHostPace(fresh.conninfo());
  ASSERT_FALSE(pace.ok());
  EXPECT_EQ(pace.status().code(), StatusCode::kCorruption);
  EXPECT_NE(pace.status().message().find("host_pace"), std::string::npos) << pace.status().message();
}

}  // namespace
}  // namespace hc::store
