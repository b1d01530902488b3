// The PostgreSQL RunProgressLog (store/run_progress.h): sqlite_run_progress.cc's UPDATE of crawl_runs on
// a connection of its own. SQLite sets extra.progress_at with json_set, keeping whatever else extra
// holds (or starting from {} when extra is not JSON); PostgreSQL 15 cannot test text for JSON without
// failing, so the row's extra is read, changed and written back here, in one transaction that locks
// the row (SELECT ... FOR UPDATE), so no other writer's change to it is lost.
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "store/dashboard_internal.h"
#include "store/database.h"
#include "store/pg_connection_internal.h"
#include "store/pg_reconnector_internal.h"
#include "store/pg_schema_internal.h"
#include "store/run_progress.h"
#include "store/sqlite_internal.h"  // DumpJson: the JSON text both backends write

namespace hc::store {
namespace {

class PgRunProgress final : public RunProgressLog {
 public:
  PgRunProgress(pg::PgConnection conn, pg::Reconnector reconnect)
      : conn_(std::move(conn)), reconnect_(std::move(reconnect)) {}

  // One transaction that sets the counts and progress_at to these values: done again whole on a new
  // session if the connection is lost under it (pg::Reconnector, the Database's backoff and limit).
  Status RecordRunProgress(int64_t run_id, TimePoint now, const RunProgress& so_far) override {
    return reconnect_.Retried(conn_, "recording a run's progress", [&] { return Record(run_id, now, so_far); });
  }

 private:
  Status Record(int64_t run_id, TimePoint now, const RunProgress& so_far) {
    const int64_t at = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    auto txn = pg::PgTransaction::Begin(conn_);
    if (!txn.ok()) return txn.status();
    const std::string id = std::to_string(run_id);
    auto row =
        conn_.Exec("SELECT extra FROM crawl_runs WHERE id = $1::bigint AND finished_at IS NULL FOR UPDATE",
                   {pg::Param::Text(id)});
    if (!row.ok()) return row.status();
    if (row->rows() == 0) return Status::Ok();  // finished, or no such run: left alone
    nlohmann::ordered_json extra = nlohmann::ordered_json::parse(row->Text(0, 0), nullptr, false);
    if (extra.is_discarded() || !extra.is_object()) extra = nlohmann::ordered_json::object();
    extra["progress_at"] = at;
    const std::string text = internal::DumpJson(extra);
    const std::string counts[] = {
        std::to_string(so_far.pages_fetched),   std::to_string(so_far.pages_stored),
        std::to_string(so_far.pages_failed),    std::to_string(so_far.bytes_fetched),
        std::to_string(so_far.pages_new),       std::to_string(so_far.pages_changed),
        std::to_string(so_far.pages_unchanged), std::to_string(so_far.pages_gone)};
    auto updated = conn_.Exec(
        "UPDATE crawl_runs SET pages_fetched = $2::bigint, pages_stored = $3::bigint, pages_failed = "
        "$4::bigint,"
        " bytes_fetched = $5::bigint, pages_new = $6::bigint, pages_changed = $7::bigint,"
        " pages_unchanged = $8::bigint, pages_gone = $9::bigint, extra = $10::text WHERE id = $1::bigint",
        {pg::Param::Text(id), pg::Param::Text(counts[0]), pg::Param::Text(counts[1]),
         pg::Param::Text(counts[2]), pg::Param::Text(counts[3]), pg::Param::Text(counts[4]),
         pg::Param::Text(counts[5]), pg::Param::Text(counts[6]), pg::Param::Text(counts[7]),
         pg::Param::Text(text)});
    if (!updated.ok()) return updated.status();
    return txn->Commit();
  }

  pg::PgConnection conn_;
  pg::Reconnector reconnect_;
};

}  // namespace

Result<std::unique_ptr<RunProgressLog>> internal::OpenPgRunProgress(const std::string& conninfo,
                                                                    std::chrono::milliseconds busy_timeout) {
  auto conn = pg::PgConnection::Open(conninfo);
  if (!conn.ok()) return conn.status();
  auto version = pg::InspectPgSchema(*conn);
  if (!version.ok()) return version.status();
  if (*version == 0) {
    return Status::NotFound("no healthcrawl dataset in postgresql database \"" +
                            std::string(conn->database()) + "\"");
  }
  auto reconnect = pg::SideReconnector(*conn);
  if (!reconnect.ok()) return reconnect.status();
  // A lock the update waits for longer than this fails as Busy (lock_not_available), as SQLite's
  // busy_timeout does; again on each session after a reconnect.
  Status timeout = conn->SetForSession("SET lock_timeout = " + std::to_string(busy_timeout.count()));
  if (!timeout.ok()) return timeout;
  return std::unique_ptr<RunProgressLog>(new PgRunProgress(std::move(*conn), std::move(*reconnect)));
}

}  // namespace hc::store
