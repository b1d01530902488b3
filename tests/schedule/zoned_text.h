// Test support for the schedule tests: instants written and printed as RFC 3339 text with the offset
// of a named zone, so a table row shows the wall-clock time a reader checks against a calendar.
#pragma once

#include <date/tz.h>
#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"

namespace hc::schedule::testing {

inline const date::time_zone* Zone(const std::string& name) { return date::locate_zone(name); }

// "2026-03-08T01:30:00-05:00" -> the instant; fails the test on text ParseIso8601 rejects.
inline TimePoint At(const std::string& text) {
  TimePoint t;
  EXPECT_TRUE(ParseIso8601(text, &t)) << "bad test time " << text;
  return t;
}

// The instant as local time in `zone` with that moment's offset: "2026-03-08T03:00:00-04:00".
inline std::string InZone(TimePoint t, const date::time_zone* zone) {
  if (t == TimePoint::max()) return "never";
  auto zoned = date::make_zoned(zone, std::chrono::floor<std::chrono::seconds>(t));
  return date::format("%Y-%m-%dT%H:%M:%S%Ez", zoned);
}

}  // namespace hc::schedule::testing
