// SqliteStore as the scheduler's JobStore: tables `jobs` and `job_locks` (schema step 5), and the
// scheduled runs in crawl_runs. Every write commits at once: the scheduler's decisions (a lock taken, a
// fire time claimed) must be visible to another scheduler immediately, so an open page batch of this
// connection is committed first and the statement then runs in autocommit mode. Each compare-and-swap
// is a single statement, which SQLite runs atomically under its write lock.
#include <chrono>
#include <string>

#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {

using internal::Execute;

namespace {

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromMillis(int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

TimePoint FromText(const std::string& text) {
  TimePoint t{};
  (void)ParseIso8601(text, &t);
  return t;
}

constexpr std::string_view kJobColumns =
    "name, site, cron, time_zone, missed, paused, paused_in_file, options, source, source_file,"
    " checked_through, created_at, updated_at";

JobRecord ReadJob(const internal::Query& q) {
  JobRecord job;
  job.name = q.Text(0);
  job.site = q.Text(1);
  job.cron = q.Text(2);
  job.time_zone = q.Text(3);
  job.missed = q.Text(4);
  job.paused = q.Int(5) != 0;
  job.paused_in_file = q.Int(6) != 0;
  job.options = Json::parse(q.Text(7), nullptr, false);
  if (job.options.is_discarded() || !job.options.is_object()) job.options = Json::object();
  job.source = q.Text(8);
  job.source_file = q.Text(9);
  if (auto ms = q.OptInt(10)) job.checked_through = FromMillis(*ms);
  job.created_at = FromText(q.Text(11));
  job.updated_at = FromText(q.Text(12));
  return job;
}

// Commits an open page batch so that the job statement that follows commits on its own.
Status CommitOpenBatch(SqliteStore& store, SqliteStore::Rep& rep) {
  if (rep.options.read_only) return Status::IoError(rep.path + ": opened read-only");
  if (rep.in_batch) return store.Flush();
  return Status::Ok();
}

}  // namespace

Result<std::vector<JobRecord>> SqliteStore::ListJobs() {
  auto q = rep_->db->Prepare("SELECT " + std::string(kJobColumns) + " FROM jobs ORDER BY name");
  if (!q.ok()) return q.status();
  std::vector<JobRecord> jobs;
  while (q->Step()) jobs.push_back(ReadJob(*q));
  if (!q->status().ok()) return q->status();
  return jobs;
}

Result<std::optional<JobRecord>> SqliteStore::GetJob(std::string_view name) {
  auto q = rep_->db->Prepare("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  std::optional<JobRecord> job;
  if (q->Step()) job = ReadJob(*q);
  if (!q->status().ok()) return q->status();
  return job;
}

Status SqliteStore::PutJob(const JobRecord& record, TimePoint now) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  if (record.name.empty()) return Status::InvalidArgument("a job needs a name");
  if (record.source != "cli" && record.source != "file") {
    return Status::InvalidArgument("job source must be 'cli' or 'file', not '" + record.source + "'");
  }
  if (record.missed != "skip" && record.missed != "run_once") {
    return Status::InvalidArgument("missed must be 'skip' or 'run_once', not '" + record.missed + "'");
  }
  const std::string stamp = FormatUtc(now);
  return Execute(*rep_->db,
                 "INSERT INTO jobs (name, site, cron, time_zone, missed, paused, paused_in_file, options, source,"
                 "                  source_file, checked_through, created_at, updated_at)"
                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)"
                 " ON CONFLICT (name) DO UPDATE SET"
                 "  checked_through = CASE WHEN jobs.cron IS NOT excluded.cron"
                 "                          OR jobs.time_zone IS NOT excluded.time_zone"
                 "                         THEN excluded.checked_through ELSE jobs.checked_through END,"
                 "  site = excluded.site, cron = excluded.cron, time_zone = excluded.time_zone,"
                 "  missed = excluded.missed, paused_in_file = excluded.paused_in_file,"
                 "  options = excluded.options, source = excluded.source, source_file = excluded.source_file,"
                 "  updated_at = excluded.updated_at",
                 record.name, record.site, record.cron, record.time_zone, record.missed, record.paused ? 1 : 0,
                 record.paused_in_file ? 1 : 0, internal::DumpJson(record.options), record.source,
                 record.source_file, Millis(now), stamp);
}

