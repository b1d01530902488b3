// `healthcrawl schedule add|load|list|remove|pause|resume|history|next [--db PATH]`: the scheduled
// jobs in the database, which the scheduler daemon (`healthcrawl scheduler run`) reads
// (docs/scheduling.md).
//
//   schedule add NAME --site S --cron EXPR [--time-zone TZ] [--missed skip|run_once] [--max-pages N]
//                [--recrawl due|all] [--export PATH [--export-format jsonl|csv]] [--paused]
//                [--start-url URL ...] [--delay SECONDS] [--concurrency N] [--sitemap URL ... | --no-sitemaps]
//   schedule load FILE           loads a jobs file: its jobs are added or updated, and jobs loaded from
//                                the same file before but no longer in it are removed
//   schedule list [--json]       every job: schedule, state, where it came from, its next run
//   schedule remove|pause|resume NAME
//   schedule history [JOB] [--limit N] [--all] [--json]   the runs, newest first
//   schedule next [JOB] [--count N] [--json]              the next fire times
//   schedule run JOB             runs the job now (src/cli/schedule_run_cmd.cc)
//
// Exit codes: 0 done; 2 bad arguments (a bad cron expression, zone, site, name, or an unknown job:
// the message names the option or field); 3 the database could not be used.
#include <spdlog/spdlog.h>

#include <date/tz.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "cli/drift_report.h"
#include "core/clock.h"
#include "extract/extract.h"
#include "schedule/schedule.h"
#include "store/database.h"

namespace hc::cli {
namespace {

namespace fs = std::filesystem;

struct ScheduleArgs {
  std::string db = "healthcrawl.db";
  std::string name;
  std::string site;
  std::string cron;
  std::string time_zone;
  std::string missed = "skip";
  int max_pages = -1;
  std::string recrawl = "due";
  std::string export_path;
  std::string export_format;
  bool paused = false;
  std::vector<std::string> start_urls;
  double delay = -1;
  int concurrency = 0;
  std::vector<std::string> sitemaps;
  bool no_sitemaps = false;
  std::string file;
  bool json = false;
  bool all = false;
  int limit = 20;
  int count = 5;
};

void Print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

int StorageExit(const Status& s) {
  spdlog::error("{}", s.ToString());
  return kExitStorage;
}

Result<std::unique_ptr<store::Database>> OpenDb(const std::string& db, bool create) {
  store::StoreOptions options;
  options.create = create;
  // A PostgreSQL database that holds no dataset is refused by OpenDatabase itself (NotFound).
  if (!create && !store::IsPostgresLocation(db) && !fs::exists(db)) {
    return Status::IoError(db + ": no such database (nothing scheduled yet)");
  }
  return store::OpenDatabase(db, options);
}

// "2026-03-02 03:00 CST" in the zone (the machine's when null).
std::string LocalTime(TimePoint t, const date::time_zone* zone) {
  if (t == schedule::kNever) return "never";
  auto seconds = date::floor<std::chrono::seconds>(t);
  try {
    if (zone == nullptr) zone = date::current_zone();
    return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(zone, seconds));
  } catch (const std::exception&) {
    return FormatUtc(t);
  }
}

std::vector<std::string> KnownSites(const std::string& selectors_dir) {
  std::vector<std::string> sites;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(selectors_dir, ec)) {
    if (entry.path().extension() == ".yaml") sites.push_back(entry.path().stem().string());
  }
  std::sort(sites.begin(), sites.end());
  return sites;
}

// The cron expression with a caret under `column` (1-based), for the error message.
std::string Caret(const std::string& expr, int column) {
  return "  " + expr + "\n  " + std::string(static_cast<size_t>(std::max(column, 1) - 1), ' ') + "^";
}

int ColumnOf(const std::string& message) {
  if (message.rfind("column ", 0) != 0) return 0;
  return std::atoi(message.c_str() + 7);
}

