// `healthcrawl scheduler run [--db PATH] [--jobs FILE] [--once] [--connect-to H:P:H2:P2 ...] [--cacert FILE]
// [--allow-private-addresses] [--delay SECONDS] [--workers N]`: the scheduler daemon (docs/scheduling.md).
// It starts each job of the database when due, one run per job at a time (a lock per job in the
// database, renewed by a heartbeat and taken over when its holder died), applies the missed-run
// policies after downtime, and records every run in crawl_runs. With --jobs, the file's jobs are loaded
// into the database first (as `schedule load` does). With --once, it makes one pass (runs what is due
// now, catch-ups included), waits for those runs and exits.
//
// SIGHUP reloads the --jobs file: its new and changed jobs take effect, removed ones are no longer started
// (a run going on finishes); a broken file is logged as file:line:column and the jobs loaded before stay
// in force. Without --jobs, SIGHUP makes it read the jobs in the database at once.
//
// SIGTERM/SIGINT stop it gracefully: no new run starts, running crawls get the stop flag (in-flight
// URLs go back to the queue, everything is committed), their runs are recorded as "interrupted" and
// the locks released. A second signal a second or more later ends it at once; copies arriving
// together (process and group) count once (cli/stop_signals.h). Logs go to stderr.
//
// One scheduler per SQLite database: a second `scheduler run` (with or without --once) is refused with
// exit 75, naming the first (pid, host, since); `schedule run` beside it is not (the job locks order
// them). Each run takes its site's crawl lock, so a `crawl` of the site by hand is refused while the run
// goes on, and a job whose site such a `crawl` is crawling waits for it.
// On PostgreSQL (--db postgresql://...) any number of schedulers, on any hosts, share one database and
// each fire time runs once (docs/scheduling.md); there is no lock file, and a `crawl` by hand shares
// the site's frontier with a job's run.
//
// Exit codes: 130 stopped by SIGTERM/SIGINT after a clean shutdown (systemd: SuccessExitStatus=130);
// 0 --once and every run ended ok; 1 --once and a run did not; 2 bad arguments or a broken jobs file;
// 3 the database could not be used; 75 the database has a scheduler running already (refused).
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/reload_signal.h"
#include "cli/stop_signals.h"
#include "schedule/schedule.h"
#include "store/database.h"
#include "store/holder_lock.h"

