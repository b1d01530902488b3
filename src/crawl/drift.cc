// JudgeFill: a run's fill rates against their baselines (docs/drift.md). Pure; the crawl engine feeds
// it through DriftCheck (drift_check.cc).
#include "crawl/drift.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace hc::crawl {
namespace {

using Json = nlohmann::ordered_json;

const store::PageTypeFill* FindType(const store::RunFill& run, const std::string& page_type) {
  for (const auto& t : run.page_types) {
    if (t.page_type == page_type) return &t;
  }
  return nullptr;
}

const store::FieldFillCount* FindField(const store::RunFill& run, const std::string& page_type,
                                       const std::string& field) {
  for (const auto& f : run.fields) {
    if (f.page_type == page_type && f.field == field) return &f;
  }
  return nullptr;
}

const extract::FillFloor* FindFloor(const extract::FillAlerts& alerts, const std::string& page_type,
                                    const std::string& field) {
  const extract::FillFloor* any_type = nullptr;
  for (const auto& floor : alerts.floors) {
    if (floor.field != field) continue;
    if (floor.page_type == page_type) return &floor;  // `page_type/field` wins over `field`
    if (floor.page_type.empty()) any_type = &floor;
  }
  return any_type;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string Percent(double rate) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", rate * 100);
  return buf;
}

Json AlarmsToJson(const std::vector<store::FillAlarm>& alarms) {
  Json out = Json::array();
  for (const auto& a : alarms) {
    out.push_back({{"page_type", a.page_type},
                   {"field", a.field},
                   {"rate", a.rate},
                   {"baseline", a.baseline},
                   {"basis", a.basis},
                   {"filled", a.filled},
                   {"total", a.total}});
  }
  return out;
}

}  // namespace

DriftVerdict JudgeFill(const store::RunFill& run, const std::vector<store::RunFill>& history,
                       const extract::FillAlerts& alerts) {
  DriftVerdict verdict;
  for (const store::PageTypeFill& type : run.page_types) {
    if (type.pages < alerts.min_pages) {
      verdict.too_few_pages.push_back(type.page_type);
      continue;
    }
    verdict.judged.push_back(type.page_type);
    // The good runs that saw enough of this page type to be a fair comparison, newest first.
    std::vector<const store::RunFill*> baseline_runs;
    for (const store::RunFill& past : history) {
      if (static_cast<int>(baseline_runs.size()) >= alerts.baseline_runs) break;
      if (past.run_id == run.run_id || past.outcome != "ok") continue;
      const store::PageTypeFill* seen = FindType(past, type.page_type);
      if (seen != nullptr && seen->pages >= alerts.min_pages) baseline_runs.push_back(&past);
    }
    for (const store::FieldFillCount& field : run.fields) {
      if (field.page_type != type.page_type || field.total <= 0) continue;
      const double rate = static_cast<double>(field.filled) / static_cast<double>(field.total);
      store::FillAlarm alarm{field.page_type, field.field, field.filled, field.total, rate, 0, ""};
      if (const extract::FillFloor* floor = FindFloor(alerts, field.page_type, field.field)) {
        // A floor is the rate the site's author says the field must reach: no threshold below it.
        if (rate >= floor->rate) continue;
        alarm.baseline = floor->rate;
        alarm.basis = "floor";
      } else {
        std::vector<double> rates;
        for (const store::RunFill* past : baseline_runs) {
          const store::FieldFillCount* f = FindField(*past, field.page_type, field.field);
          if (f != nullptr && f->total > 0)
            rates.push_back(static_cast<double>(f->filled) / static_cast<double>(f->total));
        }
        if (rates.empty()) continue;
        alarm.baseline = Median(rates);
        // The tiny epsilon keeps 0.80 vs 1.00 at threshold 0.20 from alarming on a rounding error.
        if (alarm.baseline - rate <= alerts.threshold + 1e-9) continue;
        alarm.basis = "median of " + std::to_string(rates.size()) + (rates.size() == 1 ? " run" : " runs");
      }
      verdict.alarms.push_back(std::move(alarm));
    }
  }
  return verdict;
}

Json DriftToJson(const DriftVerdict& verdict) {
  return {{"degraded", verdict.degraded()},
          {"judged", verdict.judged},
          {"too_few_pages", verdict.too_few_pages},
          {"fields", AlarmsToJson(verdict.alarms)}};
}

std::vector<std::string> DescribeAlarms(const std::vector<store::FillAlarm>& alarms) {
  std::vector<std::string> out;
  for (const auto& a : alarms) {
    out.push_back(a.page_type + " " + a.field + " " + Percent(a.rate) + " (" + std::to_string(a.filled) +
                  "/" + std::to_string(a.total) + "; baseline " + Percent(a.baseline) + ", " + a.basis + ")");
  }
  return out;
}

Json DriftWebhookPayload(const std::string& site, int64_t run_id, const std::string& job,
                         const DriftVerdict& verdict) {
  return {{"event", "healthcrawl.fill_drift"},
          {"site", site},
          {"run", run_id},
          {"job", job},
          {"fields", AlarmsToJson(verdict.alarms)}};
}

}  // namespace hc::crawl
