// ParseCount, ParseInt, ParseDate and durations: the numbers and dates as Chinese health portals print
// them, and the garbage they print instead.
#include <gtest/gtest.h>

#include <date/tz.h>

#include <cstdio>

#include "core/clock.h"
#include "extract/extract.h"
#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

struct CountCase {
  const char* name;
  const char* text;
  std::optional<int64_t> want;
};

TEST(ParseCountTest, Table) {
  const CountCase cases[] = {
      {"plain digits", "9039", 9039},
      {"with a unit word", "9039次浏览", 9039},
      {"wan with decimals", "1.2万", 12000},
      {"wan and unit word", "1.2万次浏览", 12000},
      {"yi", "3亿", 300000000},
      {"w plus", "10w+", 100000},
      {"capital W", "3W", 30000},
      {"k with decimals", "2.5k", 2500},
      {"capital K", "2K", 2000},
      {"thousands commas", "1,234", 1234},
      {"several comma groups", "1,234,567", 1234567},
      {"label before the number", "阅读 3,456", 3456},
      {"label and colon", "浏览量：12,000", 12000},
      {"full-width digits", "１２３４", 1234},
      {"full-width digits with wan", "１.５万", 15000},
      {"space before the unit", "3 万", 30000},
      {"qian", "5千", 5000},
      {"bai wan combined", "2百万", 2000000},
      {"qian wan combined", "1.5千万", 15000000},
      {"wan yi combined", "1万亿", 1000000000000},
      {"decimal rounds to nearest", "1.23456万", 12346},
      {"zero", "0", 0},
      {"surrounded by spaces", "  42  ", 42},
      {"no-break space", "\xC2\xA0" "77", 77},
      {"a comma that is not a thousands separator: two numbers, neither a count", "1,23", std::nullopt},
      {"k that starts a word is not a unit", "5km", 5},
      {"largest int64", "9223372036854775807", INT64_MAX},
      {"empty", "", std::nullopt},
      {"only letters", "abc", std::nullopt},
      {"placeholder dashes", "--", std::nullopt},
      {"placeholder word", "暂无", std::nullopt},
      {"negative", "-5", std::nullopt},
      {"a score, not a count", "4.5", std::nullopt},
      {"int64 overflow", "9223372036854775808", std::nullopt},
      {"many digits", "99999999999999999999999", std::nullopt},
      {"overflow through the unit", "9999999999999亿", std::nullopt},
      {"overflow through combined units", "999999999万亿亿", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseCount(c.text), c.want) << c.text;
  }
}

// Texts that hold dates, times and several numbers (issue 13, point 1): the number bound to a count word
// or unit wins; when nothing decides, no value but a problem.
struct ReadCountCase {
  const char* name;
  const char* text;
  const char* count_word;
  std::optional<int64_t> want;
  const char* problem;  // a part of the problem when !want
};

