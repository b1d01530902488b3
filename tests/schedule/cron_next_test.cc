// CronSchedule::NextAfter: the fire times a schedule produces, as rows of
// {expression, zone, start, the next fire times in order}. Each expected time is wall-clock text with
// its UTC offset, so DST rows show the jump they test.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/clock.h"
#include "schedule/schedule.h"
#include "zoned_text.h"

namespace hc::schedule {
namespace {

using testing::At;
using testing::InZone;
using testing::Zone;

struct NextCase {
  std::string name;
  std::string expr;
  std::string zone;
  std::string start;                  // the search starts strictly after this instant
  std::vector<std::string> expected;  // successive fire times, each strictly after the previous
};

void ExpectSequence(const NextCase& c) {
  SCOPED_TRACE(c.name + ": \"" + c.expr + "\" in " + c.zone + " after " + c.start);
  Result<CronSchedule> schedule = CronSchedule::Parse(c.expr);
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  const date::time_zone* zone = Zone(c.zone);
  TimePoint t = At(c.start);
  std::vector<std::string> got;
  for (size_t i = 0; i < c.expected.size(); ++i) {
    t = schedule->NextAfter(t, zone);
    got.push_back(InZone(t, zone));
    if (t == kNever) break;
  }
  EXPECT_EQ(got, c.expected);
}

TEST(CronNextAfter, StepsRangesAndLists) {
  const std::vector<NextCase> cases = {
      {"*/7 restarts at minute 0 each hour",
       "*/7 * * * *",
       "UTC",
       "2026-01-01T10:00:00Z",
       {"2026-01-01T10:07:00+00:00", "2026-01-01T10:14:00+00:00", "2026-01-01T10:21:00+00:00",
        "2026-01-01T10:28:00+00:00", "2026-01-01T10:35:00+00:00", "2026-01-01T10:42:00+00:00",
        "2026-01-01T10:49:00+00:00", "2026-01-01T10:56:00+00:00", "2026-01-01T11:00:00+00:00",
        "2026-01-01T11:07:00+00:00"}},
      {"range with step",
       "1-30/5 * * * *",
       "UTC",
       "2026-01-01T10:00:00Z",
       {"2026-01-01T10:01:00+00:00", "2026-01-01T10:06:00+00:00", "2026-01-01T10:11:00+00:00",
        "2026-01-01T10:16:00+00:00", "2026-01-01T10:21:00+00:00", "2026-01-01T10:26:00+00:00",
        "2026-01-01T11:01:00+00:00"}},
      {"start/step means start-max/step",
       "5/15 * * * *",
       "UTC",
       "2026-01-01T10:00:00Z",
       {"2026-01-01T10:05:00+00:00", "2026-01-01T10:20:00+00:00", "2026-01-01T10:35:00+00:00",
        "2026-01-01T10:50:00+00:00", "2026-01-01T11:05:00+00:00"}},
      {"list of hours and minutes",
       "0,30 9,17 * * *",
       "UTC",
       "2026-01-01T09:00:00Z",
       {"2026-01-01T09:30:00+00:00", "2026-01-01T17:00:00+00:00", "2026-01-01T17:30:00+00:00",
        "2026-01-02T09:00:00+00:00"}},
      {"strictly after: a start on a fire time moves on",
       "59 23 31 12 *",
       "UTC",
       "2026-12-31T23:59:00Z",
       {"2027-12-31T23:59:00+00:00", "2028-12-31T23:59:00+00:00"}},
  };
  for (const NextCase& c : cases) ExpectSequence(c);
}

TEST(CronNextAfter, MonthEndsAndLeapDays) {
  const std::vector<NextCase> cases = {
      {"first of the month across year end",
       "0 0 1 * *",
       "UTC",
       "2026-11-15T00:00:00Z",
       {"2026-12-01T00:00:00+00:00", "2027-01-01T00:00:00+00:00", "2027-02-01T00:00:00+00:00"}},
      {"day 31 skips the short months",
       "0 0 31 * *",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-31T00:00:00+00:00", "2026-03-31T00:00:00+00:00", "2026-05-31T00:00:00+00:00",
        "2026-07-31T00:00:00+00:00", "2026-08-31T00:00:00+00:00", "2026-10-31T00:00:00+00:00",
        "2026-12-31T00:00:00+00:00", "2027-01-31T00:00:00+00:00"}},
      {"day 30 skips February",
       "0 12 30 * *",
       "UTC",
       "2026-01-30T12:00:00Z",
       {"2026-03-30T12:00:00+00:00", "2026-04-30T12:00:00+00:00"}},
      {"leap day every four years",
       "0 0 29 2 *",
       "UTC",
       "2026-03-01T00:00:00Z",
       {"2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00", "2036-02-29T00:00:00+00:00"}},
      {"2100 is not a leap year", "0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", {"2104-02-29T00:00:00+00:00"}},
      {"every day of February 2028 reaches the 29th",
       "0 0 * 2 *",
       "UTC",
       "2028-02-27T12:00:00Z",
       {"2028-02-28T00:00:00+00:00", "2028-02-29T00:00:00+00:00", "2029-02-01T00:00:00+00:00"}},
      {"last minute of a month",
       "59 23 28-31 * *",
       "UTC",
       "2026-02-28T00:00:00Z",
       {"2026-02-28T23:59:00+00:00", "2026-03-28T23:59:00+00:00", "2026-03-29T23:59:00+00:00"}},
      {"leap day in a zone ahead of UTC",
       "30 8 29 2 *",
       "Asia/Shanghai",
       "2026-01-01T00:00:00+08:00",
       {"2028-02-29T08:30:00+08:00"}},
  };
  for (const NextCase& c : cases) ExpectSequence(c);
}

TEST(CronNextAfter, DayOfMonthOrDayOfWeek) {
  const std::vector<NextCase> cases = {
      // Both restricted: the 13th (a Monday in April 2026, a Wednesday in May) OR any Friday.
      {"13th or Friday",
       "0 0 13 * FRI",
       "UTC",
       "2026-04-08T00:00:00Z",
       {"2026-04-10T00:00:00+00:00", "2026-04-13T00:00:00+00:00", "2026-04-17T00:00:00+00:00",
        "2026-04-24T00:00:00+00:00", "2026-05-01T00:00:00+00:00", "2026-05-08T00:00:00+00:00",
        "2026-05-13T00:00:00+00:00", "2026-05-15T00:00:00+00:00"}},
      // A day field that starts with `*` is "unrestricted" to Vixie cron, so the two fields AND:
      // odd days that are Mondays.
      {"*/2 day-of-month ANDs with Monday",
       "0 0 */2 * MON",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-05T00:00:00+00:00", "2026-01-19T00:00:00+00:00", "2026-02-09T00:00:00+00:00",
        "2026-02-23T00:00:00+00:00", "2026-03-09T00:00:00+00:00"}},
      {"only day-of-week restricted",
       "0 0 * * 1",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-05T00:00:00+00:00", "2026-01-12T00:00:00+00:00"}},
      {"February 30 or a Monday fires on Mondays",
       "0 0 30 2 MON",
       "UTC",
       "2026-01-31T00:00:00Z",
       {"2026-02-02T00:00:00+00:00", "2026-02-09T00:00:00+00:00"}},
  };
  for (const NextCase& c : cases) ExpectSequence(c);
}

TEST(CronNextAfter, NamesAndSundaySeven) {
  const std::vector<NextCase> cases = {
      {"month and day names, mixed case",
       "30 9 * JAN-mar,Dec mon-FRI",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-01T09:30:00+00:00", "2026-01-02T09:30:00+00:00", "2026-01-05T09:30:00+00:00"}},
      {"months outside the list are jumped",
       "0 0 1 jun,SEP *",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-06-01T00:00:00+00:00", "2026-09-01T00:00:00+00:00", "2027-06-01T00:00:00+00:00"}},
      {"FRI-SUN wraps to Sunday",
       "0 0 * * FRI-SUN",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00",
        "2026-01-09T00:00:00+00:00"}},
      {"5-7 is Friday to Sunday",
       "0 0 * * 5-7",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00", "2026-01-04T00:00:00+00:00",
        "2026-01-09T00:00:00+00:00"}},
      {"7 is Sunday",
       "0 0 * * 7",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"}},
      {"0 is Sunday",
       "0 0 * * 0",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"}},
      {"SUN is Sunday",
       "0 0 * * sun",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"}},
  };
  for (const NextCase& c : cases) ExpectSequence(c);
}

TEST(CronNextAfter, Macros) {
  const std::vector<NextCase> cases = {
      {"@hourly", "@hourly", "UTC", "2026-01-01T10:15:00Z", {"2026-01-01T11:00:00+00:00", "2026-01-01T12:00:00+00:00"}},
      {"@daily", "@daily", "UTC", "2026-01-01T10:15:00Z", {"2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"}},
      {"@midnight", "@midnight", "UTC", "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00+00:00"}},
      {"@weekly is Sunday midnight",
       "@weekly",
       "UTC",
       "2026-01-01T00:00:00Z",
       {"2026-01-04T00:00:00+00:00", "2026-01-11T00:00:00+00:00"}},
      {"@monthly",
       "@monthly",
       "UTC",
       "2026-01-15T00:00:00Z",
       {"2026-02-01T00:00:00+00:00", "2026-03-01T00:00:00+00:00"}},
      {"@yearly", "@yearly", "UTC", "2026-01-15T00:00:00Z", {"2027-01-01T00:00:00+00:00", "2028-01-01T00:00:00+00:00"}},
      {"@annually, upper case", "@ANNUALLY", "UTC", "2026-01-15T00:00:00Z", {"2027-01-01T00:00:00+00:00"}},
      {"@daily in Shanghai", "@daily", "Asia/Shanghai", "2026-01-01T10:15:00+08:00", {"2026-01-02T00:00:00+08:00"}},
  };
  for (const NextCase& c : cases) ExpectSequence(c);
}

TEST(CronNextAfter, TimeZonesAndDst) {
  const std::vector<NextCase> cases = {
      {"Shanghai has no DST",
       "0 2 * * *",
       "Asia/Shanghai",
       "2026-03-07T12:00:00+08:00",
       {"2026-03-08T02:00:00+08:00", "2026-03-09T02:00:00+08:00"}},
      {"Shanghai wall clock is UTC+8",
       "0 2 * * *",
       "Asia/Shanghai",
       "2026-11-01T12:00:00Z",
       {"2026-11-02T02:00:00+08:00"}},
      // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist.
      {"NY gap: a daily job in the gap runs at the end of the gap",
       "30 2 * * *",
       "America/New_York",
       "2026-03-07T12:00:00-05:00",
       {"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"}},
      {"NY gap: two fire times in the gap collapse into one",
       "0,30 2 * * *",
       "America/New_York",
       "2026-03-07T12:00:00-05:00",
       {"2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"}},
      {"NY gap: every 15 minutes goes 01:45 EST -> 03:00 EDT",
       "*/15 * * * *",
       "America/New_York",
       "2026-03-08T01:40:00-05:00",
       {"2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:15:00-04:00"}},
      {"NY gap: hourly at :30 runs once at 03:00 then 03:30",
       "30 * * * *",
       "America/New_York",
       "2026-03-08T01:00:00-05:00",
       {"2026-03-08T01:30:00-05:00", "2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"}},
      {"NY gap: 03:00 itself is an ordinary time",
       "0 3 * * *",
       "America/New_York",
       "2026-03-07T12:00:00-05:00",
       {"2026-03-08T03:00:00-04:00", "2026-03-09T03:00:00-04:00"}},
      // New York, 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:00-01:59 happens twice.
      {"NY repeat: fires at the first 01:30 only",
       "30 1 * * *",
       "America/New_York",
       "2026-10-31T12:00:00-04:00",
       {"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
      {"NY repeat: after the first 01:30 the second is skipped",
       "30 1 * * *",
       "America/New_York",
       "2026-11-01T01:30:00-04:00",
       {"2026-11-02T01:30:00-05:00"}},
      {"NY repeat: starting inside the second pass",
       "30 1 * * *",
       "America/New_York",
       "2026-11-01T01:10:00-05:00",
       {"2026-11-02T01:30:00-05:00"}},
      {"NY repeat: every 20 minutes does not rerun the repeated hour",
       "*/20 * * * *",
       "America/New_York",
       "2026-11-01T00:50:00-04:00",
       {"2026-11-01T01:00:00-04:00", "2026-11-01T01:20:00-04:00", "2026-11-01T01:40:00-04:00",
        "2026-11-01T02:00:00-05:00", "2026-11-01T02:20:00-05:00"}},
      {"NY repeat: inside the second pass, sub-hourly waits for 02:00",
       "*/20 * * * *",
       "America/New_York",
       "2026-11-01T01:25:00-05:00",
       {"2026-11-01T02:00:00-05:00"}},
      {"NY repeat: 02:00 exists once",
       "0 2 * * *",
       "America/New_York",
       "2026-10-31T12:00:00-04:00",
       {"2026-11-01T02:00:00-05:00", "2026-11-02T02:00:00-05:00"}},
      // Berlin, 2026-03-29: 02:00 CET -> 03:00 CEST; 2026-10-25: 03:00 CEST -> 02:00 CET.
      {"Berlin gap",
       "30 2 * * *",
       "Europe/Berlin",
       "2026-03-28T12:00:00+01:00",
       {"2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"}},
      {"Berlin repeat",
       "30 2 * * *",
       "Europe/Berlin",
       "2026-10-24T12:00:00+02:00",
       {"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
      {"Berlin weekly Sunday job on the change day",
       "0 2 * * SUN",
       "Europe/Berlin",
       "2026-03-22T12:00:00+01:00",
       {"2026-03-29T03:00:00+02:00", "2026-04-05T02:00:00+02:00"}},
  };
  for (const NextCase& c : cases) ExpectSequence(c);
}

TEST(CronNextAfter, StartInsideAFireMinuteMovesOn) {
  Result<CronSchedule> schedule = CronSchedule::Parse("0 10 * * *");
  ASSERT_TRUE(schedule.ok());
  const date::time_zone* utc = Zone("UTC");
  TimePoint fire = At("2026-01-01T10:00:00Z");
  EXPECT_EQ(InZone(schedule->NextAfter(fire - std::chrono::nanoseconds(1), utc), utc), "2026-01-01T10:00:00+00:00");
  EXPECT_EQ(InZone(schedule->NextAfter(fire + std::chrono::milliseconds(500), utc), utc), "2026-01-02T10:00:00+00:00");
}

TEST(CronNextAfter, NullZoneIsTheMachineZone) {
  Result<CronSchedule> schedule = CronSchedule::Parse("15 4 * * *");
  ASSERT_TRUE(schedule.ok());
  Result<const date::time_zone*> machine = LocateTimeZone("");
  ASSERT_TRUE(machine.ok()) << machine.status().ToString();
  TimePoint t = At("2026-06-01T00:00:00Z");
  EXPECT_EQ(schedule->NextAfter(t, nullptr), schedule->NextAfter(t, *machine));
}

TEST(CronNextAfter, DefaultConstructedNeverFires) {
  CronSchedule never;
  EXPECT_EQ(never.NextAfter(At("2026-01-01T00:00:00Z"), Zone("UTC")), kNever);
}

TEST(CronNextAfter, PastTheTimePointRangeIsNever) {
  // system_clock counts nanoseconds in 64 bits: its range ends on 2262-04-11.
  Result<CronSchedule> schedule = CronSchedule::Parse("0 0 29 2 *");
  ASSERT_TRUE(schedule.ok());
  EXPECT_EQ(InZone(schedule->NextAfter(At("2256-03-01T00:00:00Z"), Zone("UTC")), Zone("UTC")),
            "2260-02-29T00:00:00+00:00");
  EXPECT_EQ(schedule->NextAfter(At("2260-03-01T00:00:00Z"), Zone("UTC")), kNever);
  EXPECT_EQ(schedule->NextAfter(kNever, Zone("Asia/Shanghai")), kNever);
}

}  // namespace
}  // namespace hc::schedule
