// PgStore's JobStore: the scheduler's state (tables jobs and job_locks) and its runs, with SqliteStore's
// rules (sqlite_jobs.cc; docs/scheduling.md). Every write commits at once, after the open page batch.
// The lock's compare-and-swap is one INSERT ... ON CONFLICT DO UPDATE ... WHERE, which PostgreSQL runs
// atomically however many schedulers race for it.
#include <chrono>
#include <string>
#include <vector>

#include "store/pg_rep_internal.h"

namespace hc::store {

namespace {

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint FromMillis(int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

TimePoint FromText(std::string_view text) {
  TimePoint t{};
  (void)ParseIso8601(std::string(text), &t);
  return t;
}

constexpr std::string_view kJobColumns =
    "name, site, cron, time_zone, missed, paused, paused_in_file, options, source, coalesce(source_file, ''),"
    " checked_through, created_at, updated_at";

JobRecord ReadJob(const pg::PgResult& r, int row) {
  JobRecord job;
  job.name = std::string(r.Text(row, 0));
  job.site = std::string(r.Text(row, 1));
  job.cron = std::string(r.Text(row, 2));
  job.time_zone = std::string(r.Text(row, 3));
  job.missed = std::string(r.Text(row, 4));
  job.paused = pg::Int(r, row, 5) != 0;
  job.paused_in_file = pg::Int(r, row, 6) != 0;
  job.options = Json::parse(r.Text(row, 7), nullptr, false);
  if (job.options.is_discarded() || !job.options.is_object()) job.options = Json::object();
  job.source = std::string(r.Text(row, 8));
  job.source_file = std::string(r.Text(row, 9));
  if (auto ms = pg::OptInt(r, row, 10)) job.checked_through = FromMillis(*ms);
  job.created_at = FromText(r.Text(row, 11));
  job.updated_at = FromText(r.Text(row, 12));
  return job;
}

}  // namespace

Result<std::vector<JobRecord>> PgStore::ListJobs() {
  auto r = rep_->conn->Exec("SELECT " + std::string(kJobColumns) + " FROM jobs ORDER BY name COLLATE \"C\"");
  if (!r.ok()) return r.status();
  std::vector<JobRecord> jobs;
  for (int i = 0; i < r->rows(); ++i) jobs.push_back(ReadJob(*r, i));
  return jobs;
}

Result<std::optional<JobRecord>> PgStore::GetJob(std::string_view name) {
  auto r = rep_->conn->Exec("SELECT " + std::string(kJobColumns) + " FROM jobs WHERE name = $1",
                            pg::Params().Add(name).span());
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<JobRecord>();
  return std::optional<JobRecord>(ReadJob(*r, 0));
}

Status PgStore::PutJob(const JobRecord& record, TimePoint now) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  if (record.name.empty()) return Status::InvalidArgument("a job needs a name");
  if (record.source != "cli" && record.source != "file") {
    return Status::InvalidArgument("job source must be 'cli' or 'file', not '" + record.source + "'");
  }
  if (record.missed != "skip" && record.missed != "run_once") {
    return Status::InvalidArgument("missed must be 'skip' or 'run_once', not '" + record.missed + "'");
  }
  pg::Params p;
  p.Add(record.name).Add(record.site).Add(record.cron).Add(record.time_zone).Add(record.missed);
  p.Add(record.paused ? 1 : 0).Add(record.paused_in_file ? 1 : 0).Add(internal::DumpJson(record.options));
  p.Add(record.source).AddOrNull(record.source_file).Add(Millis(now)).Add(FormatUtc(now));
  auto r = rep_->conn->Exec(
      "INSERT INTO jobs (name, site, cron, time_zone, missed, paused, paused_in_file, options, source,"
      "                  source_file, checked_through, created_at, updated_at)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"
      " ON CONFLICT (name) DO UPDATE SET"
      "  checked_through = CASE WHEN jobs.cron IS DISTINCT FROM excluded.cron"
      "                          OR jobs.time_zone IS DISTINCT FROM excluded.time_zone"
      "                         THEN excluded.checked_through ELSE jobs.checked_through END,"
      "  site = excluded.site, cron = excluded.cron, time_zone = excluded.time_zone,"
      "  missed = excluded.missed, paused_in_file = excluded.paused_in_file,"
      "  options = excluded.options, source = excluded.source, source_file = excluded.source_file,"
      "  updated_at = excluded.updated_at",
      p.span());
  return r.status();
}

Result<bool> PgStore::RemoveJob(std::string_view name) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  auto r = rep_->conn->Exec("DELETE FROM jobs WHERE name = $1", pg::Params().Add(name).span());
  if (!r.ok()) return r.status();
  return r->AffectedRows() > 0;
}

