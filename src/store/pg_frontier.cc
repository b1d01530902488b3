// PgStore as the crawl Frontier, shared by every crawler process on the database (issue #16 point 3):
// the same `frontier` table and the same states as SQLite's (sqlite_frontier.cc), times compared as
// integer milliseconds since the Unix epoch.
//
// Leasing is where several processes meet. Lease first commits the open write batch, then takes its
// URLs in one short statement of its own: `SELECT ... FOR UPDATE SKIP LOCKED` picks eligible rows no
// other transaction holds, and the UPDATE around it makes them in_flight with this owner and an expiry,
// committed at once, so two processes never lease the same URL and another process sees the lease as
// soon as it is taken. A lease that expired is eligible again to anybody. The other writes (AddUrls,
// Complete, Retry, Release, ...) join the open batch like PutPage (pg_dataset.cc); Complete wraps its
// URL state, its page and the links found on it in one savepoint, so a refused page leaves no trace.
// Complete, Retry and Release only touch a row leased to the caller (Busy otherwise).
//
// Several processes add the same new URLs at once (a link to a hub page is found everywhere). Each
// insert takes its rows' unique-index entries in (site, url_key) order, whatever the list's order, so
// that two inserts never wait for each other in a circle; the ids are drawn in the list's order first,
// so they still follow SQLite's. A statement that loses to another transaction anyway (a deadlock with
// what an earlier statement of the open batch holds, a serialization failure) is undone to its
// savepoint and run again, a few times, after a growing pause.
//
// RecoverLeases with `all` does not take every lease, since other live crawlers may hold some: it takes
// the expired ones and those whose owner ("<host>:<pid>") runs on this host and whose process is gone.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_set>

#include "core/host.h"
#include "store/pg_rep_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {

using pg::Params;
using pg::PgConnection;
using pg::PgResult;

