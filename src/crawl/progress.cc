// The crawl's progress line and the summary helpers: retry backoff and failure categories.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "crawl/crawl.h"
#include "crawl/crawl_internal.h"

namespace hc::crawl {
namespace internal {

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long total = std::lround(seconds);
  char buf[32];
  if (total >= 3600) {
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", total / 3600, (total % 3600) / 60);
  } else if (total >= 60) {
    std::snprintf(buf, sizeof buf, "%ldm%02lds", total / 60, total % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%lds", total);
  }
  return buf;
}

std::string FormatProgress(const ProgressSnapshot& s) {
  const double rate = s.seconds > 0 ? static_cast<double>(s.done) / s.seconds : 0.0;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%lld pages (%.1f/s), %lld failed, queue %lld, in flight %lld, %.1f MiB",
                static_cast<long long>(s.done), rate, static_cast<long long>(s.failed),
                static_cast<long long>(s.queued), static_cast<long long>(s.in_flight),
                static_cast<double>(s.bytes) / (1024.0 * 1024.0));
  std::string out = buf;
  if (s.target > 0) {
    out += ", " + std::to_string(s.done) + "/" + std::to_string(s.target);
    if (rate > 0 && s.done < s.target) out += ", ETA " + FormatDuration(static_cast<double>(s.target - s.done) / rate);
  }
  return out;
}

}  // namespace internal

std::chrono::milliseconds RetryBackoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max,
                                       double jitter) {
  if (attempt < 1) attempt = 1;
  double ms = static_cast<double>(base.count()) * std::pow(2.0, std::min(attempt - 1, 30));
  ms = std::min(ms, static_cast<double>(max.count()));
  if (jitter < 0) jitter = 0;
  if (jitter >= 1) jitter = 0.999;
  ms *= 1.0 + 0.5 * jitter;
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::chrono::milliseconds RobotsHoldWait(int hold, std::chrono::milliseconds first, std::chrono::milliseconds max) {
  const double ms = static_cast<double>(first.count()) * std::pow(2.0, std::clamp(hold, 0, 30));
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(ms, static_cast<double>(max.count()))));
}

std::string_view RunOutcome(const CrawlReport& report) {
  if (report.interrupted) return "interrupted";
  if (report.unreachable) return "unreachable";
  if (report.completed() == 0 && !report.dataset_limit_reached) {
    return report.frontier.queued > 0 ? "waiting" : "nothing due";
  }
  if (report.drift.degraded()) return "degraded";
  return "ok";
}

bool RunOutcomeFailed(std::string_view outcome) {
  return outcome == "unreachable" || outcome == "waiting" || outcome == "failed";
}

double CrawlReport::pages_per_second() const {
  const double s = elapsed.count();
  return s > 0 ? static_cast<double>(stored + pages_unchanged + failed) / s : 0.0;
}

}  // namespace hc::crawl
