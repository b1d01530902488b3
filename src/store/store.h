// store: the normalized dataset. Every fetched page (and what extraction made of it) goes in through
// PageWriter::PutPage and comes out as tables (sites, pages, articles, article_views, diseases,
// hospitals, doctors, questions, answers, ...; docs/schema.md describes each column), as CSV/JSONL
// exports, as fill-rate statistics, and as a raw archive of responses that `reextract` re-runs the
// selector configs over without fetching.
//
// The API is a set of narrow interfaces, one per concern (PageWriter, Frontier, RawArchive, RunLog,
// JobStore, ExportSource, StatsSource), so that a second backend (PostgreSQL, for many crawler
// processes sharing one crawl) implements the same interfaces and the crawler, exporter and CLI never
// change. SqliteStore is the SQLite implementation; every SQL string and every sqlite3 call lives
// inside src/store/.
// RunExport, WarcWriter and FormatStats are backend-independent and work through the interfaces.
//
// Thread-safety: a SqliteStore is a single-writer object: use it from one thread at a time (the
// crawler gives it to one writer thread and queues pages to it). Several processes may open the same
// database file: SQLite's WAL mode lets readers run beside the one writer, and a writer that finds the
// lock taken waits up to StoreOptions::busy_timeout, then fails with StatusCode::kBusy.
// WarcWriter is likewise single-threaded. Free functions are reentrant.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "store/drift.h"

