#include "core/status.h"

#include <gtest/gtest.h>

#include "core/clock.h"

namespace hc {
namespace {

TEST(StatusTest, OkIsDefaultAndPrintsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::ConfigError("a.yaml:3:5: unknown key");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kConfigError);
  EXPECT_EQ(s.ToString(), "config error: a.yaml:3:5: unknown key");
}

TEST(ResultTest, HoldsValueOrStatus) {
  Result<int> good = 7;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 7);
  EXPECT_TRUE(good.status().ok());
  Result<int> bad = Status::NotFound("no such site");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kNotFound);
}

TEST(ClockTest, IsoRoundTripAndOffsets) {
  TimePoint t;
  ASSERT_TRUE(ParseIso8601("2026-02-28T06:30:00Z", &t));
  EXPECT_EQ(FormatUtc(t), "2026-02-28T06:30:00Z");
  ASSERT_TRUE(ParseIso8601("2026-02-28T14:30:00+08:00", &t));
  EXPECT_EQ(FormatUtc(t), "2026-02-28T06:30:00Z");
  ASSERT_TRUE(ParseIso8601("2026-02-28", &t));
  EXPECT_EQ(FormatUtc(t), "2026-02-28T00:00:00Z");
  EXPECT_FALSE(ParseIso8601("yesterday", &t));
  EXPECT_FALSE(ParseIso8601("2026-02-28T06:30:00Z trailing", &t));
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock(TimePoint{});
  clock.Advance(std::chrono::seconds(90));
  EXPECT_EQ(FormatUtc(clock.Now()), "1970-01-01T00:01:30Z");
}

}  // namespace
}  // namespace hc
