// HostPace on PostgreSQL (store/host_pace.h): the tables host_pace and robots_cache (migration 11),
// host_slots and sitemap_reads (migration 14), each reservation, slot and claim one statement, timed by
// the server's clock (clock_timestamp(), seconds since 1970), so that crawlers on machines whose clocks
// disagree still keep one pace.
#include <algorithm>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/host_pace.h"
#include "core/host.h"
#include "store/database.h"
#include "store/pg_connection_internal.h"
#include "store/pg_reconnector_internal.h"
#include "store/pg_rep_internal.h"
#include "store/pg_schema_internal.h"
#include "store/pg_store_internal.h"

namespace hc::store {
namespace {

using pg::Param;
using pg::Params;
using std::chrono::milliseconds;

// The schema version that added host_slots and sitemap_reads (host_pace and robots_cache came with 11).
constexpr int kHostPaceVersion = 14;

constexpr std::string_view kNow = "extract(epoch FROM clock_timestamp())";

std::string Seconds(milliseconds d) { return std::to_string(static_cast<double>(d.count()) / 1000.0); }

double ParseDouble(std::string_view text) { return std::strtod(std::string(text).c_str(), nullptr); }

class PgHostPace final : public HostPace {
 public:
  PgHostPace(pg::PgConnection conn, pg::Reconnector reconnect)
      : conn_(std::move(conn)), reconnect_(std::move(reconnect)) {}

  Result<StartGrant> AcquireStart(const std::string& origin, const std::string& owner, int concurrency,
                                  milliseconds delay, milliseconds lease_for, int holding) override {
    // One statement:
    //  * turn: another process was refused a slot of this origin in the last second and is next in line
    //    (the row of slot -1). Without it a process that always has a request for the origin would
    //    renew its slot for ever (with no delay) and the others' URLs of it would wait for nothing.
    //  * released: the queued releases, and the slot to renew when another process is next in line.
    //  * candidate, acquired: unless another is next in line, the slot to renew (one of this origin's
    //    queued releases: renewed rather than freed and taken again, as one row is not changed twice by
    //    a statement) or the lowest free one, taken by an upsert whose WHERE makes it a compare-and-swap
    //    (of two processes that pick the same free slot at once, one gets it). A slot of the owner's own
    //    is never taken anew (it may be in `released`). The lease counts from the origin's next start as
    //    the statement began; a start reserved later by a racing process is covered by lease_for's margin.
    //  * queued, served: refused while it holds no slot of the origin ($9), the caller is next in line
    //    (unless another is); served, it is not.
    //  * reserved: with a slot and a delay, the start (as ReserveStart).
    const std::string now(kNow);
    static const std::string sql =
        "WITH turn AS (SELECT 1 FROM host_slots t WHERE t.origin = $1 AND t.slot = -1 AND t.owner <> $2 AND "
        "t.lease_until > " + now + "), "
        "released AS (DELETE FROM host_slots d WHERE d.owner = $2 AND ((d.origin, d.slot) IN (SELECT r.origin, "
        "r.slot FROM unnest($6::text[], $7::int[]) AS r(origin, slot)) OR (d.origin = $1 AND d.slot = $8::int "
        "AND $8::int >= 0 AND EXISTS (SELECT 1 FROM turn)))), "
        "candidate AS (SELECT $8::int AS slot WHERE $8::int >= 0 AND NOT EXISTS (SELECT 1 FROM turn) UNION ALL "
        "(SELECT s FROM generate_series(0, $3::int - 1) s WHERE $8::int < 0 AND NOT EXISTS (SELECT 1 FROM turn) "
        "AND NOT EXISTS (SELECT 1 FROM host_slots h WHERE h.origin = $1 AND h.slot = s AND (h.lease_until > " +
        now + " OR h.owner = $2)) ORDER BY s LIMIT 1)), "
        "acquired AS (INSERT INTO host_slots AS h (origin, slot, owner, lease_until) SELECT $1, slot, $2, "
        "greatest(" + now + ", coalesce((SELECT p.next_allowed_at FROM host_pace p WHERE p.origin = $1), 0)) + "
        "$4::float8 + $5::float8 FROM candidate ON CONFLICT (origin, slot) DO UPDATE SET owner = excluded.owner, "
        "lease_until = excluded.lease_until WHERE h.lease_until <= " + now + " OR h.owner = $2 RETURNING slot), "
        "queued AS (INSERT INTO host_slots AS q (origin, slot, owner, lease_until) SELECT $1, -1, $2, " + now +
        " + 1.0 WHERE $9::int = 0 AND NOT EXISTS (SELECT 1 FROM acquired) ON CONFLICT (origin, slot) DO UPDATE SET owner = "
        "excluded.owner, lease_until = excluded.lease_until WHERE q.lease_until <= " + now + " OR q.owner = $2), "
        "served AS (DELETE FROM host_slots w WHERE w.origin = $1 AND w.slot = -1 AND w.owner = $2 AND EXISTS "
        "(SELECT 1 FROM acquired)), "
        "reserved AS (INSERT INTO host_pace AS p (origin, next_allowed_at, delay_seconds, reservations) "
        "SELECT $1, " + now + " + $4::float8, $4::float8, 1 FROM acquired WHERE $4::float8 > 0 "
        "ON CONFLICT (origin) DO UPDATE SET next_allowed_at = greatest(p.next_allowed_at, " + now +
        ") + $4::float8, delay_seconds = $4::float8, reservations = p.reservations + 1 "
        "RETURNING next_allowed_at - $4::float8 - " + now + " AS wait) "
        "SELECT (SELECT slot FROM acquired), (SELECT wait FROM reserved)";
    // A queued release of this origin's becomes the slot this start renews.
    const Releases releases = SplitReleases(origin, concurrency);
    auto result = Exec(sql, Params()
                                .Add(origin)
                                .Add(owner)
                                .Add(std::max(1, concurrency))
                                .Add(Seconds(delay))
                                .Add(Seconds(lease_for))
                                .Add(releases.origins)
                                .Add(releases.slots)
                                .Add(releases.renew)
                                .Add(holding));
    if (!result.ok()) return result.status();
    releases_.clear();
    StartGrant grant;
    // No slot: every one is taken, another process is next in line (a renewed slot was freed then), or
    // the slot to renew was lost (its lease ran out and another process took it).
    if (result->IsNull(0, 0)) return grant;
    grant.slot = static_cast<int>(ParseDouble(result->Text(0, 0)));
    if (!result->IsNull(0, 1)) {
      const double wait = ParseDouble(result->Text(0, 1));
      if (wait > 0) grant.wait = milliseconds(static_cast<int64_t>(wait * 1000.0 + 0.999));
    }
    return grant;
  }