int RunAdd(const ScheduleArgs& args, const CommandContext& ctx) {
  if (!schedule::IsValidJobName(args.name)) {
    spdlog::error("schedule add: job name '{}' must be 1-64 letters, digits, '.', '_' or '-', starting with a "
                  "letter or digit", args.name);
    return kExitUsage;
  }
  schedule::JobSpec job;
  job.name = args.name;
  job.site = args.site;
  auto program = extract::LoadSite(ctx.selectors_dir, args.site);
  if (!program.ok()) {
    spdlog::error("schedule add: --site {}: {}", args.site, program.status().message());
    return kExitUsage;
  }
  auto cron = schedule::CronSchedule::Parse(args.cron);
  if (!cron.ok()) {
    const std::string& message = cron.status().message();
    spdlog::error("schedule add: --cron '{}': {}\n{}", args.cron, message, Caret(args.cron, ColumnOf(message)));
    return kExitUsage;
  }
  job.schedule = std::move(*cron);
  job.time_zone = args.time_zone;
  auto zone = schedule::LocateTimeZone(args.time_zone);
  if (!zone.ok()) {
    spdlog::error("schedule add: --time-zone: {}", zone.status().message());
    return kExitUsage;
  }
  job.zone = *zone;
  job.missed = args.missed == "run_once" ? schedule::MissedRunPolicy::kRunOnce : schedule::MissedRunPolicy::kSkip;
  job.paused = args.paused;
  if (args.max_pages >= 0) job.options.max_pages = args.max_pages;
  job.options.recrawl = args.recrawl == "all" ? schedule::RecrawlPolicy::kAll : schedule::RecrawlPolicy::kDue;
  if (!args.export_path.empty()) {
    Status path_ok = schedule::CheckExportPath(args.export_path);
    if (!path_ok.ok()) {
      spdlog::error("schedule add: --export: {}", path_ok.message());
      return kExitUsage;
    }
    schedule::ExportSpec spec;
    spec.out = args.export_path;
    std::string format = args.export_format;
    if (format.empty()) {
      const std::string ext = fs::path(args.export_path).extension().string();
      if (ext == ".jsonl" || ext == ".csv") format = ext.substr(1);
    }
    if (format.empty()) {
      spdlog::error("schedule add: --export-format is needed (jsonl or csv): it cannot be told from '{}'",
                    args.export_path);
      return kExitUsage;
    }
    spec.format = format == "csv" ? schedule::ExportFormat::kCsv : schedule::ExportFormat::kJsonl;
    job.options.export_to = std::move(spec);
  } else if (!args.export_format.empty()) {
    spdlog::error("schedule add: --export-format needs --export PATH");
    return kExitUsage;
  }

  for (const auto& [flag, urls] : {std::pair{"--start-url", &args.start_urls}, std::pair{"--sitemap", &args.sitemaps}}) {
    for (const std::string& url : *urls) {
      Status usable = schedule::CheckJobUrl(url);
      if (!usable.ok()) {
        spdlog::error("schedule add: {}: {}", flag, usable.message());
        return kExitUsage;
      }
    }
  }
  if (args.no_sitemaps && !args.sitemaps.empty()) {
    spdlog::error("schedule add: --sitemap and --no-sitemaps exclude each other");
    return kExitUsage;
  }
  job.options.start_urls = args.start_urls;
  if (args.delay >= 0) job.options.delay_seconds = args.delay;
  if (args.concurrency > 0) job.options.concurrency = args.concurrency;
  if (!args.sitemaps.empty()) job.options.sitemaps = args.sitemaps;
  job.options.read_sitemaps = !args.no_sitemaps;

  auto store = OpenDb(args.db, /*create=*/true);
  if (!store.ok()) return StorageExit(store.status());
  auto existing = (*store)->GetJob(job.name);
  if (!existing.ok()) return StorageExit(existing.status());
  if (*existing) {
    spdlog::error("schedule add: job '{}' already exists ({}); remove it first with `healthcrawl schedule remove {}`",
                  job.name,
                  (*existing)->source == "file" ? "loaded from " + (*existing)->source_file : "added with schedule add",
                  job.name);
    return kExitUsage;
  }
  const TimePoint now = SystemClock().Now();
  Status put = (*store)->PutJob(schedule::ToJobRecord(job, "cli", {}), now);
  if (!put.ok()) return StorageExit(put);
  Print("added job " + job.name + ": site " + job.site + ", cron '" + job.schedule.text() + "' in " +
        (job.time_zone.empty() ? std::string("the machine's zone") : job.time_zone) + ", missed runs: " +
        std::string(schedule::ToString(job.missed)) + (job.paused ? ", paused" : "") + "; next run " +
        (job.paused ? std::string("(paused)") : LocalTime(job.NextAfter(now), job.zone)));
  return kExitOk;
}

