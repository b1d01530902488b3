// Internal to src/crawl: poison pages (docs/RELIABILITY.md, "Poison pages"). A page whose parse or
// extraction kills the process (a bug not found yet, a library fault) would otherwise be fetched and
// parsed again by every restart, and crash it again. Each parse worker marks the frontier id of the page
// it is parsing in a small file beside the database (SQLite), or in the database's parse_marks rows when
// crawler processes share a PostgreSQL database (store::SharedParseMarks); the next crawl reads what a
// dead one left there,
// counts the death against those pages in the frontier (frontier.parse_deaths) and fails a page once it
// was being parsed at kParseDeathLimit consecutive deaths.
//
// Thread-safety: ParseMarks::Set and Clear may be called from many threads at once, each with its own
// slot; Open and the destructor from one thread with no Set/Clear running.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/frontier.h"

namespace hc::crawl::internal {

// Consecutive deaths with the same page being parsed before that page is failed. 3, not 2: a URL that
// was in flight at a death is leased again first (it is the oldest queued URL of its priority), so its
// parse falls in the first moments of the next run, where a second unrelated death — a crash loop at
// startup, a supervisor's kill, the OOM killer — is most likely to land. Two such deaths in a row on
// one healthy page are rare; three are not credible. A real poison page costs three restarts.
constexpr int kParseDeathLimit = 3;

// The failure reason of a poison page: "parse: the crawler died while parsing this page 3 times in a
// row". It reuses the `parse` outcome (a page that could not be parsed), so summaries group it there.
std::string PoisonReason();

// The marks file: an array of native 64-bit integers. [0] is 1 while a crawl runs and 0 after a clean
// end; [1 + slot] is the frontier id the worker `slot` is parsing, 0 when it is parsing nothing. A
// SIGKILL loses nothing written with pwrite (the page cache outlives the process), so no fsync.
class ParseMarks {
 public:
  // What the previous crawl left: `died` when it did not end cleanly, and the ids being parsed then.
  struct LastRun {
    bool died = false;
    std::vector<int64_t> being_parsed{};
  };

  // Opens (creating) the file, takes an exclusive lock on it (Busy when another crawl holds it), reads
  // what the last run left into `last`, and starts this run's record: the run flag set and `slots`
  // empty slots. IoError when the file cannot be opened or written.
  static Result<std::unique_ptr<ParseMarks>> Open(const std::filesystem::path& path, int slots, LastRun* last);
  // The marks of `owner`, a crawler process of `site`, in the PostgreSQL database at `db` (shared by
  // the processes that crawl it, store::OpenSharedParseMarks): `last` is what the site's processes
  // known to be gone left (`died` when there was one).
  static Result<std::unique_ptr<ParseMarks>> OpenShared(const std::string& db, std::string_view site,
                                                        std::string_view owner, int slots, LastRun* last);
  ~ParseMarks();  // a clean end: the run flag cleared, the lock released (the rows deleted)
  ParseMarks(const ParseMarks&) = delete;
  ParseMarks& operator=(const ParseMarks&) = delete;

  void Set(int slot, int64_t frontier_id) { Write(1 + slot, frontier_id); }
  void Clear(int slot) { Write(1 + slot, 0); }

 private:
  ParseMarks(int fd, std::filesystem::path path, int slots) : fd_(fd), path_(std::move(path)), slots_(slots) {}
  void Write(int index, int64_t value);

  std::unique_ptr<store::SharedParseMarks> shared_;  // set instead of the file on PostgreSQL
  int fd_ = -1;
  std::filesystem::path path_;
  int slots_ = 0;
  bool write_failed_ = false;  // reported once, at the end: a lost mark only loses the protection
};

// Held around one page's parse and extraction by a parse worker: marks the page in the worker's slot
// and clears the mark at the end. A suspect page (LeasedUrl::parse_deaths > 0: it was being parsed at
// the last death, perhaps beside the page that caused it) is parsed alone — it waits for the other
// parses to end and holds the next ones back — so that a death during its parse is its own and not
// counted against whatever else was being parsed. Does nothing without marks.
class MarkedParse {
 public:
  MarkedParse(ParseMarks* marks, std::shared_mutex& gate, int slot, const store::LeasedUrl& url);
  ~MarkedParse();
  MarkedParse(const MarkedParse&) = delete;
  MarkedParse& operator=(const MarkedParse&) = delete;

 private:
  ParseMarks* marks_;
  int slot_;
  std::shared_lock<std::shared_mutex> beside_others_;
  std::unique_lock<std::shared_mutex> alone_;
};

// Where a crawl keeps its marks: a file (SQLite), or the PostgreSQL database `db`.
struct ParseMarksAt {
  std::filesystem::path path{};
  std::string db{};
};

// At the start of a crawl: opens the marks at `at` with `slots` slots into `*marks` and, when the last
// crawl of this database died (on PostgreSQL: a crawler process of the site known to be gone), records
// the death in `frontier` (Frontier::RecordParseDeath). Returns the URLs that reached kParseDeathLimit,
// leased to `owner`, for the caller to fail with PoisonReason. A file another crawl holds leaves
// `*marks` null (logged: this run goes without the protection).
Result<std::vector<store::LeasedUrl>> StartParseMarks(const ParseMarksAt& at, int slots,
                                                      store::Frontier& frontier, std::string_view site,
                                                      std::string_view owner, TimePoint now,
                                                      std::unique_ptr<ParseMarks>* marks);

// Test builds only (compiled with HC_CRASH_HOOKS, never into the healthcrawl binary): kills the process
// with SIGSEGV when `url` contains the value of the environment variable named in poison_hook.cc, so
// the tests can die in the middle of a parse. A no-op everywhere else.
#ifdef HC_CRASH_HOOKS
void CrashHookForTests(std::string_view url);
#else
inline void CrashHookForTests(std::string_view) {}
#endif

}  // namespace hc::crawl::internal
