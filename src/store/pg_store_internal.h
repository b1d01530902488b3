// Internal to src/store: PgStore, the PostgreSQL backend of store::Database (docs/postgresql.md), chosen
// by OpenDatabase for a libpq location (IsPostgresLocation). Its implementation is spread by concern like
// SqliteStore's: pg_store.cc (open, batches, integrity), pg_schema.cc (migrations), pg_dataset.cc
// (PutPage), pg_archive.cc (raw archive), pg_runs.cc (run records), pg_jobs.cc (scheduler state),
// pg_drift.cc (fill history), pg_export.cc, pg_stats.cc and pg_frontier.cc (the shared frontier), and
// pg_reconnect.cc (a lost connection). Nothing outside src/store names this class.
//
// Thread-safety: one thread at a time, as Database says; one connection per PgStore.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"
#include "store/host_pace.h"
#include "store/pg_connection_internal.h"

namespace hc::store {

class PgStore : public Database {
 public:
  // OpenDatabase for a PostgreSQL location: connects, checks that the database is healthcrawl's (or
  // empty) and migrates it to PgSchemaVersion() in one transaction under an advisory lock.
  static Result<std::unique_ptr<PgStore>> Open(const std::string& conninfo, const StoreOptions& options = {});
  ~PgStore() override;  // commits the open batch (errors are logged)
  PgStore(const PgStore&) = delete;
  PgStore& operator=(const PgStore&) = delete;

  Status PutPage(const PageObservation& page) override;
  Status Flush() override;

  Result<int64_t> AddUrls(const std::vector<NewUrl>& urls) override;
  Result<std::vector<LeasedUrl>> Lease(const LeaseRequest& request) override;
  Status Complete(const UrlOutcome& outcome, const PageObservation* page) override;
  Status Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
               std::string_view error) override;
  Status Release(int64_t id, std::string_view owner, TimePoint not_before) override;
  Result<int64_t> RecoverLeases(std::string_view site, TimePoint now, bool all) override;
  Result<int64_t> ReleaseLeases(std::string_view site, std::string_view owner) override;
  Result<FrontierCounts> CountUrls(std::string_view site) override;
  Result<std::optional<TimePoint>> NextEligible(std::string_view site) override;
  Result<int64_t> RequeueDue(std::string_view site, TimePoint now, bool all) override;
  Result<int64_t> ClearWaits(std::string_view site, TimePoint now) override;
  Result<std::vector<LeasedUrl>> RecordParseDeath(std::string_view site,
                                                  const std::vector<int64_t>& being_parsed, int limit,
                                                  std::string_view owner, TimePoint now,
                                                  std::chrono::milliseconds lease_for) override;
  bool UrlIsCommitted(int64_t id) override;

  Result<std::vector<int64_t>> ListRawResponses(const RawQuery& query) override;
  Result<ArchivedResponse> GetRawResponse(int64_t id) override;

  Result<int64_t> BeginRun(const RunInfo& run) override;
  Status FinishRun(int64_t run_id, const RunStats& stats) override;
  Status Heartbeat(int64_t run_id, TimePoint now, const RunStats& so_far) override;
  Status PutRunFill(const RunFill& fill) override;
  Result<std::vector<RunFill>> ListRunFill(std::string_view site, bool good_only, int limit) override;
  Status PutFillAlarms(int64_t run_id, std::string_view site, const std::vector<FillAlarm>& alarms) override;
  Result<std::vector<DegradedRun>> ListDegradedRuns(std::string_view site, int limit) override;
  Result<std::vector<int64_t>> ReapDeadRuns(TimePoint now, std::chrono::milliseconds stale_after) override;

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
  Result<int64_t> EndUnfinishedRuns(std::string_view job, std::string_view outcome,
                                    TimePoint finished_at) override;
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

  // Foreign keys are enforced by the server as rows are written; this checks that the schema version
  // is the one this build writes.
  Status CheckIntegrity() override;

  struct Rep;

