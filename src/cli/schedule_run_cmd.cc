// `healthcrawl schedule run JOB [--db PATH] [--connect-to H:P:H2:P2 ...] [--cacert FILE]
// [--allow-private-addresses] [--delay SECONDS] [--workers N] [--no-progress]`: runs a scheduled job
// now, in the foreground, whatever its schedule (docs/scheduling.md, "Running a job now"). It takes the
// job's lock in the database as the daemon does, so a job that is running (from a daemon or another
// `schedule run`), or whose site another job is crawling, is refused with a message naming the holder.
// The run is recorded like a scheduled one (command "schedule run": `schedule history` marks it manual),
// followed by the job's export; it claims no fire time, so the job's schedule is unchanged.
//
// SIGINT/SIGTERM/SIGHUP stop the run gracefully (outcome "interrupted", exit 130), as for `crawl`. The
// summary goes to stdout. Exit codes, as `crawl`'s for the run's outcome: 0 ok or nothing due; 1
// unreachable (no origin could be reached), waiting (every queued URL still held), or the crawl could not
// proceed; 2 unknown job, bad arguments, or a job/selector config that does not load;
// 3 the database or the export's output could not be used; 4 degraded (docs/drift.md); 75 refused, the
// job or its site is busy: a job of the site runs, or a `crawl` of the site holds its crawl lock (try
// again later); 130 interrupted.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "schedule/schedule.h"
#include "store/database.h"
#include "store/holder_lock.h"

