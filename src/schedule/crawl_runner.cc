// The Scheduler's real JobRunner: one scheduled run = crawl the job's site, then export. Each run opens
// its own connection to the database (the scheduler's own connection belongs to the scheduler's
// thread), and records nothing itself: the Scheduler writes the crawl_runs row from what it returns.
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "extract/extract.h"
#include "schedule/run_progress_internal.h"
#include "schedule/schedule.h"
#include "store/database.h"
#include "store/export.h"
#include "store/holder_lock.h"
#include "store/host_pace.h"

namespace hc::schedule {
namespace {

// What the job's export writes (see CrawlRunnerOptions).
store::ExportOptions ExportFor(const JobSpec& job, const std::filesystem::path& out, TimePoint now) {
  store::ExportOptions options;
  options.format = job.options.export_to->format == ExportFormat::kCsv ? store::ExportFormat::kCsv
                                                                       : store::ExportFormat::kJsonl;
  options.out = out;
  options.site = job.site;
  options.force = true;  // a path without {date}/{time} is rewritten by every run
  options.now = now;
  const std::string ext = out.extension().string();
  if (ext == ".jsonl" && options.format == store::ExportFormat::kJsonl) {
    options.nested = true;
  } else if (ext == ".csv" && options.format == store::ExportFormat::kCsv) {
    options.table = "articles";
  } else {
    options.all = true;
  }
  return options;
}

Result<store::RunStats> RunOnce(const CrawlRunnerOptions& options, const JobRun& run) {
  const JobSpec& job = run.job;
  auto program = extract::LoadSite(options.selectors_dir, job.site);
  if (!program.ok()) return program.status();
  std::unique_ptr<store::HolderLock> crawl_lock;  // outlives the store: released after its last write
  auto store = store::OpenDatabase(options.db);
  if (!store.ok()) return store.status();
  // The site's crawl lock (store/holder_lock.h): a `crawl` of the site that started after the
  // scheduler's look (Step, RunNow) makes this run fail here rather than share the frontier. On
  // PostgreSQL there is no lock file, as for `crawl` (docs/postgresql.md): its frontier leases each URL
  // to one process.
  const bool postgres = store::IsPostgresLocation(options.db.string());
  if (!postgres) {
    auto lock = store::LockSiteCrawl(
        options.db, job.site,
        run.manual ? "healthcrawl schedule run " + job.name
                   : "healthcrawl scheduler run: job " + job.name + ", run " + std::to_string(run.run_id));
    if (!lock.ok()) return lock.status();
    crawl_lock = std::move(*lock);
  }

  crawl::CrawlOptions crawl = CrawlOptionsFor(job, options.crawl);
  crawl.job = job.name;
  crawl.request = job.options.request;
  // Poison pages: a marks file beside a SQLite database; rows of parse_marks on PostgreSQL, as for `crawl`.
  if (postgres) {
    crawl.parse_marks_db = options.db.string();
  } else {
    crawl.parse_marks = crawl::ParseMarksPath(options.db, job.site);
  }
  crawl.stop = run.stop;
  // The Scheduler records the run (one row, also when the crawl cannot start); the crawl reports its
  // progress into that row (run_progress_internal.h).
  auto progress_rows = store::OpenRunProgress(options.db, std::chrono::seconds(5));
  if (!progress_rows.ok()) spdlog::warn("job {}: no progress rows: {}", job.name, progress_rows.status().ToString());
  internal::ScheduledRunLog progress(run.run_id, progress_rows.ok() ? std::move(*progress_rows) : nullptr);
  crawl.runs = run.run_id != 0 ? &progress : nullptr;
  crawl.run_id = run.run_id;
  crawl.fill_history = store->get();
  // One politeness for every process crawling the database, as for `crawl` (store/host_pace.h).
  auto host_pace = store::OpenHostPace(options.db.string());
  if (!host_pace.ok()) return host_pace.status();
  crawl.host_pace = host_pace->get();
  auto report = [&]() -> Result<crawl::CrawlReport> {
    auto fetcher = crawl::NewCrawlFetcher(program->config(), crawl);
    if (!fetcher.ok()) return fetcher.status();
    return crawl::RunCrawl(*program, **store, **fetcher, crawl);
  }();
  if (!report.ok()) return report.status();

  store::RunStats stats;
  stats.outcome = std::string(crawl::RunOutcome(*report));
  stats.pages_fetched = report->fetched;
  stats.pages_stored = report->stored;
  stats.pages_failed = report->failed;
  stats.bytes_fetched = report->bytes;
  stats.pages_new = report->pages_new;
  stats.pages_changed = report->pages_changed;
  stats.pages_unchanged = report->pages_unchanged;
  stats.pages_gone = report->pages_gone;
  stats.extra = {{"requests", report->requests},     {"redirected", report->redirected},
                 {"retries", report->retries},       {"sitemaps", report->sitemaps},
                 {"requeued", report->requeued},     {"queued", report->frontier.queued},
                 {"recrawl", std::string(ToString(job.options.recrawl))},
                 {"failures", report->failures}};
  if (!report->drift.judged.empty()) stats.extra["drift"] = crawl::DriftToJson(report->drift);

  if (job.options.export_to && !report->interrupted) {
    const SystemClock system_clock;
    const Clock& clock = options.clock != nullptr ? *options.clock : system_clock;
    const std::filesystem::path out = ExpandExportPath(job, run.scheduled_for);
    std::error_code ec;
    const bool as_folder = out.extension() != ".jsonl" && out.extension() != ".csv";
    std::filesystem::create_directories(as_folder ? out : out.parent_path(), ec);
    auto exported = store::RunExport(**store, ExportFor(job, out, clock.Now()));
    if (!exported.ok()) {
      stats.outcome = "failed";
      stats.extra["error"] = "export to " + out.string() + ": " + exported.status().ToString();
      return stats;
    }
    int64_t rows = 0;
    for (const auto& [file, count] : exported->files) rows += count;
    stats.extra["export"] = {{"path", out.string()}, {"files", exported->files.size()}, {"rows", rows}};
  }
  return stats;
}

}  // namespace

crawl::CrawlOptions CrawlOptionsFor(const JobSpec& job, const crawl::CrawlOptions& base) {
  crawl::CrawlOptions crawl = base;
  if (job.options.max_pages && base.max_pages < 0) crawl.max_pages = *job.options.max_pages;
  crawl.recrawl = job.options.recrawl == RecrawlPolicy::kAll ? crawl::CrawlOptions::Recrawl::kAll
                                                              : crawl::CrawlOptions::Recrawl::kDue;
  if (base.start_urls.empty()) crawl.start_urls = job.options.start_urls;
  if (!base.delay_seconds) crawl.delay_seconds = job.options.delay_seconds;
  if (base.concurrency <= 0 && job.options.concurrency) crawl.concurrency = *job.options.concurrency;
  if (!base.sitemaps) crawl.sitemaps = job.options.sitemaps;
  crawl.read_sitemaps = base.read_sitemaps && job.options.read_sitemaps;
  if (base.webhook.url.empty()) crawl.webhook = job.options.webhook;
  return crawl;
}

JobRunner CrawlJobRunner(CrawlRunnerOptions options) {
  return [options = std::move(options)](const JobRun& run) { return RunOnce(options, run); };
}

}  // namespace hc::schedule
