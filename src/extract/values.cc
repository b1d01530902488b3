// Value parsing for the numbers and dates Chinese health portals print: "1.2万次浏览", "10w+",
// "发布于 2026年2月28日", "3天前", "昨天 08:10". Hand-written scanners for numbers (they run for every
// count on every page); RE2 patterns for the date forms, which are compiled once and read best as
// patterns (DateMatcher below: how the lookahead and the back-reference they once had are checked).
#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <utility>

#include <re2/re2.h>

#include "core/text.h"
#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Full-width digits and punctuation (U+FF01..U+FF5E are ASCII shifted by 0xFEE0) become ASCII, and
// the ideographic and no-break spaces become ' ', so every scanner below sees one form.
std::string NormalizeForValues(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      out.push_back(text[i++]);
      continue;
    }
    const Utf8Char c = DecodeUtf8At(text, i);
    if (c.valid && c.code_point >= 0xFF01 && c.code_point <= 0xFF5E) {
      out.push_back(static_cast<char>(c.code_point - 0xFEE0));
    } else if (c.valid && (c.code_point == 0x3000 || c.code_point == 0xA0)) {
      out.push_back(' ');
    } else {
      out.append(text.substr(i, c.length));  // other characters and ill-formed bytes as they are
    }
    i += c.length;
  }
  return out;
}

// The digits of a number starting at `pos`, with "1,234,567" thousands groups (a comma counts only
// when exactly three digits follow it). Returns false on overflow.
struct ScannedNumber {
  uint64_t integer = 0;
  uint64_t fraction = 0;      // the digits after '.', as an integer
  uint64_t fraction_scale = 1;  // 10^(number of fraction digits)
  size_t end = 0;
};

bool AccumulateDigit(uint64_t* value, char c) {
  return !__builtin_mul_overflow(*value, 10u, value) && !__builtin_add_overflow(*value, uint64_t(c - '0'), value);
}

std::optional<ScannedNumber> ScanNumber(std::string_view s, size_t pos, bool allow_fraction) {
  ScannedNumber n;
  size_t i = pos;
  while (i < s.size()) {
    if (IsDigit(s[i])) {
      if (!AccumulateDigit(&n.integer, s[i])) return std::nullopt;
      ++i;
    } else if (s[i] == ',' && i + 3 < s.size() && IsDigit(s[i + 1]) &&
               IsDigit(s[i + 2]) && IsDigit(s[i + 3]) && (i + 4 >= s.size() || !IsDigit(s[i + 4]))) {
      ++i;  // a thousands separator
    } else {
      break;
    }
  }
  if (allow_fraction && i + 1 < s.size() && s[i] == '.' && IsDigit(s[i + 1])) {
    ++i;
    while (i < s.size() && IsDigit(s[i])) {
      // Digits beyond 18 cannot change a count; dropping them keeps the scale in range.
      if (n.fraction_scale < 1'000'000'000'000'000'000ull) {
        n.fraction = n.fraction * 10 + uint64_t(s[i] - '0');
        n.fraction_scale *= 10;
      }
      ++i;
    }
  }
  n.end = i;
  return n;
}

// The multiplier words that follow a count. Chinese ones combine ("百万", "千万", "万亿").
struct Unit {
  std::string_view text;
  uint64_t factor;
};
constexpr std::array<Unit, 4> kChineseUnits = {{{"万", 10'000}, {"亿", 100'000'000}, {"千", 1'000}, {"百", 100}}};

}  // namespace

