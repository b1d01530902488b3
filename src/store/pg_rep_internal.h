// Internal to src/store: the state behind a PgStore, shared by the pg_*.cc files that implement it.
//
// Thread-safety: as PgStore, one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "store/archive_codec_internal.h"
#include "store/pg_connection_internal.h"
#include "store/pg_reconnector_internal.h"
#include "store/pg_store_internal.h"
#include "store/sqlite_internal.h"  // HC_RETURN_IF_ERROR, DumpJson (the same JSON text on both backends)

namespace hc::store {

struct PgStore::Rep {
  std::optional<pg::PgConnection> conn;
  StoreOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::string where;  // "postgresql database <name>", for messages (never the connection string)
  std::optional<pg::PgTransaction> batch;  // the open write batch
  int pages_in_batch = 0;
  std::chrono::steady_clock::time_point batch_started{};
  std::unordered_set<int64_t>
      urls_added_in_batch;  // frontier ids inserted by the open batch (UrlIsCommitted)
  std::unique_ptr<internal::ArchiveCodec> archive;  // compresses and reads raw_responses bodies

  // After a lost connection (pg_reconnect.cc). The open batch's operations in order, each writing
  // again what it wrote, so that a batch lost with its session is redone on the next one; empty when
  // no batch is open (CommitBatch clears it).
  std::vector<std::function<Status()>> batch_log;
  // The transaction id of a batch whose COMMIT got no answer: the next session asks the server
  // (pg_xact_status) whether it committed.
  std::optional<std::string> unknown_commit_xid;
  pg::Reconnector reconnect;  // the backoff, its limit, and whether the last reconnect ran out of time
  int depth = 0;  // > 0 inside a wrapped operation (its nested calls are not wrapped again)
  int64_t last_lease_expires = 0;  // each Lease gets a later expiry than the one before (ms)
};

namespace pg {

// The raw archive's zstd_dictionaries rows on PostgreSQL (pg_archive.cc), for the shared ArchiveCodec.
class PgDictionaries final : public internal::DictionarySource {
 public:
  explicit PgDictionaries(PgConnection& conn) : conn_(conn) {}
  Result<std::optional<internal::DictionaryRow>> Latest(int64_t site_id) override;
  Result<std::optional<internal::DictionaryBytes>> Load(int64_t id) override;
  Result<int64_t> Store(const internal::NewDictionary& dictionary) override;

 private:
  PgConnection& conn_;
};

// Opens the write batch (BEGIN) unless one is open.
Status BeginBatch(PgStore::Rep& rep);
// The open batch has reached batch_pages pages or batch_max_age.
bool BatchIsFull(const PgStore::Rep& rep);
// Commits the open batch, if any, so that a write outside it (a run record, a job) sees and is seen.
Status CommitBatch(PgStore::Rep& rep);
// Writes a validated page inside the open batch, without a savepoint of its own (PutPage adds one;
// Complete wraps it with its URL's state in one).
Status WritePage(PgStore::Rep& rep, const PageObservation& page);
// The rows leased to `owner` in `site` whose lease expires at `expires_ms`: what a Lease took when its
// answer was lost with the connection (pg_frontier.cc).
Result<std::vector<LeasedUrl>> LeasesExpiringAt(PgConnection& conn, std::string_view site,
                                                std::string_view owner, int64_t expires_ms);
// The store Open returns: PgStore under the reconnect policy (pg_reconnect.cc).
std::unique_ptr<PgStore> NewReconnectingPgStore(std::unique_ptr<PgStore::Rep> rep);
// Undoes the open batch's work since `SAVEPOINT <name>` after `cause` and returns `cause`; when even
// that fails, the whole batch is gone and the IoError says how many pages it held.
Status AbandonSavepoint(PgStore::Rep& rep, std::string_view name, const Status& cause);
// Runs `body` inside `SAVEPOINT <name>` of the open batch. The rows a page shares with other pages
// (its site, hospitals, doctors, diseases, questions) are looked up and inserted when missing; two
// processes that write pages sharing a new row at once both miss it, and the second INSERT fails on the
// unique key once the first commits (SQLSTATE 23505). Then the savepoint is rolled back and `body` runs
// again (a few times at most), finding the row. Any other failure, or the last, undoes the savepoint
// (AbandonSavepoint) and is returned.
Status InSavepointRetryingInsertRaces(PgStore::Rep& rep, std::string_view name,
                                      const std::function<Status()>& body);
// A lease or mark owner "<host>:<pid>" whose process is known to be gone: its host is `this_host` and
// no process has its pid (never this process). Any other owner (another host, another form) may be alive.
bool OwnerIsGone(std::string_view owner, const std::string& this_host);
// The change sequence (migration 13: the SEQUENCE change_seq_next). A writer takes numbers without a
// row lock, so writers of many processes do not queue on one row; what keeps an incremental export
// from passing a number whose rows are not committed yet is this advisory lock: every transaction that
// takes a number holds it shared until it ends, and the export's watermark (WaitForChangeSeq) takes it
// exclusively once, so it waits for every transaction that may hold a number at or below the watermark.
inline constexpr int64_t kChangeSeqLockKey = 0x68635351;  // 'hcSQ'
// Takes kChangeSeqLockKey shared for the rest of the caller's transaction. A write transaction does
// this first, before it locks any row: a transaction waiting here (behind an export's exclusive
// request) then holds nothing that the export's wait could need, so the wait cannot deadlock.
Status HoldChangeSeqShared(PgConnection& conn);
// The next change sequence number, inside the caller's transaction, which must hold kChangeSeqLockKey
// shared (a batch takes it in BeginBatch; a transaction of its own calls HoldChangeSeqShared first).
Result<int64_t> NextChangeSeq(PgConnection& conn);
// The newest change sequence number handed out, once every transaction that may hold it or an older
// one has ended: rows with updated_seq up to it are all committed (or rolled back) and visible to a
// statement that starts afterwards. The caller must not be inside a transaction that holds rows
// another writer could wait for.
Result<int64_t> WaitForChangeSeq(PgConnection& conn);

}  // namespace pg

}  // namespace hc::store
