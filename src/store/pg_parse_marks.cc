// Poison-page marks in a PostgreSQL database (store/frontier.h SharedParseMarks; table parse_marks,
// migration 12): one row per parse worker of each running crawler process, on a connection of the
// marks' own so that every mark is committed as it is written, outside the crawl's write batch. A lost
// connection is reconnected with the Database's backoff and limit (pg::Reconnector) and the statement
// run again: each is idempotent, or (the DELETE that takes dead owners' marks) loses at most one count
// of a death, as a crash during the file's rewrite does on SQLite.
#include <spdlog/spdlog.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/host.h"
#include "store/database.h"
#include "store/frontier.h"
#include "store/pg_reconnector_internal.h"
#include "store/pg_rep_internal.h"

namespace hc::store {
namespace {

using pg::Params;
using pg::PgConnection;

class PgParseMarks final : public SharedParseMarks {
 public:
  PgParseMarks(PgConnection conn, pg::Reconnector reconnect, std::string site, std::string owner)
      : conn_(std::move(conn)), reconnect_(std::move(reconnect)), site_(std::move(site)), owner_(std::move(owner)) {}

  ~PgParseMarks() override {
    std::lock_guard lock(mu_);
    auto gone = Exec("clearing the parse marks", "DELETE FROM parse_marks WHERE site = $1 AND owner = $2",
                     Params().Add(site_).Add(owner_));
    if (!gone.ok()) spdlog::warn("crawl {}: parse marks not cleared: {}", site_, gone.status().ToString());
    if (write_failed_) spdlog::warn("crawl {}: some parse marks could not be written", site_);
  }

  void Set(int slot, int64_t frontier_id) override {
    std::lock_guard lock(mu_);
    auto set = Exec("writing a parse mark",
                    "UPDATE parse_marks SET frontier_id = $4 WHERE site = $1 AND owner = $2 AND slot = $3",
                    Params().Add(site_).Add(owner_).Add(slot).Add(frontier_id));
    if (!set.ok()) write_failed_ = true;
  }

  Status Start(int slots, Left* left) {
    // Dead owners' rows are taken by one DELETE: of two processes starting at once, one counts them.
    auto owners = Exec("reading the parse marks", "SELECT DISTINCT owner FROM parse_marks WHERE site = $1",
                       Params().Add(site_));
    if (!owners.ok()) return owners.status();
    const std::string host = HostName();
    Json dead = Json::array();
    for (int i = 0; i < owners->rows(); ++i) {
      const std::string owner(owners->Text(i, 0));
      if (owner == owner_ || pg::OwnerIsGone(owner, host)) dead.push_back(owner);
    }
    *left = Left{};
    if (!dead.empty()) {
      auto taken = Exec(
          "taking dead processes' parse marks",
          "DELETE FROM parse_marks WHERE site = $1 AND owner IN (SELECT json_array_elements_text($2::json))"
          " RETURNING owner, frontier_id",
          Params().Add(site_).Add(internal::DumpJson(dead)));
      if (!taken.ok()) return taken.status();
      std::set<std::string> found;
      for (int i = 0; i < taken->rows(); ++i) {
        found.insert(std::string(taken->Text(i, 0)));
        const int64_t id = pg::Int(*taken, i, 1);
        if (id > 0) left->being_parsed.push_back(id);
      }
      left->owners.assign(found.begin(), found.end());
    }
    // ON CONFLICT: run again after a lost answer, the rows it made are kept.
    auto made = Exec("writing the parse marks",
                     "INSERT INTO parse_marks (site, owner, slot, frontier_id, started_at)"
                     " SELECT $1, $2, s, 0, $4 FROM generate_series(0, $3::bigint - 1) AS s"
                     " ON CONFLICT (site, owner, slot) DO NOTHING",
                     Params().Add(site_).Add(owner_).Add(slots).Add(FormatUtc(SystemClock().Now())));
    return made.status();
  }

 private:
  // One statement, committed on its own, run again on a new session when the connection is lost.
  Result<pg::PgResult> Exec(std::string_view what, std::string_view sql, const Params& params) {
    return reconnect_.Retried(conn_, what, [&] { return conn_.Exec(sql, params.span()); });
  }

  std::mutex mu_;
  PgConnection conn_;
  pg::Reconnector reconnect_;
  const std::string site_, owner_;
  bool write_failed_ = false;
};

}  // namespace

Result<std::unique_ptr<SharedParseMarks>> OpenSharedParseMarks(const std::string& location,
                                                               std::string_view site, std::string_view owner,
                                                               int slots, SharedParseMarks::Left* left) {
  if (!IsPostgresLocation(location)) {
    return Status::Unsupported(
        "parse marks in the database need PostgreSQL; a SQLite crawl keeps them in a file");
  }
  auto conn = pg::PgConnection::Open(location);
  if (!conn.ok()) return conn.status();
  auto reconnect = pg::SideReconnector(*conn);
  if (!reconnect.ok()) return reconnect.status();
  auto marks = std::make_unique<PgParseMarks>(std::move(*conn), std::move(*reconnect), std::string(site),
                                              std::string(owner));
  HC_RETURN_IF_ERROR(marks->Start(std::max(slots, 1), left));
  return std::unique_ptr<SharedParseMarks>(std::move(marks));
}

}  // namespace hc::store
