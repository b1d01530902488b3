// Internal to src/store: the PostgreSQL schema (pg_schema.cc), as an ordered list of migrations numbered
// like SQLite's (schema_internal.h), the version table that records them and the check that a database
// belongs to healthcrawl.
//
// A healthcrawl database on PostgreSQL holds, in the schema the connection writes to (the first of its
// search_path, `public` by default), the dataset's tables and the table healthcrawl_schema_versions:
// one row per migration applied, and the table comment "healthcrawl dataset" as the marker. A database
// with tables but no such table (another application's) is refused, never migrated.
//
// Thread-safety: functions on one PgConnection, used by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/pg_connection_internal.h"

namespace hc::store::pg {

inline constexpr std::string_view kVersionTable = "healthcrawl_schema_versions";
inline constexpr std::string_view kMarker = "healthcrawl dataset";
// The key of the advisory lock that migrations hold ('hcDB', SQLite's application_id).
inline constexpr int64_t kMigrationLockKey = 0x68634442;

struct PgMigration {
  int version;
  std::string_view what;
  std::string_view sql;  // several statements, no parameters
  // Run after `sql`, in the same transaction: what SQL cannot compute (nullptr for none), as SQLite's
  // Migration::then.
  Status (*then)(PgConnection& conn) = nullptr;
};

// Migration 10's step (vocabulary_migration.cc), internal::CanonicalizeStoredVocabulary on PostgreSQL:
// the grades and titles stored before the vocabulary, already copied to hospitals.grade_raw and
// doctors.title_raw, read into their canonical values (core/vocabulary.h).
Status CanonicalizeStoredVocabulary(PgConnection& conn);

const std::vector<PgMigration>& PgMigrations();

// The version the latest migration leaves (equal to SQLite's CurrentSchemaVersion()).
int PgSchemaVersion();

// 0 for a database (schema) without tables; the applied version of a healthcrawl database; Corruption
// for a database of another application or of a newer schema version. Reads only.
Result<int> InspectPgSchema(PgConnection& conn);

// Migrates to `target_version` (the latest when -1) in one transaction under a transaction-level
// advisory lock, so two processes opening a fresh database at once do not both run the migrations: the
// second waits, then finds the work done. `now` is the applied_at of the version rows.
Status MigratePg(PgConnection& conn, const std::string& now, int target_version = -1);

}  // namespace hc::store::pg
