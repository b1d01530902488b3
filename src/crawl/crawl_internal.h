// Internal to src/crawl: the bounded queue that joins the crawl engine's stages, and the progress
// display.
//
// Thread-safety: BoundedQueue is internally synchronized (many producers, many consumers).
// ProgressDisplay is used by the fetch loop's thread only.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/store.h"

namespace hc::crawl::internal {

// A FIFO with a capacity. Push blocks while the queue is full, which is how a slow stage holds back
// the one before it; Close wakes everyone and makes Pop return nullopt once the queue is drained.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // False when the queue was closed (the item is dropped).
  bool Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // The next item; waits at most `wait`. nullopt on timeout, or when closed and drained.
  std::optional<T> Pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); })) return std::nullopt;
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  bool closed_and_drained() const {
    std::lock_guard lock(mu_);
    return closed_ && items_.empty();
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }
  std::size_t capacity() const { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;
  bool closed_ = false;
};

// What the progress display shows.
struct ProgressSnapshot {
  int64_t done = 0;        // URLs completed this run (stored or failed)
  int64_t failed = 0;
  int64_t queued = 0;      // queued in the frontier
  int64_t in_flight = 0;   // transfers running
  int64_t bytes = 0;
  int64_t target = 0;      // pages this run may complete; 0 when unbounded
  double seconds = 0;      // since the run started
};

// "1234 pages (12.3/s), 5 failed, queue 4567, in flight 2, 12.5 MiB, ETA 3m05s"
std::string FormatProgress(const ProgressSnapshot& s);
// "1h02m", "3m05s", "42s"
std::string FormatDuration(double seconds);

// The value of the first header named `name` (ASCII case-insensitive), "" when absent.
std::string HeaderValue(const store::Headers& headers, std::string_view name);

}  // namespace hc::crawl::internal
