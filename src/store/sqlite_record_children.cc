// record_children: one row per item of a record's child list, its free fields as one JSON object
// (docs/schema.md, "record_children").
#include "store/record_children_internal.h"

namespace hc::store::internal {

Status ReplaceRecordChildren(Db& db, int64_t page_id, const ChildOwners& owners, const std::string& now,
                             int64_t seq) {
  if (Status s = Execute(db, "DELETE FROM record_children WHERE page_id = ?1", page_id); !s.ok()) return s;
  for (const ChildOwners::Row& row : owners.Rows()) {
    if (Status s = Execute(db,
                           "INSERT INTO record_children (page_id, parent_table, parent_id, record_path, list,"
                           " position, fields, updated_at, updated_seq)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           page_id, row.owner->parent_table, row.owner->parent_id, row.owner->record_path,
                           *row.list, row.position, row.fields, now, seq);
        !s.ok()) {
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace hc::store::internal
