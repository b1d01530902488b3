// store/stats.h: what a database holds, as data: rows per site and table, each canonical field's
// fill rate, failures by reason, conversion notes, the oldest and newest fetch. How a report is shown
// (text or JSON) is the CLI's business (src/cli/stats_format.h).
//
// Thread-safety: a StatsSource is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace hc::store {

struct StatsReport {
  struct TableCount {
    std::string site{};   // "*" for tables shared by all sites (hospitals, doctors, diseases)
    std::string table{};
    int64_t rows = 0;
  };
  struct FillRate {
    std::string site{};
    std::string table{};
    std::string field{};
    int64_t filled = 0;  // rows where the field is neither null nor empty
    int64_t total = 0;
  };
  struct FailureCount {
    std::string site{};
    std::string reason{};
    int64_t pages = 0;   // pages whose latest fetch failed for this reason
    int64_t events = 0;  // failures recorded in the history
  };
  std::vector<TableCount> tables{};
  std::vector<FillRate> fill_rates{};
  std::vector<FailureCount> failures{};
  // Values a field found but could not convert, from each site's latest finished crawl run
  // (crawl_runs.extra.field_notes, written by the crawl); ordered by site, then as the run listed them (the order their fields first failed).
  struct FieldNoteCount {
    std::string site{};
    int64_t run_id = 0;
    std::string field{};    // "article.views", "answers[].answered_at"
    int64_t notes = 0;      // notes of the field in that run
    std::string example{};  // the first one: "\"1.2\" is not a count"
    std::string url{};      // the page of the example
  };
  std::vector<FieldNoteCount> field_notes{};
  std::optional<std::string> oldest_fetch{};  // ISO 8601 UTC
  std::optional<std::string> newest_fetch{};
};

class StatsSource {
 public:
  virtual ~StatsSource() = default;
  virtual Result<StatsReport> ComputeStats() = 0;
};

}  // namespace hc::store
