// Fuzzes the scheduler's inputs: schedule::ParseJobsFile over arbitrary YAML, and CronSchedule::Parse
// over the input's first line. Properties checked besides memory safety:
//   * a rejected jobs file is a kConfigError "<file>:LINE:COLUMN: ..." with LINE a line of the input
//     and COLUMN >= 1; no exception escapes;
//   * every loaded job has a resolved zone, and its next fire time after a fixed instant is later than
//     that instant (Parse rejects schedules that never fire);
//   * a cron error names a column inside the expression (1 <= column <= length + 1);
//   * NextAfter is strictly increasing along a few steps, in UTC and in a zone with DST.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "schedule/schedule.h"

namespace {

constexpr std::string_view kFile = "fuzz-jobs.yaml";
const hc::TimePoint kStart = hc::TimePoint(std::chrono::seconds(1772330400));  // 2026-03-01T02:00:00Z

long ReadNumber(const std::string& s, size_t* i) {
  long n = -1;
  while (*i < s.size() && s[*i] >= '0' && s[*i] <= '9' && n < 100000000) {
    n = (n < 0 ? 0 : n * 10) + (s[*i] - '0');
    ++*i;
  }
  return n;
}

void CheckLocation(const std::string& msg, std::string_view prefix, long max_line) {
  FUZZ_CHECK(msg.starts_with(std::string(prefix) + ":"), msg);
  size_t i = prefix.size() + 1;
  const long line = ReadNumber(msg, &i);
  FUZZ_CHECK(i < msg.size() && msg[i] == ':', msg);
  ++i;
  const long column = ReadNumber(msg, &i);
  FUZZ_CHECK(msg.compare(i, 2, ": ") == 0, msg);
  FUZZ_CHECK(line >= 1 && line <= max_line, msg);
  FUZZ_CHECK(column >= 1, msg);
}

void CheckCron(std::string_view expr) {
  auto cron = hc::schedule::CronSchedule::Parse(expr);
  if (!cron.ok()) {
    const std::string& msg = cron.status().message();
    FUZZ_CHECK(msg.starts_with("column "), msg);
    size_t i = 7;
    const long column = ReadNumber(msg, &i);
    FUZZ_CHECK(column >= 1 && static_cast<size_t>(column) <= expr.size() + 1, msg);
    return;
  }
  static const date::time_zone* utc = *hc::schedule::LocateTimeZone("UTC");
  static const date::time_zone* new_york = *hc::schedule::LocateTimeZone("America/New_York");
  for (const date::time_zone* zone : {utc, new_york}) {
    hc::TimePoint t = kStart;
    for (int step = 0; step < 4; ++step) {
      const hc::TimePoint next = cron->NextAfter(t, zone);
      FUZZ_CHECK(next > t, "NextAfter did not move forward for '" + cron->text() + "'");
      if (next == hc::schedule::kNever) break;
      t = next;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  CheckCron(yaml.substr(0, std::min<size_t>(yaml.find('\n'), 256)));

  auto jobs = hc::schedule::ParseJobsFile(yaml, kFile);
  long lines = 1;
  for (char c : yaml) lines += c == '\n';
  if (!jobs.ok()) {
    FUZZ_CHECK(jobs.status().code() == hc::StatusCode::kConfigError, jobs.status().ToString());
    CheckLocation(jobs.status().message(), kFile, lines + 1);
    return 0;
  }
  for (const hc::schedule::JobSpec& job : jobs->jobs) {
    FUZZ_CHECK(job.zone != nullptr, "job '" + job.name + "' has no zone");
    FUZZ_CHECK(job.NextAfter(kStart) > kStart, "job '" + job.name + "' never fires");
    (void)hc::schedule::ExpandExportPath(job, kStart);
  }
  return 0;
}
