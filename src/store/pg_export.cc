// PgStore's ExportSource: the same SELECT per table as SQLite's (sqlite_export.cc), respelled for
// PostgreSQL, streamed through a server-side cursor (DECLARE ... CURSOR, FETCH in blocks), so memory
// stays constant however large the table; the cells come back typed by the documented column kinds, so
// RunExport writes the same bytes as from SQLite.
#include <functional>
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

// The export filter as parameters $1 to $4 (site, since, after_seq, upto_seq), as SQLite binds them.
pg::Params FilterParams(const ExportFilter& filter) {
  pg::Params p;
  p.Add(filter.site);
  if (filter.since) {
    p.Add(FormatUtc(*filter.since));
  } else {
    p.Null();
  }
  p.Add(filter.after_seq).Add(filter.upto_seq);
  return p;
}

// Runs `sql` through a server-side cursor in a transaction of its own, calling `row` for each row of
// each block; other statements may run on the connection between blocks (the nested export does).
Status ScanCursor(pg::PgConnection& c, const std::string& sql, const pg::Params& params,
                  const std::function<Status(const pg::PgResult&, int)>& row) {
  auto txn = pg::PgTransaction::Begin(c);  // a cursor lives in a transaction
  if (!txn.ok()) return txn.status();
  auto declared = c.Exec("DECLARE hc_export NO SCROLL CURSOR FOR " + sql, params.span());
  if (!declared.ok()) return declared.status();
  for (;;) {
    auto block = c.Exec("FETCH " + std::to_string(kFetchRows) + " FROM hc_export");
    if (!block.ok()) return block.status();
    for (int r = 0; r < block->rows(); ++r) HC_RETURN_IF_ERROR(row(*block, r));
    if (block->rows() < kFetchRows) break;
  }
  return txn->Commit();  // closes the cursor
}

// A JSON column as the nested export shows it (as sqlite_export.cc): parsed, or the text when it does
// not parse; a text column as a string; NULL as null.
Json JsonColumn(const pg::PgResult& r, int row, int col) {
  if (r.IsNull(row, col)) return nullptr;
  const std::string text(r.Text(row, col));
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(text) : parsed;
}

Json TextColumn(const pg::PgResult& r, int row, int col) {
  return r.IsNull(row, col) ? Json(nullptr) : Json(std::string(r.Text(row, col)));
}

}  // namespace

Status PgStore::ScanTable(const ExportTable& table, const ExportFilter& filter,
                          const std::function<Status(const Row&)>& row) {
  const std::string sql = internal::ExportTableSql(table.name);
  if (sql.empty()) return Status::InvalidArgument("unknown table \"" + table.name + "\"");
  HC_RETURN_IF_ERROR(Flush());
  Row cells(table.columns.size());
  return ScanCursor(*rep_->conn, PostgresSpelling(sql), FilterParams(filter),
                    [&](const pg::PgResult& block, int r) -> Status {
                      if (block.columns() != static_cast<int>(table.columns.size())) {
                        return Status::Internal("export of " + table.name + " selects " +
                                                std::to_string(block.columns()) + " columns for " +
                                                std::to_string(table.columns.size()) + " documented ones");
                      }
                      for (size_t i = 0; i < cells.size(); ++i) {
                        const int col = static_cast<int>(i);
                        if (block.IsNull(r, col)) {
                          cells[i] = nullptr;
                        } else if (table.columns[i].kind == ColumnKind::kInteger) {
                          cells[i] = pg::Int(block, r, col);
                        } else if (table.columns[i].kind == ColumnKind::kReal) {
                          cells[i] = pg::Real(block, r, col);
                        } else {
                          cells[i] = std::string(block.Text(r, col));
                        }
                      }
                      return row(cells);
                    });
}

