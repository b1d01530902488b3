// store/jobs.h: scheduled jobs, their locks and their runs: the scheduler daemon's whole state
// (docs/scheduling.md).
//
// Thread-safety: a JobStore is used by one thread at a time (the scheduler's thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "store/runs.h"

namespace hc::store {

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

}  // namespace hc::store
