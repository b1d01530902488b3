// HostPace on PostgreSQL (store/host_pace.h): the tables host_pace and robots_cache (migration 11),
// each reservation and claim one statement, timed by the server's clock (clock_timestamp(), seconds
// since 1970), so that crawlers on machines whose clocks disagree still keep one pace.
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/host_pace.h"
#include "store/database.h"
#include "store/pg_connection_internal.h"
#include "store/pg_reconnector_internal.h"
#include "store/pg_schema_internal.h"
#include "store/pg_store_internal.h"

namespace hc::store {
namespace {

using pg::Param;
using std::chrono::milliseconds;

// The schema version that added host_pace and robots_cache.
constexpr int kHostPaceVersion = 11;

constexpr std::string_view kNow = "extract(epoch FROM clock_timestamp())";

std::string Seconds(milliseconds d) { return std::to_string(static_cast<double>(d.count()) / 1000.0); }

double ParseDouble(std::string_view text) { return std::strtod(std::string(text).c_str(), nullptr); }

class PgHostPace final : public HostPace {
 public:
  PgHostPace(pg::PgConnection conn, pg::Reconnector reconnect)
      : conn_(std::move(conn)), reconnect_(std::move(reconnect)) {}

  Result<milliseconds> ReserveStart(const std::string& origin, milliseconds delay) override {
    // One statement, so the row lock of ON CONFLICT DO UPDATE orders the reservations of every process:
    // each takes the slot at max(next_allowed_at, now) and moves next_allowed_at one delay past it.
    static const std::string sql =
        std::string(
            "INSERT INTO host_pace AS h (origin, next_allowed_at, delay_seconds, "
            "reservations) VALUES ($1, ") +
        std::string(kNow) +
        " + $2::float8, $2::float8, 1) ON CONFLICT (origin) DO UPDATE SET "
        "next_allowed_at = greatest(h.next_allowed_at, " +
        std::string(kNow) +
        ") + $2::float8, delay_seconds = $2::float8, reservations = h.reservations + 1 "
        "RETURNING next_allowed_at - $2::float8 - " +
        std::string(kNow);
    const std::string seconds = Seconds(delay);
    auto result = Exec(sql, {Param::Text(origin), Param::Text(seconds)});
    if (!result.ok()) return result.status();
    const double wait = ParseDouble(result->Text(0, 0));
    if (!(wait > 0)) return milliseconds(0);
    return milliseconds(static_cast<int64_t>(wait * 1000.0 + 0.999));
  }

  Status HoldOrigin(const std::string& origin, milliseconds wait) override {
    static const std::string sql =
        "INSERT INTO host_pace AS h (origin, next_allowed_at, delay_seconds, reservations) VALUES ($1, " +
        std::string(kNow) + " + $2::float8, 0, 0) ON CONFLICT (origin) DO UPDATE SET next_allowed_at = " +
        "greatest(h.next_allowed_at, " + std::string(kNow) + " + $2::float8)";
    const std::string seconds = Seconds(wait);
    auto result = Exec(sql, {Param::Text(origin), Param::Text(seconds)});
    return result.ok() ? Status::Ok() : result.status();
  }

  Result<RobotsLookup> LookupRobots(const std::string& origin, const std::string& owner,
                                    milliseconds claim_for) override {
    // A valid answer first; else the claim, taken when nobody holds it or its holder's time is up (the
    // WHERE of DO UPDATE makes it a compare-and-swap); else another process is fetching it.
    auto cached = Cached(origin);
    if (!cached.ok() || cached->state == RobotsLookup::State::kCached) return cached;
    static const std::string claim =
        "INSERT INTO robots_cache AS r (origin, fetching_owner, fetching_until) VALUES ($1, $2, " +
        std::string(kNow) + " + $3::float8) ON CONFLICT (origin) DO UPDATE SET fetching_owner = $2, " +
        "fetching_until = " + std::string(kNow) +
        " + $3::float8 WHERE (r.fetching_owner IS NULL OR r.fetching_owner = $2 OR r.fetching_until < " +
        std::string(kNow) + ") AND (r.expires_at IS NULL OR r.expires_at <= " + std::string(kNow) +
        ") RETURNING 1";
    const std::string seconds = Seconds(claim_for);
    auto claimed = Exec(claim, {Param::Text(origin), Param::Text(owner), Param::Text(seconds)});
    if (!claimed.ok()) return claimed.status();
    if (claimed->rows() == 1) return RobotsLookup{};  // kFetch
    // Someone holds the claim, or has just stored the answer.
    cached = Cached(origin);
    if (!cached.ok() || cached->state == RobotsLookup::State::kCached) return cached;
    RobotsLookup wait;
    wait.state = RobotsLookup::State::kWait;
    return wait;
  }

