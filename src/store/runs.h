// store/runs.h: run records. Every crawl, ingest and reextract given a RunLog records one crawl_runs
// row: what ran, when, with which outcome and counts, and, for a crawl, a heartbeat that lets the next
// process mark a dead run `killed` (docs/RELIABILITY.md, "Run records and heartbeats").
//
// Thread-safety: a RunLog is used by one thread at a time (the crawl serializes its calls).
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"

namespace hc::store {

using Json = nlohmann::ordered_json;  // keeps the field order of the documents it holds

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

}  // namespace hc::store
