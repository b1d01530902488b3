// OriginPacer on a fake clock: when the next request to an origin may start (docs/crawling.md,
// "Politeness"). Each case runs a little crawl against a server that answers in a fixed time: whenever
// the pacer allows, a request starts; otherwise the clock jumps to the earliest of the next answer and
// NextStart(), as the crawl loop's wait does. The starts it gets are the facts each case states.
#include "crawl/origin_pacer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <vector>

namespace hc::crawl::internal {
namespace {

using std::chrono::milliseconds;

const TimePoint kT0 = TimePoint(std::chrono::hours(24 * 365 * 56));  // about 2026

struct Case {
  const char* name;
  int delay_ms;
  int concurrency;
  int answer_ms;                      // how long the server takes to answer each request
  std::optional<double> crawl_delay;  // seconds; learnt when the first request (robots.txt) is answered
  std::optional<int> retry_after_ms;  // the first answer asks to wait this long
  int max_crawl_delay_ms;             // the cap of Crawl-delay
  int send_lag_ms;                    // from a request's start to its sending (a thread held up)
  std::vector<int> starts_ms;         // the first starts, from the first one
};

// Starts requests as the pacer allows until `want` have started; returns when each started.
std::vector<int> Simulate(const Case& c, std::size_t want) {
  FakeClock clock(kT0);
  OriginPacer pacer(clock, {.delay = milliseconds(c.delay_ms),
                            .concurrency = c.concurrency,
                            .max_crawl_delay = milliseconds(c.max_crawl_delay_ms)});
  std::vector<int> starts;
  std::vector<TimePoint> answers;  // of the requests in flight
  bool first_answer = true;
  while (starts.size() < want) {
    bool started = false;
    while (pacer.MayStart() && starts.size() < want) {
      pacer.Started();
      started = true;
      starts.push_back(static_cast<int>(std::chrono::duration_cast<milliseconds>(clock.Now() - kT0).count()));
      answers.push_back(clock.Now() + milliseconds(c.send_lag_ms + c.answer_ms));
    }
    if (started) {
      clock.Advance(milliseconds(c.send_lag_ms));
      pacer.Sent();
    }
    if (starts.size() == want) break;
    // Sleep until something happens: an answer, or the moment the pacer names.
    std::optional<TimePoint> wake;
    if (!answers.empty()) wake = *std::min_element(answers.begin(), answers.end());
    if (auto next = pacer.NextStart()) wake = wake ? std::min(*wake, *next) : *next;
    if (!wake || *wake <= clock.Now()) {
      ADD_FAILURE() << "the pacer neither allows a start nor names a later moment";
      break;
    }
    clock.Set(*wake);
    for (auto it = answers.begin(); it != answers.end();) {
      if (*it > clock.Now()) {
        ++it;
        continue;
      }
      it = answers.erase(it);
      pacer.Finished();
      if (first_answer) {
        first_answer = false;
        if (c.crawl_delay) pacer.SetCrawlDelay(c.crawl_delay);
        if (c.retry_after_ms) pacer.HoldUntil(clock.Now() + milliseconds(*c.retry_after_ms));
      }
    }
  }
  return starts;
}

TEST(OriginPacer, StartsRequestsAsThePolitenessRulesSay) {
  const Case cases[] = {
      {"start to start: a server faster than the delay gets one request per delay", 100, 1, 10, {}, {}, 120'000, 0,
       {0, 100, 200, 300, 400}},
      {"a server slower than the delay: the next starts when the last is answered", 100, 1, 250, {}, {}, 120'000, 0,
       {0, 250, 500, 750}},
      {"no delay: back to back", 0, 1, 10, {}, {}, 120'000, 0, {0, 10, 20, 30}},
      {"Crawl-delay larger than the delay wins, counted from the robots.txt request's start", 100, 1, 10, 0.3, {},
       120'000, 0, {0, 300, 600, 900}},
      {"Crawl-delay smaller than the delay: the delay stays", 100, 1, 10, 0.05, {}, 120'000, 0, {0, 100, 200, 300}},
      {"Crawl-delay above the cap is capped", 100, 1, 10, 1e300, {}, 500, 0, {0, 500, 1000}},
      {"Retry-After holds every start until it ends, then the delay again", 100, 1, 10, {}, 1000, 120'000, 0,
       {0, 1010, 1110, 1210}},
      {"a Retry-After that ends before the delay changes nothing", 100, 1, 10, {}, 20, 120'000, 0, {0, 100, 200}},
      {"concurrency 2, fast server: the delay alone sets the rate", 100, 2, 10, {}, {}, 120'000, 0, {0, 100, 200, 300}},
      {"concurrency 2, slow server: two in flight, starts at least a delay apart", 100, 2, 250, {}, {}, 120'000, 0,
       {0, 100, 250, 350, 500, 600}},
      {"a request sent late (the crawler held up): the next start counts from its sending", 100, 1, 10, {}, {},
       120'000, 30, {0, 130, 260, 390}},
      {"concurrency 2, no delay: two at a time", 0, 2, 100, {}, {}, 120'000, 0, {0, 0, 100, 100, 200, 200}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Simulate(c, c.starts_ms.size()), c.starts_ms);
  }
}

TEST(OriginPacer, NextStartIsNoneWhileEverySlotIsTaken) {
  FakeClock clock(kT0);
  OriginPacer pacer(clock, {.delay = milliseconds(100), .concurrency = 1, .max_crawl_delay = std::chrono::seconds(120)});
  EXPECT_TRUE(pacer.MayStart());  // nothing started yet
  pacer.Started();
  EXPECT_EQ(pacer.in_flight(), 1);
  EXPECT_EQ(pacer.NextStart(), std::nullopt);
  clock.Advance(milliseconds(500));
  EXPECT_FALSE(pacer.MayStart());  // the delay is long over, but the one slot is taken
  pacer.Finished();
  EXPECT_EQ(pacer.NextStart(), kT0 + milliseconds(100));
  EXPECT_TRUE(pacer.MayStart());
  pacer.Finished();  // one finish too many (a robots.txt answer after a reset) frees nothing extra
  EXPECT_EQ(pacer.in_flight(), 0);
}

TEST(OriginPacer, HoldsOnlyGrow) {
  FakeClock clock(kT0);
  OriginPacer pacer(clock, {.delay = milliseconds(0), .concurrency = 1, .max_crawl_delay = std::chrono::seconds(120)});
  EXPECT_EQ(pacer.held_until(), TimePoint::min());
  pacer.HoldUntil(kT0 + milliseconds(900));
  pacer.HoldUntil(kT0 + milliseconds(300));  // an earlier end does not shorten the hold
  EXPECT_EQ(pacer.held_until(), kT0 + milliseconds(900));
  EXPECT_EQ(pacer.NextStart(), kT0 + milliseconds(900));
  clock.Advance(milliseconds(899));
  EXPECT_FALSE(pacer.MayStart());
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(pacer.MayStart());
}

TEST(OriginPacer, ACrawlDelayGoneFromRobotsTxtLeavesTheConfiguredDelay) {
  FakeClock clock(kT0);
  OriginPacer pacer(clock, {.delay = milliseconds(100), .concurrency = 1, .max_crawl_delay = std::chrono::seconds(120)});
  pacer.SetCrawlDelay(2.0);
  EXPECT_EQ(pacer.delay(), std::chrono::seconds(2));
  pacer.SetCrawlDelay(std::nullopt);  // robots.txt fetched again a day later, without Crawl-delay
  EXPECT_EQ(pacer.delay(), milliseconds(100));
}

TEST(OriginPacer, AReservationHoldsTheNextStartUntilItsSlotAndIsUsedByIt) {
  FakeClock clock(kT0);
  OriginPacer pacer(clock, {.delay = milliseconds(100), .concurrency = 1, .max_crawl_delay = std::chrono::seconds(120)});
  EXPECT_TRUE(pacer.MayStart());
  pacer.Reserve(kT0 + milliseconds(250));  // the cluster's next slot of this origin
  EXPECT_TRUE(pacer.reserved());
  EXPECT_EQ(pacer.NextStart(), kT0 + milliseconds(250));
  clock.Advance(milliseconds(249));
  EXPECT_FALSE(pacer.MayStart());
  clock.Advance(milliseconds(1));
  EXPECT_TRUE(pacer.MayStart());
  pacer.Started();
  EXPECT_FALSE(pacer.reserved()) << "a start uses its reservation up";
  pacer.Finished();
  EXPECT_EQ(pacer.NextStart(), kT0 + milliseconds(350)) << "then the process's own delay, from that start";
}

// The crawl's decision with a shared HostPace (OriginScheduler::ClearedToStart), on one fake clock:
// when a process's pacer allows a start, it reserves the origin's next slot in a table all processes
// share (store/host_pace.h, here in memory) and starts at once only when that slot is now.
TEST(OriginPacer, ProcessesSharingSlotsStartOneDelayApartTogether) {
  struct Row {
    const char* name;
    int processes;
    int delay_ms;
    int answer_ms;
  };
  const Row rows[] = {
      {"one process: its own delay", 1, 100, 10},
      {"three processes, a fast server: one start per delay in all", 3, 100, 10},
      {"three processes, a server slower than the delay: still one per delay", 3, 100, 250},
      {"three processes, each with concurrency 1, a very slow server", 3, 100, 1000},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    FakeClock clock(kT0);
    const milliseconds delay(row.delay_ms);
    TimePoint next_allowed = TimePoint::min();  // the table's row for the origin
    auto reserve = [&] {
      const TimePoint slot = std::max(next_allowed, clock.Now());
      next_allowed = slot + delay;
      return slot;
    };
    std::vector<std::unique_ptr<OriginPacer>> pacers;
    std::vector<std::vector<TimePoint>> answers(static_cast<std::size_t>(row.processes));
    for (int i = 0; i < row.processes; ++i) {
      pacers.push_back(std::make_unique<OriginPacer>(
          clock, OriginPacer::Policy{.delay = delay, .concurrency = 1, .max_crawl_delay = std::chrono::seconds(120)}));
    }
    std::vector<TimePoint> starts;
    while (starts.size() < 12) {
      for (std::size_t i = 0; i < pacers.size(); ++i) {
        OriginPacer& pacer = *pacers[i];
        for (auto it = answers[i].begin(); it != answers[i].end();) {
          if (*it > clock.Now()) {
            ++it;
            continue;
          }
          it = answers[i].erase(it);
          pacer.Finished();
        }
        if (!pacer.MayStart()) continue;
        if (!pacer.reserved()) {
          const TimePoint slot = reserve();
          if (slot > clock.Now()) {
            pacer.Reserve(slot);
            continue;
          }
        }
        pacer.Started();
        starts.push_back(clock.Now());
        answers[i].push_back(clock.Now() + milliseconds(row.answer_ms));
      }
      std::optional<TimePoint> wake;
      for (std::size_t i = 0; i < pacers.size(); ++i) {
        for (TimePoint t : answers[i]) wake = wake ? std::min(*wake, t) : t;
        if (auto next = pacers[i]->NextStart(); next && *next > clock.Now()) wake = wake ? std::min(*wake, *next) : *next;
      }
      ASSERT_TRUE(wake.has_value());
      clock.Set(*wake);
    }
    for (std::size_t i = 1; i < starts.size(); ++i) EXPECT_GE(starts[i] - starts[i - 1], delay) << "start " << i;
    if (row.answer_ms <= row.delay_ms * row.processes) {
      // No process waits for its answer longer than the others keep the slots busy: one start per delay.
      EXPECT_EQ(starts.back() - starts.front(), 11 * delay);
    }
  }
}

TEST(SecondsAsDuration, ClampsWhatWouldOverflowATimePoint) {
  const Duration kLongest = std::chrono::hours(24 * 365 * 100);
  struct Row {
    const char* name;
    double seconds;
    Duration expected;
  };
  const Row rows[] = {
      {"ten milliseconds", 0.01, milliseconds(10)},
      {"zero", 0, Duration::zero()},
      {"negative", -1, Duration::zero()},
      {"NaN", std::nan(""), Duration::zero()},
      {"a century and more", 1e300, kLongest},
      {"infinity", std::numeric_limits<double>::infinity(), kLongest},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    EXPECT_EQ(std::chrono::duration_cast<milliseconds>(SecondsAsDuration(row.seconds)),
              std::chrono::duration_cast<milliseconds>(row.expected));
  }
}

}  // namespace
}  // namespace hc::crawl::internal
