// `healthcrawl schedule run JOB`: one run of a job now, in the foreground, under the job's lock in the
// database, so that it and the daemons never run the job twice at once nor two jobs of one site side by
// side. The run reuses the daemon's machinery (Launch, the heartbeat in Drain, Reap's record); only the
// claim differs: no fire time is claimed, so the job's schedule goes on as if the run had not happened.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "schedule/schedule.h"

namespace hc::schedule {

Result<std::string> Scheduler::Holder(const std::string& job, const std::string& site) {
  auto locks = jobs_.ListJobLocks();
  if (!locks.ok()) return locks.status();
  auto jobs = jobs_.ListJobs();
  if (!jobs.ok()) return jobs.status();
  auto describe = [](const store::JobLock& lock) {
    std::string what = lock.run_id != 0 ? "run " + std::to_string(lock.run_id) + ", " : "";
    return what + "lock held by " + lock.owner + " since " + FormatUtc(lock.acquired_at) +
           ", last heartbeat " + FormatUtc(lock.heartbeat_at);
  };
  for (const store::JobLock& lock : *locks) {
    if (lock.job == job) return "job " + job + " is already running (" + describe(lock) + ")";
  }
  for (const store::JobLock& lock : *locks) {
    auto other = std::find_if(jobs->begin(), jobs->end(),
                              [&](const store::JobRecord& r) { return r.name == lock.job; });
    if (other != jobs->end() && other->site == site) {
      return "job " + lock.job + " of the same site " + site + " is running (" + describe(lock) +
             "); one crawl per site at a time";
    }
  }
  return std::string();
}

Result<ManualRun> Scheduler::RunNow(std::string_view name, const std::atomic<bool>& stop) {
  const TimePoint now = clock_->Now();
  auto record = jobs_.GetJob(name);
  if (!record.ok()) return record.status();
  if (!*record) return Status::NotFound("no job named '" + std::string(name) + "'");
  auto job = FromJobRecord(**record);
  if (!job.ok()) return job.status();
  auto jobs = jobs_.ListJobs();
  if (!jobs.ok()) return jobs.status();
  // A dead holder's lock would refuse the run for up to its expiry; take it over as a daemon would.
  Status recovered = RecoverStaleLocks(now, *jobs);
  if (!recovered.ok()) return recovered;

  ManualRun manual;
  auto holder = Holder(job->name, job->site);
  if (!holder.ok()) return holder.status();
  if (!holder->empty()) {
    manual.refusal = *holder;
    return manual;
  }
  if (options_.site_holder) {
    // A `crawl` of the job's site holds the site's crawl lock: the run would fail at its start.
    auto outside = options_.site_holder(job->site);
    if (!outside.ok()) return outside.status();
    if (!outside->empty()) {
      manual.refusal = *outside;
      return manual;
    }
  }
  store::JobLock lock;
  lock.job = job->name;
  lock.owner = options_.owner;
  lock.host = options_.host;
  lock.pid = options_.pid;
  lock.expires_at = now + options_.lock_ttl;  // no scheduled_for: a crash of this run rewinds no fire time
  auto acquired = jobs_.AcquireJobLock(lock, now, "");
  if (!acquired.ok()) return acquired.status();
  if (!*acquired) {
    // A daemon or another `schedule run` took it between the look and the claim.
    holder = Holder(job->name, job->site);
    manual.refusal = holder.ok() && !holder->empty()
                         ? *holder
                         : "job " + job->name + " was started elsewhere a moment ago";
    return manual;
  }
  Status launched = Launch(*job, now, /*catch_up=*/false, &manual, now);
  if (!launched.ok()) return launched;
  Status drained = Drain(&stop);
  // Heartbeat hiccups (a database busy for a moment) are retried inside Drain; what matters is whether
  // the run's end was recorded, which Reap put in manual.recorded.
  if (!drained.ok()) spdlog::warn("schedule run {}: {}", job->name, drained.ToString());
  return manual;
}

}  // namespace hc::schedule
