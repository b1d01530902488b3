// Internal to src/crawl: the parse workers and the single store writer that the crawl engine, ingest
// and reextract share. Pages go in from one producer (the crawl's fetch loop, or a reader of files or
// of the raw archive), are parsed by N worker threads, and what they make of them is handed to one
// writer thread:
//
//   producer --Parse()--> parse queue --> N workers (ParseFn) --> write queue --> writer (WriteFn)
//            --Write()--------------------------------------------^
//
// Memory is bounded by bytes, not by page counts: the parse queue and the write queue each hold at most
// their byte budget (an item larger than a whole budget still enters an empty queue), and the workers
// parse at most `parse_bytes` of bodies at once. A producer blocks in Parse()/Write() while the next
// stage is full, so a fast reader is paced by the workers and the writer.
//
// Ordered mode (ingest, reextract): the writer receives the items in the order Parse()/Write() were
// called, whatever the order the workers finish in, so a parallel run stores exactly what a one-thread
// run stores (the same rows, the same row ids, the same "newest wins" decisions between versions of a
// page). Items that finished early wait for the ones before them; how many may be on their way at once
// is bounded too (window_items, and window_bytes of the producer's sizes), so a slow page holds the
// others back instead of letting them pile up. Unordered mode (the crawl) hands items over as they
// come: a live crawl has no order to keep, and one slow page must not hold up the writer.
//
// Thread-safety: Parse() and Write() are called from one producer thread (any thread in unordered
// mode); ParseFn runs on the workers, concurrently; WriteFn and TickFn run on the writer thread only.
#pragma once

#include <malloc.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "crawl/crawl_internal.h"

namespace hc::crawl::internal {

struct ParsePipelineOptions {
  std::size_t queue_capacity = 64;                   // items waiting per queue
  std::size_t parse_queue_bytes = 16 * 1024 * 1024;  // bodies waiting for a worker
  std::size_t write_queue_bytes = 16 * 1024 * 1024;  // parsed items waiting for the writer
  // Bodies the workers parse at once, together (a parsed tree takes 10-25 times its body; crawl.h,
  // CrawlOptions::parse_bytes). A larger body is parsed alone.
  std::size_t parse_bytes = 4 * 1024 * 1024;
  bool ordered = false;  // the writer sees items in the order given
  // Ordered mode: items given and not yet written, at most (0: 2 * queue_capacity + workers), and their
  // bytes as the producer counted them (0: parse_queue_bytes + write_queue_bytes). Either lets one item
  // through when none is on its way.
  std::size_t window_items = 0;
  std::size_t window_bytes = 0;
};

// The number of parse workers for a requested count: the count itself, or one per core for 0 (or less).
int ParseWorkerCount(int requested);

// After parsing a body this large, a worker gives freed memory back to the system (ParsePipeline).
inline constexpr std::size_t kTrimAfterBytes = 1024 * 1024;

template <typename Page, typename Item>
class ParsePipeline {
 public:
  struct Parsed {
    Item item;
    std::size_t bytes = 0;  // what the item holds in memory, near enough (the write queue's budget)
  };
  // On a worker: the page (`worker` is 0..workers-1) made into the writer's item, or nothing.
  using ParseFn = std::function<std::optional<Parsed>(int worker, Page& page)>;
  // On the writer thread, once per item, in order in ordered mode.
  using WriteFn = std::function<void(Item& item)>;
  // On the writer thread: after each item, at least every 100 ms while no item comes, and once more
  // (last = true) after the last item was written (a writer commits its batch there).
  using TickFn = std::function<void(bool last)>;

  ParsePipeline(const ParsePipelineOptions& options, ParseFn parse, WriteFn write, TickFn tick)
      : options_(options),
        parse_(std::move(parse)),
        write_(std::move(write)),
        tick_(std::move(tick)),
        parse_queue_(options.queue_capacity, options.parse_queue_bytes),
        write_queue_(options.queue_capacity, options.write_queue_bytes),
        parse_budget_(options.parse_bytes) {}
  ParsePipeline(const ParsePipeline&) = delete;
  ParsePipeline& operator=(const ParsePipeline&) = delete;
  ~ParsePipeline() { Finish(); }

  // Starts `workers` parse threads (at least one) and the writer. Once.
  void Start(int workers) {
    if (workers < 1) workers = 1;
    window_items_ = options_.window_items ? options_.window_items : 2 * options_.queue_capacity + workers;
    window_bytes_ = options_.window_bytes ? options_.window_bytes
                                          : options_.parse_queue_bytes + options_.write_queue_bytes;
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
    writer_ = std::thread([this] { WriterLoop(); });
  }