namespace {

bool StartsWith(std::string_view s, size_t pos, std::string_view word) {
  return pos <= s.size() && s.substr(pos).starts_with(word);
}

// Words that say a number after which they stand is a count: "3184人阅读", "12条回复", "5赞". 人, 次 and 个
// also begin longer phrases (人看过, 次浏览, 人觉得有用), so they bind whatever follows them.
constexpr std::array<std::string_view, 26> kWordsAfter = {
    "阅读", "浏览", "看过", "觉得有用", "有用", "点赞", "赞",   "次",   "条",   "人",   "个",   "票",   "评论",
    "回复", "回答", "收藏", "关注",     "点击", "播放", "访问", "下载", "粉丝", "帖",   "篇",   "位",   "名"};
// Words a count follows: "阅读 3,456", "浏览量：12,000", "总访问356万次". Each also with 量, 数 or 次数 after it.
constexpr std::array<std::string_view, 17> kWordsBefore = {"阅读", "浏览", "访问", "点击", "播放", "人气",
                                                           "热度", "点赞", "赞",   "有用", "评论", "回复",
                                                           "回答", "收藏", "关注", "粉丝", "下载"};
// Units of time after a number make it part of a date or an age ("3天前", "2026年", "5分钟"); the ones that
// begin with 个 are tried before the count words, where 个 alone would bind.
constexpr std::array<std::string_view, 5> kTimeWordsFirst = {"个月", "个小时", "个星期", "个钟头", "个礼拜"};
constexpr std::array<std::string_view, 13> kTimeWords = {"年", "月", "日", "号", "时", "点", "分",
                                                         "秒", "天", "周", "小时", "分钟", "星期"};

template <size_t N>
bool StartsWithAny(std::string_view s, size_t pos, const std::array<std::string_view, N>& words) {
  return std::any_of(words.begin(), words.end(), [&](std::string_view w) { return StartsWith(s, pos, w); });
}

// The text before `end` without trailing spaces, colons and opening brackets ("阅读 (", "浏览量: "), and
// without one 量/数/次数 after the word.
std::string_view WordBefore(std::string_view s, size_t end) {
  std::string_view before = s.substr(0, end);
  while (!before.empty() && (before.back() == ' ' || before.back() == ':' || before.back() == '(' ||
                             before.back() == '[' || before.back() == '\t')) {
    before.remove_suffix(1);
  }
  for (std::string_view suffix : {"次数", "量", "数"}) {
    if (before.ends_with(suffix)) {
      before.remove_suffix(suffix.size());
      break;
    }
  }
  return before;
}

// One number of a count's text and what surrounds it.
struct CountCandidate {
  std::optional<int64_t> value;  // nullopt: beyond int64
  bool fraction_without_unit = false;  // "4.5": a score, not a count
  bool has_unit = false;               // 万, 亿, w, k, or a trailing +
  bool date_part = false;              // a piece of a date, a time or an age
  bool negative = false;
  size_t after = 0;                    // where the text after the number and its unit starts
  size_t start = 0;                    // where the number starts
};

// The number at `pos` (a digit that does not follow a digit) with its unit, and how it sits in `s`.
CountCandidate ScanCandidate(std::string_view s, size_t pos, size_t* next) {
  CountCandidate c;
  c.start = pos;
  auto number = ScanNumber(s, pos, /*allow_fraction=*/true);
  if (!number) {  // too many digits: skip the run
    size_t i = pos;
    while (i < s.size() && (IsDigit(s[i]) || s[i] == ',' || s[i] == '.')) ++i;
    *next = i;
    c.after = i;
    return c;
  }
  size_t i = number->end;
  *next = i;
  const bool joined_before = pos >= 2 && (s[pos - 1] == '-' || s[pos - 1] == '/' || s[pos - 1] == ':' ||
                                          s[pos - 1] == '.') && IsDigit(s[pos - 2]);
  const bool joined_after = i + 1 < s.size() && (s[i] == '-' || s[i] == '/' || s[i] == ':' || s[i] == '.') &&
                            IsDigit(s[i + 1]);
  c.date_part = joined_before || joined_after;
  c.negative = !joined_before && pos >= 1 && s[pos - 1] == '-';

  while (i < s.size() && s[i] == ' ') ++i;
  uint64_t factor = 1;
  bool overflow = false;
  for (bool matched = true; matched;) {
    matched = false;
    for (const Unit& u : kChineseUnits) {
      if (s.compare(i, u.text.size(), u.text) == 0) {
        overflow = overflow || __builtin_mul_overflow(factor, u.factor, &factor);
        i += u.text.size();
        matched = true;
        break;
      }
    }
  }
  if (factor == 1 && i < s.size() && (i + 1 >= s.size() || !IsAsciiLetter(s[i + 1]))) {
    // "10w+", "2.5k": a lone ASCII unit letter, not the start of a word such as "km".
    if (s[i] == 'w' || s[i] == 'W') factor = 10'000;
    if (s[i] == 'k' || s[i] == 'K') factor = 1'000;
    if (factor != 1) ++i;
  }
  c.has_unit = factor != 1;
  if (i < s.size() && s[i] == '+') {
    c.has_unit = true;
    ++i;
  }
  while (i < s.size() && s[i] == ' ') ++i;
  c.after = i;
  if (!c.has_unit && !c.date_part && StartsWithAny(s, i, kTimeWordsFirst)) c.date_part = true;
  if (!c.has_unit && !c.date_part && !StartsWithAny(s, i, kWordsAfter) && StartsWithAny(s, i, kTimeWords)) {
    c.date_part = true;
  }
  if (factor == 1 && number->fraction != 0) {
    c.fraction_without_unit = true;
    return c;
  }
  uint64_t whole = 0;
  if (overflow || __builtin_mul_overflow(number->integer, factor, &whole)) return c;
  // fraction * factor / scale, rounded to nearest; both are < 10^18, so the product fits 128 bits, and
  // the sum is checked so a hostile "0.999999999999999999亿亿" cannot wrap.
  unsigned __int128 part = static_cast<unsigned __int128>(number->fraction) * factor;
  part = (part + number->fraction_scale / 2) / number->fraction_scale;
  unsigned __int128 total = static_cast<unsigned __int128>(whole) + part;
  if (total > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) return c;
  c.value = static_cast<int64_t>(total);
  return c;
}

bool BoundAfter(std::string_view s, const CountCandidate& c) { return StartsWithAny(s, c.after, kWordsAfter); }

bool BoundBefore(std::string_view s, const CountCandidate& c) {
  std::string_view before = WordBefore(s, c.start);
  return std::any_of(kWordsBefore.begin(), kWordsBefore.end(), [&](std::string_view w) { return before.ends_with(w); });
}

// Whether `word` (count_word) names this number: right after it ("3184阅读", or after 人/次/个:
// "3184人阅读", "35条评论") is preferred to right before it ("阅读 3184", "阅读量：3184").
int NamedBy(std::string_view s, const CountCandidate& c, std::string_view word) {
  if (StartsWith(s, c.after, word)) return 2;
  for (std::string_view joiner : {"人", "次", "个", "条"}) {
    if (StartsWith(s, c.after, joiner) && StartsWith(s, c.after + joiner.size(), word)) return 2;
  }
  if (WordBefore(s, c.start).ends_with(word)) return 1;
  return 0;
}

std::string ListValues(const std::vector<const CountCandidate*>& pool) {
  std::string out;
  for (size_t i = 0; i < pool.size() && i < 4; ++i) {
    if (i) out += ", ";
    out += pool[i]->value ? std::to_string(*pool[i]->value) : "?";
  }
  if (pool.size() > 4) out += ", ...";
  return out;
}

// The one value of `pool`, or the problem.
CountReading Decide(const std::vector<const CountCandidate*>& pool, std::string_view ambiguity) {
  CountReading out;
  const CountCandidate* first = pool.front();
  const bool all_equal = std::all_of(pool.begin(), pool.end(), [&](const CountCandidate* c) {
    return c->value == first->value && c->fraction_without_unit == first->fraction_without_unit;
  });
  if (!all_equal) {
    out.problem = "holds several numbers (" + ListValues(pool) + ") " + std::string(ambiguity);
    return out;
  }
  if (first->fraction_without_unit) {
    out.problem = "is not a count (a decimal without a unit)";
  } else if (!first->value) {
    out.problem = "is not a count (beyond 64 bits)";
  } else {
    out.value = first->value;
  }
  return out;
}

}  // namespace

