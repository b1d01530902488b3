// PagePipeline: parse workers and the one store writer of a crawl (page_pipeline_internal.h).
#include "crawl/page_pipeline_internal.h"

#include <malloc.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/page.h"
#include "core/records.h"
#include "store/digest.h"

namespace hc::crawl::internal {

PagePipeline::PagePipeline(RunContext& run)
    : run_(run),
      sent_links_(run.options.sent_link_slots),
      pipeline_({.queue_capacity = run.options.queue_capacity,
                 .parse_queue_bytes = run.options.parse_queue_bytes,
                 .write_queue_bytes = run.options.write_queue_bytes,
                 .parse_bytes = run.options.parse_bytes},
                [this](int worker, FetchedPage& page) { return ParsePage(worker, page); },
                [this](WriteItem& item) { WriteOne(item); }, [this](bool last) { WriterTick(last); }) {}

Result<std::vector<store::LeasedUrl>> PagePipeline::OpenParseMarks() {
  if (run_.options.parse_marks.empty() && run_.options.parse_marks_db.empty()) {
    return std::vector<store::LeasedUrl>{};
  }
  return StartParseMarks({run_.options.parse_marks, run_.options.parse_marks_db}, run_.workers, run_.frontier, run_.config.key, run_.owner,
                         run_.clock.Now(), &parse_marks_);
}

void PagePipeline::Start(int workers) {
  last_commit_ = Steady::now();
  last_heartbeat_ = last_commit_;
  pipeline_.Start(workers);
}

void PagePipeline::Finish() { pipeline_.Finish(); }

void PagePipeline::Parse(FetchedPage page) {
  ++run_.final_outcomes;
  ++run_.pipeline_pending;
  const std::size_t bytes = page.page.response.body.size();
  pipeline_.Parse(std::move(page), bytes);
}

void PagePipeline::Write(WriteItem item) {
  const std::size_t bytes = WriteItemBytes(item);
  if (!pipeline_.Write(std::move(item), bytes)) --run_.pipeline_pending;
}

bool PagePipeline::HasRoom() const {
  const std::size_t busy = pipeline_.pages_waiting() + pipeline_.items_waiting() + run_.fetcher.Outstanding();
  if (busy >= run_.options.queue_capacity) return false;
  // The byte budget: a few huge pages waiting for a worker hold back new requests as many small ones do.
  return run_.options.parse_queue_bytes == 0 || pipeline_.page_bytes_waiting() < run_.options.parse_queue_bytes;
}

// --- the workers --------------------------------------------------------------------------------------

std::optional<PagePipeline::Pipeline::Parsed> PagePipeline::ParsePage(int slot, FetchedPage& fetched) {
  if (run_.PastStopDeadline()) {
    // Parsing what is still queued could take long: the URL goes back to the queue instead, and the
    // next run fetches it again.
    std::lock_guard lock(run_.store_mu);
    Status s = run_.frontier.Release(fetched.url.id, run_.owner, run_.clock.Now());
    if (!s.ok() && s.code() != StatusCode::kBusy) {
      spdlog::error("crawl {}: releasing {}: {}", run_.config.key, fetched.url.url, s.ToString());
    }
    --run_.pipeline_pending;
    return std::nullopt;
  }
  Page& page = fetched.page;
  const store::LeasedUrl& url = fetched.url;
  const int status = page.response.status;
  const bool ok = status >= 200 && status <= 299;
  // The page's two facts every outcome below needs, each computed once: the body's digest (the revisit
  // check, the frontier, the raw archive) and the page type (the revisit policy, extraction, the row).
  if (ok) page.body_sha1 = store::HexLower(store::Sha1(page.response.body));
  const extract::PageTypeInfo* type = run_.program.MatchPageType(page.response.url);
  page.page_type = type ? type->name : std::string();
  if (ok && url.visits > 0 && page.body_sha1 == url.body_sha1) {
    // The same bytes as last time: the same records, so nothing to parse (the visit is still recorded).
    WriteItem item;
    item.outcome = run_.VisitOutcome(url, type, status, page.response.headers, page.body_sha1,
                                     store::PageChange::kUnchanged);
    item.outcome.attempts = fetched.attempts;
    item.outcome.finished_at = page.response.fetched_at;
    const std::size_t bytes = WriteItemBytes(item);
    return Pipeline::Parsed{std::move(item), bytes};
  }
  const TimePoint fetched_at = page.response.fetched_at;
  const std::size_t page_bytes = page.response.body.size();
  store::PageObservation observed;
  std::vector<extract::FieldNote> field_notes;
  {
    // Marked for the parse and extraction only: a death while fetching, waiting or writing is no
    // fault of the page's.
    CommitBeforeParse(url.id);
    MarkedParse marked(parse_marks_.get(), parse_gate_, slot, url);
    CrashHookForTests(url.url);
    observed = ObserveResponse(run_.program, page, run_.options.archive && ok, &field_notes);
  }
  if (!field_notes.empty()) {
    std::lock_guard lock(run_.field_notes_mu);
    run_.field_notes.Add(observed.url, field_notes);
  }
  // Both read the typed records; the content hash writes their hash-form JSON bytes straight into its
  // digest, so no page JSON tree is built in the crawl.
  run_.drift.Add(observed);
  if (observed.failure_reason.empty()) observed.content_hash = store::ContentHash(observed.records);
  WriteItem item;
  item.outcome.id = url.id;
  item.outcome.owner = run_.owner;
  item.outcome.state = observed.failure_reason.empty() ? store::UrlState::kDone : store::UrlState::kFailed;
  item.outcome.detail = observed.failure_reason;
  item.outcome.attempts = fetched.attempts;
  item.outcome.http_status = status;
  item.outcome.finished_at = fetched_at;
  if (item.outcome.state == store::UrlState::kDone) {
    const auto change = url.visits > 0 ? store::PageChange::kChanged : store::PageChange::kNew;
    // With the archive on, ObserveResponse moved the response into the observation.
    const store::Headers& validators = observed.raw ? observed.raw->headers : page.response.headers;
    store::UrlOutcome visit = run_.VisitOutcome(url, type, status, validators, page.body_sha1, change);
    item.outcome.change = change;
    item.outcome.etag = std::move(visit.etag);
    item.outcome.last_modified = std::move(visit.last_modified);
    item.outcome.body_sha1 = std::move(visit.body_sha1);
    item.outcome.revisit = visit.revisit;
  } else if (url.visits > 0 && (status == 404 || status == 410)) {
    item.outcome.change = store::PageChange::kGone;
  }
  AddLinks(fetched, observed, item);
  // The records and the rest of the observation are estimated at the body's size.
  // The WARC record's copy: the archive row's when the observation holds the response, else the page's own.
  if (run_.options.warc) item.warc = observed.raw ? *observed.raw : std::move(page.response);
  item.page = std::move(observed);
  const std::size_t bytes = WriteItemBytes(item) + page_bytes;
  return Pipeline::Parsed{std::move(item), bytes};
}

void PagePipeline::AddLinks(FetchedPage& fetched, store::PageObservation& observed, WriteItem& item) {
  const int depth = fetched.url.depth + 1;
  if (run_.max_depth != 0 && depth > run_.max_depth) return;
  int64_t with_userinfo = 0;
  for (PageLink& link : fetched.page.links) {
    // A link sent before (on this page's neighbours, in the navigation) would cost the writer an
    // insert that does nothing.
    if (!sent_links_.FirstTime(link.key)) continue;
    if (HasUserinfo(link.url)) {
      ++with_userinfo;
      continue;
    }
    // The link is its own key: the store takes url for an empty url_key, and the copy is not kept.
    item.outcome.discovered.push_back(
        run_.MakeNewUrl(link.key, std::string(), link.url, depth, 0, fetched.url.url_key, link.priority));
  }
  if (with_userinfo > 0) {
    observed.links_dropped += with_userinfo;
    observed.limits.push_back(std::to_string(with_userinfo) + " links with user:pass@ dropped");
  }
}

void PagePipeline::CommitBeforeParse(int64_t id) {
  if (!parse_marks_ || id <= committed_id_) return;
  std::lock_guard lock(run_.store_mu);
  if (!run_.frontier.UrlIsCommitted(id)) {
    Status s = run_.frontier.Flush();
    if (!s.ok()) run_.SetFatal(s);
  }
  if (committed_id_ < id) committed_id_ = id;  // ids grow with insertion: every lower id is committed too
}

// --- the writer ---------------------------------------------------------------------------------------

void PagePipeline::WriterTick(bool last) {
  if (run_.options.runs && !last && Steady::now() - last_heartbeat_ >= run_.options.heartbeat_interval) {
    Heartbeat();
    last_heartbeat_ = Steady::now();
  }
  if (!last && Steady::now() - last_commit_ < run_.options.commit_interval) return;
  Status s;
  {
    std::lock_guard lock(run_.store_mu);
    s = run_.frontier.Flush();
  }
  if (!s.ok()) run_.SetFatal(s);
  last_commit_ = Steady::now();
  // Hand the allocator's free pages back once a commit interval. Each parse worker and the writer
  // allocate from glibc arenas of their own, which keep the pages of freed page bodies, trees and
  // dictionary training buffers: a long crawl's peak RSS grew with its length (44 MB at 5,000 pages,
  // 49-51 at 50,000) while its live heap did not (heaptrack: 32.1 and 32.7 MB). This takes 1-2 MB off
  // the longer crawl's peak (docs/BENCHMARKS.md); the pages it returns are faulted in again when used.
  malloc_trim(0);
}

void PagePipeline::WriteOne(WriteItem& item) {
  if (run_.fatal_stop()) {
    // Storage failed (a full disk): nothing more can be stored. The URL stays in flight in the
    // frontier, and the next run's start queues it again.
    --run_.pipeline_pending;
    return;
  }
  Status s;
  item.outcome.run_id = run_.run_id;
  {
    std::lock_guard lock(run_.store_mu);
    s = run_.frontier.Complete(item.outcome, item.page ? &*item.page : nullptr);
    if (s.code() == StatusCode::kInvalidArgument && item.page) {
      // The store refused the page (a record it cannot hold): the URL still gets its final state.
      spdlog::error("crawl {}: {}: the store refused the page: {}", run_.config.key, item.page->url, s.message());
      item.outcome.state = store::UrlState::kFailed;
      item.outcome.detail = "store: " + s.message();
      store::PageObservation failed_page = *item.page;
      failed_page.records.clear();
      failed_page.failure_reason = item.outcome.detail;
      s = run_.frontier.Complete(item.outcome, &failed_page);
    }
  }
  if (s.code() == StatusCode::kBusy) {
    spdlog::warn("crawl {}: {}", run_.config.key, s.message());
  } else if (!s.ok()) {
    run_.SetFatal(s);
  } else {
    CountWritten(item);
    if (item.warc && run_.options.warc) {
      Status w = run_.options.warc->WriteResponse(*item.warc);
      if (!w.ok()) run_.SetFatal(w);
    }
  }
  run_.frontier_changed = true;
  --run_.pipeline_pending;
  run_.fetcher.Wakeup();
}

void PagePipeline::CountWritten(const WriteItem& item) {
  switch (item.outcome.change) {
    case store::PageChange::kNew: ++run_.pages_new; break;
    case store::PageChange::kChanged: ++run_.pages_changed; break;
    case store::PageChange::kUnchanged: ++run_.pages_unchanged; break;
    case store::PageChange::kGone: ++run_.pages_gone; break;
    case store::PageChange::kNone: break;
  }
  switch (item.outcome.state) {
    case store::UrlState::kDone:
      if (item.page) ++run_.stored;
      break;
    case store::UrlState::kRedirected: ++run_.redirected; break;
    default: {
      ++run_.failed;
      std::lock_guard lock(run_.failures_mu);
      ++run_.failures[FailureCategory(item.outcome.detail)];
    }
  }
  if (run_.log_urls) {
    std::optional<FetchNote> note;
    {
      std::lock_guard lock(run_.url_notes_mu);
      if (auto it = run_.url_notes.find(item.outcome.id); it != run_.url_notes.end()) {
        note = std::move(it->second);
        run_.url_notes.erase(it);
      }
    }
    LogUrlOutcome(run_.config.key, item.outcome, item.page ? &*item.page : nullptr, note ? &*note : nullptr);
  }
}

void PagePipeline::Heartbeat() {
  store::RunStats so_far;
  so_far.pages_fetched = run_.fetched;
  so_far.pages_stored = run_.stored;
  so_far.pages_failed = run_.failed;
  so_far.bytes_fetched = run_.bytes;
  so_far.pages_new = run_.pages_new;
  so_far.pages_changed = run_.pages_changed;
  so_far.pages_unchanged = run_.pages_unchanged;
  so_far.pages_gone = run_.pages_gone;
  std::lock_guard lock(run_.store_mu);
  Status s = run_.options.runs->Heartbeat(run_.run_id, run_.clock.Now(), so_far);
  // A missed beat only makes the run look older; storage that really failed shows in the next commit.
  if (!s.ok()) spdlog::warn("crawl {}: run heartbeat: {}", run_.config.key, s.ToString());
}

}  // namespace hc::crawl::internal
