// The scheduler daemon's loop. Its state is the database (store::JobStore): nothing it decides lives
// only in memory, so a restarted scheduler, or a second one against the same database, carries on
// where the first left off. Claiming a fire time is two compare-and-swaps in a fixed order, the job's
// lock and then its checked_through; whoever wins both runs the fire time, everyone else sees either a
// held lock or a checked_through that moved past it.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <exception>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "core/host.h"
#include "schedule/schedule.h"

namespace hc::schedule {
namespace {

bool ProcessExists(int64_t pid) {
  // pid 0 or below would address process groups; an unknown holder is presumed alive (its lock then
  // frees by expiry).
  if (pid <= 0) return true;
  if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno != ESRCH;  // EPERM: it exists, under another user
}

std::string Describe(const store::RunStats& stats) {
  return stats.outcome + ": " + std::to_string(stats.pages_fetched) + " fetched, " +
         std::to_string(stats.pages_new) + " new, " + std::to_string(stats.pages_changed) + " changed, " +
         std::to_string(stats.pages_unchanged) + " unchanged, " + std::to_string(stats.pages_failed) + " failed";
}

}  // namespace

struct Scheduler::ActiveRun {
  JobRun run;
  ManualRun* manual = nullptr;  // RunNow's report, filled in by Reap
  std::atomic<bool> stop{false};
  bool ended = false;  // guarded by Scheduler::mu_
  Result<store::RunStats> result = Status::Internal("the run did not report");
  TimePoint next_heartbeat{};
  std::thread thread;
};

Scheduler::Scheduler(store::JobStore& jobs, store::RunLog& runs, JobRunner runner, SchedulerOptions options)
    : jobs_(jobs), runs_(runs), runner_(std::move(runner)), options_(std::move(options)) {
  clock_ = options_.clock != nullptr ? options_.clock : &system_clock_;
  if (options_.host.empty()) options_.host = HostName();
  if (options_.pid == 0) options_.pid = static_cast<int64_t>(::getpid());
  if (options_.owner.empty()) options_.owner = options_.host + ":" + std::to_string(options_.pid);
  options_.heartbeat = std::max(options_.heartbeat, std::chrono::milliseconds(1));
  options_.poll = std::max(options_.poll, std::chrono::milliseconds(1));
}

Scheduler::~Scheduler() {
  for (auto& [name, run] : active_) run->stop.store(true);
  Status s = Drain();
  if (!s.ok()) spdlog::error("scheduler: {}", s.ToString());
}

std::vector<std::string> Scheduler::Running() const {
  std::vector<std::string> names;
  for (const auto& [name, run] : active_) names.push_back(name);
  return names;
}

bool Scheduler::IsAlive(int64_t pid) const {
  return options_.pid_alive ? options_.pid_alive(pid) : ProcessExists(pid);
}

Result<TimePoint> Scheduler::Step() {
  const TimePoint now = clock_->Now();
  Status first;
  auto keep = [&first](Status s) {
    if (!s.ok() && first.ok()) first = std::move(s);
  };
  keep(Reap(/*wait=*/false));
  keep(RenewLocks(now));

  auto jobs = jobs_.ListJobs();
  if (!jobs.ok()) return jobs.status();
  keep(RecoverStaleLocks(now, *jobs));
  // Recovery may have rewound a crashed run_once job: read the jobs again so its plan sees that.
  jobs = jobs_.ListJobs();
  if (!jobs.ok()) return jobs.status();
  auto locks = jobs_.ListJobLocks();
  if (!locks.ok()) return locks.status();
  std::set<std::string> locked;
  for (const store::JobLock& lock : *locks) locked.insert(lock.job);
  // One crawl per site at a time: a crawl starting takes back every in-flight URL of its site
  // (Frontier::RecoverLeases with `all`), which would pull the URLs from under another job's crawl of
  // the same site. A site is busy while any job of it runs, here or in another scheduler.
  std::set<std::string> busy_sites;
  for (const store::JobRecord& record : *jobs) {
    if (locked.count(record.name) != 0 || active_.count(record.name) != 0) busy_sites.insert(record.site);
  }
  for (const auto& [name, run] : active_) busy_sites.insert(run->run.job.site);

  TimePoint next = kNever;
  for (const auto& [name, run] : active_) next = std::min(next, run->next_heartbeat);
  for (const store::JobRecord& record : *jobs) {
    auto spec = FromJobRecord(record);
    if (!spec.ok()) {
      if (reported_[record.name] != spec.status().message()) {
        spdlog::error("scheduler: {}; the job is not run until it is fixed", spec.status().message());
        reported_[record.name] = spec.status().message();
      }
      continue;
    }
    if (auto it = reported_.find(record.name); it != reported_.end() && it->second != "busy") reported_.erase(it);
    if (active_.count(record.name) != 0 || locked.count(record.name) != 0) continue;  // running somewhere
    if (!record.checked_through) {
      // First sight of the job: its fire times start now.
      auto set = jobs_.SetJobCheckedThrough(record.name, std::nullopt, now);
      if (!set.ok()) keep(set.status());
      next = std::min(next, spec->NextAfter(now));
      continue;
    }
    const RunPlan plan = PlanRuns(*spec, *record.checked_through, now, options_.plan);
    next = std::min(next, plan.next);
    // A `crawl` command holding the site's crawl lock makes the site busy too: the run would be
    // refused at its start.
    std::string outside;
    if (plan.run_for && busy_sites.count(record.site) == 0 && options_.site_holder) {
      auto holder = options_.site_holder(record.site);
      if (!holder.ok()) {
        keep(holder.status());
        continue;
      }
      outside = std::move(*holder);
    }
    const bool site_busy = plan.run_for && (busy_sites.count(record.site) != 0 || !outside.empty());
    if (plan.skipped > 0 && !site_busy) {
      spdlog::log(spec->paused ? spdlog::level::info : spdlog::level::warn,
                  "scheduler: job {}: {}{} fire time{} {} not run", record.name,
                   plan.skipped_is_lower_bound ? "at least " : "", plan.skipped, plan.skipped == 1 ? "" : "s",
                   spec->paused ? "passed while paused," : "missed,");
    }
    if (site_busy) {
      // Left for later: when the site is free, the fire time is late and follows the missed policy.
      if (reported_[record.name] != "busy") {
        if (outside.empty()) {
          spdlog::info("scheduler: job {}: waiting, another job of site {} is running", record.name, record.site);
        } else {
          spdlog::info("scheduler: job {}: waiting, {}", record.name, outside);
        }
        reported_[record.name] = "busy";
      }
      continue;
    }
    if (plan.run_for) {
      keep(StartRun(*spec, plan, record.checked_through, now));
      reported_.erase(record.name);
      if (active_.count(record.name) != 0) busy_sites.insert(record.site);
    } else if (plan.skipped > 0) {
      auto set = jobs_.SetJobCheckedThrough(record.name, record.checked_through, now);
      if (!set.ok()) keep(set.status());
    }
  }
  for (const auto& [name, run] : active_) next = std::min(next, run->next_heartbeat);
  if (!first.ok()) return first;
  return next;
}

Status Scheduler::StartRun(const JobSpec& job, const RunPlan& plan, std::optional<TimePoint> checked_through,
                           TimePoint now) {
  store::JobLock lock;
  lock.job = job.name;
  lock.owner = options_.owner;
  lock.host = options_.host;
  lock.pid = options_.pid;
  lock.expires_at = now + options_.lock_ttl;
  lock.scheduled_for = plan.run_for;
  auto acquired = jobs_.AcquireJobLock(lock, now, "");
  if (!acquired.ok()) return acquired.status();
  if (!*acquired) return Status::Ok();  // another scheduler started it a moment ago
  auto claimed = jobs_.SetJobCheckedThrough(job.name, checked_through, now);
  if (!claimed.ok() || !*claimed) {
    // Another scheduler ran this fire time and let go of the lock in between.
    Status released = jobs_.ReleaseJobLock(job.name, options_.owner);
    if (!claimed.ok()) return claimed.status();
    return released;
  }
  return Launch(job, *plan.run_for, plan.catch_up, nullptr, now);
}

Status Scheduler::Launch(const JobSpec& job, TimePoint scheduled_for, bool catch_up, ManualRun* manual,
                         TimePoint now) {
  // Runs of this job left unfinished by a holder that vanished without anyone noticing (its lock
  // expired or was released without the end being recorded).
  auto ended = jobs_.EndUnfinishedRuns(job.name, "crashed", now);
  if (ended.ok() && *ended > 0) {
    spdlog::warn("scheduler: job {}: {} earlier run(s) never finished; recorded as crashed", job.name, *ended);
  }
  // A manual run's command says so for good, also in the row of a run that crashes.
  auto run_id = runs_.BeginRun({manual != nullptr ? "schedule run" : "crawl", job.site, now, job.name});
  if (!run_id.ok()) {
    (void)jobs_.ReleaseJobLock(job.name, options_.owner);
    return run_id.status();
  }
  auto renewed = jobs_.RenewJobLock(job.name, options_.owner, now, now + options_.lock_ttl, *run_id);
  if (!renewed.ok()) spdlog::warn("scheduler: job {}: recording the run in its lock: {}", job.name,
                                  renewed.status().ToString());

  auto active = std::make_unique<ActiveRun>();
  ActiveRun* run = active.get();
  run->run.job = job;
  run->run.scheduled_for = scheduled_for;
  run->run.catch_up = catch_up;
  run->run.manual = manual != nullptr;
  run->run.run_id = *run_id;
  run->run.stop = &run->stop;
  run->manual = manual;
  run->next_heartbeat = now + options_.heartbeat;
  if (manual != nullptr) {
    manual->run_id = *run_id;
    spdlog::info("scheduler: job {}: run {} started (by schedule run)", job.name, *run_id);
  } else {
    spdlog::info("scheduler: job {}: run {} started (scheduled for {}{})", job.name, *run_id,
                 FormatUtc(scheduled_for), catch_up ? ", catching up" : "");
  }
  active_.emplace(job.name, std::move(active));
  run->thread = std::thread([this, run] {
    Result<store::RunStats> result = Status::Internal("the run did not report");
    try {
      result = runner_(run->run);
    } catch (const std::exception& e) {
      result = Status::Internal(std::string("job runner threw: ") + e.what());
    } catch (...) {
      result = Status::Internal("job runner threw");
    }
    std::lock_guard guard(mu_);
    run->result = std::move(result);
    run->ended = true;
    ended_.notify_all();
  });
  return Status::Ok();
}

Status Scheduler::Reap(bool wait) {
  Status first;
  for (auto it = active_.begin(); it != active_.end();) {
    ActiveRun& run = *it->second;
    {
      std::unique_lock guard(mu_);
      if (wait) ended_.wait(guard, [&run] { return run.ended; });
      if (!run.ended) {
        ++it;
        continue;
      }
    }
    run.thread.join();
    store::RunStats stats;
    if (run.result.ok()) {
      stats = std::move(*run.result);
      if (stats.outcome.empty()) stats.outcome = "ok";
    } else {
      stats.outcome = "failed";
      stats.extra["error"] = run.result.status().ToString();
    }
    if (!stats.extra.is_object()) stats.extra = store::Json::object();
    if (run.run.manual) {
      stats.extra["manual"] = true;
    } else {
      stats.extra["scheduled_for"] = FormatUtc(run.run.scheduled_for);
      stats.extra["catch_up"] = run.run.catch_up;
    }
    stats.finished_at = clock_->Now();
    if (run.manual != nullptr) {
      run.manual->stats = stats;
      if (!run.result.ok()) run.manual->error = run.result.status();
    }
    const std::string& name = it->first;
    Status s = runs_.FinishRun(run.run.run_id, stats);
    if (run.manual != nullptr) run.manual->recorded = s;
    if (s.ok()) {
      spdlog::info("scheduler: job {}: run {} {}", name, run.run.run_id, Describe(stats));
    } else {
      // The lock is released all the same; the unfinished row is recorded as crashed at the next run.
      spdlog::error("scheduler: job {}: recording the end of run {}: {}", name, run.run.run_id, s.ToString());
      if (first.ok()) first = s;
    }
    Status released = jobs_.ReleaseJobLock(name, options_.owner);
    if (!released.ok() && first.ok()) first = released;
    it = active_.erase(it);
  }
  return first;
}

Status Scheduler::RenewLocks(TimePoint now) {
  Status first;
  for (auto& [name, run] : active_) {
    // Also when the clock went back past the last heartbeat (the wall clock was set back).
    if (now < run->next_heartbeat && now >= run->next_heartbeat - options_.heartbeat) continue;
    auto held = jobs_.RenewJobLock(name, options_.owner, now, now + options_.lock_ttl, run->run.run_id);
    if (!held.ok()) {
      // Retried at the next step; the lock's expiry leaves room for a few misses.
      spdlog::warn("scheduler: job {}: heartbeat: {}", name, held.status().ToString());
      if (first.ok()) first = held.status();
      continue;
    }
    run->next_heartbeat = now + options_.heartbeat;
    if (!*held && !run->stop.load()) {
      spdlog::error("scheduler: job {}: lost its lock (it expired and another scheduler took it over); stopping "
                    "run {}", name, run->run.run_id);
      run->stop.store(true);
    }
  }
  return first;
}

Status Scheduler::RecoverStaleLocks(TimePoint now, const std::vector<store::JobRecord>& jobs) {
  auto locks = jobs_.ListJobLocks();
  if (!locks.ok()) return locks.status();
  Status first;
  for (const store::JobLock& lock : *locks) {
    if (active_.count(lock.job) != 0 && lock.owner == options_.owner) continue;
    const bool expired = lock.expires_at < now;
    const bool dead = lock.host == options_.host && !IsAlive(lock.pid);
    const bool ours = lock.owner == options_.owner;  // ours, but no run of ours: a leftover
    if (!expired && !dead && !ours) continue;

    store::JobLock mine = lock;
    mine.owner = options_.owner;
    mine.host = options_.host;
    mine.pid = options_.pid;
    mine.expires_at = now + options_.lock_ttl;
    auto acquired = jobs_.AcquireJobLock(mine, now, lock.owner);
    if (!acquired.ok()) {
      if (first.ok()) first = acquired.status();
      continue;
    }
    if (!*acquired) continue;  // someone else recovered it first
    auto ended = jobs_.EndUnfinishedRuns(lock.job, "crashed", lock.heartbeat_at);
    if (!ended.ok() && first.ok()) first = ended.status();
    spdlog::warn("scheduler: job {}: took over the lock of {} ({}; last heartbeat {}); {} unfinished run(s) "
                 "recorded as crashed", lock.job, lock.owner, dead ? "process gone" : "lock expired",
                 FormatUtc(lock.heartbeat_at), ended.ok() ? *ended : 0);
    // A crashed run did not do its work: for run_once, its fire time counts as missed and runs again.
    auto job = std::find_if(jobs.begin(), jobs.end(), [&](const store::JobRecord& r) { return r.name == lock.job; });
    if (job != jobs.end() && job->missed == "run_once" && lock.scheduled_for && job->checked_through &&
        *job->checked_through >= *lock.scheduled_for) {
      auto rewound = jobs_.SetJobCheckedThrough(lock.job, job->checked_through,
                                                *lock.scheduled_for - std::chrono::milliseconds(1));
      if (!rewound.ok() && first.ok()) first = rewound.status();
    }
    Status released = jobs_.ReleaseJobLock(lock.job, options_.owner);
    if (!released.ok() && first.ok()) first = released;
  }
  return first;
}

Status Scheduler::Drain(const std::atomic<bool>* stop) {
  Status first;
  while (!active_.empty()) {
    if (stop != nullptr && stop->load()) {
      for (auto& [name, run] : active_) run->stop.store(true);
    }
    {
      std::unique_lock guard(mu_);
      ended_.wait_for(guard, options_.poll, [this] {
        return std::any_of(active_.begin(), active_.end(), [](const auto& entry) { return entry.second->ended; });
      });
    }
    Status reaped = Reap(/*wait=*/false);
    if (!reaped.ok() && first.ok()) first = reaped;
    Status renewed = RenewLocks(clock_->Now());
    if (!renewed.ok() && first.ok()) first = renewed;
  }
  return first;
}

Status Scheduler::Run(const std::atomic<bool>& stop, std::atomic<bool>* reload, const ReloadJobs& on_reload) {
  // Fire times are on the injected clock; the re-read cadence is on the steady clock, so that a wall
  // clock set back (or a FakeClock that stands still) never stalls the loop or its heartbeats.
  using Steady = std::chrono::steady_clock;
  TimePoint next_step = clock_->Now();
  Steady::time_point last_step{};
  while (!stop.load()) {
    bool reloaded = false;
    if (reload != nullptr && reload->exchange(false)) {
      if (on_reload) on_reload();
      reloaded = true;
    }
    const TimePoint now = clock_->Now();
    bool any_ended = false;
    {
      std::lock_guard guard(mu_);
      for (const auto& [name, run] : active_) any_ended = any_ended || run->ended;
    }
    if (reloaded || now >= next_step || any_ended || Steady::now() - last_step >= options_.reload_interval) {
      last_step = Steady::now();
      auto next = Step();
      if (!next.ok()) {
        // Transient (a busy database) or not, the daemon keeps going and says so.
        spdlog::error("scheduler: {}", next.status().ToString());
        next_step = kNever;
      } else {
        next_step = *next;
      }
    }
    std::unique_lock guard(mu_);
    ended_.wait_for(guard, options_.poll, [this] {
      return std::any_of(active_.begin(), active_.end(), [](const auto& entry) { return entry.second->ended; });
    });
  }
  if (!active_.empty()) {
    spdlog::info("scheduler: stopping; waiting for {} running job(s) to stop", active_.size());
  }
  for (auto& [name, run] : active_) run->stop.store(true);
  return Drain();
}

}  // namespace hc::schedule