CountReading ReadCount(std::string_view raw, std::string_view count_word) {
  const std::string s = NormalizeForValues(raw);
  std::vector<CountCandidate> candidates;
  for (size_t pos = 0; pos < s.size();) {
    if (!IsDigit(s[pos])) {
      ++pos;
      continue;
    }
    size_t next = pos;
    candidates.push_back(ScanCandidate(s, pos, &next));
    pos = next;
  }
  CountReading out;
  if (candidates.empty()) {
    out.problem = "is not a count";
    return out;
  }
  if (!count_word.empty()) {
    std::vector<const CountCandidate*> after, before;
    for (const CountCandidate& c : candidates) {
      if (c.negative) continue;
      const int named = NamedBy(s, c, count_word);
      if (named == 2) after.push_back(&c);
      if (named == 1) before.push_back(&c);
    }
    if (after.empty() && before.empty()) {
      out.problem = "has no number next to the count_word '" + std::string(count_word) + "'";
      return out;
    }
    return Decide(after.empty() ? before : after, "next to the count_word '" + std::string(count_word) + "'");
  }
  std::vector<const CountCandidate*> bound, loose;
  bool any_negative = false;
  for (const CountCandidate& c : candidates) {
    any_negative = any_negative || c.negative;
    if (c.date_part || c.negative) continue;
    if (c.fraction_without_unit) {  // "4.5" is a score: refused when it is the only number, else passed over
      if (candidates.size() == 1) loose.push_back(&c);
      continue;
    }
    const bool is_bound = c.has_unit || BoundAfter(s, c) || BoundBefore(s, c);
    if (is_bound) {
      bound.push_back(&c);
    } else {
      loose.push_back(&c);
    }
  }
  if (!bound.empty()) return Decide(bound, "next to count words or units; name the one wanted with count_word");
  if (!loose.empty()) return Decide(loose, "and none is marked as a count; name the one wanted with count_word");
  out.problem = any_negative ? "is not a count (negative)" : "is not a count (only dates and times)";
  return out;
}

