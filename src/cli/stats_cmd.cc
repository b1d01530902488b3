// `healthcrawl stats [--db PATH] [--json]`: what a crawl has produced: rows per site and table, each
// canonical field's fill rate per site (how often a selector actually found it), failures by reason,
// the conversion notes per field of each site's latest crawl, the newest 20 degraded runs (docs/drift.md), and the oldest and newest fetch. Opens the database read-only, so it runs beside a crawl.
//
// Exit codes: 0 printed; 3 the database could not be used.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "cli/drift_report.h"
#include "cli/run_totals.h"
#include "cli/stats_format.h"
#include "store/database.h"

namespace hc::cli {
namespace {

constexpr size_t kShownRuns = 20;   // the newest runs listed one by one
constexpr int kMaxRuns = 1'000'000;  // the totals count every run

struct StatsArgs {
  std::string db = "healthcrawl.db";
  bool json = false;
};

int RunStats(const StatsArgs& args) {
  auto store = store::OpenDatabase(args.db, {.read_only = true});
  if (!store.ok()) {
    spdlog::error("{}", store.status().ToString());
    return kExitStorage;
  }
  auto report = (*store)->ComputeStats();
  if (!report.ok()) {
    spdlog::error("{}", report.status().ToString());
    return kExitStorage;
  }
  // The newest degraded runs of every site (docs/drift.md); their fields and rates.
  auto degraded = (*store)->ListDegradedRuns("", 20);
  if (!degraded.ok()) {
    spdlog::error("{}", degraded.status().ToString());
    return kExitStorage;
  }
  // Every crawl run (several processes share a crawl on PostgreSQL: each records its own run), for the
  // newest runs and the totals per site (cli/run_totals.h).
  auto runs = (*store)->ListRuns("", /*include_manual=*/true, kMaxRuns);
  if (!runs.ok()) {
    spdlog::error("{}", runs.status().ToString());
    return kExitStorage;
  }
  std::string text;
  if (args.json) {
    auto json = StatsToJson(*report);
    json["degraded_runs"] = DegradedRunsToJson(*degraded);
    const auto crawl_runs = CrawlRunsToJson(*runs, kShownRuns);
    for (const auto& [key, value] : crawl_runs.items()) json[key] = value;
    text = json.dump(2) + "\n";
  } else {
    text = FormatStats(*report) + FormatDegradedRuns(*degraded) + FormatCrawlRuns(*runs, kShownRuns);
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  return kExitOk;
}

void RegisterStats(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<StatsArgs>();
  CLI::App* cmd = app.add_subcommand("stats", "Rows, field fill rates, failures, conversion notes and degraded runs of a database");
  AddDbOption(cmd, args->db, "SQLite file or PostgreSQL location");
  cmd->add_flag("--json", args->json, "Print JSON instead of a text report");
  cmd->footer("Exit codes: 0 ok; 3 database unusable.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunStats(*args); });
}

static CommandRegistration reg(85, &RegisterStats);

}  // namespace
}  // namespace hc::cli
