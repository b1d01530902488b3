// SqliteStore's ExportSource: one SELECT per exported table, stepped row by row (constant memory),
// with the filters as bound parameters: ?1 site key ('' for all), ?2 since (NULL for no limit),
// ?3 and ?4 the change-sequence window (after, upto].
#include <map>
#include <string>

#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {
namespace {

using internal::Query;

// Rows a site "has" when it is shared by all sites: the doctors named in its questions' answers, in
// its articles' cards, or profiled on its pages.
constexpr std::string_view kDoctorOnSite =
    "(EXISTS (SELECT 1 FROM answers an JOIN questions q ON q.id = an.question_id"
    " JOIN sites s ON s.id = q.site_id WHERE an.doctor_id = d.id AND s.key = ?1)"
    " OR EXISTS (SELECT 1 FROM answers an JOIN article_questions aq ON aq.answer_id = an.id"
    " JOIN articles a ON a.id = aq.article_id JOIN sites s ON s.id = a.site_id"
    " WHERE an.doctor_id = d.id AND s.key = ?1)"
    " OR EXISTS (SELECT 1 FROM pages p JOIN sites s ON s.id = p.site_id"
    " WHERE p.id = d.profile_page_id AND s.key = ?1))";

std::string TableSql(const std::string& table) {
  static const std::map<std::string, std::string> sql = {
      {"sites",
       "SELECT s.id, s.key, s.first_seen_at FROM sites s"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR s.first_seen_at >= ?2)"
       " AND s.updated_seq > ?3 AND s.updated_seq <= ?4 ORDER BY s.id"},
      {"pages",
       "SELECT p.id, s.key, p.url, p.fetched_url, p.page_type, p.http_status, p.content_type, p.charset,"
       " p.etag, p.last_modified, p.content_hash, p.first_fetched_at, p.last_fetched_at,"
       " p.last_changed_at, p.failure_reason, p.updated_at"
       " FROM pages p JOIN sites s ON s.id = p.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR p.updated_at >= ?2)"
       " AND p.updated_seq > ?3 AND p.updated_seq <= ?4 ORDER BY p.id"},
      // List columns (tags, specialties) export as [] when NULL, as extraction writes an empty list since
      // issue 13: rows stored before that, and doctors seen without their profile, read the same.
      {"articles",
       "SELECT a.id, s.key, p.url, a.title, a.body, a.published_at, a.published_at_precision,"
       " (SELECT v.views FROM article_views v WHERE v.article_id = a.id ORDER BY v.observed_at DESC LIMIT 1),"
       " (SELECT max(v.observed_at) FROM article_views v WHERE v.article_id = a.id),"
       " a.author, coalesce(a.tags, '[]'), a.source, a.extra, p.first_fetched_at, p.last_fetched_at, "
       "p.last_changed_at,"
       " a.updated_at"
       " FROM articles a JOIN pages p ON p.id = a.page_id JOIN sites s ON s.id = a.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR a.updated_at >= ?2)"
       " AND a.updated_seq > ?3 AND a.updated_seq <= ?4 ORDER BY a.id"},
      {"article_views",
       "SELECT v.article_id, s.key, p.url, v.observed_at, v.views"
       " FROM article_views v JOIN articles a ON a.id = v.article_id JOIN pages p ON p.id = a.page_id"
       " JOIN sites s ON s.id = a.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR v.observed_at >= ?2)"
       " AND v.updated_seq > ?3 AND v.updated_seq <= ?4 ORDER BY v.article_id, v.observed_at"},
      {"diseases",
       "SELECT d.id, d.name, d.summary, d.url, d.extra, d.updated_at FROM diseases d"
       " WHERE (?1 = '' OR EXISTS (SELECT 1 FROM article_diseases ad JOIN articles a ON a.id = ad.article_id"
       " JOIN sites s ON s.id = a.site_id WHERE ad.disease_id = d.id AND s.key = ?1)"
       " OR EXISTS (SELECT 1 FROM pages p JOIN sites s ON s.id = p.site_id"
       " WHERE p.id = d.page_id AND s.key = ?1))"
       " AND (?2 IS NULL OR d.updated_at >= ?2) AND d.updated_seq > ?3 AND d.updated_seq <= ?4"
       " ORDER BY d.id"},
      {"article_diseases",
       "SELECT ad.article_id, ad.position, ad.disease_id, d.name"
       " FROM article_diseases ad JOIN articles a ON a.id = ad.article_id"
       " JOIN diseases d ON d.id = ad.disease_id JOIN sites s ON s.id = a.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR a.updated_at >= ?2)"
       " AND a.updated_seq > ?3 AND a.updated_seq <= ?4 ORDER BY ad.article_id, ad.position"},
      {"hospitals",
       "SELECT h.id, h.name, h.grade, h.updated_at, h.grade_raw FROM hospitals h"
       " WHERE (?1 = '' OR EXISTS (SELECT 1 FROM doctors d WHERE d.hospital_id = h.id AND " +
           std::string(kDoctorOnSite) +
           "))"
           " AND (?2 IS NULL OR h.updated_at >= ?2) AND h.updated_seq > ?3 AND h.updated_seq <= ?4"
           " ORDER BY h.id"},
      {"doctors",
       "SELECT d.id, d.name, d.title, d.department, d.hospital_id, h.name, h.grade, coalesce(d.specialties, "
       "'[]'),"
       " pp.url, d.title_raw, d.academic_title, h.grade_raw, d.extra, d.updated_at"
       " FROM doctors d LEFT JOIN hospitals h ON h.id = d.hospital_id"
       " LEFT JOIN pages pp ON pp.id = d.profile_page_id"
       " WHERE (?1 = '' OR " +
           std::string(kDoctorOnSite) +
           ") AND (?2 IS NULL OR d.updated_at >= ?2) AND d.updated_seq > ?3 AND d.updated_seq <= ?4"
           " ORDER BY d.id"},
      {"questions",
       "SELECT q.id, s.key, q.url, q.title, q.description, q.asked_at, q.asked_at_precision,"
       " q.page_id IS NOT NULL,"
       " (SELECT v.views FROM question_views v WHERE v.question_id = q.id ORDER BY v.observed_at DESC LIMIT "
       "1),"
       " (SELECT max(v.observed_at) FROM question_views v WHERE v.question_id = q.id),"
       " q.patient_sex, q.patient_age_years, q.patient_age_months, q.extra,"
       " q.updated_at FROM questions q JOIN sites s ON s.id = q.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR q.updated_at >= ?2)"
       " AND q.updated_seq > ?3 AND q.updated_seq <= ?4 ORDER BY q.id"},
      {"answers",
       "SELECT an.id, an.question_id, q.url, an.doctor_id, d.name, an.text, an.answered_at,"
       " an.answered_at_precision, an.source, an.extra, an.updated_at, an.helpful_votes"
       " FROM answers an LEFT JOIN questions q ON q.id = an.question_id"
       " LEFT JOIN doctors d ON d.id = an.doctor_id"
       " WHERE (?1 = '' OR EXISTS (SELECT 1 FROM sites s WHERE s.id = q.site_id AND s.key = ?1)"
       " OR EXISTS (SELECT 1 FROM article_questions aq JOIN articles a ON a.id = aq.article_id"
       " JOIN sites s ON s.id = a.site_id WHERE aq.answer_id = an.id AND s.key = ?1))"
       " AND (?2 IS NULL OR an.updated_at >= ?2) AND an.updated_seq > ?3 AND an.updated_seq <= ?4"
       " ORDER BY an.id"},
      {"question_views",
       "SELECT v.question_id, s.key, q.url, v.observed_at, v.views"
       " FROM question_views v JOIN questions q ON q.id = v.question_id JOIN sites s ON s.id = q.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR v.observed_at >= ?2)"
       " AND v.updated_seq > ?3 AND v.updated_seq <= ?4 ORDER BY v.question_id, v.observed_at"},
      {"article_questions",
       "SELECT aq.article_id, aq.position, aq.answer_id, q.url"
       " FROM article_questions aq JOIN articles a ON a.id = aq.article_id"
       " JOIN answers an ON an.id = aq.answer_id LEFT JOIN questions q ON q.id = an.question_id"
       " JOIN sites s ON s.id = a.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR a.updated_at >= ?2)"
       " AND a.updated_seq > ?3 AND a.updated_seq <= ?4 ORDER BY aq.article_id, aq.position"},
      {"failures",
       "SELECT f.id, s.key, p.url, f.failed_at, f.http_status, f.reason, f.detail"
       " FROM failures f JOIN pages p ON p.id = f.page_id JOIN sites s ON s.id = p.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR f.failed_at >= ?2)"
       " AND f.updated_seq > ?3 AND f.updated_seq <= ?4 ORDER BY f.id"},
      {"crawl_runs",
       "SELECT r.id, r.command, r.sites, r.started_at, r.finished_at, r.outcome, r.pages_fetched,"
       " r.pages_stored, r.pages_failed, r.bytes_fetched, r.extra FROM crawl_runs r"
       " WHERE (?1 = '' OR instr(',' || r.sites || ',', ',' || ?1 || ',') > 0)"
       " AND (?2 IS NULL OR r.started_at >= ?2) AND r.updated_seq > ?3 AND r.updated_seq <= ?4"
       " ORDER BY r.id"},
      {"record_children",
       "SELECT c.id, s.key, p.url, c.parent_table, c.parent_id, c.record_path, c.list, c.position, c.fields,"
       " c.updated_at FROM record_children c JOIN pages p ON p.id = c.page_id JOIN sites s ON s.id = p.site_id"
       " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR c.updated_at >= ?2)"
       " AND c.updated_seq > ?3 AND c.updated_seq <= ?4 ORDER BY c.page_id, c.record_path, c.list, c.position"},
  };
  auto it = sql.find(table);
  return it == sql.end() ? std::string() : it->second;
}