std::optional<int64_t> ParseCount(std::string_view raw) { return ReadCount(raw).value; }

std::optional<int64_t> ParseInt(std::string_view raw) {
  std::string s = NormalizeForValues(raw);
  size_t pos = 0;
  while (pos < s.size() && !IsDigit(s[pos])) ++pos;
  if (pos == s.size()) return std::nullopt;
  bool negative = pos > 0 && s[pos - 1] == '-';
  auto number = ScanNumber(s, pos, /*allow_fraction=*/false);
  if (!number) return std::nullopt;
  if (number->end + 1 < s.size() && s[number->end] == '.' && IsDigit(s[number->end + 1])) {
    return std::nullopt;  // "4.5" is not an integer
  }
  if (number->integer > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  int64_t v = static_cast<int64_t>(number->integer);
  return negative ? -v : v;
}

// --- dates -------------------------------------------------------------------------------------------

const date::time_zone* LocateZone(std::string_view name) {
  try {
    return date::locate_zone(std::string(name));
  } catch (const std::exception&) {
    return nullptr;
  }
}

namespace {

using LocalSeconds = date::local_time<std::chrono::seconds>;

struct TimeOfDay {
  int hour = 0, minute = 0, second = 0;
};

bool ValidTime(const TimeOfDay& t) {
  return t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 && t.second >= 0 && t.second <= 59;
}

std::optional<date::year_month_day> MakeDate(int y, int m, int d) {
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                           date::day{static_cast<unsigned>(d)}};
  if (m < 1 || m > 12 || d < 1 || d > 31 || !ymd.ok()) return std::nullopt;
  return ymd;
}

LocalSeconds At(date::local_days day, const TimeOfDay& t) {
  return day + std::chrono::hours{t.hour} + std::chrono::minutes{t.minute} + std::chrono::seconds{t.second};
}

// Appends `value` as exactly `width` decimal digits (value < 10^width).
void AppendDigits(std::string& out, long value, int width) {
  char digits[8];
  for (int i = width - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(digits, static_cast<std::size_t>(width));
}

// "YYYY-MM-DD", as date::format("%F") writes it; nullopt outside years 1000-9999, where that format
// writes another width.
std::optional<std::string> FormatDay(date::local_days day) {
  date::year_month_day ymd{day};
  const int year = static_cast<int>(ymd.year());
  if (year < 1000 || year > 9999) return std::nullopt;
  std::string out;
  out.reserve(25);
  AppendDigits(out, year, 4);
  out += '-';
  AppendDigits(out, static_cast<unsigned>(ymd.month()), 2);
  out += '-';
  AppendDigits(out, static_cast<unsigned>(ymd.day()), 2);
  return out;
}

// Written by hand rather than with date::format, which builds an ostringstream (and looks up its
// locale facets) for every value: "YYYY-MM-DD", or "YYYY-MM-DDTHH:MM:SS+hh:mm" in the zone's offset
// at that time (the offset's seconds dropped, as %Ez does). Years outside 1000-9999 take date::format.
std::string Format(LocalSeconds local, const date::time_zone* zone, bool with_time) {
  if (!with_time) {
    if (auto day = FormatDay(date::floor<date::days>(local))) return *day;
    return date::format("%F", date::floor<date::days>(local));
  }
  // choose::earliest: a wall time repeated by a DST fall-back takes the first; one skipped by a
  // spring-forward maps to the transition. China has had no DST since 1991.
  auto sys = zone->to_sys(local, date::choose::earliest);
  const auto offset = zone->get_info(sys).offset;
  const LocalSeconds wall{sys.time_since_epoch() + offset};
  const auto day = date::floor<date::days>(wall);
  auto out = FormatDay(day);
  if (!out) {
    date::zoned_time<std::chrono::seconds> zoned(zone, sys);
    return date::format("%FT%T%Ez", zoned);
  }
  const date::hh_mm_ss<std::chrono::seconds> time{wall - day};
  *out += 'T';
  AppendDigits(*out, time.hours().count(), 2);
  *out += ':';
  AppendDigits(*out, time.minutes().count(), 2);
  *out += ':';
  AppendDigits(*out, time.seconds().count(), 2);
  auto minutes = std::chrono::duration_cast<std::chrono::minutes>(offset);  // truncates, as %Ez
  *out += minutes < std::chrono::minutes{0} ? '-' : '+';
  minutes = minutes < std::chrono::minutes{0} ? -minutes : minutes;
  AppendDigits(*out, minutes.count() / 60, 2);
  *out += ':';
  AppendDigits(*out, minutes.count() % 60, 2);
  return *out;
}

int ToInt(const std::string& digits) {
  int v = 0;
  for (char c : digits) {
    if (v > 100'000) return -1;  // far out of any field's range; keeps the arithmetic safe
    v = v * 10 + (c - '0');
  }
  return v;
}

// One match of a built-in date pattern: its captures (an unset one did not take part).
class DateMatch {
 public:
  bool matched(size_t group) const { return groups_[group].data() != nullptr; }
  std::string str(size_t group) const { return std::string(groups_[group].data(), groups_[group].size()); }
  re2::StringPiece* data() { return groups_.data(); }

 private:
  std::array<re2::StringPiece, 10> groups_;  // the whole match and up to 9 captures
};

std::optional<TimeOfDay> TimeFrom(const DateMatch& m, size_t first_group) {
  TimeOfDay t;
  if (!m.matched(first_group)) return TimeOfDay{};
  t.hour = ToInt(m.str(first_group));
  t.minute = ToInt(m.str(first_group + 1));
  t.second = m.matched(first_group + 2) ? ToInt(m.str(first_group + 2)) : 0;
  if (!ValidTime(t)) return std::nullopt;
  return t;
}

// "十二" -> 12, "两" -> 2, "3" -> 3; 0 when not a number we read.
int SmallNumber(const std::string& s) {
  if (!s.empty() && IsDigit(s[0])) return ToInt(s);
  static const std::array<std::string_view, 11> kDigits = {"零", "一", "二", "三", "四", "五",
                                                          "六", "七", "八", "九", "十"};
  auto digit_at = [&](size_t pos, size_t* len) -> int {
    if (s.compare(pos, 3, "两") == 0) {
      *len = 3;
      return 2;
    }
    for (size_t d = 0; d < 10; ++d) {
      if (s.compare(pos, kDigits[d].size(), kDigits[d]) == 0) {
        *len = kDigits[d].size();
        return static_cast<int>(d);
      }
    }
    return -1;
  };
  int tens = 0, units = 0;
  size_t pos = 0, len = 0;
  int first = digit_at(pos, &len);
  if (first >= 0) pos += len;
  if (s.compare(pos, 3, "十") == 0) {
    tens = first >= 0 ? first : 1;
    pos += 3;
    int second = pos < s.size() ? digit_at(pos, &len) : 0;
    if (second < 0) return 0;
    units = second;
    if (pos < s.size()) pos += len;
  } else {
    units = first;
  }
  if (pos != s.size() || units < 0) return 0;
  return tens * 10 + units;
}

// Patterns over the normalized text (ASCII digits). They match bytes (RE2's Latin-1 mode, as std::regex
// over char did before), so a quantifier after a Chinese character must wrap it in a group: `日?` would
// make only its last UTF-8 byte optional. `\s` is widened to std::regex's set (RE2's lacks \v).
//
// Where the old patterns said "not followed by" ((?![0-9])) they now capture the next character
// (`([0-9]?)`, the check group) and a match counts only when that capture is empty; a back-reference
// (\2) became a second capture that must equal the first. A match that fails its check is not the
// answer, and the search goes on from the next start, as std::regex's did. This keeps the old answers
// because a checked digit run can only end where the run of digits ends: when the greedy parse from a
// start fails its check, every parse from that start does.
class DateMatcher {
 public:
  // `groups`: the pattern's capture count; `check_group`: a capture that must be empty (0: none);
  // `same_as`: two captures that must be equal ({0, 0}: none).
  DateMatcher(std::string_view pattern, int groups, int check_group, std::pair<int, int> same_as = {0, 0})
      : re_(std::make_unique<const RE2>(WidenSpaces(pattern), Options())),
        groups_(groups),
        check_group_(check_group),
        same_as_(same_as) {}

  // The first match (leftmost start) that passes the checks.
  bool Search(std::string_view s, DateMatch* m) const {
    const re2::StringPiece text(s.data(), s.size());
    size_t pos = 0;
    while (pos <= s.size() && re_->Match(text, pos, s.size(), RE2::UNANCHORED, m->data(), groups_ + 1)) {
      const bool next_ok = check_group_ == 0 || m->str(check_group_).empty();
      const bool same_ok = same_as_.first == 0 || m->str(same_as_.first) == m->str(same_as_.second);
      if (next_ok && same_ok) return true;
      pos = static_cast<size_t>(m->data()[0].data() - text.data()) + 1;
    }
    return false;
  }

 private:
  static RE2::Options Options() {
    RE2::Options o;
    o.set_encoding(RE2::Options::EncodingLatin1);
    o.set_log_errors(false);
    return o;
  }
  static std::string WidenSpaces(std::string_view pattern) {
    std::string out;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern.substr(i, 2) == "\\s") {
        out += "[\\t\\n\\v\\f\\r ]";
        ++i;
      } else {
        out += pattern[i];
      }
    }
    return out;
  }

  std::unique_ptr<const RE2> re_;
  int groups_;
  int check_group_;
  std::pair<int, int> same_as_;
};

// Y-M-D with a 4-digit year, separators - / . or 年月日, optional time and ISO offset.
// 1 year, 2 month, 3 day, 4 the character after the day (check), 5-7 time, 8 offset.
const DateMatcher& FullDatePattern() {
  static const DateMatcher re(
      R"((?:^|[^0-9])([0-9]{4})\s*(?:-|/|\.|年)\s*([0-9]{1,2})\s*(?:-|/|\.|月)\s*([0-9]{1,2})([0-9]?)\s*(?:日)?)"
      R"((?:(?:\s*|T)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?(?:\.[0-9]+)?\s*(Z|[+-][0-9]{2}:?[0-9]{2})?)?)",
      8, 4);
  return re;
}
// "3天前", "半小时前", "两个月前", "5 分钟前".
const DateMatcher& AgoPattern() {
  static const DateMatcher re(
      R"(([0-9]+|半|(?:一|二|两|三|四|五|六|七|八|九|十)+)\s*(秒钟|秒|分钟|分|个小时|个钟头|小时|天|日|周|星期|个星期|个月|月|年)\s*(?:以前|之前|前))",
      2, 0);
  return re;
}
const DateMatcher& DayWordPattern() {
  static const DateMatcher re(R"((今天|今日|昨天|昨日|前天)\s*(?:([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?)", 4, 0);
  return re;
}
// YY-MM-DD: only the - / . forms, exactly two digits in the year, one separator twice.
// 1 year, 2 separator, 3 month, 4 separator (same as 2), 5 day, 6 the character after (check), 7-9 time.
const DateMatcher& ShortYearPattern() {
  static const DateMatcher re(
      R"((?:^|[^0-9\-/.])([0-9]{2})([-/.])([0-9]{1,2})([-/.])([0-9]{1,2})([0-9\-/.]?))"
      R"((?:\s+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?)",
      9, 6, {2, 4});
  return re;
}
// M-D or M月D日 without a year, optional time. 1 month, 2 day, 3 the character after (check), 4-6 time.
const DateMatcher& MonthDayPattern() {
  static const DateMatcher re(
      R"((?:^|[^0-9\-/.:])([0-9]{1,2})\s*(?:-|/|月)\s*([0-9]{1,2})([0-9\-/.]?)\s*(?:日)?)"
      R"((?:\s*([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?)",
      6, 3);
  return re;
}
// 1-3 time, 4 the character after (check).
const DateMatcher& TimeOnlyPattern() {
  static const DateMatcher re(R"((?:^|[^0-9:])([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?([0-9:]?))", 4, 4);
  return re;
}

}  // namespace

