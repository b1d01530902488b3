// Migration 10's code step: the grades and titles stored before the record vocabulary, read with the
// same functions extraction uses (core/vocabulary.h), so a stored row and a freshly extracted one agree
// — a revisited page whose content did not change is not rewritten, so this is what canonicalizes it.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/vocabulary.h"
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
