// SentLinks (src/crawl/crawl_internal.h): the writer's table of links already sent this run. Each case
// is one promise of its header comment: a key offered twice is sent once, the table starts small and
// grows only while it fills, never past its cap, and growing at most repeats a key.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "crawl/crawl_internal.h"

namespace hc::crawl::internal {
namespace {

std::string Key(int i) { return "http://www.mfk.com/a/" + std::to_string(i) + ".html"; }

TEST(SentLinks, AKeyOfferedTwiceIsFirstOnlyOnce) {
  SentLinks links(1 << 20);
  EXPECT_TRUE(links.FirstTime(Key(1)));
  EXPECT_FALSE(links.FirstTime(Key(1)));
  EXPECT_TRUE(links.FirstTime(Key(2)));
  EXPECT_FALSE(links.FirstTime(Key(2)));
  EXPECT_FALSE(links.FirstTime(Key(1)));
}

TEST(SentLinks, StartsSmallAndStaysSmallForAFewLinks) {
  SentLinks links(1 << 20);
  EXPECT_EQ(links.slots(), SentLinks::kInitialSlots);
  for (int i = 0; i < 1000; ++i) links.FirstTime(Key(i));
  EXPECT_EQ(links.slots(), SentLinks::kInitialSlots);
}

TEST(SentLinks, GrowsWhileItFillsAndStopsAtItsCap) {
  SentLinks links(1 << 16);
  // A quarter full at most: 40,000 distinct keys fill more than 2^16 / 4 slots, so the table would
  // grow past the cap.
  for (int i = 0; i < 40000; ++i) links.FirstTime(Key(i));
  EXPECT_EQ(links.slots(), std::size_t{1} << 16);
  // Under the cap it doubles only while more than a quarter is filled: at least 4 slots a filled slot,
  // and fewer than 8 a key (the doubling came after more than a quarter of the half was filled).
  SentLinks roomy(1 << 20);
  for (int i = 0; i < 40000; ++i) roomy.FirstTime(Key(i));
  EXPECT_GE(roomy.slots(), std::size_t{1} << 16);
  EXPECT_LE(roomy.slots(), std::size_t{1} << 18);
}

TEST(SentLinks, ACapBelowTheStartingSizeIsTheSize) {
  SentLinks links(100);  // rounded up to a power of two
  EXPECT_EQ(links.slots(), 128u);
  for (int i = 0; i < 1000; ++i) links.FirstTime(Key(i));
  EXPECT_EQ(links.slots(), 128u);
}

TEST(SentLinks, GrowingForgetsNothing) {
  SentLinks links(1 << 20);
  // Enough keys to double the table from 2^13 to 2^15 slots on the way.
  constexpr int kKeys = 5000;
  int first = 0;
  for (int i = 0; i < kKeys; ++i) first += links.FirstTime(Key(i));
  EXPECT_EQ(first, kKeys);
  EXPECT_EQ(links.slots(), std::size_t{1} << 15);
  // Only keys that shared a slot with a later key (in the table of that moment) are sent again: about a
  // fifth. A table that forgot its keys when it doubled would send again the 4,000-odd keys it held
  // before its last doubling.
  int again = 0;
  for (int i = 0; i < kKeys; ++i) again += links.FirstTime(Key(i));
  EXPECT_LT(again, kKeys / 3);
  // The hot keys (offered on every page) stay remembered while cold keys come and go.
  for (int i = 0; i < 8; ++i) links.FirstTime("hot" + std::to_string(i));
  int hot_repeats = 0;
  for (int page = 0; page < 100; ++page) {
    for (int i = 0; i < 8; ++i) hot_repeats += links.FirstTime("hot" + std::to_string(i));
    links.FirstTime(Key(kKeys + page));
  }
  EXPECT_LE(hot_repeats, 8);
}

TEST(SentLinks, ManyThreadsEachSeeAKeyAsFirstAtMostOnceBetweenThem) {
  SentLinks links(1 << 20);
  constexpr int kKeys = 20000;
  std::vector<int> firsts(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kKeys; ++i) firsts[t] += links.FirstTime(Key(i));
    });
  }
  for (auto& t : threads) t.join();
  const int total = firsts[0] + firsts[1] + firsts[2] + firsts[3];
  // Every key is first for one thread, or more when another key took its slot in between (a share of
  // them), never for all four.
  EXPECT_GE(total, kKeys);
  EXPECT_LT(total, kKeys * 2);
}

}  // namespace
}  // namespace hc::crawl::internal
