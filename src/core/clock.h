// Clock: the one source of "now" for the crawler, the extractor (relative dates such as "3天前" are
// resolved against the fetch time) and the scheduler. Injected so tests run on a fixed or stepped clock.
//
// Thread-safety: SystemClock is stateless; FakeClock is safe to read and advance from many threads.
#pragma once

#include <atomic>
#include <chrono>
#include <string>

namespace hc {

using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
};

// A clock that only moves when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start) : now_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(TimePoint::duration(now_.load())); }
  void Set(TimePoint t) { now_.store(t.time_since_epoch().count()); }
  void Advance(TimePoint::duration d) { now_.fetch_add(d.count()); }

 private:
  std::atomic<TimePoint::duration::rep> now_;
};

// RFC 3339 / ISO 8601 in UTC with second precision: "2026-02-28T06:30:00Z".
std::string FormatUtc(TimePoint t);
// Parses what FormatUtc writes, and also "YYYY-MM-DD" (midnight UTC) and offsets like "+08:00".
// Returns false on anything else.
bool ParseIso8601(const std::string& text, TimePoint* out);

}  // namespace hc
