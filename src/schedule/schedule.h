// schedule: when crawl jobs run.
//   * CronSchedule — a standard 5-field cron expression (the crontab(5) syntax of Vixie cron and cronie,
//     with the @hourly... macros) and the next fire time after an instant, computed in a named IANA time
//     zone with the DST rules documented in docs/scheduling.md.
//   * JobSpec / JobsFile — the jobs.yaml model and its loader; a broken file is a kConfigError whose
//     message starts with "file:line:column:".
//   * PlanRuns — the decision the scheduler daemon makes for a job at each wake-up: which fire time (if
//     any) to run now, applying the job's missed-run policy. The clock is a parameter, so tests drive it
//     with a FakeClock.
//   * Jobs in the database — JobSpec <-> store::JobRecord, and SyncJobsFile, which loads a jobs file
//     into the database (the scheduler's state lives there, store::JobStore).
//   * Scheduler — the daemon loop (`healthcrawl scheduler run`): one lock per job in the database, a
//     heartbeat, takeover of a crashed holder's lock, runs on their own threads through an injected
//     JobRunner; CrawlJobRunner is the real runner (crawl, then export).
//
// Thread-safety: the values and free functions are immutable/reentrant (the tz database behind
// date::time_zone is immutable once loaded). A Scheduler is used from one thread (its Step/Run/Drain
// caller); it starts one thread per running job and joins them itself. A JobRunner is called on those
// threads, one call per run, possibly several at once for different jobs.
#pragma once

#include <date/tz.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "crawl/crawl.h"
#include "store/jobs.h"
#include "store/runs.h"

namespace hc::schedule {

// Returned by NextAfter when there is no fire time that a TimePoint can hold (after 2262-04-11, the end
// of std::chrono::system_clock's nanosecond range). Parse rejects expressions that can never fire, so a
// parsed schedule only returns this near the end of that range.
inline constexpr TimePoint kNever = TimePoint::max();

// The zone named `name` ("Asia/Shanghai", "America/New_York", "UTC") from the system tz database, or the
// machine's own zone (date::current_zone()) when `name` is empty. NotFound for an unknown name.
Result<const date::time_zone*> LocateTimeZone(std::string_view name);

// A parsed cron expression: "minute hour day-of-month month day-of-week" (crontab(5)).
//   minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or JAN-DEC, day-of-week 0-7 or SUN-SAT
//   (0 and 7 are Sunday). Each field is `*` or a comma list of `N`, `A-B`, `*/S`, `A-B/S`, `A/S`
//   (= A-max/S). Names are case-insensitive. Macros: @yearly @annually @monthly @weekly @daily
//   @midnight @hourly.
// Day rule (Vixie cron): when neither day field starts with `*`, a day matches if EITHER matches
// ("0 0 13 * FRI" is every 13th and every Friday); otherwise both must match.
class CronSchedule {
 public:
  // Parses `expr`. On failure InvalidArgument whose message names the column (1-based) and the field:
  //   column 3: field 2 (hour) "25": value out of range 0-23
  // The quoted text is what starts at that column. An expression that can never fire ("0 0 30 2 *",
  // "0 0 31 4,6 *") is rejected too, so NextAfter on a parsed schedule always finds a time.
  static Result<CronSchedule> Parse(std::string_view expr);

  // A schedule that never fires (NextAfter returns kNever); real ones come from Parse.
  CronSchedule() = default;

  // The first fire time strictly after `t`, with the expression read as wall-clock time in `zone`
  // (nullptr: the machine's zone, or UTC if that cannot be determined). DST:
  //   * a local time that does not exist (spring-forward gap) fires at the end of the gap, the first
  //     instant after the jump; several fire times inside one gap collapse into that one run;
  //   * a local time that occurs twice (fall-back) fires once, at its first occurrence.
  // The search walks the calendar field by field (month, day, hour, minute), so sparse expressions
  // such as "0 0 29 2 *" cost a handful of steps per year. Returns kNever only past the TimePoint range.
  TimePoint NextAfter(TimePoint t, const date::time_zone* zone) const;

  // The expression as given to Parse (trimmed), e.g. "*/7 * * * *" or "@daily".
  const std::string& text() const { return text_; }

 private:
  uint64_t minutes_ = 0;           // bit m: minute m (0-59)
  uint32_t hours_ = 0;             // bit h: hour h (0-23)
  uint32_t days_ = 0;              // bit d: day-of-month d (1-31)
  uint16_t months_ = 0;            // bit m: month m (1-12)
  uint8_t weekdays_ = 0;           // bit w: day-of-week w (0 = Sunday ... 6)
  bool day_of_month_star_ = true;  // the field started with `*` (Vixie's DOM_STAR)
  bool day_of_week_star_ = true;   // the field started with `*` (Vixie's DOW_STAR)
  std::string text_;