void BindFilter(Query& q, const ExportFilter& filter) {
  q.Bind(1, filter.site).Bind(3, filter.after_seq).Bind(4, filter.upto_seq);
  if (filter.since) q.Bind(2, FormatUtc(*filter.since));
}

Cell ReadCell(const Query& q, int col) {
  switch (q.Type(col)) {
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_INTEGER:
      return q.Int(col);
    case SQLITE_FLOAT:
      return q.Real(col);
    default:
      return q.Text(col);
  }
}

Json JsonColumn(const Query& q, int col) {
  if (q.IsNull(col)) return nullptr;
  Json parsed = Json::parse(q.Text(col), nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? Json(q.Text(col)) : parsed;
}

Json TextColumn(const Query& q, int col) { return q.IsNull(col) ? Json(nullptr) : Json(q.Text(col)); }

}  // namespace

// For the PostgreSQL backend, which runs the same queries (pg_export.cc).
std::string internal::ExportTableSql(const std::string& table) { return TableSql(table); }

Status SqliteStore::ScanTable(const ExportTable& table, const ExportFilter& filter,
                              const std::function<Status(const Row&)>& row) {
  const std::string sql = TableSql(table.name);
  if (sql.empty()) return Status::InvalidArgument("unknown table \"" + table.name + "\"");
  auto q = rep_->db->Prepare(sql);
  if (!q.ok()) return q.status();
  if (q->columns() != static_cast<int>(table.columns.size())) {
    return Status::Internal("export of " + table.name + " selects " + std::to_string(q->columns()) +
                            " columns for " + std::to_string(table.columns.size()) + " documented ones");
  }
  BindFilter(*q, filter);
  Row cells(table.columns.size());
  while (q->Step()) {
    for (size_t i = 0; i < cells.size(); ++i) cells[i] = ReadCell(*q, static_cast<int>(i));
    HC_RETURN_IF_ERROR(row(cells));
  }
  return q->status();
}

