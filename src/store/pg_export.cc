// PgStore's ExportSource: the same SELECT per table as SQLite's (sqlite_export.cc), respelled for
// PostgreSQL, streamed through a server-side cursor (DECLARE ... CURSOR, FETCH in blocks), so memory
// stays constant however large the table; the cells come back typed by the documented column kinds, so
// RunExport writes the same bytes as from SQLite.
#include <string>
#include <vector>

#include "store/pg_rep_internal.h"
#include "store/store_rep_internal.h"  // ExportTableSql

namespace hc::store {
namespace {

constexpr int kFetchRows = 500;

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
    s.replace(at, from.size(), to);
}

// SQLite's export query in PostgreSQL's spelling: $n for ?n, a typed NULL test of the since filter,
// strpos for instr, and an integer for a boolean column.
std::string PostgresSpelling(std::string sql) {
  ReplaceAll(sql, "?2 IS NULL", "?2::text IS NULL");
  ReplaceAll(sql, "instr(", "strpos(");
  ReplaceAll(sql, "q.page_id IS NOT NULL,", "(q.page_id IS NOT NULL)::int,");
  for (size_t at = 0; (at = sql.find('?', at)) != std::string::npos;) sql[at] = '$';
  return sql;
}

}  // namespace

Status PgStore::ScanTable(const ExportTable& table, const ExportFilter& filter,
                          const std::function<Status(const Row&)>& row) {
  const std::string sql = internal::ExportTableSql(table.name);
  if (sql.empty()) return Status::InvalidArgument("unknown table \"" + table.name + "\"");
  HC_RETURN_IF_ERROR(Flush());
  pg::PgConnection& c = *rep_->conn;
  auto txn = pg::PgTransaction::Begin(c);  // a cursor lives in a transaction
  if (!txn.ok()) return txn.status();
  pg::Params p;
  p.Add(filter.site);
  if (filter.since) {
    p.Add(FormatUtc(*filter.since));
  } else {
    p.Null();
  }
  p.Add(filter.after_seq).Add(filter.upto_seq);
  auto declared = c.Exec("DECLARE hc_export NO SCROLL CURSOR FOR " + PostgresSpelling(sql), p.span());
  if (!declared.ok()) return declared.status();
  Row cells(table.columns.size());
  for (;;) {
    auto block = c.Exec("FETCH " + std::to_string(kFetchRows) + " FROM hc_export");
    if (!block.ok()) return block.status();
    if (block->columns() != static_cast<int>(table.columns.size())) {
      return Status::Internal("export of " + table.name + " selects " + std::to_string(block->columns()) +
                              " columns for " + std::to_string(table.columns.size()) + " documented ones");
    }
    for (int r = 0; r < block->rows(); ++r) {
      for (size_t i = 0; i < cells.size(); ++i) {
        const int col = static_cast<int>(i);
        if (block->IsNull(r, col)) {
          cells[i] = nullptr;
        } else if (table.columns[i].kind == ColumnKind::kInteger) {
          cells[i] = pg::Int(*block, r, col);
        } else if (table.columns[i].kind == ColumnKind::kReal) {
          cells[i] = pg::Real(*block, r, col);
        } else {
          cells[i] = std::string(block->Text(r, col));
        }
      }
      HC_RETURN_IF_ERROR(row(cells));
    }
    if (block->rows() < kFetchRows) break;
  }
  return txn->Commit();  // closes the cursor
}

Result<int64_t> PgStore::CurrentChangeSeq() {
  auto r = rep_->conn->Exec("SELECT value FROM change_seq WHERE id = 1");
  if (!r.ok()) return r.status();
  return r->rows() ? pg::Int(*r, 0, 0) : 0;
}

Result<int64_t> PgStore::LastExportSeq(std::string_view target) {
  auto r = rep_->conn->Exec("SELECT coalesce(max(upto_seq), 0) FROM exports WHERE target = $1",
                            pg::Params().Add(target).span());
  if (!r.ok()) return r.status();
  return pg::Int(*r, 0, 0);
}

Result<int64_t> PgStore::CountExports(std::string_view target) {
  auto r =
      rep_->conn->Exec("SELECT count(*) FROM exports WHERE target = $1", pg::Params().Add(target).span());
  if (!r.ok()) return r.status();
  return pg::Int(*r, 0, 0);
}

Status PgStore::RecordExports(const std::vector<ExportRecord>& records) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Flush());
  auto txn = pg::PgTransaction::Begin(*rep_->conn);  // all or none
  if (!txn.ok()) return txn.status();
  for (const ExportRecord& r : records) {
    pg::Params p;
    p.Add(r.target).Add(r.format).Add(r.table).Add(r.site).Add(r.path).Add(FormatUtc(r.exported_at));
    p.Add(r.upto_seq).Add(r.rows);
    auto ins = rep_->conn->Exec(
        "INSERT INTO exports (target, format, table_name, site, path, exported_at, upto_seq, rows)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        p.span());
    if (!ins.ok()) return ins.status();
  }
  return txn->Commit();
}

}  // namespace hc::store