  friend class CronParser;
};

// --- jobs.yaml --------------------------------------------------------------------------------------

enum class MissedRunPolicy {
  kSkip,     // fire times missed while the daemon was down or busy are dropped; wait for the next one
  kRunOnce,  // if one or more fire times were missed, run once as soon as possible to catch up
};
enum class RecrawlPolicy {
  kDue,  // revisit only pages whose revisit interval has passed (the site's `revisit` rules)
  kAll,  // refetch every known page
};
enum class ExportFormat { kJsonl, kCsv };

struct ExportSpec {
  ExportFormat format = ExportFormat::kJsonl;
  // The output path as written, relative ones resolved against the jobs file's folder. May hold the
  // placeholders {job} {site} {date} {time}; see ExpandExportPath.
  std::filesystem::path out;
};

struct JobOptions {
  std::optional<int> max_pages;  // absent: the site config's limit; 0: unlimited
  RecrawlPolicy recrawl = RecrawlPolicy::kDue;
  std::optional<ExportSpec> export_to;  // absent: no export after the run
  // The crawl's own settings; absent or empty: the site config's (CrawlOptionsFor).
  std::vector<std::string> start_urls;               // replace the config's start_urls
  std::optional<double> delay_seconds;               // between requests to one host: 0 to kMaxJobDelaySeconds
  std::optional<int> concurrency;                    // transfers in flight per host: 1 to kMaxJobConcurrency
  std::optional<std::vector<std::string>> sitemaps;  // replace the config's sitemaps
  bool read_sitemaps = true;                         // false (`sitemaps: false`): no sitemaps, not even robots.txt's
  // options.request: user_agent, headers, cookie_jar (relative to the jobs file), proxy; each set one
  // wins over the site config's request block, as the crawl command's flags do.
  crawl::CrawlOptions::RequestOverrides request;
  // options.webhook: the drift alarm's webhook for this job's degraded runs (docs/drift.md); a url
  // replaces the site config's alerts.webhook.
  crawl::CrawlOptions::Webhook webhook;
};

// Bounds of the job keys above, as `crawl`'s options have them.
inline constexpr double kMaxJobDelaySeconds = 3600;
inline constexpr int kMaxJobConcurrency = 64;
inline constexpr size_t kMaxJobUrls = 1000;  // start_urls, sitemaps

// Where something was written in the jobs file (1-based), for messages about it later.
struct SourceMark {
  int line = 0;
  int column = 0;
};

struct JobSpec {
  std::string name;  // unique in the file: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 chars
  std::string site;  // a selector config key: [a-z0-9_-]+
  CronSchedule schedule;
  std::string time_zone;                  // as written; "" = the machine's zone
  const date::time_zone* zone = nullptr;  // resolved time_zone (never null after loading)
  MissedRunPolicy missed = MissedRunPolicy::kSkip;
  JobOptions options;
  bool paused = false;   // a paused job never runs; its fire times pass silently
  SourceMark mark;       // the job's entry
  SourceMark site_mark;  // its `site:` value, for CheckSites

  // schedule.NextAfter(t, zone).
  TimePoint NextAfter(TimePoint t) const { return schedule.NextAfter(t, zone); }
};

struct JobsFile {
  std::string file;           // the file name used in messages
  std::vector<JobSpec> jobs;  // in file order

