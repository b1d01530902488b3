// ReconnectingPgStore: PgStore under the reconnect policy (docs/postgresql.md "Faults"). When a statement
// finds the connection broken (a terminated backend, a server restart, a broken socket), the store
// reconnects with backoff for at most StoreOptions::pg_reconnect_limit, then does what is safe:
//
// - The open write batch went with the old session (PostgreSQL rolled it back), unless only the answer
//   to its COMMIT was lost: the new session asks pg_xact_status whether it committed. If it did not,
//   every operation of the batch (batch_log: PutPage, Complete, AddUrls, Retry, Release, the run
//   records, ...) is done again, in order, in a new batch. They only touch rows the old transaction
//   left as they were, and URLs stay leased to this process, so the batch is redone whole: no page is
//   lost or stored twice. An operation that fails when redone fails the batch, reported.
// - An operation in the batch, a read, or an idempotent write (Heartbeat, Flush) is then done again.
// - Lease commits at once: each Lease gets an expiry no other Lease of this store has, so after a lost
//   answer the rows leased with that expiry are the ones it took (returned), or there are none and it
//   leases again. Leases already held stay valid: they are committed rows, and last longer than the
//   reconnect limit.
// - A write that commits on its own and is not idempotent (job locks, RecordExports, the export scans
//   that feed a callback) is not done again: it fails, saying it may or may not have taken effect.
//
// - A batch that loses to another process's open batch (deadlock_detected, serialization_failure), past
//   the statement's own retries (pg_frontier.cc), is rolled back, which frees the rows its earlier
//   statements hold, and redone from batch_log as after a lost connection (RedoLostBatch).
//
// The backoff and limit are pg::Reconnector's, shared with the store's side connections.
// When the server stays away past the limit, the operation fails with IoError "... could not reconnect
// within N s ..."; the next operation tries to reconnect once, not for another full limit, so a crawl
// that stops on the error ends quickly (exit status 3), and the next crawl resumes.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/pg_rep_internal.h"
#include "store/pg_store_internal.h"

namespace hc::store {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMostLossesPerOperation = pg::Reconnector::kMostLossesPerOperation;
// A batch that loses to another transaction is redone this many times, after a pause of 50 ms that
// doubles each time, with jitter so that two losers do not meet again (about 1.5 s in all at most).
constexpr int kMostBatchRedos = 5;
constexpr milliseconds kFirstRedoPause{50};

const Status& StatusOf(const Status& s) { return s; }
template <typename T>
const Status& StatusOf(const Result<T>& r) {
  return r.status();
}

int64_t Millis(TimePoint t) { return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count(); }

class ReconnectingPgStore final : public PgStore {
 public:
  explicit ReconnectingPgStore(std::unique_ptr<Rep> rep) : PgStore(std::move(rep)) {}
  ~ReconnectingPgStore() override {
    if (rep().batch) {
      Status s = Flush();
      if (!s.ok()) spdlog::error("store: closing {}: {}", rep().where, s.ToString());
    }
  }

