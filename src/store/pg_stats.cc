// PgStore's StatsSource: the report's numbers, counted by SQL as SqliteStore counts them (sqlite_stats.cc),
// respelled for PostgreSQL (a count FILTER for SQLite's sum of a boolean) and sorted by code point
// (COLLATE "C", SQLite's BINARY), so that `stats` prints the same report from either backend.
#include <string>

#include "store/pg_rep_internal.h"

namespace hc::store {
namespace {

// Rows per site for the site-scoped tables; "*" for the shared ones.
constexpr std::string_view kTableCounts = R"sql(
SELECT site, name, n FROM (
SELECT s.key AS site, 'pages' AS name, count(*) AS n FROM pages p JOIN sites s ON s.id = p.site_id GROUP BY s.key
UNION ALL SELECT s.key, 'articles', count(*) FROM articles a JOIN sites s ON s.id = a.site_id GROUP BY s.key
UNION ALL SELECT s.key, 'article_views', count(*) FROM article_views v JOIN articles a ON a.id = v.article_id
  JOIN sites s ON s.id = a.site_id GROUP BY s.key
UNION ALL SELECT s.key, 'questions', count(*) FROM questions q JOIN sites s ON s.id = q.site_id GROUP BY s.key
UNION ALL SELECT s.key, 'answers', count(*) FROM answers an JOIN questions q ON q.id = an.question_id
  JOIN sites s ON s.id = q.site_id GROUP BY s.key
UNION ALL SELECT s.key, 'failures', count(*) FROM failures f JOIN pages p ON p.id = f.page_id
  JOIN sites s ON s.id = p.site_id GROUP BY s.key
UNION ALL SELECT s.key, 'raw_responses', count(*) FROM raw_responses r JOIN pages p ON p.id = r.page_id
  JOIN sites s ON s.id = p.site_id GROUP BY s.key
UNION ALL SELECT '*', 'answers without question', count(*) FROM answers WHERE question_id IS NULL
UNION ALL SELECT '*', 'diseases', count(*) FROM diseases
UNION ALL SELECT '*', 'hospitals', count(*) FROM hospitals
UNION ALL SELECT '*', 'doctors', count(*) FROM doctors
UNION ALL SELECT '*', 'crawl_runs', count(*) FROM crawl_runs
) AS counts ORDER BY site COLLATE "C", name COLLATE "C"
)sql";

// A field counts as filled when it is neither NULL nor empty ('' or an empty JSON array).
#define HC_FILLED(col) "count(*) FILTER (WHERE " col " IS NOT NULL AND " col " NOT IN ('', '[]'))"
#define HC_COUNT_IF(cond) "count(*) FILTER (WHERE " cond ")"

constexpr std::string_view kArticleFill =
    "SELECT s.key, count(*), " HC_FILLED("a.title") ", " HC_FILLED("a.body") ", " HC_FILLED(
        "a.published_at") ", " HC_COUNT_IF("EXISTS (SELECT 1 FROM article_views v WHERE v.article_id = a.id)") ", " HC_FILLED("a.author") ", " HC_FILLED("a.tags") ", " HC_FILLED("a.source") ", " HC_COUNT_IF("EXISTS (SELECT 1 FROM article_diseases ad WHERE ad.article_id = a.id)") ", " HC_COUNT_IF("EXISTS (SELECT 1 FROM article_questions aq WHERE aq.article_id = a.id)") " FROM articles a JOIN sites s ON s.id = a.site_id GROUP BY s.key ORDER BY s.key COLLATE \"C\"";
constexpr const char* kArticleFields[] = {"title", "body",   "published_at", "views",  "author",
                                          "tags",  "source", "diseases",     "answers"};

constexpr std::string_view kQuestionFill =
    "SELECT s.key, count(*), " HC_FILLED("q.title") ", " HC_FILLED("q.description") ", " HC_FILLED(
        "q.asked_at") ", " HC_COUNT_IF("q.page_id IS NOT NULL") " FROM questions q JOIN sites s ON s.id = "
                                                                "q.site_id GROUP BY s.key ORDER BY s.key "
                                                                "COLLATE \"C\"";
constexpr const char* kQuestionFields[] = {"title", "description", "asked_at", "page stored"};

constexpr std::string_view kAnswerFill =
    "SELECT s.key, count(*), " HC_FILLED("an.text") ", " HC_FILLED("an.answered_at") ", " HC_COUNT_IF(
        "an.doctor_id IS NOT NULL") ", " HC_COUNT_IF("an.source = 'page'") " FROM answers an JOIN questions q ON "
                                                                          "q.id = an.question_id JOIN sites s "
                                                                          "ON s.id = q.site_id GROUP BY s.key "
                                                                          "ORDER BY s.key COLLATE \"C\"";
constexpr const char* kAnswerFields[] = {"answer_text", "answered_at", "doctor", "full text"};

constexpr std::string_view kDoctorFill =
    "SELECT '*', count(*), " HC_FILLED("d.title") ", " HC_FILLED("d.department") ", " HC_COUNT_IF(
        "d.hospital_id IS NOT NULL") ", " HC_FILLED("d.specialties") " FROM doctors d";
constexpr const char* kDoctorFields[] = {"title", "department", "hospital", "specialties"};

constexpr std::string_view kDiseaseFill =
    "SELECT '*', count(*), " HC_FILLED("summary") ", " HC_FILLED("url") " FROM diseases";
constexpr const char* kDiseaseFields[] = {"summary", "url"};

constexpr std::string_view kHospitalFill = "SELECT '*', count(*), " HC_FILLED("grade") " FROM hospitals";
constexpr const char* kHospitalFields[] = {"grade"};

#undef HC_COUNT_IF
#undef HC_FILLED

template <size_t N>
Status AddFillRates(pg::PgConnection& c, std::string_view sql, const char* table,
                    const char* const (&fields)[N], StatsReport& report) {
  auto q = c.Exec(sql);
  if (!q.ok()) return q.status();
  for (int row = 0; row < q->rows(); ++row) {
    const int64_t total = pg::Int(*q, row, 1);
    if (total == 0) continue;
    for (size_t i = 0; i < N; ++i) {
      report.fill_rates.push_back(
          {std::string(q->Text(row, 0)), table, fields[i], pg::Int(*q, row, static_cast<int>(i) + 2), total});
    }
  }
  return Status::Ok();
}

}  // namespace