namespace hc::store {

using Json = nlohmann::ordered_json;  // the page JSON's records keep their field order
using Headers = std::vector<std::pair<std::string, std::string>>;  // in received order

// ---------------------------------------------------------------------------------------------------
// Writing pages
// ---------------------------------------------------------------------------------------------------

// One HTTP response as received: what the raw archive and a WARC file keep.
struct RawResponse {
  std::string url{};         // the final URL (after redirects)
  int status = 0;          // HTTP status; 0 when no response arrived
  Headers headers{};
  std::string body{};        // the bytes as received (after Content-Encoding was undone)
  TimePoint fetched_at{};
};

// One fetch of one page and what extraction made of it: the unit that PutPage stores atomically.
struct PageObservation {
  std::string site{};          // site key ("mfk")
  std::string url{};           // the page URL as fetched
  std::string url_key{};       // its dedupe key (hc::NormalizeUrl); `url` is used when empty
  std::string page_type{};     // "" when no page type matched
  int http_status = 0;       // 0: no response (network failure)
  std::string content_type{};  // the Content-Type header
  std::string charset{};       // the charset the body was decoded from ("GB18030")
  std::string etag{};
  std::string last_modified{};
  TimePoint fetched_at{};
  // "" for a page that was fetched and extracted; otherwise why it failed, for example "http 404",
  // "network: timed out", "extract: required field is missing". A failed page keeps the rows of its
  // last good version; the failure goes to pages.failure_reason and the failures history.
  std::string failure_reason{};
  Json records = Json::array();         // the page JSON's "records" (at most one record)
  Json field_failures = Json::array();  // the page JSON's "failures" ({"path","reason"} objects)
  std::vector<std::string> limits{};    // limits the page hit at this parse (pages.notes)
  int64_t links_dropped = 0;            // links lost to a limit (pages.links_dropped)
  std::optional<RawResponse> raw{};       // archived (zstd) when present and archiving is on
  // The dedupe key of a URL found inside a record (an answer card's question_url), so that a card
  // and the question page it links to meet in one questions row. Identity when empty.
  std::function<std::string(std::string_view)> url_key_of;
};

// Builds an observation from a page JSON document (the extract output and golden-fixture format:
// {"url","site","page_type","fetched_at","records","failures"}). A page with failures gets
// failure_reason "extract: <first path>: <first reason>". InvalidArgument when a member is missing or
// of the wrong type.
Result<PageObservation> ObservationFromPageJson(const Json& page);

class PageWriter {
 public:
  virtual ~PageWriter() = default;
  // Stores one observation: all of its rows or none of them. Idempotent: storing the same observation
  // again changes nothing; an unchanged page observed again only adds a view observation (and moves
  // pages.last_fetched_at); a changed page replaces its rows, keeping view history and failure
  // history. An observation older than the page's last fetch never overwrites newer data.
  // Writes are grouped into batches (transactions); a page is durable after Flush, or once its batch
  // is full. On error the page is not stored and the rest of the batch is unaffected.
  virtual Status PutPage(const PageObservation& page) = 0;
  // Commits the open batch.
  virtual Status Flush() = 0;
};

// ---------------------------------------------------------------------------------------------------
// Raw archive
// ---------------------------------------------------------------------------------------------------

struct RawQuery {
  std::string site{};                // "" for every site
  std::optional<TimePoint> since{};  // only responses fetched at or after
  bool latest_only = true;         // only the newest kept version of each page
};

struct ArchivedResponse {
  int64_t id = 0;
  std::string site{};
  RawResponse response{};
};

class RawArchive {
 public:
  virtual ~RawArchive() = default;
  // Ids of the archived responses that match, oldest fetch first.
  virtual Result<std::vector<int64_t>> ListRawResponses(const RawQuery& query) = 0;
  // One archived response, its body decompressed (with the zstd dictionary its row names, if any).
  // NotFound for an unknown id; Corruption when the stored body does not decompress, or the dictionary
  // it needs is missing or damaged (the error names the response and the dictionary).
  virtual Result<ArchivedResponse> GetRawResponse(int64_t id) = 0;
};

// ---------------------------------------------------------------------------------------------------
// Crawl runs
// ---------------------------------------------------------------------------------------------------

struct RunInfo {
  std::string command{};  // "crawl", "ingest", "reextract"
  std::string sites{};    // comma-separated site keys
  TimePoint started_at{};
  std::string job{};      // the scheduled job that started the run; "" when run by hand
  // Where the run's process runs, for a run that keeps a heartbeat (RunLog::Heartbeat): a run with
  // pid 0 keeps none and is never taken for dead.
  std::string host{};
  int64_t pid = 0;
};

struct RunStats {
  TimePoint finished_at{};
  std::string outcome = "ok";  // "ok", "unreachable", "failed", "interrupted", ... (docs/RELIABILITY.md, run outcomes)
  int64_t pages_fetched = 0;
  int64_t pages_stored = 0;
  int64_t pages_failed = 0;
  int64_t bytes_fetched = 0;
  // What the fetched pages were: first seen, changed since the last visit, unchanged (304, the same
  // body or the same records), gone (404/410 on a revisit).
  int64_t pages_new = 0;
  int64_t pages_changed = 0;
  int64_t pages_unchanged = 0;
  int64_t pages_gone = 0;
  Json extra = Json::object();  // anything else the caller counted
};

class RunLog {
 public:
  virtual ~RunLog() = default;
  virtual Result<int64_t> BeginRun(const RunInfo& run) = 0;
  virtual Status FinishRun(int64_t run_id, const RunStats& stats) = 0;
  // The run is alive at `now`, with the counts so far (`so_far.outcome` and `finished_at` are
  // ignored; the run stays unfinished). A run whose heartbeat stops while its process is gone is
  // marked `killed` by the next process that opens the database for writing (SqliteStore::ReapDeadRuns).
  virtual Status Heartbeat(int64_t run_id, TimePoint now, const RunStats& so_far) = 0;
};

// ---------------------------------------------------------------------------------------------------
// Scheduled jobs (the scheduler daemon's state; docs/scheduling.md)
// ---------------------------------------------------------------------------------------------------
//
// The database is the scheduler's whole state, so a restarted scheduler, or a second one on another
// host, carries on from it: the job definitions, how far each job's fire times were dealt with, and a
// lock per job that makes sure one run of a job at a time. The store knows nothing of cron: the job
// definition is plain text here, parsed by src/schedule.
//
// The lock carries an owner ("host:pid"), its host and pid, and an expiry that the holder's heartbeat
// keeps pushing forward. Whether a holder is gone (the lock expired, or its pid is dead on this host)
// is the scheduler's decision; the store only offers the compare-and-swap that takes a lock over.
// Every JobStore write commits at once (after committing any open page batch of the same object).

struct JobRecord {
  std::string name{};
  std::string site{};
  std::string cron{};                // the expression as written
  std::string time_zone{};           // "" = the machine's zone
  std::string missed = "skip";       // "skip" | "run_once"
  bool paused = false;               // by `schedule pause` (or `schedule add --paused`)
  bool paused_in_file = false;       // `paused: true` in its jobs file
  Json options = Json::object();     // {"max_pages": N, "recrawl": "due", "export": {"format", "out"}}
  std::string source = "cli";        // "cli" (schedule add) | "file" (a jobs file)
  std::string source_file{};         // the jobs file (absolute path) for source "file"
  // Fire times up to and including this moment were dealt with (run or skipped); unset until the
  // scheduler first sees the job. PutJob sets it to `now` for a new job.
  std::optional<TimePoint> checked_through{};
  TimePoint created_at{};
  TimePoint updated_at{};
};

struct JobLock {
  std::string job{};
  std::string owner{};   // "host:pid" of the scheduler holding it
  std::string host{};
  int64_t pid = 0;
  TimePoint acquired_at{};
  TimePoint heartbeat_at{};
  TimePoint expires_at{};
  int64_t run_id = 0;                        // the crawl_runs row of the run it protects; 0 before
  std::optional<TimePoint> scheduled_for{};  // the fire time that run serves
};

// A crawl_runs row.
struct RunRecord {
  int64_t id = 0;
  RunInfo info{};
  bool finished = false;  // false: still running, or its scheduler died and nobody noticed yet
  RunStats stats{};       // meaningful when finished
};

class JobStore {
 public:
  virtual ~JobStore() = default;
  // Every job, by name.
  virtual Result<std::vector<JobRecord>> ListJobs() = 0;
  virtual Result<std::optional<JobRecord>> GetJob(std::string_view name) = 0;
  // Inserts job `record.name`, or replaces its definition (site, cron, time_zone, missed,
  // paused_in_file, options, source, source_file). A new job gets checked_through = `now` (its fire
  // times start after it was added), as does a replaced one whose cron or time_zone changed; a
  // replaced job keeps created_at, `paused` and, otherwise, checked_through. `record.paused` counts
  // only for a new job.
  virtual Status PutJob(const JobRecord& record, TimePoint now) = 0;
  // False when there is no such job. The job's lock, if held, is left to its holder.
  virtual Result<bool> RemoveJob(std::string_view name) = 0;
  // Sets `paused`. Resuming moves checked_through up to `now`, so fire times that passed while the job
  // was paused never run. False when there is no such job.
  virtual Result<bool> SetJobPaused(std::string_view name, bool paused, TimePoint now) = 0;
  // Compare-and-swap of checked_through: sets it to `to` only if it still is `expected` (unset
  // matches unset). False when it was not (another scheduler got there first) or the job is gone.
  virtual Result<bool> SetJobCheckedThrough(std::string_view name, std::optional<TimePoint> expected,
                                            TimePoint to) = 0;

