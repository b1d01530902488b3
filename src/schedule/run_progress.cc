// ScheduledRunLog (run_progress_internal.h): a scheduled run's progress rows, written off the crawl's
// writer thread.
#include <spdlog/spdlog.h>

#include <utility>

#include "schedule/run_progress_internal.h"

namespace hc::schedule::internal {

ScheduledRunLog::ScheduledRunLog(int64_t run_id, std::unique_ptr<store::RunProgressLog> progress)
    : run_id_(run_id), progress_(std::move(progress)) {
  if (progress_) writer_ = std::thread([this] { WriteLoop(); });
}

ScheduledRunLog::~ScheduledRunLog() {
  {
    std::lock_guard lock(mu_);
    done_ = true;
  }
  wake_.notify_one();
  if (writer_.joinable()) writer_.join();
}

Result<int64_t> ScheduledRunLog::BeginRun(const store::RunInfo&) { return run_id_; }

Status ScheduledRunLog::FinishRun(int64_t, const store::RunStats&) { return Status::Ok(); }

Status ScheduledRunLog::Heartbeat(int64_t, TimePoint now, const store::RunStats& s) {
  {
    std::lock_guard lock(mu_);
    pending_ = std::make_pair(
        now, store::RunProgress{s.pages_fetched, s.pages_stored, s.pages_failed, s.bytes_fetched, s.pages_new,
                                s.pages_changed, s.pages_unchanged, s.pages_gone});
  }
  wake_.notify_one();
  return Status::Ok();
}

void ScheduledRunLog::WriteLoop() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] { return done_ || pending_.has_value(); });
    if (done_) return;  // the run is over: the Scheduler writes its final counts
    auto [at, counts] = *pending_;
    pending_.reset();
    lock.unlock();
    // A progress row that cannot be written (the database busy past the timeout) is only a stale
    // figure on the dashboard: the run goes on.
    Status s = progress_->RecordRunProgress(run_id_, at, counts);
    if (!s.ok()) spdlog::debug("run {}: progress row: {}", run_id_, s.ToString());
    lock.lock();
  }
}

}  // namespace hc::schedule::internal