int RunLoad(const ScheduleArgs& args, const CommandContext& ctx) {
  auto file = schedule::LoadJobsFile(args.file);
  if (!file.ok()) {
    spdlog::error("{}", file.status().message());
    return kExitUsage;
  }
  Status sites = schedule::CheckSites(*file, KnownSites(ctx.selectors_dir));
  if (!sites.ok()) {
    spdlog::error("{}", sites.message());
    return kExitUsage;
  }
  auto store = OpenDb(args.db, /*create=*/true);
  if (!store.ok()) return StorageExit(store.status());
  auto report = schedule::SyncJobsFile(*file, args.file, **store, SystemClock().Now());
  if (!report.ok()) {
    spdlog::error("{}", report.status().message());
    return report.status().code() == StatusCode::kConfigError ? kExitUsage : kExitStorage;
  }
  Print(args.file + ": " + std::to_string(report->added) + " added, " + std::to_string(report->updated) +
        " updated, " + std::to_string(report->removed) + " removed");
  return kExitOk;
}

int RunList(const ScheduleArgs& args) {
  auto store = OpenDb(args.db, /*create=*/false);
  if (!store.ok()) return StorageExit(store.status());
  auto jobs = (*store)->ListJobs();
  if (!jobs.ok()) return StorageExit(jobs.status());
  auto locks = (*store)->ListJobLocks();
  if (!locks.ok()) return StorageExit(locks.status());
  std::map<std::string, store::JobLock> held;
  for (auto& lock : *locks) held[lock.job] = lock;
  const TimePoint now = SystemClock().Now();

  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  if (!args.json) {
    char line[512];
    std::snprintf(line, sizeof line, "%-20s %-8s %-16s %-16s %-9s %-28s %-5s %s", "NAME", "SITE", "CRON", "ZONE",
                  "MISSED", "STATE", "FROM", "NEXT RUN");
    Print(line);
  }
  for (const store::JobRecord& record : *jobs) {
    auto spec = schedule::FromJobRecord(record);
    std::string state = record.paused ? "paused" : record.paused_in_file ? "paused (in file)" : "active";
    if (auto it = held.find(record.name); it != held.end()) {
      state = "running (" + it->second.owner + ")";
      if (it->second.expires_at < now) state = "lock expired (" + it->second.owner + ")";
    }
    std::string next = "-";
    if (!spec.ok()) {
      state = "broken: " + spec.status().message();
    } else if (!spec->paused) {
      next = LocalTime(spec->NextAfter(now), spec->zone);
    }
    if (args.json) {
      out.push_back({{"name", record.name},
                     {"site", record.site},
                     {"cron", record.cron},
                     {"time_zone", record.time_zone},
                     {"missed", record.missed},
                     {"paused", record.paused || record.paused_in_file},
                     {"state", state},
                     {"source", record.source},
                     {"source_file", record.source_file},
                     {"options", record.options},
                     {"next_run", spec.ok() && !spec->paused ? FormatUtc(spec->NextAfter(now)) : ""}});
      continue;
    }
    char line[1024];
    std::snprintf(line, sizeof line, "%-20s %-8s %-16s %-16s %-9s %-28s %-5s %s", record.name.c_str(),
                  record.site.c_str(), record.cron.c_str(),
                  record.time_zone.empty() ? "(machine)" : record.time_zone.c_str(), record.missed.c_str(),
                  state.c_str(), record.source.c_str(), next.c_str());
    Print(line);
  }
  if (args.json) Print(out.dump(2));
  std::fflush(stdout);
  return kExitOk;
}