namespace hc::cli {
namespace {

namespace fs = std::filesystem;

struct SchedulerArgs {
  std::string db = "healthcrawl.db";
  std::string jobs_file;
  bool once = false;
  std::vector<std::string> connect_to;
  std::string cacert;
  bool allow_private = false;
  double delay = -1;
  int workers = 0;
};

std::vector<std::string> KnownSites(const std::string& selectors_dir) {
  std::vector<std::string> sites;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(selectors_dir, ec)) {
    if (entry.path().extension() == ".yaml") sites.push_back(entry.path().stem().string());
  }
  return sites;
}

// Loads the jobs file into the database (as `schedule load`); every check comes before any write, so
// a broken file changes nothing. A ConfigError's message starts with "file:line:column:".
Status LoadJobs(const std::string& path, const CommandContext& ctx, store::JobStore& jobs) {
  auto file = schedule::LoadJobsFile(path);
  if (!file.ok()) return Status::ConfigError(file.status().message());  // unreadable or broken: exit 2
  Status sites = schedule::CheckSites(*file, KnownSites(ctx.selectors_dir));
  if (!sites.ok()) return sites;
  auto synced = schedule::SyncJobsFile(*file, path, jobs, SystemClock().Now());
  if (!synced.ok()) return synced.status();
  spdlog::info("scheduler: {}: {} jobs added, {} updated, {} removed", path, synced->added, synced->updated,
               synced->removed);
  return Status::Ok();
}

int RunScheduler(const SchedulerArgs& args, const CommandContext& ctx) {
  // Before anything else, so that a signal during start-up is a request, not the default action.
  StopSignals stop_signals;
  ReloadSignal reload_signal;
  std::unique_ptr<store::HolderLock> scheduler_lock;  // outlives the store, released after its last write
  auto store = store::OpenDatabase(args.db);
  if (!store.ok()) {
    spdlog::error("{}", store.status().ToString());
    return kExitStorage;
  }
  // One scheduler per SQLite database (store/holder_lock.h): a second is refused, naming the first. On
  // PostgreSQL any number of schedulers share the database: the job locks and the compare-and-swap of
  // each job's checked_through (store/jobs.h) run every fire time once, whoever claims it first.
  const bool postgres = store::IsPostgresLocation(args.db);
  if (!postgres) {
    auto lock = store::LockScheduler(
        args.db, args.once ? "healthcrawl scheduler run --once" : "healthcrawl scheduler run");
    if (!lock.ok()) {
      spdlog::error("scheduler: {}; not started", lock.status().message());
      return lock.status().code() == StatusCode::kBusy ? kExitBusy : kExitStorage;
    }
    scheduler_lock = std::move(*lock);
  }
  if (!args.jobs_file.empty()) {
    Status loaded = LoadJobs(args.jobs_file, ctx, **store);
    if (!loaded.ok()) {
      spdlog::error("{}", loaded.code() == StatusCode::kConfigError ? loaded.message() : loaded.ToString());
      return loaded.code() == StatusCode::kConfigError ? kExitUsage : kExitStorage;
    }
  }
  // SIGHUP: the jobs file again; when it is broken (or gone) the jobs loaded before stay in force.
  auto reload = [&] {
    if (args.jobs_file.empty()) {
      spdlog::info("scheduler: SIGHUP: no --jobs file to reload; reading the jobs in the database again");
      return;
    }
    spdlog::info("scheduler: SIGHUP: reloading {}", args.jobs_file);
    Status loaded = LoadJobs(args.jobs_file, ctx, **store);
    if (!loaded.ok()) {
      spdlog::error("scheduler: reload failed, the jobs loaded before stay in force: {}",
                    loaded.code() == StatusCode::kConfigError ? loaded.message() : loaded.ToString());
    }
  };

  schedule::CrawlRunnerOptions runner;
  runner.db = args.db;
  runner.selectors_dir = ctx.selectors_dir;
  runner.crawl.fetcher.connect_to = args.connect_to;
  runner.crawl.fetcher.ca_file = args.cacert;
  runner.crawl.fetcher.allow_private_addresses = args.allow_private;
  if (args.delay >= 0) runner.crawl.delay_seconds = args.delay;
  runner.crawl.workers = args.workers;
  runner.crawl.progress = crawl::CrawlOptions::Progress::kOff;
  schedule::JobRunner crawl_runner = schedule::CrawlJobRunner(std::move(runner));
  // Counts the runs that did not end ok, for --once's exit status.
  auto not_ok = std::make_shared<std::atomic<int>>(0);
  schedule::JobRunner counted = [crawl_runner, not_ok](const schedule::JobRun& run) {
    auto result = crawl_runner(run);
    // A run with nothing due did its job; "unreachable" and "waiting" did not (docs/RELIABILITY.md).
    if (!result.ok() || (result->outcome != "ok" && result->outcome != "nothing due")) ++*not_ok;
    return result;
  };

  Status status;
  bool stopped = false;
  {
    std::atomic<bool>& stop = StopSignals::flag();
    schedule::SchedulerOptions scheduler_options;
    // A job whose site a `crawl` command is crawling waits for it (its run would be refused). On
    // PostgreSQL a `crawl` shares the site's frontier with the job's run: nothing to wait for.
    if (!postgres) {
      scheduler_options.site_holder = [db = args.db](const std::string& site) {
        return store::SiteCrawlHolder(db, site);
      };
    }
    schedule::Scheduler scheduler(**store, **store, counted, std::move(scheduler_options));
    spdlog::info("scheduler: running as {} on {}", scheduler.owner(), store::PrintableLocation(args.db));
    if (args.once) {
      auto next = scheduler.Step();
      if (!next.ok()) status = next.status();
      Status drained = scheduler.Drain(&stop);
      if (status.ok()) status = drained;
    } else {
      status = scheduler.Run(stop, &ReloadSignal::flag(), reload);
    }
    stopped = stop.load();
  }
  if (!status.ok()) {
    spdlog::error("scheduler: {}", status.ToString());
    return kExitStorage;
  }
  if (stopped) {
    spdlog::info("scheduler: stopped");
    return kExitInterrupted;
  }
  return not_ok->load() == 0 ? kExitOk : kExitFailure;
}

void RegisterScheduler(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<SchedulerArgs>();
  CLI::App* scheduler = app.add_subcommand("scheduler", "The scheduler daemon: runs the scheduled jobs when due");
  scheduler->require_subcommand(1);
  CLI::App* run = scheduler->add_subcommand("run", "Run the scheduler until SIGTERM/SIGINT; SIGHUP reloads --jobs");
  AddDbOption(run, args->db, "SQLite file or PostgreSQL location (jobs, locks, run history, pages)");
  run->add_option("--jobs", args->jobs_file, "Load this jobs file into the database first")->check(CLI::ExistingFile);
  run->add_flag("--once", args->once, "One pass: run what is due now, wait for it, exit");
  run->add_option("--connect-to", args->connect_to,
                  "HOST:PORT:CONNECT_HOST:CONNECT_PORT: connect there instead (an offline copy of a site)");
  run->add_option("--cacert", args->cacert, "CA bundle (PEM) to verify servers with")->check(CLI::ExistingFile);
  run->add_flag("--allow-private-addresses", args->allow_private,
                "Allow loopback and private addresses (intranet copies, tests)");
  run->add_option("--delay", args->delay, "Seconds between requests to a host, for every job (default: the job's, else config)")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--workers", args->workers, "Parse/extract threads per run (default: one per core)")
      ->check(CLI::Range(1, 256));
  run->footer("Exit codes: 130 stopped by SIGTERM/SIGINT (clean shutdown); with --once: 0 every run ok, 1 a run\n"
              "was not; 2 bad arguments or jobs file; 3 database unusable; 75 the database has a scheduler\n"
              "running already (refused, the holder named).");
  run->callback([args, &ctx] { ctx.exit_code = RunScheduler(*args, ctx); });
}

static CommandRegistration reg(95, &RegisterScheduler);

}  // namespace
}  // namespace hc::cli