Status PgStore::ScanArticleDocuments(const ExportFilter& filter,
                                     const std::function<Status(const Json&)>& doc) {
  const ExportTable* articles = FindExportTable("articles");
  if (articles == nullptr) return Status::Internal("no documented articles table");
  HC_RETURN_IF_ERROR(Flush());
  pg::PgConnection& c = *rep_->conn;
  // As SqliteStore::ScanArticleDocuments: the article's flat columns, then its diseases and its
  // answers (with their question, doctor and hospital) in page order.
  return ScanCursor(
      c, PostgresSpelling(internal::ExportTableSql("articles")), FilterParams(filter),
      [&](const pg::PgResult& block, int r) -> Status {
        Json d = Json::object();
        for (size_t i = 0; i < articles->columns.size(); ++i) {
          const int col = static_cast<int>(i);
          const ColumnKind kind = articles->columns[i].kind;
          d[articles->columns[i].name] = kind == ColumnKind::kJson      ? JsonColumn(block, r, col)
                                         : block.IsNull(r, col)         ? Json(nullptr)
                                         : kind == ColumnKind::kInteger ? Json(pg::Int(block, r, col))
                                                                        : TextColumn(block, r, col);
        }
        pg::Params id;
        id.Add(pg::Int(block, r, 0));
        Json diseases = Json::array();
        auto dq = c.Exec(
            "SELECT d.name, d.summary, d.url, d.extra FROM article_diseases ad"
            " JOIN diseases d ON d.id = ad.disease_id WHERE ad.article_id = $1 ORDER BY ad.position",
            id.span());
        if (!dq.ok()) return dq.status();
        for (int i = 0; i < dq->rows(); ++i) {
          Json item = Json::object();
          item["name"] = TextColumn(*dq, i, 0);
          item["summary"] = TextColumn(*dq, i, 1);
          item["url"] = TextColumn(*dq, i, 2);
          item["extra"] = JsonColumn(*dq, i, 3);
          diseases.push_back(std::move(item));
        }
        Json answers = Json::array();
        auto aq = c.Exec(
            "SELECT aq.position, q.url, q.title, q.description, q.asked_at, an.text, an.answered_at,"
            " an.source, an.extra, d.name, d.title, d.department, coalesce(d.specialties, '[]'), h.name,"
            " h.grade, d.title_raw, d.academic_title, h.grade_raw, an.helpful_votes, an.answered_at_precision"
            " FROM article_questions aq JOIN answers an ON an.id = aq.answer_id"
            " LEFT JOIN questions q ON q.id = an.question_id LEFT JOIN doctors d ON d.id = an.doctor_id"
            " LEFT JOIN hospitals h ON h.id = d.hospital_id WHERE aq.article_id = $1 ORDER BY aq.position",
            id.span());
        if (!aq.ok()) return aq.status();
        for (int i = 0; i < aq->rows(); ++i) {
          Json item = Json::object();
          item["position"] = pg::Int(*aq, i, 0);
          if (aq->IsNull(i, 1)) {
            item["question"] = nullptr;
          } else {
            item["question"] = {{"url", TextColumn(*aq, i, 1)},
                                {"title", TextColumn(*aq, i, 2)},
                                {"description", TextColumn(*aq, i, 3)},
                                {"asked_at", TextColumn(*aq, i, 4)}};
          }
          if (aq->IsNull(i, 9)) {
            item["doctor"] = nullptr;
          } else {
            item["doctor"] = {{"name", TextColumn(*aq, i, 9)},
                              {"title", TextColumn(*aq, i, 10)},
                              {"department", TextColumn(*aq, i, 11)},
                              {"specialties", JsonColumn(*aq, i, 12)},
                              {"hospital", TextColumn(*aq, i, 13)},
                              {"hospital_grade", TextColumn(*aq, i, 14)},
                              {"title_raw", TextColumn(*aq, i, 15)},
                              {"academic_title", TextColumn(*aq, i, 16)},
                              {"hospital_grade_raw", TextColumn(*aq, i, 17)}};
          }
          item["text"] = TextColumn(*aq, i, 5);
          item["answered_at"] = TextColumn(*aq, i, 6);
          item["answered_at_precision"] = TextColumn(*aq, i, 19);
          item["helpful_votes"] = aq->IsNull(i, 18) ? Json(nullptr) : Json(pg::Int(*aq, i, 18));
          item["source"] = TextColumn(*aq, i, 7);
          item["extra"] = JsonColumn(*aq, i, 8);
          answers.push_back(std::move(item));
        }
        d["diseases"] = std::move(diseases);
        d["answers"] = std::move(answers);
        return doc(d);
      });
}

Result<int64_t> PgStore::CurrentChangeSeq() {
  // This process's own open batch goes first: it holds the change sequence's lock shared.
  HC_RETURN_IF_ERROR(Flush());
  return pg::WaitForChangeSeq(*rep_->conn);
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