  const JobSpec* Find(std::string_view name) const;  // nullptr when absent
};

// jobs.yaml:
//   jobs:
//     - name: mfk-nightly
//       site: mfk
//       schedule: "0 3 * * *"
//       time_zone: Asia/Shanghai          # optional, default the machine's zone
//       missed: run_once                  # optional: skip (default) | run_once
//       paused: false                     # optional
//       options:                          # optional
//         max_pages: 500
//         recrawl: due                    # due (default) | all
//         export: {format: jsonl, out: 'exports/{job}-{date}.jsonl'}
//         start_urls: ['https://www.mfk.com/list/guke.html']   # default: the site config's
//         delay: 2.5                      # seconds, 0-3600; default: the site config's
//         concurrency: 1                  # 1-64; default: the site config's
//         sitemaps: ['https://www.mfk.com/sitemap.xml']        # or false; default: the site config's
//         request: {user_agent: 'mybot/1.0 (+mailto:me@example.org)', headers: {Referer: 'https://x/'},
//                   cookie_jar: cookies.txt, proxy: 'http://proxy:3128'}
// Unknown keys, duplicate keys or job names, a bad cron expression or zone: kConfigError
// "jobs.yaml:LINE:COLUMN: what is wrong" (for a cron error the column is the bad field's).
Result<JobsFile> LoadJobsFile(const std::filesystem::path& path);
Result<JobsFile> ParseJobsFile(std::string_view yaml, std::string_view file_name);

// kConfigError at the `site:` of the first job whose site is not in `known_sites` (the keys of the
// loaded selector configs). Kept apart from loading so the jobs file parses without the selectors.
Status CheckSites(const JobsFile& jobs, const std::vector<std::string>& known_sites);

// The export path for a run of `job` scheduled for `scheduled_for`: {job} -> name, {site} -> site,
// {date} -> YYYY-MM-DD and {time} -> HHMMSS of scheduled_for in the job's zone. Returns the spec's path
// unchanged when it has no placeholders, and "" when the job has no export.
std::filesystem::path ExpandExportPath(const JobSpec& job, TimePoint scheduled_for);

// --- the daemon's decision ------------------------------------------------------------------------

struct PlanOptions {
  // A fire time the daemon notices within this long is on time; later, it was missed (the daemon was
  // down, the machine slept, or the job's previous run was still going).
  std::chrono::seconds grace{60};
  // Counting skipped fire times stops here (a `* * * * *` job after months of downtime).
  int64_t max_counted = 10000;
};

struct RunPlan {
  std::optional<TimePoint> run_for;     // start one run now, recorded as scheduled for this fire time
  bool catch_up = false;                // run_for was missed and runs late (policy run_once)
  int64_t skipped = 0;                  // fire times in the window that will never run
  bool skipped_is_lower_bound = false;  // counting stopped at PlanOptions::max_counted
  TimePoint next = kNever;              // the first fire time after the window: when to look again
};

// What to do for `job` at `now`, given that every fire time up to and including `checked_through`
// has already been dealt with (run or skipped). The daemon stores checked_through per job: the moment
// the job was first seen, then max(checked_through, now) after every call. The window is
// (checked_through, now]; let `latest` be its last fire time:
//   * no fire time in the window, or the job is paused: no run (a paused job's fire times are skipped);
//   * skip:     run `latest` if it is on time (now - latest <= grace); every other fire time is skipped;
//   * run_once: run `latest` (catch_up when it is late or earlier ones were missed); the rest skipped.
// A clock that moved backwards (now < checked_through) re-runs nothing.
RunPlan PlanRuns(const JobSpec& job, TimePoint checked_through, TimePoint now, const PlanOptions& options = {});

std::string_view ToString(MissedRunPolicy policy);  // "skip", "run_once"
std::string_view ToString(RecrawlPolicy policy);    // "due", "all"
std::string_view ToString(ExportFormat format);     // "jsonl", "csv"


// --- jobs in the database -------------------------------------------------------------------------

// A valid job name: [A-Za-z0-9][A-Za-z0-9._-]*, at most 64 characters (as in the jobs file).
bool IsValidJobName(std::string_view name);

// InvalidArgument when an export path holds an unknown or unbalanced placeholder (see ExportSpec).
Status CheckExportPath(std::string_view path);

// InvalidArgument unless `url` can be a job's start URL or sitemap: an absolute http(s) URL without
// user:pass@, at most 8192 bytes (the default max_url_length; the crawl checks the site's own limit).
Status CheckJobUrl(std::string_view url);

// The crawl settings of a run of `job`: `base` (the settings of the command that runs it) with the job's
// max_pages, recrawl, start_urls, delay, concurrency and sitemaps where `base` leaves them to the site
// config. What the command line set wins over the job: `scheduler run --delay 0` applies to every job.
crawl::CrawlOptions CrawlOptionsFor(const JobSpec& job, const crawl::CrawlOptions& base);

// The job as a database row: options become {"max_pages", "recrawl", "export": {"format", "out"},
// "start_urls", "delay", "concurrency", "sitemaps" (a list, or false)} (unset ones left out), the
// file's `paused` becomes paused_in_file for source "file" and `paused` for "cli". The export path is
// made absolute (against the current directory).
store::JobRecord ToJobRecord(const JobSpec& job, std::string_view source, const std::filesystem::path& source_file);

// A row back as a JobSpec (paused when either pause flag is set). InvalidArgument naming the job when
// the stored cron expression, zone or options no longer parse (say, a zone removed from tzdata).
Result<JobSpec> FromJobRecord(const store::JobRecord& record);

struct SyncReport {
  int added = 0;
  int updated = 0;    // already in the database: definition replaced (paused by command kept)
  int removed = 0;    // loaded from this file before, no longer in it
};

// Loads the jobs of `file` (read from `path`) into the database, source "file": new jobs are added,
// known ones updated, and jobs loaded from the same file earlier but no longer in it removed. A job
// name already used by a `schedule add` job or by another jobs file is a ConfigError and nothing is
// written. `path` is made absolute to identify the file.
Result<SyncReport> SyncJobsFile(const JobsFile& file, const std::filesystem::path& path, store::JobStore& jobs,
                                TimePoint now);

// --- the daemon -----------------------------------------------------------------------------------

// One run of a job, as the Scheduler hands it to the JobRunner.
struct JobRun {
  JobSpec job;
  TimePoint scheduled_for{};   // the fire time it serves (a manual run: the moment it was asked for)
  bool catch_up = false;       // a missed fire time run late (policy run_once)
  bool manual = false;         // `schedule run JOB` (Scheduler::RunNow), not a fire time
  int64_t run_id = 0;          // its crawl_runs row (the Scheduler records start and end)
  const std::atomic<bool>* stop = nullptr;  // set when the scheduler stops or lost the job's lock
};

// Runs one job to its end and says how it went: outcome ("ok", "interrupted", "unreachable", "failed") and counts.
// finished_at is filled in by the Scheduler. An error Status is recorded as outcome "failed" with the
// message in extra.error. Called on a thread of its own.
using JobRunner = std::function<Result<store::RunStats>(const JobRun& run)>;

struct SchedulerOptions {
  const Clock* clock = nullptr;  // the system clock when null
  // Who holds the locks: "<host>:<pid>" by default. Two Schedulers in one process (tests) need
  // different owners.
  std::string owner{};
  std::string host{};            // default gethostname()
  int64_t pid = 0;               // default getpid()
  // Whether process `pid` on this host still exists (default: kill(pid, 0) does not fail with ESRCH).
  std::function<bool(int64_t pid)> pid_alive{};
  // Who crawls `site` outside the jobs' locks, as a sentence; "" when nobody. The CLI asks the site's
  // crawl lock (store/holder_lock.h), so that a job whose site a `crawl` command is crawling waits (Step)
  // or is refused (RunNow) instead of failing at its start. Unset: nobody does.
  std::function<Result<std::string>(const std::string& site)> site_holder{};
  PlanOptions plan{};
  // A held lock is renewed every `heartbeat` to expire `lock_ttl` later; a lock past its expiry (a
  // holder on another host that died, or hung) is taken over.
  std::chrono::milliseconds heartbeat{15'000};
  std::chrono::milliseconds lock_ttl{120'000};
  // Run's loop makes a pass at least this often (steady time), which picks up jobs added with
  // `schedule add` while it runs.
  std::chrono::milliseconds reload_interval{5'000};
  // Run's loop notices the stop flag (set by a signal handler) within this long.
  std::chrono::milliseconds poll{200};
};

// What Scheduler::RunNow did.
struct ManualRun {
  // Not empty when the run was refused because the job, or another job of its site, is running (here
  // or on another host), or a `crawl` of its site is (SchedulerOptions::site_holder); says which job and
  // who holds its lock, or who crawls the site. Nothing was recorded then.
  std::string refusal;
  int64_t run_id = 0;     // its crawl_runs row (command "schedule run")
  store::RunStats stats;  // as recorded: outcome "ok", "unreachable", "interrupted" or "failed"
  Status error;           // the runner's error when the run failed before it could report (outcome "failed")
  Status recorded;        // not OK when the run's end could not be written to crawl_runs
};

// Called by Scheduler::Run on its own thread when asked to reload (SIGHUP): usually loads the jobs file
// into the database again. It reports its own errors; the pass that follows reads the jobs as they are.
using ReloadJobs = std::function<void()>;

// The scheduler daemon. Each Step, at clock->Now():
//   1. runs that ended are recorded (RunLog::FinishRun) and their locks released;
//   2. locks of running jobs are renewed when their heartbeat is due (a lock found lost stops its run);
//   3. locks held by a dead holder (expired, or a pid on this host that no longer exists) are taken
//      over: the holder's unfinished runs are recorded as "crashed" and, for a run_once job, the fire
//      time the crashed run served becomes due again;
//   4. for every job not running anywhere: PlanRuns from the job's checked_through; a due fire time
//      is claimed (lock, then compare-and-swap of checked_through, so two schedulers never both run
//      it), recorded (RunLog::BeginRun, command "crawl", job set) and started on a thread of its own.
//      A job whose lock is held (its previous run still going) is left alone: its fire times count as
//      missed when the lock comes free.
class Scheduler {
 public:
  // `jobs` and `runs` (usually one store::Database) are used only by the thread that calls Step, Run and
  // Drain; the runner gets its own resources.
  Scheduler(store::JobStore& jobs, store::RunLog& runs, JobRunner runner, SchedulerOptions options = {});
  ~Scheduler();  // stops running jobs, waits for them and records them
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // One pass (above). Returns when the next pass is needed: the earliest next fire time or heartbeat.
  // Storage errors are returned, after the pass did what it could.
  Result<TimePoint> Step();
  // Steps until `stop` is set; then sets every running job's stop flag, waits for the runs (renewing
  // their locks meanwhile), records them and releases the locks. Whenever `reload` is found set, it is
  // cleared, `on_reload` called and a pass made at once: new and changed jobs take effect, a removed
  // job is no longer started (a run of it that is going on finishes and is recorded).
  Status Run(const std::atomic<bool>& stop, std::atomic<bool>* reload = nullptr, const ReloadJobs& on_reload = {});
  // `healthcrawl schedule run JOB`: runs job `name` now, whatever its schedule and pause, under the same
  // lock as a scheduled run, and waits for it (renewing the lock). Locks of dead holders are taken over
  // first, as by Step. Refused (ManualRun::refusal) while the job or another job of its site runs, or
  // while options.site_holder names a crawl of its site. The run is recorded in crawl_runs with command
  // "schedule run"; it serves no fire time, so the job's schedule and checked_through are untouched.
  // `stop` set stops it (outcome "interrupted"). NotFound when there is no such job, InvalidArgument
  // when its stored definition no longer parses, storage errors as they come.
  Result<ManualRun> RunNow(std::string_view name, const std::atomic<bool>& stop);
  // Waits until every started run has ended, then records them (step 1), renewing their locks
  // meanwhile. When `stop` is given and becomes set, the runs are told to stop.
  Status Drain(const std::atomic<bool>* stop = nullptr);
  // The names of the jobs this scheduler is running.
  std::vector<std::string> Running() const;
  const std::string& owner() const { return options_.owner; }

 private:
  struct ActiveRun;
  Status Reap(bool wait);
  Status RenewLocks(TimePoint now);
  Status RecoverStaleLocks(TimePoint now, const std::vector<store::JobRecord>& jobs);
  Status StartRun(const JobSpec& job, const RunPlan& plan, std::optional<TimePoint> checked_through, TimePoint now);
  // Records the run's start and starts its thread; the caller holds the job's lock. With `manual`, a
  // `schedule run`, whose end Reap also writes into *manual.
  Status Launch(const JobSpec& job, TimePoint scheduled_for, bool catch_up, ManualRun* manual, TimePoint now);
  // Who runs `job` or another job of `site` (a held lock), as a sentence; "" when nobody does.
  Result<std::string> Holder(const std::string& job, const std::string& site);
  bool IsAlive(int64_t pid) const;

  store::JobStore& jobs_;
  store::RunLog& runs_;
  JobRunner runner_;
  SchedulerOptions options_;
  SystemClock system_clock_;
  const Clock* clock_;
  std::map<std::string, std::unique_ptr<ActiveRun>> active_;
  std::map<std::string, std::string> reported_;  // job -> last problem logged for it (logged once)
  mutable std::mutex mu_;                        // guards the `ended` flags the run threads set
  std::condition_variable ended_;
};

// The real runner: for each run, loads selectors/<site>.yaml, opens the database, crawls the site
// (crawl::RunCrawl with the job's max_pages and recrawl policy, options.job set, the run's stop flag)
// and, when the crawl finished (not interrupted), writes the job's export: `out` ending in .jsonl or
// .csv is one file (JSONL: nested article documents; CSV: the articles table), anything else a folder
// with every table; rows of the job's site, replacing an existing file.
struct CrawlRunnerOptions {
  std::filesystem::path db{};
  std::filesystem::path selectors_dir = "selectors";
  // Settings for every job's crawl: fetcher (connect_to, ca_file, allow_private_addresses), delay,
  // workers, progress... max_pages, recrawl, job, stop and runs are set per run (runs: the Scheduler
  // records the run itself).
  crawl::CrawlOptions crawl{};
  const Clock* clock = nullptr;  // export time; the system clock when null
};
JobRunner CrawlJobRunner(CrawlRunnerOptions options);

}  // namespace hc::schedule
