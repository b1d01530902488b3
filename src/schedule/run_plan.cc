// PlanRuns: the scheduler daemon's per-job decision, kept free of threads and I/O so that every policy
// case is a table row in tests/schedule/run_plan_test.cc.
#include <algorithm>
#include <chrono>
#include <optional>

#include "schedule/schedule.h"

namespace hc::schedule {
namespace {

// The last fire time in (after, now], given that one exists and `known` is one of them. Used only when
// counting stopped early: looking back from `now` through growing windows finds it without walking
// the whole (possibly years long) window minute by minute.
TimePoint LatestFireTime(const JobSpec& job, TimePoint known, TimePoint now) {
  using std::chrono::hours;
  constexpr hours kWindows[] = {hours(1),        hours(24),        hours(24 * 32),
                                hours(24 * 367), hours(24 * 1462), hours(24 * 2923)};
  TimePoint from = known;
  for (hours window : kWindows) {
    TimePoint start = now - window;
    if (start <= known) break;
    if (job.NextAfter(start) <= now) {
      from = start;
      break;
    }
  }
  TimePoint latest = known;
  for (TimePoint f = job.NextAfter(from); f <= now; f = job.NextAfter(f)) latest = f;
  return latest;
}

}  // namespace

RunPlan PlanRuns(const JobSpec& job, TimePoint checked_through, TimePoint now, const PlanOptions& options) {
  RunPlan plan;
  plan.next = job.NextAfter(std::max(now, checked_through));
  if (now <= checked_through) return plan;  // nothing new, or the clock went back: re-run nothing

  std::optional<TimePoint> latest;
  int64_t due = 0;
  for (TimePoint f = job.NextAfter(checked_through); f <= now; f = job.NextAfter(f)) {
    latest = f;
    if (++due >= options.max_counted) {
      plan.skipped_is_lower_bound = true;
      latest = LatestFireTime(job, f, now);
      break;
    }
  }
  if (!latest) return plan;

  if (job.paused) {
    plan.skipped = due;
    return plan;
  }
  const bool on_time = now - *latest <= options.grace;
  switch (job.missed) {
    case MissedRunPolicy::kSkip:
      if (on_time) plan.run_for = latest;
      plan.skipped = on_time ? due - 1 : due;
      break;
    case MissedRunPolicy::kRunOnce:
      plan.run_for = latest;
      plan.catch_up = !on_time || due > 1;
      plan.skipped = due - 1;
      break;
  }
  return plan;
}

}  // namespace hc::schedule
