// How `stats` and `schedule history` show degraded runs (docs/drift.md).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/drift.h"

namespace hc::cli {

// The alarms a run recorded in crawl_runs.extra.drift, one line each ("article title 0.0% (0/25;
// baseline 100.0%, median of 1 run)"); none when it has none.
std::vector<std::string> DriftLines(const nlohmann::ordered_json& extra);

// `stats`' last section: its title, then a line per run and one per alarm; "  none" without any.
std::string FormatDegradedRuns(const std::vector<store::DegradedRun>& runs);
nlohmann::ordered_json DegradedRunsToJson(const std::vector<store::DegradedRun>& runs);

}  // namespace hc::cli