  // --- in the write batch: logged, redone after a lost connection ---
  Status PutPage(const PageObservation& page) override {
    return Batched("storing a page", [this, page] { return PgStore::PutPage(page); });
  }
  Result<int64_t> AddUrls(const std::vector<NewUrl>& urls) override {
    return Batched("adding URLs", [this, urls] { return PgStore::AddUrls(urls); });
  }
  Status Complete(const UrlOutcome& outcome, const PageObservation* page) override {
    std::optional<PageObservation> copy;
    if (page) copy = *page;
    return Batched("completing a URL", [this, outcome, copy = std::move(copy)] {
      return PgStore::Complete(outcome, copy ? &*copy : nullptr);
    });
  }
  Status Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
               std::string_view error) override {
    return Batched("queueing a URL for a retry",
                   [=, this, owner = std::string(owner), error = std::string(error)] {
                     return PgStore::Retry(id, owner, attempts, not_before, error);
                   });
  }
  Status Release(int64_t id, std::string_view owner, TimePoint not_before) override {
    return Batched("releasing a URL",
                   [=, this, owner = std::string(owner)] { return PgStore::Release(id, owner, not_before); });
  }
  Result<int64_t> RecoverLeases(std::string_view site, TimePoint now, bool all) override {
    return Batched("recovering leases",
                   [=, this, site = std::string(site)] { return PgStore::RecoverLeases(site, now, all); });
  }
  Result<int64_t> ReleaseLeases(std::string_view site, std::string_view owner) override {
    return Batched("releasing leases", [=, this, site = std::string(site), owner = std::string(owner)] {
      return PgStore::ReleaseLeases(site, owner);
    });
  }
  Result<int64_t> RequeueDue(std::string_view site, TimePoint now, bool all) override {
    return Batched("queueing due revisits",
                   [=, this, site = std::string(site)] { return PgStore::RequeueDue(site, now, all); });
  }
  Result<int64_t> ClearWaits(std::string_view site, TimePoint now) override {
    return Batched("clearing holds",
                   [=, this, site = std::string(site)] { return PgStore::ClearWaits(site, now); });
  }
  Result<std::vector<LeasedUrl>> RecordParseDeath(std::string_view site,
                                                  const std::vector<int64_t>& being_parsed, int limit,
                                                  std::string_view owner, TimePoint now,
                                                  milliseconds lease_for) override {
    return Batched("recording a parse death",
                   [=, this, site = std::string(site), owner = std::string(owner)] {
                     return PgStore::RecordParseDeath(site, being_parsed, limit, owner, now, lease_for);
                   });
  }
  Result<int64_t> BeginRun(const RunInfo& run) override {
    return Batched("recording the run's start", [this, run] { return PgStore::BeginRun(run); });
  }
  Status FinishRun(int64_t run_id, const RunStats& stats) override {
    return Batched("recording the run's end",
                   [this, run_id, stats] { return PgStore::FinishRun(run_id, stats); });
  }
  Status PutRunFill(const RunFill& fill) override {
    return Batched("recording fill rates", [this, fill] { return PgStore::PutRunFill(fill); });
  }
  Status PutFillAlarms(int64_t run_id, std::string_view site, const std::vector<FillAlarm>& alarms) override {
    return Batched("recording fill alarms", [=, this, site = std::string(site)] {
      return PgStore::PutFillAlarms(run_id, site, alarms);
    });
  }

  // --- reads and idempotent writes: done again ---
  Status Flush() override {
    return Retried("committing", [this] { return PgStore::Flush(); });
  }
  Status Heartbeat(int64_t run_id, TimePoint now, const RunStats& so_far) override {
    return Retried("recording a heartbeat", [&] { return PgStore::Heartbeat(run_id, now, so_far); });
  }
  Result<std::vector<int64_t>> ReapDeadRuns(TimePoint now, milliseconds stale_after) override {
    return Retried("reaping dead runs", [&] { return PgStore::ReapDeadRuns(now, stale_after); });
  }
  Result<FrontierCounts> CountUrls(std::string_view site) override {
    return Retried("counting URLs", [&] { return PgStore::CountUrls(site); });
  }
  Result<std::optional<TimePoint>> NextEligible(std::string_view site) override {
    return Retried("reading the frontier", [&] { return PgStore::NextEligible(site); });
  }
  Result<std::vector<int64_t>> ListRawResponses(const RawQuery& query) override {
    return Retried("listing raw responses", [&] { return PgStore::ListRawResponses(query); });
  }
  Result<ArchivedResponse> GetRawResponse(int64_t id) override {
    return Retried("reading a raw response", [&] { return PgStore::GetRawResponse(id); });
  }
  Result<std::vector<RunFill>> ListRunFill(std::string_view site, bool good_only, int limit) override {
    return Retried("reading fill rates", [&] { return PgStore::ListRunFill(site, good_only, limit); });
  }
  Result<std::vector<DegradedRun>> ListDegradedRuns(std::string_view site, int limit) override {
    return Retried("reading degraded runs", [&] { return PgStore::ListDegradedRuns(site, limit); });
  }
  Result<std::vector<JobRecord>> ListJobs() override {
    return Retried("listing jobs", [&] { return PgStore::ListJobs(); });
  }
  Result<std::optional<JobRecord>> GetJob(std::string_view name) override {
    return Retried("reading a job", [&] { return PgStore::GetJob(name); });
  }
  Result<std::vector<JobLock>> ListJobLocks() override {
    return Retried("listing job locks", [&] { return PgStore::ListJobLocks(); });
  }
  Result<std::vector<RunRecord>> ListRuns(std::string_view job, bool include_manual, int limit) override {
    return Retried("listing runs", [&] { return PgStore::ListRuns(job, include_manual, limit); });
  }
  Result<int64_t> CurrentChangeSeq() override {
    return Retried("reading the change sequence", [&] { return PgStore::CurrentChangeSeq(); });
  }
  Result<int64_t> LastExportSeq(std::string_view target) override {
    return Retried("reading export records", [&] { return PgStore::LastExportSeq(target); });
  }
  Result<int64_t> CountExports(std::string_view target) override {
    return Retried("counting exports", [&] { return PgStore::CountExports(target); });
  }
  Result<StatsReport> ComputeStats() override {
    return Retried("computing stats", [&] { return PgStore::ComputeStats(); });
  }
  Status CheckIntegrity() override {
    return Retried("checking the schema", [&] { return PgStore::CheckIntegrity(); });
  }

