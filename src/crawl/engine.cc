// RunCrawl: one crawl of a site, the thin loop that ties its parts together (run_context_internal.h
// names them). See crawl.h for the shape and docs/crawling.md for the behaviour.
//
// The fetch loop (this thread) leases URLs and sends requests through the OriginScheduler, hands each
// result to it, and sleeps in the fetcher's Perform until the next thing is due; the PagePipeline's
// workers and writer run beside it. The frontier is touched under RunContext::store_mu only, by this
// thread (leases, retries, releases, sitemap URLs) and by the writer (completions, commits).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "core/host.h"
#include "core/log.h"
#include "crawl/crawl.h"
#include "crawl/crawl_internal.h"
#include "crawl/origin_scheduler_internal.h"
#include "crawl/page_pipeline_internal.h"
#include "crawl/run_context_internal.h"
#include "crawl/sitemap_reader_internal.h"
#include "crawl/url_outcomes_internal.h"

namespace hc::crawl {
namespace {

using internal::Steady;
using std::chrono::milliseconds;

// The longest the fetch loop sleeps in Perform when nothing is due sooner. Transfers finishing and the
// writer (Wakeup) end a sleep by themselves, and the loop computes when the next request may start
// (OriginPacer); but the stop flag, set by a signal handler, and queued URLs whose backoff ends in the
// frontier are only seen by looking.
constexpr milliseconds kLongestSleep{100};

class CrawlRun {
 public:
  CrawlRun(const extract::SelectorProgram& program, store::Frontier& frontier, net::Fetcher& fetcher,
           const CrawlOptions& options)
      : run_(program, frontier, fetcher, options),
        pipeline_(run_),
        outcomes_(run_, pipeline_),
        sitemaps_(run_),
        scheduler_(run_, outcomes_, pipeline_, sitemaps_) {}

  Result<CrawlReport> Run();

 private:
  // The start URLs into the frontier, leases of a dead run back to the queue, parse marks, revisits
  // due, and the run's page budget.
  Status Seed();
  void FetchLoop();
  // With nothing in flight and nothing waiting to be written: leases once more, then ends the run when
  // nothing is queued, or when what is queued is not due within max_idle_wait; else waits for it.
  enum class Idle { kEnd, kGoOn, kWait };
  Idle WhenIdle();
  void ShowProgress(bool final);
  CrawlReport Report();
  // Records the run's end (RunLog::FinishRun) under store_mu; the first storage error is returned.
  Status FinishRun(const CrawlReport& report, const Status& fatal);
  // After a storage error: this process's leases back to the queue (the rolled-back batch took the
  // completions of some leased URLs with it), so other crawlers need not wait for them to expire.
  void ReleaseOwnLeases();

  internal::RunContext run_;
  internal::PagePipeline pipeline_;
  internal::UrlOutcomes outcomes_;
  internal::SitemapReader sitemaps_;
  internal::OriginScheduler scheduler_;
  std::vector<store::LeasedUrl> poisoned_;  // to fail once the writer runs

