// PgStore: the parts of store::Database not on PostgreSQL yet (docs/postgresql.md, "What is not there
// yet"). Each answers Unsupported with a message naming what is missing, so a command that needs one
// stops with a clear message instead of doing half its work.
#include <string>
#include <vector>

#include "store/pg_rep_internal.h"

namespace hc::store {

using pg::NotYetOnPostgres;

// The drift alarm's fill history.
Status PgStore::PutRunFill(const RunFill&) { return NotYetOnPostgres("the drift alarm's fill history"); }
Result<std::vector<RunFill>> PgStore::ListRunFill(std::string_view, bool, int) {
  return NotYetOnPostgres("the drift alarm's fill history");
}
Status PgStore::PutFillAlarms(int64_t, std::string_view, const std::vector<FillAlarm>&) {
  return NotYetOnPostgres("the drift alarm's fill history");
}
Result<std::vector<DegradedRun>> PgStore::ListDegradedRuns(std::string_view, int) {
  return NotYetOnPostgres("the drift alarm's fill history");
}

// The nested export (one document per article).
Status PgStore::ScanArticleDocuments(const ExportFilter&, const std::function<Status(const Json&)>&) {
  return NotYetOnPostgres("the nested article export");
}

// Statistics.
Result<StatsReport> PgStore::ComputeStats() { return NotYetOnPostgres("stats"); }

}  // namespace hc::store
