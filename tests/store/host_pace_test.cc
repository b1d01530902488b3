// HostPace (store/host_pace.h): one start slot per origin for every process crawling a PostgreSQL
// database, robots.txt claimed by one process and read by the others; SQLite's in-process answer.
// Each "process" here is a HostPace of its own, that is, a connection of its own.
#include "store/host_pace.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

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
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "crawl.db")) << "no file is made";
}

TEST_F(PgHostPaceTest, ADatabaseBeforeMigration11IsRefused) {
  hc::testing::PgTestDatabase fresh;
  ASSERT_TRUE(fresh.Create(cluster()).ok());
  auto pace = OpenHostPace(fresh.conninfo());
  ASSERT_FALSE(pace.ok());
  EXPECT_EQ(pace.status().code(), StatusCode::kCorruption);
  EXPECT_NE(pace.status().message().find("host_pace"), std::string::npos) << pace.status().message();
}

}  // namespace
}  // namespace hc::store
