// Internal to src/store: the two backends of the dashboard's reads (store/dashboard.h) and of the run
// progress rows (store/run_progress.h), which OpenDashboard and OpenRunProgress pick between in
// database.cc, and the rules both dashboards share so that they answer with the same values: the
// limits, which columns hold JSON, and how per-run fill counts become the chart's rates.
//
// Thread-safety: the rules are pure functions; each opened object is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/dashboard.h"
#include "store/run_progress.h"

namespace hc::store::internal {

// SQLite (sqlite_dashboard.cc, sqlite_run_progress.cc): `db` is a file path.
Result<std::unique_ptr<DashboardSource>> OpenSqliteDashboard(const std::filesystem::path& db);
Result<std::unique_ptr<RunProgressLog>> OpenSqliteRunProgress(const std::filesystem::path& db,
                                                              std::chrono::milliseconds busy_timeout);
// PostgreSQL (pg_dashboard.cc, pg_run_progress.cc): `conninfo` is a libpq location; messages never
// repeat it.
Result<std::unique_ptr<DashboardSource>> OpenPgDashboard(const std::string& conninfo);
Result<std::unique_ptr<RunProgressLog>> OpenPgRunProgress(const std::string& conninfo,
                                                          std::chrono::milliseconds busy_timeout);

inline constexpr int kDashboardMaxLimit = 500;       // rows per listing, whatever the caller asks
inline constexpr int kDashboardMaxRecordRows = 200;  // rows per table in one page's records
inline constexpr int kDashboardMaxReasons = 50;      // failure reasons of one run

inline int ClampLimit(int limit) {
  return limit < 1 ? 1 : (limit > kDashboardMaxLimit ? kDashboardMaxLimit : limit);
}
// Example URLs per failure reason: 0 to 20.
inline int ClampExamples(int examples) { return examples < 0 ? 0 : (examples > 20 ? 20 : examples); }

// Columns that hold JSON text are returned as JSON values (a value that does not parse stays text).
inline bool IsJsonColumn(std::string_view name) {
  return name == "extra" || name == "tags" || name == "specialties" || name == "notes" || name == "detail" ||
         name == "headers";
}

// An SQL identifier in double quotes (both dialects quote alike).
inline std::string QuotedIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + '"';
}

// `rows` of run_field_fill joined with their run, ordered by run then field: [{run_id, started_at,
// outcome, field ("<page_type>.<field>"), filled, total}], folded into `out["runs"]`: one entry per run
// with its rates (a field whose total is 0 has none).
inline void FoldFillRows(const nlohmann::json& rows, nlohmann::json& out) {
  nlohmann::json* run = nullptr;
  for (const nlohmann::json& row : rows) {
    if (run == nullptr || (*run)["run_id"] != row["run_id"]) {
      out["runs"].push_back({{"run_id", row["run_id"]},
                             {"started_at", row["started_at"]},
                             {"outcome", row["outcome"]},
                             {"fields", nlohmann::json::object()}});
      run = &out["runs"].back();
    }
    const int64_t total = row["total"].get<int64_t>();
    if (total > 0) {
      (*run)["fields"][row["field"].get<std::string>()] =
          static_cast<double>(row["filled"].get<int64_t>()) / static_cast<double>(total);
    }
  }
}

}  // namespace hc::store::internal
