// ParsePipeline (src/crawl/parse_pipeline.h): every item reaches the writer once; in ordered mode in the
// order it was given, whatever order the workers finish in, with the window bounding what is on its way.
#include "crawl/parse_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <numeric>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hc::crawl::internal {
namespace {

// Page n takes (n * 7 % 5) ms to parse, so that the workers finish out of order; every `skip_every`-th
// page (0: none) is made into nothing; every `direct_every`-th item (0: none) is given with Write().
struct PipelineCase {
  std::string name;
  bool ordered = false;
  int workers = 1;
  int items = 0;
  int skip_every = 0;
  int direct_every = 0;
  std::size_t window_items = 0;
};

TEST(ParsePipelineTest, EveryItemReachesTheWriterOnceAndOrderedModeKeepsTheOrder) {
  const std::vector<PipelineCase> cases = {
      {"unordered, one worker", false, 1, 200, 0, 0, 0},
      {"unordered, four workers", false, 4, 300, 0, 0, 0},
      {"unordered, four workers, skips and direct writes", false, 4, 300, 7, 5, 0},
      {"ordered, one worker", true, 1, 200, 0, 0, 0},
      {"ordered, four workers", true, 4, 300, 0, 0, 0},
      {"ordered, four workers, skips and direct writes", true, 4, 300, 7, 5, 0},
      {"ordered, four workers, a window of 3", true, 4, 200, 0, 0, 3},
      {"ordered, a window of 1", true, 3, 60, 5, 4, 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ParsePipelineOptions options;
    options.ordered = c.ordered;
    options.queue_capacity = 8;
    options.window_items = c.window_items;
    std::vector<int> written;
    std::atomic<int> given{0};
    std::atomic<int> most_on_the_way{0};
    int ticks_last = 0;
    using Pipeline = ParsePipeline<int, int>;
    Pipeline pipeline(
        options,
        [&](int worker, int& n) -> std::optional<Pipeline::Parsed> {
          EXPECT_GE(worker, 0);
          EXPECT_LT(worker, c.workers);
          std::this_thread::sleep_for(std::chrono::microseconds(1000 * (n * 7 % 5)));
          if (c.skip_every && n % c.skip_every == 0) return std::nullopt;
          return Pipeline::Parsed{n, 16};
        },
        [&](int& n) {
          written.push_back(n);
          if (c.ordered) {
            // Items given after this one and not written yet (n and every item before it have had their
            // turn): what the window bounds, plus the one the producer may be waiting to give.
            const int on_the_way = given.load() - (n + 1);
            most_on_the_way = std::max(most_on_the_way.load(), on_the_way);
          }
        },
        [&](bool last) { ticks_last += last; });
    pipeline.Start(c.workers);
    for (int n = 0; n < c.items; ++n) {
      ++given;
      const bool direct = c.direct_every && n % c.direct_every == 0;
      EXPECT_TRUE(direct ? pipeline.Write(n, 16) : pipeline.Parse(n, 100));
    }
    pipeline.Finish();
    pipeline.Finish();  // idempotent

    std::vector<int> expected;
    for (int n = 0; n < c.items; ++n) {
      const bool direct = c.direct_every && n % c.direct_every == 0;
      if (direct || !(c.skip_every && n % c.skip_every == 0)) expected.push_back(n);
    }
    EXPECT_EQ(ticks_last, 1);
    if (c.ordered) {
      EXPECT_EQ(written, expected);
      if (c.window_items) {
        EXPECT_LE(most_on_the_way.load(), static_cast<int>(c.window_items));
      }
    } else {
      std::sort(written.begin(), written.end());
      EXPECT_EQ(written, expected);
    }
  }
}

// The parse queue's byte budget holds the producer back: with one slow worker and a budget of three
// pages, the producer cannot run more than a few pages ahead of the parse.
TEST(ParsePipelineTest, AFullParseQueueHoldsTheProducerBack) {
  for (bool ordered : {false, true}) {
    SCOPED_TRACE(ordered ? "ordered" : "unordered");
    ParsePipelineOptions options;
    options.ordered = ordered;
    options.queue_capacity = 1000;
    options.parse_queue_bytes = 3000;
    options.write_queue_bytes = 3000;
    std::atomic<int> parsed{0};
    std::atomic<int> most_ahead{0};
    using Pipeline = ParsePipeline<int, int>;
    Pipeline pipeline(
        options,
        [&](int, int& n) -> std::optional<Pipeline::Parsed> {
          std::this_thread::sleep_for(std::chrono::milliseconds(2));
          ++parsed;
          return Pipeline::Parsed{n, 1000};
        },
        [](int&) {}, [](bool) {});
    pipeline.Start(1);
    for (int n = 0; n < 50; ++n) {
      most_ahead = std::max(most_ahead.load(), n - parsed.load());
      EXPECT_TRUE(pipeline.Parse(n, 1000));
    }
    pipeline.Finish();
    EXPECT_EQ(parsed.load(), 50);
    // Three waiting, one being parsed, and one the producer is about to give.
    EXPECT_LE(most_ahead.load(), 5);
  }
}

TEST(ParsePipelineTest, WorkerCountIsOnePerCoreByDefault) {
  EXPECT_EQ(ParseWorkerCount(3), 3);
  EXPECT_GE(ParseWorkerCount(0), 1);
  EXPECT_EQ(ParseWorkerCount(0), ParseWorkerCount(-1));
}

}  // namespace
}  // namespace hc::crawl::internal
