// CronSchedule::Parse: what it accepts and, for what it rejects, the exact message — the column and
// field it names are the point of the message, so every row checks the whole text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schedule/schedule.h"

namespace hc::schedule {
namespace {

struct RejectCase {
  std::string name;
  std::string expr;
  std::string message;
};

TEST(CronParse, RejectsWithColumnAndField) {
  const std::string kFive = "expected 5 fields (minute hour day-of-month month day-of-week)";
  const std::vector<RejectCase> cases = {
      {"empty", "", "column 1: the expression is empty; " + kFive + " or a macro such as @daily"},
      {"blank", "   ", "column 1: the expression is empty; " + kFive + " or a macro such as @daily"},
      {"hour 25", "0 25 * * *", "column 3: field 2 (hour) \"25\": value out of range 0-23"},
      {"hour 24", "0 24 * * *", "column 3: field 2 (hour) \"24\": value out of range 0-23"},
      {"minute 60", "60 * * * *", "column 1: field 1 (minute) \"60\": value out of range 0-59"},
      {"huge number", "99999 * * * *", "column 1: field 1 (minute) \"99999\": value out of range 0-59"},
      {"day 0", "* * 0 * *", "column 5: field 3 (day-of-month) \"0\": value out of range 1-31"},
      {"day 32", "* * 32 * *", "column 5: field 3 (day-of-month) \"32\": value out of range 1-31"},
      {"range end out of range", "0 0 1-40 * *", "column 7: field 3 (day-of-month) \"40\": value out of range 1-31"},
      {"month 13", "* * * 13 *", "column 7: field 4 (month) \"13\": value out of range 1-12"},
      {"month 0", "* * * 0 *", "column 7: field 4 (month) \"0\": value out of range 1-12"},
      {"weekday 8", "* * * * 8", "column 9: field 5 (day-of-week) \"8\": value out of range 0-7"},
      {"long month name", "* * * JANUARY *",
       "column 7: field 4 (month) \"JANUARY\": expected a number 1-12 or a month name JAN-DEC"},
      {"unknown day name", "* * * * FUN",
       "column 9: field 5 (day-of-week) \"FUN\": expected a number 0-7 or a day name SUN-SAT"},
      {"names only where defined", "* MON * * *", "column 3: field 2 (hour) \"MON\": expected a number 0-23"},
      {"list item out of range", "0 1,2,25 * * *", "column 7: field 2 (hour) \"25\": value out of range 0-23"},
      {"leading blanks shift the column", "   0 25 * * *", "column 6: field 2 (hour) \"25\": value out of range 0-23"},
      {"tab separated", "0\t25\t*\t*\t*", "column 3: field 2 (hour) \"25\": value out of range 0-23"},
      {"step 0", "*/0 * * * *", "column 3: field 1 (minute) \"0\": step out of range 1-59"},
      {"step 60", "*/60 * * * *", "column 3: field 1 (minute) \"60\": step out of range 1-59"},
      {"step 24 in hours", "0 */24 * * *", "column 5: field 2 (hour) \"24\": step out of range 1-23"},
      {"step 7 in weekdays", "0 0 * * */7", "column 11: field 5 (day-of-week) \"7\": step out of range 1-6"},
      {"missing step", "*/ * * * *", "column 1: field 1 (minute) \"*/\": a step is missing after '/'"},
      {"step not a number", "*/x * * * *", "column 3: field 1 (minute) \"x\": the step must be a number"},
      {"nothing before the step", "/5 * * * *",
       "column 1: field 1 (minute) \"/5\": a range or * is missing before '/'"},
      {"reversed range", "30-10 * * * *",
       "column 1: field 1 (minute) \"30-10\": the range starts after it ends (30 > 10)"},
      {"reversed month names", "0 0 1 DEC-JAN *",
       "column 7: field 4 (month) \"DEC-JAN\": the range starts after it ends (12 > 1)"},
      {"half a range", "-5 * * * *", "column 1: field 1 (minute) \"-5\": a range needs a start and an end"},
      {"open range", "0 9- * * *", "column 3: field 2 (hour) \"9-\": a range needs a start and an end"},
      {"empty list item", "1,,2 * * * *", "column 1: field 1 (minute) \"1,,2\": empty item in list"},
      {"trailing comma", "0 1, * * *", "column 3: field 2 (hour) \"1,\": empty item in list"},
      {"question mark", "0 0 ? * MON", "column 5: field 3 (day-of-month) \"?\": '?' is not supported; use *"},
      {"L", "0 0 L * *", "column 5: field 3 (day-of-month) \"L\": the L and # extensions are not supported"},
      {"nth weekday", "0 0 * * FRI#2",
       "column 9: field 5 (day-of-week) \"FRI#2\": the L and # extensions are not supported"},
      {"four fields", "0 0 * *", "column 8: " + kFive + ", found 4"},
      {"one field", "*/5", "column 4: " + kFive + ", found 1"},
      {"six fields (seconds)", "0 0 0 * * *",
       "column 11: \"*\": " + kFive + ", found 6 (seconds and years are not supported)"},
      {"unknown macro", "@fortnightly",
       "column 1: \"@fortnightly\": unknown macro; known: @yearly @annually @monthly @weekly @daily @midnight "
       "@hourly"},
      {"@reboot", "@reboot", "column 1: \"@reboot\": not supported; the scheduler only runs jobs at times"},
      {"macro with more", "@daily 5", "column 8: \"5\": nothing may follow a macro"},
      {"February 30 never happens", "0 0 30 2 *",
       "column 5: field 3 (day-of-month) \"30\": no such day in the selected months, so the schedule would "
       "never fire"},
      {"31st of 30-day months", "0 0 31 4,6,9,11 *",
       "column 5: field 3 (day-of-month) \"31\": no such day in the selected months, so the schedule would "
       "never fire"},
      {"Feb 30-31 by name", "0 0 30,31 feb *",
       "column 5: field 3 (day-of-month) \"30,31\": no such day in the selected months, so the schedule would "
       "never fire"},
  };
  for (const RejectCase& c : cases) {
    SCOPED_TRACE(c.name + ": \"" + c.expr + "\"");
    Result<CronSchedule> parsed = CronSchedule::Parse(c.expr);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), c.message);
  }
}

