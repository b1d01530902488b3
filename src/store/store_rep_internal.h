// Internal to src/store: the state behind a SqliteStore, shared by the files that implement it
// (sqlite_store.cc: open, pages, raw archive, runs; sqlite_frontier.cc: the crawl frontier;
// sqlite_export.cc: export scans; sqlite_stats.cc).
//
// Thread-safety: as SqliteStore, one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
#include "store/archive_codec_internal.h"
#include "store/people_rows_internal.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"

namespace hc::store {

struct SqliteStore::Rep {
  std::unique_ptr<internal::Db> db;
  StoreOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::string path;
  std::unique_ptr<internal::ArchiveCodec> archive;  // compresses and reads raw_responses bodies
  bool in_batch = false;
  int pages_in_batch = 0;
  std::chrono::steady_clock::time_point batch_started{};
  int64_t frontier_max_id_at_begin = 0;  // the open batch's frontier rows have higher ids
  internal::PeopleRows people;           // hospitals and doctors as the open batch left them
};

// The write path shared by PutPage (sqlite_store.cc) and Frontier::Complete (sqlite_frontier.cc), so
// that a page stored by either goes through the same validation and the same statements.
namespace internal {

// InvalidArgument when the observation cannot be stored (no site or url, more than one record, a
// record kind that is not a page's).
Status ValidatePage(const PageObservation& page);
// Opens the write batch (BEGIN IMMEDIATE) unless one is open.
Status BeginBatch(SqliteStore::Rep& rep);
// Writes one validated page and its records inside the open batch; the caller holds a savepoint.
Status WritePage(SqliteStore::Rep& rep, const PageObservation& page);
// After a failed write inside savepoint `name`: rolls back to it, or, when SQLite already rolled the
// whole transaction back, marks the batch gone and says so in the returned Status.
Status AbandonSavepoint(SqliteStore::Rep& rep, const char* name, const Status& s);
// The open batch has reached StoreOptions::batch_pages pages or batch_max_age: time to Flush.
bool BatchIsFull(const SqliteStore::Rep& rep);
// The SELECT that exports `table` (sqlite_export.cc; "" for an unknown table), with ?1 site, ?2 since,
// ?3 and ?4 the change-sequence window. The PostgreSQL backend runs it too, respelled (pg_export.cc).
std::string ExportTableSql(const std::string& table);

}  // namespace internal

}  // namespace hc::store
