// The record vocabulary, declared once: for each kind a table of {name, shape, column, member}. The
// FieldSpec/ListSpec arrays that the rest of the program sees, the page JSON writer and reader and the
// generic accessors are all derived from these tables, so a field is added in one place.
#include "core/records.h"

#include <array>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "core/page.h"

namespace hc::records {
namespace {

using S = FieldShape;

// One field of kind R: its spec and the member that holds it (exactly one of the three is set, the one
// its shape calls for).
template <class R>
struct FieldDecl {
  FieldSpec spec;
  Text R::*text = nullptr;
  Int R::*integer = nullptr;
  TextList R::*list = nullptr;
};

// A field declaration whose member type fits its shape; a mismatch does not compile (a throw in a
// constant expression).
template <class R>
constexpr FieldDecl<R> F(std::string_view name, FieldShape shape, Column column, Text R::*member) {
  if (shape == S::kTextList || IsIntShape(shape)) throw std::logic_error("not a text shape");
  FieldDecl<R> d{};
  d.spec = {name, shape, column};
  d.text = member;
  return d;
}
template <class R>
constexpr FieldDecl<R> F(std::string_view name, FieldShape shape, Column column, Int R::*member) {
  if (!IsIntShape(shape)) throw std::logic_error("not an int shape");
  FieldDecl<R> d{};
  d.spec = {name, shape, column};
  d.integer = member;
  return d;
}
// A field declaration with how it is filled and hashed (FieldSpec::filled_by, configurable, hash).
template <class R, class M>
constexpr FieldDecl<R> F(std::string_view name, FieldShape shape, Column column, M R::*member,
                         std::string_view filled_by, bool configurable, HashRole hash) {
  FieldDecl<R> d = F(name, shape, column, member);
  d.spec.filled_by = filled_by;
  d.spec.configurable = configurable;
  d.spec.hash = hash;
  return d;
}
// A counter: hashed never, stored without marking the page changed.
template <class R>
constexpr FieldDecl<R> Counter(std::string_view name, Column column, Int R::*member) {
  return F(name, S::kInt, column, member, {}, true, HashRole::kCounter);
}
// The page's own text of a vocabulary field, beside its canonical value.
template <class R>
constexpr FieldDecl<R> RawOf(std::string_view name, std::string_view of, Column column, Text R::*member) {
  return F(name, S::kText, column, member, of, false, HashRole::kRawText);
}
template <class R>
constexpr FieldDecl<R> F(std::string_view name, FieldShape shape, Column column, TextList R::*member) {
  if (shape != S::kTextList) throw std::logic_error("not a list shape");
  FieldDecl<R> d{};
  d.spec = {name, shape, column};
  d.list = member;
  return d;
}

template <class R>
struct Decl;

// A child list of kind R: its spec and the member (one of the three is set).
template <class R>
struct ListDecl {
  ListSpec spec;
  std::vector<DiseaseCard> R::*diseases = nullptr;
  std::vector<AnswerCard> R::*cards = nullptr;
  std::vector<Answer> R::*answers = nullptr;
};
template <class R, class Item>
constexpr ListDecl<R> L(std::string_view name, std::vector<Item> R::*member) {
  ListDecl<R> d{};
  d.spec = {name, Decl<Item>::kName};  // the items' kind, from their own declaration
  if constexpr (std::is_same_v<Item, DiseaseCard>) {
    d.diseases = member;
  } else if constexpr (std::is_same_v<Item, AnswerCard>) {
    d.cards = member;
  } else {
    static_assert(std::is_same_v<Item, Answer>, "a child list holds disease cards, answer cards or answers");
    d.answers = member;
  }
  return d;
}

// --- the declaration (docs/selectors.md "Records"; docs/schema.md for the columns) -------------------

template <>
struct Decl<DiseaseCard> {
  using R = DiseaseCard;
  static constexpr std::string_view kName = "disease";
  static constexpr std::string_view kTable = "diseases";
  static constexpr bool kPageRecord = true;
  static constexpr std::array<FieldDecl<R>, 3> kFields = {{
      F("name", S::kText, {"diseases", "name"}, &R::name),
      F("summary", S::kText, {"diseases", "summary"}, &R::summary),
      F("url", S::kUrl, {"diseases", "url"}, &R::url),
  }};
  static constexpr std::array<ListDecl<R>, 0> kLists = {};
};

template <>
struct Decl<AnswerCard> {
  using R = AnswerCard;
  static constexpr std::string_view kName = "answer_card";
  static constexpr std::string_view kTable = "answers";
  static constexpr bool kPageRecord = false;
  static constexpr std::array<FieldDecl<R>, 13> kFields = {{
      F("question_title", S::kText, {"questions", "title"}, &R::question_title),
      F("question_url", S::kUrl, {"questions", "url"}, &R::question_url),
      F("doctor_name", S::kText, {"doctors", "name"}, &R::doctor_name),
      F("doctor_title", S::kClinicalTitle, {"doctors", "title"}, &R::doctor_title),
      F("department", S::kText, {"doctors", "department"}, &R::department),
      F("hospital", S::kText, {"hospitals", "name"}, &R::hospital),
      F("hospital_grade", S::kGrade, {"hospitals", "grade"}, &R::hospital_grade),
      F("answer_text", S::kText, {"answers", "text"}, &R::answer_text),
      F("answered_at", S::kDate, {"answers", "answered_at"}, &R::answered_at),
      RawOf("doctor_title_raw", "doctor_title", {"doctors", "title_raw"}, &R::doctor_title_raw),
      F("academic_title", S::kAcademicTitle, {"doctors", "academic_title"}, &R::academic_title,
        "doctor_title", true, HashRole::kSplitFromRaw),
      RawOf("hospital_grade_raw", "hospital_grade", {"hospitals", "grade_raw"}, &R::hospital_grade_raw),
      Counter("helpful_votes", {"answers", "helpful_votes"}, &R::helpful_votes),
  }};
  static constexpr std::array<ListDecl<R>, 0> kLists = {};
};

template <>
struct Decl<Answer> {
  using R = Answer;
  static constexpr std::string_view kName = "answer";
  static constexpr std::string_view kTable = "answers";
  static constexpr bool kPageRecord = false;
  static constexpr std::array<FieldDecl<R>, 11> kFields = {{
      F("doctor_name", S::kText, {"doctors", "name"}, &R::doctor_name),
      F("doctor_title", S::kClinicalTitle, {"doctors", "title"}, &R::doctor_title),
      F("department", S::kText, {"doctors", "department"}, &R::department),
      F("hospital", S::kText, {"hospitals", "name"}, &R::hospital),
      F("hospital_grade", S::kGrade, {"hospitals", "grade"}, &R::hospital_grade),
      F("answer_text", S::kText, {"answers", "text"}, &R::answer_text),
      F("answered_at", S::kDate, {"answers", "answered_at"}, &R::answered_at),
      RawOf("doctor_title_raw", "doctor_title", {"doctors", "title_raw"}, &R::doctor_title_raw),
      F("academic_title", S::kAcademicTitle, {"doctors", "academic_title"}, &R::academic_title,
        "doctor_title", true, HashRole::kSplitFromRaw),
      RawOf("hospital_grade_raw", "hospital_grade", {"hospitals", "grade_raw"}, &R::hospital_grade_raw),
      Counter("helpful_votes", {"answers", "helpful_votes"}, &R::helpful_votes),
  }};
  static constexpr std::array<ListDecl<R>, 0> kLists = {};
};

template <>
struct Decl<Article> {
  using R = Article;
  static constexpr std::string_view kName = "article";
  static constexpr std::string_view kTable = "articles";
  static constexpr bool kPageRecord = true;
  static constexpr std::array<FieldDecl<R>, 7> kFields = {{
      F("title", S::kText, {"articles", "title"}, &R::title),
      F("body", S::kText, {"articles", "body"}, &R::body),
      F("published_at", S::kDate, {"articles", "published_at"}, &R::published_at),
      // A time series, one row per fetch: a page whose only change is its counter is unchanged.
      Counter("views", {"article_views", "views"}, &R::views),
      F("author", S::kText, {"articles", "author"}, &R::author),
      F("tags", S::kTextList, {"articles", "tags"}, &R::tags),
      F("source", S::kText, {"articles", "source"}, &R::source),
  }};
  static constexpr std::array<ListDecl<R>, 2> kLists = {{
      L("diseases", &R::diseases),
      L("answers", &R::answers),
  }};
};

template <>
struct Decl<Question> {
  using R = Question;
  static constexpr std::string_view kName = "question";
  static constexpr std::string_view kTable = "questions";
  static constexpr bool kPageRecord = true;
  static constexpr std::array<FieldDecl<R>, 7> kFields = {{
      F("title", S::kText, {"questions", "title"}, &R::title),
      F("description", S::kText, {"questions", "description"}, &R::description),
      F("asked_at", S::kDate, {"questions", "asked_at"}, &R::asked_at),
      // A time series like article views (question_views).
      Counter("views", {"question_views", "views"}, &R::views),
      F("patient_sex", S::kSex, {"questions", "patient_sex"}, &R::patient_sex, {}, true,
        HashRole::kAddedWhenSet),
      F("patient_age_years", S::kAge, {"questions", "patient_age_years"}, &R::patient_age_years, {}, true,
        HashRole::kAddedWhenSet),
      F("patient_age_months", S::kInt, {"questions", "patient_age_months"}, &R::patient_age_months,
        "patient_age_years", false, HashRole::kAddedWhenSet),
  }};
  static constexpr std::array<ListDecl<R>, 1> kLists = {{L("answers", &R::answers)}};
};

template <>
struct Decl<DoctorProfile> {
  using R = DoctorProfile;
  static constexpr std::string_view kName = "doctor";
  static constexpr std::string_view kTable = "doctors";
  static constexpr bool kPageRecord = true;
  static constexpr std::array<FieldDecl<R>, 9> kFields = {{
      F("name", S::kText, {"doctors", "name"}, &R::name),
      F("title", S::kClinicalTitle, {"doctors", "title"}, &R::title),
      F("department", S::kText, {"doctors", "department"}, &R::department),
      F("hospital", S::kText, {"hospitals", "name"}, &R::hospital),
      F("hospital_grade", S::kGrade, {"hospitals", "grade"}, &R::hospital_grade),
      F("specialties", S::kTextList, {"doctors", "specialties"}, &R::specialties),
      RawOf("title_raw", "title", {"doctors", "title_raw"}, &R::title_raw),
      F("academic_title", S::kAcademicTitle, {"doctors", "academic_title"}, &R::academic_title, "title", true,
        HashRole::kSplitFromRaw),
      RawOf("hospital_grade_raw", "hospital_grade", {"hospitals", "grade_raw"}, &R::hospital_grade_raw),
  }};
  static constexpr std::array<ListDecl<R>, 0> kLists = {};
};

// --- what the rest of the program sees, derived from the declaration ---------------------------------

template <class R>
constexpr auto FieldSpecsOf() {
  std::array<FieldSpec, Decl<R>::kFields.size()> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = Decl<R>::kFields[i].spec;
  return out;
}
template <class R>
constexpr auto ListSpecsOf() {
  std::array<ListSpec, Decl<R>::kLists.size()> out{};
  for (size_t i = 0; i < out.size(); ++i) out[i] = Decl<R>::kLists[i].spec;
  return out;
}
template <class R>
constexpr auto kFieldSpecs = FieldSpecsOf<R>();
template <class R>
constexpr auto kListSpecs = ListSpecsOf<R>();

template <class R>
constexpr RecordKind KindFor() {
  return {Decl<R>::kName, Decl<R>::kTable, Decl<R>::kPageRecord, kFieldSpecs<R>, kListSpecs<R>};
}

template <class... Rs>
constexpr std::array<RecordKind, sizeof...(Rs)> KindsFor(std::variant<Rs...>*) {
  return {{KindFor<Rs>()...}};
}
const std::array<RecordKind, std::variant_size_v<Record>> kKinds = KindsFor(static_cast<Record*>(nullptr));

// Calls f with the list member `list` of r (a std::vector of the list's item type).
template <class R, class Fn>
decltype(auto) WithList(R& r, const ListDecl<std::remove_const_t<R>>& list, Fn&& f) {
  if (list.diseases) return f(r.*list.diseases);
  if (list.cards) return f(r.*list.cards);
  return f(r.*list.answers);
}

// --- the page JSON ----------------------------------------------------------------------------------

Json ValueJson(const Text& v) { return v ? Json(*v) : Json(nullptr); }
Json ValueJson(const Int& v) { return v ? Json(*v) : Json(nullptr); }
Json ValueJson(const TextList& v) { return Json(v); }

Json ChildrenJson(const ChildLists& children) {
  Json out = Json::object();
  for (const ChildList& list : children) {
    Json items = Json::array();
    for (const ChildRecord& item : list.items) items.push_back(ChildFieldsJson(item));
    out[list.name] = std::move(items);
  }
  return out;
}

template <class R>
Json Write(const R& r) {
  Json out = Json::object();
  out["type"] = std::string(Decl<R>::kName);
  for (const FieldDecl<R>& f : Decl<R>::kFields) {
    Json& slot = out[std::string(f.spec.name)];
    if (f.text) {
      slot = ValueJson(r.*f.text);
    } else if (f.integer) {
      slot = ValueJson(r.*f.integer);
    } else {
      slot = ValueJson(r.*f.list);
    }
  }
  out["extra"] = r.extra;
  for (const ListDecl<R>& l : Decl<R>::kLists) {
    Json items = Json::array();
    WithList(r, l, [&](const auto& list) {
      for (const auto& item : list) items.push_back(Write(item));
    });
    out[std::string(l.spec.name)] = std::move(items);
  }
  // Only when declared: a record without child lists keeps the page JSON (and content hash) it had.
  if (!r.children.empty()) out["children"] = ChildrenJson(r.children);
  return out;
}

Status ShapeError(std::string_view path, std::string_view field, std::string_view what) {
  return Status::InvalidArgument(std::string(path) + "." + std::string(field) + ": " + std::string(what));
}

Status ReadValue(const Json& j, std::string_view path, std::string_view name, Text* out) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_string()) return ShapeError(path, name, "not a string or null");
  *out = j.get<std::string>();
  return Status::Ok();
}
Status ReadValue(const Json& j, std::string_view path, std::string_view name, Int* out) {
  if (j.is_null()) return Status::Ok();
  if (!j.is_number_integer()) return ShapeError(path, name, "not an integer or null");
  if (j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return ShapeError(path, name, "out of range");
  }
  *out = j.get<int64_t>();
  return Status::Ok();
}
Status ReadValue(const Json& j, std::string_view path, std::string_view name, TextList* out) {
  // null is how lists were written before issue 13: read as the empty list they now are.
  if (j.is_null()) return Status::Ok();
  if (!j.is_array()) return ShapeError(path, name, "not a list of strings");
  for (const Json& s : j) {
    if (!s.is_string()) return ShapeError(path, name, "not a list of strings");
    out->push_back(s.get<std::string>());
  }
  return Status::Ok();
}