Result<bool> SqliteStore::RemoveJob(std::string_view name) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  auto q = rep_->db->Prepare("DELETE FROM jobs WHERE name = ?1 RETURNING id");
  if (!q.ok()) return q.status();
  q->Bind(1, name);
  const bool removed = q->Step();
  if (!q->status().ok()) return q->status();
  return removed;
}

Result<bool> SqliteStore::SetJobPaused(std::string_view name, bool paused, TimePoint now) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  auto q = rep_->db->Prepare(
      "UPDATE jobs SET paused = ?2, updated_at = ?3,"
      " checked_through = CASE WHEN ?2 = 0 THEN max(ifnull(checked_through, ?4), ?4) ELSE checked_through END"
      " WHERE name = ?1 RETURNING id");
  if (!q.ok()) return q.status();
  q->Bind(1, name).Bind(2, paused ? 1 : 0).Bind(3, FormatUtc(now)).Bind(4, Millis(now));
  const bool found = q->Step();
  if (!q->status().ok()) return q->status();
  return found;
}

Result<bool> SqliteStore::SetJobCheckedThrough(std::string_view name, std::optional<TimePoint> expected,
                                               TimePoint to) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  auto q = rep_->db->Prepare(
      "UPDATE jobs SET checked_through = ?3 WHERE name = ?1 AND checked_through IS ?2 RETURNING id");
  if (!q.ok()) return q.status();
  q->Bind(1, name).Bind(3, Millis(to));
  if (expected) {
    q->Bind(2, Millis(*expected));
  } else {
    q->Bind(2, nullptr);
  }
  const bool swapped = q->Step();
  if (!q->status().ok()) return q->status();
  return swapped;
}

Result<std::vector<JobLock>> SqliteStore::ListJobLocks() {
  auto q = rep_->db->Prepare(
      "SELECT job, owner, host, pid, acquired_at, heartbeat_at, expires_at, run_id, scheduled_for"
      " FROM job_locks ORDER BY job");
  if (!q.ok()) return q.status();
  std::vector<JobLock> locks;
  while (q->Step()) {
    JobLock lock;
    lock.job = q->Text(0);
    lock.owner = q->Text(1);
    lock.host = q->Text(2);
    lock.pid = q->Int(3);
    lock.acquired_at = FromMillis(q->Int(4));
    lock.heartbeat_at = FromMillis(q->Int(5));
    lock.expires_at = FromMillis(q->Int(6));
    lock.run_id = q->OptInt(7).value_or(0);
    if (auto ms = q->OptInt(8)) lock.scheduled_for = FromMillis(*ms);
    locks.push_back(std::move(lock));
  }
  if (!q->status().ok()) return q->status();
  return locks;
}

Result<bool> SqliteStore::AcquireJobLock(const JobLock& lock, TimePoint now, std::string_view replace_owner) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  if (lock.job.empty() || lock.owner.empty()) return Status::InvalidArgument("a job lock needs a job and an owner");
  // The upsert's WHERE decides whether an existing row may be replaced; when it may not, nothing is
  // written and RETURNING yields no row.
  auto q = rep_->db->Prepare(
      "INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, expires_at, run_id, scheduled_for)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8)"
      " ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,"
      "  acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,"
      "  expires_at = excluded.expires_at, run_id = excluded.run_id, scheduled_for = excluded.scheduled_for"
      " WHERE job_locks.expires_at < ?5 OR job_locks.owner = excluded.owner OR job_locks.owner = ?9"
      " RETURNING job");
  if (!q.ok()) return q.status();
  q->Bind(1, lock.job).Bind(2, lock.owner).Bind(3, lock.host).Bind(4, lock.pid).Bind(5, Millis(now));
  q->Bind(6, Millis(lock.expires_at));
  if (lock.run_id != 0) {
    q->Bind(7, lock.run_id);
  } else {
    q->Bind(7, nullptr);
  }
  if (lock.scheduled_for) {
    q->Bind(8, Millis(*lock.scheduled_for));
  } else {
    q->Bind(8, nullptr);
  }
  // An empty replace_owner must match nobody: owners are never empty.
  q->Bind(9, replace_owner.empty() ? std::string_view("\x01") : replace_owner);
  const bool acquired = q->Step();
  if (!q->status().ok()) return q->status();
  return acquired;
}

