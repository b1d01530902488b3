// store/copy.h: moving a dataset between databases (SQLite <-> PostgreSQL, issue #16 point 9), and the
// summary that says whether two datasets hold the same data (`healthcrawl db copy` / `db compare`,
// docs/postgresql.md "Moving a dataset").
//
// A copy takes every table of the dataset (pages, records, the raw archive with its zstd dictionaries,
// runs, jobs and their locks, the frontier, the drift history, record_children, question_views, export
// records, the change sequence, ...): every table both schemas have except each backend's own migration
// bookkeeping. Rows keep their ids, so every reference between tables stays as it was; a PostgreSQL
// target's identity sequences are moved past the copied ids, so that later writes get new ids.
//
// Thread-safety: reentrant; each call opens connections of its own.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace hc::store {

struct CopyOptions {
  // A target that holds rows already (any table but the change sequence) is refused (InvalidArgument)
  // unless this is set; then its rows are deleted first, in the copy's transaction.
  bool replace = false;
};

struct TableRows {
  std::string table;
  int64_t rows = 0;
};

struct CopyReport {
  std::vector<TableRows> tables;  // in the order they were copied (a table after those it refers to)
  int64_t rows = 0;               // all tables together
};

// Copies the dataset at `from` into `to` (locations as for OpenDatabase: a SQLite file path or a
// PostgreSQL location; either way round, or SQLite to SQLite). `from` must be a healthcrawl dataset at
// this build's schema version (NotFound, Corruption or Unsupported otherwise, as OpenDatabase says);
// `to` is created and migrated when missing. The whole copy is one transaction of the target: it is
// there complete or not at all, so a failed or interrupted copy leaves the target as it was and can
// simply be run again. The source is read in one read transaction (a consistent snapshot while crawlers
// keep writing it). Errors: InvalidArgument for a non-empty target without `replace` (naming a table
// that has rows) and when `from` and `to` are the same location; the backends' errors as they come.
Result<CopyReport> CopyDataset(const std::string& from, const std::string& to,
                               const CopyOptions& options = {});

// One table's or one export file's fingerprint.
struct Fingerprint {
  std::string name;      // a table ("pages"), or an export file ("export/pages.jsonl", "export/nested.jsonl")
  int64_t rows = 0;      // rows (tables) or lines (export files)
  std::string checksum;  // lowercase hex SHA-1 (below)
};

struct DatasetSummary {
  std::vector<Fingerprint> tables;   // every copied table, by name
  std::vector<Fingerprint> exports;  // the flat JSONL export of every table, and the nested export
};

// Fingerprints the dataset at `location`, read-only: each table's row count and a checksum of its rows
// that does not depend on the backend or on the rows' order (the sorted SHA-1s of the rows' values,
// typed: NULL, integer, real, text, blob), and the exact bytes of `export --all` (JSONL, every site)
// and `export --nested`, written to a temporary folder that is removed afterwards (the export is not
// recorded in the dataset). Same backend errors as OpenDatabase with read_only.
Result<DatasetSummary> SummarizeDataset(const std::string& location);

// The differences between two summaries, one line each ("pages: rows 120 vs 119", "export/pages.jsonl:
// checksum differs", "table frontier only in the first"); empty when they are equal.
std::vector<std::string> CompareSummaries(const DatasetSummary& a, const DatasetSummary& b);

}  // namespace hc::store
