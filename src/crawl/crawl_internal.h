// Internal to src/crawl: the bounded queue that joins the crawl engine's stages, the table of links
// already sent to the writer, and the progress display.
//
// Thread-safety: BoundedQueue is internally synchronized (many producers, many consumers); SentLinks
// may be used from any thread.
// ProgressDisplay is used by the fetch loop's thread only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crawl/crawl.h"
#include "store/dataset.h"
#include "store/frontier.h"

namespace hc::crawl::internal {

// A FIFO with a capacity in items and in bytes (each item's size is given by its producer). Push
// blocks while the queue is full, which is how a slow stage holds back the one before it; Close wakes
// everyone and makes Pop return nullopt once the queue is drained. The byte budget is what bounds
// memory: one page of 300,000 links weighs as much as thousands of ordinary ones. An item larger than
// the whole budget still enters an empty queue, so nothing waits forever.
template <typename T>
class BoundedQueue {
 public:
  // capacity_bytes 0: no byte budget.
  explicit BoundedQueue(std::size_t capacity, std::size_t capacity_bytes = 0)
      : capacity_(capacity == 0 ? 1 : capacity), capacity_bytes_(capacity_bytes) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // False when the queue was closed (the item is dropped).
  bool Push(T item, std::size_t bytes = 0) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || HasRoom(bytes); });
    if (closed_) return false;
    items_.emplace_back(std::move(item), bytes);
    bytes_ += bytes;
    not_empty_.notify_one();
    return true;
  }

  // The next item; waits at most `wait`. nullopt on timeout, or when closed and drained.
  std::optional<T> Pop(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    if (!not_empty_.wait_for(lock, wait, [&] { return closed_ || !items_.empty(); })) return std::nullopt;
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front().first);
    bytes_ -= items_.front().second;
    items_.pop_front();
    not_full_.notify_all();  // a freed byte budget may admit several small items
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
  std::size_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }
  std::size_t capacity() const { return capacity_; }
  std::size_t capacity_bytes() const { return capacity_bytes_; }

 private:
  bool HasRoom(std::size_t bytes) const {
    if (items_.empty()) return true;
    if (items_.size() >= capacity_) return false;
    return capacity_bytes_ == 0 || bytes_ + bytes <= capacity_bytes_;
  }

  const std::size_t capacity_;
  const std::size_t capacity_bytes_;
  mutable std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<std::pair<T, std::size_t>> items_;
  std::size_t bytes_ = 0;
  bool closed_ = false;
};

// Bytes of work in progress shared by threads: Acquire(n) waits until n more fit in the budget (or
// nothing is in progress, so that one item larger than the budget still goes through alone).
class ByteBudget {
 public:
  explicit ByteBudget(std::size_t budget) : budget_(budget) {}
  ByteBudget(const ByteBudget&) = delete;
  ByteBudget& operator=(const ByteBudget&) = delete;

  void Acquire(std::size_t bytes) {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [&] { return budget_ == 0 || in_use_ == 0 || in_use_ + bytes <= budget_; });
    in_use_ += bytes;
  }
  void Release(std::size_t bytes) {
    std::lock_guard lock(mu_);
    in_use_ -= bytes;
    freed_.notify_all();
  }

 private:
  const std::size_t budget_;  // 0: unbounded
  std::mutex mu_;
  std::condition_variable freed_;
  std::size_t in_use_ = 0;
};

// The links this run already sent to the writer, remembered as 64-bit hashes in a direct-mapped table
// (a new key takes its slot's place). A link found on thousands of pages (navigation, "hot" lists) then
// costs the writer one insert instead of thousands. Forgetting a key is harmless (the frontier's unique
// (site, url_key) drops the repeat); a key wrongly taken as seen needs two keys with the same 64-bit hash.
//
// The table's memory is reserved for `max_slots` (8 bytes a slot) but only the slots in use are touched:
// it starts at kInitialSlots and doubles once more than a quarter of its slots are filled (fuller, two
// keys sharing a slot push each other out more often), up to max_slots. The memory comes zeroed from the
// kernel (calloc of a large block is an untouched anonymous mapping), so a crawl of a few thousand links
// keeps a few hundred KB resident instead of 8 MB, and a crawl of millions is bounded by max_slots as
// before. Doubling splits the table in place (a key stays in slot i or moves to i + the old size), so
// growing forgets nothing.
// Thread-safe: a mutex per call (parse workers offer a few hundred links a page; uncontended).
class SentLinks {
 public:
  static constexpr std::size_t kInitialSlots = std::size_t{1} << 13;

  explicit SentLinks(std::size_t max_slots);
  SentLinks(const SentLinks&) = delete;
  SentLinks& operator=(const SentLinks&) = delete;

  // True unless `key` was offered before and is still remembered; remembers it.
  bool FirstTime(std::string_view key);

  // The slots in use now (a power of two, at most max_slots rounded up to one).
  std::size_t slots() const;

 private:
  struct FreeSlots {
    void operator()(uint64_t* p) const;
  };
  void Double();  // mu_ held

  mutable std::mutex mu_;
  std::unique_ptr<uint64_t[], FreeSlots> slots_;
  const uint64_t max_mask_;
  uint64_t mask_;
  std::size_t filled_ = 0;  // slots in use that hold a key
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

// The fetcher options a crawl runs with: `base` with the site config's request settings (user agent,
// headers, cookie jar, proxy) and then the command line's or job's overrides on top (request_log.cc).
net::FetcherOptions RequestFetcherOptions(net::FetcherOptions base, const extract::SiteConfig& config,
                                          const CrawlOptions::RequestOverrides& overrides);

// What the per-URL debug line says about a fetch (request_log.cc); kept from the response until the
// writer has stored the URL's outcome.
struct FetchNote {
  std::string url;
  int status = 0;
  int64_t bytes = 0;
  int64_t ms = 0;
};

// One debug line per URL once its outcome is stored: "crawl SITE" with its URL, status, bytes, ms, outcome
// (stored, unchanged, failed, redirected) and why (the failure reason or redirect target). `fetch` is
// null for a URL that was never requested (one robots.txt disallows).
void LogUrlOutcome(const std::string& site, const store::UrlOutcome& outcome, const store::PageObservation* page,
                   const FetchNote* fetch);

}  // namespace hc::crawl::internal
