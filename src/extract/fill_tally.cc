// FillTally: per page type and field, how many records (or list items) carry a value. A crawl feeds
// it every page it extracts, and the drift alarm compares its rates with earlier runs'.
#include <utility>

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
