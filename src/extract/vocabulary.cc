// The canonical record vocabulary (issue 2, point 5; docs/selectors.md "Records"). The store's tables
// and every site's config speak these names; a site's other fields go into "extra".
#include <array>

#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

using S = FieldShape;

constexpr std::array<FieldSpec, 7> kArticleFields = {{{"title", S::kText},
                                                      {"body", S::kText},
                                                      {"published_at", S::kDate},
                                                      {"views", S::kInt},
                                                      {"author", S::kText},
                                                      {"tags", S::kTextList},
                                                      {"source", S::kText}}};
constexpr std::array<ListSpec, 2> kArticleLists = {{{"diseases", "disease"}, {"answers", "answer_card"}}};

constexpr std::array<FieldSpec, 3> kDiseaseFields = {{{"name", S::kText}, {"summary", S::kText}, {"url", S::kUrl}}};

constexpr std::array<FieldSpec, 9> kAnswerCardFields = {{{"question_title", S::kText},
                                                         {"question_url", S::kUrl},
                                                         {"doctor_name", S::kText},
                                                         {"doctor_title", S::kText},
                                                         {"department", S::kText},
                                                         {"hospital", S::kText},
                                                         {"hospital_grade", S::kText},
                                                         {"answer_text", S::kText},
                                                         {"answered_at", S::kDate}}};

constexpr std::array<FieldSpec, 3> kQuestionFields = {
    {{"title", S::kText}, {"description", S::kText}, {"asked_at", S::kDate}}};
constexpr std::array<ListSpec, 1> kQuestionLists = {{{"answers", "answer"}}};

constexpr std::array<FieldSpec, 7> kAnswerFields = {{{"doctor_name", S::kText},
                                                     {"doctor_title", S::kText},
                                                     {"department", S::kText},
                                                     {"hospital", S::kText},
                                                     {"hospital_grade", S::kText},
                                                     {"answer_text", S::kText},
                                                     {"answered_at", S::kDate}}};

constexpr std::array<FieldSpec, 6> kDoctorFields = {{{"name", S::kText},
                                                     {"title", S::kText},
                                                     {"department", S::kText},
                                                     {"hospital", S::kText},
                                                     {"hospital_grade", S::kText},
                                                     {"specialties", S::kTextList}}};

const std::array<RecordKind, 6> kKinds = {{
    {"article", kArticleFields, kArticleLists},
    {"disease", kDiseaseFields, {}},
    {"answer_card", kAnswerCardFields, {}},
    {"question", kQuestionFields, kQuestionLists},
    {"answer", kAnswerFields, {}},
    {"doctor", kDoctorFields, {}},
}};

}  // namespace

std::span<const RecordKind> RecordKinds() { return kKinds; }

const RecordKind* FindRecordKind(std::string_view name) {
  for (const RecordKind& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

std::string_view FieldShapeName(FieldShape shape) {
  switch (shape) {
    case FieldShape::kText: return "text";
    case FieldShape::kInt: return "integer";
    case FieldShape::kDate: return "date";
    case FieldShape::kUrl: return "URL";
    case FieldShape::kTextList: return "list of strings";
  }
  return "?";
}

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kText: return "text";
    case ValueType::kInt: return "int";
    case ValueType::kCount: return "count";
    case ValueType::kDate: return "date";
    case ValueType::kDateTime: return "datetime";
    case ValueType::kUrl: return "url";
    case ValueType::kHtml: return "html";
    case ValueType::kEpoch: return "epoch";
    case ValueType::kEpochDate: return "epoch_date";
    case ValueType::kBool: return "bool";
  }
  return "?";
}

}  // namespace hc::extract
