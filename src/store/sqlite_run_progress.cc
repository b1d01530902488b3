// The SQLite RunProgressLog (store/run_progress.h): one UPDATE of crawl_runs on a connection of its own.
#include <chrono>
#include <string>

#include "store/dashboard_internal.h"
#include "store/run_progress.h"
#include "store/sqlite_internal.h"

namespace hc::store {
namespace {

class SqliteRunProgress final : public RunProgressLog {
 public:
  explicit SqliteRunProgress(std::unique_ptr<internal::Db> db) : db_(std::move(db)) {}

  Status RecordRunProgress(int64_t run_id, TimePoint now, const RunProgress& so_far) override {
    const int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    return internal::Execute(
        *db_,
        "UPDATE crawl_runs SET pages_fetched = ?3, pages_stored = ?4, pages_failed = ?5, bytes_fetched = ?6,"
        " pages_new = ?7, pages_changed = ?8, pages_unchanged = ?9, pages_gone = ?10,"
        " extra = json_set(CASE WHEN json_valid(extra) THEN extra ELSE '{}' END, '$.progress_at', ?2)"
        " WHERE id = ?1 AND finished_at IS NULL",
        run_id, at, so_far.pages_fetched, so_far.pages_stored, so_far.pages_failed, so_far.bytes_fetched,
        so_far.pages_new, so_far.pages_changed, so_far.pages_unchanged, so_far.pages_gone);
  }

 private:
  std::unique_ptr<internal::Db> db_;
};

}  // namespace

Result<std::unique_ptr<RunProgressLog>> internal::OpenSqliteRunProgress(
    const std::filesystem::path& db, std::chrono::milliseconds busy_timeout) {
  auto conn = internal::Db::Open(db.string(), /*read_only=*/false, /*create=*/false);
  if (!conn.ok()) return conn.status();
  HC_RETURN_IF_ERROR((*conn)->Exec("PRAGMA busy_timeout = " + std::to_string(busy_timeout.count())));
  return std::unique_ptr<RunProgressLog>(new SqliteRunProgress(std::move(*conn)));
}

}  // namespace hc::store
