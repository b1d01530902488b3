// Internal to src/store: writing records' child lists (core/records.h ChildList) to SQLite's
// `record_children` (docs/schema.md). PageWrite (sqlite_store.cc) notes each record that carries child
// lists as it writes the record's row (internal::ChildOwners, record_rules_internal.h), then hands them
// all here.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/record_rules_internal.h"
#include "store/sqlite_internal.h"

namespace hc::store::internal {

// Replaces the page's child records with those of `owners`: a revisit never duplicates an item and an
// item the page no longer shows is gone. Every row gets `now` and `seq`.
Status ReplaceRecordChildren(Db& db, int64_t page_id, const ChildOwners& owners, const std::string& now,
                             int64_t seq);

}  // namespace hc::store::internal
