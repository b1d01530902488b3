// `healthcrawl reextract [--site S] [--since DATE] [--db PATH] [--all-versions] [--workers N]`: re-runs
// the current selector configs over the responses kept in the raw archive and stores the results,
// without fetching anything — after a selector fix, the whole dataset is rebuilt in minutes, on every
// core (N parse workers, one writer).
//
// Prints one summary line on stdout. Exit codes: 0 every page re-extracted; 1 some pages failed
// extraction (stored as failures); 2 bad arguments or broken config; 3 the database could not be used.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "crawl/crawl.h"
#include "extract/extract.h"
#include "store/database.h"

namespace hc::cli {
namespace {

struct ReextractArgs {
  std::string site;
  std::string since;
  std::string db = "healthcrawl.db";
  bool all_versions = false;
  int workers = 0;
};

int RunReextract(const ReextractArgs& args, const CommandContext& ctx) {
  std::vector<extract::SelectorProgram> programs;
  if (!args.site.empty()) {
    auto one = extract::LoadSite(ctx.selectors_dir, args.site);
    if (!one.ok()) {
      spdlog::error("{}", one.status().message());
      return kExitUsage;
    }
    programs.push_back(std::move(*one));
  } else {
    auto all = extract::LoadAllSites(ctx.selectors_dir);
    if (!all.ok()) {
      spdlog::error("{}", all.status().message());
      return kExitUsage;
    }
    programs = std::move(*all);
  }
  store::RawQuery query;
  query.site = args.site;
  query.latest_only = !args.all_versions;
  if (!args.since.empty()) {
    TimePoint t{};
    if (!ParseIso8601(args.since, &t)) {
      spdlog::error("--since '{}' is not a date such as 2026-03-01", args.since);
      return kExitUsage;
    }
    query.since = t;
  }
  auto store = store::OpenDatabase(args.db, {.create = false});
  if (!store.ok()) {
    spdlog::error("{}", store.status().ToString());
    return kExitStorage;
  }
  std::vector<const extract::SelectorProgram*> pointers;
  for (const auto& p : programs) pointers.push_back(&p);
  auto report = crawl::Reextract(pointers, **store, **store, query, {.workers = args.workers, .runs = store->get()});
  if (!report.ok()) {
    spdlog::error("{}", report.status().ToString());
    return kExitStorage;
  }
  if (report->skipped) spdlog::warn("{} archived responses belong to sites without a loaded config", report->skipped);
  std::printf("re-extracted %lld archived responses in %s: %lld stored (%lld as failures), %lld skipped\n",
              static_cast<long long>(report->responses), store::PrintableLocation(args.db).c_str(),
              static_cast<long long>(report->stored), static_cast<long long>(report->failed),
              static_cast<long long>(report->skipped));
  std::fflush(stdout);
  return report->failed ? kExitFailure : kExitOk;
}

void RegisterReextract(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ReextractArgs>();
  CLI::App* cmd = app.add_subcommand("reextract", "Re-run the selector configs over archived pages (no fetching)");
  cmd->add_option("--site", args->site, "Only this site (default: every site with a config)");
  cmd->add_option("--since", args->since, "Only responses fetched at or after this date/time (ISO 8601)");
  AddDbOption(cmd, args->db, "SQLite database");
  cmd->add_flag("--all-versions", args->all_versions, "Every kept version, not only each page's newest");
  cmd->add_option("--workers", args->workers, "Parse/extract threads (default: one per core)")->check(CLI::Range(1, 256));
  cmd->footer("Exit codes: 0 ok; 1 some pages failed extraction; 2 bad arguments or config; 3 database unusable.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunReextract(*args, ctx); });
}

static CommandRegistration reg(75, &RegisterReextract);

}  // namespace
}  // namespace hc::cli
