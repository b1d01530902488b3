#include "crawl/origin_pacer.h"

#include <algorithm>

namespace hc::crawl::internal {

Duration SecondsAsDuration(double seconds) {
  constexpr std::chrono::duration<double> kLongest = std::chrono::hours(24 * 365 * 100);
  if (!(seconds > 0)) return Duration::zero();  // NaN too
  if (seconds >= kLongest.count()) return std::chrono::duration_cast<Duration>(kLongest);
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

OriginPacer::OriginPacer(const Clock& clock, Policy policy)
    : clock_(clock), policy_(policy), delay_(std::max(policy.delay, Duration::zero())) {}

std::optional<TimePoint> OriginPacer::NextStart() const {
  if (in_flight_ >= std::max(1, policy_.concurrency)) return std::nullopt;
  TimePoint next = held_until_;
  if (last_start_) next = std::max(next, *last_start_ + delay_);
  if (reserved_) next = std::max(next, *reserved_);
  return next;
}

bool OriginPacer::MayStart() const {
  const std::optional<TimePoint> next = NextStart();
  return next && clock_.Now() >= *next;
}

void OriginPacer::Started() {
  ++in_flight_;
  last_start_ = clock_.Now();
  reserved_.reset();
}

void OriginPacer::Sent() {
  if (last_start_) last_start_ = std::max(*last_start_, clock_.Now());
}

void OriginPacer::Finished() {
  if (in_flight_ > 0) --in_flight_;
}

void OriginPacer::SetCrawlDelay(std::optional<double> seconds) {
  delay_ = std::max(policy_.delay, Duration::zero());
  if (seconds) delay_ = std::max(delay_, std::min(SecondsAsDuration(*seconds), policy_.max_crawl_delay));
}

void OriginPacer::HoldUntil(TimePoint until) { held_until_ = std::max(held_until_, until); }

}  // namespace hc::crawl::internal
