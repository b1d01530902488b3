// crawl: the orchestration stage. It turns responses into stored pages by running the pipeline
// html::DecodeToUtf8 -> html::Document::Parse -> extract::SelectorProgram::Extract -> store::PutPage,
// for pages fetched live (the crawl engine) and for pages already on disk or in the raw archive
// (ingest and reextract). The store never sees HTML; html and extract never see the store.
//
// Thread-safety: the functions below take a PageWriter, which is single-writer: call them from one
// thread at a time per writer (each uses it from one writer thread of its own). ObservePage is
// reentrant (a SelectorProgram may be shared).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/page.h"
#include "core/status.h"
#include "crawl/drift.h"
#include "extract/extract.h"
#include "net/fetcher.h"
#include "net/robots.h"
#include "store/archive.h"
#include "store/dataset.h"
#include "store/frontier.h"
#include "store/host_pace.h"
#include "store/runs.h"
#include "store/warc.h"

namespace hc::crawl {

// ===================================================================================================
// Ingest and re-extraction (src/crawl/ingest.cc, reextract.cc)
// ===================================================================================================
//
// Both run their pages through the crawl's parse workers and single writer (parse_pipeline.h): the
// calling thread reads the files or the archive, `workers` threads decode, parse and extract, and one
// thread stores, in the order the pages were read, so the stored rows are the same for any number of
// workers. Memory is bounded as the crawl's: at most 16 MiB of bodies wait for a worker, 16 MiB of
// parsed pages for the writer, and the workers parse at most 4 MiB of bodies at once; reading waits
// while these are full.

// One response through decode, parse and extract, as the observation PutPage stores. Never fails:
// a status other than 2xx becomes failure_reason "http <status>" (no extraction), a page that does not
// parse "parse: <why>", a missing required field "extract: <path>: <reason>". url_key and the keys of
// record_url_keys use hc::NormalizeUrl with the site's url_normalization (the URL itself when it does
// not parse).
// With `archive`, the response goes to the raw archive with the page.
// The page URL is parsed once here, for its key and for Extract.
store::PageObservation ObservePage(const extract::SelectorProgram& program, store::RawResponse response,
                                   bool archive);

// file name -> URL, from a TSV file of "<path>\t<url>" lines (a path relative to the TSV's folder, or
// absolute; '#' starts a comment line). InvalidArgument names the bad line.
using UrlMap = std::map<std::filesystem::path, std::string>;
Result<UrlMap> LoadUrlMap(const std::filesystem::path& tsv);

struct IngestOptions {
  std::string url;                          // the URL of the only file (ingesting one file)
  const UrlMap* url_map = nullptr;          // or URLs by file
  std::optional<TimePoint> fetched_at;      // default: the sibling .expected.json's, else now
  bool archive = true;                      // keep the bytes in the raw archive
  const Clock* clock = nullptr;             // "now"; the system clock when null
  int workers = 0;                          // parse/extract threads; 0: one per core
};

struct IngestReport {
  int64_t files = 0;
  int64_t stored = 0;    // pages stored (including stored failures)
  int64_t failed = 0;    // pages stored as failures (their reason is in the store)
  int64_t skipped = 0;   // files not stored at all: unreadable, no URL, store refused (see `problems`)
  int64_t bytes = 0;
  std::vector<std::string> problems;  // one line per skipped file
};

// Stores saved pages as if fetched with status 200. A file's URL comes from options.url (one file
// only), else the URL map, else the "url" member of <stem>.expected.json beside it (how the bundled
// fixtures carry their URLs). Each is also written to `warc` when given. The run is recorded in `runs`
// when given. Returns a non-OK Status only for storage errors (which stop the ingest); per-file
// problems are counted and listed in the report.
Result<IngestReport> IngestFiles(const extract::SelectorProgram& program,
                                 const std::vector<std::filesystem::path>& files, const IngestOptions& options,
                                 store::PageWriter& writer, store::WarcWriter* warc, store::RunLog* runs);

struct ReextractReport {
  int64_t responses = 0;  // archived responses read
  int64_t stored = 0;
  int64_t failed = 0;
  int64_t skipped = 0;    // responses of sites without a loaded config
};

struct ReextractOptions {
  int workers = 0;                 // parse/extract threads; 0: one per core
  store::RunLog* runs = nullptr;   // record the run when given
  const Clock* clock = nullptr;    // "now" of the run record; the system clock when null
};

// Re-runs the current selector configs over the archived responses that `query` selects (the newest
// version of each page by default) and stores the results, without fetching. A page whose records
// come out the same is left unchanged (view observations are not duplicated). `archive` and `writer`
// may be one object: the calls to them are serialized. A storage error stops the run (what was read
// before it is stored) and is returned.
Result<ReextractReport> Reextract(const std::vector<const extract::SelectorProgram*>& programs,
                                  store::RawArchive& archive, store::PageWriter& writer,
                                  const store::RawQuery& query, const ReextractOptions& options = {});

// ===================================================================================================
// Crawl engine (src/crawl/engine.cc: the run loop; origin_scheduler.cc, origin_robots.cc,
// origin_pacer.cc: per-origin scheduling; url_outcomes.cc; page_pipeline.cc, observe.cc: the parse
// workers and the writer; sitemap_reader.cc, sitemap.cc; run_context.cc; progress.cc)
// ===================================================================================================
//
// RunCrawl crawls one site into a Frontier (the crawl database) with three kinds of threads joined by
// bounded queues, so memory stays flat however large the crawl:
//
//   fetch loop (the caller's thread; one net::Fetcher Perform loop, refilled from leases on the
//   frontier under per-origin politeness) -> parse workers (decode, parse once, extract records and
//   links from the same tree) -> one store writer (Frontier::Complete: page + URL state + discovered
//   links in one unit; commits at least every commit_interval and by batch size).
//
// The fetcher is passed in: the CLI and the scheduler make the libcurl one (NewCrawlFetcher), tests
// may pass a fake that answers from a table. When the queues are full the fetch loop stops leasing (back-pressure). robots.txt is fetched once per
// origin before anything else there, and sitemaps (robots.txt `Sitemap:` lines and the config's) are
// read into the frontier. Redirects are followed by the engine itself, one frontier URL per hop.
// docs/crawling.md describes the behaviour, the options and every failure reason.
//
// Thread-safety: RunCrawl may be called from one thread per Frontier; it starts and joins its own
// threads. It serializes every call to `frontier` and `runs` itself (they may be one object).

struct CrawlOptions {
  std::vector<std::string> start_urls{};  // replace the config's start_urls when not empty
  // Pages this run may complete (stored, unchanged or failed), counted from this run's start whatever
  // the database holds, as Scrapy's CLOSESPIDER_PAGECOUNT; -1: config limits.max_pages, 0: unlimited.
  int max_pages = -1;
  // URLs of the site done or failed in the whole frontier (earlier runs count) after which the run
  // completes no more; -1: config limits.max_dataset_pages, 0: unlimited.
  int max_dataset_pages = -1;
  int max_depth = -1;       // links from a start URL; -1: config, 0: unlimited
  int workers = 0;          // parse/extract threads; 0: one per core
  int concurrency = 0;      // transfers in flight per origin; 0: config politeness.concurrency
  std::optional<double> delay_seconds{};  // start to start, per origin; unset: config politeness.delay
  int max_attempts = 3;     // tries per URL for network errors, timeouts, 5xx and 429
  std::chrono::milliseconds retry_base_delay{2000};  // backoff: base * 2^(attempt-1), plus 0-50% jitter
  std::chrono::milliseconds retry_max_delay{300'000};
  std::chrono::seconds max_retry_after{3600};         // Retry-After values above this are capped
  std::chrono::milliseconds max_crawl_delay{120'000}; // robots.txt Crawl-delay values above are capped
  // A robots.txt that cannot be had (a network error, 429, 5xx) is tried like a page: up to max_attempts
  // tries with the retry backoff (network errors that cannot pass, such as protocol or tls, skip the
  // retries). Then its origin is held: nothing goes there for robots_unreachable_wait, then robots.txt
  // is tried again; each further hold in the same run doubles (RobotsHoldWait), up to
  // robots_unreachable_max_wait (at least max_idle_wait + 1 s, so a run never waits forever). The
  // origin's URLs wait in the queue meanwhile.
  std::chrono::milliseconds robots_unreachable_wait{60'000};
  std::chrono::milliseconds robots_unreachable_max_wait{3'600'000};
  // When nothing is in flight and every queued URL waits (retry backoff, Retry-After, an unreachable
  // robots.txt), the run waits for the earliest one only if it is due within this; otherwise it ends
  // and the URLs stay queued for the next run.
  std::chrono::milliseconds max_idle_wait{300'000};
  // What CrawlFetcherOptions builds the fetcher's options from: user_agent, cookies and
  // allow_private_addresses are OR-ed/taken from the config; connect_to, ca_file, timeouts from here.
  // RunCrawl itself does not read it (it is given the fetcher).
  net::FetcherOptions fetcher{};
  // Request settings from the command line or a job; each one set wins over the site config's
  // `request:` block (docs/crawling.md, "Request options"). CrawlFetcherOptions puts them into the
  // fetcher's options; RunCrawl reads only user_agent (the robots.txt agent).
  struct RequestOverrides {
    std::optional<std::string> user_agent{};  // also the robots.txt agent (its product token)
    net::HeaderList headers{};                // after the config's; a name given again replaces it
    std::optional<std::string> cookie_jar{};
    std::optional<std::string> proxy{};       // "": no proxy, even if the config or environment names one
  };
  RequestOverrides request{};
  bool archive = true;               // keep each response in the raw archive
  store::WarcWriter* warc = nullptr; // also write responses as WARC records (by the writer thread)
  store::RunLog* runs = nullptr;     // record the run (BeginRun/FinishRun)
  // Politeness shared with the other processes crawling the same database (store/host_pace.h: one start
  // slot per origin and delay for the whole cluster, robots.txt fetched once); null: this process paces
  // alone, as on SQLite. Used from the fetch loop's thread only.
  store::HostPace* host_pace = nullptr;
  // How often the writer records the run's heartbeat and counts so far (RunLog::Heartbeat), so that a
  // run whose process died is told from a running one (docs/RELIABILITY.md, "Run records and heartbeats").
  std::chrono::milliseconds heartbeat_interval{5000};
  // Pages on their way through the crawl: transfers in flight plus pages waiting for a parse worker or
  // the writer; no request starts while this many are on the way (so it also caps a site's politeness
  // concurrency). 64 held a 50,000-page crawl's write queue full of parsed pages near its end (each
  // several times its body) and its peak RSS 4-5 MB above a 5,000-page crawl's; 16 keeps two parse
  // workers and the writer as busy on loopback (docs/BENCHMARKS.md, session 19), as Scrapy's default of
  // 16 requests in flight.
  std::size_t queue_capacity = 16;
  // Byte budgets of the two queues (docs/RELIABILITY.md, "Limits"): fetched bodies waiting for a parse
  // worker, and parsed pages (body-sized estimate plus their discovered links) waiting for the writer.
  std::size_t parse_queue_bytes = 16 * 1024 * 1024;
  std::size_t write_queue_bytes = 16 * 1024 * 1024;
  // Bodies the parse workers parse at once, together. A parsed tree takes 10-25 times its body (a 6 MB
  // page of 200,000 links: about 150 MB of tree, index and links), so this, not the worker count,
  // bounds the workers' memory; ordinary pages (30-300 KB) never wait for it. A body larger than the
  // budget is parsed alone.
  std::size_t parse_bytes = 4 * 1024 * 1024;
  // The most slots the table of links already sent to the writer may grow to this run (8 bytes each,
  // touched only as the table grows; SentLinks). 2^16 (512 KiB) holds the links a portal repeats on
  // every page (navigation, hot lists); at 2^20 the table grew with the crawl's distinct links, to 2 MB
  // resident at 50,000 pages and 8 MB past a million links, for about 1% of the writer's work saved.
  std::size_t sent_link_slots = std::size_t{1} << 16;
  std::chrono::milliseconds commit_interval{1000};  // commit the open batch at least this often
  // On stop, transfers in flight and fetched pages waiting for a parse worker get this long to finish;
  // after it the transfers are abandoned and the waiting pages released unparsed (both back to the queue).
  std::chrono::milliseconds stop_grace{3000};
  std::size_t max_sitemap_bytes = 50 * 1024 * 1024; // per sitemap, decompressed (sitemaps.org limit)
  int max_sitemaps = 1000;                          // sitemap files read per run (indexes included)
  bool read_sitemaps = true;
  std::optional<std::vector<std::string>> sitemaps{};  // replace the config's sitemaps when set (a job's)
  enum class Progress { kOff, kLines, kTerminal, kAuto };  // kAuto: kTerminal when stderr is a tty
  Progress progress = Progress::kOff;
  std::chrono::milliseconds progress_interval{10'000};      // kLines; kTerminal refreshes 4 times a second
  std::string lease_owner{};         // default "<hostname>:<pid>"
  // Revisits (docs/scheduling.md): at the start, done URLs whose revisit interval has passed go back to
  // the queue (kAll: every done URL); their fetch is a conditional GET, and a 304 or an unchanged body
  // is recorded as a visit without re-extraction. The next interval adapts within the page type's
  // revisit {min, max}.
  enum class Recrawl { kDue, kAll };
  Recrawl recrawl = Recrawl::kDue;
  std::string job{};                 // the scheduled job running this crawl (recorded with the run)
  // The drift alarm (docs/drift.md): where the run's fill counts are stored and earlier good runs are
  // read from (usually the Frontier's store); nullptr: nothing stored and only `alerts.fill` floors judged.
  store::FillHistory* fill_history = nullptr;
  // Without `runs`: the crawl_runs row the caller keeps for this crawl (the scheduler's), which the fill
  // counts and the webhook name; 0: none.
  int64_t run_id = 0;
  // A job's webhook (jobs file `options.webhook`); a url set here replaces the config's alerts.webhook.
  struct Webhook {
    std::string url{};
    bool allow_private_addresses = false;
  };
  Webhook webhook{};
  // Poison pages (docs/RELIABILITY.md): the file where each parse worker marks the page it is parsing,
  // so that the next run knows which page a dead crawl was parsing and fails a page that killed
  // internal::kParseDeathLimit (3) crawls in a row. Usually ParseMarksPath(db, site). Empty: no marks
  // (such a page is fetched and parsed again by every run).
  std::filesystem::path parse_marks{};
  // Poison pages on PostgreSQL: the database (a store::OpenDatabase location) whose parse_marks rows
  // hold the marks of every crawler process sharing it (store::SharedParseMarks); set instead of
  // parse_marks. A page that killed kParseDeathLimit crawler processes of this host in a row is failed.
  std::string parse_marks_db{};
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by a signal handler) to stop gracefully
  const Clock* clock = nullptr;      // wall time for fetched_at and eligibility; the system clock if null
};

struct CrawlReport {
  int64_t run_id = 0;        // 0 without a RunLog
  int64_t requests = 0;      // HTTP requests made (robots.txt and sitemaps included)
  int64_t fetched = 0;       // page responses received (any status)
  int64_t stored = 0;        // pages stored and extracted without failure
  int64_t failed = 0;        // URLs recorded as failed
  int64_t redirected = 0;    // URLs recorded as redirected
  int64_t retries = 0;       // attempts put back for a retry
  int64_t discovered = 0;    // URLs new to the frontier (links, sitemaps, redirect targets)
  int64_t bytes = 0;         // decoded body bytes received
  int64_t sitemaps = 0;      // sitemap files read
  int64_t requeued = 0;      // done URLs put back in the queue at the start because they were due
  // Page visits by what they found (store::PageChange): first fetch, changed, unchanged (304 or the
  // same body), gone (404/410 on a revisit).
  int64_t pages_new = 0;
  int64_t pages_changed = 0;
  int64_t pages_unchanged = 0;
  int64_t pages_gone = 0;
  std::map<std::string, int64_t> failures{};  // by reason category (FailureCategory)
  store::FrontierCounts frontier{};           // at the end
  std::chrono::duration<double> elapsed{};
  bool interrupted = false;  // stopped through CrawlOptions::stop
  // No origin could be reached: an origin was held for an unreachable robots.txt, no robots.txt was
  // answered and no page response came.
  bool unreachable = false;
  std::map<std::string, std::string> unreachable_origins{};  // origin -> why its robots.txt could not be had
  // Nothing was completed because the dataset limit (max_dataset_pages) was already reached.
  bool dataset_limit_reached = false;
  // When URLs are still queued at the end: the earliest time one is due (a backoff or hold ends).
  std::optional<TimePoint> next_due{};
  // Conversion notes of the pages extracted, per field (a count and the first example), in the order
  // their field first failed; also logged at the end of the run and kept in crawl_runs.extra.field_notes.
  std::vector<extract::NoteTally::Entry> field_notes{};
  // The drift alarm's verdict on this run (docs/drift.md); judged only when the run would be "ok".
  DriftVerdict drift{};
  int64_t completed() const { return stored + pages_unchanged + failed + redirected; }
  double pages_per_second() const;
};

// crawl_runs.outcome of a crawl that returned `report` (a crawl that returned a Status instead is
// "failed"; docs/RELIABILITY.md, "Exit statuses and failure reasons"), in this order: "interrupted";
// "unreachable"; when the run completed no URL: "ok" if the dataset limit was reached, "waiting" if
// URLs are queued but none was due (backoffs or holds of earlier failures), "nothing due" otherwise;
// "degraded" when the drift alarm found a field below its baseline (report.drift); else "ok".
std::string_view RunOutcome(const CrawlReport& report);
// Whether a run with that outcome failed: `crawl` exits 1 ("unreachable", "waiting", "failed").
bool RunOutcomeFailed(std::string_view outcome);

// The options of the fetcher a crawl of `config` with `options` is meant to run with: options.fetcher,
// then the site config's `request:` block and the command line's or job's overrides (options.request),
// the config's allow_private_addresses OR-ed in, and the per-host cap at the crawl's concurrency.
net::FetcherOptions CrawlFetcherOptions(const extract::SiteConfig& config, const CrawlOptions& options);
// The libcurl fetcher of such a crawl, net::NewCurlFetcher(CrawlFetcherOptions(config, options)): what
// the CLI and the scheduler make before they call RunCrawl. Fails as NewCurlFetcher does (libcurl cannot
// be initialised; InvalidArgument for a cookie jar that cannot be used).
Result<std::unique_ptr<net::Fetcher>> NewCrawlFetcher(const extract::SiteConfig& config, const CrawlOptions& options);

// Crawls the program's site, fetching through `fetcher` (which should be made with
// CrawlFetcherOptions; it must have nothing outstanding). RunCrawl uses it from the calling thread
// only, except Wakeup (from the writer thread), and not after it returns; transfers it abandoned (after
// a stop's grace period, or a storage failure) may still be outstanding then, so destroy the fetcher
// rather than reuse it (destroying it writes its cookie jar file). Returns a non-OK Status
// only when the crawl could not proceed (storage failed, an option that cannot work); failed pages are
// data, recorded in the frontier and the store. A storage failure stops the crawl at once: transfers
// in flight are abandoned and pages not yet stored are dropped (their URLs stay in flight, and the next run's start puts
// them back in the queue); a full disk is IoError "storage: disk full (...)".
Result<CrawlReport> RunCrawl(const extract::SelectorProgram& program, store::Frontier& frontier,
                             net::Fetcher& fetcher, const CrawlOptions& options);

// The parse marks file of a crawl of `site` into the database `db`: "<db>.parsing-<site>" (characters
// other than letters, digits, '-' and '_' in the site key become '_').
std::filesystem::path ParseMarksPath(const std::filesystem::path& db, std::string_view site);

// The interval until the next visit of a page whose page type has `policy`, after a visit that found
// `change`, when the previous interval was `previous` (0 for a first visit). Adaptive as Nutch's
// AdaptiveFetchSchedule: unchanged x1.4, changed x0.8, a new page the policy's interval, all clamped
// to [min, max] (an unset min or max is the interval). 0 (no revisit) when the policy has no interval
// or the page is gone.
std::chrono::milliseconds NextRevisit(const extract::RevisitPolicy& policy, std::chrono::milliseconds previous,
                                      store::PageChange change);

// One kind of failure reason the crawl records (frontier.detail of a failed URL, pages.failure_reason,
// failures.reason). This list is the one source of truth: FailureCategory groups reasons by it, and
// tests/crawl/failure_reasons_test.cc checks that every kind has its row in docs/RELIABILITY.md
// ("Exit statuses and failure reasons") and that every reason text in src/ starts with a kind's prefix.
// A new reason is one entry in failure_reasons.cc and one row in that table.
struct FailureReasonKind {
  std::string_view form;    // as documented: "network: <error>: <detail>", "too large"
  std::string_view prefix;  // every reason of the kind starts with it
  // What FailureCategory returns: this text; or, when empty, the reason up to its second colon
  // ("network: reset", "extract: title") if `by_second_part`, else the whole reason ("http 404").
  std::string_view category;
  bool by_second_part = false;
};
// In matching order: the first kind whose prefix starts a reason is its kind.
const std::vector<FailureReasonKind>& FailureReasonKinds();

// The part of a failure reason a summary groups by: "http 404", "network: timeout", "robots: disallowed",
// "redirect: off-site", "redirect: too many", "too large", "extract: title", "content type", ...
std::string FailureCategory(std::string_view reason);

// The hold of an origin whose robots.txt was unreachable, the `hold`-th time in a run (0 = the first):
// first * 2^hold, at most `max`. With the defaults: 1, 2, 4, 8, 16, 32 minutes, then 1 hour.
std::chrono::milliseconds RobotsHoldWait(int hold, std::chrono::milliseconds first, std::chrono::milliseconds max);

// The wait before retry number `attempt` (1 = the first retry): base * 2^(attempt-1), capped at `max`,
// then stretched by `jitter` in [0, 1) times 50%.
std::chrono::milliseconds RetryBackoff(int attempt, std::chrono::milliseconds base, std::chrono::milliseconds max,
                                       double jitter);

// A sitemap (https://www.sitemaps.org/protocol.html): a <urlset> of <url><loc> entries or a
// <sitemapindex> of <sitemap><loc> entries. Tolerant: entities and CDATA are decoded, anything else
// is skipped; at most `max_urls` locations are kept.
struct Sitemap {
  bool is_index = false;
  std::vector<std::string> locations{};
  bool truncated = false;  // more than max_urls entries
};
Sitemap ParseSitemap(std::string_view xml, std::size_t max_urls = 50'000);
// Gunzips `data` (a .xml.gz sitemap); TooLarge past `max_bytes` of output, Corruption when broken.
Result<std::string> Gunzip(std::string_view data, std::size_t max_bytes);

// One page through decode, parse and extract (as ObservePage), filling on `page` what those stages
// own and reading what earlier ones set (core/page.h): the page type is matched only when `page` has
// none yet, the page URL given to Extract is `page.url` (parsed already), the links to follow land in
// `page.links` (ExtractedPage::links: each parsed once, with its key and priority). Returns the
// observation PutPage stores, made from `page`: url_key, body_sha1 and the page type copied, the
// records moved (page.records is left empty), and with `archive` the response moved too. The
// extraction's conversion notes go to `field_notes` when given.
store::PageObservation ObserveResponse(const extract::SelectorProgram& program, Page& page, bool archive,
                                       std::vector<extract::FieldNote>* field_notes = nullptr);

}  // namespace hc::crawl
