// store: progress rows of runs that the Scheduler records (docs/api.md, "Live progress").
//
// A crawl started by `crawl` records its own run and moves its heartbeat and counts every 5 s
// (RunLog::Heartbeat). A scheduled run's row is written by the Scheduler, not by the crawl, and keeps no
// heartbeat (a scheduler that dies has its runs recorded `crashed` by the scheduler that takes its lock
// over, docs/scheduling.md). A RunProgressLog gives such a row the crawl's counts so far and the time
// they were taken (crawl_runs.extra.progress_at, ms since the epoch), without a heartbeat, so the
// dashboard shows the run's progress live while the takeover rules stay as they are.
//
// Each backend's has a connection of its own: the crawl's writer thread holds its write batch open
// for up to StoreOptions::batch_max_age, so progress is written from another thread. On SQLite it waits
// for the batch's commit (busy_timeout) instead of holding the writer up; on PostgreSQL the update of
// the run's row does not conflict with the batch (which only references the row), and a lock wait is
// bounded by the same timeout (lock_timeout).
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace hc::store {

// The counts of a run so far (RunStats' counters).
struct RunProgress {
  int64_t pages_fetched = 0;
  int64_t pages_stored = 0;
  int64_t pages_failed = 0;
  int64_t bytes_fetched = 0;
  int64_t pages_new = 0;
  int64_t pages_changed = 0;
  int64_t pages_unchanged = 0;
  int64_t pages_gone = 0;
};

class RunProgressLog {
 public:
  virtual ~RunProgressLog() = default;
  // Sets the unfinished run's counts and extra.progress_at = `now`; a finished run, or no such run, is
  // left alone. Busy when the database stayed locked past the busy timeout.
  virtual Status RecordRunProgress(int64_t run_id, TimePoint now, const RunProgress& so_far) = 0;
};

// Opens the database at `location` (as OpenDatabase takes it: a SQLite file, which must exist, or a
// PostgreSQL location) for writing progress rows; waits up to `busy_timeout` for a lock.
Result<std::unique_ptr<RunProgressLog>> OpenRunProgress(const std::string& location,
                                                        std::chrono::milliseconds busy_timeout);

}  // namespace hc::store
