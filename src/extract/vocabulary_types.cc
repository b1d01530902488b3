// The selector types of docs/vocabulary.md — hospital_grade, clinical_title, academic_title, sex, age —
// as readings of core/vocabulary.h. A text outside a vocabulary gives a null canonical value and a
// problem, which the extraction shows as a note while the record keeps the page's own text.
#include "core/vocabulary.h"
#include "extract/extract_internal.h"

namespace hc::extract {

VocabularyReading ReadVocabulary(ValueType type, std::string_view text) {
  VocabularyReading out;
  auto unknown = [&](std::string_view what) {
    out.problem = "\"" + std::string(text) + "\" is not " + std::string(what) + " (docs/vocabulary.md)";
  };
  switch (type) {
    case ValueType::kHospitalGrade:
      if (auto grade = vocabulary::CanonicalGrade(text)) {
        out.canonical = *grade;
      } else {
        unknown("a hospital grade");
      }
      break;
    case ValueType::kClinicalTitle:
    case ValueType::kAcademicTitle: {
      vocabulary::TitleReading titles = vocabulary::ReadTitles(text);
      if (type == ValueType::kAcademicTitle) {
        if (titles.academic) {
          out.canonical = *titles.academic;
        } else {
          unknown("an academic title");
        }
        break;
      }
      if (titles.academic) out.companion = *titles.academic;
      if (titles.clinical) {
        out.canonical = *titles.clinical;
      } else if (!titles.academic) {  // 教授 alone is an academic title with no clinical one: no note
        unknown("a clinical title");
      }
      break;
    }
    case ValueType::kSex:
      if (auto sex = vocabulary::ReadSex(text)) {
        out.canonical = *sex;
      } else {
        unknown("a sex (男/女)");
      }
      break;
    case ValueType::kAge:
      if (auto age = vocabulary::ReadAge(text)) {
        out.canonical = age->years;
        if (age->months) out.companion = *age->months;
      } else {
        unknown("an age (45岁, 8个月)");
      }
      break;
    default:
      break;
  }
  return out;
}

}  // namespace hc::extract
