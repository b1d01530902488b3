// store/drift.h: per-run fill counts and drift alarms (docs/drift.md; tables run_page_types,
// run_field_fill and run_fill_alarms in docs/schema.md). The crawl writes a run's counts when it ends
// and judges them against the site's earlier good runs, which it reads back here; `stats`, `schedule
// history` and the dashboard read the alarms and the per-run rates.
//
// Thread-safety: as the implementing store (SqliteStore: one thread at a time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace hc::store {

struct PageTypeFill {
  std::string page_type;
  int64_t pages = 0;    // pages of this type the run extracted
  int64_t records = 0;  // records they yielded
};

struct FieldFillCount {
  std::string page_type;
  std::string field;    // "title", "extra.category", "answers", "answers.doctor_name"
  int64_t filled = 0;   // records (list items for a list item's field) with a value
  int64_t total = 0;    // records (list items) that could hold one
};

// One run's counts.
struct RunFill {
  int64_t run_id = 0;
  std::string site;
  TimePoint started_at{};   // read back from crawl_runs; ignored by PutRunFill
  std::string outcome;      // crawl_runs.outcome ("" while running); ignored by PutRunFill
  std::vector<PageTypeFill> page_types;
  std::vector<FieldFillCount> fields;
};

// A field whose fill rate fell below its baseline by more than the threshold.
struct FillAlarm {
  std::string page_type;
  std::string field;
  int64_t filled = 0;
  int64_t total = 0;
  double rate = 0;      // filled / total
  double baseline = 0;  // the median of the baseline runs' rates, or the configured floor
  std::string basis;    // "median of N runs" | "floor"
};

// A run that was marked degraded, with its alarms.
struct DegradedRun {
  int64_t run_id = 0;
  std::string site;
  std::string job;  // "" for a crawl run by hand
  TimePoint started_at{};
  std::vector<FillAlarm> alarms;
};

class FillHistory {
 public:
  virtual ~FillHistory() = default;
  // Stores a run's counts, replacing any stored for it, and commits (with any open batch).
  virtual Status PutRunFill(const RunFill& fill) = 0;
  // The site's runs that have counts, newest first, at most `limit` (0: all). With `good_only`, only
  // finished runs whose outcome is "ok" (never "degraded", "interrupted", "killed", "crashed" ...).
  virtual Result<std::vector<RunFill>> ListRunFill(std::string_view site, bool good_only, int limit) = 0;
  // Stores a degraded run's alarms, replacing any stored for it, and commits.
  virtual Status PutFillAlarms(int64_t run_id, std::string_view site, const std::vector<FillAlarm>& alarms) = 0;
  // Degraded runs, newest first, of `site` ("" for every site), at most `limit` (0: all).
  virtual Result<std::vector<DegradedRun>> ListDegradedRuns(std::string_view site, int limit) = 0;
};

}  // namespace hc::store