std::optional<std::string> ParseDateInZone(std::string_view raw, TimePoint now, const date::time_zone* zone,
                                           bool with_time) {
  using namespace std::chrono;
  if (zone == nullptr) return std::nullopt;
  const std::string s = NormalizeForValues(raw);
  const auto now_sys = floor<seconds>(now);
  const LocalSeconds local_now = zone->to_local(now_sys);
  const date::local_days today = date::floor<date::days>(local_now);
  DateMatch m;

  if (FullDatePattern().Search(s, &m)) {
    auto ymd = MakeDate(ToInt(m.str(1)), ToInt(m.str(2)), ToInt(m.str(3)));
    int year = ToInt(m.str(1));
    if (!ymd || year < 1900 || year > 2199) return std::nullopt;
    auto tod = TimeFrom(m, 5);
    if (!tod) return std::nullopt;
    LocalSeconds local = At(date::local_days{*ymd}, *tod);
    if (m.matched(8)) {  // an explicit offset: the wall time is in that offset, not in the site's zone
      std::string off = m.str(8);
      seconds offset{0};
      if (off != "Z") {
        std::string digits;
        for (char c : off) {
          if (IsDigit(c)) digits.push_back(c);
        }
        int hh = ToInt(digits.substr(0, 2)), mm = ToInt(digits.substr(2, 2));
        if (hh > 14 || mm > 59) return std::nullopt;
        offset = hours{hh} + minutes{mm};
        if (off[0] == '-') offset = -offset;
      }
      date::sys_seconds sys{local.time_since_epoch() - offset};
      local = zone->to_local(sys);
    }
    return Format(local, zone, with_time);
  }

  if (s.find("刚刚") != std::string::npos || s.find("刚才") != std::string::npos) {
    return Format(local_now, zone, with_time);
  }
  if (AgoPattern().Search(s, &m)) {
    const std::string amount = m.str(1);
    const std::string unit = m.str(2);
    const bool half = amount == "半";
    const int n = half ? 0 : SmallNumber(amount);
    if (!half && n <= 0 && amount != "0") return std::nullopt;
    auto span_of = [&](seconds one) { return half ? one / 2 : one * n; };
    if (unit == "个月" || unit == "月" || unit == "年") {
      // Calendar arithmetic on the local date: "1个月前" on 03-31 is 02-28 (clamped), not 03-03.
      int months = unit == "年" ? (half ? 6 : 12 * n) : (half ? 0 : n);
      if (months > 12 * 200) return std::nullopt;  // no page is two centuries old; keeps year arithmetic in range
      date::year_month_day ymd{today};
      auto shifted = date::year_month{ymd.year(), ymd.month()} - date::months{months};
      date::day d = std::min(ymd.day(), date::year_month_day_last{shifted.year(),
                                                                 date::month_day_last{shifted.month()}}.day());
      date::local_days day{shifted.year() / shifted.month() / d};
      if (half && unit != "年") day -= date::days{15};
      return Format(day + (local_now - today), zone, with_time);
    }
    seconds span{0};
    if (unit == "秒" || unit == "秒钟") span = span_of(seconds{1});
    else if (unit == "分" || unit == "分钟") span = span_of(minutes{1});
    else if (unit == "小时" || unit == "个小时" || unit == "个钟头") span = span_of(hours{1});
    else if (unit == "天" || unit == "日") span = span_of(hours{24});
    else span = span_of(hours{24 * 7});  // 周, 星期, 个星期
    return Format(zone->to_local(now_sys - span), zone, with_time);
  }
  if (DayWordPattern().Search(s, &m)) {
    const std::string word = m.str(1);
    int back = (word == "今天" || word == "今日") ? 0 : (word == "前天" ? 2 : 1);
    auto tod = TimeFrom(m, 2);
    if (!tod) return std::nullopt;
    return Format(At(today - date::days{back}, *tod), zone, with_time);
  }
  if (ShortYearPattern().Search(s, &m)) {
    // Two-digit years are read as 20YY and only when that is not in the future; anything else is
    // too ambiguous ("12-02-28" from 1912? a US month-first date?) to guess.
    auto ymd = MakeDate(2000 + ToInt(m.str(1)), ToInt(m.str(3)), ToInt(m.str(5)));
    if (!ymd) return std::nullopt;
    auto tod = TimeFrom(m, 7);
    if (!tod) return std::nullopt;
    LocalSeconds local = At(date::local_days{*ymd}, *tod);
    if (local > local_now) return std::nullopt;
    return Format(local, zone, with_time);
  }
  if (MonthDayPattern().Search(s, &m)) {
    const int month = ToInt(m.str(1)), day = ToInt(m.str(2));
    auto tod = TimeFrom(m, 4);
    if (!tod || !MakeDate(2000, month, day)) return std::nullopt;  // 2000 is a leap year: 02-29 is possible
    // The most recent such date not after now (a listing shows "02-28" for this year's or, in January,
    // last year's). Feb 29 walks back to the last leap year.
    int year = static_cast<int>(date::year_month_day{today}.year());
    for (int back = 0; back < 9; ++back, --year) {
      auto ymd = MakeDate(year, month, day);
      if (!ymd) continue;
      LocalSeconds local = At(date::local_days{*ymd}, *tod);
      bool after_now = m.matched(4) ? local > local_now : date::local_days{*ymd} > today;
      if (!after_now) return Format(local, zone, with_time);
    }
    return std::nullopt;
  }
  if (TimeOnlyPattern().Search(s, &m)) {
    auto tod = TimeFrom(m, 1);
    if (!tod) return std::nullopt;
    LocalSeconds local = At(today, *tod);
    if (local > local_now) local -= date::days{1};  // "23:50" seen at 00:10 is yesterday's
    return Format(local, zone, with_time);
  }
  return std::nullopt;
}

