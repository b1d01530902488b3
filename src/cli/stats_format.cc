// The text and JSON forms of `healthcrawl stats` (stats_format.h).
#include "cli/stats_format.h"

#include <cstdio>
#include <string>

namespace hc::cli {

using Json = nlohmann::ordered_json;

std::string FormatStats(const store::StatsReport& report) {
  std::string out;
  char line[512];
  out += "Rows per site and table\n";
  std::snprintf(line, sizeof line, "  %-12s %-26s %12s\n", "site", "table", "rows");
  out += line;
  for (const auto& t : report.tables) {
    std::snprintf(line, sizeof line, "  %-12s %-26s %12lld\n", t.site.c_str(), t.table.c_str(),
                  static_cast<long long>(t.rows));
    out += line;
  }
  out += "\nFill rate of each canonical field\n";
  std::snprintf(line, sizeof line, "  %-12s %-10s %-14s %8s %12s %12s\n", "site", "table", "field", "rate",
                "filled", "rows");
  out += line;
  for (const auto& f : report.fill_rates) {
    const double rate = f.total ? 100.0 * static_cast<double>(f.filled) / static_cast<double>(f.total) : 0;
    std::snprintf(line, sizeof line, "  %-12s %-10s %-14s %7.1f%% %12lld %12lld\n", f.site.c_str(),
                  f.table.c_str(), f.field.c_str(), rate, static_cast<long long>(f.filled),
                  static_cast<long long>(f.total));
    out += line;
  }
  out += "\nFailures by reason (pages failing now / failures recorded)\n";
  if (report.failures.empty()) out += "  none\n";
  for (const auto& f : report.failures) {
    std::snprintf(line, sizeof line, "  %-12s %8lld %8lld  ", f.site.c_str(), static_cast<long long>(f.pages),
                  static_cast<long long>(f.events));
    out += line;
    out += f.reason;
    out += '\n';
  }
  out += "\nConversion notes per field in each site's latest crawl (values found but unreadable)\n";
  if (report.field_notes.empty()) out += "  none\n";
  for (const auto& n : report.field_notes) {
    std::snprintf(line, sizeof line, "  %-12s run %-6lld %8lld  ", n.site.c_str(), static_cast<long long>(n.run_id),
                  static_cast<long long>(n.notes));
    out += line;
    out += n.field + ", e.g. " + n.example + " (" + n.url + ")\n";
  }
  out += "\nOldest fetch: " + report.oldest_fetch.value_or("-") + "\n";
  out += "Newest fetch: " + report.newest_fetch.value_or("-") + "\n";
  return out;
}

Json StatsToJson(const store::StatsReport& report) {
  Json j = Json::object();
  j["tables"] = Json::array();
  for (const auto& t : report.tables) j["tables"].push_back({{"site", t.site}, {"table", t.table}, {"rows", t.rows}});
  j["fill_rates"] = Json::array();
  for (const auto& f : report.fill_rates) {
    j["fill_rates"].push_back(
        {{"site", f.site}, {"table", f.table}, {"field", f.field}, {"filled", f.filled}, {"rows", f.total}});
  }
  j["failures"] = Json::array();
  for (const auto& f : report.failures) {
    j["failures"].push_back({{"site", f.site}, {"reason", f.reason}, {"pages", f.pages}, {"events", f.events}});
  }
  j["field_notes"] = Json::array();
  for (const auto& n : report.field_notes) {
    j["field_notes"].push_back({{"site", n.site},
                                {"run_id", n.run_id},
                                {"field", n.field},
                                {"notes", n.notes},
                                {"example", n.example},
                                {"url", n.url}});
  }
  j["oldest_fetch"] = report.oldest_fetch ? Json(*report.oldest_fetch) : Json(nullptr);
  j["newest_fetch"] = report.newest_fetch ? Json(*report.newest_fetch) : Json(nullptr);
  return j;
}

}  // namespace hc::cli