Result<ChildValue> ReadChildValue(const Json& j, const std::string& path) {
  if (j.is_null()) return ChildValue();
  if (j.is_string()) return ChildValue(j.get<std::string>());
  if (j.is_boolean()) return ChildValue(j.get<bool>());
  if (j.is_number_integer() &&
      !(j.is_number_unsigned() && j.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))) {
    return ChildValue(j.get<int64_t>());
  }
  if (j.is_array()) {
    TextList list;
    for (const Json& s : j) {
      if (!s.is_string()) return Status::InvalidArgument(path + ": a list holds strings only");
      list.push_back(s.get<std::string>());
    }
    return ChildValue(std::move(list));
  }
  return Status::InvalidArgument(path + ": not a string, integer, bool, list of strings or null");
}

// {"<list>": [{"<field>": value, ...}, ...], ...}, the inverse of ChildrenJson.
Status ReadChildren(const Json& j, std::string_view path, ChildLists* out) {
  const std::string where = std::string(path) + ".children";
  if (!j.is_object()) return Status::InvalidArgument(where + ": not an object");
  for (const auto& [name, items] : j.items()) {
    if (!items.is_array()) return Status::InvalidArgument(where + "." + name + ": not a list");
    ChildList list{name, {}};
    for (size_t i = 0; i < items.size(); ++i) {
      const std::string item_path = where + "." + name + "[" + std::to_string(i) + "]";
      if (!items[i].is_object()) return Status::InvalidArgument(item_path + ": not an object");
      ChildRecord child{name, {}};
      for (const auto& [field, value] : items[i].items()) {
        auto v = ReadChildValue(value, item_path + "." + field);
        if (!v.ok()) return v.status();
        child.fields.push_back({field, std::move(*v)});
      }
      list.items.push_back(std::move(child));
    }
    out->push_back(std::move(list));
  }
  return Status::Ok();
}

