// How `healthcrawl stats` shows a store::StatsReport: a plain-text report for a terminal, or JSON
// (--json). The numbers come from the store (store/stats.h); only their presentation lives here.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "store/stats.h"

namespace hc::cli {

// Sections "Rows per site and table", "Fill rate of each canonical field", "Failures by reason",
// "Conversion notes per field ..." and the oldest and newest fetch, as fixed-width columns.
std::string FormatStats(const store::StatsReport& report);
// {"tables", "fill_rates", "failures", "field_notes", "oldest_fetch", "newest_fetch"}, each an array
// of objects with the report's fields (a fill rate's total is "rows"); a missing fetch time is null.
nlohmann::ordered_json StatsToJson(const store::StatsReport& report);

}  // namespace hc::cli