Status SqliteStore::ScanArticleDocuments(const ExportFilter& filter,
                                         const std::function<Status(const Json&)>& doc) {
  const ExportTable* articles = FindExportTable("articles");
  auto q = rep_->db->Prepare(TableSql("articles"));
  if (!q.ok()) return q.status();
  BindFilter(*q, filter);
  while (q->Step()) {
    Json d = Json::object();
    for (size_t i = 0; i < articles->columns.size(); ++i) {
      const int col = static_cast<int>(i);
      d[articles->columns[i].name] = articles->columns[i].kind == ColumnKind::kJson ? JsonColumn(*q, col)
                                     : q->Type(col) == SQLITE_INTEGER ? Json(q->Int(col))
                                                                      : TextColumn(*q, col);
    }
    const int64_t article_id = q->Int(0);

    Json diseases = Json::array();
    {
      auto dq = rep_->db->Prepare(
          "SELECT d.name, d.summary, d.url, d.extra FROM article_diseases ad"
          " JOIN diseases d ON d.id = ad.disease_id WHERE ad.article_id = ?1 ORDER BY ad.position");
      if (!dq.ok()) return dq.status();
      dq->Bind(1, article_id);
      while (dq->Step()) {
        Json item = Json::object();
        item["name"] = TextColumn(*dq, 0);
        item["summary"] = TextColumn(*dq, 1);
        item["url"] = TextColumn(*dq, 2);
        item["extra"] = JsonColumn(*dq, 3);
        diseases.push_back(std::move(item));
      }
      HC_RETURN_IF_ERROR(dq->status());
    }
    Json answers = Json::array();
    {
      auto aq = rep_->db->Prepare(
          "SELECT aq.position, q.url, q.title, q.description, q.asked_at, an.text, an.answered_at,"
          " an.source, an.extra, d.name, d.title, d.department, coalesce(d.specialties, '[]'), h.name, "
          "h.grade,"
          " d.title_raw, d.academic_title, h.grade_raw, an.helpful_votes, an.answered_at_precision"
          " FROM article_questions aq JOIN answers an ON an.id = aq.answer_id"
          " LEFT JOIN questions q ON q.id = an.question_id LEFT JOIN doctors d ON d.id = an.doctor_id"
          " LEFT JOIN hospitals h ON h.id = d.hospital_id WHERE aq.article_id = ?1 ORDER BY aq.position");
      if (!aq.ok()) return aq.status();
      aq->Bind(1, article_id);
      while (aq->Step()) {
        Json item = Json::object();
        item["position"] = aq->Int(0);
        if (aq->IsNull(1)) {
          item["question"] = nullptr;
        } else {
          item["question"] = {{"url", TextColumn(*aq, 1)},
                              {"title", TextColumn(*aq, 2)},
                              {"description", TextColumn(*aq, 3)},
                              {"asked_at", TextColumn(*aq, 4)}};
        }
        if (aq->IsNull(9)) {
          item["doctor"] = nullptr;
        } else {
          item["doctor"] = {{"name", TextColumn(*aq, 9)},
                            {"title", TextColumn(*aq, 10)},
                            {"department", TextColumn(*aq, 11)},
                            {"specialties", JsonColumn(*aq, 12)},
                            {"hospital", TextColumn(*aq, 13)},
                            {"hospital_grade", TextColumn(*aq, 14)},
                            {"title_raw", TextColumn(*aq, 15)},
                            {"academic_title", TextColumn(*aq, 16)},
                            {"hospital_grade_raw", TextColumn(*aq, 17)}};
        }
        item["text"] = TextColumn(*aq, 5);
        item["answered_at"] = TextColumn(*aq, 6);
        item["answered_at_precision"] = TextColumn(*aq, 19);
        item["helpful_votes"] = aq->IsNull(18) ? Json(nullptr) : Json(aq->Int(18));
        item["source"] = TextColumn(*aq, 7);
        item["extra"] = JsonColumn(*aq, 8);
        answers.push_back(std::move(item));
      }
      HC_RETURN_IF_ERROR(aq->status());
    }
    d["diseases"] = std::move(diseases);
    d["answers"] = std::move(answers);
    HC_RETURN_IF_ERROR(doc(d));
  }
  return q->status();
}

