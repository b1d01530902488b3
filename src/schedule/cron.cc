// Cron expressions: the crontab(5) grammar of Vixie cron / cronie, and the next-fire-time search.
//
// The search works in civil (wall-clock) time first and maps to an instant second: NextLocalMatch finds
// the first matching local minute at or after a start, jumping over whole months, days and hours that
// cannot match; ToInstant applies the DST rules. ToInstant is non-decreasing in local time (a gap maps
// to its end, a repeated hour to its first pass), so the first candidate whose instant is after `t` is
// the answer and the loop over candidates is short (at most the minutes of one gap or repeated hour).
#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "schedule/schedule.h"
#include "schedule/schedule_internal.h"

namespace hc::schedule {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

struct FieldSpec {
  std::string_view name;  // as messages print it
  int min;
  int max;                        // largest accepted value (day-of-week: 7, another Sunday)
  int star_max;                   // what `*` covers (day-of-week: 0-6)
  const std::string_view* names;  // 3-letter names for min..; nullptr when the field has none
  int name_count;
  std::string_view expected;  // what a value should look like
};

constexpr FieldSpec kFields[5] = {
    {"minute", 0, 59, 59, nullptr, 0, "a number 0-59"},
    {"hour", 0, 23, 23, nullptr, 0, "a number 0-23"},
    {"day-of-month", 1, 31, 31, nullptr, 0, "a number 1-31"},
    {"month", 1, 12, 12, kMonthNames.data(), 12, "a number 1-12 or a month name JAN-DEC"},
    {"day-of-week", 0, 7, 6, kDayNames.data(), 7, "a number 0-7 or a day name SUN-SAT"},
};

constexpr std::string_view kFiveFields = "expected 5 fields (minute hour day-of-month month day-of-week)";

struct Macro {
  std::string_view name;
  std::string_view expansion;
};
constexpr Macro kMacros[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"}, {"@weekly", "0 0 * * 0"},
    {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@hourly", "0 * * * *"},
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct Token {
  std::string_view text;
  int column;  // 1-based in the whole expression
};

std::vector<Token> SplitBlanks(std::string_view expr) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < expr.size()) {
    while (i < expr.size() && IsBlank(expr[i])) ++i;
    size_t start = i;
    while (i < expr.size() && !IsBlank(expr[i])) ++i;
    if (i > start) tokens.push_back({expr.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return tokens;
}

// Parses one field into a bit set; on failure fills *error and returns false.
class FieldParser {
 public:
  FieldParser(int index, Token field, CronSyntaxError* error)
      : index_(index), spec_(kFields[index]), field_(field), error_(error) {}

  bool Parse(uint64_t* bits) {
    size_t begin = 0;
    std::string_view text = field_.text;
    while (true) {
      size_t comma = text.find(',', begin);
      size_t end = comma == std::string_view::npos ? text.size() : comma;
      if (end == begin) return Fail(field_, "empty item in list");
      if (!ParseItem({text.substr(begin, end - begin), field_.column + static_cast<int>(begin)}, bits)) return false;
      if (comma == std::string_view::npos) return true;
      begin = comma + 1;
    }
  }

 private:
  // N | A-B | * followed by an optional /S.
  bool ParseItem(Token item, uint64_t* bits) {
    if (item.text == "?") return Fail(item, "'?' is not supported; use *");
    if (EqualsIgnoringAsciiCase(item.text, "L") || item.text.find('#') != std::string_view::npos) {
      return Fail(item, "the L and # extensions are not supported");
    }
    std::string_view range = item.text;
    int step = 1;
    bool has_step = false;
    if (size_t slash = item.text.find('/'); slash != std::string_view::npos) {
      has_step = true;
      range = item.text.substr(0, slash);
      Token step_token{item.text.substr(slash + 1), item.column + static_cast<int>(slash) + 1};
      int span = spec_.star_max - spec_.min;
      if (step_token.text.empty()) return Fail(item, "a step is missing after '/'");
      if (!AllDigits(step_token.text)) return Fail(step_token, "the step must be a number");
      if (step_token.text.size() > 3 || (step = std::stoi(std::string(step_token.text))) < 1 || step > span) {
        return Fail(step_token, "step out of range 1-" + std::to_string(span));
      }
      if (range.empty()) return Fail(item, "a range or * is missing before '/'");
    }

    int lo = 0;
    int hi = 0;
    if (range == "*") {
      lo = spec_.min;
      hi = spec_.star_max;
    } else if (size_t dash = range.find('-'); dash != std::string_view::npos) {
      Token first{range.substr(0, dash), item.column};
      Token last{range.substr(dash + 1), item.column + static_cast<int>(dash) + 1};
      if (first.text.empty() || last.text.empty()) return Fail(item, "a range needs a start and an end");
      if (!ParseValue(first, &lo) || !ParseValue(last, &hi)) return false;
      // "FRI-SUN" reads as Friday through Sunday: a Sunday *name* ending a range is day 7.
      if (index_ == 4 && hi == 0 && lo > 0 && !AllDigits(last.text)) hi = 7;
      if (lo > hi) {
        return Fail(item, "the range starts after it ends (" + std::to_string(lo) + " > " + std::to_string(hi) + ")");
      }
    } else {
      if (!ParseValue({range, item.column}, &lo)) return false;
      // "5/15" is cronie's shorthand for "5-max/15".
      hi = has_step ? spec_.star_max : lo;
      if (has_step && lo > hi) hi = lo;  // "7/2" in day-of-week: just Sunday
    }
    for (int v = lo; v <= hi; v += step) {
      int bit = (index_ == 4 && v == 7) ? 0 : v;
      *bits |= uint64_t{1} << bit;
    }
    return true;
  }

  bool ParseValue(Token token, int* value) {
    if (AllDigits(token.text)) {
      if (token.text.size() > 3) return Fail(token, OutOfRange());
      *value = std::stoi(std::string(token.text));
      if (*value < spec_.min || *value > spec_.max) return Fail(token, OutOfRange());
      return true;
    }
    for (int i = 0; i < spec_.name_count; ++i) {
      if (EqualsIgnoringAsciiCase(token.text, spec_.names[i])) {
        *value = spec_.min + i;
        return true;
      }
    }
    return Fail(token, "expected " + std::string(spec_.expected));
  }

  std::string OutOfRange() const {
    return "value out of range " + std::to_string(spec_.min) + "-" + std::to_string(spec_.max);
  }

  bool Fail(Token at, const std::string& what) {
    error_->column = at.column;
    error_->what = "field " + std::to_string(index_ + 1) + " (" + std::string(spec_.name) + ") \"" +
                   std::string(at.text) + "\": " + what;
    return false;
  }

  int index_;
  const FieldSpec& spec_;
  Token field_;
  CronSyntaxError* error_;
};

int DaysInMonth(int year, unsigned month) {
  return static_cast<int>(static_cast<unsigned>(
      date::year_month_day_last(date::year(year), date::month_day_last(date::month(month))).day()));
}

// Lowest set bit at or above `from`, or -1.
int NextBit(uint64_t bits, int from) {
  if (from >= 64) return -1;
  uint64_t rest = bits & (~uint64_t{0} << from);
  return rest == 0 ? -1 : std::countr_zero(rest);
}

const date::time_zone* MachineZone() {
  try {
    return date::current_zone();
  } catch (const std::exception&) {
    return nullptr;  // no usable /etc/localtime or tz database: compute in UTC
  }
}

}  // namespace

std::optional<CronSchedule> CronParser::Parse(std::string_view expr, CronSyntaxError* error) {
  std::vector<Token> tokens = SplitBlanks(expr);
  auto fail = [&](int column, std::string what) {
    error->column = column;
    error->what = std::move(what);
    return std::nullopt;
  };
  if (tokens.empty()) {
    return fail(1, "the expression is empty; " + std::string(kFiveFields) + " or a macro such as @daily");
  }
  std::string trimmed(
      expr.substr(tokens.front().column - 1, tokens.back().column - tokens.front().column + tokens.back().text.size()));

  if (tokens[0].text.front() == '@') {
    Token macro = tokens[0];
    if (tokens.size() > 1) {
      return fail(tokens[1].column, "\"" + std::string(tokens[1].text) + "\": nothing may follow a macro");
    }
    for (const Macro& m : kMacros) {
      if (EqualsIgnoringAsciiCase(macro.text, m.name)) {
        CronSyntaxError ignored;
        std::optional<CronSchedule> expanded = Parse(m.expansion, &ignored);
        expanded->text_ = trimmed;
        return expanded;
      }
    }
    if (EqualsIgnoringAsciiCase(macro.text, "@reboot")) {
      return fail(macro.column, "\"@reboot\": not supported; the scheduler only runs jobs at times");
    }
    return fail(macro.column, "\"" + std::string(macro.text) +
                                  "\": unknown macro; known: @yearly @annually @monthly @weekly @daily "
                                  "@midnight @hourly");
  }

  if (tokens.size() < 5) {
    return fail(static_cast<int>(expr.find_last_not_of(" \t")) + 2,
                std::string(kFiveFields) + ", found " + std::to_string(tokens.size()));
  }
  if (tokens.size() > 5) {
    return fail(tokens[5].column, "\"" + std::string(tokens[5].text) + "\": " + std::string(kFiveFields) + ", found " +
                                      std::to_string(tokens.size()) + " (seconds and years are not supported)");
  }

  uint64_t bits[5] = {};
  for (int i = 0; i < 5; ++i) {
    if (!FieldParser(i, tokens[i], error).Parse(&bits[i])) return std::nullopt;
  }
  CronSchedule s;
  s.minutes_ = bits[0];
  s.hours_ = static_cast<uint32_t>(bits[1]);
  s.days_ = static_cast<uint32_t>(bits[2]);
  s.months_ = static_cast<uint16_t>(bits[3]);
  s.weekdays_ = static_cast<uint8_t>(bits[4]);
  s.day_of_month_star_ = tokens[2].text.front() == '*';
  s.day_of_week_star_ = tokens[4].text.front() == '*';
  s.text_ = std::move(trimmed);

  // With the OR rule any weekday eventually comes; otherwise some selected day must exist in some
  // selected month (day 29 of February exists in leap years). Every date falls on each weekday within
  // the 400-year Gregorian cycle, so this check is exact.
  bool fires = !s.day_of_month_star_ && !s.day_of_week_star_;
  for (unsigned m = 1; m <= 12 && !fires; ++m) {
    if (s.months_ & (1u << m)) fires = NextBit(s.days_, 1) != -1 && NextBit(s.days_, 1) <= DaysInMonth(2000, m);
  }
  if (!fires) {
    return fail(tokens[2].column, "field 3 (day-of-month) \"" + std::string(tokens[2].text) +
                                      "\": no such day in the selected months, so the schedule would "
                                      "never fire");
  }
  return s;
}

Result<CronSchedule> CronSchedule::Parse(std::string_view expr) {
  CronSyntaxError error;
  std::optional<CronSchedule> parsed = CronParser::Parse(expr, &error);
  if (!parsed) {
    return Status::InvalidArgument("column " + std::to_string(error.column) + ": " + error.what);
  }
  return std::move(*parsed);
}

namespace {

struct Civil {
  int year;
  unsigned month;  // 1-12
  int day;         // 1-31
  int hour;        // 0-23
  int minute;      // 0-59
};

// Past this the loop gives up: two 400-year cycles cover any date a parsed schedule can need, and the
// answer would be far beyond what a TimePoint holds anyway.
constexpr int kMaxYearsAhead = 800;

}  // namespace

TimePoint CronSchedule::NextAfter(TimePoint t, const date::time_zone* zone) const {
  if (months_ == 0 || days_ == 0 || hours_ == 0 || minutes_ == 0 || weekdays_ == 0) return kNever;
  if (zone == nullptr) zone = MachineZone();

  const date::sys_seconds start_sys = std::chrono::floor<seconds>(t);
  auto to_local = [&](date::sys_seconds s) {
    if (zone == nullptr) return date::local_seconds(s.time_since_epoch());
    return zone->to_local(s);
  };
  // Non-decreasing in `local`: a nonexistent local time is the end of its gap, an ambiguous one its
  // first occurrence.
  auto to_instant = [&](date::local_seconds local) {
    if (zone == nullptr) return date::sys_seconds(local.time_since_epoch());
    date::local_info info = zone->get_info(local);
    switch (info.result) {
      case date::local_info::nonexistent:
        return info.second.begin;
      case date::local_info::ambiguous:
      case date::local_info::unique:
        break;
    }
    return date::sys_seconds(local.time_since_epoch() - info.first.offset);
  };

  auto day_matches = [&](const date::year_month_day& ymd) {
    bool dom = days_ & (1u << static_cast<unsigned>(ymd.day()));
    bool dow = weekdays_ & (1u << date::weekday(date::sys_days(ymd)).c_encoding());
    if (!day_of_month_star_ && !day_of_week_star_) return dom || dow;
    return dom && dow;
  };

  // The first local minute at or after `from` that the fields match, or nullopt past the year limit.
  const int year_limit =
      static_cast<int>(date::year_month_day(std::chrono::floor<date::days>(to_local(start_sys))).year()) +
      kMaxYearsAhead;
  auto next_local_match = [&](date::local_seconds from) -> std::optional<date::local_seconds> {
    auto day_point = std::chrono::floor<date::days>(from);
    date::year_month_day ymd(day_point);
    date::hh_mm_ss<seconds> hms(from - day_point);
    Civil c{static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()), static_cast<int>(unsigned(ymd.day())),
            static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count())};
    auto next_day = [&c] {
      ++c.day;
      c.hour = 0;
      c.minute = 0;
    };
    while (c.year <= year_limit) {
      if (!(months_ & (1u << c.month))) {
        int m = NextBit(months_, static_cast<int>(c.month) + 1);
        if (m == -1) {
          ++c.year;
          m = NextBit(months_, 1);
        }
        c = {c.year, static_cast<unsigned>(m), 1, 0, 0};
        continue;
      }
      if (c.day > DaysInMonth(c.year, c.month)) {
        c = c.month == 12 ? Civil{c.year + 1, 1, 1, 0, 0} : Civil{c.year, c.month + 1, 1, 0, 0};
        continue;
      }
      date::year_month_day day{date::year(c.year), date::month(c.month), date::day(static_cast<unsigned>(c.day))};
      if (!day_matches(day)) {
        next_day();
        continue;
      }
      int h = NextBit(hours_, c.hour);
      if (h == -1) {
        next_day();
        continue;
      }
      if (h != c.hour) {
        c.hour = h;
        c.minute = 0;
      }
      int m = NextBit(minutes_, c.minute);
      if (m == -1) {
        if (++c.hour == 24) next_day();
        c.minute = 0;
        continue;
      }
      return date::local_days(day) + std::chrono::hours(c.hour) + minutes(m);
    }
    return std::nullopt;
  };

  const date::sys_seconds last_representable = std::chrono::floor<seconds>(kNever);
  date::local_seconds candidate_from = std::chrono::floor<minutes>(to_local(start_sys));
  while (true) {
    std::optional<date::local_seconds> local = next_local_match(candidate_from);
    if (!local) return kNever;
    date::sys_seconds instant = to_instant(*local);
    if (instant >= last_representable) return kNever;
    if (TimePoint(instant) > t) return TimePoint(instant);
    candidate_from = *local + minutes(1);
  }
}

Result<const date::time_zone*> LocateTimeZone(std::string_view name) {
  try {
    if (name.empty()) return date::current_zone();
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    if (name.empty()) return Status::NotFound(std::string("cannot determine the machine's time zone: ") + e.what());
    return Status::NotFound("unknown time zone '" + std::string(name) + "'");
  }
}

}  // namespace hc::schedule