int RunRemove(const ScheduleArgs& args) {
  auto store = OpenDb(args.db, /*create=*/false);
  if (!store.ok()) return StorageExit(store.status());
  auto job = (*store)->GetJob(args.name);
  if (!job.ok()) return StorageExit(job.status());
  if (!*job) {
    spdlog::error("schedule remove: no job named '{}'", args.name);
    return kExitUsage;
  }
  auto removed = (*store)->RemoveJob(args.name);
  if (!removed.ok()) return StorageExit(removed.status());
  Print("removed job " + args.name);
  if ((*job)->source == "file") {
    spdlog::warn("job {} comes from {}: loading that file again adds it back", args.name, (*job)->source_file);
  }
  return kExitOk;
}

int RunPause(const ScheduleArgs& args, bool paused) {
  auto store = OpenDb(args.db, /*create=*/false);
  if (!store.ok()) return StorageExit(store.status());
  const char* verb = paused ? "pause" : "resume";
  auto job = (*store)->GetJob(args.name);
  if (!job.ok()) return StorageExit(job.status());
  if (!*job) {
    spdlog::error("schedule {}: no job named '{}'", verb, args.name);
    return kExitUsage;
  }
  auto set = (*store)->SetJobPaused(args.name, paused, SystemClock().Now());
  if (!set.ok()) return StorageExit(set.status());
  Print(std::string(paused ? "paused" : "resumed") + " job " + args.name);
  if (!paused && (*job)->paused_in_file) {
    spdlog::warn("job {} is still paused by `paused: true` in {}", args.name, (*job)->source_file);
  }
  return kExitOk;
}

// How a run came about: "manual" (`schedule run`), "catch-up" (a missed fire time run late, policy
// run_once), "schedule" (a fire time), or "-" for a crawl run by hand.
std::string TriggerOf(const store::RunRecord& run) {
  if (run.info.job.empty()) return "-";
  if (run.info.command == "schedule run") return "manual";
  return run.stats.extra.value("catch_up", false) ? "catch-up" : "schedule";
}

int RunHistory(const ScheduleArgs& args) {
  auto store = OpenDb(args.db, /*create=*/false);
  if (!store.ok()) return StorageExit(store.status());
  auto runs = (*store)->ListRuns(args.name, args.all, args.limit);
  if (!runs.ok()) return StorageExit(runs.status());
  if (!args.name.empty() && runs->empty()) {
    // A removed job's runs are still shown; a name with neither a job nor runs is a mistake.
    auto job = (*store)->GetJob(args.name);
    if (!job.ok()) return StorageExit(job.status());
    if (!*job) {
      spdlog::error("schedule history: no job named '{}' and no runs of one", args.name);
      return kExitUsage;
    }
  }
  auto locks = (*store)->ListJobLocks();
  if (!locks.ok()) return StorageExit(locks.status());
  auto outcome_of = [&](const store::RunRecord& run) -> std::string {
    if (run.finished) return run.stats.outcome;
    for (const auto& lock : *locks) {
      if (lock.run_id == run.id) return "running";
    }
    return run.info.job.empty() ? "unfinished" : "running?";
  };
  if (args.json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& run : *runs) {
      out.push_back({{"id", run.id},
                     {"job", run.info.job},
                     {"command", run.info.command},
                     {"site", run.info.sites},
                     {"started_at", FormatUtc(run.info.started_at)},
                     {"finished_at", run.finished ? FormatUtc(run.stats.finished_at) : ""},
                     {"outcome", outcome_of(run)},
                     {"trigger", TriggerOf(run)},
                     {"pages_fetched", run.stats.pages_fetched},
                     {"pages_new", run.stats.pages_new},
                     {"pages_changed", run.stats.pages_changed},
                     {"pages_unchanged", run.stats.pages_unchanged},
                     {"pages_gone", run.stats.pages_gone},
                     {"pages_failed", run.stats.pages_failed},
                     {"extra", run.stats.extra}});
    }
    Print(out.dump(2));
    return kExitOk;
  }
  char line[512];
  std::snprintf(line, sizeof line, "%-6s %-20s %-20s %-20s %-12s %7s %5s %7s %9s %6s  %s", "RUN", "JOB",
                "STARTED (UTC)", "FINISHED (UTC)", "OUTCOME", "FETCHED", "NEW", "CHANGED", "UNCHANGED", "FAILED",
                "TRIGGER");
  Print(line);
  for (const auto& run : *runs) {
    std::snprintf(line, sizeof line, "%-6lld %-20s %-20s %-20s %-12s %7s %5s %7s %9s %6s  %s",
                  static_cast<long long>(run.id), run.info.job.empty() ? "(by hand)" : run.info.job.c_str(),
                  FormatUtc(run.info.started_at).c_str(),
                  run.finished ? FormatUtc(run.stats.finished_at).c_str() : "-", outcome_of(run).c_str(),
                  std::to_string(run.stats.pages_fetched).c_str(), std::to_string(run.stats.pages_new).c_str(),
                  std::to_string(run.stats.pages_changed).c_str(), std::to_string(run.stats.pages_unchanged).c_str(),
                  std::to_string(run.stats.pages_failed).c_str(), TriggerOf(run).c_str());
    Print(line);
    // A degraded run names its fields (docs/drift.md); the JSON has them in extra.drift.
    for (const std::string& alarm : DriftLines(run.stats.extra)) Print("       degraded: " + alarm);
  }
  std::fflush(stdout);
  return kExitOk;
}