  void ReleaseSlot(const std::string& origin, int slot) override {
    if (slot >= 0) releases_.emplace_back(origin, slot);
  }

  Status FlushReleases(const std::string& owner) override {
    if (releases_.empty()) return Status::Ok();
    const Releases releases = SplitReleases("", 0);
    auto result = Exec(
        "DELETE FROM host_slots d USING unnest($2::text[], $3::int[]) AS r(origin, slot) WHERE d.origin = "
        "r.origin AND d.slot = r.slot AND d.owner = $1",
        Params().Add(owner).Add(releases.origins).Add(releases.slots));
    if (!result.ok()) return result.status();
    releases_.clear();
    return Status::Ok();
  }

  Status ReleaseAllSlots(const std::string& owner) override {
    auto result = Exec("DELETE FROM host_slots WHERE owner = $1", {Param::Text(owner)});
    if (!result.ok()) return result.status();
    releases_.clear();
    return Status::Ok();
  }

  Result<int64_t> RecoverSlots() override {
    auto owners = Exec("SELECT DISTINCT owner FROM host_slots WHERE slot >= 0", {});
    if (!owners.ok()) return owners.status();
    const std::string host = HostName();
    std::vector<std::string> gone;
    for (int i = 0; i < owners->rows(); ++i) {
      const std::string_view owner = owners->Text(i, 0);
      // A slot owner is the crawl's lease owner `<host>:<pid>` and the number of its run.
      const auto slash = owner.rfind('/');
      if (slash != std::string_view::npos && pg::OwnerIsGone(owner.substr(0, slash), host)) {
        gone.emplace_back(owner);
      }
    }
    if (gone.empty()) return int64_t{0};
    auto freed = Exec("DELETE FROM host_slots WHERE owner = ANY($1::text[])", Params().Add(gone));
    if (!freed.ok()) return freed.status();
    return static_cast<int64_t>(freed->AffectedRows());
  }

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

  Result<bool> ClaimSitemap(const std::string& url, const std::string& owner,
                            std::chrono::seconds fresh_for) override {
    // The WHERE of DO UPDATE makes it a compare-and-swap: of the processes that find the claim stale at
    // once, one takes it.
    static const std::string sql =
        "INSERT INTO sitemap_reads AS s (url, owner, claimed_at) VALUES ($1, $2, " + std::string(kNow) +
        ") ON CONFLICT (url) DO UPDATE SET owner = excluded.owner, claimed_at = excluded.claimed_at WHERE "
        "s.claimed_at <= " +
        std::string(kNow) + " - $3::float8 RETURNING 1";
    const std::string seconds = std::to_string(fresh_for.count());
    auto result = Exec(sql, {Param::Text(url), Param::Text(owner), Param::Text(seconds)});
    if (!result.ok()) return result.status();
    return result->rows() == 1;
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
  Result<pg::PgResult> Exec(std::string_view sql, const Params& params) {
    return reconnect_.Retried(conn_, "pacing a request", [&] { return conn_.Exec(sql, params.span()); });
  }

  // The queued releases as two parallel lists for unnest(), less the first of `origin`'s (a slot below
  // `concurrency`), which is `renew` (-1: none; an empty origin renews nothing).
  struct Releases {
    std::vector<std::string> origins;
    std::vector<int64_t> slots;
    int64_t renew = -1;
  };
  Releases SplitReleases(std::string_view origin, int concurrency) const {
    Releases out;
    for (const auto& [o, slot] : releases_) {
      if (out.renew < 0 && !origin.empty() && o == origin && slot < concurrency) {
        out.renew = slot;
        continue;
      }
      out.origins.push_back(o);
      out.slots.push_back(slot);
    }
    return out;
  }

  pg::PgConnection conn_;
  pg::Reconnector reconnect_;
  std::vector<std::pair<std::string, int>> releases_;  // queued by ReleaseSlot, freed by the next statement
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
                              " lacks host_pace, host_slots or sitemap_reads (open it with a writer first)");
  }
  auto reconnect = pg::SideReconnector(*conn);
  if (!reconnect.ok()) return reconnect.status();
  return std::unique_ptr<HostPace>(std::make_unique<PgHostPace>(std::move(*conn), std::move(*reconnect)));
}

}  // namespace hc::store