  // --- writes that commit on their own and are not idempotent, and scans that feed a callback ---
  Status PutJob(const JobRecord& record, TimePoint now) override {
    return Once("storing a job", [&] { return PgStore::PutJob(record, now); });
  }
  Result<bool> RemoveJob(std::string_view name) override {
    return Once("removing a job", [&] { return PgStore::RemoveJob(name); });
  }
  Result<bool> SetJobPaused(std::string_view name, bool paused, TimePoint now) override {
    return Once("pausing a job", [&] { return PgStore::SetJobPaused(name, paused, now); });
  }
  Result<bool> SetJobCheckedThrough(std::string_view name, std::optional<TimePoint> expected,
                                    TimePoint to) override {
    return Once("advancing a job", [&] { return PgStore::SetJobCheckedThrough(name, expected, to); });
  }
  Result<bool> AcquireJobLock(const JobLock& lock, TimePoint now, std::string_view replace_owner) override {
    return Once("taking a job lock", [&] { return PgStore::AcquireJobLock(lock, now, replace_owner); });
  }
  Result<bool> RenewJobLock(std::string_view job, std::string_view owner, TimePoint now, TimePoint expires_at,
                            int64_t run_id) override {
    return Once("renewing a job lock",
                [&] { return PgStore::RenewJobLock(job, owner, now, expires_at, run_id); });
  }
  Status ReleaseJobLock(std::string_view job, std::string_view owner) override {
    return Once("releasing a job lock", [&] { return PgStore::ReleaseJobLock(job, owner); });
  }
  Result<int64_t> EndUnfinishedRuns(std::string_view job, std::string_view outcome,
                                    TimePoint finished_at) override {
    return Once("ending unfinished runs",
                [&] { return PgStore::EndUnfinishedRuns(job, outcome, finished_at); });
  }
  Status ScanTable(const ExportTable& table, const ExportFilter& filter,
                   const std::function<Status(const Row&)>& row) override {
    return Once("exporting", [&] { return PgStore::ScanTable(table, filter, row); });
  }
  Status ScanArticleDocuments(const ExportFilter& filter,
                              const std::function<Status(const Json&)>& doc) override {
    return Once("exporting", [&] { return PgStore::ScanArticleDocuments(filter, doc); });
  }
  Status RecordExports(const std::vector<ExportRecord>& records) override {
    return Once("recording exports", [&] { return PgStore::RecordExports(records); });
  }