template <class R>
Result<R> Read(const Json& j, std::string_view path) {
  if (!j.is_object()) return Status::InvalidArgument(std::string(path) + ": not an object");
  auto type = j.find("type");
  if (type == j.end() || !type->is_string() || type->get<std::string>() != Decl<R>::kName) {
    return Status::InvalidArgument(std::string(path) + ": \"type\" is not \"" + std::string(Decl<R>::kName) + "\"");
  }
  R r;
  size_t known = 1;  // "type"
  for (const FieldDecl<R>& f : Decl<R>::kFields) {
    auto it = j.find(std::string(f.spec.name));
    if (it == j.end()) continue;
    ++known;
    Status s = f.text      ? ReadValue(*it, path, f.spec.name, &(r.*f.text))
               : f.integer ? ReadValue(*it, path, f.spec.name, &(r.*f.integer))
                           : ReadValue(*it, path, f.spec.name, &(r.*f.list));
    if (!s.ok()) return s;
  }
  if (auto it = j.find("extra"); it != j.end()) {
    ++known;
    if (!it->is_object()) return ShapeError(path, "extra", "not an object");
    r.extra = *it;
  }
  if (auto it = j.find("children"); it != j.end()) {
    ++known;
    if (Status s = ReadChildren(*it, path, &r.children); !s.ok()) return s;
  }
  for (const ListDecl<R>& l : Decl<R>::kLists) {
    auto it = j.find(std::string(l.spec.name));
    if (it == j.end()) continue;
    ++known;
    if (!it->is_array()) return ShapeError(path, l.spec.name, "not a list");
    Status s = WithList(r, l, [&](auto& list) -> Status {
      using Item = typename std::remove_reference_t<decltype(list)>::value_type;
      for (size_t i = 0; i < it->size(); ++i) {
        auto item = Read<Item>((*it)[i], std::string(path) + "." + std::string(l.spec.name) + "[" +
                                             std::to_string(i) + "]");
        if (!item.ok()) return item.status();
        list.push_back(std::move(*item));
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
  }
  if (known != j.size()) {
    for (const auto& [key, value] : j.items()) {
      (void)value;
      bool declared = key == "type" || key == "extra" || key == "children";
      for (const FieldSpec& f : kFieldSpecs<R>) declared = declared || f.name == key;
      for (const ListSpec& l : kListSpecs<R>) declared = declared || l.name == key;
      if (!declared) {
        return Status::InvalidArgument(std::string(path) + ": unknown field '" + key + "' for record " +
                                       std::string(Decl<R>::kName) + " (site-specific fields go under extra)");
      }
    }
  }
  return r;
}

template <class R>
FieldSlot SlotOf(R& r, size_t index) {
  const FieldDecl<R>& f = Decl<R>::kFields.at(index);
  if (f.text) return &(r.*f.text);
  if (f.integer) return &(r.*f.integer);
  return &(r.*f.list);
}

}  // namespace

std::string_view FieldShapeName(FieldShape shape) {
  switch (shape) {
    case FieldShape::kText: return "text";
    case FieldShape::kInt: return "integer";
    case FieldShape::kDate: return "date";
    case FieldShape::kUrl: return "URL";
    case FieldShape::kTextList: return "list of strings";
    case FieldShape::kGrade:
      return "hospital grade";
    case FieldShape::kClinicalTitle:
      return "clinical title";
    case FieldShape::kAcademicTitle:
      return "academic title";
    case FieldShape::kSex:
      return "sex";
    case FieldShape::kAge:
      return "age";
  }
  return "?";
}

std::span<const RecordKind> RecordKinds() { return kKinds; }

const RecordKind* FindRecordKind(std::string_view name) {
  for (const RecordKind& k : kKinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

const RecordKind& KindOf(const Record& record) { return kKinds[record.index()]; }

Record NewRecord(const RecordKind& kind) {
  const size_t index = static_cast<size_t>(&kind - kKinds.data());
  switch (index) {
    case 0: return Article{};
    case 1: return DiseaseCard{};
    case 2: return AnswerCard{};
    case 3: return Question{};
    case 4: return Answer{};
    default: return DoctorProfile{};
  }
}

FieldSlot FieldAt(Record& record, size_t index) {
  return std::visit([&](auto& r) { return SlotOf(r, index); }, record);
}

Json& ExtraOf(Record& record) {
  return std::visit([](auto& r) -> Json& { return r.extra; }, record);
}
const Json& ExtraOf(const Record& record) {
  return std::visit([](const auto& r) -> const Json& { return r.extra; }, record);
}

ChildLists& ChildrenOf(Record& record) {
  return std::visit([](auto& r) -> ChildLists& { return r.children; }, record);
}
const ChildLists& ChildrenOf(const Record& record) {
  return std::visit([](const auto& r) -> const ChildLists& { return r.children; }, record);
}

Json ChildFieldsJson(const ChildRecord& child) {
  Json out = Json::object();
  for (const ChildField& f : child.fields) {
    out[f.name] = std::visit(
        [](const auto& v) -> Json {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
            return nullptr;
          } else {
            return Json(v);
          }
        },
        f.value);
  }
  return out;
}

Status AppendToList(Record& record, size_t index, Record item) {
  return std::visit(
      [&](auto& r) -> Status {
        using R = std::remove_reference_t<decltype(r)>;
        if (index >= Decl<R>::kLists.size()) {
          return Status::InvalidArgument(std::string(Decl<R>::kName) + " has no list " + std::to_string(index));
        }
        const ListDecl<R>& list = Decl<R>::kLists[index];
        return WithList(r, list, [&](auto& items) -> Status {
          using Item = typename std::remove_reference_t<decltype(items)>::value_type;
          Item* typed = std::get_if<Item>(&item);
          if (!typed) {
            return Status::InvalidArgument(std::string(list.spec.name) + " holds " + std::string(list.spec.kind) +
                                           " records, not " + std::string(KindOf(item).name));
          }
          items.push_back(std::move(*typed));
          return Status::Ok();
        });
      },
      record);
}

namespace {

template <class R>
R const& As(RecordRef ref) {
  return *static_cast<const R*>(ref.p);
}

// Calls f with the typed record ref points to.
template <class Fn>
decltype(auto) VisitRef(RecordRef ref, Fn&& f) {
  switch (static_cast<size_t>(ref.kind - kKinds.data())) {
    case 0:
      return f(As<Article>(ref));
    case 1:
      return f(As<DiseaseCard>(ref));
    case 2:
      return f(As<AnswerCard>(ref));
    case 3:
      return f(As<Question>(ref));
    case 4:
      return f(As<Answer>(ref));
    default:
      return f(As<DoctorProfile>(ref));
  }
}

// The index of R among Record's alternatives (and so its kind in kKinds).
template <class R, class... Rs>
constexpr size_t AlternativeIndex(std::variant<Rs...>*) {
  size_t index = 0;
  bool found = false;
  ((found = found || std::is_same_v<R, Rs>, index += found ? 0 : 1), ...);
  return index;
}

template <class R>
RecordRef RefTo(const R& r) {
  constexpr size_t kIndex = AlternativeIndex<R>(static_cast<Record*>(nullptr));
  return {&kKinds[kIndex], &r};
}

}  // namespace

RecordRef RefOf(const Record& record) {
  return std::visit([&](const auto& r) { return RecordRef{&KindOf(record), &r}; }, record);
}

ConstFieldSlot FieldAt(RecordRef record, size_t index) {
  return VisitRef(record, [&](const auto& r) -> ConstFieldSlot {
    using R = std::decay_t<decltype(r)>;
    const FieldDecl<R>& f = Decl<R>::kFields.at(index);
    if (f.text) return &(r.*f.text);
    if (f.integer) return &(r.*f.integer);
    return &(r.*f.list);
  });
}

const Json& ExtraOf(RecordRef record) {
  return VisitRef(record, [](const auto& r) -> const Json& { return r.extra; });
}

const ChildLists& ChildrenOf(RecordRef record) {
  return VisitRef(record, [](const auto& r) -> const ChildLists& { return r.children; });
}

size_t ListSize(RecordRef record, size_t list) {
  return VisitRef(record, [&](const auto& r) -> size_t {
    using R = std::decay_t<decltype(r)>;
    return WithList(r, Decl<R>::kLists.at(list), [](const auto& items) { return items.size(); });
  });
}

RecordRef ListItem(RecordRef record, size_t list, size_t item) {
  return VisitRef(record, [&](const auto& r) -> RecordRef {
    using R = std::decay_t<decltype(r)>;
    return WithList(r, Decl<R>::kLists.at(list), [&](const auto& items) { return RefTo(items.at(item)); });
  });
}

Json ToJson(const Record& record) {
  ReportPageFact(PageFact::kRecordJson, KindOf(record).name);
  return std::visit([](const auto& r) { return Write(r); }, record);
}

Result<Record> FromJson(const Json& json, std::string_view path) {
  if (!json.is_object()) return Status::InvalidArgument(std::string(path) + ": not an object");
  auto type = json.find("type");
  if (type == json.end() || !type->is_string()) {
    return Status::InvalidArgument(std::string(path) + ": a record without a \"type\"");
  }
  const RecordKind* kind = FindRecordKind(type->get<std::string>());
  if (!kind) {
    return Status::InvalidArgument(std::string(path) + ": unknown record kind \"" + type->get<std::string>() + "\"");
  }
  Record record = NewRecord(*kind);
  Status s = std::visit(
      [&](auto& r) -> Status {
        using R = std::remove_reference_t<decltype(r)>;
        auto read = Read<R>(json, path);
        if (!read.ok()) return read.status();
        r = std::move(*read);
        return Status::Ok();
      },
      record);
  if (!s.ok()) return s;
  return record;
}

}  // namespace hc::records
