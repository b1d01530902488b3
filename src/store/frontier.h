// store/frontier.h: the crawl frontier, the queue of every URL of a site and its state.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/dataset.h"

namespace hc::store {

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
// Thread-safety: as the backend that implements it (one thread at a time).

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
  int attempts = 0;  // failed attempts so far (Retry counts them)
  std::string discovered_from{};
  std::string last_error{};  // the reason given to the last Retry, "" if none
  // Revisit state of a URL visited before (all empty/0 for a URL never fetched).
  int visits = 0;      // completed visits
  std::string etag{};  // validators of the last full response, for a conditional GET
  std::string last_modified{};
  std::string body_sha1{};               // hex SHA-1 of the last decoded body
  std::chrono::milliseconds revisit{0};  // the interval that scheduled this visit; 0 if none
  int parse_deaths = 0;                  // consecutive crawler deaths while its page was being parsed
};

struct LeaseRequest {
  std::string site{};
  std::string owner{};  // who holds the leases, e.g. "host:pid"
  int max_urls = 1;
  TimePoint now{};                          // rows with not_before <= now are eligible
  std::chrono::seconds lease_for{600};      // the lease expires at now + lease_for
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
  // Puts every URL of the site leased to `owner` back in the queue, unchanged: a crawl that stops on a
  // storage error, whose last write batch (and the completions in it) was rolled back, so that the
  // other crawlers of a shared frontier need not wait for the leases to expire. Returns how many.
  virtual Result<int64_t> ReleaseLeases(std::string_view site, std::string_view owner) = 0;
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

// Poison-page marks kept in the database, for crawler processes that share one (PostgreSQL; table
// parse_marks, docs/RELIABILITY.md "Poison pages", docs/postgresql.md): each process has one row per
// parse worker (slot) holding the frontier id that worker is parsing, written at once on a connection
// of its own, so that what a process was parsing when it died outlives it. A SQLite crawl keeps its
// marks in a file beside the database instead (crawl::ParseMarksPath).
//
// Thread-safety: Set may be called from many threads at once.
class SharedParseMarks {
 public:
  // What dead crawler processes of the site left.
  struct Left {
    std::vector<std::string> owners;    // the dead processes found (their marks are deleted)
    std::vector<int64_t> being_parsed;  // the frontier ids they were parsing
  };
  virtual ~SharedParseMarks() = default;  // a clean end: this process's rows are deleted
  // Marks the frontier id the worker `slot` is parsing (0: nothing), committed at once. A failed write
  // is remembered and reported at the end: a lost mark only loses the protection.
  virtual void Set(int slot, int64_t frontier_id) = 0;
};

// Opens the marks of `owner` ("<host>:<pid>", the crawl's lease owner) for `site` in the PostgreSQL
// database at `location` with `slots` workers: collects into `left` (and deletes) the marks of the
// site's crawler processes known to be gone — an owner on this host whose process no longer exists, as
// for RecoverLeases, and rows under `owner` itself, which an earlier process with this pid left — then
// writes this process's rows, parsing nothing. Unsupported for a SQLite location.
Result<std::unique_ptr<SharedParseMarks>> OpenSharedParseMarks(const std::string& location,
                                                               std::string_view site, std::string_view owner,
                                                               int slots, SharedParseMarks::Left* left);

}  // namespace hc::store