  virtual Result<std::vector<JobLock>> ListJobLocks() = 0;
  // Takes lock `lock.job` for `lock.owner` when nobody holds it, when its expiry is before `now`, when
  // the holder is `replace_owner` (a holder the caller found dead), or when the owner already holds it.
  // True when the caller now holds it.
  virtual Result<bool> AcquireJobLock(const JobLock& lock, TimePoint now, std::string_view replace_owner) = 0;
  // The heartbeat: moves the expiry to `expires_at` and records `run_id` (when not 0). False when
  // `owner` no longer holds the lock (it expired and was taken over).
  virtual Result<bool> RenewJobLock(std::string_view job, std::string_view owner, TimePoint now,
                                    TimePoint expires_at, int64_t run_id) = 0;
  // Releases the lock if `owner` holds it (otherwise does nothing).
  virtual Status ReleaseJobLock(std::string_view job, std::string_view owner) = 0;

  // Ends every unfinished crawl_runs row of `job` with `outcome` at `finished_at`: the runs of a
  // holder that died. Returns how many. Call it only while holding the job's lock.
  virtual Result<int64_t> EndUnfinishedRuns(std::string_view job, std::string_view outcome,
                                            TimePoint finished_at) = 0;
  // The runs of `job` (every scheduled job when empty; with `include_manual`, crawls run by hand
  // too), newest first, at most `limit`.
  virtual Result<std::vector<RunRecord>> ListRuns(std::string_view job, bool include_manual, int limit) = 0;
};

// ---------------------------------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------------------------------

enum class ColumnKind { kInteger, kReal, kText, kJson };  // kJson: a JSON document stored as text

struct ExportColumn {
  std::string name{};
  ColumnKind kind{};
};

struct ExportTable {
  std::string name{};                  // "articles"
  std::vector<ExportColumn> columns{}; // in the documented, stable order (docs/schema.md)
};

// The exportable tables, in the order `--all` writes them.
const std::vector<ExportTable>& ExportTables();
const ExportTable* FindExportTable(std::string_view name);

using Cell = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Row = std::vector<Cell>;  // one cell per ExportColumn, same order

struct ExportFilter {
  std::string site{};                  // "" for every site
  std::optional<TimePoint> since{};    // rows updated (views: observed) at or after
  int64_t after_seq = 0;             // rows whose change sequence is > after_seq ...
  int64_t upto_seq = INT64_MAX;      // ... and <= upto_seq
};

struct ExportRecord {
  std::string target{};       // what --since-last or --cursor keys on (RunExport builds it)
  std::string format{};       // "csv", "jsonl"
  std::string table{};        // table name, or "articles_nested"
  std::string site{};
  std::string path{};
  TimePoint exported_at{};
  int64_t upto_seq = 0;     // the change sequence the export covered
  int64_t rows = 0;
};

class ExportSource {
 public:
  virtual ~ExportSource() = default;
  // Calls `row` for each row of `table` that passes the filter, streaming (constant memory).
  // A non-OK Status from `row` stops the scan and is returned.
  virtual Status ScanTable(const ExportTable& table, const ExportFilter& filter,
                           const std::function<Status(const Row&)>& row) = 0;
  // One document per article: the article's columns plus "diseases" and "answers" (each answer with
  // its question and its doctor and hospital) nested, in page order. Streaming.
  virtual Status ScanArticleDocuments(const ExportFilter& filter,
                                      const std::function<Status(const Json&)>& doc) = 0;
  // The newest change sequence number: every row written later gets a larger one.
  virtual Result<int64_t> CurrentChangeSeq() = 0;
  // upto_seq of the newest recorded export of `target`; 0 when there is none.
  virtual Result<int64_t> LastExportSeq(std::string_view target) = 0;
  // How many exports of `target` are recorded (the {run} of the next one is this plus one).
  virtual Result<int64_t> CountExports(std::string_view target) = 0;
  // Records the files of one export, all or none (one transaction).
  virtual Status RecordExports(const std::vector<ExportRecord>& records) = 0;
};

enum class ExportFormat { kJsonl, kCsv };

struct ExportOptions {
  ExportFormat format = ExportFormat::kJsonl;
  // A file, "-" for stdout, or with `all` a folder (created when missing). May hold the placeholders
  // {date} and {time} (UTC, of `now`), {run} (1 + the exports recorded for the cursor or target) and
  // {seq} (the change sequence the export covers); any other {name} is InvalidArgument.
  std::filesystem::path out{};
  std::string table{};            // one table (ignored with `all` or `nested`)
  bool all = false;             // every table, one file each: <out>/<table>.<csv|jsonl>
  bool nested = false;          // JSONL, one document per article (ignores `table`)
  std::string site{};
  std::optional<TimePoint> since{};
  bool bom = false;             // CSV: start with a UTF-8 BOM (Excel then reads the file as UTF-8)
  bool force = false;           // replace existing files
  bool since_last = false;      // only rows changed since the last export of the same target
  // A named cursor, stored in the source: only rows changed since this cursor's last export of the
  // same table and site. Independent of `out`. Excludes `since_last`.
  std::string cursor{};
  TimePoint now{};              // recorded as the export time
  bool record = true;           // record the export in the source (since_last needs it)
};

struct ExportSummary {
  std::vector<std::pair<std::filesystem::path, int64_t>> files{};  // each file written, with its rows
  int64_t bytes = 0;
  bool unchanged = false;  // an incremental export found no changed row: nothing written or recorded
};

// Writes an export. CSV follows RFC 4180 (CRLF line ends, a header line, fields quoted when they hold
// a comma, quote, CR or LF, quotes doubled); JSON columns appear as JSON text in CSV and as JSON values
// in JSONL. Each file is written to a temporary file in the target folder and renamed into place when
// complete, so a reader never sees half a file, an existing file is replaced only with `force`
// (otherwise IoError), and a symlink at the target is replaced, never followed. Every file of an export
// is written before the first is renamed into place; on any failure the export's temporary files, the
// files it renamed (unless `force`) and a folder it created are removed. A target is (format, table,
// site, output name before its placeholders are filled in) or, with `cursor`, (cursor, table, site);
// each export is recorded, and `since_last`/`cursor` export only the rows changed after the target's
// previous export; when there are none, nothing is written or recorded and `unchanged` is set. With
// `all`, an incremental export writes only the tables with changed rows.
Result<ExportSummary> RunExport(ExportSource& source, const ExportOptions& options);

// RFC 4180 field quoting (exposed for tests).
std::string CsvField(std::string_view value);

// ---------------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------------

struct StatsReport {
  struct TableCount {
    std::string site{};   // "*" for tables shared by all sites (hospitals, doctors, diseases)
    std::string table{};
    int64_t rows = 0;
  };
  struct FillRate {
    std::string site{};
    std::string table{};
    std::string field{};
    int64_t filled = 0;  // rows where the field is neither null nor empty
    int64_t total = 0;
  };
  struct FailureCount {
    std::string site{};
    std::string reason{};
    int64_t pages = 0;   // pages whose latest fetch failed for this reason
    int64_t events = 0;  // failures recorded in the history
  };
  std::vector<TableCount> tables{};
  std::vector<FillRate> fill_rates{};
  std::vector<FailureCount> failures{};
  // Values a field found but could not convert, from each site's latest finished crawl run
  // (crawl_runs.extra.field_notes, written by the crawl); ordered by site, then as the run listed them (the order their fields first failed).
  struct FieldNoteCount {
    std::string site{};
    int64_t run_id = 0;
    std::string field{};    // "article.views", "answers[].answered_at"
    int64_t notes = 0;      // notes of the field in that run
    std::string example{};  // the first one: "\"1.2\" is not a count"
    std::string url{};      // the page of the example
  };
  std::vector<FieldNoteCount> field_notes{};
  std::optional<std::string> oldest_fetch{};  // ISO 8601 UTC
  std::optional<std::string> newest_fetch{};
};

class StatsSource {
 public:
  virtual ~StatsSource() = default;
  virtual Result<StatsReport> ComputeStats() = 0;
};

// A plain-text report for a terminal (what `healthcrawl stats` prints).
std::string FormatStats(const StatsReport& report);
Json StatsToJson(const StatsReport& report);

// ---------------------------------------------------------------------------------------------------
// Frontier
// ---------------------------------------------------------------------------------------------------
//
// One row per URL of a site, keyed by its dedupe key (hc::NormalizeUrl with the site's
// url_normalization): adding a URL that is already known, in any state, changes nothing. A row moves
//
//   queued --Lease--> in_flight --Complete--> done | failed | redirected
//                         |--Retry--> queued (attempts + 1, not before a later time)
//                         |--Release--> queued (as it was: the crawl stopped before finishing it)
//
// A lease carries an owner and an expiry rather than a plain flag, so that a backend shared by many
// crawler processes (PostgreSQL) hands each URL to one of them and takes back the URLs of a process
// that died (RecoverLeases). Complete, Retry and Release name the owner; a lease that is no longer the
// caller's (it expired and was handed to someone else) is refused with StatusCode::kBusy and nothing is
// written.
//
// Revisits: a done URL with a revisit interval becomes due again (RequeueDue); its lease then carries
// the validators and body hash of the last visit, so the crawler can send a conditional GET and skip
// re-extraction of an unchanged page. Complete without a page but with PageChange::kUnchanged records
// the visit on the stored page (last_fetched_at, fetch_count) without touching its records.
//
// Atomicity: Complete stores the page (as PageWriter::PutPage does), sets the URL's final state and
// adds the URLs discovered on it in one unit: all of it or none of it becomes durable. Frontier writes
// join the backend's open write batch, which Flush commits (in SqliteStore, the same transaction as
// PutPage's batches), so a crash never leaves a stored page whose URL is still queued, nor a done URL
// without its page.
//
// Thread-safety: as the backend (SqliteStore: one thread at a time).

enum class UrlState { kQueued, kInFlight, kDone, kFailed, kRedirected };

// "queued", "in_flight", "done", "failed", "redirected": the values stored in the database.
std::string_view UrlStateName(UrlState state);

// A URL to add.
struct NewUrl {
  std::string site{};
  std::string url{};              // absolute URL to fetch
  std::string url_key{};          // dedupe key; `url` when empty
  std::string origin{};           // "https://www.mfk.com": what politeness and Lease's skip list key on
  int depth = 0;                  // links followed from a start URL (start and sitemap URLs: 0)
  int priority = 0;               // higher is leased first (the page type's priority)
  int redirects = 0;              // redirect hops that led here (0 for a link)
  std::string discovered_from{};  // url_key of the page (or the sitemap URL) it was found on; "" for a seed
  TimePoint not_before{};         // not leased before this time
};

// A leased URL.
struct LeasedUrl {
  int64_t id = 0;
  std::string site{};
  std::string url{};
  std::string url_key{};
  std::string origin{};
  int depth = 0;
  int priority = 0;
  int redirects = 0;
  int attempts = 0;               // failed attempts so far (Retry counts them)
  std::string discovered_from{};
  std::string last_error{};       // the reason given to the last Retry, "" if none
  // Revisit state of a URL visited before (all empty/0 for a URL never fetched).
  int visits = 0;                 // completed visits
  std::string etag{};             // validators of the last full response, for a conditional GET
  std::string last_modified{};
  std::string body_sha1{};        // hex SHA-1 of the last decoded body
  std::chrono::milliseconds revisit{0};  // the interval that scheduled this visit; 0 if none
  int parse_deaths = 0;           // consecutive crawler deaths while its page was being parsed
};

struct LeaseRequest {
  std::string site{};
  std::string owner{};                    // who holds the leases, e.g. "host:pid"
  int max_urls = 1;
  TimePoint now{};                        // rows with not_before <= now are eligible
  std::chrono::seconds lease_for{600};    // the lease expires at now + lease_for
  std::vector<std::string> skip_origins{};  // do not lease URLs of these origins (busy hosts)
};

// What a visit found, compared with the previous one.
enum class PageChange {
  kNone,       // not a page visit (a redirect, a failure that is not "gone")
  kNew,        // first successful visit
  kChanged,    // the body or its records differ from the last visit
  kUnchanged,  // 304 Not Modified, or the same body: nothing re-extracted
  kGone,       // 404 or 410 for a URL that was fetched before
};
std::string_view PageChangeName(PageChange change);  // "new", "changed", "unchanged", "gone", ""

// The final outcome of a leased URL.
struct UrlOutcome {
  int64_t id = 0;
  std::string owner{};
  UrlState state = UrlState::kDone;  // kDone, kFailed or kRedirected
  std::string detail{};              // kFailed: the failure reason; kRedirected: the target URL
  int attempts = 1;                  // attempts made in all (the successful one included)
  int http_status = 0;               // of the last response; 0 when none arrived
  TimePoint finished_at{};
  std::vector<NewUrl> discovered{};  // added as AddUrls does, in the same unit
  // Revisits: the change found, the validators and body hash to keep for the next conditional GET
  // (empty keeps the stored ones, as after a 304), and the interval until the next visit (0: none;
  // the URL becomes due at finished_at + revisit and RequeueDue puts it back in the queue).
  PageChange change = PageChange::kNone;
  std::string etag{};
  std::string last_modified{};
  std::string body_sha1{};
  std::chrono::milliseconds revisit{0};
  int64_t run_id = 0;  // the crawl_runs row of the run that decided it (frontier.run_id); 0: none
};

struct FrontierCounts {
  int64_t queued = 0;
  int64_t in_flight = 0;
  int64_t done = 0;
  int64_t failed = 0;
  int64_t redirected = 0;
  int64_t total() const { return queued + in_flight + done + failed + redirected; }
};

class Frontier {
 public:
  virtual ~Frontier() = default;
  // Adds the URLs that are not known yet (by url_key, within their site). Returns how many were new.
  virtual Result<int64_t> AddUrls(const std::vector<NewUrl>& urls) = 0;
  // Leases up to max_urls queued, eligible URLs of the site: highest priority first, then lowest
  // depth, then oldest. Expired leases of other owners are eligible again.
  virtual Result<std::vector<LeasedUrl>> Lease(const LeaseRequest& request) = 0;
  // Records the final outcome of a leased URL and, when `page` is given, stores the page (see
  // PageWriter::PutPage), as one unit. InvalidArgument when the outcome state is not final or the page
  // is invalid (then nothing is written); Busy when the lease is not the owner's.
  virtual Status Complete(const UrlOutcome& outcome, const PageObservation* page) = 0;
  // Puts a leased URL back to the queue after a failed attempt: attempts becomes `attempts`, it is not
  // leased again before `not_before`, and `error` is kept as its last error.
  virtual Status Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
                       std::string_view error) = 0;
  // Puts a leased URL back to the queue unchanged (eligible from `not_before`): the crawl stopped, or
  // its host cannot be visited yet.
  virtual Status Release(int64_t id, std::string_view owner, TimePoint not_before) = 0;
  // Puts back to the queue the site's in-flight URLs whose lease expired before `now`, or, with `all`,
  // every in-flight URL of the site (a single-process crawl starting after a crash: nobody else holds
  // a lease). Returns how many.
  virtual Result<int64_t> RecoverLeases(std::string_view site, TimePoint now, bool all) = 0;
  virtual Result<FrontierCounts> CountUrls(std::string_view site) = 0;
  // The earliest not_before of the site's queued URLs; nullopt when none is queued.
  virtual Result<std::optional<TimePoint>> NextEligible(std::string_view site) = 0;
  // Puts the site's done URLs whose next visit is due at `now` (with `all`: every done URL) back in the
  // queue, eligible at once (attempts reset, the revisit state kept for the conditional GET). Returns
  // how many.
  virtual Result<int64_t> RequeueDue(std::string_view site, TimePoint now, bool all) = 0;
  // Makes the site's queued URLs that wait (a retry backoff, a Retry-After, an unreachable robots.txt)
  // eligible at `now`, their failed attempts forgotten: `crawl --clear-holds`, once an address is fixed.
  // Returns how many.
  virtual Result<int64_t> ClearWaits(std::string_view site, TimePoint now) = 0;
  // After a crawler of `site` died (docs/RELIABILITY.md, "Poison pages"): the queued URLs in
  // `being_parsed` (their page was being parsed or extracted at the death) count one more consecutive
  // death, and every other URL of the site starts again from none (this death broke their chain).
  // Call after RecoverLeases. The URLs that reach `limit` are leased to `owner` for `lease_for` and
  // returned, for the caller to fail; the others stay queued.
  virtual Result<std::vector<LeasedUrl>> RecordParseDeath(std::string_view site,
                                                          const std::vector<int64_t>& being_parsed, int limit,
                                                          std::string_view owner, TimePoint now,
                                                          std::chrono::milliseconds lease_for) = 0;
  // True when the URL `id` was added by a committed transaction (false for one added since the last
  // Flush, which a crash would take back, and whose id a later insert may then reuse).
  virtual bool UrlIsCommitted(int64_t id) = 0;
  // Commits the open batch (the same batch as PageWriter::Flush in a backend that is both).
  virtual Status Flush() = 0;
};

