// "Run now": each run on a thread of its own, through Scheduler::RunNow, as `schedule run` runs it
// (the job's lock, refusal while the job or its site runs, the crawl_runs row with command
// "schedule run"). The thread has its own database connection, so the run never waits for the API.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <future>
#include <string>
#include <utility>

#include "core/host.h"
#include "serve/serve_internal.h"

namespace hc::serve::internal {

struct RunLauncher::Run {
  std::atomic<bool> stop{false};
  std::atomic<bool> ended{false};
  std::thread thread;
};

namespace {

}  // namespace

RunLauncher::RunLauncher(schedule::CrawlRunnerOptions runner) : runner_(std::move(runner)) {}

RunLauncher::~RunLauncher() { StopAll(); }

void RunLauncher::Reap() {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if ((*it)->ended.load()) {
      (*it)->thread.join();
      it = runs_.erase(it);
    } else {
      ++it;
    }
  }
}

Result<int64_t> RunLauncher::Launch(const std::string& name, std::chrono::seconds wait_for) {
  // Resolved once: by the runner when the run is recorded and starts, or by RunNow when it refuses or
  // fails before that. Shared, because the thread outlives this call when the wait times out.
  auto started = std::make_shared<std::promise<Result<int64_t>>>();
  auto once = std::make_shared<std::once_flag>();
  auto resolve = [started, once](Result<int64_t> value) {
    std::call_once(*once, [&] { started->set_value(std::move(value)); });
  };
  std::future<Result<int64_t>> result = started->get_future();

  {
    std::lock_guard lock(mu_);
    Reap();
    auto run = std::make_unique<Run>();
    Run* r = run.get();
    // Each run is its own lock owner ("host:pid/serve-N"): two runs of this process are two holders.
    schedule::SchedulerOptions scheduler_options;
    scheduler_options.host = HostName();
    scheduler_options.pid = static_cast<int64_t>(getpid());
    scheduler_options.owner = scheduler_options.host + ":" + std::to_string(scheduler_options.pid) +
                              "/serve-" + std::to_string(++next_);
    r->thread = std::thread([this, r, name, resolve, scheduler_options] {
      schedule::JobRunner crawl = schedule::CrawlJobRunner(runner_);
      schedule::JobRunner runner = [crawl, resolve](const schedule::JobRun& job_run) {
        resolve(job_run.run_id);
        return crawl(job_run);
      };
      auto store = store::OpenDatabase(runner_.db.string());
      if (!store.ok()) {
        resolve(store.status());
      } else {
        schedule::Scheduler scheduler(**store, **store, runner, scheduler_options);
        auto ran = scheduler.RunNow(name, r->stop);
        if (!ran.ok()) {
          resolve(ran.status());
        } else if (!ran->refusal.empty()) {
          resolve(Status::Busy(ran->refusal));
        } else {
          resolve(ran->run_id);  // a no-op when the runner resolved it (it always does once started)
          spdlog::info("serve: job {}: run {} ended {}", name, ran->run_id, ran->stats.outcome);
        }
      }
      r->ended.store(true);
    });
    runs_.push_back(std::move(run));
  }
  if (result.wait_for(wait_for) != std::future_status::ready) {
    return Status::Busy("job " + name + ": the run did not start within " + std::to_string(wait_for.count()) +
                        " s");
  }
  return result.get();
}

void RunLauncher::StopAll() {
  std::lock_guard lock(mu_);
  for (auto& run : runs_) run->stop.store(true);
  for (auto& run : runs_) {
    if (run->thread.joinable()) run->thread.join();
  }
  runs_.clear();
}

}  // namespace hc::serve::internal
