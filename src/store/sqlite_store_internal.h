// Internal to src/store: SqliteStore, the SQLite backend of store::Database. Its implementation is
// spread by concern over sqlite_store.cc (open, pages, raw archive), sqlite_frontier.cc,
// sqlite_runs.cc, sqlite_jobs.cc, sqlite_export.cc and sqlite_stats.cc, which share its state through
// store_rep_internal.h. Nothing outside src/store names this class: callers get a Database from
// OpenDatabase.
//
// Thread-safety: one thread at a time, as Database says.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/database.h"

namespace hc::store {

// The schema version this build writes (PRAGMA user_version): the last migration of schema.cc.
int CurrentSchemaVersion();

class SqliteStore final : public Database {
 public:
  // OpenDatabase for a file path (store/database.h): opens (creating if allowed) the database and
  // migrates it to CurrentSchemaVersion() in one transaction.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path,
                                                   const StoreOptions& options = {});
  ~SqliteStore() override;  // commits the open batch (errors are logged)
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  Status PutPage(const PageObservation& page) override;
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
  Result<int64_t> ReleaseLeases(std::string_view site, std::string_view owner) override;
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
  Result<std::vector<int64_t>> ReapDeadRuns(TimePoint now, std::chrono::milliseconds stale_after) override;

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

  // PRAGMA integrity_check and foreign_key_check.
  Status CheckIntegrity() override;

  struct Rep;

 private:
  explicit SqliteStore(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_{};
};

}  // namespace hc::store