TEST(ReadCountTest, Table) {
  const ReadCountCase cases[] = {
      {"date, time and a read count", "2026-05-06 09:12:37\xE3\x80\x80" "3184人阅读", "", 3184, ""},
      {"read count before the date", "3184人阅读 2026-05-06", "", 3184, ""},
      {"Chinese date and a view count", "2026年5月6日 浏览 1,024", "", 1024, ""},
      {"dotted date and a count word", "2026.05.06 阅读(356)", "", 356, ""},
      {"relative date and a count", "3天前 · 12次浏览", "", 12, ""},
      {"months ago is a date, not 个", "2个月前 5赞", "", 5, ""},
      {"ten thousand plus", "10万+", "", 100000, ""},
      {"ten thousand plus with a date", "2026-05-06 10万+阅读", "", 100000, ""},
      {"one and a half wan", "1.5万", "", 15000, ""},
      {"people have seen", "2045人看过", "", 2045, ""},
      {"found it useful", "128人觉得有用", "", 128, ""},
      {"likes", "赞 36", "", 36, ""},
      {"useful before the number", "有用(7)", "", 7, ""},
      {"entries", "共 58 条", "", 58, ""},
      {"w unit", "2026-01-02 3.2w", "", 32000, ""},
      {"one number alone", "9039", "", 9039, ""},
      {"the same count twice", "阅读 12 · 12次", "", 12, ""},
      {"two counts and no word", "12 35", "", std::nullopt, "holds several numbers (12, 35)"},
      {"two bound counts", "1.2万次浏览 35条评论", "", std::nullopt, "holds several numbers (12000, 35)"},
      {"only a date", "2026-05-06 09:12", "", std::nullopt, "only dates and times"},
      {"only a relative date", "3天前", "", std::nullopt, "only dates and times"},
      {"named word after", "1.2万次浏览 35条评论", "评论", 35, ""},
      {"named word after a joiner", "2026-05-06 3184人阅读 12人点赞", "阅读", 3184, ""},
      {"named word before", "阅读：3,456 评论：12", "阅读", 3456, ""},
      {"named word before with 量", "浏览量 9,999 · 收藏 3", "浏览", 9999, ""},
      {"after beats before", "12阅读 5评论", "阅读", 12, ""},
      {"a word on both sides is not decided without count_word", "12 阅读 5", "", std::nullopt, "(12, 5)"},
      {"the parent of a unit outside the element", "总访问356万次", "访问", 3560000, ""},
      {"named word absent", "35条评论", "阅读", std::nullopt, "no number next to the count_word '阅读'"},
      {"named word twice with different numbers", "3阅读 4阅读", "阅读", std::nullopt, "holds several numbers (3, 4)"},
      {"a score is not a count", "4.5", "", std::nullopt, "a decimal without a unit"},
      {"a score beside a count", "评分4.5 阅读100", "", 100, ""},
      {"negative", "-5", "", std::nullopt, "negative"},
      {"beyond 64 bits", "9999999999999亿", "", std::nullopt, "beyond 64 bits"},
      {"no digits", "暂无", "", std::nullopt, "is not a count"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    CountReading got = ReadCount(c.text, c.count_word);
    EXPECT_EQ(got.value, c.want) << c.text << " -> " << got.problem;
    if (c.want) {
      EXPECT_EQ(got.problem, "");
    } else {
      EXPECT_NE(got.problem.find(c.problem), std::string::npos) << got.problem;
    }
  }
}

struct EpochCase {
  const char* name;
  const char* text;
  EpochUnit unit;
  bool with_time;
  std::optional<std::string> want;
};

TEST(EpochTest, Table) {
  const date::time_zone* shanghai = date::locate_zone("Asia/Shanghai");
  const date::time_zone* utc = date::locate_zone("UTC");
  const EpochCase cases[] = {
      {"seconds", "1778030000", EpochUnit::kAuto, true, "2026-05-06T09:13:20+08:00"},
      {"milliseconds by magnitude", "1778030000123", EpochUnit::kAuto, true, "2026-05-06T09:13:20+08:00"},
      {"date only", "1778030000", EpochUnit::kAuto, false, "2026-05-06"},
      {"local midnight crossing", "1778000400", EpochUnit::kAuto, false, "2026-05-06"},
      {"forced milliseconds", "1778030000", EpochUnit::kMilliseconds, true, "1970-01-21T21:53:50+08:00"},
      {"forced seconds", "1778030000", EpochUnit::kSeconds, false, "2026-05-06"},
      {"fraction dropped", "1778030000.987", EpochUnit::kAuto, true, "2026-05-06T09:13:20+08:00"},
      {"spaces trimmed", "  1778030000 ", EpochUnit::kAuto, true, "2026-05-06T09:13:20+08:00"},
      {"full-width digits", "１７７８０３００００", EpochUnit::kAuto, false, "2026-05-06"},
      {"zero", "0", EpochUnit::kAuto, true, "1970-01-01T08:00:00+08:00"},
      {"text around it", "time=1778030000", EpochUnit::kAuto, true, std::nullopt},
      {"a word after it", "1778030000秒", EpochUnit::kAuto, true, std::nullopt},
      {"negative", "-1", EpochUnit::kAuto, true, std::nullopt},
      {"a date, not an epoch", "2026-05-06", EpochUnit::kAuto, true, std::nullopt},
      {"empty", "", EpochUnit::kAuto, true, std::nullopt},
      {"a dot only", "1778030000.", EpochUnit::kAuto, true, std::nullopt},
      {"beyond the year 9999", "999999999999999", EpochUnit::kSeconds, true, std::nullopt},
      {"too many digits", "12345678901234567890", EpochUnit::kAuto, true, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<std::string> got;
    if (auto seconds = ParseEpochSeconds(c.text, c.unit)) got = FormatEpochInZone(*seconds, shanghai, c.with_time);
    EXPECT_EQ(got, c.want) << c.text;
  }
  EXPECT_EQ(FormatEpochInZone(1778030000, utc, true), "2026-05-06T01:13:20+00:00");
}

TEST(ParseBoolTest, Table) {
  const struct {
    const char* text;
    std::optional<bool> want;
  } cases[] = {
      {"true", true}, {"TRUE", true}, {" yes ", true}, {"1", true}, {"是", true}, {"有", true}, {"on", true},
      {"false", false}, {"No", false}, {"0", false}, {"否", false}, {"无", false}, {"没有", false},
      {"", std::nullopt}, {"maybe", std::nullopt}, {"2", std::nullopt}, {"truely", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ParseBool(c.text), c.want);
  }
}

TEST(ParseIntTest, Table) {
  const CountCase cases[] = {
      {"plain", "42", 42},
      {"negative", "-7", -7},
      {"explicit plus", "+5", 5},
      {"inside text", "第3页", 3},
      {"thousands commas", "1,234", 1234},
      {"full-width", "４２", 42},
      {"first of several", "3 of 10", 3},
      {"largest", "9223372036854775807", INT64_MAX},
      {"a fraction is not an integer", "4.5", std::nullopt},
      {"letters", "abc", std::nullopt},
      {"empty", "", std::nullopt},
      {"overflow", "9223372036854775808", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseInt(c.text), c.want) << c.text;
  }
}

TimePoint At(const char* iso) {
  TimePoint t;
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

struct DateCase {
  const char* name;
  const char* text;
  std::optional<std::string> date;      // with_time = false
  std::optional<std::string> datetime;  // with_time = true
};

// "now" is 2026-03-01 10:00:00 in Asia/Shanghai.
TEST(ParseDateTest, ShanghaiTable) {
  const TimePoint now = At("2026-03-01T02:00:00Z");
  const DateCase cases[] = {
      {"iso date", "2026-02-28", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"with a label", "发布于 2026-02-28", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"chinese", "2026年2月28日", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"chinese with spaces", "2026 年 2 月 28 日", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"slashes and time", "2026/02/28 14:30", "2026-02-28", "2026-02-28T14:30:00+08:00"},
      {"dots", "2026.02.28", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"single-digit month and day", "2026-2-8", "2026-02-08", "2026-02-08T00:00:00+08:00"},
      {"seconds", "2026-02-28 14:30:15", "2026-02-28", "2026-02-28T14:30:15+08:00"},
      {"chinese date and time", "2026年02月28日 08:05", "2026-02-28", "2026-02-28T08:05:00+08:00"},
      {"iso in UTC", "2026-02-28T06:30:00Z", "2026-02-28", "2026-02-28T14:30:00+08:00"},
      {"iso with offset crossing midnight", "2026-02-28T23:30:00+00:00", "2026-03-01", "2026-03-01T07:30:00+08:00"},
      {"iso with fraction and offset", "2026-02-28T14:30:00.123+08:00", "2026-02-28", "2026-02-28T14:30:00+08:00"},
      {"full-width digits", "２０２６－０２－２８", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"full-width chinese and colon", "２０２６年２月２８日 １４：３０", "2026-02-28", "2026-02-28T14:30:00+08:00"},
      {"year-less this year", "02-28", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"year-less chinese", "2月28日", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"year-less in the future is last year", "12-25", "2025-12-25", "2025-12-25T00:00:00+08:00"},
      {"year-less today before now", "03-01 09:00", "2026-03-01", "2026-03-01T09:00:00+08:00"},
      {"year-less today after now is last year", "03-01 11:00", "2025-03-01", "2025-03-01T11:00:00+08:00"},
      {"year-less feb 29 goes to a leap year", "2月29日", "2024-02-29", "2024-02-29T00:00:00+08:00"},
      {"two-digit year", "26-02-28", "2026-02-28", "2026-02-28T00:00:00+08:00"},
      {"two-digit year in the future", "27-01-01", std::nullopt, std::nullopt},
      {"days ago", "3天前", "2026-02-26", "2026-02-26T10:00:00+08:00"},
      {"minutes ago", "5分钟前", "2026-03-01", "2026-03-01T09:55:00+08:00"},
      {"minutes ago with space", "5 分钟前", "2026-03-01", "2026-03-01T09:55:00+08:00"},
      {"seconds ago", "30秒前", "2026-03-01", "2026-03-01T09:59:30+08:00"},
      {"hours ago", "1小时前", "2026-03-01", "2026-03-01T09:00:00+08:00"},
      {"hours ago crossing midnight", "11个小时前", "2026-02-28", "2026-02-28T23:00:00+08:00"},
      {"half an hour ago", "半小时前", "2026-03-01", "2026-03-01T09:30:00+08:00"},
      {"chinese numeral", "两天前", "2026-02-27", "2026-02-27T10:00:00+08:00"},
      {"chinese numeral twelve", "十二小时前", "2026-02-28", "2026-02-28T22:00:00+08:00"},
      {"weeks ago", "2周前", "2026-02-15", "2026-02-15T10:00:00+08:00"},
      {"months ago", "1个月前", "2026-02-01", "2026-02-01T10:00:00+08:00"},
      {"years ago", "1年前", "2025-03-01", "2025-03-01T10:00:00+08:00"},
      {"ago with 之前", "3天之前", "2026-02-26", "2026-02-26T10:00:00+08:00"},
      {"full-width relative", "３天前", "2026-02-26", "2026-02-26T10:00:00+08:00"},
      {"yesterday with time", "昨天 08:10", "2026-02-28", "2026-02-28T08:10:00+08:00"},
      {"today with time", "今天 10:20", "2026-03-01", "2026-03-01T10:20:00+08:00"},
      {"day before yesterday", "前天", "2026-02-27", "2026-02-27T00:00:00+08:00"},
      {"just now", "刚刚", "2026-03-01", "2026-03-01T10:00:00+08:00"},
      {"time only", "09:30", "2026-03-01", "2026-03-01T09:30:00+08:00"},
      {"time only later than now is yesterday", "23:50", "2026-02-28", "2026-02-28T23:50:00+08:00"},
      {"impossible day", "2026-02-30", std::nullopt, std::nullopt},
      {"impossible month", "2026-13-01", std::nullopt, std::nullopt},
      {"impossible hour", "2026-02-28 25:00", std::nullopt, std::nullopt},
      {"impossible minute", "2026-02-28 12:60", std::nullopt, std::nullopt},
      {"impossible year-less", "02-30", std::nullopt, std::nullopt},
      {"impossible year-less month", "13-01", std::nullopt, std::nullopt},
      {"year out of range", "0999-01-01", std::nullopt, std::nullopt},
      {"empty", "", std::nullopt, std::nullopt},
      {"letters", "abc", std::nullopt, std::nullopt},
      {"placeholder", "暂无", std::nullopt, std::nullopt},
      {"a bare number", "12345", std::nullopt, std::nullopt},
      {"a page number", "第3页", std::nullopt, std::nullopt},
      {"digits and dash but no date", "1234-56", std::nullopt, std::nullopt},
      {"absurdly many years ago", "99999年前", std::nullopt, std::nullopt},
      {"absurdly many months ago", "3000个月前", std::nullopt, std::nullopt},
      {"zero days ago is now", "0天前", "2026-03-01", "2026-03-01T10:00:00+08:00"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseDate(c.text, now, "Asia/Shanghai", false), c.date) << c.text;
    EXPECT_EQ(ParseDate(c.text, now, "Asia/Shanghai", true), c.datetime) << c.text;
  }
}

TEST(ParseDateTest, OtherZones) {
  const TimePoint now = At("2026-07-15T12:00:00Z");
  struct ZoneCase {
    const char* name;
    const char* zone;
    const char* text;
    std::optional<std::string> datetime;
  };
  const ZoneCase cases[] = {
      {"UTC offset is +00:00", "UTC", "2026-02-28 14:30", "2026-02-28T14:30:00+00:00"},
      {"New York in summer time", "America/New_York", "2026-07-01 12:00", "2026-07-01T12:00:00-04:00"},
      {"New York in winter", "America/New_York", "2026-01-01 12:00", "2026-01-01T12:00:00-05:00"},
      {"relative in New York", "America/New_York", "1小时前", "2026-07-15T07:00:00-04:00"},
      {"unknown zone", "Mars/Olympus_Mons", "2026-02-28", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseDate(c.text, now, c.zone, true), c.datetime);
  }
}

// Dates are formatted by hand (not with date::format, which is slow); the output must be what
// date::format("%F") and date::format("%FT%T%Ez") write for the same wall time, in zones with negative,
// half- and quarter-hour offsets, across DST changes (a skipped and a repeated hour), at midnight, and
// in 1900 when Shanghai's offset (LMT +08:05:43) had seconds, which %Ez drops.
TEST(ParseDateTest, FormatsAsDateFormatDoes) {
  const TimePoint now = At("2026-07-15T12:00:00Z");
  struct FormatCase {
    const char* zone;
    int y, m, d, hh, mm, ss;
  };
  const FormatCase cases[] = {
      {"Asia/Shanghai", 2026, 2, 28, 14, 30, 5},  {"Asia/Shanghai", 2026, 1, 1, 0, 0, 0},
      {"Asia/Shanghai", 1900, 6, 1, 12, 0, 0},    {"Asia/Shanghai", 1988, 4, 10, 2, 30, 0},
      {"America/New_York", 2026, 3, 8, 2, 30, 0},  // skipped by spring-forward
      {"America/New_York", 2026, 11, 1, 1, 30, 0},  // repeated by fall-back
      {"America/New_York", 2025, 12, 31, 23, 59, 59}, {"Asia/Kolkata", 2026, 6, 30, 8, 15, 0},
      {"Asia/Kathmandu", 2026, 6, 30, 8, 15, 0},    {"Pacific/Chatham", 2026, 4, 5, 3, 30, 0},
      {"America/St_Johns", 2026, 1, 15, 9, 0, 0},   {"UTC", 2199, 12, 31, 23, 59, 59},
  };
  for (const FormatCase& c : cases) {
    char text[40];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", c.y, c.m, c.d, c.hh, c.mm, c.ss);
    SCOPED_TRACE(std::string(c.zone) + " " + text);
    const date::time_zone* zone = date::locate_zone(c.zone);
    const date::local_days day{date::year{c.y} / c.m / c.d};
    const auto local = day + std::chrono::hours{c.hh} + std::chrono::minutes{c.mm} + std::chrono::seconds{c.ss};
    const date::zoned_time<std::chrono::seconds> zoned(zone, zone->to_sys(local, date::choose::earliest));
    EXPECT_EQ(ParseDate(text, now, c.zone, false), date::format("%F", day));
    EXPECT_EQ(ParseDate(text, now, c.zone, true), date::format("%FT%T%Ez", zoned));
  }
  // The earliest date a relative text can reach: 200 years before the earliest TimePoint (1677).
  const TimePoint long_ago = At("1700-06-15T12:00:00Z");
  const date::local_days expected_day{date::year{1500} / 6 / 15};
  EXPECT_EQ(ParseDate("200年前", long_ago, "UTC", false), date::format("%F", expected_day));
  EXPECT_EQ(ParseDate("200年前", long_ago, "UTC", true),
            date::format("%FT%T%Ez", date::zoned_time<std::chrono::seconds>(
                                          date::locate_zone("UTC"),
                                          date::sys_days{expected_day.time_since_epoch()} + std::chrono::hours{12})));
}

TEST(ParseDurationTest, Table) {
  struct DurationCase {
    const char* text;
    std::optional<int64_t> seconds;
  };
  const DurationCase cases[] = {
      {"30s", 30},       {"15m", 900},    {"12h", 43200},     {"7d", 604800},   {"2w", 1209600},
      {"1d12h", 129600}, {"", std::nullopt}, {"7", std::nullopt}, {"d", std::nullopt}, {"7x", std::nullopt},
      {"0s", std::nullopt}, {"-1d", std::nullopt}, {"7 d", std::nullopt}, {"99999999w99999999w", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto d = ParseDuration(c.text);
    EXPECT_EQ(d ? std::optional<int64_t>(d->count()) : std::nullopt, c.seconds);
  }
}

}  // namespace
}  // namespace hc::extract
