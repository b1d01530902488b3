#include "core/clock.h"

#include <date/date.h>

#include <sstream>

namespace hc {

std::string FormatUtc(TimePoint t) {
  return date::format("%Y-%m-%dT%H:%M:%SZ", std::chrono::floor<std::chrono::seconds>(t));
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