namespace {

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

// The URLs as one JSON array parameter; a URL already known (or repeated in the list) is skipped before
// it is inserted, so the identity does not advance for it. The others get their ids in the list's order
// (so ids grow as on SQLite) and are inserted in key order (so concurrent inserts lock in one order).
Status InsertUrls(PgConnection& c, const std::vector<NewUrl>& urls, const std::string& now, int64_t* added,
                  std::unordered_set<int64_t>* ids) {
  if (urls.empty()) return Status::Ok();
  Json rows = Json::array();
  for (const NewUrl& u : urls) {
    if (u.site.empty() || u.url.empty())
      return Status::InvalidArgument("frontier: a URL without site or url");
    rows.push_back(Json{{"site", u.site},
                        {"url_key", u.url_key.empty() ? u.url : u.url_key},
                        {"url", u.url},
                        {"origin", u.origin},
                        {"depth", u.depth},
                        {"priority", u.priority},
                        {"redirects", u.redirects},
                        {"not_before", Millis(u.not_before)},
                        {"discovered_from", u.discovered_from.empty() ? Json() : Json(u.discovered_from)}});
  }
  auto r = c.ExecUnprepared(
      // `fresh` is materialized (it calls nextval): ids drawn once, in list order. Unprepared: the
      // generic plan of a prepared statement ran about 4 times slower (pg_connection_internal.h).
      "WITH fresh AS (SELECT nextval(pg_get_serial_sequence('frontier', 'id')) AS id, n.* FROM"
      "   (SELECT * FROM (SELECT DISTINCT ON (u.site, u.url_key) u.*, e.n"
      "       FROM json_array_elements($1::json) WITH ORDINALITY AS e(v, n),"
      "            json_to_record(e.v) AS u(site text, url_key text, url text, origin text, depth bigint,"
      "              priority bigint, redirects bigint, not_before bigint, discovered_from text)"
      "       ORDER BY u.site, u.url_key, e.n) AS d"
      "    WHERE NOT EXISTS (SELECT 1 FROM frontier f WHERE f.site = d.site AND f.url_key = d.url_key)"
      "    ORDER BY d.n) AS n)"
      " INSERT INTO frontier (id, site, url_key, url, origin, depth, priority, redirects, not_before,"
      " discovered_from, added_at)"
      " SELECT id, site, url_key, url, origin, depth, priority, redirects, not_before, discovered_from, $2"
      " FROM fresh ORDER BY site COLLATE \"C\", url_key COLLATE \"C\""
      " ON CONFLICT (site, url_key) DO NOTHING RETURNING id",
      Params().Add(internal::DumpJson(rows)).Add(now).span());
  if (!r.ok()) return r.status();
  *added += r->rows();
  for (int i = 0; i < r->rows(); ++i) ids->insert(pg::Int(*r, i, 0));
  return Status::Ok();
}

// How often a frontier insert that lost to another transaction is run again, and the first pause (it
// doubles each time, with jitter so that two losers do not meet again): at most about 0.6 s in all.
constexpr int kInsertRetries = 5;
constexpr std::chrono::milliseconds kFirstRetryPause{20};

// InsertUrls in the savepoint `name` of the open batch, run again after a deadlock or a serialization
// failure (the savepoint undoes the lost attempt). Any other failure, or the last loss, undoes the
// savepoint and is returned.
Status InsertUrlsRetrying(PgStore::Rep& rep, std::string_view name, const std::vector<NewUrl>& urls,
                          const std::string& now, int64_t* added) {
  PgConnection& c = *rep.conn;
  const std::string savepoint(name);
  thread_local std::minstd_rand jitter(std::random_device{}());
  for (int attempt = 0;; ++attempt) {
    auto sp = c.Exec("SAVEPOINT " + savepoint);
    if (!sp.ok()) return sp.status();
    int64_t n = 0;
    Status s = InsertUrls(c, urls, now, &n, &rep.urls_added_in_batch);
    if (s.ok()) {
      auto released = c.Exec("RELEASE SAVEPOINT " + savepoint);
      if (!released.ok()) return released.status();
      *added += n;
      return Status::Ok();
    }
    if (!pg::LostToAnotherTransaction(s) || attempt >= kInsertRetries) {
      if (pg::LostToAnotherTransaction(s)) {
        s = Status::Busy(s.message() + " (after " + std::to_string(kInsertRetries) + " retries)");
      }
      return pg::AbandonSavepoint(rep, savepoint, s);
    }
    auto back = c.Exec("ROLLBACK TO SAVEPOINT " + savepoint);
    if (!back.ok()) return pg::AbandonSavepoint(rep, savepoint, s);
    (void)c.Exec("RELEASE SAVEPOINT " + savepoint);
    const auto pause = kFirstRetryPause * (1 << attempt);
    std::this_thread::sleep_for(pause + std::chrono::milliseconds(jitter() % (pause.count() + 1)));
  }
}

// The columns a LeasedUrl is read from (LeasedFromRow), in RETURNING clauses.
// (Qualified: Lease's UPDATE joins its picked ids.)
constexpr const char* kLeasedColumns =
    " RETURNING f.id, f.site, f.url, f.url_key, f.origin, f.depth, f.priority, f.redirects, f.attempts,"
    "   f.discovered_from, f.detail, f.visits, f.etag, f.last_modified, f.body_sha1, f.revisit_ms,"
    "   f.parse_deaths";

LeasedUrl LeasedFromRow(const PgResult& r, int row) {
  LeasedUrl l;
  l.id = pg::Int(r, row, 0);
  l.site = r.Text(row, 1);
  l.url = r.Text(row, 2);
  l.url_key = r.Text(row, 3);
  l.origin = r.Text(row, 4);
  l.depth = static_cast<int>(pg::Int(r, row, 5));
  l.priority = static_cast<int>(pg::Int(r, row, 6));
  l.redirects = static_cast<int>(pg::Int(r, row, 7));
  l.attempts = static_cast<int>(pg::Int(r, row, 8));
  l.discovered_from = pg::OptText(r, row, 9).value_or("");
  l.last_error = pg::OptText(r, row, 10).value_or("");
  l.visits = static_cast<int>(pg::Int(r, row, 11));
  l.etag = pg::OptText(r, row, 12).value_or("");
  l.last_modified = pg::OptText(r, row, 13).value_or("");
  l.body_sha1 = pg::OptText(r, row, 14).value_or("");
  l.revisit = std::chrono::milliseconds(pg::OptInt(r, row, 15).value_or(0));
  l.parse_deaths = static_cast<int>(pg::Int(r, row, 16));
  return l;
}

// Leased rows in the order the crawl takes them: priority first, then depth, then id.
std::vector<LeasedUrl> LeasedInOrder(const PgResult& r) {
  std::vector<LeasedUrl> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(LeasedFromRow(r, i));
  std::sort(out.begin(), out.end(), [](const LeasedUrl& a, const LeasedUrl& b) {
    return std::tuple(-a.priority, a.depth, a.id) < std::tuple(-b.priority, b.depth, b.id);
  });
  return out;
}

Status NotLeased(int64_t id, std::string_view owner) {
  return Status::Busy("frontier: URL " + std::to_string(id) + " is not leased to " + std::string(owner));
}

}  // namespace

