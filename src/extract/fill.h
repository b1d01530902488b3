// extract/fill.h: what a run's records hold, per page type and field — the counts the drift alarm
// (docs/drift.md) compares run by run — and the `alerts:` block of a site config that tunes it.
//
// Thread-safety: FillAlerts is a plain value. A FillTally is not thread-safe: a crawl's parse workers
// share one under a mutex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/records.h"

namespace hc::extract {

class SelectorProgram;

// A floor from `alerts.fill`: the field's fill rate must not fall below `rate`.
struct FillFloor {
  std::string page_type;  // "" (written `field`): every page type whose record has the field
  std::string field;      // "title", "extra.category", "answers", "answers.doctor_name"
  double rate = 0;        // 0..1
};

// The `alerts:` block of a site config (docs/drift.md). Every member has its documented default.
struct FillAlerts {
  // A field is alarming when its fill rate is more than this below its baseline (a fraction of 1:
  // 0.20 is 20 percentage points).
  double threshold = 0.20;
  int min_pages = 20;      // a page type is judged only when the run extracted at least this many of its pages
  int baseline_runs = 5;   // the baseline is the median over the site's last N good runs
  std::vector<FillFloor> floors;  // `fill:`; a floor is the field's baseline instead of the median
  std::string webhook_url;        // `webhook.url`: POSTed once per degraded run; "" for none
  bool webhook_allow_private_addresses = false;  // `webhook.allow_private_addresses`
};

struct PageTypeCount {
  std::string page_type;
  int64_t pages = 0;    // pages extracted with this page type
  int64_t records = 0;  // records they yielded
};

struct FieldFill {
  std::string page_type;
  std::string field;   // as FillFloor::field
  int64_t filled = 0;  // values that are not null, "", [] or {}
  int64_t total = 0;   // records, or list items for a field of a list item, that could hold one
};

// The counts of many pages. Fields are those the config sets for each page type's record (canonical,
// `extra.<name>`, a list itself — filled when it has an item — and `<list>.<field>` per item).
class FillTally {
 public:
  explicit FillTally(const SelectorProgram& program);
  // One extracted page of `page_type` ("" or a type without a record counts nothing) and its records.
  void Add(std::string_view page_type, const nlohmann::ordered_json& records);
  // The same from the typed records (the crawl's form: no page JSON is built to count them).
  void Add(std::string_view page_type, const std::vector<records::Record>& records);
  // Page types with at least one page, in config order.
  std::vector<PageTypeCount> page_types() const;
  // The fields of those page types, in config order.
  std::vector<FieldFill> fields() const;

  struct Field {
    std::string label;               // FieldFill::field
    std::vector<std::string> lists;  // the lists the value sits in, outermost first
    std::string name;                // the member ("doctor_name"; the list's own name for a list)
    bool extra = false;              // under "extra"
    bool is_list = false;            // the list itself
  };

 private:
  struct Counted {
    Field field;
    int64_t filled = 0;
    int64_t total = 0;
  };
  struct Type {
    std::string name;
    int64_t pages = 0;
    int64_t records = 0;
    std::vector<Counted> fields;
  };
  std::vector<Type> types_;
};

}  // namespace hc::extract