  // Queues a page of `bytes` for a worker; blocks while the parse queue (or, ordered, the window) is
  // full. False once the pipeline is finishing (the page is dropped).
  bool Parse(Page page, std::size_t bytes) {
    const uint64_t seq = EnterWindow(bytes);
    return parse_queue_.Push(Queued{seq, bytes, std::move(page)}, bytes);
  }

  // Hands an item straight to the writer (no parse); blocks while the write queue is full. False once
  // the pipeline is finishing (the item is dropped).
  bool Write(Item item, std::size_t bytes) {
    const uint64_t seq = EnterWindow(bytes);
    return write_queue_.Push(Done{seq, bytes, std::move(item)}, bytes);
  }

  // No more pages: the workers parse what is queued, the writer writes everything, and all threads are
  // joined. Idempotent.
  void Finish() {
    if (finished_ || !writer_.joinable()) return;
    finished_ = true;
    parse_queue_.Close();
    for (auto& t : workers_) t.join();
    write_queue_.Close();
    writer_.join();
  }

  // What waits, for a producer that decides by itself when to give more (the crawl's fetch loop).
  std::size_t pages_waiting() const { return parse_queue_.size(); }
  std::size_t page_bytes_waiting() const { return parse_queue_.bytes(); }
  std::size_t items_waiting() const { return write_queue_.size(); }

 private:
  struct Queued {
    uint64_t seq = 0;
    std::size_t bytes = 0;  // counted against the window
    Page page;
  };
  struct Done {
    uint64_t seq = 0;
    std::size_t bytes = 0;
    std::optional<Item> item;  // nothing: the worker made nothing of the page (it still takes its turn)
  };

  // Ordered mode: waits until the window has room and numbers the item.
  uint64_t EnterWindow(std::size_t bytes) {
    if (!options_.ordered) return 0;
    std::unique_lock lock(window_mu_);
    window_freed_.wait(lock, [&] {
      const std::size_t items = next_seq_ - written_seq_;
      return items == 0 || (items < window_items_ && window_in_use_ + bytes <= window_bytes_);
    });
    window_in_use_ += bytes;
    return next_seq_++;
  }

  void LeaveWindow(std::size_t bytes) {
    std::lock_guard lock(window_mu_);
    window_in_use_ -= bytes;
    ++written_seq_;
    window_freed_.notify_all();
  }

  void WorkerLoop(int worker) {
    while (true) {
      std::optional<Queued> queued = parse_queue_.Pop(std::chrono::milliseconds(200));
      if (!queued) {
        if (parse_queue_.closed_and_drained()) return;
        continue;
      }
      const std::size_t body_bytes = queued->bytes;
      parse_budget_.Acquire(body_bytes);
      std::optional<Parsed> parsed = parse_(worker, queued->page);
      // The tree of a large page is freed by now, but glibc keeps the free memory in this thread's
      // arena (and raises its mmap threshold), so each worker would hold the peak of the largest page
      // it ever parsed: with two workers and pages of 300,000 links, 580 MB instead of 360. Large pages
      // are rare and take far longer to parse than the trim.
      if (body_bytes >= kTrimAfterBytes) malloc_trim(0);
      parse_budget_.Release(body_bytes);
      Done done{queued->seq, queued->bytes, std::nullopt};
      std::size_t bytes = 0;
      if (parsed) {
        bytes = parsed->bytes;
        done.item = std::move(parsed->item);
      } else if (!options_.ordered) {
        continue;
      }
      write_queue_.Push(std::move(done), bytes);
    }
  }

  void WriterLoop() {
    std::map<uint64_t, Done> early;  // ordered mode: items whose turn has not come
    uint64_t next = 0;
    while (true) {
      std::optional<Done> done = write_queue_.Pop(std::chrono::milliseconds(100));
      if (done) {
        if (!options_.ordered) {
          if (done->item) write_(*done->item);
        } else {
          early.emplace(done->seq, std::move(*done));
          for (auto it = early.begin(); it != early.end() && it->first == next;
               it = early.erase(it), ++next) {
            if (it->second.item) write_(*it->second.item);
            LeaveWindow(it->second.bytes);
          }
        }
      } else if (write_queue_.closed_and_drained()) {
        break;
      }
      tick_(false);
    }
    tick_(true);
  }

  const ParsePipelineOptions options_;
  const ParseFn parse_;
  const WriteFn write_;
  const TickFn tick_;
  BoundedQueue<Queued> parse_queue_;
  BoundedQueue<Done> write_queue_;
  ByteBudget parse_budget_;
  std::vector<std::thread> workers_;
  std::thread writer_;
  bool finished_ = false;

  // Ordered mode's window: items numbered next_seq_ - 1 and below were given, below written_seq_ written.
  std::mutex window_mu_;
  std::condition_variable window_freed_;
  std::size_t window_items_ = 0;
  std::size_t window_bytes_ = 0;
  std::size_t window_in_use_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t written_seq_ = 0;
};

}  // namespace hc::crawl::internal