bool pg::OwnerIsGone(std::string_view owner, const std::string& this_host) {
  const auto colon = owner.rfind(':');
  if (colon == std::string_view::npos || owner.substr(0, colon) != this_host) return false;
  const std::string_view digits = owner.substr(colon + 1);
  int64_t pid = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return false;
  if (pid == static_cast<int64_t>(::getpid())) return false;
  return ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

Result<int64_t> PgStore::AddUrls(const std::vector<NewUrl>& urls) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  int64_t added = 0;
  HC_RETURN_IF_ERROR(InsertUrlsRetrying(*rep_, "frontier_add", urls, FormatUtc(rep_->clock->Now()), &added));
  return added;
}

Result<std::vector<LeasedUrl>> PgStore::Lease(const LeaseRequest& request) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  // The lease is committed at once (visible to every process), so the open batch goes first.
  HC_RETURN_IF_ERROR(Flush());
  PgConnection& c = *rep_->conn;
  const int64_t now = Millis(request.now);
  // Leases that ran out belong to nobody: back to the queue (rows another transaction holds are left).
  auto back = c.Exec(
      "WITH expired AS (SELECT id FROM frontier WHERE site = $1 AND state = 'in_flight' AND lease_expires <= "
      "$2"
      "   FOR UPDATE SKIP LOCKED)"
      " UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_expires = NULL"
      " FROM expired WHERE frontier.id = expired.id",
      Params().Add(request.site).Add(now).span());
  if (!back.ok()) return back.status();
  Json skip = Json::array();
  for (const auto& origin : request.skip_origins) skip.push_back(origin);
  auto r = c.Exec(
      // A CTE: FOR UPDATE makes PostgreSQL run it once (an IN subquery may be rerun, leasing more).
      "WITH picked AS (SELECT id FROM frontier WHERE site = $1 AND state = 'queued' AND not_before <= $4"
      "   AND origin NOT IN (SELECT json_array_elements_text($5::json))"
      "   ORDER BY priority DESC, depth, id LIMIT $6 FOR UPDATE SKIP LOCKED)"
      " UPDATE frontier AS f SET state = 'in_flight', lease_owner = $2, lease_expires = $3"
      " FROM picked WHERE f.id = picked.id" +
          std::string(kLeasedColumns),
      Params()
          .Add(request.site)
          .Add(request.owner)
          .Add(now + std::chrono::duration_cast<std::chrono::milliseconds>(request.lease_for).count())
          .Add(now)
          .Add(internal::DumpJson(skip))
          .Add(static_cast<int64_t>(std::max(0, request.max_urls)))
          .span());
  if (!r.ok()) return r.status();
  return LeasedInOrder(*r);
}

