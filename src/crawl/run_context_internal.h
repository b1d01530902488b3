// Internal to src/crawl: what the parts of one RunCrawl share (engine.cc ties them together):
//
//   OriginScheduler (origin_scheduler_internal.h)  per-origin politeness, robots.txt, leases, dispatch
//   UrlOutcomes (url_outcomes_internal.h)          how a leased URL ends: failed, retried, redirected,
//                                                  unchanged, released, or handed to the page pipeline
//   PagePipeline (page_pipeline_internal.h)        parse workers and the one store writer
//   SitemapReader (sitemap_reader_internal.h)      sitemap bodies into frontier URLs
//
// RunContext holds the settings resolved from the options and the site config, the store under its
// lock, the fetcher, the counters and the first fatal error. The two carriers between the fetch loop,
// the workers and the writer (FetchedPage, WriteItem) are defined here.
//
// Thread-safety: the settings are written before the pipeline starts and read-only after. The frontier
// and the run log are used under `store_mu` only. The atomics and the mutex-guarded members may be used
// from any thread; the members marked "fetch loop" only from the thread that called RunCrawl.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "core/page.h"
#include "core/status.h"
#include "core/url.h"
#include "crawl/crawl.h"
#include "crawl/crawl_internal.h"
#include "crawl/drift_check_internal.h"
#include "crawl/origin_pacer.h"
#include "net/fetcher.h"
#include "store/dataset.h"
#include "store/frontier.h"

namespace hc::crawl::internal {

using Steady = std::chrono::steady_clock;

// The hops followed from one URL (robots.txt: RFC 9309 section 2.3.1.2 says 5).
inline constexpr int kMaxRedirects = 5;

// fetch loop -> parse workers: the page value (core/page.h) with the frontier row it was leased as.
struct FetchedPage {
  store::LeasedUrl url;
  Page page;  // url, url_key and the response set; the workers fill the rest
  int attempts = 1;
};

// parse workers (or the fetch loop) -> the writer
struct WriteItem {
  store::UrlOutcome outcome;
  std::optional<store::PageObservation> page;
  std::optional<store::RawResponse> warc;
};

// What an item holds in memory, near enough for the write queue's byte budget.
std::size_t WriteItemBytes(const WriteItem& item);

// "https://www.mfk.com" or "http://127.0.0.1:8080": where politeness and robots.txt apply.
std::string OriginOf(const Url& url);
// "/path?query": what robots.txt rules match.
std::string PathAndQuery(const Url& url);
// "http://user:pass@host/" or "http://evil.example.com@host/": credentials (or a host name made to look
// like one) in a URL from the web. Such URLs are dropped wherever they come from; nothing is sent.
bool HasUserinfo(const Url& url);
// Whether `host` is one of the config's allowed_domains or under one (all hosts when there are none).
bool HostAllowed(const extract::SiteConfig& config, std::string_view host);

class RunContext {
 private:
  SystemClock system_clock_;  // first: `clock` may refer to it

 public:
  RunContext(const extract::SelectorProgram& program, store::Frontier& frontier, net::Fetcher& fetcher,
             const CrawlOptions& options);
  RunContext(const RunContext&) = delete;
  RunContext& operator=(const RunContext&) = delete;

  // Resolves the settings from the options and the config. InvalidArgument for options that cannot work.
  Status Resolve();

  // --- what the run works with -------------------------------------------------------------------
  const extract::SelectorProgram& program;
  const extract::SiteConfig& config;
  store::Frontier& frontier;
  net::Fetcher& fetcher;
  const CrawlOptions& options;
  const Clock& clock;            // wall time: fetched_at, eligibility
  MonotonicClock pace_clock;     // politeness timing (OriginPacer)
  std::mutex store_mu;           // every call to `frontier` and `options.runs`

  // --- settings (Resolve) ------------------------------------------------------------------------
  std::string owner;             // lease owner
  int max_pages = 0;
  int max_depth = 0;
  int concurrency = 1;
  OriginPacer::Policy pace_policy;  // delay, concurrency and Crawl-delay cap of every origin
  std::string user_agent;        // the command line's or job's, else the config's; also the robots.txt agent
  bool log_urls = false;         // per-URL debug lines
  int workers = 1;
  int64_t budget = -1;           // final outcomes this run may produce; -1 = unbounded (Seed)
  bool dataset_limit_reached = false;
  int64_t run_id = 0;            // crawl_runs row; 0 without a RunLog
  int64_t total_before = 0;      // URLs in the frontier before this run
  int64_t requeued = 0;          // done URLs put back in the queue at the start

  // --- counters (the writer and workers update some) ---------------------------------------------
  std::atomic<int64_t> requests{0}, fetched{0}, stored{0}, failed{0}, redirected{0}, retries{0}, bytes{0},
      sitemaps_read{0}, pages_new{0}, pages_changed{0}, pages_unchanged{0}, pages_gone{0};
  std::mutex failures_mu;
  std::map<std::string, int64_t> failures;  // by FailureCategory
  std::mutex field_notes_mu;
  extract::NoteTally field_notes;           // every worker's pages; one entry per failing field
  DriftCheck drift{program};                // fill counts of every extracted page (docs/drift.md)
  // Per-URL debug lines: the fetch of each URL whose outcome the writer has yet to store, by frontier id.
  std::mutex url_notes_mu;
  std::unordered_map<int64_t, FetchNote> url_notes;

  // --- flow --------------------------------------------------------------------------------------
  int64_t held = 0;                             // fetch loop: leased URLs waiting or in flight
  int64_t final_outcomes = 0;                   // fetch loop: final outcomes decided this run (max_pages)
  std::atomic<int64_t> pipeline_pending{0};     // pushed to a queue, not yet recorded by the writer
  std::atomic<bool> frontier_changed{false};    // the writer added URLs since the last lease

  // The crawl cannot go on (storage failed): records the first such error and stops everything.
  void SetFatal(Status s);
  Status Fatal();
  bool fatal_stop() const { return internal_stop_.load(); }
  // The stop flag (CrawlOptions::stop) is set, or a fatal error stopped the run.
  bool Stopping() const;
  // Parse workers release their pages from then on (steady clock); set once by the fetch loop.
  void SetStopDeadline(Steady::time_point deadline);
  bool PastStopDeadline() const;

  // A URL for the frontier. `key` "" makes the URL its own key. `priority`: the URL's page-type
  // priority when the caller knows it already (a link's, from the extraction that classified it);
  // matched here otherwise.
  store::NewUrl MakeNewUrl(const std::string& url, const std::string& key, const Url& parsed, int depth,
                           int redirects, const std::string& from, std::optional<int> priority = std::nullopt) const;
  // A done outcome for a visit that found `change`, with the validators to keep and the next revisit
  // (the revisit policy of `type`, the page type the URL matched; none for nullptr).
  store::UrlOutcome VisitOutcome(const store::LeasedUrl& url, const extract::PageTypeInfo* type, int status,
                                 const store::Headers& headers, std::string body_sha1,
                                 store::PageChange change) const;
  // A 429 or 5xx's Retry-After as a wait, capped at max_retry_after; 0 without one.
  std::chrono::milliseconds RetryAfterOf(const net::FetchResult& result) const;
  // A uniform number in [0, 1) for the retry backoff's jitter. Fetch loop only.
  double Jitter();

 private:
  std::atomic<bool> internal_stop_{false};  // a fatal error
  std::atomic<int64_t> stop_deadline_{0};   // steady-clock ticks; 0 until a stop is seen
  std::mutex fatal_mu_;
  Status fatal_;
  std::mt19937_64 rng_;
};

}  // namespace hc::crawl::internal
