// The rules by which records become rows, shared by both backends (record_rules_internal.h).
#include "store/record_rules_internal.h"
#include "store/sqlite_internal.h"

namespace hc::store::internal {

std::string ExtraText(const records::Json& extra) { return extra.is_object() ? DumpJson(extra) : "{}"; }

std::string ListText(const records::TextList& list) { return DumpJson(records::Json(list)); }

std::optional<std::string> DatePrecision(const records::Text& date) {
  if (!date) return std::nullopt;
  return std::string(date->find('T') == std::string::npos ? "date" : "datetime");
}

std::optional<StoredAnswer> MergeAnswer(const StoredAnswer& old, const records::Text& text,
                                        const records::Text& answered_at, const records::Json& extra,
                                        bool from_page) {
  StoredAnswer merged = old;
  if (from_page) {
    if (text) merged.text = text;
    merged.source = "page";
  } else if (old.source != "page" && text && (!old.text || text->size() > old.text->size())) {
    merged.text = text;
  }
  if (answered_at && (from_page || !old.answered_at)) merged.answered_at = answered_at;
  records::Json extra_json = records::Json::parse(old.extra, nullptr, /*allow_exceptions=*/false);
  if (!extra_json.is_object()) extra_json = records::Json::object();
  if (extra.is_object()) extra_json.merge_patch(extra);
  merged.extra = DumpJson(extra_json);
  if (merged.text == old.text && merged.answered_at == old.answered_at && merged.source == old.source &&
      merged.extra == old.extra) {
    return std::nullopt;
  }
  return merged;
}

std::string ItemPath(std::string_view list, size_t index) {
  return std::string(list) + "[" + std::to_string(index) + "]";
}

std::vector<ChildOwners::Row> ChildOwners::Rows() const {
  std::vector<Row> rows;
  for (const ChildOwner& owner : owners_) {
    for (const records::ChildList& list : *owner.children) {
      int64_t position = 0;
      for (const records::ChildRecord& item : list.items) {
        rows.push_back({&owner, &list.name, position++, DumpJson(records::ChildFieldsJson(item))});
      }
    }
  }
  return rows;
}

std::vector<AnswerVotes> QuestionAnswerVotes(const records::Question& question) {
  std::vector<AnswerVotes> out;
  int64_t anonymous = 0;
  for (const records::Answer& answer : question.answers) {
    const bool named = answer.doctor_name && !answer.doctor_name->empty();
    const int64_t ordinal = AnonOrdinal(named, &anonymous);
    if (!answer.helpful_votes) continue;
    const records::Text hospital =
        answer.hospital && !answer.hospital->empty() ? answer.hospital : records::Text();
    out.push_back({named ? answer.doctor_name : records::Text(), hospital, ordinal, *answer.helpful_votes});
  }
  return out;
}

std::vector<CardVotes> ArticleCardVotes(const records::Article& article) {
  std::vector<CardVotes> out;
  for (size_t position = 0; position < article.answers.size(); ++position) {
    const records::Int& votes = article.answers[position].helpful_votes;
    if (votes) out.push_back({static_cast<int64_t>(position), *votes});
  }
  return out;
}

}  // namespace hc::store::internal