std::optional<std::string> ParseDate(std::string_view text, TimePoint now, std::string_view time_zone,
                                     bool with_time) {
  const date::time_zone* zone = LocateZone(time_zone);
  if (zone == nullptr) return std::nullopt;
  try {
    return ParseDateInZone(text, now, zone, with_time);
  } catch (const std::exception&) {  // date arithmetic out of the library's range
    return std::nullopt;
  }
}

std::optional<int64_t> ParseEpochSeconds(std::string_view raw, EpochUnit unit) {
  const std::string s = NormalizeForValues(raw);
  const std::string_view text = TrimAsciiWhitespace(s);
  // Only digits, with an optional fraction that is dropped ("1714960000.123" from a JSON float): a
  // timestamp is never a word away from other text, and "1714960000阅读" is not a time.
  size_t digits = 0;
  while (digits < text.size() && IsDigit(text[digits])) ++digits;
  if (digits == 0 || digits > 16) return std::nullopt;  // 16 digits of ms reach the year 318857
  if (digits < text.size()) {
    if (text[digits] != '.' || digits + 1 == text.size()) return std::nullopt;
    for (size_t i = digits + 1; i < text.size(); ++i) {
      if (!IsDigit(text[i])) return std::nullopt;
    }
  }
  int64_t value = 0;
  for (size_t i = 0; i < digits; ++i) value = value * 10 + (text[i] - '0');
  // By magnitude: 10^11 seconds is the year 5138, 10^11 milliseconds is 1973-03-03; pages print
  // 10-digit seconds and 13-digit milliseconds.
  const bool millis = unit == EpochUnit::kMilliseconds || (unit == EpochUnit::kAuto && value >= 100'000'000'000);
  const int64_t seconds = millis ? value / 1000 : value;
  if (seconds > 253'402'300'799) return std::nullopt;  // after 9999-12-31T23:59:59Z
  return seconds;
}

std::optional<std::string> FormatEpochInZone(int64_t seconds, const date::time_zone* zone, bool with_time) {
  if (zone == nullptr) return std::nullopt;
  try {
    const date::sys_seconds sys{std::chrono::seconds{seconds}};
    return Format(zone->to_local(sys), zone, with_time);
  } catch (const std::exception&) {  // out of the tz library's range
    return std::nullopt;
  }
}

std::optional<bool> ParseBool(std::string_view raw) {
  const std::string word = AsciiLowered(TrimAsciiWhitespace(NormalizeForValues(raw)));
  for (std::string_view w : {"true", "yes", "y", "on", "1", "是", "有", "对"}) {
    if (word == w) return true;
  }
  for (std::string_view w : {"false", "no", "n", "off", "0", "否", "无", "没有", "不是"}) {
    if (word == w) return false;
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> ParseDuration(std::string_view text) {
  std::chrono::seconds total{0};
  size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    int64_t n = 0;
    size_t start = i;
    while (i < text.size() && IsDigit(text[i])) {
      n = n * 10 + (text[i] - '0');
      if (n > 100'000'000) return std::nullopt;
      ++i;
    }
    if (i == start || i == text.size()) return std::nullopt;
    int64_t unit = 0;
    switch (text[i]) {
      case 's': unit = 1; break;
      case 'm': unit = 60; break;
      case 'h': unit = 3600; break;
      case 'd': unit = 86400; break;
      case 'w': unit = 7 * 86400; break;
      default: return std::nullopt;
    }
    ++i;
    total += std::chrono::seconds{n * unit};
    if (total > std::chrono::hours{24 * 366 * 100}) return std::nullopt;  // a century is not a revisit interval
  }
  if (total.count() == 0) return std::nullopt;
  return total;
}

}  // namespace hc::extract
