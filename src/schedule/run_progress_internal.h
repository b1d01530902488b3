// Internal to src/schedule: the RunLog a scheduled run's crawl reports to (crawl_runner.cc).
//
// The run's crawl_runs row is the Scheduler's (it begins and finishes it), so BeginRun hands the crawl
// that row and FinishRun leaves it alone. The crawl's heartbeats become the row's progress rows
// (store/run_progress.h), which the dashboard shows live; the crawl then also marks the frontier rows it
// decides with the run (frontier.run_id), as a `crawl` run does. Heartbeat only keeps the latest counts:
// a thread of this object writes them on a connection of its own, because the crawl's writer calls
// Heartbeat inside its open write batch, which another connection's write would have to wait for.
//
// Thread-safety: Heartbeat may be called from any thread; the object is destroyed after the crawl.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "store/run_progress.h"
#include "store/runs.h"

namespace hc::schedule::internal {

class ScheduledRunLog final : public store::RunLog {
 public:
  // `progress` may be null (progress rows could not be opened): then nothing is written.
  ScheduledRunLog(int64_t run_id, std::unique_ptr<store::RunProgressLog> progress);
  ~ScheduledRunLog() override;  // writes nothing more; waits for a write under way
  ScheduledRunLog(const ScheduledRunLog&) = delete;
  ScheduledRunLog& operator=(const ScheduledRunLog&) = delete;

  Result<int64_t> BeginRun(const store::RunInfo& run) override;
  Status FinishRun(int64_t run_id, const store::RunStats& stats) override;
  Status Heartbeat(int64_t run_id, TimePoint now, const store::RunStats& so_far) override;

 private:
  void WriteLoop();

  const int64_t run_id_;
  std::unique_ptr<store::RunProgressLog> progress_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::optional<std::pair<TimePoint, store::RunProgress>> pending_;
  bool done_ = false;
  std::thread writer_;
};

}  // namespace hc::schedule::internal
