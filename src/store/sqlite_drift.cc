// SqliteStore: per-run fill counts and the alarms of degraded runs (store/drift.h, docs/drift.md).
#include <map>
#include <string>
#include <vector>

#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {

using internal::Execute;

namespace {

TimePoint FromText(const std::string& text) {
  TimePoint t{};
  (void)ParseIso8601(text, &t);
  return t;
}

Status Writable(const SqliteStore::Rep& rep) {
  return rep.options.read_only ? Status::IoError(rep.path + ": opened read-only") : Status::Ok();
}

}  // namespace

Status SqliteStore::PutRunFill(const RunFill& fill) {
  HC_RETURN_IF_ERROR(Writable(*rep_));
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  internal::Db& db = *rep_->db;
  HC_RETURN_IF_ERROR(Execute(db, "DELETE FROM run_page_types WHERE run_id = ?1", fill.run_id));
  HC_RETURN_IF_ERROR(Execute(db, "DELETE FROM run_field_fill WHERE run_id = ?1", fill.run_id));
  int64_t position = 0;
  for (const PageTypeFill& t : fill.page_types) {
    HC_RETURN_IF_ERROR(
        Execute(db,
                "INSERT INTO run_page_types (run_id, site, page_type, pages, records, position)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                fill.run_id, fill.site, t.page_type, t.pages, t.records, position++));
  }
  position = 0;
  for (const FieldFillCount& f : fill.fields) {
    HC_RETURN_IF_ERROR(
        Execute(db,
                "INSERT INTO run_field_fill (run_id, site, page_type, field, filled, total, position)"
                " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                fill.run_id, fill.site, f.page_type, f.field, f.filled, f.total, position++));
  }
  return Flush();
}

Result<std::vector<RunFill>> SqliteStore::ListRunFill(std::string_view site, bool good_only, int limit) {
  internal::Db& db = *rep_->db;
  std::vector<RunFill> runs;
  std::map<int64_t, size_t> index;  // run id -> position in runs
  {
    auto q = db.Prepare(
        "SELECT r.id, r.started_at, ifnull(r.outcome, '') FROM crawl_runs r"
        " WHERE r.id IN (SELECT DISTINCT run_id FROM run_page_types WHERE site = ?1)"
        "   AND (?2 = 0 OR (r.finished_at IS NOT NULL AND r.outcome = 'ok'))"
        " ORDER BY r.id DESC LIMIT ?3");
    if (!q.ok()) return q.status();
    q->Bind(1, site).Bind(2, good_only ? 1 : 0).Bind(3, limit <= 0 ? int64_t{-1} : int64_t{limit});
    while (q->Step()) {
      RunFill run;
      run.run_id = q->Int(0);
      run.site = std::string(site);
      run.started_at = FromText(q->Text(1));
      run.outcome = q->Text(2);
      index[run.run_id] = runs.size();
      runs.push_back(std::move(run));
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  if (runs.empty()) return runs;
  const int64_t oldest = runs.back().run_id;
  {
    auto q = db.Prepare(
        "SELECT run_id, page_type, pages, records FROM run_page_types WHERE site = ?1 AND run_id >= ?2"
        " ORDER BY run_id, position");
    if (!q.ok()) return q.status();
    q->Bind(1, site).Bind(2, oldest);
    while (q->Step()) {
      auto it = index.find(q->Int(0));
      if (it != index.end()) runs[it->second].page_types.push_back({q->Text(1), q->Int(2), q->Int(3)});
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  {
    auto q = db.Prepare(
        "SELECT run_id, page_type, field, filled, total FROM run_field_fill WHERE site = ?1 AND run_id >= ?2"
        " ORDER BY run_id, position");
    if (!q.ok()) return q.status();
    q->Bind(1, site).Bind(2, oldest);
    while (q->Step()) {
      auto it = index.find(q->Int(0));
      if (it != index.end())
        runs[it->second].fields.push_back({q->Text(1), q->Text(2), q->Int(3), q->Int(4)});
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  return runs;
}

Status SqliteStore::PutFillAlarms(int64_t run_id, std::string_view site,
                                  const std::vector<FillAlarm>& alarms) {
  HC_RETURN_IF_ERROR(Writable(*rep_));
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  internal::Db& db = *rep_->db;
  HC_RETURN_IF_ERROR(Execute(db, "DELETE FROM run_fill_alarms WHERE run_id = ?1", run_id));
  int64_t position = 0;
  for (const FillAlarm& a : alarms) {
    HC_RETURN_IF_ERROR(Execute(
        db,
        "INSERT INTO run_fill_alarms (run_id, site, page_type, field, filled, total, rate,"
        " baseline, basis, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        run_id, site, a.page_type, a.field, a.filled, a.total, a.rate, a.baseline, a.basis, position++));
  }
  return Flush();
}

Result<std::vector<DegradedRun>> SqliteStore::ListDegradedRuns(std::string_view site, int limit) {
  internal::Db& db = *rep_->db;
  std::vector<DegradedRun> runs;
  auto q = db.Prepare(
      "SELECT a.run_id, a.site, ifnull(r.job, ''), ifnull(r.started_at, ''), a.page_type, a.field, a.filled,"
      " a.total, a.rate, a.baseline, a.basis FROM run_fill_alarms a LEFT JOIN crawl_runs r ON r.id = a.run_id"
      " WHERE a.run_id IN (SELECT DISTINCT run_id FROM run_fill_alarms WHERE ?1 = '' OR site = ?1"
      "                    ORDER BY run_id DESC LIMIT ?2)"
      " ORDER BY a.run_id DESC, a.position");
  if (!q.ok()) return q.status();
  q->Bind(1, site).Bind(2, limit <= 0 ? int64_t{-1} : int64_t{limit});
  while (q->Step()) {
    if (runs.empty() || runs.back().run_id != q->Int(0)) {
      runs.push_back({q->Int(0), q->Text(1), q->Text(2), FromText(q->Text(3)), {}});
    }
    runs.back().alarms.push_back(
        {q->Text(4), q->Text(5), q->Int(6), q->Int(7), q->Real(8), q->Real(9), q->Text(10)});
  }
  HC_RETURN_IF_ERROR(q->status());
  return runs;
}

}  // namespace hc::store
