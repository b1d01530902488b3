// Internal to src/store: writing records' child lists (core/records.h ChildList) to `record_children`
// (docs/schema.md). PageWrite (sqlite_store.cc) names each record that carries child lists as it writes
// the record's row, then hands them all here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.h"
#include "core/status.h"
#include "store/sqlite_internal.h"

namespace hc::store::internal {

// A record of the page that has child lists, and the row it was stored in.
struct ChildOwner {
  std::string_view parent_table;     // "doctors", "articles", "questions", "diseases", "answers"
  std::optional<int64_t> parent_id;  // nullopt when the record has no row (a doctor without a name)
  std::string record_path;           // "" for the page's record, "answers[1]" for a list item
  const records::ChildLists* children = nullptr;
};

// Replaces the page's child records with those of `owners`: a revisit never duplicates an item and an
// item the page no longer shows is gone. Every row gets `now` and `seq`.
Status ReplaceRecordChildren(Db& db, int64_t page_id, const std::vector<ChildOwner>& owners,
                             const std::string& now, int64_t seq);

}  // namespace hc::store::internal
