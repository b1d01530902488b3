// `healthcrawl crawl --site SITE [--db PATH] [--max-pages N] [--max-dataset-pages N] [--max-depth N] [--workers N]
// [--concurrency N] [--delay SECONDS] [--retries N] [--connect-to H:P:H2:P2 ...] [--cacert FILE]
// [--allow-private-addresses] [--start-url URL ...] [--warc DIR] [--recrawl due|all] [--no-sitemaps]
// [--no-progress] [--max-idle-wait SECONDS] [--clear-holds] [--user-agent UA] [--header 'Name: value' ...]
// [--cookie-jar FILE] [--proxy URL] [--summary text|json]`:
// crawls one site into
// the crawl database (docs/crawling.md). The frontier lives in the same database, so running the
// command again after an interruption (Ctrl-C, kill -9, a crash) resumes the crawl.
//
// Progress goes to stderr (a line refreshed in place on a terminal, periodic log lines otherwise); the
// summary goes to stdout. Exit codes: 0 the crawl ran (pages that failed are recorded in the database,
// they are data, not an error), or had nothing due; 1 the crawl could not proceed (the fetcher could
// not start), reached no origin (outcome `unreachable`), or found every queued URL waiting for an
// earlier failure's backoff or hold (outcome `waiting`); 2 bad arguments or a broken config; 3 the
// database or WARC folder could not be used; 75 refused, another process crawls the site into this
// database (the message names it: pid, host, since, command; try again later); 130 stopped by
// SIGINT/SIGTERM/SIGHUP after a clean shutdown (in-flight URLs back in the queue, everything committed).
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/request_args.h"
#include "cli/stop_signals.h"
#include "core/clock.h"
#include "crawl/crawl.h"
#include "extract/extract.h"
#include "store/database.h"
#include "store/holder_lock.h"
#include "store/host_pace.h"
#include "store/warc.h"

