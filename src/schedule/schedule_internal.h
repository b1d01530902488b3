// Internals of the schedule stage shared between its .cc files (not part of the API): the cron parser
// with a structured error, so the jobs-file loader can turn the error's column inside the expression
// into a column in the YAML file.
//
// Thread-safety: stateless functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "schedule/schedule.h"

namespace hc::schedule {

struct CronSyntaxError {
  int column = 0;    // 1-based, inside the expression as given (before trimming)
  std::string what;  // "field 2 (hour) \"25\": value out of range 0-23"
};

class CronParser {
 public:
  // The parsed schedule, or nullopt with *error filled in.
  static std::optional<CronSchedule> Parse(std::string_view expr, CronSyntaxError* error);
};

}  // namespace hc::schedule
