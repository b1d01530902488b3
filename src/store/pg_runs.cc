// PgStore: run records (crawl_runs), their heartbeats, and marking the runs whose process died, with
// the rules of SqliteStore (sqlite_runs.cc; docs/RELIABILITY.md, "Run records and heartbeats").
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "core/host.h"
#include "store/pg_rep_internal.h"

namespace hc::store {

namespace {

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// As sqlite_runs.cc: gone only when the kernel says there is no such process (EPERM is a live one).
bool ProcessGone(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

Result<int64_t> PgStore::BeginRun(const RunInfo& run) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));  // joins the open batch, as on SQLite
  auto seq = pg::NextChangeSeq(*rep_->conn);
  if (!seq.ok()) return seq.status();
  pg::Params p;
  p.Add(run.command).Add(run.sites).Add(FormatUtc(run.started_at)).Add(*seq).AddOrNull(run.job);
  if (run.pid != 0) {
    p.Add(Millis(run.started_at)).Add(run.pid).Add(run.host);  // its first beat is its start
  } else {
    p.Null().Null().Null();
  }
  auto r = rep_->conn->Exec(
      "INSERT INTO crawl_runs (command, sites, started_at, updated_seq, job, heartbeat_at, pid, host)"
      " VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      p.span());
  if (!r.ok()) return r.status();
  HC_RETURN_IF_ERROR(Flush());
  return pg::Int(*r, 0, 0);
}

Status PgStore::FinishRun(int64_t run_id, const RunStats& stats) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  auto seq = pg::NextChangeSeq(*rep_->conn);
  if (!seq.ok()) return seq.status();
  pg::Params p;
  p.Add(run_id).Add(FormatUtc(stats.finished_at)).Add(stats.outcome).Add(stats.pages_fetched);
  p.Add(stats.pages_stored)
      .Add(stats.pages_failed)
      .Add(stats.bytes_fetched)
      .Add(internal::DumpJson(stats.extra));
  p.Add(*seq).Add(stats.pages_new).Add(stats.pages_changed).Add(stats.pages_unchanged).Add(stats.pages_gone);
  auto r = rep_->conn->Exec(
      "UPDATE crawl_runs SET finished_at = $2, outcome = $3, pages_fetched = $4,"
      " pages_stored = $5, pages_failed = $6, bytes_fetched = $7, extra = $8, updated_seq = $9,"
      " pages_new = $10, pages_changed = $11, pages_unchanged = $12, pages_gone = $13"
      " WHERE id = $1",
      p.span());
  if (!r.ok()) return r.status();
  return Flush();
}

Status PgStore::Heartbeat(int64_t run_id, TimePoint now, const RunStats& so_far) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  // Joins the open write batch when there is one: the counts then commit with the pages they count.
  pg::Params p;
  p.Add(run_id).Add(Millis(now)).Add(so_far.pages_fetched).Add(so_far.pages_stored).Add(so_far.pages_failed);
  p.Add(so_far.bytes_fetched).Add(so_far.pages_new).Add(so_far.pages_changed).Add(so_far.pages_unchanged);
  p.Add(so_far.pages_gone);
  auto r = rep_->conn->Exec(
      "UPDATE crawl_runs SET heartbeat_at = $2, pages_fetched = $3, pages_stored = $4, pages_failed = $5,"
      " bytes_fetched = $6, pages_new = $7, pages_changed = $8, pages_unchanged = $9, pages_gone = $10"
      " WHERE id = $1 AND finished_at IS NULL",
      p.span());
  return r.status();
}

Result<std::vector<int64_t>> PgStore::ReapDeadRuns(TimePoint now, std::chrono::milliseconds stale_after) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  pg::PgConnection& c = *rep_->conn;
  struct Candidate {
    int64_t id;
    int64_t heartbeat_at;
  };
  std::vector<Candidate> dead;
  {
    pg::Params p;
    p.Add(Millis(now) - static_cast<int64_t>(stale_after.count()));
    auto q = c.Exec(
        "SELECT id, coalesce(host, ''), coalesce(pid, 0), heartbeat_at FROM crawl_runs"
        " WHERE finished_at IS NULL AND heartbeat_at IS NOT NULL AND heartbeat_at < $1",
        p.span());
    if (!q.ok()) return q.status();
    const std::string host = HostName();
    for (int i = 0; i < q->rows(); ++i) {
      // Another host's process cannot be asked: staleness alone decides there.
      if (q->Text(i, 1) == host && !ProcessGone(pg::Int(*q, i, 2))) continue;
      dead.push_back({pg::Int(*q, i, 0), pg::Int(*q, i, 3)});
    }
  }
  std::vector<int64_t> reaped;
  for (const Candidate& run : dead) {
    auto txn = pg::PgTransaction::Begin(c);
    if (!txn.ok()) return txn.status();
    HC_RETURN_IF_ERROR(pg::HoldChangeSeqShared(c));
    auto seq = pg::NextChangeSeq(c);
    if (!seq.ok()) return seq.status();
    pg::Params p;
    p.Add(run.id).Add(FormatUtc(TimePoint(std::chrono::milliseconds(run.heartbeat_at)))).Add(*seq);
    // The counts of what the run decided and committed; bytes stay those of its last heartbeat.
    auto r = c.Exec(
        "UPDATE crawl_runs SET finished_at = $2, outcome = 'killed', updated_seq = $3,"
        " pages_fetched = c.fetched, pages_stored = c.stored, pages_failed = c.failed,"
        " pages_new = c.new, pages_changed = c.changed, pages_unchanged = c.unchanged, pages_gone = c.gone"
        " FROM (SELECT count(http_status) AS fetched,"
        "   count(*) FILTER (WHERE state = 'done' AND last_change IN ('new', 'changed')) AS stored,"
        "   count(*) FILTER (WHERE state = 'failed') AS failed,"
        "   count(*) FILTER (WHERE state = 'done' AND last_change = 'new') AS new,"
        "   count(*) FILTER (WHERE state = 'done' AND last_change = 'changed') AS changed,"
        "   count(*) FILTER (WHERE state = 'done' AND last_change = 'unchanged') AS unchanged,"
        "   count(*) FILTER (WHERE state = 'failed' AND last_change = 'gone') AS gone"
        "   FROM frontier WHERE run_id = $1) AS c"
        " WHERE id = $1 AND finished_at IS NULL",
        p.span());
    if (!r.ok()) return r.status();
    HC_RETURN_IF_ERROR(txn->Commit());
    reaped.push_back(run.id);
  }
  return reaped;
}

}  // namespace hc::store