// ---------------------------------------------------------------------------------------------------
// The SQLite backend
// ---------------------------------------------------------------------------------------------------

// How the raw archive compresses a site's bodies with a zstd dictionary trained from the site's own
// pages (docs/schema.md, "zstd_dictionaries": the sample, the retraining rule).
struct ArchiveDictionaryOptions {
  bool enabled = true;              // false: every body is a plain zstd frame, as before schema 7
  int sample_pages = 128;           // a site's dictionary is trained from this many of its archived bodies
  int64_t sample_bytes = 8 << 20;   // ... or fewer, once they add up to this (each counts up to 128 KiB)
  int64_t max_dictionary_bytes = 112 << 10;
  // The moving ratio: raw over compressed bytes of the site's latest `window_pages` bodies compressed
  // with its dictionary. Once it falls more than `retrain_drop` below the ratio the dictionary had on
  // held-out sample pages at training time, a new sample is collected and a new dictionary trained.
  int window_pages = 256;
  double retrain_drop = 0.2;
};

struct StoreOptions {
  bool read_only = false;     // open for reading only (stats); writes then fail
  bool create = true;         // create the file when missing (with read_only: never)
  std::chrono::milliseconds busy_timeout{5000};  // wait this long for another process's lock
  int batch_pages = 200;      // pages per write transaction
  // A batch is also committed by the first PutPage after it is this old, so a slow crawl does not hold
  // the write lock for long; a writer that goes idle should call Flush.
  std::chrono::milliseconds batch_max_age{2000};
  int raw_versions = 1;       // archived responses kept per page; 0 archives nothing
  int zstd_level = 3;
  ArchiveDictionaryOptions dictionaries{};
  const Clock* clock = nullptr;  // for updated_at; the system clock when null
  // PRAGMA max_page_count when above 0: the file grows to at most this many pages (4 KiB each), and a
  // write past it fails as a full disk does ("storage: disk full"). A size cap, and how the tests
  // fill the disk.
  int64_t max_page_count = 0;
  // A writable Open marks as `killed` the unfinished runs that keep a heartbeat, whose last heartbeat is
  // older than this and whose process is gone (ReapDeadRuns). Off when reap_dead_runs is false.
  bool reap_dead_runs = true;
  std::chrono::milliseconds dead_run_after{60'000};
};

// The schema version this build writes (PRAGMA user_version).
int CurrentSchemaVersion();

class SqliteStore final : public PageWriter,
                          public Frontier,
                          public RawArchive,
                          public RunLog,
                          public FillHistory,
                          public JobStore,
                          public ExportSource,
                          public StatsSource {
 public:
  // Opens (creating if allowed) the database and migrates it to CurrentSchemaVersion() in one
  // transaction. Errors, each leaving the file untouched: Busy when another process holds the lock
  // past the busy timeout; IoError when the file cannot be opened or is read-only for a writer;
  // Corruption when it is not a database, not a healthcrawl database, or from a newer schema version.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path,
                                                   const StoreOptions& options = {});
  ~SqliteStore() override;  // commits the open batch (errors are logged)
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status PutPage(const PageObservation& page) override;
  // Commits the open batch: the pages of PutPage and Complete and every frontier change since the last
  // commit (PageWriter::Flush and Frontier::Flush are the same).
  Status Flush() override;