namespace hc::cli {
namespace {

struct CrawlArgs {
  std::string site;
  std::string db = "healthcrawl.db";
  int max_pages = -1;
  int batch_pages = 0;  // the backend's (StoreOptions::batch_pages)
  int max_dataset_pages = -1;
  int max_depth = -1;
  double max_idle_wait = -1;
  bool clear_holds = false;
  int workers = 0;
  int concurrency = 0;
  double delay = -1;
  int retries = 2;
  std::vector<std::string> connect_to;
  std::string cacert;
  bool allow_private = false;
  std::vector<std::string> start_urls;
  std::string warc_dir;
  bool no_progress = false;
  std::string recrawl = "due";
  bool no_sitemaps = false;
  RequestArgs request;
  std::string summary = "text";
};

int StorageExit(const Status& s) {
  spdlog::error("{}", s.ToString());
  return kExitStorage;
}

void PrintSummary(const std::string& site, const crawl::CrawlReport& r) {
  std::printf("crawl %s: %lld pages in %.1f s (%.1f pages/s): %lld stored, %lld unchanged, %lld failed, "
              "%lld redirected, %lld retries; %lld requests, %.1f MiB; frontier %lld queued, %lld done, "
              "%lld failed%s\n",
              site.c_str(), static_cast<long long>(r.stored + r.pages_unchanged + r.failed), r.elapsed.count(),
              r.pages_per_second(), static_cast<long long>(r.stored), static_cast<long long>(r.pages_unchanged),
              static_cast<long long>(r.failed),
              static_cast<long long>(r.redirected), static_cast<long long>(r.retries),
              static_cast<long long>(r.requests), static_cast<double>(r.bytes) / (1024.0 * 1024.0),
              static_cast<long long>(r.frontier.queued), static_cast<long long>(r.frontier.done),
              static_cast<long long>(r.frontier.failed), r.interrupted ? " (interrupted)" : "");
  std::printf("  visits: %lld new, %lld changed, %lld unchanged, %lld gone; %lld due for a revisit at the start\n",
              static_cast<long long>(r.pages_new), static_cast<long long>(r.pages_changed),
              static_cast<long long>(r.pages_unchanged), static_cast<long long>(r.pages_gone),
              static_cast<long long>(r.requeued));
  for (const auto& [reason, count] : r.failures) {
    std::printf("  failed: %-40s %lld\n", reason.c_str(), static_cast<long long>(count));
  }
  const std::string_view outcome = crawl::RunOutcome(r);
  std::printf("  outcome: %.*s", static_cast<int>(outcome.size()), outcome.data());
  if (outcome == "unreachable") {
    std::printf(": no origin could be reached\n");
    for (const auto& [origin, why] : r.unreachable_origins) {
      std::printf("  unreachable: %s/robots.txt: %s\n", origin.c_str(), why.c_str());
    }
  } else if (outcome == "waiting") {
    std::printf(": %lld queued URLs wait for the backoff or hold of earlier failures", static_cast<long long>(r.frontier.queued));
    if (r.next_due) std::printf(" until %s", FormatUtc(*r.next_due).c_str());
    std::printf("\n");
  } else if (outcome == "nothing due") {
    std::printf(": no URL was queued and no known page was due for a revisit\n");
  } else if (outcome == "degraded") {
    std::printf(": fill rates fell below their baselines (docs/drift.md)\n");
    for (const std::string& line : crawl::DescribeAlarms(r.drift.alarms)) std::printf("  degraded: %s\n", line.c_str());
  } else if (r.dataset_limit_reached) {
    std::printf(": the dataset limit (--max-dataset-pages) is already reached\n");
  } else {
    std::printf("\n");
  }
  if ((outcome == "unreachable" || outcome == "waiting") && r.frontier.queued > 0) {
    std::printf("  once the address works: healthcrawl crawl --site %s --clear-holds ... tries them at once\n",
                site.c_str());
  }
  std::fflush(stdout);
}

int RunCrawlCommand(const CrawlArgs& args, const CommandContext& ctx) {
  auto program = extract::LoadSite(ctx.selectors_dir, args.site);
  if (!program.ok()) {
    spdlog::error("{}", program.status().message());
    return kExitUsage;
  }
  crawl::CrawlOptions options;
  options.start_urls = args.start_urls;
  options.max_pages = args.max_pages;
  options.max_dataset_pages = args.max_dataset_pages;
  if (args.max_idle_wait >= 0) {
    options.max_idle_wait = std::chrono::milliseconds(static_cast<int64_t>(args.max_idle_wait * 1000));
  }
  options.max_depth = args.max_depth;
  options.workers = args.workers;
  options.concurrency = args.concurrency;
  if (args.delay >= 0) options.delay_seconds = args.delay;
  options.max_attempts = args.retries + 1;
  options.fetcher.connect_to = args.connect_to;
  options.fetcher.ca_file = args.cacert;
  options.fetcher.allow_private_addresses = args.allow_private;
  options.read_sitemaps = !args.no_sitemaps;
  options.recrawl = args.recrawl == "all" ? crawl::CrawlOptions::Recrawl::kAll : crawl::CrawlOptions::Recrawl::kDue;
  options.progress = args.no_progress ? crawl::CrawlOptions::Progress::kOff : crawl::CrawlOptions::Progress::kAuto;
  auto request = args.request.Overrides();
  if (!request.ok()) {
    spdlog::error("{}", request.status().message());
    return kExitUsage;
  }
  options.request = std::move(*request);

  std::unique_ptr<store::HolderLock> crawl_lock;  // outlives the store: released after its last write
  auto store = store::OpenDatabase(args.db, {.batch_pages = args.batch_pages});
  if (!store.ok()) return StorageExit(store.status());
  // One crawl of a site per SQLite database (store/holder_lock.h): a second is refused before it
  // changes anything, naming the first. Sharing a crawl between processes is PostgreSQL's job: its
  // frontier leases each URL to one process (docs/postgresql.md), so no lock file there.
  const bool postgres = store::IsPostgresLocation(args.db);
  if (!postgres) {
    auto lock = store::LockSiteCrawl(args.db, program->config().key, "healthcrawl crawl --site " + args.site);
    if (!lock.ok()) {
      if (lock.status().code() != StatusCode::kBusy) return StorageExit(lock.status());
      spdlog::error("crawl {}: {}; not started", args.site, lock.status().message());
      return kExitBusy;
    }
    crawl_lock = std::move(*lock);
  }
  std::unique_ptr<store::WarcWriter> warc;
  if (!args.warc_dir.empty()) {
    auto writer = store::WarcWriter::Create({.dir = args.warc_dir});
    if (!writer.ok()) return StorageExit(writer.status());
    warc = std::move(*writer);
    options.warc = warc.get();
  }
  options.runs = store->get();
  options.fill_history = store->get();
  // Politeness for every process crawling this database (one start slot per origin, robots.txt once):
  // on PostgreSQL a connection of its own; on SQLite the crawl paces itself (store/host_pace.h).
  auto host_pace = store::OpenHostPace(args.db);
  if (!host_pace.ok()) return StorageExit(host_pace.status());
  options.host_pace = host_pace->get();
  if (args.clear_holds) {
    auto cleared = (*store)->ClearWaits(program->config().key, SystemClock().Now());
    Status flushed = cleared.ok() ? (*store)->Flush() : cleared.status();
    if (!flushed.ok()) return StorageExit(flushed);
    spdlog::info("crawl {}: --clear-holds: {} waiting URLs are due now", args.site, *cleared);
  }
  // The poison-page marks are a file beside the SQLite database, one crawl per file; on PostgreSQL,
  // where several processes share a site, rows of the database's parse_marks (docs/postgresql.md).
  if (postgres) {
    options.parse_marks_db = args.db;
  } else {
    options.parse_marks = crawl::ParseMarksPath(args.db, args.site);
  }

  Result<crawl::CrawlReport> report = [&] {
    StopSignals signals(/*hangup=*/true);
    options.stop = &StopSignals::flag();
    // Destroyed before the report is printed: that writes the cookie jar file back.
    auto fetcher = crawl::NewCrawlFetcher(program->config(), options);
    if (!fetcher.ok()) return Result<crawl::CrawlReport>(fetcher.status());
    return crawl::RunCrawl(*program, **store, **fetcher, options);
  }();
  if (warc) {
    Status closed = warc->Close();
    if (!closed.ok() && report.ok()) return StorageExit(closed);
    spdlog::info("WARC written to {}", warc->current_file().string());
  }
  if (!report.ok()) {
    const Status& s = report.status();
    spdlog::error("crawl {}: {}", args.site, s.ToString());
    switch (s.code()) {
      case StatusCode::kInvalidArgument:
      case StatusCode::kConfigError: return kExitUsage;
      case StatusCode::kIoError:
      case StatusCode::kCorruption:
      case StatusCode::kBusy:
      case StatusCode::kTooLarge: return kExitStorage;
      default: return kExitFailure;
    }
  }
  if (args.summary == "json") {
    const std::string json = CrawlSummaryJson(args.site, *report).dump() + "\n";
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
  } else {
    PrintSummary(args.site, *report);
  }
  if (report->interrupted) return kExitInterrupted;
  if (report->drift.degraded()) return kExitDegraded;
  return crawl::RunOutcomeFailed(crawl::RunOutcome(*report)) ? kExitFailure : kExitOk;
}

void RegisterCrawl(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<CrawlArgs>();
  CLI::App* cmd = app.add_subcommand("crawl", "Crawl a site into the database (resumable)");
  cmd->add_option("--site", args->site, "Site key: selectors/<SITE>.yaml")->required();
  AddDbOption(cmd, args->db, "SQLite database (pages and the crawl frontier)");
  cmd->add_option("--batch-pages", args->batch_pages,
                  "Pages written per database transaction (default 200 on SQLite, 1 on PostgreSQL; 1 commits "
                  "every page; a batch also commits after 2 s)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--max-pages", args->max_pages,
                  "Stop after this run completed N pages (stored, unchanged or failed), whatever the database "
                  "already holds (default: config limits.max_pages; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-dataset-pages", args->max_dataset_pages,
                  "Complete no more once N URLs of the site are done or failed in the database, earlier runs "
                  "included (default: config limits.max_dataset_pages; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-depth", args->max_depth, "Follow links at most N deep (default: config; 0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", args->workers, "Parse/extract threads (default: one per core)")->check(CLI::Range(1, 256));
  cmd->add_option("--concurrency", args->concurrency, "Requests in flight per host (default: config)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--delay", args->delay, "Seconds between requests to a host (default: config; robots.txt "
                                          "Crawl-delay wins when larger)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--retries", args->retries, "Retries of network errors, timeouts, 5xx and 429")
      ->capture_default_str()
      ->check(CLI::Range(0, 20));
  cmd->add_option("--connect-to", args->connect_to,
                  "HOST:PORT:CONNECT_HOST:CONNECT_PORT: connect there instead (an offline copy of a site)");
  cmd->add_option("--cacert", args->cacert, "CA bundle (PEM) to verify servers with")->check(CLI::ExistingFile);
  cmd->add_flag("--allow-private-addresses", args->allow_private,
                "Allow loopback and private addresses (intranet copies, tests)");
  cmd->add_option("--start-url", args->start_urls, "Start here instead of the config's start_urls");
  cmd->add_option("--warc", args->warc_dir, "Also write every page response as WARC 1.1 into this folder");
  cmd->add_option("--recrawl", args->recrawl,
                  "Known pages to fetch again: due (their page type's revisit interval has passed) or all")
      ->capture_default_str()
      ->check(CLI::IsMember({"due", "all"}));
  cmd->add_flag("--no-sitemaps", args->no_sitemaps,
                "Do not read sitemaps (the config's, or robots.txt Sitemap: lines); follow links only");
  cmd->add_flag("--no-progress", args->no_progress, "No progress output on stderr");
  cmd->add_option("--max-idle-wait", args->max_idle_wait,
                  "With nothing in flight, wait at most SECONDS for URLs held by a backoff, a Retry-After or an "
                  "unreachable robots.txt before ending the run (default 300)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--clear-holds", args->clear_holds,
                "First make the site's waiting URLs (retry backoffs, holds of an unreachable robots.txt) due "
                "now and forget their failed attempts: after fixing an address");
  args->request.Register(cmd);
  cmd->add_option("--summary", args->summary, "The end-of-crawl summary on stdout: text, or json (one object)")
      ->capture_default_str()
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case));
  cmd->footer("Exit codes: 0 the crawl ran (failed pages are recorded in the database), or nothing was due;\n"
              "1 the crawl could not proceed, reached no origin (unreachable) or found every queued URL still\n"
              "waiting after earlier failures (waiting: --clear-holds); 2 bad arguments or config; 3 database\n"
              "or WARC folder unusable; 4 the run completed but is degraded (a field's fill rate fell below its\n"
              "baseline: docs/drift.md); 75 another process is crawling the site into this database (refused,\n"
              "the holder named; try again later); 130 interrupted by SIGINT/SIGTERM/SIGHUP (run the same\n"
              "command again to resume).");
  cmd->callback([args, &ctx] { ctx.exit_code = RunCrawlCommand(*args, ctx); });
}

static CommandRegistration reg(10, &RegisterCrawl);

}  // namespace
}  // namespace hc::cli