  // --- Lease: committed at once, found again by its expiry ---
  Result<std::vector<LeasedUrl>> Lease(const LeaseRequest& request) override {
    Rep& r = rep();
    if (r.depth > 0) return PgStore::Lease(request);
    Nested nested(r);
    HC_RETURN_IF_ERROR(Ready("leasing URLs"));
    LeaseRequest mine = request;
    int64_t expires = Millis(mine.now) + std::chrono::duration_cast<milliseconds>(mine.lease_for).count();
    if (expires <= r.last_lease_expires) {  // "now" a millisecond or so later: one expiry per Lease
      mine.now += milliseconds(r.last_lease_expires + 1 - expires);
      expires = r.last_lease_expires + 1;
    }
    r.last_lease_expires = expires;
    for (int lost = 0;; ++lost) {
      auto leased = PgStore::Lease(mine);
      if (leased.ok() || !r.conn->broken()) return leased;
      if (lost == kMostLossesPerOperation) return TooManyLosses("leasing URLs", leased.status());
      HC_RETURN_IF_ERROR(Recover("leasing URLs", leased.status()));
      // Did the lost lease commit? Its rows, if any, have this owner and exactly this expiry.
      auto taken = pg::LeasesExpiringAt(*r.conn, mine.site, mine.owner, expires);
      if (taken.ok() && !taken->empty()) return taken;
      if (!taken.ok() && !r.conn->broken()) return taken.status();
    }
  }

 private:
  struct Nested {
    explicit Nested(Rep& r) : rep(r) { ++rep.depth; }
    ~Nested() { --rep.depth; }
    Rep& rep;
  };

  // Before an operation: after a reconnect that ran out of time, one quick try; a connection known to
  // be broken is reconnected first (nothing was sent on it).
  Status Ready(std::string_view what) {
    Rep& r = rep();
    HC_RETURN_IF_ERROR(r.reconnect.Ready(*r.conn, what));
    if (r.conn->broken()) return Recover(what, Status::IoError("postgresql: connection lost"));
    return Status::Ok();
  }

  Status TooManyLosses(std::string_view what, const Status& cause) {
    return rep().reconnect.TooManyLosses(what, cause);
  }

  // An operation that writes in the open batch: logged before it runs, so that a batch lost with the
  // connection is redone whole (this operation last).
  template <typename Op>
  auto Batched(std::string_view what, Op op) -> decltype(op()) {
    using R = decltype(op());
    Rep& r = rep();
    if (r.depth > 0) return op();
    Nested nested(r);
    HC_RETURN_IF_ERROR(Ready(what));
    auto slot = std::make_shared<std::optional<R>>();
    // Held here as well as in batch_log: an operation that commits the batch (BeginRun, a full batch)
    // clears batch_log while it runs, which must not destroy the running operation and its captures.
    auto entry = std::make_shared<std::function<Status()>>([op = std::move(op), slot]() mutable -> Status {
      R out = op();
      Status s = StatusOf(out);
      slot->emplace(std::move(out));
      return s;
    });
    r.batch_log.push_back([entry] { return (*entry)(); });
    const size_t entries = r.batch_log.size();
    Status s = (*entry)();
    if (!r.conn->broken() && pg::LostToAnotherTransaction(s) && r.batch && r.batch_log.size() == entries) {
      // A deadlock or serialization failure with another process's open batch, which retrying the
      // statement did not get past: this batch's earlier statements may hold what the other waits for.
      slot->reset();
      s = RedoLostBatch(what, s);
      if (s.ok()) return std::move(**slot);
      if (!r.conn->broken()) return s;  // the batch was dropped, as s says
    }
    if (!r.conn->broken()) {
      // A failed operation undid its own writes (its savepoint): nothing of it to redo.
      if (!s.ok() && r.batch_log.size() == entries) r.batch_log.pop_back();
      return std::move(**slot);
    }
    slot->reset();
    HC_RETURN_IF_ERROR(Recover(what, s));
    if (*slot) return std::move(**slot);  // redone on the new session, with the rest of its batch
    // Not redone: only the answer to the COMMIT of its batch was lost, and the batch had committed.
    if constexpr (std::is_same_v<R, Status>) {
      return Status::Ok();
    } else {
      return Status::IoError(r.where + ": the connection was lost while " + std::string(what) +
                             "; it was committed, but its result was lost with the connection");
    }
  }