  // The frontier lives in the same database (table `frontier`, docs/schema.md), and its writes join
  // the same open batch, so a committed page always has its URL's final state and vice versa.
  Result<int64_t> AddUrls(const std::vector<NewUrl>& urls) override;
  Result<std::vector<LeasedUrl>> Lease(const LeaseRequest& request) override;
  Status Complete(const UrlOutcome& outcome, const PageObservation* page) override;
  Status Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
               std::string_view error) override;
  Status Release(int64_t id, std::string_view owner, TimePoint not_before) override;
  Result<int64_t> RecoverLeases(std::string_view site, TimePoint now, bool all) override;
  Result<FrontierCounts> CountUrls(std::string_view site) override;
  Result<std::optional<TimePoint>> NextEligible(std::string_view site) override;
  Result<int64_t> RequeueDue(std::string_view site, TimePoint now, bool all) override;
  Result<int64_t> ClearWaits(std::string_view site, TimePoint now) override;
  Result<std::vector<LeasedUrl>> RecordParseDeath(std::string_view site, const std::vector<int64_t>& being_parsed,
                                                  int limit, std::string_view owner, TimePoint now,
                                                  std::chrono::milliseconds lease_for) override;
  bool UrlIsCommitted(int64_t id) override;

  Result<std::vector<int64_t>> ListRawResponses(const RawQuery& query) override;
  Result<ArchivedResponse> GetRawResponse(int64_t id) override;

  Result<int64_t> BeginRun(const RunInfo& run) override;
  Status FinishRun(int64_t run_id, const RunStats& stats) override;
  Status Heartbeat(int64_t run_id, TimePoint now, const RunStats& so_far) override;
  // Per-run fill counts and alarms (store/drift.h; sqlite_drift.cc).
  Status PutRunFill(const RunFill& fill) override;
  Result<std::vector<RunFill>> ListRunFill(std::string_view site, bool good_only, int limit) override;
  Status PutFillAlarms(int64_t run_id, std::string_view site, const std::vector<FillAlarm>& alarms) override;
  Result<std::vector<DegradedRun>> ListDegradedRuns(std::string_view site, int limit) override;
  // Marks `killed` every unfinished run with a heartbeat older than `stale_after` at `now` whose
  // process is gone: on this host (the same host name), kill(pid, 0) fails with ESRCH; on another host,
  // staleness alone decides. Its counts become the real ones, counted from the frontier rows the run
  // decided (frontier.run_id), its bytes stay those of the last heartbeat, and finished_at is its last
  // heartbeat. Returns the ids marked. Open runs it (StoreOptions::reap_dead_runs).
  Result<std::vector<int64_t>> ReapDeadRuns(TimePoint now, std::chrono::milliseconds stale_after);

  // The scheduler's state (sqlite_jobs.cc): tables `jobs` and `job_locks`.
  Result<std::vector<JobRecord>> ListJobs() override;
  Result<std::optional<JobRecord>> GetJob(std::string_view name) override;
  Status PutJob(const JobRecord& record, TimePoint now) override;
  Result<bool> RemoveJob(std::string_view name) override;
  Result<bool> SetJobPaused(std::string_view name, bool paused, TimePoint now) override;
  Result<bool> SetJobCheckedThrough(std::string_view name, std::optional<TimePoint> expected,
                                    TimePoint to) override;
  Result<std::vector<JobLock>> ListJobLocks() override;
  Result<bool> AcquireJobLock(const JobLock& lock, TimePoint now, std::string_view replace_owner) override;
  Result<bool> RenewJobLock(std::string_view job, std::string_view owner, TimePoint now, TimePoint expires_at,
                            int64_t run_id) override;
  Status ReleaseJobLock(std::string_view job, std::string_view owner) override;
  Result<int64_t> EndUnfinishedRuns(std::string_view job, std::string_view outcome, TimePoint finished_at) override;
  Result<std::vector<RunRecord>> ListRuns(std::string_view job, bool include_manual, int limit) override;

  Status ScanTable(const ExportTable& table, const ExportFilter& filter,
                   const std::function<Status(const Row&)>& row) override;
  Status ScanArticleDocuments(const ExportFilter& filter,
                              const std::function<Status(const Json&)>& doc) override;
  Result<int64_t> CurrentChangeSeq() override;
  Result<int64_t> LastExportSeq(std::string_view target) override;
  Result<int64_t> CountExports(std::string_view target) override;
  Status RecordExports(const std::vector<ExportRecord>& records) override;

  Result<StatsReport> ComputeStats() override;

  // PRAGMA integrity_check and foreign_key_check; Corruption with the first problem found.
  Status CheckIntegrity();

  struct Rep;

 private:
  explicit SqliteStore(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_{};
};