Result<StatsReport> PgStore::ComputeStats() {
  pg::PgConnection& c = *rep_->conn;
  StatsReport report;
  {
    auto q = c.Exec(kTableCounts);
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->rows(); ++i) {
      report.tables.push_back({std::string(q->Text(i, 0)), std::string(q->Text(i, 1)), pg::Int(*q, i, 2)});
    }
  }
  HC_RETURN_IF_ERROR(AddFillRates(c, kArticleFill, "articles", kArticleFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(c, kQuestionFill, "questions", kQuestionFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(c, kAnswerFill, "answers", kAnswerFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(c, kDoctorFill, "doctors", kDoctorFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(c, kDiseaseFill, "diseases", kDiseaseFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(c, kHospitalFill, "hospitals", kHospitalFields, report));
  {
    auto q = c.Exec(
        "SELECT s.key, f.reason, count(DISTINCT f.page_id) FILTER (WHERE p.failure_reason = f.reason),"
        " count(*) FROM failures f JOIN pages p ON p.id = f.page_id JOIN sites s ON s.id = p.site_id"
        " GROUP BY s.key, f.reason ORDER BY s.key COLLATE \"C\", count(*) DESC, f.reason COLLATE \"C\"");
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->rows(); ++i) {
      report.failures.push_back(
          {std::string(q->Text(i, 0)), std::string(q->Text(i, 1)), pg::Int(*q, i, 2), pg::Int(*q, i, 3)});
    }
  }
  {
    // As on SQLite: the latest finished crawl per sites value, its extra's field_notes.
    auto q = c.Exec(
        "SELECT r.id, r.sites, r.extra FROM crawl_runs r JOIN (SELECT max(id) AS id FROM crawl_runs"
        " WHERE command = 'crawl' AND finished_at IS NOT NULL GROUP BY sites) latest ON latest.id = r.id"
        " ORDER BY r.sites COLLATE \"C\"");
    if (!q.ok()) return q.status();
    for (int i = 0; i < q->rows(); ++i) {
      const Json extra = Json::parse(q->Text(i, 2), nullptr, /*allow_exceptions=*/false);
      auto notes = extra.is_object() ? extra.find("field_notes") : extra.end();
      if (notes == extra.end() || !notes->is_object()) continue;
      for (const auto& item : notes->items()) {
        const Json& n = item.value();
        if (!n.is_object()) continue;
        auto member = [&n](const char* key) { return n.contains(key) ? n[key] : Json(); };
        const Json count = member("count"), example = member("example"), url = member("url");
        report.field_notes.push_back({std::string(q->Text(i, 1)), pg::Int(*q, i, 0), item.key(),
                                      count.is_number_integer() ? count.get<int64_t>() : 0,
                                      example.is_string() ? example.get<std::string>() : "",
                                      url.is_string() ? url.get<std::string>() : ""});
      }
    }
  }
  {
    auto q =
        c.Exec("SELECT min(first_fetched_at COLLATE \"C\"), max(last_fetched_at COLLATE \"C\") FROM pages");
    if (!q.ok()) return q.status();
    if (q->rows() > 0) {
      report.oldest_fetch = pg::OptText(*q, 0, 0);
      report.newest_fetch = pg::OptText(*q, 0, 1);
    }
  }
  return report;
}

}  // namespace hc::store