int RunNext(const ScheduleArgs& args) {
  auto store = OpenDb(args.db, /*create=*/false);
  if (!store.ok()) return StorageExit(store.status());
  auto jobs = (*store)->ListJobs();
  if (!jobs.ok()) return StorageExit(jobs.status());
  const TimePoint now = SystemClock().Now();
  bool found = args.name.empty();
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const store::JobRecord& record : *jobs) {
    if (!args.name.empty() && record.name != args.name) continue;
    found = true;
    auto spec = schedule::FromJobRecord(record);
    if (!spec.ok()) {
      spdlog::error("{}", spec.status().message());
      continue;
    }
    std::vector<TimePoint> times;
    if (!spec->paused) {
      TimePoint t = now;
      for (int i = 0; i < args.count; ++i) {
        t = spec->NextAfter(t);
        if (t == schedule::kNever) break;
        times.push_back(t);
      }
    }
    if (args.json) {
      nlohmann::ordered_json list = nlohmann::ordered_json::array();
      for (TimePoint t : times) list.push_back({{"utc", FormatUtc(t)}, {"local", LocalTime(t, spec->zone)}});
      out.push_back({{"name", record.name}, {"paused", spec->paused}, {"next", list}});
      continue;
    }
    if (spec->paused) {
      Print(record.name + ": paused");
      continue;
    }
    for (TimePoint t : times) Print(record.name + "\t" + LocalTime(t, spec->zone) + "\t" + FormatUtc(t));
  }
  if (!found) {
    spdlog::error("schedule next: no job named '{}'", args.name);
    return kExitUsage;
  }
  if (args.json) Print(out.dump(2));
  std::fflush(stdout);
  return kExitOk;
}