// ---------------------------------------------------------------------------------------------------
// WARC output
// ---------------------------------------------------------------------------------------------------

struct WarcOptions {
  std::filesystem::path dir{};            // created when missing
  std::string prefix = "healthcrawl";   // file names: <prefix>-<UTC time>-<pid>-<n>.warc.gz
  bool gzip = true;                     // one gzip member per record (.warc.gz), else plain .warc
  uint64_t max_file_bytes = 1ull << 30; // start a new file past this size
  std::string software = "healthcrawl/0.1";
};

// Writes responses as WARC 1.1 `response` records (ISO 28500:2017; the WARC 1.1 specification):
// WARC-Target-URI, WARC-Date, WARC-Record-ID (a random UUID URN), Content-Type
// application/http;msgtype=response, Content-Length, WARC-Payload-Digest and WARC-Block-Digest
// (sha1 in RFC 4648 base32, computed by our own SHA-1). Each file opens with a `warcinfo` record. The
// HTTP header block is rebuilt from the stored headers; Content-Encoding and Transfer-Encoding are
// dropped and Content-Length set, because the stored body is already decoded.
class WarcWriter {
 public:
  static Result<std::unique_ptr<WarcWriter>> Create(const WarcOptions& options);
  ~WarcWriter();
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;

  Status WriteResponse(const RawResponse& response);
  Status Close();
  const std::filesystem::path& current_file() const;

  struct Rep;

 private:
  explicit WarcWriter(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_{};
};

// SHA-1 (FIPS 180-4) of `data` as 20 raw bytes, and helpers for digests (exposed for tests).
std::string Sha1(std::string_view data);
std::string Base32(std::string_view bytes);  // RFC 4648 section 6, with padding
std::string HexLower(std::string_view bytes);

}  // namespace hc::store
