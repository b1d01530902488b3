#include "core/status.h"

#include <date/date.h>
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

// FormatUtc writes its digits by hand; each case is what date::format("%Y-%m-%dT%H:%M:%SZ") prints.
TEST(ClockTest, FormatUtcWritesWhatDateFormatWould) {
  using namespace std::chrono;
  const struct {
    TimePoint t;
    const char* text;
  } kCases[] = {
      {TimePoint{}, "1970-01-01T00:00:00Z"},
      {TimePoint{} - seconds(1), "1969-12-31T23:59:59Z"},          // before the epoch: floor
      {TimePoint{} + milliseconds(1999), "1970-01-01T00:00:01Z"},  // fractions dropped
      {TimePoint{} - milliseconds(1), "1969-12-31T23:59:59Z"},     // ... towards the past
      {TimePoint(date::sys_days{date::year{2024} / 2 / 29} + hours(23) + minutes(59) + seconds(59)),
       "2024-02-29T23:59:59Z"},
      {TimePoint(date::sys_days{date::year{2000} / 3 / 1} + hours(7) + minutes(8) + seconds(9)),
       "2000-03-01T07:08:09Z"},
      // The ends of a TimePoint (64-bit nanoseconds): the years always have four digits.
      {TimePoint::min(), "1677-09-21T00:12:43Z"},
      {TimePoint::max(), "2262-04-11T23:47:16Z"},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(FormatUtc(c.t), c.text);
    EXPECT_EQ(FormatUtc(c.t), date::format("%Y-%m-%dT%H:%M:%SZ", floor<seconds>(c.t)));
  }
}

TEST(ClockTest, FakeClockAdvances) {
  FakeClock clock(TimePoint{});
  clock.Advance(std::chrono::seconds(90));
  EXPECT_EQ(FormatUtc(clock.Now()), "1970-01-01T00:01:30Z");
}

}  // namespace
}  // namespace hc
