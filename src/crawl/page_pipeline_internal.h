// Internal to src/crawl: PagePipeline, the crawl's half behind the fetch loop. Fetched pages go to N
// parse workers (decode, parse once, extract records and links from the same tree: ObserveResponse)
// and what they make of them, as WriteItems, to one writer thread that records each with
// Frontier::Complete (the page, its URL's new state and the links it discovered, in one unit) and
// commits at least every commit_interval. The threads and queues are parse_pipeline.h's
// ParsePipeline, unordered.
//
// Thread-safety: Start, Parse, Write, HasRoom and Finish are called from the fetch loop's thread;
// the workers and the writer are the pipeline's own threads. Every store call is made under
// RunContext::store_mu.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <vector>

#include "crawl/crawl_internal.h"
#include "crawl/parse_pipeline.h"
#include "crawl/poison_internal.h"
#include "crawl/run_context_internal.h"

namespace hc::crawl::internal {

class PagePipeline {
 public:
  explicit PagePipeline(RunContext& run);
  PagePipeline(const PagePipeline&) = delete;
  PagePipeline& operator=(const PagePipeline&) = delete;

  // With CrawlOptions::parse_marks: opens the marks (poison pages, poison_internal.h) and returns the
  // URLs that killed too many crawls, leased, for the caller to fail. Call under store_mu, before Start.
  Result<std::vector<store::LeasedUrl>> OpenParseMarks();

  void Start(int workers);
  // Every page handed over is recorded (or released) by the time this returns.
  void Finish();

  // A fetched page for the workers: it counts as a final outcome of this run.
  void Parse(FetchedPage page);
  // An outcome decided without parsing (failed, redirected, unchanged) for the writer. The caller has
  // counted it in RunContext::pipeline_pending.
  void Write(WriteItem item);

  // Whether the fetch loop may start another page: the pages waiting and in flight are fewer than the
  // queue capacity, and the bodies waiting for a worker within their byte budget.
  bool HasRoom() const;

 private:
  using Pipeline = ParsePipeline<FetchedPage, WriteItem>;
  // On a parse worker: the page made into what the writer records (nothing when it went back to the queue).
  std::optional<Pipeline::Parsed> ParsePage(int slot, FetchedPage& fetched);
  // The links of a parsed page that go to the frontier, on `item`.
  void AddLinks(FetchedPage& fetched, store::PageObservation& observed, WriteItem& item);
  // On the writer thread: records one item.
  void WriteOne(WriteItem& item);
  void CountWritten(const WriteItem& item);
  // The writer's clock tick: the heartbeat every heartbeat_interval, a commit every commit_interval and
  // at the end.
  void WriterTick(bool last);
  // The run is alive, with its counts so far (RunLog::Heartbeat).
  void Heartbeat();
  // With parse marks: the URL's frontier row must be committed before its page is marked, or a death
  // would take the row back and the mark would count against nothing (or against the next URL given
  // the same id). A page parsed within the same batch that discovered it commits that batch early.
  void CommitBeforeParse(int64_t id);

  RunContext& run_;
  std::unique_ptr<ParseMarks> parse_marks_;  // null without CrawlOptions::parse_marks
  std::shared_mutex parse_gate_;             // MarkedParse
  std::atomic<int64_t> committed_id_{0};     // URLs with ids up to this are committed
  SentLinks sent_links_;                     // workers: links already handed to the writer this run
  Steady::time_point last_commit_{};         // the writer's
  Steady::time_point last_heartbeat_{};      // the writer's
  Pipeline pipeline_;
};

}  // namespace hc::crawl::internal