Status PgStore::Complete(const UrlOutcome& outcome, const PageObservation* page) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  if (outcome.state != UrlState::kDone && outcome.state != UrlState::kFailed &&
      outcome.state != UrlState::kRedirected) {
    return Status::InvalidArgument("frontier: outcome state " + std::string(UrlStateName(outcome.state)) +
                                   " is not final");
  }
  if (page) HC_RETURN_IF_ERROR(internal::ValidatePage(*page));
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  PgConnection& c = *rep_->conn;
  const std::string now = FormatUtc(rep_->clock->Now());
  const bool visited = outcome.change != PageChange::kNone;
  const bool changed = outcome.change == PageChange::kNew || outcome.change == PageChange::kChanged;
  Params p;
  p.Add(outcome.id).Add(outcome.owner).Add(UrlStateName(outcome.state)).AddOrNull(outcome.detail);
  p.Add(outcome.attempts);
  if (outcome.http_status > 0)
    p.Add(outcome.http_status);
  else
    p.Null();
  p.Add(FormatUtc(outcome.finished_at));
  p.AddOrNull(outcome.etag).AddOrNull(outcome.last_modified).AddOrNull(outcome.body_sha1);
  if (outcome.revisit.count() > 0) {
    p.Add(static_cast<int64_t>(outcome.revisit.count()));
    p.Add(Millis(outcome.finished_at) + static_cast<int64_t>(outcome.revisit.count()));
  } else {
    p.Null().Null();
  }
  p.Add(visited ? 1 : 0).Add(changed ? 1 : 0).AddOrNull(PageChangeName(outcome.change));
  if (outcome.run_id > 0)
    p.Add(outcome.run_id);
  else
    p.Null();
  // The URL's state, its page and its links: all or none (InSavepointRetryingInsertRaces).
  HC_RETURN_IF_ERROR(pg::InSavepointRetryingInsertRaces(*rep_, "frontier_complete", [&]() -> Status {
    auto r = c.Exec(
        "UPDATE frontier SET state = $3, detail = $4, attempts = $5, http_status = $6, finished_at = $7,"
        " lease_owner = NULL, lease_expires = NULL,"
        " etag = coalesce($8, etag), last_modified = coalesce($9, last_modified),"
        " body_sha1 = coalesce($10, body_sha1), revisit_ms = $11, next_visit = $12,"
        " visits = visits + $13, changes = changes + $14, last_change = coalesce($15, last_change),"
        " run_id = $16"
        " WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight'"
        " RETURNING url_key",
        p.span());
    if (!r.ok()) return r.status();
    if (r->rows() != 1) return NotLeased(outcome.id, outcome.owner);
    const std::string url_key(r->Text(0, 0));
    Status s;
    if (page) {
      s = pg::WritePage(*rep_, *page);
      if (!s.ok()) return s;
    } else if (outcome.change == PageChange::kUnchanged) {
      // The visit is data too (when was this page last seen as it is), but not a change to export.
      auto u = c.Exec(
          "UPDATE pages SET last_fetched_at = greatest(last_fetched_at, $2), fetch_count = fetch_count + 1"
          " WHERE url = $1",
          Params().Add(url_key).Add(FormatUtc(outcome.finished_at)).span());
      if (!u.ok()) return u.status();
    }
    int64_t added = 0;
    return InsertUrlsRetrying(*rep_, "frontier_links", outcome.discovered, now, &added);
  }));
  ++rep_->pages_in_batch;  // a URL state counts as a page: a crawl of failures still commits steadily
  if (pg::BatchIsFull(*rep_)) return Flush();
  return Status::Ok();
}

