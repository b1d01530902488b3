// store: the read queries behind the web dashboard and its HTTP API (src/serve, docs/api.md): runs
// with their live progress, failures by reason with example URLs, pages looked up by URL or status
// with their records, sites, and the per-site figures of /metrics.
//
// A DashboardSource is an interface so that both backends (SQLite, PostgreSQL) serve the same API:
// src/serve only ever talks to it, to JobStore and RawArchive, never to SQL. The SQLite one opens its
// own read-only connection, so it reads beside a running crawl (WAL) and never takes the write lock;
// the PostgreSQL one opens its own read-only session, whose statements each see what is committed. Results
// are JSON values whose members are the columns' names (docs/api.md shows each shape): they go to the API as
// they are.
//
// Thread-safety: one thread at a time (the server serialises its calls).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/status.h"

namespace hc::store {

struct RunFilter {
  std::string job{};      // only this job's runs; "" any
  std::string site{};     // only runs that crawled this site; "" any
  int64_t before_id = 0;  // only runs with a smaller id (paging); 0: from the newest
  int limit = 50;         // at most this many, newest first
};

struct PageFilter {
  std::string url{};   // the page whose dedupe key or fetched URL is exactly this; "" any
  std::string site{};  // "" any
  // "" any; "ok" the latest fetch succeeded; "failed" it failed; a number: that HTTP status.
  std::string status{};
  int64_t after_id = 0;  // only pages with a larger id (paging)
  int limit = 50;
};

class DashboardSource {
 public:
  virtual ~DashboardSource() = default;
  // Runs, newest first: {id, command, sites, job, started_at, finished_at (null while running),
  // outcome (null while running), pages_fetched, pages_stored, pages_failed, bytes_fetched, pages_new,
  // pages_changed, pages_unchanged, pages_gone, extra, progress_at (ms since the epoch of the last
  // heartbeat or progress row; null when none)}.
  virtual Result<nlohmann::json> ListRuns(const RunFilter& filter) = 0;
  // One run as above; nullopt when there is no such run.
  virtual Result<std::optional<nlohmann::json>> GetRun(int64_t id) = 0;
  // The URLs the run failed (frontier rows the run decided), by reason, most frequent first, at most
  // 50 reasons: [{reason, pages, examples: [url, ...]}] with up to `examples` URLs each.
  virtual Result<nlohmann::json> RunFailures(int64_t run_id, int examples) = 0;
  // Pages in id order: [{id, site, url, fetched_url, page_type, http_status, failure_reason,
  // last_fetched_at}].
  virtual Result<nlohmann::json> ListPages(const PageFilter& filter) = 0;
  // One page as above plus every column of its row, "records": {table: [row, ...]} (each table with a
  // page_id column: articles, diseases, questions, doctors, ...) and "raw_responses": [{id,
  // fetched_at, http_status, body_size}] newest first. nullopt when there is no such page.
  virtual Result<std::optional<nlohmann::json>> GetPage(int64_t id) = 0;
  // The fill rates per field of the site's latest `runs` runs that recorded them (the drift alarm's
  // run_field_fill, schema 8), oldest first: {"runs": [{run_id, started_at, outcome, fields:
  // {"<page_type>.<field>": rate}}]}; a rate is filled / total of that run. No runs in a database
  // without per-run fill counts.
  virtual Result<nlohmann::json> FillHistory(const std::string& site, int runs) = 0;
  // The drift alarms the run raised (run_fill_alarms): [{page_type, field, filled, total, rate,
  // baseline, basis}]; [] when none, or in a database without them.
  virtual Result<nlohmann::json> RunAlarms(int64_t run_id) = 0;
  // Sites with stored pages or frontier URLs: [{site, pages, pages_failed, last_fetched_at}].
  virtual Result<nlohmann::json> ListSites() = 0;
  // The figures of /metrics: {"runs": [{site, outcome, runs, pages_fetched, pages_stored,
  // pages_failed, bytes_fetched}], "last_runs": [{site, job, seconds}] (duration of each site's and
  // job's latest finished run), "frontier": [{site, state, urls}], "failures": [{site, reason, urls}]
  // (failed frontier URLs by reason), "alarms": [{site, runs}] (runs with a drift alarm)}.
  virtual Result<nlohmann::json> Metrics() = 0;
};

// Opens the dashboard's reads of the database at `location`, as OpenDatabase takes it
// (store/database.h): a SQLite file path (which must exist), read on a read-only connection of its
// own, or a PostgreSQL location (IsPostgresLocation), read on a connection of its own whose session is
// read-only. Both answer every query with the same values for the same rows (docs/api.md). The database
// must be of schema version 7 or later (on PostgreSQL: the version this build writes). IoError when it
// cannot be opened or reached; NotFound for a PostgreSQL database without a healthcrawl dataset;
// Corruption when it is not a healthcrawl database. Messages never repeat a PostgreSQL location.
Result<std::unique_ptr<DashboardSource>> OpenDashboard(const std::string& location);

}  // namespace hc::store
