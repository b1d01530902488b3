#include "core/clock.h"

#include <date/date.h>

#include <sstream>

namespace hc {

std::string FormatUtc(TimePoint t) {
  using namespace std::chrono;
  const auto secs = floor<seconds>(t);
  const auto day = floor<date::days>(secs);
  const date::year_month_day ymd(day);
  const int year = static_cast<int>(ymd.year());
  // The writer formats a few timestamps a page: digits by hand, as date::format would print them
  // (it goes through an ostringstream, about 1 us each). A TimePoint's years (64-bit nanoseconds:
  // 1677 to 2262) always have four digits.
  const date::hh_mm_ss<seconds> hms(secs - day);
  char out[] = "0000-00-00T00:00:00Z";
  const auto put = [&out](int at, int value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  put(5, static_cast<int>(static_cast<unsigned>(ymd.month())), 2);
  put(8, static_cast<int>(static_cast<unsigned>(ymd.day())), 2);
  put(11, static_cast<int>(hms.hours().count()), 2);
  put(14, static_cast<int>(hms.minutes().count()), 2);
  put(17, static_cast<int>(hms.seconds().count()), 2);
  return std::string(out, sizeof(out) - 1);
}

bool ParseIso8601(const std::string& text, TimePoint* out) {
  using namespace std::chrono;
  // Most specific first; %Ez accepts "+08:00", and a literal Z is tried separately.
  static const char* kFormats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%Ez", "%Y-%m-%dT%H:%MZ",
                                   "%Y-%m-%dT%H:%M%Ez", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"};
  for (const char* fmt : kFormats) {
    std::istringstream in(text);
    date::sys_seconds tp;
    in >> date::parse(fmt, tp);
    if (!in.fail() && in.peek() == std::char_traits<char>::eof()) {
      *out = tp;
      return true;
    }
  }
  return false;
}

}  // namespace hc