Result<bool> PgStore::SetJobPaused(std::string_view name, bool paused, TimePoint now) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  auto r = rep_->conn->Exec(
      "UPDATE jobs SET paused = $2::bigint, updated_at = $3,"
      " checked_through = CASE WHEN $2::bigint = 0 THEN greatest(coalesce(checked_through, $4::bigint), "
      "$4::bigint)"
      " ELSE checked_through END"
      " WHERE name = $1",
      pg::Params().Add(name).Add(paused ? 1 : 0).Add(FormatUtc(now)).Add(Millis(now)).span());
  if (!r.ok()) return r.status();
  return r->AffectedRows() > 0;
}

Result<bool> PgStore::SetJobCheckedThrough(std::string_view name, std::optional<TimePoint> expected,
                                           TimePoint to) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  pg::Params p;
  p.Add(name);
  if (expected) {
    p.Add(Millis(*expected));
  } else {
    p.Null();
  }
  p.Add(Millis(to));
  auto r = rep_->conn->Exec(
      "UPDATE jobs SET checked_through = $3 WHERE name = $1 AND checked_through IS NOT DISTINCT FROM "
      "$2::bigint",
      p.span());
  if (!r.ok()) return r.status();
  return r->AffectedRows() > 0;
}

Result<std::vector<JobLock>> PgStore::ListJobLocks() {
  auto r = rep_->conn->Exec(
      "SELECT job, owner, host, pid, acquired_at, heartbeat_at, expires_at, run_id, scheduled_for"
      " FROM job_locks ORDER BY job COLLATE \"C\"");
  if (!r.ok()) return r.status();
  std::vector<JobLock> locks;
  for (int i = 0; i < r->rows(); ++i) {
    JobLock lock;
    lock.job = std::string(r->Text(i, 0));
    lock.owner = std::string(r->Text(i, 1));
    lock.host = std::string(r->Text(i, 2));
    lock.pid = pg::Int(*r, i, 3);
    lock.acquired_at = FromMillis(pg::Int(*r, i, 4));
    lock.heartbeat_at = FromMillis(pg::Int(*r, i, 5));
    lock.expires_at = FromMillis(pg::Int(*r, i, 6));
    lock.run_id = pg::OptInt(*r, i, 7).value_or(0);
    if (auto ms = pg::OptInt(*r, i, 8)) lock.scheduled_for = FromMillis(*ms);
    locks.push_back(std::move(lock));
  }
  return locks;
}

Result<bool> PgStore::AcquireJobLock(const JobLock& lock, TimePoint now, std::string_view replace_owner) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  if (lock.job.empty() || lock.owner.empty())
    return Status::InvalidArgument("a job lock needs a job and an owner");
  pg::Params p;
  p.Add(lock.job).Add(lock.owner).Add(lock.host).Add(lock.pid).Add(Millis(now)).Add(Millis(lock.expires_at));
  if (lock.run_id != 0) {
    p.Add(lock.run_id);
  } else {
    p.Null();
  }
  if (lock.scheduled_for) {
    p.Add(Millis(*lock.scheduled_for));
  } else {
    p.Null();
  }
  p.Add(replace_owner.empty() ? std::string_view("\x01") : replace_owner);  // "\x01": no owner matches
  auto r = rep_->conn->Exec(
      "INSERT INTO job_locks (job, owner, host, pid, acquired_at, heartbeat_at, expires_at, run_id, "
      "scheduled_for)"
      " VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)"
      " ON CONFLICT (job) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid,"
      "  acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at,"
      "  expires_at = excluded.expires_at, run_id = excluded.run_id, scheduled_for = excluded.scheduled_for"
      " WHERE job_locks.expires_at < $5 OR job_locks.owner = excluded.owner OR job_locks.owner = $9"
      " RETURNING job",
      p.span());
  if (!r.ok()) return r.status();
  return r->rows() > 0;
}

