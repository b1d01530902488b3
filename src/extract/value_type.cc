// The names of a field rule's `type` values, as configs write them and messages quote them. The record
// vocabulary itself (kinds, fields, shapes) is declared once in core/records.h.
#include "extract/extract_internal.h"

namespace hc::extract {

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
    case ValueType::kHospitalGrade:
      return "hospital_grade";
    case ValueType::kClinicalTitle:
      return "clinical_title";
    case ValueType::kAcademicTitle:
      return "academic_title";
    case ValueType::kSex:
      return "sex";
    case ValueType::kAge:
      return "age";
  }
  return "?";
}

}  // namespace hc::extract
