// Internal to src/store: the schema as an ordered list of migrations. Migration i (1-based) takes a
// database from PRAGMA user_version i-1 to i; a new database runs them all. Never edit a released
// migration: append a new one (docs/schema.md lists what each step did).
//
// Thread-safety: functions on one Db, used by one thread.
#pragma once

#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/sqlite_internal.h"

namespace hc::store::internal {

// 'hcDB': PRAGMA application_id of every healthcrawl database, so a foreign SQLite file is refused
// rather than "migrated".
inline constexpr int kApplicationId = 0x68634442;

struct Migration {
  int version;             // user_version after it ran
  std::string_view what;   // one line for docs and logs
  std::string_view sql;
  // Run after `sql`, in the same transaction: what SQL cannot compute (nullptr for none).
  Status (*then)(Db& db) = nullptr;
};

// Migration 10's step (vocabulary_migration.cc): the grades and titles stored before the vocabulary,
// already copied to hospitals.grade_raw and doctors.title_raw, read into their canonical values
// (core/vocabulary.h), the academic title split from the clinical one.
Status CanonicalizeStoredVocabulary(Db& db);

const std::vector<Migration>& Migrations();

// Checks that the file is a database this build understands (fresh, or a healthcrawl database no
// newer than the latest migration) and returns its user_version. Reads only.
Result<int> InspectSchema(Db& db);

// Runs, in one IMMEDIATE transaction, the migrations from the current user_version up to
// `target_version` (the latest when -1). Tests use a smaller target to build old databases.
Status Migrate(Db& db, int target_version = -1);

}  // namespace hc::store::internal