Status PgStore::Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
                      std::string_view error) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  auto r = rep_->conn->Exec(
      "UPDATE frontier SET state = 'queued', attempts = $3, not_before = $4, detail = $5,"
      " lease_owner = NULL, lease_expires = NULL"
      " WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight'",
      Params().Add(id).Add(owner).Add(attempts).Add(Millis(not_before)).Add(error).span());
  if (!r.ok()) return r.status();
  if (r->AffectedRows() != 1) return NotLeased(id, owner);
  return Status::Ok();
}

Status PgStore::Release(int64_t id, std::string_view owner, TimePoint not_before) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  auto r = rep_->conn->Exec(
      "UPDATE frontier SET state = 'queued', not_before = greatest(not_before, $3),"
      " lease_owner = NULL, lease_expires = NULL"
      " WHERE id = $1 AND lease_owner = $2 AND state = 'in_flight'",
      Params().Add(id).Add(owner).Add(Millis(not_before)).span());
  if (!r.ok()) return r.status();
  if (r->AffectedRows() != 1) return NotLeased(id, owner);
  return Status::Ok();
}

Result<int64_t> PgStore::RecoverLeases(std::string_view site, TimePoint now, bool all) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  PgConnection& c = *rep_->conn;
  Json gone = Json::array();
  if (all) {
    auto owners = c.Exec("SELECT DISTINCT lease_owner FROM frontier WHERE site = $1 AND state = 'in_flight'",
                         Params().Add(site).span());
    if (!owners.ok()) return owners.status();
    const std::string host = HostName();
    for (int i = 0; i < owners->rows(); ++i) {
      if (!owners->IsNull(i, 0) && pg::OwnerIsGone(owners->Text(i, 0), host)) {
        gone.push_back(std::string(owners->Text(i, 0)));
      }
    }
  }
  auto r = c.Exec(
      "WITH lost AS (SELECT id FROM frontier WHERE site = $1 AND state = 'in_flight'"
      "   AND (lease_expires <= $2 OR lease_owner IN (SELECT json_array_elements_text($3::json)))"
      "   FOR UPDATE SKIP LOCKED)"
      " UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_expires = NULL"
      " FROM lost WHERE frontier.id = lost.id",
      Params().Add(site).Add(Millis(now)).Add(internal::DumpJson(gone)).span());
  if (!r.ok()) return r.status();
  return r->AffectedRows();
}

Result<int64_t> PgStore::ReleaseLeases(std::string_view site, std::string_view owner) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  auto r = rep_->conn->Exec(
      "UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_expires = NULL"
      " WHERE site = $1 AND state = 'in_flight' AND lease_owner = $2",
      Params().Add(site).Add(owner).span());
  if (!r.ok()) return r.status();
  return r->AffectedRows();
}

Result<int64_t> PgStore::RequeueDue(std::string_view site, TimePoint now, bool all) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  auto r = rep_->conn->Exec(
      "UPDATE frontier SET state = 'queued', attempts = 0, not_before = $2,"
      " next_visit = NULL, detail = NULL, parse_deaths = 0"
      " WHERE site = $1 AND state = 'done' AND ($3 OR next_visit <= $2)",
      Params().Add(site).Add(Millis(now)).Add(all ? "true" : "false").span());
  if (!r.ok()) return r.status();
  return r->AffectedRows();
}

Result<int64_t> PgStore::ClearWaits(std::string_view site, TimePoint now) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  auto r = rep_->conn->Exec(
      "UPDATE frontier SET not_before = $2, attempts = 0"
      " WHERE site = $1 AND state = 'queued' AND not_before > $2",
      Params().Add(site).Add(Millis(now)).span());
  if (!r.ok()) return r.status();
  return r->AffectedRows();
}

