// SqliteStore: run heartbeats, and marking the runs whose process died (docs/RELIABILITY.md, "Run
// records and heartbeats"). BeginRun and FinishRun live in sqlite_store.cc.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <vector>

#include "core/host.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {

using internal::Execute;

namespace {

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// A run's process on this host is gone only when the kernel says there is no such process: EPERM is a
// live process of another user.
bool ProcessGone(int64_t pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

Status SqliteStore::Heartbeat(int64_t run_id, TimePoint now, const RunStats& so_far) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  // Joins the open write batch when there is one: the counts then commit with the pages they count.
  return Execute(*rep_->db,
                 "UPDATE crawl_runs SET heartbeat_at = ?2, pages_fetched = ?3, pages_stored = ?4, pages_failed = ?5,"
                 " bytes_fetched = ?6, pages_new = ?7, pages_changed = ?8, pages_unchanged = ?9, pages_gone = ?10"
                 " WHERE id = ?1 AND finished_at IS NULL",
                 run_id, Millis(now), so_far.pages_fetched, so_far.pages_stored, so_far.pages_failed,
                 so_far.bytes_fetched, so_far.pages_new, so_far.pages_changed, so_far.pages_unchanged,
                 so_far.pages_gone);
}

Result<std::vector<int64_t>> SqliteStore::ReapDeadRuns(TimePoint now, std::chrono::milliseconds stale_after) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  internal::Db& db = *rep_->db;
  struct Candidate {
    int64_t id;
    int64_t heartbeat_at;
  };
  std::vector<Candidate> dead;
  {
    auto q = db.Prepare(
        "SELECT id, ifnull(host, ''), ifnull(pid, 0), heartbeat_at FROM crawl_runs"
        " WHERE finished_at IS NULL AND heartbeat_at IS NOT NULL AND heartbeat_at < ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, Millis(now) - static_cast<int64_t>(stale_after.count()));
    const std::string host = HostName();
    while (q->Step()) {
      // Another host's process cannot be asked: staleness alone decides there.
      if (q->Text(1) == host && !ProcessGone(q->Int(2))) continue;
      dead.push_back({q->Int(0), q->Int(3)});
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  std::vector<int64_t> reaped;
  for (const Candidate& run : dead) {
    HC_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
    Status s;
    auto seq = db.QueryInt("UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value");
    if (!seq.ok()) s = seq.status();
    // The counts of what the run decided and committed; bytes are not in the frontier, so they stay
    // those of its last heartbeat.
    if (s.ok()) {
      s = Execute(db,
                  "UPDATE crawl_runs SET finished_at = ?2, outcome = 'killed', updated_seq = ?3,"
                  " pages_fetched = c.fetched, pages_stored = c.stored, pages_failed = c.failed,"
                  " pages_new = c.new, pages_changed = c.changed, pages_unchanged = c.unchanged, pages_gone = c.gone"
                  " FROM (SELECT count(http_status) AS fetched,"
                  "   count(*) FILTER (WHERE state = 'done' AND last_change IN ('new', 'changed')) AS stored,"
                  "   count(*) FILTER (WHERE state = 'failed') AS failed,"
                  "   count(*) FILTER (WHERE state = 'done' AND last_change = 'new') AS new,"
                  "   count(*) FILTER (WHERE state = 'done' AND last_change = 'changed') AS changed,"
                  "   count(*) FILTER (WHERE state = 'done' AND last_change = 'unchanged') AS unchanged,"
                  "   count(*) FILTER (WHERE state = 'failed' AND last_change = 'gone') AS gone"
                  "   FROM frontier WHERE run_id = ?1) AS c"
                  " WHERE id = ?1 AND finished_at IS NULL",
                  run.id, FormatUtc(TimePoint(std::chrono::milliseconds(run.heartbeat_at))), *seq);
    }
    if (s.ok()) s = db.Exec("COMMIT");
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      return s;
    }
    reaped.push_back(run.id);
  }
  return reaped;
}

}  // namespace hc::store
