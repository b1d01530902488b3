// Revisit intervals for incremental recrawls: Nutch's AdaptiveFetchSchedule
// (org.apache.nutch.crawl.AdaptiveFetchSchedule) with its default rates. A page found unchanged waits
// 40% longer before the next visit, a changed one 20% less, always within the page type's
// revisit {min, max}. Nutch's optional "sync delta" (moving the next visit towards the estimated change
// time) is left out: it needs the change time, which a page rarely states.
#include <algorithm>
#include <chrono>
#include <cmath>

#include "crawl/crawl.h"

namespace hc::crawl {

namespace {
constexpr double kIncreaseRate = 0.4;  // Nutch db.fetch.schedule.adaptive.inc_rate
constexpr double kDecreaseRate = 0.2;  // Nutch db.fetch.schedule.adaptive.dec_rate
}  // namespace

std::chrono::milliseconds NextRevisit(const extract::RevisitPolicy& policy, std::chrono::milliseconds previous,
                                      store::PageChange change) {
  using std::chrono::milliseconds;
  const milliseconds interval = std::chrono::duration_cast<milliseconds>(policy.interval);
  if (interval.count() <= 0) return milliseconds(0);
  if (change == store::PageChange::kGone || change == store::PageChange::kNone) return milliseconds(0);
  const milliseconds lo = policy.min.count() > 0 ? std::chrono::duration_cast<milliseconds>(policy.min) : interval;
  const milliseconds hi = std::max(lo, policy.max.count() > 0 ? std::chrono::duration_cast<milliseconds>(policy.max)
                                                              : interval);
  double next = static_cast<double>(previous.count() > 0 ? previous.count() : interval.count());
  switch (change) {
    case store::PageChange::kNew: next = static_cast<double>(interval.count()); break;
    case store::PageChange::kUnchanged: next *= 1.0 + kIncreaseRate; break;
    case store::PageChange::kChanged: next *= 1.0 - kDecreaseRate; break;
    default: break;
  }
  const auto ms = static_cast<milliseconds::rep>(std::llround(next));
  return std::clamp(milliseconds(ms), lo, hi);
}

}  // namespace hc::crawl
