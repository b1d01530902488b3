// FillTally: per page type and field, how many records (or list items) carry a value. A crawl feeds
// it every page it extracts, and the drift alarm compares its rates with earlier runs'.
#include <utility>
#include <variant>

#include "extract/extract.h"
#include "extract/fill_internal.h"

namespace hc::extract {
namespace {

using Json = nlohmann::ordered_json;

void AddFields(const RecordRule& rule, std::vector<std::string> lists, const std::string& prefix,
               std::vector<FillTally::Field>* out) {
  for (size_t i = 0; i < rule.kind->fields.size(); ++i) {
    if (!rule.fields[i]) continue;
    const std::string name(rule.kind->fields[i].name);
    out->push_back({prefix + name, lists, name, false, false});
  }
  for (const FieldRule& f : rule.extra)
    out->push_back({prefix + "extra." + f.name, lists, f.name, true, false});
  for (const ListRule& list : rule.lists) {
    const std::string name(list.spec->name);
    out->push_back({prefix + name, lists, name, false, true});
    std::vector<std::string> inner = lists;
    inner.push_back(name);
    AddFields(list.record, std::move(inner), prefix + name + ".", out);
  }
  // A child list is the member "children.<list>" (Lookup), its items' fields all free names.
  for (const ChildListRule& list : rule.children) {
    const std::string name = "children." + list.name;
    out->push_back({prefix + name, lists, name, false, true});
    std::vector<std::string> inner = lists;
    inner.push_back(name);
    for (const FieldRule& f : list.fields)
      out->push_back({prefix + name + "." + f.name, inner, f.name, false, false});
  }
}

bool Filled(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

const Json& Member(const Json& object, const std::string& name) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// A member of a record or item; "children.<list>" is that child list (records::ToJson's "children").
const Json& Lookup(const Json& container, const std::string& name) {
  if (name.starts_with("children.")) return Member(Member(container, "children"), name.substr(9));
  return Member(container, name);
}

// Counts `field` in `container` (a record or list item) at list depth `depth`.
void Count(const Json& container, const FillTally::Field& field, size_t depth, int64_t* filled,
           int64_t* total) {
  if (depth < field.lists.size()) {
    const Json& items = Lookup(container, field.lists[depth]);
    if (!items.is_array()) return;
    for (const Json& item : items) Count(item, field, depth + 1, filled, total);
    return;
  }
  const Json& value =
      field.extra ? Member(Member(container, "extra"), field.name) : Lookup(container, field.name);
  ++*total;
  if (field.is_list ? value.is_array() && !value.empty() : Filled(value)) ++*filled;
}

// The same counts over the typed records (what the crawl tallies: no page JSON is built for it). A
// container is a record (or list item) or a child list's item.
struct Container {
  records::RecordRef record{};
  const records::ChildRecord* child = nullptr;
};

bool Filled(const records::ConstFieldSlot& slot) {
  if (const auto* t = std::get_if<const records::Text*>(&slot)) return **t && !(**t)->empty();
  if (const auto* i = std::get_if<const records::Int*>(&slot)) return (*i)->has_value();
  return !std::get<const records::TextList*>(slot)->empty();
}

bool Filled(const records::ChildValue& v) {
  if (std::holds_alternative<std::monostate>(v)) return false;
  if (const auto* s = std::get_if<std::string>(&v)) return !s->empty();
  if (const auto* l = std::get_if<records::TextList>(&v)) return !l->empty();
  return true;
}

const records::ChildList* FindChildList(records::RecordRef record, std::string_view name) {
  for (const records::ChildList& list : records::ChildrenOf(record)) {
    if (list.name == name) return &list;
  }
  return nullptr;
}

// Calls f(item) for each item of the list `name` of `c` ("answers", "children.<list>"); false when `c`
// has no such list (the JSON member is not an array).
template <class Fn>
bool ForEachItem(const Container& c, std::string_view name, Fn&& f) {
  if (c.child != nullptr) return false;  // a child item's values are never lists of records
  if (name.starts_with("children.")) {
    const records::ChildList* list = FindChildList(c.record, name.substr(9));
    if (list == nullptr) return false;
    for (const records::ChildRecord& item : list->items) f(Container{{}, &item});
    return true;
  }
  const records::RecordKind& kind = *c.record.kind;
  for (size_t l = 0; l < kind.lists.size(); ++l) {
    if (kind.lists[l].name != name) continue;
    const size_t n = records::ListSize(c.record, l);
    for (size_t i = 0; i < n; ++i) f(Container{records::ListItem(c.record, l, i), nullptr});
    return true;
  }
  return false;
}

// Whether the value `field` names in `c` is filled (Count's rule over the JSON form).
bool FilledIn(const Container& c, const FillTally::Field& field) {
  if (c.child != nullptr) {
    if (field.extra || field.is_list) return false;
    for (const records::ChildField& f : c.child->fields) {
      if (f.name == field.name) return Filled(f.value);
    }
    return false;
  }
  if (field.extra) return Filled(Member(records::ExtraOf(c.record), field.name));
  if (field.is_list) {
    bool any = false;
    const bool is_list = ForEachItem(c, field.name, [&](const Container&) { any = true; });
    if (is_list) return any;
  }
  const records::RecordKind& kind = *c.record.kind;
  for (size_t i = 0; i < kind.fields.size(); ++i) {
    if (kind.fields[i].name != field.name) continue;
    const records::ConstFieldSlot slot = records::FieldAt(c.record, i);
    return field.is_list ? std::holds_alternative<const records::TextList*>(slot) && Filled(slot)
                         : Filled(slot);
  }
  return false;
}

void Count(const Container& c, const FillTally::Field& field, size_t depth, int64_t* filled, int64_t* total) {
  if (depth < field.lists.size()) {
    ForEachItem(c, field.lists[depth],
                [&](const Container& item) { Count(item, field, depth + 1, filled, total); });
    return;
  }
  ++*total;
  if (FilledIn(c, field)) ++*filled;
}

}  // namespace

std::vector<FillTally::Field> FillFieldsOf(const RecordRule& rule) {
  std::vector<FillTally::Field> out;
  AddFields(rule, {}, "", &out);
  return out;
}

FillTally::FillTally(const SelectorProgram& program) {
  for (const PageTypeRule& pt : program.rep_->page_types) {
    if (!pt.record) continue;
    Type type{pt.info.name, 0, 0, {}};
    for (FillTally::Field& f : FillFieldsOf(*pt.record)) type.fields.push_back({std::move(f), 0, 0});
    types_.push_back(std::move(type));
  }
}

void FillTally::Add(std::string_view page_type, const nlohmann::ordered_json& records) {
  if (page_type.empty()) return;
  for (Type& type : types_) {
    if (type.name != page_type) continue;
    ++type.pages;
    if (!records.is_array()) return;
    for (const Json& record : records) {
      ++type.records;
      for (Counted& c : type.fields) Count(record, c.field, 0, &c.filled, &c.total);
    }
    return;
  }
}

void FillTally::Add(std::string_view page_type, const std::vector<records::Record>& page_records) {
  if (page_type.empty()) return;
  for (Type& type : types_) {
    if (type.name != page_type) continue;
    ++type.pages;
    for (const records::Record& record : page_records) {
      ++type.records;
      const Container c{records::RefOf(record), nullptr};
      for (Counted& counted : type.fields) Count(c, counted.field, 0, &counted.filled, &counted.total);
    }
    return;
  }
}

std::vector<PageTypeCount> FillTally::page_types() const {
  std::vector<PageTypeCount> out;
  for (const Type& type : types_) {
    if (type.pages > 0) out.push_back({type.name, type.pages, type.records});
  }
  return out;
}

std::vector<FieldFill> FillTally::fields() const {
  std::vector<FieldFill> out;
  for (const Type& type : types_) {
    if (type.pages == 0) continue;
    for (const Counted& c : type.fields) out.push_back({type.name, c.field.label, c.filled, c.total});
  }
  return out;
}

}  // namespace hc::extract
