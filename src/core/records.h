// records: the canonical record types (Article, DiseaseCard, AnswerCard, Question, Answer,
// DoctorProfile) and the one declaration of their vocabulary — each kind's field names, shapes, order,
// child lists and the database column a field is kept in (docs/selectors.md "Records", docs/schema.md).
//
// extract fills these types, store binds them column by column, and the declaration below drives config
// validation (which fields a kind has and the types that fit them), the page JSON (ToJson/FromJson, in
// the declared order), the schema check (tests/store: every declared column exists) and the export
// columns. JSON stays at the edges: the page JSON, golden files, exports and `extra`, the one JSON map a
// record holds (site-specific fields, config order).
//
// Thread-safety: the declaration is immutable; records are plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"

namespace hc::records {

using Json = nlohmann::ordered_json;  // `extra` keeps the config's field order
using Text = std::optional<std::string>;  // nullopt: not configured or not found (JSON null)
using Int = std::optional<int64_t>;
using TextList = std::vector<std::string>;  // never null: [] when nothing was found

// --- child records (docs/selectors.md "Child lists", docs/schema.md "record_children") ---------------
// A site declares named child lists on any record kind (`children:` in its config: a doctor's recent
// consultations, a clinic schedule): their items are not canonical kinds but free fields, each typed by
// the config's field types. A value is null (monostate), a string (text, html, url, date, datetime,
// epoch), an integer (int, count), a bool, or a list of strings (`all` without `join`).
using ChildValue = std::variant<std::monostate, std::string, int64_t, bool, TextList>;
struct ChildField {
  std::string name;  // as the config names it
  ChildValue value;
  bool operator==(const ChildField&) const = default;
};
// One item of a child list: every field the list declares, in config order (an item that lacks one has
// it null, so the fields of a list's items never go out of step).
struct ChildRecord {
  std::string kind;  // the name of the list it is an item of ("consultations")
  std::vector<ChildField> fields;
  bool operator==(const ChildRecord&) const = default;
};
struct ChildList {
  std::string name;                // "consultations"
  std::vector<ChildRecord> items;  // page order; empty (never absent) when the page has none
  bool operator==(const ChildList&) const = default;
};
// A record's child lists in config order; empty when the config declares none, and then the page JSON
// has no "children" member (the page JSON and content_hash of such records are what they were).
using ChildLists = std::vector<ChildList>;

// A disease card under an article, or a disease page's record (`record: disease`).
struct DiseaseCard {
  Text name, summary, url;
  Json extra = Json::object();
  ChildLists children = {};  // the config's `children:`, in its order
  bool operator==(const DiseaseCard&) const = default;
};

// A doctor's answer teaser under an article; `question_url` leads to the question page.
struct AnswerCard {
  Text question_title, question_url, doctor_name, doctor_title, department, hospital, hospital_grade,
      answer_text, answered_at;
  Text doctor_title_raw, academic_title, hospital_grade_raw;  // docs/vocabulary.md
  Int helpful_votes;
  Json extra = Json::object();
  ChildLists children = {};  // the config's `children:`, in its order
  bool operator==(const AnswerCard&) const = default;
};

struct Article {
  Text title, body, published_at;
  Int views;
  Text author;
  TextList tags;
  Text source;
  Json extra = Json::object();
  ChildLists children = {};  // the config's `children:`, in its order
  std::vector<DiseaseCard> diseases;
  std::vector<AnswerCard> answers;
  bool operator==(const Article&) const = default;
};

// One doctor's answer on a question page.
struct Answer {
  Text doctor_name, doctor_title, department, hospital, hospital_grade, answer_text, answered_at;
  Text doctor_title_raw, academic_title, hospital_grade_raw;  // docs/vocabulary.md
  Int helpful_votes;
  Json extra = Json::object();
  ChildLists children = {};  // the config's `children:`, in its order
  bool operator==(const Answer&) const = default;
};

struct Question {
  Text title, description, asked_at;
  Int views;
  Text patient_sex;
  Int patient_age_years, patient_age_months;
  Json extra = Json::object();
  ChildLists children = {};  // the config's `children:`, in its order
  std::vector<Answer> answers;
  bool operator==(const Question&) const = default;
};

struct DoctorProfile {
  Text name, title, department, hospital, hospital_grade;
  TextList specialties;
  Text title_raw, academic_title, hospital_grade_raw;  // docs/vocabulary.md
  Json extra = Json::object();
  ChildLists children = {};  // the config's `children:`, in its order
  bool operator==(const DoctorProfile&) const = default;
};

// Alternatives in the order of RecordKinds(): a record's kind is RecordKinds()[record.index()].
using Record = std::variant<Article, DiseaseCard, AnswerCard, Question, Answer, DoctorProfile>;

// --- the vocabulary ---------------------------------------------------------------------------------
// The JSON shape a canonical field always has, whatever the site: text, date and URL are a string or
// null, int an integer or null, a list of strings an array (never null). The vocabulary shapes
// (docs/vocabulary.md) are a string or null holding a canonical value — a grade, a clinical or an
// academic title, a sex — and an age an integer (years) or null.
enum class FieldShape {
  kText,
  kInt,
  kDate,
  kUrl,
  kTextList,
  kGrade,
  kClinicalTitle,
  kAcademicTitle,
  kSex,
  kAge
};
// "text", "integer", "date", "URL", "list of strings", "hospital grade", "clinical title", "academic title",
// "sex", "age"
std::string_view FieldShapeName(FieldShape shape);
constexpr bool IsIntShape(FieldShape shape) { return shape == FieldShape::kInt || shape == FieldShape::kAge; }

// How content_hash sees a field, so that a page whose content did not change keeps the hash it had
// before the field existed (store; docs/schema.md "content_hash").
enum class HashRole {
  kHashed,
  kCounter,       // left out: a counter that moves without the content changing (views, helpful votes)
  kAddedWhenSet,  // added in schema v9: left out while null, as pages hashed before it lack it
  kRawText,       // the page's own text of `filled_by`: hashed in that field's place, as it was before v9
  kSplitFromRaw,  // left out when it is what the raw text of `filled_by` splits into (academic_title)
};

// Where the store keeps a field: a column of the latest schema. A field of an answer or a card lands in
// several tables (the doctor's name in doctors, the hospital in hospitals); `views` is a time series
// (article_views).
struct Column {
  std::string_view table;
  std::string_view name;
};

struct FieldSpec {
  std::string_view name;  // the config's and the page JSON's name
  FieldShape shape;
  Column column;
  // The field whose rule also fills this one (hospital_grade_raw by hospital_grade, academic_title by
  // doctor_title's split, patient_age_months by patient_age_years); empty for none.
  std::string_view filled_by = {};
  bool configurable = true;  // false: only `filled_by` fills it; a config naming it is refused
  HashRole hash = HashRole::kHashed;
};
struct ListSpec {
  std::string_view name;  // "answers"
  std::string_view kind;  // the record kind of its items
};
struct RecordKind {
  std::string_view name;              // "article": a config's `record:`, the page JSON's "type"
  std::string_view table;             // the table whose rows hold this kind, with `extra`
  bool page_record;                   // a page's record can be of this kind (answer_card, answer: lists only)
  std::span<const FieldSpec> fields;  // in page JSON order
  std::span<const ListSpec> lists;    // in page JSON order, after "extra"
};

// article, disease, answer_card, question, answer, doctor: the order of Record's alternatives.
std::span<const RecordKind> RecordKinds();
const RecordKind* FindRecordKind(std::string_view name);  // nullptr for an unknown name
const RecordKind& KindOf(const Record& record);

// --- generic access, by the declaration's indices -----------------------------------------------------
// An empty record of `kind`: every field null ([] for lists of strings), `extra` {}, no list items.
Record NewRecord(const RecordKind& kind);
// Field `index` of KindOf(record).fields, as the member it is (Text for text, date and URL).
using FieldSlot = std::variant<Text*, Int*, TextList*>;
FieldSlot FieldAt(Record& record, size_t index);
Json& ExtraOf(Record& record);
const Json& ExtraOf(const Record& record);
ChildLists& ChildrenOf(Record& record);
const ChildLists& ChildrenOf(const Record& record);
// Appends `item` to list `index` of KindOf(record).lists. InvalidArgument when `item` is not of the
// list's kind.
Status AppendToList(Record& record, size_t index, Record item);

// Read-only access to any record or list item by the declaration's indices, without copying it into a
// Record (list items are typed members of their parent): what the content hash and the drift tally walk.
struct RecordRef {
  const RecordKind* kind = nullptr;  // the kind of the record *p
  const void* p = nullptr;           // an Article, DiseaseCard, ... as kind says
};
RecordRef RefOf(const Record& record);
using ConstFieldSlot = std::variant<const Text*, const Int*, const TextList*>;
ConstFieldSlot FieldAt(RecordRef record, size_t index);  // field `index` of record.kind->fields
const Json& ExtraOf(RecordRef record);
const ChildLists& ChildrenOf(RecordRef record);
size_t ListSize(RecordRef record, size_t list);                  // items of list `list` of record.kind->lists
RecordRef ListItem(RecordRef record, size_t list, size_t item);  // one of them

// --- the page JSON form -----------------------------------------------------------------------------
// {"type", every field in declared order, "extra", every list in declared order, then "children" when
// the record has child lists: {"<list>": [{"<field>": value, ...}, ...], ...}} — what `extract` prints
// and the golden files hold.
Json ToJson(const Record& record);
// A child record's fields as one JSON object, in config order (the "children" items of the page JSON
// and the `fields` column of record_children).
Json ChildFieldsJson(const ChildRecord& child);
// The inverse: "type" names the kind; a field missing or null is null ([] for lists of strings);
// InvalidArgument ("<path>: ...") for a value of the wrong shape, an unknown member, a non-object
// `extra`, a list item of another kind, or "children" that is not {"<list>": [{"<field>": value}]} with
// values null, string, integer, bool or list of strings. `path` prefixes messages ("records[0]").
Result<Record> FromJson(const Json& json, std::string_view path = "record");

}  // namespace hc::records
