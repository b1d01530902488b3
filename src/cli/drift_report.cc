#include "cli/drift_report.h"

#include "core/clock.h"
#include "crawl/drift.h"

namespace hc::cli {

using Json = nlohmann::ordered_json;

std::vector<std::string> DriftLines(const Json& extra) {
  std::vector<store::FillAlarm> alarms;
  if (!extra.is_object() || !extra.contains("drift") || !extra["drift"].is_object()) return {};
  const Json& fields = extra["drift"].contains("fields") ? extra["drift"]["fields"] : Json();
  if (!fields.is_array()) return {};
  for (const Json& f : fields) {
    if (!f.is_object()) continue;
    // Read member by member with defaults: Json::value throws on a member of another type.
    auto text = [&f](const char* key) {
      return f.contains(key) && f[key].is_string() ? f[key].get<std::string>() : "";
    };
    auto number = [&f](const char* key) {
      return f.contains(key) && f[key].is_number() ? f[key].get<double>() : 0.0;
    };
    auto count = [&f](const char* key) {
      return f.contains(key) && f[key].is_number_integer() ? f[key].get<int64_t>() : int64_t{0};
    };
    alarms.push_back({text("page_type"), text("field"), count("filled"), count("total"), number("rate"),
                      number("baseline"), text("basis")});
  }
  return crawl::DescribeAlarms(alarms);
}

std::string FormatDegradedRuns(const std::vector<store::DegradedRun>& runs) {
  std::string out = "\nDegraded runs, newest first (docs/drift.md: fill rates below their baseline)\n";
  if (runs.empty()) out += "  none\n";
  for (const store::DegradedRun& run : runs) {
    out += "  run " + std::to_string(run.run_id) + " " + run.site + " " + FormatUtc(run.started_at) +
           (run.job.empty() ? "" : " job " + run.job) + "\n";
    for (const std::string& line : crawl::DescribeAlarms(run.alarms)) out += "    " + line + "\n";
  }
  return out;
}

Json DegradedRunsToJson(const std::vector<store::DegradedRun>& runs) {
  Json out = Json::array();
  for (const store::DegradedRun& run : runs) {
    Json fields = Json::array();
    for (const store::FillAlarm& a : run.alarms) {
      fields.push_back({{"page_type", a.page_type},
                        {"field", a.field},
                        {"rate", a.rate},
                        {"baseline", a.baseline},
                        {"basis", a.basis},
                        {"filled", a.filled},
                        {"total", a.total}});
    }
    out.push_back({{"run", run.run_id},
                   {"site", run.site},
                   {"job", run.job},
                   {"started_at", FormatUtc(run.started_at)},
                   {"fields", std::move(fields)}});
  }
  return out;
}

}  // namespace hc::cli
