// ParseCount, ParseInt, ParseDate and durations: the numbers and dates as Chinese health portals print
// them, and the garbage they print instead.
#include <gtest/gtest.h>

#include <date/tz.h>

#include <cstdio>
#include <regex>

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
      {"a comma that is not a thousands separator", "1,23", 1},
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

TEST(AnalyzeLiteralsTest, Table) {
  struct LiteralCase {
    const char* name;
    const char* pattern;
    bool usable;
    bool pure;
    std::string prefix;
    std::vector<std::string> required;
  };
  const LiteralCase cases[] = {
      {"page type pattern", R"(^https?://www\.mfk\.com/article/\d+\.html)", true, false, "http",
       {"http", "://www.mfk.com/article/", ".html"}},
      {"class then literal", "[?&]print=1", true, false, "", {"print=1"}},
      {"top-level alternative", "foo|bar", false, false, "", {}},
      {"alternative inside a group", "(foo|bar)/x", true, false, "", {"/x"}},
      {"pure and anchored", "^/abc$", true, true, "/abc", {"/abc"}},
      {"pure unanchored", "utm_source", true, true, "", {"utm_source"}},
      {"star drops its atom", "ab*c", true, false, "", {"a", "c"}},
      {"plus drops its atom too (conservative)", "^ab+c", true, false, "a", {"a", "c"}},
      {"brace quantifier", "a{2,3}b", true, false, "", {"b"}},
      {"lazy quantifier", "a.*?b", true, false, "", {"a", "b"}},
      {"escaped punctuation is literal", R"(\?page=)", true, true, "", {"?page="}},
      {"optional chinese character is dropped whole", "年?月", true, false, "", {"月"}},
      {"class with a bracket first", "[]a]b", true, false, "", {"b"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    LiteralPlan plan = AnalyzeLiterals(c.pattern);
    EXPECT_EQ(plan.usable, c.usable);
    if (!c.usable) continue;
    EXPECT_EQ(plan.pure, c.pure);
    EXPECT_EQ(plan.prefix, c.prefix);
    EXPECT_EQ(plan.required, c.required);
  }
}

// The literal pre-check must never change an answer: UrlPattern agrees with plain std::regex.
TEST(UrlPatternTest, AgreesWithStdRegex) {
  const char* patterns[] = {R"(^https?://www\.mfk\.com/(article|question)/\d+\.html)",
                            R"([?&]print=1)",
                            "^https://a\\.com/$",
                            "utm_",
                            "/list/",
                            "(foo|bar)",
                            "a+b",
                            "x$",
                            R"(^https?://m\.)",
                            "q=1|p=2"};
  const char* urls[] = {"https://www.mfk.com/article/123.html",
                        "http://www.mfk.com/question/9.html",
                        "https://www.mfk.com/article/x.html",
                        "https://www.mfk.com/list/1?print=1",
                        "https://a.com/",
                        "https://a.com/x",
                        "https://m.mfk.com/?utm_source=x",
                        "https://b.com/foo",
                        "https://b.com/aab",
                        "https://b.com/?q=1",
                        "https://b.com/?p=2",
                        ""};
  for (const char* p : patterns) {
    UrlPattern compiled(p);
    std::regex plain(p, std::regex::ECMAScript);
    for (const char* u : urls) {
      SCOPED_TRACE(std::string(p) + " on " + u);
      EXPECT_EQ(compiled.Search(u), std::regex_search(u, plain));
    }
  }
}

TEST(SimplePatternTest, CompilesOnlyTheSubset) {
  struct SubsetCase {
    const char* pattern;
    bool simple;
  };
  const SubsetCase cases[] = {
      {R"(^https?://www\.mfk\.com/article/\d+\.html)", true},
      {R"(^https?://www\.mfk\.com/list/[a-z]+(_\d+)?\.html)", true},
      {R"(^https?://club\.xywy\.com/static/\d{8}/\d+\.htm)", true},
      {R"([?&]print=1)", true},
      {R"(^https://a\.com/$)", true},
      {R"((?:ab){2,3}c[^/?#]*$)", true},
      {R"(\D+x{0,2}?)", true},
      {"/列表/", true},
      {R"(^https?://club\.xywy\.com/doc_card/\d+/?(?:\?|$))", false},  // alternation
      {"(foo|bar)", false},
      {"a.b", false},
      {R"(\w+)", false},
      {R"(\s)", false},
      {R"(\bword)", false},
      {R"((a)\1)", false},
      {R"(a(?=b))", false},
      {R"([\d-])", false},
      {"[[:alpha:]]", false},
      {"((a)b)", false},      // nested groups
      {"(ab)*", false},       // an unbounded group
      {"(ab){1,17}", false},  // a group repeated too often
      {"a$b", false},
      {"a^", false},
      {"[z-a]", false},
      {"[]", false},
  };
  for (const SubsetCase& c : cases) {
    SCOPED_TRACE(c.pattern);
    EXPECT_EQ(SimplePattern::Compile(c.pattern).has_value(), c.simple);
  }
}

// Every pattern of the subset against fixed and generated inputs: the same answer as std::regex.
TEST(SimplePatternTest, AgreesWithStdRegex) {
  const char* patterns[] = {R"(^https?://www\.mfk\.com/article/\d+\.html)",
                            R"(^https?://www\.mfk\.com/list/[a-z]+(_\d+)?\.html)",
                            R"(^https?://club\.xywy\.com/static/\d{8}/\d+\.htm)",
                            R"(^https?://club\.xywy\.com/list_[a-z]+_\d+\.htm)",
                            R"([?&]print=1)",
                            R"(^https://a\.com/$)",
                            "x$",
                            R"(a+b)",
                            R"((?:ab){2,3}c)",
                            R"((ab)?(cd)?$)",
                            R"((a?){3}a{3})",
                            R"([^/]+/[^/]+$)",
                            R"(\D\d{2,}\D)",
                            "b*?c+?",
                            "^$",
                            "^",
                            "(?:x*)?y",
                            "/列表/"};
  std::vector<std::string> inputs = {"https://www.mfk.com/article/123.html",
                                     "http://www.mfk.com/article/1.html?x=1",
                                     "https://www.mfk.com/article/.html",
                                     "https://www.mfk.com/list/guke.html",
                                     "https://www.mfk.com/list/guke_2.html",
                                     "https://www.mfk.com/list/guke_.html",
                                     "https://www.mfk.com/list/GUKE.html",
                                     "http://club.xywy.com/static/20260301/123.htm",
                                     "http://club.xywy.com/static/2026031/123.htm",
                                     "https://a.com/x?print=1",
                                     "https://a.com/",
                                     "https://a.com/x",
                                     "ababc",
                                     "abababababc",
                                     "abcd",
                                     "aaa",
                                     "aaaaa",
                                     "a/b",
                                     "a12b",
                                     "x1y",
                                     "bbbc",
                                     "xxy",
                                     "/列表/1",
                                     ""};
  // Generated inputs over the bytes the patterns use, so that near-misses are common.
  const std::string alphabet = "abcdxyz_/.:?&=$-0123456789htpsw";
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (int n = 0; n < 300; ++n) {
    std::string s;
    for (std::uint32_t len = next() % 14; len > 0; --len) s += alphabet[next() % alphabet.size()];
    inputs.push_back(s);
  }
  for (const char* p : patterns) {
    auto simple = SimplePattern::Compile(p);
    ASSERT_TRUE(simple.has_value()) << p;
    std::regex plain(p, std::regex::ECMAScript);
    UrlPattern url_pattern(p);
    for (const std::string& input : inputs) {
      SCOPED_TRACE(std::string(p) + " on \"" + input + "\"");
      const bool expected = std::regex_search(input, plain);
      EXPECT_EQ(simple->Search(input), std::optional<bool>(expected));
      EXPECT_EQ(url_pattern.Search(input), expected);
    }
  }
}

TEST(SimplePatternTest, AnExhaustedBudgetDefersToStdRegex) {
  // 16 optional a's and then 16 a's, on 31 a's: the backtracking tries about 2^16 splits.
  const std::string pattern = "(a?){16}a{16}b";
  const std::string input(31, 'a');
  auto simple = SimplePattern::Compile(pattern);
  ASSERT_TRUE(simple.has_value());
  auto answer = simple->Search(input);
  EXPECT_TRUE(!answer.has_value() || *answer == false);
  EXPECT_FALSE(UrlPattern(pattern).Search(input));
}

TEST(Utf8WideTest, RoundTripAndRepair) {
  const std::string text = "民福康 abc 😀";
  EXPECT_EQ(WideToUtf8(Utf8ToWide(text)), text);
  EXPECT_EQ(Utf8ToWide("民").size(), 1u);
  EXPECT_EQ(WideToUtf8(Utf8ToWide("a\xFF" "b")), "a\xEF\xBF\xBD" "b");  // invalid byte -> U+FFFD
  EXPECT_EQ(WideToUtf8(Utf8ToWide("\xE6\xB0")), "\xEF\xBF\xBD");         // truncated sequence
}

}  // namespace
}  // namespace hc::extract
