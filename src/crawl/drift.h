// crawl/drift.h: the drift alarm (docs/drift.md). A crawl tallies each page type's pages, records and
// per-field fill counts; at its end it stores them (store::FillHistory) and compares every field's
// rate with its baseline — a floor from the config's `alerts.fill`, else the median of the site's
// last good runs — and a run with a field more than `alerts.threshold` below it is "degraded".
//
// Thread-safety: JudgeFill and the JSON functions are pure and reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "extract/fill.h"
#include "store/drift.h"

namespace hc::crawl {

struct DriftVerdict {
  // Page types the run had enough pages of (alerts.min_pages) to be judged, and those it had too few of.
  std::vector<std::string> judged;
  std::vector<std::string> too_few_pages;
  std::vector<store::FillAlarm> alarms;  // in page type, then field order; the run is degraded when any
  bool degraded() const { return !alarms.empty(); }
};

// Judges `run` against `history` (the site's good runs, newest first; other runs in it are ignored).
// For each page type with at least alerts.min_pages pages, each field with a total: the baseline is
// the field's floor when alerts.fill has one for it (alarm when the rate is below the floor), else
// the median rate over the newest alerts.baseline_runs good runs that had at least min_pages pages of
// the type and a total for the field (alarm when the rate is more than alerts.threshold below it; no
// such run: no baseline, no alarm).
DriftVerdict JudgeFill(const store::RunFill& run, const std::vector<store::RunFill>& history,
                       const extract::FillAlerts& alerts);

// {"degraded": bool, "judged": [...], "too_few_pages": [...], "fields": [{"page_type", "field", "rate",
// "baseline", "basis", "filled", "total"}]}: crawl_runs.extra.drift and `crawl --summary json`'s "drift".
nlohmann::ordered_json DriftToJson(const DriftVerdict& verdict);

// "article title 12.0% (baseline 100.0%, median of 5 runs)", one per alarm.
std::vector<std::string> DescribeAlarms(const std::vector<store::FillAlarm>& alarms);

// The webhook's payload (docs/drift.md, "Webhook"): {"event": "healthcrawl.fill_drift", "site",
// "run", "job", "fields": [{"page_type", "field", "rate", "baseline", "basis", "filled", "total"}]}.
nlohmann::ordered_json DriftWebhookPayload(const std::string& site, int64_t run_id, const std::string& job,
                                           const DriftVerdict& verdict);

}  // namespace hc::crawl
