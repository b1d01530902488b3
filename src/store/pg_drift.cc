// PgStore: per-run fill counts and the alarms of degraded runs (store/drift.h, docs/drift.md), with the
// rules of SqliteStore (sqlite_drift.cc): a run's rows come back in the order they were written, by their
// `position` (migration 12), as on SQLite.
#include <map>
#include <string>
#include <vector>

#include "store/pg_rep_internal.h"

namespace hc::store {

namespace {

TimePoint FromText(std::string_view text) {
  TimePoint t{};
  (void)ParseIso8601(std::string(text), &t);
  return t;
}

Status Writable(const PgStore::Rep& rep) {
  return rep.options.read_only ? Status::IoError(rep.where + ": opened read-only") : Status::Ok();
}

// LIMIT $n: NULL (no limit) for 0 or less, as SQLite's LIMIT -1.
void AddLimit(pg::Params& p, int limit) {
  if (limit <= 0) {
    p.Null();
  } else {
    p.Add(int64_t{limit});
  }
}

}  // namespace

Status PgStore::PutRunFill(const RunFill& fill) {
  HC_RETURN_IF_ERROR(Writable(*rep_));
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  pg::PgConnection& c = *rep_->conn;
  {
    pg::Params p;
    p.Add(fill.run_id);
    HC_RETURN_IF_ERROR(c.Exec("DELETE FROM run_page_types WHERE run_id = $1", p.span()).status());
    HC_RETURN_IF_ERROR(c.Exec("DELETE FROM run_field_fill WHERE run_id = $1", p.span()).status());
  }
  int64_t position = 0;
  for (const PageTypeFill& t : fill.page_types) {
    pg::Params p;
    p.Add(fill.run_id).Add(fill.site).Add(t.page_type).Add(t.pages).Add(t.records).Add(position++);
    HC_RETURN_IF_ERROR(c.Exec("INSERT INTO run_page_types (run_id, site, page_type, pages, records, position)"
                              " VALUES ($1, $2, $3, $4, $5, $6)",
                              p.span())
                           .status());
  }
  position = 0;
  for (const FieldFillCount& f : fill.fields) {
    pg::Params p;
    p.Add(fill.run_id).Add(fill.site).Add(f.page_type).Add(f.field).Add(f.filled).Add(f.total);
    p.Add(position++);
    HC_RETURN_IF_ERROR(c.Exec("INSERT INTO run_field_fill (run_id, site, page_type, field, filled, total,"
                              " position) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                              p.span())
                           .status());
  }
  return Flush();
}

Result<std::vector<RunFill>> PgStore::ListRunFill(std::string_view site, bool good_only, int limit) {
  pg::PgConnection& c = *rep_->conn;
  std::vector<RunFill> runs;
  std::map<int64_t, size_t> index;  // run id -> position in runs
  {
    pg::Params p;
    p.Add(site).Add(int64_t{good_only ? 1 : 0});
    AddLimit(p, limit);
    auto q = c.Exec(
        "SELECT r.id, r.started_at, coalesce(r.outcome, '') FROM crawl_runs r"
        " WHERE r.id IN (SELECT DISTINCT run_id FROM run_page_types WHERE site = $1)"
        "   AND ($2 = 0 OR (r.finished_at IS NOT NULL AND r.outcome = 'ok'))"
        " ORDER BY r.id DESC LIMIT $3",
        p.span());
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->rows(); ++i) {
      RunFill run;
      run.run_id = pg::Int(*q, i, 0);
      run.site = std::string(site);
      run.started_at = FromText(q->Text(i, 1));
      run.outcome = std::string(q->Text(i, 2));
      index[run.run_id] = runs.size();
      runs.push_back(std::move(run));
    }
  }
  if (runs.empty()) return runs;
  pg::Params p;
  p.Add(site).Add(runs.back().run_id);
  {
    auto q = c.Exec(
        "SELECT run_id, page_type, pages, records FROM run_page_types WHERE site = $1 AND run_id >= $2"
        " ORDER BY run_id, position",
        p.span());
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->rows(); ++i) {
      auto it = index.find(pg::Int(*q, i, 0));
      if (it != index.end()) {
        runs[it->second].page_types.push_back(
            {std::string(q->Text(i, 1)), pg::Int(*q, i, 2), pg::Int(*q, i, 3)});
      }
    }
  }
  {
    auto q = c.Exec(
        "SELECT run_id, page_type, field, filled, total FROM run_field_fill WHERE site = $1 AND run_id >= $2"
        " ORDER BY run_id, position",
        p.span());
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->rows(); ++i) {
      auto it = index.find(pg::Int(*q, i, 0));
      if (it != index.end()) {
        runs[it->second].fields.push_back(
            {std::string(q->Text(i, 1)), std::string(q->Text(i, 2)), pg::Int(*q, i, 3), pg::Int(*q, i, 4)});
      }
    }
  }
  return runs;
}

Status PgStore::PutFillAlarms(int64_t run_id, std::string_view site, const std::vector<FillAlarm>& alarms) {
  HC_RETURN_IF_ERROR(Writable(*rep_));
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  pg::PgConnection& c = *rep_->conn;
  {
    pg::Params p;
    p.Add(run_id);
    HC_RETURN_IF_ERROR(c.Exec("DELETE FROM run_fill_alarms WHERE run_id = $1", p.span()).status());
  }
  int64_t position = 0;
  for (const FillAlarm& a : alarms) {
    pg::Params p;
    p.Add(run_id).Add(site).Add(a.page_type).Add(a.field).Add(a.filled).Add(a.total);
    p.Add(a.rate).Add(a.baseline).Add(a.basis).Add(position++);
    HC_RETURN_IF_ERROR(
        c.Exec("INSERT INTO run_fill_alarms (run_id, site, page_type, field, filled, total,"
               " rate, baseline, basis, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
               p.span())
            .status());
  }
  return Flush();
}

Result<std::vector<DegradedRun>> PgStore::ListDegradedRuns(std::string_view site, int limit) {
  std::vector<DegradedRun> runs;
  pg::Params p;
  p.Add(site);
  AddLimit(p, limit);
  auto q = rep_->conn->Exec(
      "SELECT a.run_id, a.site, coalesce(r.job, ''), coalesce(r.started_at, ''), a.page_type, a.field,"
      " a.filled, a.total, a.rate, a.baseline, a.basis"
      " FROM run_fill_alarms a LEFT JOIN crawl_runs r ON r.id = a.run_id"
      " WHERE a.run_id IN (SELECT DISTINCT run_id FROM run_fill_alarms WHERE $1 = '' OR site = $1"
      "                    ORDER BY run_id DESC LIMIT $2)"
      " ORDER BY a.run_id DESC, a.position",
      p.span());
  if (!q.ok()) return q.status();
  for (int i = 0; i < q->rows(); ++i) {
    const int64_t run_id = pg::Int(*q, i, 0);
    if (runs.empty() || runs.back().run_id != run_id) {
      runs.push_back(
          {run_id, std::string(q->Text(i, 1)), std::string(q->Text(i, 2)), FromText(q->Text(i, 3)), {}});
    }
    runs.back().alarms.push_back({std::string(q->Text(i, 4)), std::string(q->Text(i, 5)), pg::Int(*q, i, 6),
                                  pg::Int(*q, i, 7), pg::Real(*q, i, 8), pg::Real(*q, i, 9),
                                  std::string(q->Text(i, 10))});
  }
  return runs;
}

}  // namespace hc::store