void RegisterSchedule(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ScheduleArgs>();
  CLI::App* schedule = app.add_subcommand("schedule", "Define scheduled crawl jobs and read their run history");
  schedule->require_subcommand(1);
  schedule->footer("Exit codes: 0 done; 2 bad arguments (bad cron, zone, site or job name; unknown job);\n"
                   "3 the database could not be used; `schedule run` as `crawl`, and 75 when the job is\n"
                   "running already. The daemon is `healthcrawl scheduler run`.");

  CLI::App* add = schedule->add_subcommand("add", "Add a job");
  add->add_option("name", args->name, "Job name: letters, digits, . _ -")->required();
  add->add_option("--site", args->site, "Site key: selectors/<SITE>.yaml")->required();
  add->add_option("--cron", args->cron, "5-field cron expression or @daily/@hourly/...")->required();
  add->add_option("--time-zone", args->time_zone, "IANA zone the expression is read in (default: the machine's)");
  add->add_option("--missed", args->missed, "After downtime: skip missed runs, or run once to catch up")
      ->check(CLI::IsMember({"skip", "run_once"}))
      ->capture_default_str();
  add->add_option("--max-pages", args->max_pages, "Pages per run (default: the site config's; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  add->add_option("--recrawl", args->recrawl, "due: only pages whose revisit interval passed; all: every page")
      ->check(CLI::IsMember({"due", "all"}))
      ->capture_default_str();
  add->add_option("--export", args->export_path,
                  "Export after each run: a .jsonl/.csv file or a folder; {job} {site} {date} {time} allowed");
  add->add_option("--export-format", args->export_format, "jsonl or csv (default: from the --export extension)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  add->add_flag("--paused", args->paused, "Add the job paused");
  add->add_option("--start-url", args->start_urls, "Start here instead of the config's start_urls (repeatable)");
  add->add_option("--delay", args->delay, "Seconds between requests to a host (default: config)")
      ->check(CLI::Range(0.0, schedule::kMaxJobDelaySeconds));
  add->add_option("--concurrency", args->concurrency, "Requests in flight per host (default: config)")
      ->check(CLI::Range(1, schedule::kMaxJobConcurrency));
  add->add_option("--sitemap", args->sitemaps, "Read this sitemap instead of the config's (repeatable)");
  add->add_flag("--no-sitemaps", args->no_sitemaps, "Read no sitemaps (neither the config's nor robots.txt's)");

  CLI::App* load = schedule->add_subcommand("load", "Load a jobs file (jobs.yaml) into the database");
  load->add_option("file", args->file, "The jobs file")->required()->check(CLI::ExistingFile);

  CLI::App* list = schedule->add_subcommand("list", "List the jobs");
  CLI::App* remove = schedule->add_subcommand("remove", "Remove a job");
  CLI::App* pause = schedule->add_subcommand("pause", "Pause a job (its fire times pass without a run)");
  CLI::App* resume = schedule->add_subcommand("resume", "Resume a paused job (no catch-up for the pause)");
  for (CLI::App* cmd : {remove, pause, resume}) cmd->add_option("name", args->name, "Job name")->required();
  CLI::App* history = schedule->add_subcommand("history", "Show the runs, newest first");
  history->add_option("job", args->name, "Only this job's runs");
  history->add_option("--limit", args->limit, "At most N runs")->capture_default_str()->check(CLI::PositiveNumber);
  history->add_flag("--all", args->all, "Include crawls run by hand");
  CLI::App* next = schedule->add_subcommand("next", "Show the next fire times");
  next->add_option("job", args->name, "Only this job");
  next->add_option("--count", args->count, "Fire times per job")->capture_default_str()->check(CLI::Range(1, 1000));
  for (CLI::App* cmd : {list, history, next}) cmd->add_flag("--json", args->json, "JSON on stdout");
  for (CLI::App* cmd : {add, load, list, remove, pause, resume, history, next}) {
    AddDbOption(cmd, args->db, "SQLite file or PostgreSQL location");
  }

  add->callback([args, &ctx] { ctx.exit_code = RunAdd(*args, ctx); });
  load->callback([args, &ctx] { ctx.exit_code = RunLoad(*args, ctx); });
  list->callback([args, &ctx] { ctx.exit_code = RunList(*args); });
  remove->callback([args, &ctx] { ctx.exit_code = RunRemove(*args); });
  pause->callback([args, &ctx] { ctx.exit_code = RunPause(*args, true); });
  resume->callback([args, &ctx] { ctx.exit_code = RunPause(*args, false); });
  history->callback([args, &ctx] { ctx.exit_code = RunHistory(*args); });
  next->callback([args, &ctx] { ctx.exit_code = RunNext(*args); });
}

static CommandRegistration reg(90, &RegisterSchedule);

}  // namespace
}  // namespace hc::cli