TEST(CronParse, AcceptsTheCrontabGrammar) {
  const std::vector<std::string> accepted = {
      "* * * * *",    "0 0 1 1 *",          "*/7 * * * *",    "1-30/5 * * * *",
      "5/15 * * * *", "0,15,30,45 * * * *", "0 9-17 * * 1-5", "0 0 * jan-DEC SUN-sat",
      "0 0 * * 0,7",  "0 0 * * FRI-SUN",    "0 0 29 2 *",     "0 0 30 2 MON",
      "0 0 */30 2 *", "59 23 31 12 7",      "0 0 13 * FRI",   "@hourly",
      "@daily",       "@midnight",          "@weekly",        "@monthly",
      "@yearly",      "@annually",          "@Daily",         "  0 0 * * *  ",
      "0 */23 * * *",
  };
  for (const std::string& expr : accepted) {
    SCOPED_TRACE("\"" + expr + "\"");
    Result<CronSchedule> parsed = CronSchedule::Parse(expr);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  }
}

TEST(CronParse, KeepsTheTrimmedText) {
  Result<CronSchedule> parsed = CronSchedule::Parse("  */7 *\t* * *  ");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->text(), "*/7 *\t* * *");
  Result<CronSchedule> macro = CronSchedule::Parse(" @Weekly ");
  ASSERT_TRUE(macro.ok());
  EXPECT_EQ(macro->text(), "@Weekly");
}

TEST(LocateTimeZoneTest, KnownUnknownAndMachine) {
  Result<const date::time_zone*> shanghai = LocateTimeZone("Asia/Shanghai");
  ASSERT_TRUE(shanghai.ok());
  EXPECT_EQ((*shanghai)->name(), "Asia/Shanghai");
  Result<const date::time_zone*> typo = LocateTimeZone("Asia/Shangai");
  ASSERT_FALSE(typo.ok());
  EXPECT_EQ(typo.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(typo.status().message(), "unknown time zone 'Asia/Shangai'");
  Result<const date::time_zone*> machine = LocateTimeZone("");
  ASSERT_TRUE(machine.ok()) << machine.status().ToString();
  EXPECT_EQ(*machine, date::current_zone());
}

}  // namespace
}  // namespace hc::schedule