Result<int64_t> SqliteStore::CurrentChangeSeq() {
  return rep_->db->QueryInt("SELECT value FROM change_seq WHERE id = 1");
}

Result<int64_t> SqliteStore::LastExportSeq(std::string_view target) {
  auto q = rep_->db->Prepare("SELECT max(upto_seq) FROM exports WHERE target = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, target);
  if (!q->Step()) return q->status().ok() ? Result<int64_t>(int64_t{0}) : Result<int64_t>(q->status());
  return q->IsNull(0) ? 0 : q->Int(0);
}

Result<int64_t> SqliteStore::CountExports(std::string_view target) {
  auto q = rep_->db->Prepare("SELECT count(*) FROM exports WHERE target = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, target);
  if (!q->Step()) return q->status().ok() ? Result<int64_t>(int64_t{0}) : Result<int64_t>(q->status());
  return q->Int(0);
}

Status SqliteStore::RecordExports(const std::vector<ExportRecord>& records) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  // A savepoint works both inside an open write batch and outside (where it is a transaction).
  HC_RETURN_IF_ERROR(rep_->db->Exec("SAVEPOINT export_records"));
  for (const ExportRecord& r : records) {
    Status s = internal::Execute(*rep_->db,
                                 "INSERT INTO exports (target, format, table_name, site, path, exported_at,"
                                 " upto_seq, rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                 r.target, r.format, r.table, r.site, r.path, FormatUtc(r.exported_at),
                                 r.upto_seq, r.rows);
    if (!s.ok()) {
      (void)rep_->db->Exec("ROLLBACK TO export_records");
      (void)rep_->db->Exec("RELEASE export_records");
      return s;
    }
  }
  return rep_->db->Exec("RELEASE export_records");
}

}  // namespace hc::store