namespace hc::cli {
namespace {

struct ScheduleRunArgs {
  std::string name;
  std::string db = "healthcrawl.db";
  std::vector<std::string> connect_to;
  std::string cacert;
  bool allow_private = false;
  double delay = -1;
  int workers = 0;
  bool no_progress = false;
};

// The exit status of a run that ended `failed`, by what failed, as `crawl` maps a Status.
int FailedExit(const schedule::ManualRun& run) {
  if (run.error.ok()) return kExitStorage;  // the crawl ran and its export failed: an output file
  switch (run.error.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kConfigError:
    case StatusCode::kNotFound:
      return kExitUsage;
    case StatusCode::kIoError:
    case StatusCode::kCorruption:
    case StatusCode::kBusy:
    case StatusCode::kTooLarge:
      return kExitStorage;
    default:
      return kExitFailure;
  }
}

void PrintSummary(const std::string& name, const schedule::ManualRun& run) {
  const store::RunStats& s = run.stats;
  std::printf(
      "schedule run %s: run %lld %s: %lld fetched, %lld new, %lld changed, %lld unchanged, %lld failed\n",
      name.c_str(), static_cast<long long>(run.run_id), s.outcome.c_str(),
      static_cast<long long>(s.pages_fetched), static_cast<long long>(s.pages_new),
      static_cast<long long>(s.pages_changed), static_cast<long long>(s.pages_unchanged),
      static_cast<long long>(s.pages_failed));
  if (const auto it = s.extra.find("export"); it != s.extra.end() && it->is_object()) {
    std::printf("  exported %lld rows to %s\n", static_cast<long long>(it->value("rows", int64_t{0})),
                it->value("path", std::string()).c_str());
  }
  if (const auto it = s.extra.find("error"); it != s.extra.end() && it->is_string()) {
    std::printf("  error: %s\n", it->get<std::string>().c_str());
  }
  std::fflush(stdout);
}

int RunJobNow(const ScheduleRunArgs& args, const CommandContext& ctx) {
  if (!store::IsPostgresLocation(args.db) && !std::filesystem::exists(args.db)) {
    spdlog::error("schedule run: {}: no such database (nothing scheduled yet)", args.db);
    return kExitStorage;
  }
  store::StoreOptions store_options;
  store_options.create = false;
  auto store = store::OpenDatabase(args.db, store_options);
  if (!store.ok()) {
    spdlog::error("{}", store.status().ToString());
    return kExitStorage;
  }
  schedule::CrawlRunnerOptions runner;
  runner.db = args.db;
  runner.selectors_dir = ctx.selectors_dir;
  runner.crawl.fetcher.connect_to = args.connect_to;
  runner.crawl.fetcher.ca_file = args.cacert;
  runner.crawl.fetcher.allow_private_addresses = args.allow_private;
  if (args.delay >= 0) runner.crawl.delay_seconds = args.delay;
  runner.crawl.workers = args.workers;
  runner.crawl.progress =
      args.no_progress ? crawl::CrawlOptions::Progress::kOff : crawl::CrawlOptions::Progress::kAuto;

  StopSignals signals(/*hangup=*/true);  // as `crawl`: a closed terminal stops the run cleanly
  schedule::SchedulerOptions scheduler_options;
  // Refused, as a job whose lock is held, while a `crawl` of the job's site runs (SQLite: the site's
  // crawl lock; on PostgreSQL crawls share a site, so only the job locks order runs).
  if (!store::IsPostgresLocation(args.db)) {
    scheduler_options.site_holder = [db = args.db](const std::string& site) {
      return store::SiteCrawlHolder(db, site);
    };
  }
  schedule::Scheduler scheduler(**store, **store, schedule::CrawlJobRunner(std::move(runner)),
                                std::move(scheduler_options));
  auto run = scheduler.RunNow(args.name, StopSignals::flag());
  if (!run.ok()) {
    const Status& s = run.status();
    switch (s.code()) {
      case StatusCode::kNotFound:
        spdlog::error("schedule run: {}", s.message());
        return kExitUsage;
      case StatusCode::kInvalidArgument:  // the stored definition no longer parses
        spdlog::error("schedule run: {}", s.message());
        return kExitUsage;
      default:
        spdlog::error("schedule run {}: {}", args.name, s.ToString());
        return kExitStorage;
    }
  }
  if (!run->refusal.empty()) {
    spdlog::error("schedule run: {}; not started", run->refusal);
    return kExitBusy;
  }
  PrintSummary(args.name, *run);
  if (!run->recorded.ok()) {
    spdlog::error("schedule run {}: recording the end of run {}: {}", args.name, run->run_id,
                  run->recorded.ToString());
    return kExitStorage;
  }
  const std::string& outcome = run->stats.outcome;
  if (outcome == "interrupted") return kExitInterrupted;
  if (outcome == "ok" || outcome == "nothing due") return kExitOk;
  if (outcome == "unreachable" || outcome == "waiting") return kExitFailure;  // as `crawl`
  if (outcome == "degraded") return kExitDegraded;                            // as `crawl`
  return FailedExit(*run);
}

// Adds `run` to the `schedule` command that schedule_cmd.cc registers (order 90).
void RegisterScheduleRun(CLI::App& app, CommandContext& ctx) {
  CLI::App* schedule = app.get_subcommand("schedule");
  auto args = std::make_shared<ScheduleRunArgs>();
  CLI::App* run = schedule->add_subcommand("run", "Run a job now, in the foreground, under its lock");
  run->add_option("name", args->name, "Job name")->required();
  run->add_option("--db", args->db, "SQLite file or PostgreSQL location")->capture_default_str();
  run->add_option("--connect-to", args->connect_to,
                  "HOST:PORT:CONNECT_HOST:CONNECT_PORT: connect there instead (an offline copy of a site)");
  run->add_option("--cacert", args->cacert, "CA bundle (PEM) to verify servers with")
      ->check(CLI::ExistingFile);
  run->add_flag("--allow-private-addresses", args->allow_private,
                "Allow loopback and private addresses (intranet copies, tests)");
  run->add_option("--delay", args->delay,
                  "Seconds between requests to a host (default: the job's, else config)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--workers", args->workers, "Parse/extract threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  run->add_flag("--no-progress", args->no_progress, "No progress output on stderr");
  run->footer(
      "Exit codes: 0 the run ended ok; 1 unreachable, or the crawl could not proceed; 2 unknown job or\n"
      "broken config; 3 database or export output unusable; 4 the run is degraded (docs/drift.md); 75 the job or its site is running now\n"
      "(refused; try again later); 130 interrupted by SIGINT/SIGTERM.");
  run->callback([args, &ctx] { ctx.exit_code = RunJobNow(*args, ctx); });
}

static CommandRegistration reg(91, &RegisterScheduleRun);

}  // namespace
}  // namespace hc::cli