 protected:
  // Open makes a ReconnectingPgStore (pg_reconnect.cc), which wraps these methods with the reconnect
  // policy (docs/postgresql.md "Faults").
  explicit PgStore(std::unique_ptr<Rep> rep);
  Rep& rep() { return *rep_; }

 private:
  std::unique_ptr<Rep> rep_{};
};

namespace pg {

// Statement parameters built from C++ values: each value is copied into storage the Params keep, so a
// temporary may be passed. Empty optional and Null() are SQL NULL.
class Params {
 public:
  Params() = default;
  // A copy keeps views into its own values (a statement built as a temporary, `Params().Add(x)`, may be
  // queued by value).
  Params(const Params& other);
  Params(Params&&) = default;  // a deque's elements stay where they are
  Params& operator=(const Params&) = delete;
  Params& operator=(Params&&) = default;

  // PostgreSQL text cannot hold a NUL byte (SQLite can): each becomes U+FFFD, as invalid UTF-8 does in
  // the store's JSON text.
  Params& Add(std::string_view text) { return Keep(WithoutNul(text), false); }
  Params& Add(const char* text) { return Add(std::string_view(text)); }
  Params& Add(const std::string& text) { return Add(std::string_view(text)); }
  Params& Add(int64_t value) { return Keep(std::to_string(value), false); }
  Params& Add(int value) { return Add(static_cast<int64_t>(value)); }
  Params& Add(double value);
  Params& Add(const std::optional<std::string>& text) { return text ? Add(*text) : Null(); }
  Params& Add(std::optional<int64_t> value) { return value ? Add(*value) : Null(); }
  Params& AddOrNull(std::string_view text) { return text.empty() ? Null() : Add(text); }
  // A bigint[] in its text form ({1,2,3}): a whole list in one parameter, for one statement a list
  // instead of one a row.
  Params& Add(const std::vector<int64_t>& values);
  // A text[] in its text form ({"a","b"}: each element quoted, '"' and '\\' escaped).
  Params& Add(const std::vector<std::string>& values);
  Params& Bytes(std::string_view bytes) { return Keep(std::string(bytes), true); }
  Params& Null() {
    params_.push_back(Param::Null());
    return *this;
  }
  std::span<const Param> span() const { return params_; }

 private:
  static std::string WithoutNul(std::string_view text);
  Params& Keep(std::string value, bool binary) {
    values_.push_back(std::move(value));  // a deque: earlier values do not move
    params_.push_back(binary ? Param::Bytes(values_.back()) : Param::Text(values_.back()));
    return *this;
  }
  std::deque<std::string> values_;
  std::vector<Param> params_;
};

// Statements queued one by one and run in one round trip (PgConnection::ExecPipeline): a page's writes
// that do not need each other's answers. Add returns the index of the statement's result in Run's.
class Pipeline {
 public:
  size_t Add(std::string sql, Params params) {
    sql_.push_back(std::move(sql));
    params_.push_back(std::move(params));  // a deque: the Params (and the views into them) stay put
    return sql_.size() - 1;
  }
  bool empty() const { return sql_.empty(); }
  // Runs the queued statements and empties the queue.
  Result<std::vector<PgResult>> Run(PgConnection& conn);

 private:
  std::deque<std::string> sql_;
  std::deque<Params> params_;
};

// A result value as an integer (0 when NULL or not a number), as an optional, as a double.
int64_t Int(const PgResult& r, int row, int column);
std::optional<int64_t> OptInt(const PgResult& r, int row, int column);
std::optional<std::string> OptText(const PgResult& r, int row, int column);
double Real(const PgResult& r, int row, int column);

// Unsupported: `what` is not implemented on PostgreSQL yet (docs/postgresql.md lists what is).
Status NotYetOnPostgres(std::string_view what);

// HostPace (store/host_pace.h) on its own connection to `conninfo` (pg_host_pace.cc): Corruption for a
// database migrated to less than version 11.
Result<std::unique_ptr<HostPace>> OpenPgHostPace(const std::string& conninfo);

}  // namespace pg

}  // namespace hc::store
