// Internal to src/crawl: OriginPacer, the politeness decision for one origin (scheme, host and port):
// when the next request to it may start (docs/crawling.md, "Politeness").
//
//  * At most `concurrency` requests are in flight at once.
//  * Two requests start at least `delay` apart, start to start, whatever the concurrency: the delay
//    bounds the rate (at most 1/delay requests a second), the concurrency only lets a server that
//    answers slower than the delay have more than one request at a time. With concurrency 1 and a
//    server that answers in less than the delay, requests start exactly `delay` apart.
//  * The delay is the larger of the configured one and robots.txt's Crawl-delay (capped).
//  * A hold (the server's Retry-After, or an unreachable robots.txt's backoff) stops every start until
//    it ends.
//  * A reservation (a start slot the crawl's processes share, store/host_pace.h): once the pacer would
//    let a request start, the crawl may reserve the origin's next slot for the whole cluster; when that
//    slot is later, Reserve() holds the next start until it comes, and that start uses it.
//
// The pacer only decides; it never waits. The crawl loop asks NextStart() for the moment to wake up and
// MayStart() whether to send now, and reports Started() (it hands a request to libcurl), Sent() (libcurl
// has begun it: the next start counts from then) and Finished(). Time comes from the Clock it is given:
// the engine's MonotonicClock (below), a FakeClock in tests.
//
// Thread-safety: none; an OriginPacer belongs to the fetch loop's thread.
#pragma once

#include <chrono>
#include <optional>

#include "core/clock.h"

namespace hc::crawl::internal {

using Duration = TimePoint::duration;

// steady_clock's reading as a Clock, for intervals only: its time points count from an arbitrary epoch
// (boot), not from 1970. Politeness runs on it rather than the wall clock because it never jumps, so a
// clock step (NTP, a resumed VM) can neither stall the requests nor send a burst of them.
class MonotonicClock final : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
  }
};

// Seconds (a configured delay, a Crawl-delay) as a Duration: negative and NaN are 0, and anything
// above 100 years is 100 years, so that no value overflows a time point.
Duration SecondsAsDuration(double seconds);

class OriginPacer {
 public:
  struct Policy {
    Duration delay{};        // between the starts of two requests (--delay, politeness.delay)
    int concurrency = 1;     // requests in flight at once (--concurrency); at least 1
    Duration max_crawl_delay = std::chrono::seconds(120);  // robots.txt Crawl-delay above this is capped
  };

  // `clock` must outlive the pacer.
  OriginPacer(const Clock& clock, Policy policy);

  // The earliest moment the next request may start: the last start plus the delay, or the end of a
  // hold when that is later (a moment already past when nothing stops a start). nullopt while
  // `concurrency` requests are in flight: then a finish, not a time, frees the next start.
  std::optional<TimePoint> NextStart() const;
  // A request may start now: a slot is free and NextStart() has come.
  bool MayStart() const;

  // A request starts now: it takes a slot, and the next start is `delay` after this one. The caller
  // decides when (it asks MayStart first, except for a robots.txt redirect hop, which follows at once).
  void Started();
  // The requests started so far have gone to the network (libcurl began them: connecting or sending):
  // the next start counts from now. A thread held up between handing a request over and its sending
  // (a loaded machine) would otherwise send the next one less than `delay` after it.
  void Sent();
  // A request ended, whatever its outcome: its slot is free again.
  void Finished();

  // robots.txt's Crawl-delay for our user agent, in seconds (nullopt: none). The delay becomes the
  // larger of the policy's and this one capped at max_crawl_delay, counted from the last start (the
  // robots.txt request itself, which counts).
  void SetCrawlDelay(std::optional<double> seconds);
  // Nothing starts before `until` (a later hold extends an earlier one; an earlier one changes nothing).
  void HoldUntil(TimePoint until);
  // The next start was reserved for `at` (a cluster's shared slot): it waits until then, and Started()
  // uses the reservation up. While one is held, reserved() is true and no other is asked for.
  void Reserve(TimePoint at) { reserved_ = at; }
  bool reserved() const { return reserved_.has_value(); }
  // The reserved slot's moment (nullopt: none), and forgetting it (a slot missed: the caller was held up
  // past it, so the next process's slot may be close; the caller reserves another).
  std::optional<TimePoint> reserved_at() const { return reserved_; }
  void DropReservation() { reserved_.reset(); }

  Duration delay() const { return delay_; }
  // The end of the latest hold; TimePoint::min() when there was none.
  TimePoint held_until() const { return held_until_; }
  int in_flight() const { return in_flight_; }

 private:
  const Clock& clock_;
  const Policy policy_;
  Duration delay_;
  std::optional<TimePoint> last_start_;
  TimePoint held_until_ = TimePoint::min();
  std::optional<TimePoint> reserved_;
  int in_flight_ = 0;
};

}  // namespace hc::crawl::internal