  // A read or an idempotent write: done again after a reconnect.
  template <typename Op>
  auto Retried(std::string_view what, Op op) -> decltype(op()) {
    Rep& r = rep();
    if (r.depth > 0) return op();
    Nested nested(r);
    HC_RETURN_IF_ERROR(Ready(what));
    for (int lost = 0;; ++lost) {
      auto out = op();
      if (StatusOf(out).ok() || !r.conn->broken()) return out;
      if (lost == kMostLossesPerOperation) return TooManyLosses(what, StatusOf(out));
      HC_RETURN_IF_ERROR(Recover(what, StatusOf(out)));
    }
  }

  // Not done again: after a reconnect it fails, saying so.
  template <typename Op>
  auto Once(std::string_view what, Op op) -> decltype(op()) {
    Rep& r = rep();
    if (r.depth > 0) return op();
    Nested nested(r);
    HC_RETURN_IF_ERROR(Ready(what));
    auto out = op();
    if (StatusOf(out).ok() || !r.conn->broken()) return out;
    const Status cause = StatusOf(out);
    HC_RETURN_IF_ERROR(Recover(what, cause));
    return Status::IoError(cause.message() + "; reconnected, but " + std::string(what) +
                           " is not done again: it may or may not have taken effect");
  }

  // Reconnects with backoff within the limit (pg::Reconnector, shared with the side connections),
  // settles a COMMIT whose answer was lost and redoes the lost batch. IoError when the server stays away
  // past the limit, or when redoing the batch fails.
  Status Recover(std::string_view what, const Status& cause) {
    Rep& r = rep();
    // The old session's transaction is gone with it (the guard's ROLLBACK fails on the dead connection).
    r.batch.reset();
    r.pages_in_batch = 0;
    r.urls_added_in_batch.clear();
    std::vector<std::function<Status()>> log = std::move(r.batch_log);
    r.batch_log.clear();
    pg::Reconnector::Pending pending;
    if (!log.empty()) {
      pending.redo = ", then redoing the " + std::to_string(log.size()) + " operations of the open batch";
      pending.unstored = "; the open batch (" + std::to_string(log.size()) + " operations) was not stored";
    }
    Status s = r.reconnect.Recover(*r.conn, what, cause, pending,
                                   [&](Steady::time_point deadline) { return Resume(log, deadline); });
    if (s.ok()) return s;
    r.batch.reset();
    r.batch_log.clear();
    if (r.reconnect.gave_up()) {
      r.unknown_commit_xid.reset();
      return s;
    }
    return Status::IoError(r.where + ": reconnected, but redoing the open batch failed: " + s.message() +
                           "; its operations were not stored");
  }

  // On the new session: settles a lost COMMIT's outcome, then redoes `log` in order. When the connection
  // breaks again, `log` is left holding what is still to redo.
  Status Resume(std::vector<std::function<Status()>>& log, Steady::time_point deadline) {
    Rep& r = rep();
    while (r.unknown_commit_xid) {
      auto status =
          r.conn->Exec("SELECT pg_xact_status($1::xid8)", pg::Params().Add(*r.unknown_commit_xid).span());
      if (!status.ok()) return status.status();
      const std::string outcome = status->rows() == 1 ? std::string(status->Text(0, 0)) : "";
      if (outcome == "committed") {
        spdlog::info("{}: the batch whose commit got no answer was committed", r.where);
        r.unknown_commit_xid.reset();
        log.clear();
      } else if (outcome == "aborted") {
        r.unknown_commit_xid.reset();
      } else if (outcome == "in progress" && Steady::now() < deadline) {
        std::this_thread::sleep_for(milliseconds(50));  // the old backend has not ended yet
      } else {
        r.unknown_commit_xid.reset();
        log.clear();
        return Status::IoError("cannot tell whether the batch whose commit got no answer committed (" +
                               (outcome.empty() ? std::string("no status") : outcome) + ")");
      }
    }
    return Redo(log);
  }

