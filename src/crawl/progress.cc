// The crawl's progress line and the summary helpers: retry backoff and failure categories.
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

std::string FailureCategory(std::string_view reason) {
  auto upto = [&](size_t colons) {
    size_t pos = 0;
    for (size_t i = 0; i < colons; ++i) {
      pos = reason.find(':', pos);
      if (pos == std::string_view::npos) return std::string(reason);
      ++pos;
    }
    return std::string(reason.substr(0, pos - 1));
  };
  if (reason.starts_with("network: ") || reason.starts_with("extract: ")) return upto(2);
  if (reason.starts_with("robots: disallowed")) return "robots: disallowed";
  if (reason.starts_with("redirect: off-site")) return "redirect: off-site";
  if (reason.starts_with("redirect: too many")) return "redirect: too many";
  if (reason.starts_with("redirect: not an http(s) URL")) return "redirect: not an http(s) URL";
  if (reason.starts_with("content type: ")) return "content type";
  if (reason.starts_with("parse: ")) return "parse";
  return std::string(reason);
}

double CrawlReport::pages_per_second() const {
  const double s = elapsed.count();
  return s > 0 ? static_cast<double>(stored + pages_unchanged + failed) / s : 0.0;
}

}  // namespace hc::crawl