Result<bool> SqliteStore::RenewJobLock(std::string_view job, std::string_view owner, TimePoint now,
                                       TimePoint expires_at, int64_t run_id) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  auto q = rep_->db->Prepare(
      "UPDATE job_locks SET heartbeat_at = ?3, expires_at = ?4,"
      " run_id = CASE WHEN ?5 = 0 THEN run_id ELSE ?5 END"
      " WHERE job = ?1 AND owner = ?2 RETURNING job");
  if (!q.ok()) return q.status();
  q->Bind(1, job).Bind(2, owner).Bind(3, Millis(now)).Bind(4, Millis(expires_at)).Bind(5, run_id);
  const bool held = q->Step();
  if (!q->status().ok()) return q->status();
  return held;
}

Status SqliteStore::ReleaseJobLock(std::string_view job, std::string_view owner) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  return Execute(*rep_->db, "DELETE FROM job_locks WHERE job = ?1 AND owner = ?2", job, owner);
}

Result<int64_t> SqliteStore::EndUnfinishedRuns(std::string_view job, std::string_view outcome,
                                               TimePoint finished_at) {
  HC_RETURN_IF_ERROR(CommitOpenBatch(*this, *rep_));
  if (job.empty()) return Status::InvalidArgument("EndUnfinishedRuns needs a job name");
  HC_RETURN_IF_ERROR(rep_->db->Exec("BEGIN IMMEDIATE"));
  Status s;
  int64_t ended = 0;
  {
    auto seq = rep_->db->QueryInt("UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value");
    if (!seq.ok()) s = seq.status();
    if (s.ok()) {
      auto q = rep_->db->Prepare(
          "UPDATE crawl_runs SET finished_at = ?3, outcome = ?2, updated_seq = ?4"
          " WHERE job = ?1 AND finished_at IS NULL RETURNING id");
      if (!q.ok()) {
        s = q.status();
      } else {
        q->Bind(1, job).Bind(2, outcome).Bind(3, FormatUtc(finished_at)).Bind(4, *seq);
        while (q->Step()) ++ended;
        s = q->status();
      }
    }
  }
  if (s.ok()) s = rep_->db->Exec("COMMIT");
  if (!s.ok()) {
    (void)rep_->db->Exec("ROLLBACK");
    return s;
  }
  return ended;
}

Result<std::vector<RunRecord>> SqliteStore::ListRuns(std::string_view job, bool include_manual, int limit) {
  auto q = rep_->db->Prepare(
      "SELECT id, command, sites, started_at, ifnull(job, ''), finished_at, ifnull(outcome, ''), pages_fetched,"
      "  pages_stored, pages_failed, bytes_fetched, pages_new, pages_changed, pages_unchanged, pages_gone, extra,"
      "  ifnull(host, ''), ifnull(pid, 0)"
      " FROM crawl_runs"
      " WHERE (?1 <> '' AND job = ?1) OR (?1 = '' AND (?2 = 1 OR job IS NOT NULL))"
      " ORDER BY id DESC LIMIT ?3");
  if (!q.ok()) return q.status();
  q->Bind(1, job).Bind(2, include_manual ? 1 : 0).Bind(3, limit < 0 ? int64_t{-1} : int64_t{limit});
  std::vector<RunRecord> runs;
  while (q->Step()) {
    RunRecord run;
    run.id = q->Int(0);
    run.info.command = q->Text(1);
    run.info.sites = q->Text(2);
    run.info.started_at = FromText(q->Text(3));
    run.info.job = q->Text(4);
    if (auto finished = q->OptText(5)) {
      run.finished = true;
      run.stats.finished_at = FromText(*finished);
      run.stats.outcome = q->Text(6);
    } else {
      run.stats.outcome = "";
    }
    run.stats.pages_fetched = q->Int(7);
    run.stats.pages_stored = q->Int(8);
    run.stats.pages_failed = q->Int(9);
    run.stats.bytes_fetched = q->Int(10);
    run.stats.pages_new = q->Int(11);
    run.stats.pages_changed = q->Int(12);
    run.stats.pages_unchanged = q->Int(13);
    run.stats.pages_gone = q->Int(14);
    run.stats.extra = Json::parse(q->Text(15), nullptr, false);
    if (run.stats.extra.is_discarded()) run.stats.extra = Json::object();
    run.info.host = q->Text(16);
    run.info.pid = q->Int(17);
    runs.push_back(std::move(run));
  }
  if (!q->status().ok()) return q->status();
  return runs;
}

}  // namespace hc::store
