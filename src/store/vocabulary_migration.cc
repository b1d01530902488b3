// Migration 10's code step: the grades and titles stored before the record vocabulary, read with the
// same functions extraction uses (core/vocabulary.h), so a stored row and a freshly extracted one agree
// — a revisited page whose content did not change is not rewritten, so this is what canonicalizes it.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/vocabulary.h"
#include "store/pg_schema_internal.h"
#include "store/schema_internal.h"

namespace hc::store::internal {

Status CanonicalizeStoredVocabulary(Db& db) {
  // Read first, then write: updating rows while a statement steps over them is allowed in SQLite, but
  // a plain list keeps the two apart. A database holds thousands of hospitals and doctors, not millions.
  std::vector<std::pair<int64_t, std::string>> grades, titles;
  {
    auto q = db.Prepare("SELECT id, grade_raw FROM hospitals WHERE grade_raw IS NOT NULL");
    if (!q.ok()) return q.status();
    while (q->Step()) grades.emplace_back(q->Int(0), q->Text(1));
    HC_RETURN_IF_ERROR(q->status());
  }
  for (const auto& [id, raw] : grades) {
    HC_RETURN_IF_ERROR(
        Execute(db, "UPDATE hospitals SET grade = ?2 WHERE id = ?1", id, vocabulary::CanonicalGrade(raw)));
  }
  {
    auto q = db.Prepare("SELECT id, title_raw FROM doctors WHERE title_raw IS NOT NULL");
    if (!q.ok()) return q.status();
    while (q->Step()) titles.emplace_back(q->Int(0), q->Text(1));
    HC_RETURN_IF_ERROR(q->status());
  }
  for (const auto& [id, raw] : titles) {
    const vocabulary::TitleReading t = vocabulary::ReadTitles(raw);
    HC_RETURN_IF_ERROR(Execute(db, "UPDATE doctors SET title = ?2, academic_title = ?3 WHERE id = ?1", id,
                               t.clinical, t.academic));
  }
  return Status::Ok();
}

}  // namespace hc::store::internal

namespace hc::store::pg {

// The same readings on PostgreSQL, each row updated in one statement from arrays of the new values
// (one round trip per table rather than per row).
Status CanonicalizeStoredVocabulary(PgConnection& conn) {
  using Json = nlohmann::ordered_json;
  auto grades = conn.Exec("SELECT id, grade_raw FROM hospitals WHERE grade_raw IS NOT NULL ORDER BY id");
  if (!grades.ok()) return grades.status();
  Json ids = Json::array(), values = Json::array();
  for (int i = 0; i < grades->rows(); ++i) {
    ids.push_back(std::stoll(std::string(grades->Text(i, 0))));
    const auto grade = vocabulary::CanonicalGrade(std::string(grades->Text(i, 1)));
    values.push_back(grade ? Json(*grade) : Json(nullptr));
  }
  auto graded = conn.Exec(
      "UPDATE hospitals h SET grade = g.value #>> '{}'"
      " FROM json_array_elements_text($1::json) WITH ORDINALITY AS i(id, n)"
      " JOIN json_array_elements($2::json) WITH ORDINALITY AS g(value, m) ON g.m = i.n"
      " WHERE h.id = i.id::bigint",
      {Param::Text(internal::DumpJson(ids)), Param::Text(internal::DumpJson(values))});
  if (!graded.ok()) return graded.status();

  auto titles = conn.Exec("SELECT id, title_raw FROM doctors WHERE title_raw IS NOT NULL ORDER BY id");
  if (!titles.ok()) return titles.status();
  Json doctor_ids = Json::array(), clinical = Json::array(), academic = Json::array();
  for (int i = 0; i < titles->rows(); ++i) {
    doctor_ids.push_back(std::stoll(std::string(titles->Text(i, 0))));
    const vocabulary::TitleReading t = vocabulary::ReadTitles(std::string(titles->Text(i, 1)));
    clinical.push_back(t.clinical ? Json(*t.clinical) : Json(nullptr));
    academic.push_back(t.academic ? Json(*t.academic) : Json(nullptr));
  }
  auto titled = conn.Exec(
      "UPDATE doctors d SET title = c.value #>> '{}', academic_title = a.value #>> '{}'"
      " FROM json_array_elements_text($1::json) WITH ORDINALITY AS i(id, n)"
      " JOIN json_array_elements($2::json) WITH ORDINALITY AS c(value, m) ON c.m = i.n"
      " JOIN json_array_elements($3::json) WITH ORDINALITY AS a(value, k) ON a.k = i.n"
      " WHERE d.id = i.id::bigint",
      {Param::Text(internal::DumpJson(doctor_ids)), Param::Text(internal::DumpJson(clinical)),
       Param::Text(internal::DumpJson(academic))});
  return titled.status();
}

}  // namespace hc::store::pg