Result<bool> PgStore::RenewJobLock(std::string_view job, std::string_view owner, TimePoint now,
                                   TimePoint expires_at, int64_t run_id) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  auto r = rep_->conn->Exec(
      "UPDATE job_locks SET heartbeat_at = $3, expires_at = $4,"
      " run_id = CASE WHEN $5::bigint = 0 THEN run_id ELSE $5::bigint END"
      " WHERE job = $1 AND owner = $2",
      pg::Params().Add(job).Add(owner).Add(Millis(now)).Add(Millis(expires_at)).Add(run_id).span());
  if (!r.ok()) return r.status();
  return r->AffectedRows() > 0;
}

Status PgStore::ReleaseJobLock(std::string_view job, std::string_view owner) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  return rep_->conn
      ->Exec("DELETE FROM job_locks WHERE job = $1 AND owner = $2", pg::Params().Add(job).Add(owner).span())
      .status();
}

Result<int64_t> PgStore::EndUnfinishedRuns(std::string_view job, std::string_view outcome,
                                           TimePoint finished_at) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  if (job.empty()) return Status::InvalidArgument("EndUnfinishedRuns needs a job name");
  auto txn = pg::PgTransaction::Begin(*rep_->conn);
  if (!txn.ok()) return txn.status();
  HC_RETURN_IF_ERROR(pg::HoldChangeSeqShared(*rep_->conn));
  auto seq = pg::NextChangeSeq(*rep_->conn);
  if (!seq.ok()) return seq.status();
  auto r = rep_->conn->Exec(
      "UPDATE crawl_runs SET finished_at = $3, outcome = $2, updated_seq = $4"
      " WHERE job = $1 AND finished_at IS NULL",
      pg::Params().Add(job).Add(outcome).Add(FormatUtc(finished_at)).Add(*seq).span());
  if (!r.ok()) return r.status();
  HC_RETURN_IF_ERROR(txn->Commit());
  return r->AffectedRows();
}

Result<std::vector<RunRecord>> PgStore::ListRuns(std::string_view job, bool include_manual, int limit) {
  pg::Params p;
  p.Add(job).Add(include_manual ? 1 : 0);
  if (limit < 0) {
    p.Null();  // LIMIT NULL: no limit
  } else {
    p.Add(limit);
  }
  auto r = rep_->conn->Exec(
      "SELECT id, command, sites, started_at, coalesce(job, ''), finished_at, coalesce(outcome, ''), "
      "pages_fetched,"
      "  pages_stored, pages_failed, bytes_fetched, pages_new, pages_changed, pages_unchanged, pages_gone, "
      "extra, coalesce(host, ''), coalesce(pid, 0)"
      " FROM crawl_runs"
      " WHERE ($1 <> '' AND job = $1) OR ($1 = '' AND ($2::bigint = 1 OR job IS NOT NULL))"
      " ORDER BY id DESC LIMIT $3",
      p.span());
  if (!r.ok()) return r.status();
  std::vector<RunRecord> runs;
  for (int i = 0; i < r->rows(); ++i) {
    RunRecord run;
    run.id = pg::Int(*r, i, 0);
    run.info.command = std::string(r->Text(i, 1));
    run.info.sites = std::string(r->Text(i, 2));
    run.info.started_at = FromText(r->Text(i, 3));
    run.info.job = std::string(r->Text(i, 4));
    if (!r->IsNull(i, 5)) {
      run.finished = true;
      run.stats.finished_at = FromText(r->Text(i, 5));
      run.stats.outcome = std::string(r->Text(i, 6));
    } else {
      run.stats.outcome = "";
    }
    run.stats.pages_fetched = pg::Int(*r, i, 7);
    run.stats.pages_stored = pg::Int(*r, i, 8);
    run.stats.pages_failed = pg::Int(*r, i, 9);
    run.stats.bytes_fetched = pg::Int(*r, i, 10);
    run.stats.pages_new = pg::Int(*r, i, 11);
    run.stats.pages_changed = pg::Int(*r, i, 12);
    run.stats.pages_unchanged = pg::Int(*r, i, 13);
    run.stats.pages_gone = pg::Int(*r, i, 14);
    run.stats.extra = Json::parse(r->Text(i, 15), nullptr, false);
    if (run.stats.extra.is_discarded()) run.stats.extra = Json::object();
    run.info.host = std::string(r->Text(i, 16));
    run.info.pid = pg::Int(*r, i, 17);
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace hc::store
