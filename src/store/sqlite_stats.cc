// SqliteStore's StatsSource: the report's numbers, counted by SQL (cli/stats_format.cc shows them).
#include <string>

#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {
namespace {

// Rows per site for the site-scoped tables; "*" for the shared ones.
constexpr std::string_view kTableCounts = R"sql(
SELECT s.key, 'pages', count(*) FROM pages p JOIN sites s ON s.id = p.site_id GROUP BY s.key
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
ORDER BY 1, 2
)sql";

// A field counts as filled when it is neither NULL nor empty ('' or an empty JSON array).
#define HC_FILLED(col) "sum(" col " IS NOT NULL AND " col " NOT IN ('', '[]'))"

constexpr std::string_view kArticleFill =
    "SELECT s.key, count(*), " HC_FILLED("a.title") ", " HC_FILLED("a.body") ", " HC_FILLED(
        "a.published_at") ", sum(EXISTS (SELECT 1 FROM article_views v WHERE v.article_id = a.id)), " HC_FILLED("a.author") ", " HC_FILLED("a.tags") ", " HC_FILLED("a.source") ","
                          " sum(EXISTS (SELECT 1 FROM article_diseases ad WHERE ad.article_id = a.id)),"
                          " sum(EXISTS (SELECT 1 FROM article_questions aq WHERE aq.article_id = a.id))"
                          " FROM articles a JOIN sites s ON s.id = a.site_id GROUP BY s.key ORDER BY s.key";
constexpr const char* kArticleFields[] = {"title",  "body",   "published_at", "views",   "author",
                                          "tags",   "source", "diseases",     "answers"};

constexpr std::string_view kQuestionFill =
    "SELECT s.key, count(*), " HC_FILLED("q.title") ", " HC_FILLED("q.description") ", " HC_FILLED(
        "q.asked_at") ", sum(q.page_id IS NOT NULL)"
                      " FROM questions q JOIN sites s ON s.id = q.site_id GROUP BY s.key ORDER BY s.key";
constexpr const char* kQuestionFields[] = {"title", "description", "asked_at", "page stored"};

constexpr std::string_view kAnswerFill =
    "SELECT s.key, count(*), " HC_FILLED("an.text") ", " HC_FILLED("an.answered_at") ","
    " sum(an.doctor_id IS NOT NULL), sum(an.source = 'page')"
    " FROM answers an JOIN questions q ON q.id = an.question_id JOIN sites s ON s.id = q.site_id"
    " GROUP BY s.key ORDER BY s.key";
constexpr const char* kAnswerFields[] = {"answer_text", "answered_at", "doctor", "full text"};

constexpr std::string_view kDoctorFill =
    "SELECT '*', count(*), " HC_FILLED("d.title") ", " HC_FILLED("d.department") ","
    " sum(d.hospital_id IS NOT NULL), " HC_FILLED("d.specialties") " FROM doctors d";
constexpr const char* kDoctorFields[] = {"title", "department", "hospital", "specialties"};

constexpr std::string_view kDiseaseFill =
    "SELECT '*', count(*), " HC_FILLED("summary") ", " HC_FILLED("url") " FROM diseases";
constexpr const char* kDiseaseFields[] = {"summary", "url"};

constexpr std::string_view kHospitalFill = "SELECT '*', count(*), " HC_FILLED("grade") " FROM hospitals";
constexpr const char* kHospitalFields[] = {"grade"};

#undef HC_FILLED

template <size_t N>
Status AddFillRates(internal::Db& db, std::string_view sql, const char* table, const char* const (&fields)[N],
                    StatsReport& report) {
  auto q = db.Prepare(sql);
  if (!q.ok()) return q.status();
  while (q->Step()) {
    const int64_t total = q->Int(1);
    if (total == 0) continue;
    for (size_t i = 0; i < N; ++i) {
      report.fill_rates.push_back({q->Text(0), table, fields[i], q->Int(static_cast<int>(i) + 2), total});
    }
  }
  return q->status();
}

}  // namespace

Result<StatsReport> SqliteStore::ComputeStats() {
  internal::Db& db = *rep_->db;
  StatsReport report;
  {
    auto q = db.Prepare(kTableCounts);
    if (!q.ok()) return q.status();
    while (q->Step()) report.tables.push_back({q->Text(0), q->Text(1), q->Int(2)});
    HC_RETURN_IF_ERROR(q->status());
  }
  HC_RETURN_IF_ERROR(AddFillRates(db, kArticleFill, "articles", kArticleFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(db, kQuestionFill, "questions", kQuestionFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(db, kAnswerFill, "answers", kAnswerFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(db, kDoctorFill, "doctors", kDoctorFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(db, kDiseaseFill, "diseases", kDiseaseFields, report));
  HC_RETURN_IF_ERROR(AddFillRates(db, kHospitalFill, "hospitals", kHospitalFields, report));
  {
    auto q = db.Prepare(
        "SELECT s.key, f.reason, count(DISTINCT f.page_id) FILTER (WHERE p.failure_reason = f.reason),"
        " count(*) FROM failures f JOIN pages p ON p.id = f.page_id JOIN sites s ON s.id = p.site_id"
        " GROUP BY s.key, f.reason ORDER BY s.key, count(*) DESC, f.reason");
    if (!q.ok()) return q.status();
    while (q->Step()) report.failures.push_back({q->Text(0), q->Text(1), q->Int(2), q->Int(3)});
    HC_RETURN_IF_ERROR(q->status());
  }
  {
    // A run's extra is written by this program; one that does not parse or lacks the member has none.
    // One pass over the runs (grouped), then a primary-key lookup per site: years of hourly runs stay cheap.
    auto q = db.Prepare(
        "SELECT r.id, r.sites, r.extra FROM crawl_runs r JOIN (SELECT max(id) AS id FROM crawl_runs"
        " WHERE command = 'crawl' AND finished_at IS NOT NULL GROUP BY sites) latest ON latest.id = r.id"
        " ORDER BY r.sites");
    if (!q.ok()) return q.status();
    while (q->Step()) {
      const Json extra = Json::parse(q->Text(2), nullptr, /*allow_exceptions=*/false);
      auto notes = extra.is_object() ? extra.find("field_notes") : extra.end();
      if (notes == extra.end() || !notes->is_object()) continue;
      for (const auto& item : notes->items()) {
        const Json& n = item.value();  // not a structured binding: clang 14 cannot capture one
        if (!n.is_object()) continue;
        // Checked member by member: Json::value throws on a member of another type.
        auto member = [&n](const char* key) { return n.contains(key) ? n[key] : Json(); };
        const Json count = member("count"), example = member("example"), url = member("url");
        report.field_notes.push_back({q->Text(1), q->Int(0), item.key(),
                                      count.is_number_integer() ? count.get<int64_t>() : 0,
                                      example.is_string() ? example.get<std::string>() : "",
                                      url.is_string() ? url.get<std::string>() : ""});
      }
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  {
    auto q = db.Prepare("SELECT min(first_fetched_at), max(last_fetched_at) FROM pages");
    if (!q.ok()) return q.status();
    if (q->Step()) {
      report.oldest_fetch = q->OptText(0);
      report.newest_fetch = q->OptText(1);
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  return report;
}

}  // namespace hc::store