  Steady::time_point started_{};
  Steady::time_point last_progress_{};
  int64_t queued_cache_ = 0;
  Steady::time_point queued_checked_{};
  bool progress_terminal_ = false;
};

Status CrawlRun::Seed() {
  const auto& config = run_.config;
  const CrawlOptions& options = run_.options;
  const auto& starts = options.start_urls.empty() ? config.start_urls : options.start_urls;
  std::vector<store::NewUrl> seeds;
  for (const auto& start : starts) {
    auto parsed = Url::Parse(start);
    if (start.size() > static_cast<std::size_t>(config.max_url_length)) {
      return Status::InvalidArgument("a start URL of " + std::to_string(start.size()) +
                                     " bytes is longer than max_url_length (" +
                                     std::to_string(config.max_url_length) + ")");
    }
    if (!parsed.ok() || !parsed->is_http()) {
      return Status::InvalidArgument("start URL '" + start + "' is not an http(s) URL");
    }
    if (internal::HasUserinfo(*parsed)) {
      return Status::InvalidArgument("start URL '" + start + "' carries credentials (user:pass@), which are never sent");
    }
    auto key = NormalizeUrl(*parsed, config.url_normalization);
    if (!key.ok()) return Status::InvalidArgument("start URL '" + start + "': " + key.status().message());
    seeds.push_back(run_.MakeNewUrl(parsed->href(), *key, *parsed, 0, 0, ""));
  }
  store::Frontier& frontier = run_.frontier;
  std::lock_guard lock(run_.store_mu);
  auto before = frontier.CountUrls(config.key);
  if (!before.ok()) return before.status();
  run_.total_before = before->total();
  auto added = frontier.AddUrls(seeds);
  if (!added.ok()) return added.status();
  auto recovered = frontier.RecoverLeases(config.key, run_.clock.Now(), /*all=*/true);
  if (!recovered.ok()) return recovered.status();
  if (*recovered > 0) {
    spdlog::info("crawl {}: {} URLs in flight when the last crawl stopped went back to the queue", config.key,
                 *recovered);
  }
  if (run_.options.host_pace != nullptr) {
    // A crawl of this host killed before it released its request slots: they are free at once.
    auto freed = run_.options.host_pace->RecoverSlots();
    if (!freed.ok()) return freed.status();
    if (*freed > 0) spdlog::info("crawl {}: {} request slots of a crawl that is gone were freed", config.key, *freed);
  }
  auto poisoned = pipeline_.OpenParseMarks();
  if (!poisoned.ok()) return poisoned.status();
  poisoned_ = std::move(*poisoned);
  // Revisits come before the page limit is worked out: a page due again is no longer "done".
  auto due = frontier.RequeueDue(config.key, run_.clock.Now(), options.recrawl == CrawlOptions::Recrawl::kAll);
  if (!due.ok()) return due.status();
  run_.requeued = *due;
  if (*due > 0) spdlog::info("crawl {}: {} known pages are due for a revisit", config.key, *due);
  auto counts = frontier.CountUrls(config.key);
  if (!counts.ok()) return counts.status();
  // The per-run limit counts from this run's start; only the dataset limit looks at earlier runs.
  if (run_.max_pages > 0) run_.budget = run_.max_pages;
  const int max_dataset = options.max_dataset_pages >= 0 ? options.max_dataset_pages : config.max_dataset_pages;
  if (max_dataset > 0) {
    const int64_t left = std::max<int64_t>(0, max_dataset - (counts->done + counts->failed));
    run_.budget = run_.budget < 0 ? left : std::min(run_.budget, left);
    if (left == 0) {
      run_.dataset_limit_reached = true;
      spdlog::info("crawl {}: the dataset limit ({} pages done or failed) is already reached", config.key,
                   max_dataset);
    }
  }
  return frontier.Flush();
}

void CrawlRun::ShowProgress(bool final) {
  const CrawlOptions& options = run_.options;
  if (options.progress == CrawlOptions::Progress::kOff) return;
  const auto now = Steady::now();
  const milliseconds interval = progress_terminal_ ? milliseconds(250) : options.progress_interval;
  if (!final && now - last_progress_ < interval) return;
  last_progress_ = now;
  if (now - queued_checked_ > std::chrono::seconds(2) || final) {
    queued_checked_ = now;
    std::lock_guard lock(run_.store_mu);
    auto counts = run_.frontier.CountUrls(run_.config.key);
    if (counts.ok()) queued_cache_ = counts->queued;
  }
  internal::ProgressSnapshot s;
  s.done = run_.stored + run_.failed;
  s.failed = run_.failed;
  s.queued = queued_cache_;
  s.in_flight = static_cast<int64_t>(run_.fetcher.InFlight());
  s.bytes = run_.bytes;
  s.target = std::max<int64_t>(run_.budget, 0);
  s.seconds = std::chrono::duration<double>(now - started_).count();
  const std::string line = "crawl " + run_.config.key + ": " + internal::FormatProgress(s);
  if (progress_terminal_) {
    // Through the logger's status line, so that log lines are written above it, never glued onto it.
    if (final) {
      logging::EndStatusLine(line);
    } else {
      logging::ShowStatusLine(line);
    }
  } else if (!final) {
    spdlog::info("{}", line);
  }
}

CrawlRun::Idle CrawlRun::WhenIdle() {
  // Everything this loop started is recorded: look once more, then decide whether to wait.
  run_.frontier_changed = true;
  if (scheduler_.LeaseMore(/*idle=*/true)) return Idle::kGoOn;
  if (run_.budget >= 0 && run_.final_outcomes >= run_.budget) return Idle::kEnd;
  Result<store::FrontierCounts> counts = [&] {
    std::lock_guard lock(run_.store_mu);
    return run_.frontier.CountUrls(run_.config.key);
  }();
  if (!counts.ok()) {
    run_.SetFatal(counts.status());
    return Idle::kGoOn;
  }
  if (counts->queued == 0 && counts->in_flight == 0) return Idle::kEnd;
  // What is left waits for a backoff, a Retry-After or an unreachable robots.txt: wait for it only if it
  // comes soon; otherwise end the run (the URLs stay queued for the next one).
  Result<std::optional<TimePoint>> next = [&] {
    std::lock_guard lock(run_.store_mu);
    return run_.frontier.NextEligible(run_.config.key);
  }();
  if (next.ok() && next->has_value()) {
    TimePoint due = **next;
    const TimePoint now = run_.clock.Now();
    if (due <= now) {
      // Due URLs that LeaseMore skips: their origins are held. The earliest hold end is when the run
      // could go on.
      if (auto earliest = scheduler_.EarliestLongHold()) due = now + *earliest;
    }
    if (due - now > run_.options.max_idle_wait) {
      spdlog::info("crawl {}: the {} queued URLs are not due before {}; ending this run (run it again then)",
                   run_.config.key, counts->queued, FormatUtc(due));
      return Idle::kEnd;
    }
  }
  scheduler_.DelayLeases(milliseconds(100));  // queued but not yet eligible (backoff)
  return Idle::kWait;
}

void CrawlRun::FetchLoop() {
  net::Fetcher& fetcher = run_.fetcher;
  bool stop_seen = false;
  Steady::time_point stop_deadline{};
  while (true) {
    ShowProgress(false);
    if (run_.Stopping() && !stop_seen) {
      stop_seen = true;
      // A storage failure waits for nothing: what is in flight could not be stored anyway.
      stop_deadline = Steady::now() + (run_.fatal_stop() ? milliseconds(0) : run_.options.stop_grace);
      run_.SetStopDeadline(stop_deadline);
      spdlog::info("crawl {}: stopping: finishing {} transfers in flight", run_.config.key, fetcher.InFlight());
      scheduler_.ReleaseWaiting();
    }
    if (stop_seen) {
      if (fetcher.Outstanding() == 0 || Steady::now() >= stop_deadline) break;
    } else {
      while (scheduler_.LeaseMore()) {
      }
      // Nothing that takes the store's lock (a lease, the progress line's count) comes between a
      // request's start here and its sending: the writer holds that lock through a commit, and a start
      // that waited for it would be late.
      scheduler_.Dispatch();
      scheduler_.SendStarted();
      if (fetcher.Outstanding() == 0 && run_.pipeline_pending == 0) scheduler_.ReleaseLongHolds();
      const bool idle = run_.held == 0 && fetcher.Outstanding() == 0 && run_.pipeline_pending == 0;
      if (idle && !scheduler_.SitemapsPending()) {
        const Idle next = WhenIdle();
        if (next == Idle::kEnd) break;
        if (next == Idle::kGoOn) continue;
      }
    }
    // Not a fixed tick: until the next request may start (or the grace period ends), at most kLongestSleep.
    Steady::duration wait = stop_seen ? std::min<Steady::duration>(kLongestSleep, stop_deadline - Steady::now())
                                      : scheduler_.IdleWait(kLongestSleep);
    // curl_multi_poll counts whole milliseconds and sleeps the whole ones; the last fraction of a wait
    // (less than 1 ms, only when a start is that close) is slept here. Rounding it up instead would start
    // each paced request up to a millisecond late: at --delay 0.01, about 5% of the rate.
    if (wait > Steady::duration::zero() && wait < milliseconds(1)) {
      std::this_thread::sleep_for(wait);
      wait = Steady::duration::zero();
    }
    const milliseconds poll = std::max(milliseconds(0), std::chrono::floor<milliseconds>(wait));
    for (net::FetchResult& result : fetcher.Perform(poll)) scheduler_.HandleResult(result);
  }
  // Whatever is still in flight after the grace period goes back to the queue.
  scheduler_.AbandonInFlight();
  scheduler_.ReleaseSlots();
}

Result<CrawlReport> CrawlRun::Run() {
  started_ = Steady::now();
  Status resolved = run_.Resolve();
  if (!resolved.ok()) return resolved;
  progress_terminal_ = run_.options.progress == CrawlOptions::Progress::kTerminal ||
                       (run_.options.progress == CrawlOptions::Progress::kAuto && isatty(STDERR_FILENO));
  if (run_.options.runs) {
    std::lock_guard lock(run_.store_mu);
    auto id = run_.options.runs->BeginRun({.command = "crawl",
                                           .sites = run_.config.key,
                                           .started_at = run_.clock.Now(),
                                           .job = run_.options.job,
                                           .host = HostName(),
                                           .pid = static_cast<int64_t>(getpid())});
    if (!id.ok()) return id.status();
    run_.run_id = *id;
  }
  Status seeded = Seed();
  if (!seeded.ok()) return seeded;
  if (run_.options.read_sitemaps) {
    for (const auto& sitemap : run_.options.sitemaps ? *run_.options.sitemaps : run_.config.sitemaps) {
      scheduler_.QueueSitemap(sitemap);
    }
  }

  pipeline_.Start(run_.workers);
  for (const auto& url : poisoned_) outcomes_.Fail(url, internal::PoisonReason(), 0, url.attempts + 1);
  FetchLoop();
  pipeline_.Finish();
  ShowProgress(true);

  CrawlReport report = Report();
  Status fatal = run_.Fatal();
  const int64_t drift_run = run_.run_id > 0 ? run_.run_id : run_.options.run_id;
  report.drift = run_.drift.Finish(run_.options.fill_history, run_.config.key, drift_run,
                                   fatal.ok() ? RunOutcome(report) : "failed", run_.config.alerts);
  if (!fatal.ok()) ReleaseOwnLeases();
  Status finished = FinishRun(report, fatal);
  if (!fatal.ok()) return fatal;
  if (!finished.ok()) return finished;
  const CrawlOptions::Webhook& hook = run_.options.webhook;
  internal::DriftCheck::Notify(hook.url.empty() ? run_.config.alerts.webhook_url : hook.url,
                               hook.url.empty() ? run_.config.alerts.webhook_allow_private_addresses
                                                : hook.allow_private_addresses,
                               run_.user_agent, run_.config.key, drift_run, run_.options.job, report.drift);
  return report;
}

CrawlReport CrawlRun::Report() {
  CrawlReport report;
  report.run_id = run_.run_id;
  report.requests = run_.requests;
  report.fetched = run_.fetched;
  report.stored = run_.stored;
  report.failed = run_.failed;
  report.redirected = run_.redirected;
  report.retries = run_.retries;
  report.bytes = run_.bytes;
  report.sitemaps = run_.sitemaps_read;
  report.requeued = run_.requeued;
  report.pages_new = run_.pages_new;
  report.pages_changed = run_.pages_changed;
  report.pages_unchanged = run_.pages_unchanged;
  report.pages_gone = run_.pages_gone;
  {
    std::lock_guard lock(run_.failures_mu);
    report.failures = run_.failures;
  }
  report.interrupted = run_.options.stop && run_.options.stop->load();
  report.unreachable = scheduler_.origin_held() && !scheduler_.origin_answered() && report.fetched == 0;
  report.unreachable_origins = scheduler_.unreachable();
  report.dataset_limit_reached = run_.dataset_limit_reached && report.completed() == 0;
  report.elapsed = Steady::now() - started_;
  {
    std::lock_guard lock(run_.field_notes_mu);
    report.field_notes = run_.field_notes.entries();
    for (const std::string& line : run_.field_notes.Lines()) spdlog::warn("crawl {}: {}", run_.config.key, line);
  }
  std::lock_guard lock(run_.store_mu);
  auto counts = run_.frontier.CountUrls(run_.config.key);
  if (counts.ok()) report.frontier = *counts;
  report.discovered = report.frontier.total() - run_.total_before;
  if (report.frontier.queued > 0) {
    auto next = run_.frontier.NextEligible(run_.config.key);
    if (next.ok()) report.next_due = *next;
  }
  return report;
}

void CrawlRun::ReleaseOwnLeases() {
  std::lock_guard lock(run_.store_mu);
  auto released = run_.frontier.ReleaseLeases(run_.config.key, run_.owner);
  Status s = released.ok() ? run_.frontier.Flush() : released.status();
  if (!s.ok()) {
    spdlog::warn("crawl {}: the URLs leased to this process stay leased until their leases expire: {}",
                 run_.config.key, s.ToString());
  } else if (*released > 0) {
    spdlog::info("crawl {}: {} URLs leased to this process are back in the queue", run_.config.key, *released);
  }
}

Status CrawlRun::FinishRun(const CrawlReport& report, const Status& fatal) {
  if (!run_.options.runs) return Status::Ok();
  store::RunStats stats;
  stats.finished_at = run_.clock.Now();
  stats.outcome = !fatal.ok() ? "failed" : std::string(RunOutcome(report));
  stats.pages_fetched = report.fetched;
  stats.pages_stored = report.stored;
  stats.pages_failed = report.failed;
  stats.bytes_fetched = report.bytes;
  stats.pages_new = report.pages_new;
  stats.pages_changed = report.pages_changed;
  stats.pages_unchanged = report.pages_unchanged;
  stats.pages_gone = report.pages_gone;
  stats.extra = {{"requests", report.requests},      {"redirected", report.redirected},
                 {"retries", report.retries},        {"sitemaps", report.sitemaps},
                 {"queued", report.frontier.queued}, {"failures", report.failures},
                 {"requeued", report.requeued}};
  if (!report.unreachable_origins.empty()) stats.extra["unreachable"] = report.unreachable_origins;
  if (report.next_due) stats.extra["next_due"] = FormatUtc(*report.next_due);
  if (!fatal.ok()) stats.extra["error"] = fatal.ToString();
  {
    std::lock_guard notes_lock(run_.field_notes_mu);
    if (!run_.field_notes.empty()) stats.extra["field_notes"] = run_.field_notes.ToJson();
  }
  if (!report.drift.judged.empty()) stats.extra["drift"] = DriftToJson(report.drift);
  std::lock_guard lock(run_.store_mu);
  Status s = run_.options.runs->FinishRun(report.run_id, stats);
  if (s.ok()) s = run_.frontier.Flush();
  return s;
}

}  // namespace

net::FetcherOptions CrawlFetcherOptions(const extract::SiteConfig& config, const CrawlOptions& options) {
  net::FetcherOptions fetcher = internal::RequestFetcherOptions(options.fetcher, config, options.request);
  fetcher.allow_private_addresses = fetcher.allow_private_addresses || config.allow_private_addresses;
  const int concurrency = std::max(1, options.concurrency > 0 ? options.concurrency : config.politeness.concurrency);
  fetcher.max_per_host = static_cast<std::size_t>(concurrency);
  fetcher.max_transfers = std::max<std::size_t>(fetcher.max_transfers, static_cast<std::size_t>(concurrency));
  return fetcher;
}

Result<std::unique_ptr<net::Fetcher>> NewCrawlFetcher(const extract::SiteConfig& config, const CrawlOptions& options) {
  return net::NewCurlFetcher(CrawlFetcherOptions(config, options));
}

Result<CrawlReport> RunCrawl(const extract::SelectorProgram& program, store::Frontier& frontier,
                             net::Fetcher& fetcher, const CrawlOptions& options) {
  CrawlRun run(program, frontier, fetcher, options);
  return run.Run();
}

}  // namespace hc::crawl
