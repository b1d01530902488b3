#include "cli/run_totals.h"

#include <cstdio>
#include <map>
#include <set>

namespace hc::cli {
namespace {

struct SiteTotal {
  int64_t runs = 0;
  std::set<std::string> processes;
  int64_t fetched = 0;
  int64_t stored = 0;
  int64_t failed = 0;
  std::map<std::string, int64_t> failures;
};

std::map<std::string, int64_t> FailuresOf(const store::RunRecord& run) {
  std::map<std::string, int64_t> out;
  const auto it = run.stats.extra.find("failures");
  if (it == run.stats.extra.end() || !it->is_object()) return out;
  for (const auto& [reason, count] : it->items()) {
    if (count.is_number_integer()) out[reason] += count.get<int64_t>();
  }
  return out;
}

std::string Process(const store::RunRecord& run) {
  if (run.info.pid == 0) return "-";
  return run.info.host + ":" + std::to_string(run.info.pid);
}

std::string Reasons(const std::map<std::string, int64_t>& failures) {
  std::string out;
  for (const auto& [reason, count] : failures) {
    out += (out.empty() ? "" : ", ") + reason + " " + std::to_string(count);
  }
  return out;
}

std::map<std::string, SiteTotal> Totals(const std::vector<store::RunRecord>& runs) {
  std::map<std::string, SiteTotal> totals;
  for (const store::RunRecord& run : runs) {
    SiteTotal& t = totals[run.info.sites.empty() ? "*" : run.info.sites];
    ++t.runs;
    t.processes.insert(Process(run));
    t.fetched += run.stats.pages_fetched;
    t.stored += run.stats.pages_stored;
    t.failed += run.stats.pages_failed;
    for (const auto& [reason, count] : FailuresOf(run)) t.failures[reason] += count;
  }
  return totals;
}

}  // namespace

std::string FormatCrawlRuns(const std::vector<store::RunRecord>& runs, size_t shown) {
  std::string out = "\nCrawl runs, newest first (each crawler process records its own run)\n";
  if (runs.empty()) out += "  none\n";
  char line[512];
  if (!runs.empty()) {
    std::snprintf(line, sizeof line, "  %6s %-10s %-22s %-20s %-12s %8s %8s %8s  %s\n", "run", "site",
                  "process", "started (UTC)", "outcome", "fetched", "stored", "failed", "failures");
    out += line;
  }
  for (size_t i = 0; i < runs.size() && i < shown; ++i) {
    const store::RunRecord& run = runs[i];
    std::snprintf(
        line, sizeof line, "  %6lld %-10s %-22s %-20s %-12s %8lld %8lld %8lld  %s\n",
        static_cast<long long>(run.id), run.info.sites.c_str(), Process(run).c_str(),
        FormatUtc(run.info.started_at).c_str(), run.finished ? run.stats.outcome.c_str() : "running",
        static_cast<long long>(run.stats.pages_fetched), static_cast<long long>(run.stats.pages_stored),
        static_cast<long long>(run.stats.pages_failed), Reasons(FailuresOf(run)).c_str());
    out += line;
  }
  if (runs.size() > shown) out += "  ... " + std::to_string(runs.size() - shown) + " older runs\n";
  if (runs.empty()) return out;
  out += "\nCrawl run totals per site (all " + std::to_string(runs.size()) + " runs)\n";
  std::snprintf(line, sizeof line, "  %-10s %6s %9s %8s %8s %8s  %s\n", "site", "runs", "processes",
                "fetched", "stored", "failed", "failures");
  out += line;
  for (const auto& [site, t] : Totals(runs)) {
    std::snprintf(line, sizeof line, "  %-10s %6lld %9zu %8lld %8lld %8lld  %s\n", site.c_str(),
                  static_cast<long long>(t.runs), t.processes.size(), static_cast<long long>(t.fetched),
                  static_cast<long long>(t.stored), static_cast<long long>(t.failed),
                  Reasons(t.failures).c_str());
    out += line;
  }
  return out;
}

nlohmann::ordered_json CrawlRunsToJson(const std::vector<store::RunRecord>& runs, size_t shown) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (size_t i = 0; i < runs.size() && i < shown; ++i) {
    const store::RunRecord& run = runs[i];
    nlohmann::ordered_json failures = nlohmann::ordered_json::object();
    for (const auto& [reason, count] : FailuresOf(run)) failures[reason] = count;
    list.push_back({{"run", run.id},
                    {"site", run.info.sites},
                    {"command", run.info.command},
                    {"job", run.info.job},
                    {"host", run.info.host},
                    {"pid", run.info.pid},
                    {"started_at", FormatUtc(run.info.started_at)},
                    {"finished", run.finished},
                    {"outcome", run.finished ? run.stats.outcome : "running"},
                    {"fetched", run.stats.pages_fetched},
                    {"stored", run.stats.pages_stored},
                    {"failed", run.stats.pages_failed},
                    {"failures", std::move(failures)}});
  }
  nlohmann::ordered_json totals = nlohmann::ordered_json::object();
  for (const auto& [site, t] : Totals(runs)) {
    nlohmann::ordered_json failures = nlohmann::ordered_json::object();
    for (const auto& [reason, count] : t.failures) failures[reason] = count;
    totals[site] = {{"runs", t.runs},       {"processes", t.processes.size()},
                    {"fetched", t.fetched}, {"stored", t.stored},
                    {"failed", t.failed},   {"failures", std::move(failures)}};
  }
  return {{"runs", std::move(list)}, {"run_totals", std::move(totals)}};
}

}  // namespace hc::cli
