// store/database.h: opening a database, the one place that knows which backends exist.
//
// A Database is every interface of the store over one connection: the dataset writer (PageWriter,
// store/dataset.h), the frontier (store/frontier.h), the raw archive (store/archive.h), run records
// (store/runs.h), scheduled jobs (store/jobs.h), export (store/export.h) and statistics
// (store/stats.h). crawl, schedule and cli see only these interfaces: they open a Database with
// OpenDatabase and hand each part the interface it needs. The SQLite backend (the only one today) is
// internal to src/store; a second backend (PostgreSQL) is another Database subclass that OpenDatabase
// returns for its kind of location, and no caller changes (docs/ARCHITECTURE.md, "Store backends").
//
// Thread-safety: a Database is a single-writer object: use it from one thread at a time (the crawler
// gives it to one writer thread and queues pages to it). Several processes may open the same SQLite
// file: WAL mode lets readers run beside the one writer, and a writer that finds the lock taken waits
// up to StoreOptions::busy_timeout, then fails with StatusCode::kBusy.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/archive.h"
#include "store/dataset.h"
#include "store/drift.h"
#include "store/export.h"
#include "store/frontier.h"
#include "store/jobs.h"
#include "store/runs.h"
#include "store/stats.h"

namespace hc::store {

// How to open a database. Every backend honours read_only, create, batch_pages, batch_max_age,
// raw_versions, zstd_level, dictionaries, clock and the dead-run reaping; busy_timeout and
// max_page_count are SQLite's (a server backend has its own lock waits and quotas).
struct StoreOptions {
  bool read_only = false;     // open for reading only (stats); writes then fail
  bool create = true;         // create the database when missing (with read_only: never)
  std::chrono::milliseconds busy_timeout{5000};  // wait this long for another process's lock
  // Pages per write transaction; 0: the backend's (SQLite 200, PostgreSQL 1: batch_policy_internal.h).
  int batch_pages = 0;
  // A batch is also committed by the first PutPage after it is this old, so a slow crawl does not hold
  // the write lock for long; a writer that goes idle should call Flush.
  std::chrono::milliseconds batch_max_age{2000};
  int raw_versions = 1;       // archived responses kept per page; 0 archives nothing
  // Level 1 with the site's dictionary: 8.7% more archive bytes than level 3 on the 5,000-page bench
  // site (12.96 against 11.93 MB; each page alone at plain zstd 3, as before dictionaries: 58.35 MB) for
  // about 2% less of the crawl's CPU (docs/BENCHMARKS.md, "CPU per page (session 20)").
  int zstd_level = 1;
  ArchiveDictionaryOptions dictionaries{};
  const Clock* clock = nullptr;  // for updated_at; the system clock when null
  // PRAGMA max_page_count when above 0: the file grows to at most this many pages (8 KiB each in a file
  // this version created, 4 KiB in an older one), and a write past it fails as a full disk does
  // ("storage: disk full"). A size cap, and how the tests fill the disk.
  int64_t max_page_count = 0;
  // A writable Open marks as `killed` the unfinished runs that keep a heartbeat, whose last heartbeat is
  // older than this and whose process is gone (ReapDeadRuns). Off when reap_dead_runs is false.
  bool reap_dead_runs = true;
  std::chrono::milliseconds dead_run_after{60'000};
  // PostgreSQL: after a lost connection, try to reconnect for this long (with backoff) before the
  // operation fails (docs/postgresql.md "Faults"). HEALTHCRAWL_PG_RECONNECT_SECONDS overrides it.
  std::chrono::milliseconds pg_reconnect_limit{60'000};
};

class Database : public PageWriter,
                 public Frontier,
                 public RawArchive,
                 public RunLog,
                 public FillHistory,
                 public JobStore,
                 public ExportSource,
                 public StatsSource {
 public:
  ~Database() override = default;  // commits the open batch (errors are logged)

  // Commits the open batch: the pages of PutPage and Complete and every frontier change since the last
  // commit (PageWriter::Flush and Frontier::Flush are one and the same).
  Status Flush() override = 0;

  // Marks `killed` every unfinished run with a heartbeat older than `stale_after` at `now` whose
  // process is gone: on this host (the same host name), kill(pid, 0) fails with ESRCH; on another host,
  // staleness alone decides. Its counts become the real ones, counted from the frontier rows the run
  // decided (frontier.run_id), its bytes stay those of the last heartbeat, and finished_at is its last
  // heartbeat. Returns the ids marked. OpenDatabase runs it (StoreOptions::reap_dead_runs).
  virtual Result<std::vector<int64_t>> ReapDeadRuns(TimePoint now, std::chrono::milliseconds stale_after) = 0;

  // Checks the database's own consistency (SQLite: PRAGMA integrity_check and foreign_key_check);
  // Corruption with the first problem found.
  virtual Status CheckIntegrity() = 0;
};

// True when `location` names a PostgreSQL database: a libpq URI (postgresql://..., postgres://...) or
// a keyword/value connection string (it starts with "keyword=", as in "host=/run/pg dbname=hc").
// Anything else is a SQLite file path (write ./a=b.db for a file whose name looks like a keyword).
bool IsPostgresLocation(std::string_view location);

// `location` fit for a message or a report: a PostgreSQL location with its password masked ("***"
// for the password of a URI's user:password@, of a `password=` query parameter or keyword); a SQLite
// path as it is.
std::string PrintableLocation(std::string_view location);

// Opens (creating if allowed) the database at `location` and migrates it to the schema version this
// build writes, in one transaction. `location` is a SQLite file path, or a PostgreSQL location
// (IsPostgresLocation; the PG* environment variables fill in what it leaves out; docs/postgresql.md,
// which also says which interfaces PostgreSQL does not implement yet: they answer Unsupported). Errors, each leaving the database untouched: Busy when another process holds the
// lock past the busy timeout; IoError when the file cannot be opened or is read-only for a writer;
// Corruption when it is not a database, not a healthcrawl database, or from a newer schema version.
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& location, const StoreOptions& options = {});

}  // namespace hc::store