  Status PutRobots(const std::string& origin, int status, const std::string& body,
                   std::chrono::seconds lifetime) override {
    static const std::string sql =
        "INSERT INTO robots_cache AS r (origin, status, body, fetched_at, expires_at) VALUES ($1, "
        "$2::bigint, $3, "
        "to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), " +
        std::string(kNow) +
        " + $4::float8) ON CONFLICT (origin) DO UPDATE SET status = excluded.status, body = excluded.body, "
        "fetched_at = excluded.fetched_at, expires_at = excluded.expires_at, fetching_owner = NULL, "
        "fetching_until = NULL";
    const std::string code = std::to_string(status);
    const std::string seconds = std::to_string(lifetime.count());
    auto result =
        Exec(sql, {Param::Text(origin), Param::Text(code), Param::Bytes(body), Param::Text(seconds)});
    return result.ok() ? Status::Ok() : result.status();
  }

  Status ReleaseRobots(const std::string& origin, const std::string& owner) override {
    auto result = Exec(
        "UPDATE robots_cache SET fetching_owner = NULL, fetching_until = NULL WHERE origin = $1 AND "
        "fetching_owner = $2",
        {Param::Text(origin), Param::Text(owner)});
    return result.ok() ? Status::Ok() : result.status();
  }

 private:
  // kCached with the answer when robots_cache holds a valid one, else kFetch (not decided yet).
  Result<RobotsLookup> Cached(const std::string& origin) {
    static const std::string sql =
        "SELECT status, body, expires_at - " + std::string(kNow) +
        " FROM robots_cache WHERE origin = $1 AND status IS NOT NULL AND expires_at > " + std::string(kNow);
    auto result = Exec(sql, {Param::Text(origin)});
    if (!result.ok()) return result.status();
    if (result->rows() == 0) return RobotsLookup{};
    auto body = result->Bytes(0, 1);
    if (!body.ok()) return body.status();
    RobotsLookup cached;
    cached.state = RobotsLookup::State::kCached;
    cached.status = static_cast<int>(ParseDouble(result->Text(0, 0)));
    cached.body = *std::move(body);
    cached.expires_in = std::chrono::seconds(static_cast<int64_t>(ParseDouble(result->Text(0, 2))));
    return cached;
  }

  // A statement on the pace connection; when the connection breaks (a server restart, a terminated
  // backend) it is reconnected with the store's backoff and limit (pg::Reconnector) and the statement
  // sent again. Each statement is one transaction and none is harmful twice: a start reserved by the
  // lost attempt is only unused (it slows the origin down, never speeds it up), and a robots.txt claim
  // made again by its owner is its own.
  Result<pg::PgResult> Exec(std::string_view sql, std::initializer_list<Param> params) {
    const std::vector<Param> kept(params);
    return reconnect_.Retried(conn_, "pacing a request",
                              [&] { return conn_.Exec(sql, std::span<const Param>(kept)); });
  }

  pg::PgConnection conn_;
  pg::Reconnector reconnect_;
};

}  // namespace

Result<std::unique_ptr<HostPace>> pg::OpenPgHostPace(const std::string& conninfo) {
  auto conn = pg::PgConnection::Open(conninfo);
  if (!conn.ok()) return conn.status();
  auto version = pg::InspectPgSchema(*conn);
  if (!version.ok()) return version.status();
  if (*version < kHostPaceVersion) {
    return Status::Corruption("postgresql database \"" + std::string(conn->database()) +
                              "\": schema version " + std::to_string(*version) +
                              " has no host_pace table (open it with a writer first)");
  }
  auto reconnect = pg::SideReconnector(*conn);
  if (!reconnect.ok()) return reconnect.status();
  return std::unique_ptr<HostPace>(std::make_unique<PgHostPace>(std::move(*conn), std::move(*reconnect)));
}

}  // namespace hc::store