Result<std::vector<LeasedUrl>> PgStore::RecordParseDeath(std::string_view site,
                                                         const std::vector<int64_t>& being_parsed, int limit,
                                                         std::string_view owner, TimePoint now,
                                                         std::chrono::milliseconds lease_for) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  PgConnection& c = *rep_->conn;
  Json ids = Json::array();
  for (int64_t id : being_parsed) ids.push_back(id);
  const std::string ids_json = internal::DumpJson(ids);
  auto reset = c.Exec(
      "UPDATE frontier SET parse_deaths = 0 WHERE site = $1 AND parse_deaths > 0"
      " AND id NOT IN (SELECT json_array_elements_text($2::json)::bigint)",
      Params().Add(site).Add(ids_json).span());
  if (!reset.ok()) return reset.status();
  auto count = c.Exec(
      "UPDATE frontier SET parse_deaths = parse_deaths + 1 WHERE site = $1"
      " AND state = 'queued' AND id IN (SELECT json_array_elements_text($2::json)::bigint)",
      Params().Add(site).Add(ids_json).span());
  if (!count.ok()) return count.status();
  auto r = c.Exec(
      "UPDATE frontier AS f SET state = 'in_flight', lease_owner = $2, lease_expires = $3"
      " WHERE site = $1 AND state = 'queued' AND parse_deaths > 0 AND parse_deaths >= $4" +
          std::string(kLeasedColumns),
      Params().Add(site).Add(owner).Add(Millis(now) + lease_for.count()).Add(std::max(1, limit)).span());
  if (!r.ok()) return r.status();
  std::vector<LeasedUrl> out;
  for (int i = 0; i < r->rows(); ++i) out.push_back(LeasedFromRow(*r, i));
  std::sort(out.begin(), out.end(), [](const LeasedUrl& a, const LeasedUrl& b) { return a.id < b.id; });
  return out;
}

// A URL this store added in the open batch is not committed yet; every other one is (a leased URL always
// is: Lease commits the open batch before it leases).
bool PgStore::UrlIsCommitted(int64_t id) { return !rep_->batch || !rep_->urls_added_in_batch.contains(id); }

Result<FrontierCounts> PgStore::CountUrls(std::string_view site) {
  auto r = rep_->conn->Exec("SELECT state, count(*) FROM frontier WHERE site = $1 GROUP BY state",
                            Params().Add(site).span());
  if (!r.ok()) return r.status();
  FrontierCounts counts;
  for (int i = 0; i < r->rows(); ++i) {
    const std::string_view state = r->Text(i, 0);
    const int64_t n = pg::Int(*r, i, 1);
    if (state == "queued")
      counts.queued = n;
    else if (state == "in_flight")
      counts.in_flight = n;
    else if (state == "done")
      counts.done = n;
    else if (state == "failed")
      counts.failed = n;
    else if (state == "redirected")
      counts.redirected = n;
  }
  return counts;
}

Result<std::optional<TimePoint>> PgStore::NextEligible(std::string_view site) {
  auto r = rep_->conn->Exec("SELECT min(not_before) FROM frontier WHERE site = $1 AND state = 'queued'",
                            Params().Add(site).span());
  if (!r.ok()) return r.status();
  std::optional<TimePoint> next;
  if (r->rows() == 1 && !r->IsNull(0, 0)) next = TimePoint(std::chrono::milliseconds(pg::Int(*r, 0, 0)));
  return next;
}

namespace pg {

Result<std::vector<LeasedUrl>> LeasesExpiringAt(PgConnection& conn, std::string_view site,
                                                std::string_view owner, int64_t expires_ms) {
  // kLeasedColumns is a RETURNING clause of f: the same columns through a no-op UPDATE of those rows.
  auto r = conn.Exec(
      "UPDATE frontier AS f SET lease_expires = lease_expires"
      " WHERE site = $1 AND state = 'in_flight' AND lease_owner = $2 AND lease_expires = $3" +
          std::string(kLeasedColumns),
      Params().Add(site).Add(owner).Add(expires_ms).span());
  if (!r.ok()) return r.status();
  return LeasedInOrder(*r);
}

}  // namespace pg

}  // namespace hc::store