  // Runs `log` again, in order, in a new batch, each entry logged again as it runs (a commit inside
  // clears batch_log, as when it first ran). On a failure, `log` is left holding what is still to do:
  // the entries since the last commit, the failed one among them, and those not run.
  Status Redo(std::vector<std::function<Status()>>& log) {
    Rep& r = rep();
    for (size_t i = 0; i < log.size(); ++i) {
      r.batch_log.push_back(log[i]);
      Status s = log[i]();
      if (s.ok() && !r.conn->broken()) continue;
      std::vector<std::function<Status()>> rest = std::move(r.batch_log);
      r.batch_log.clear();
      rest.insert(rest.end(), log.begin() + static_cast<std::ptrdiff_t>(i) + 1, log.end());
      log = std::move(rest);
      if (r.conn->broken()) {
        r.batch.reset();
        return s.ok() ? Status::IoError("postgresql: connection lost") : s;
      }
      return s;
    }
    log.clear();
    return Status::Ok();
  }

  // The open batch lost to another transaction (a deadlock, a serialization failure): rolls it back,
  // which frees the rows its earlier statements hold so the other transaction goes on, and does it
  // again from batch_log after a pause, up to kMostBatchRedos times. Ok when a redo went through. When
  // the connection breaks meanwhile, batch_log is left holding what is still to redo, for Recover.
  // Otherwise the whole batch is dropped (rolled back) and the IoError says so: its URLs stay leased
  // to this process, and the next crawl takes them back, as after a reconnect that ran out of time.
  Status RedoLostBatch(std::string_view what, Status cause) {
    Rep& r = rep();
    thread_local std::minstd_rand jitter(std::random_device{}());
    std::vector<std::function<Status()>> log = std::move(r.batch_log);
    r.batch_log.clear();
    const size_t operations = log.size();
    milliseconds pause = kFirstRedoPause;
    for (int round = 1; round <= kMostBatchRedos; ++round) {
      r.batch.reset();  // ROLLBACK
      r.pages_in_batch = 0;
      r.urls_added_in_batch.clear();
      spdlog::warn("{}: {}: {}; the open batch lost to another transaction: rolled back, redoing its {} "
                   "operations (round {} of {})",
                   r.where, what, cause.message(), log.size(), round, kMostBatchRedos);
      std::this_thread::sleep_for(pause + milliseconds(jitter() % (pause.count() + 1)));
      pause *= 2;
      Status s = Redo(log);
      if (s.ok()) {
        spdlog::info("{}: the open batch was redone after losing to another transaction", r.where);
        return s;
      }
      if (r.conn->broken()) {
        r.batch_log = std::move(log);
        return s;
      }
      if (!pg::LostToAnotherTransaction(s) || !r.batch) {
        r.batch.reset();
        r.batch_log.clear();
        return Status::IoError(r.where + ": " + std::string(what) +
                               ": redoing the open batch after it lost to another transaction failed: " +
                               s.message() + "; the open batch (" + std::to_string(operations) +
                               " operations) was not stored; run the command again: it resumes");
      }
      cause = s;
    }
    r.batch.reset();
    r.batch_log.clear();
    Status gone = Status::IoError(r.where + ": " + std::string(what) + ": the open batch lost to another "
                                  "transaction " + std::to_string(kMostBatchRedos + 1) +
                                  " times (last: " + cause.message() + "); the open batch (" +
                                  std::to_string(operations) +
                                  " operations) was not stored; run the command again: it resumes");
    spdlog::error("{}", gone.message());
    return gone;
  }
};

}  // namespace

std::unique_ptr<PgStore> pg::NewReconnectingPgStore(std::unique_ptr<PgStore::Rep> rep) {
  return std::make_unique<ReconnectingPgStore>(std::move(rep));
}

}  // namespace hc::store
