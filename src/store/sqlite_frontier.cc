// SqliteStore as the crawl Frontier: the `frontier` table (schema step "crawl frontier"), one row per
// URL of a site, unique on (site, url_key). Every write joins the store's open batch (BEGIN IMMEDIATE
// ... COMMIT, shared with PutPage), so a page, its URL's final state and the links found on it become
// durable together; Complete wraps them in a savepoint so a refused page leaves no trace.
//
// Times that are compared (not_before, lease_expires) are integers, milliseconds since the Unix epoch,
// so that they sort and compare exactly; added_at and finished_at are ISO 8601 text like the other
// tables' timestamps.
#include <algorithm>
#include <chrono>
#include <string>
#include <tuple>

#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {

using internal::Db;
using internal::Execute;

std::string_view PageChangeName(PageChange change) {
  switch (change) {
    case PageChange::kNone: return "";
    case PageChange::kNew: return "new";
    case PageChange::kChanged: return "changed";
    case PageChange::kUnchanged: return "unchanged";
    case PageChange::kGone: return "gone";
  }
  return "";
}

std::string_view UrlStateName(UrlState state) {
  switch (state) {
    case UrlState::kQueued: return "queued";
    case UrlState::kInFlight: return "in_flight";
    case UrlState::kDone: return "done";
    case UrlState::kFailed: return "failed";
    case UrlState::kRedirected: return "redirected";
  }
  return "unknown";
}

namespace {

int64_t Millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Status InsertUrls(Db& db, const std::vector<NewUrl>& urls, const std::string& now, int64_t* added) {
  for (const NewUrl& u : urls) {
    if (u.site.empty() || u.url.empty()) return Status::InvalidArgument("frontier: a URL without site or url");
    // One Query per row: the cached statement is reset when the Query goes out of scope.
    auto q = db.Prepare(
        "INSERT INTO frontier (site, url_key, url, origin, depth, priority, redirects, not_before,"
        " discovered_from, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT (site, url_key) DO NOTHING");
    if (!q.ok()) return q.status();
    q->Bind(1, u.site).Bind(2, u.url_key.empty() ? u.url : u.url_key).Bind(3, u.url).Bind(4, u.origin);
    q->Bind(5, u.depth).Bind(6, u.priority).Bind(7, u.redirects).Bind(8, Millis(u.not_before));
    q->BindOrNull(9, u.discovered_from).Bind(10, now);
    HC_RETURN_IF_ERROR(q->Run());
    *added += sqlite3_changes(db.raw());
  }
  return Status::Ok();
}

// The columns a LeasedUrl is read from (LeasedFromRow), in RETURNING clauses.
constexpr const char* kLeasedColumns =
    " RETURNING id, site, url, url_key, origin, depth, priority, redirects, attempts, discovered_from, detail,"
    "   visits, etag, last_modified, body_sha1, revisit_ms, parse_deaths";

LeasedUrl LeasedFromRow(internal::Query& q) {
  LeasedUrl l;
  l.id = q.Int(0);
  l.site = q.Text(1);
  l.url = q.Text(2);
  l.url_key = q.Text(3);
  l.origin = q.Text(4);
  l.depth = static_cast<int>(q.Int(5));
  l.priority = static_cast<int>(q.Int(6));
  l.redirects = static_cast<int>(q.Int(7));
  l.attempts = static_cast<int>(q.Int(8));
  l.discovered_from = q.OptText(9).value_or("");
  l.last_error = q.OptText(10).value_or("");
  l.visits = static_cast<int>(q.Int(11));
  l.etag = q.OptText(12).value_or("");
  l.last_modified = q.OptText(13).value_or("");
  l.body_sha1 = q.OptText(14).value_or("");
  l.revisit = std::chrono::milliseconds(q.OptInt(15).value_or(0));
  l.parse_deaths = static_cast<int>(q.Int(16));
  return l;
}

}  // namespace

Result<int64_t> SqliteStore::AddUrls(const std::vector<NewUrl>& urls) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  Db& db = *rep_->db;
  HC_RETURN_IF_ERROR(Execute(db, "SAVEPOINT frontier_add"));  // prepared once (Db::Prepare)
  int64_t added = 0;
  Status s = InsertUrls(db, urls, FormatUtc(rep_->clock->Now()), &added);
  if (!s.ok()) return internal::AbandonSavepoint(*rep_, "frontier_add", s);
  HC_RETURN_IF_ERROR(Execute(db, "RELEASE frontier_add"));
  return added;
}

Result<std::vector<LeasedUrl>> SqliteStore::Lease(const LeaseRequest& request) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  Db& db = *rep_->db;
  const int64_t now = Millis(request.now);
  // Leases that ran out belong to nobody: back to the queue first, so one query serves both.
  HC_RETURN_IF_ERROR(Execute(db,
                             "UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_expires = NULL"
                             " WHERE site = ?1 AND state = 'in_flight' AND lease_expires <= ?2",
                             request.site, now));
  Json skip = Json::array();
  for (const auto& origin : request.skip_origins) skip.push_back(origin);
  auto q = db.Prepare(
      "UPDATE frontier SET state = 'in_flight', lease_owner = ?2, lease_expires = ?3"
      " WHERE id IN (SELECT id FROM frontier WHERE site = ?1 AND state = 'queued' AND not_before <= ?4"
      "   AND origin NOT IN (SELECT value FROM json_each(?5))"
      "   ORDER BY priority DESC, depth, id LIMIT ?6)" +
      std::string(kLeasedColumns));
  if (!q.ok()) return q.status();
  q->Bind(1, request.site).Bind(2, request.owner).Bind(3, now + std::chrono::duration_cast<std::chrono::milliseconds>(request.lease_for).count());
  q->Bind(4, now).Bind(5, internal::DumpJson(skip)).Bind(6, std::max(0, request.max_urls));
  std::vector<LeasedUrl> out;
  while (q->Step()) out.push_back(LeasedFromRow(*q));
  HC_RETURN_IF_ERROR(q->status());
  // RETURNING comes in no particular order.
  std::sort(out.begin(), out.end(), [](const LeasedUrl& a, const LeasedUrl& b) {
    return std::tuple(-a.priority, a.depth, a.id) < std::tuple(-b.priority, b.depth, b.id);
  });
  return out;
}

Status SqliteStore::Complete(const UrlOutcome& outcome, const PageObservation* page) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  if (outcome.state != UrlState::kDone && outcome.state != UrlState::kFailed &&
      outcome.state != UrlState::kRedirected) {
    return Status::InvalidArgument("frontier: outcome state " + std::string(UrlStateName(outcome.state)) +
                                   " is not final");
  }
  if (page) HC_RETURN_IF_ERROR(internal::ValidatePage(*page));
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  Db& db = *rep_->db;
  HC_RETURN_IF_ERROR(Execute(db, "SAVEPOINT frontier_complete"));  // prepared once (Db::Prepare)
  auto undo = [this](const Status& s) { return internal::AbandonSavepoint(*rep_, "frontier_complete", s); };
  const std::string now = FormatUtc(rep_->clock->Now());
  const bool visited = outcome.change != PageChange::kNone;
  const bool changed = outcome.change == PageChange::kNew || outcome.change == PageChange::kChanged;
  auto q = db.Prepare(
      "UPDATE frontier SET state = ?3, detail = ?4, attempts = ?5, http_status = ?6, finished_at = ?7,"
      " lease_owner = NULL, lease_expires = NULL,"
      " etag = coalesce(?8, etag), last_modified = coalesce(?9, last_modified),"
      " body_sha1 = coalesce(?10, body_sha1), revisit_ms = ?11, next_visit = ?12,"
      " visits = visits + ?13, changes = changes + ?14, last_change = coalesce(?15, last_change),"
      " run_id = ?16"
      " WHERE id = ?1 AND lease_owner = ?2 AND state = 'in_flight'"
      " RETURNING url_key");
  if (!q.ok()) return undo(q.status());
  q->Bind(1, outcome.id).Bind(2, outcome.owner).Bind(3, UrlStateName(outcome.state));
  q->BindOrNull(4, outcome.detail).Bind(5, outcome.attempts);
  if (outcome.http_status > 0) q->Bind(6, outcome.http_status);
  q->Bind(7, FormatUtc(outcome.finished_at));
  q->BindOrNull(8, outcome.etag).BindOrNull(9, outcome.last_modified).BindOrNull(10, outcome.body_sha1);
  if (outcome.revisit.count() > 0) {
    q->Bind(11, static_cast<int64_t>(outcome.revisit.count()));
    q->Bind(12, Millis(outcome.finished_at) + static_cast<int64_t>(outcome.revisit.count()));
  }
  q->Bind(13, visited ? 1 : 0).Bind(14, changed ? 1 : 0).BindOrNull(15, PageChangeName(outcome.change));
  if (outcome.run_id > 0) q->Bind(16, outcome.run_id);
  const bool leased = q->Step();
  if (!q->status().ok()) return undo(q->status());
  if (!leased) {
    return undo(Status::Busy("frontier: URL " + std::to_string(outcome.id) + " is not leased to " + outcome.owner));
  }
  const std::string url_key = q->Text(0);
  while (q->Step()) {
  }
  Status s;
  if (page) {
    s = internal::WritePage(*rep_, *page);
    if (!s.ok()) return undo(s);
  } else if (outcome.change == PageChange::kUnchanged) {
    // The visit is data too (when was this page last seen as it is), but not a change to export.
    s = Execute(db,
                "UPDATE pages SET last_fetched_at = max(last_fetched_at, ?2), fetch_count = fetch_count + 1"
                " WHERE url = ?1",
                url_key, FormatUtc(outcome.finished_at));
    if (!s.ok()) return undo(s);
  }
  int64_t added = 0;
  s = InsertUrls(db, outcome.discovered, now, &added);
  if (!s.ok()) return undo(s);
  HC_RETURN_IF_ERROR(Execute(db, "RELEASE frontier_complete"));
  ++rep_->pages_in_batch;  // a URL state counts as a page: a crawl of failures still commits steadily
  if (internal::BatchIsFull(*rep_)) return Flush();
  return Status::Ok();
}

Status SqliteStore::Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
                          std::string_view error) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  HC_RETURN_IF_ERROR(Execute(*rep_->db,
                             "UPDATE frontier SET state = 'queued', attempts = ?3, not_before = ?4, detail = ?5,"
                             " lease_owner = NULL, lease_expires = NULL"
                             " WHERE id = ?1 AND lease_owner = ?2 AND state = 'in_flight'",
                             id, owner, attempts, Millis(not_before), error));
  if (sqlite3_changes(rep_->db->raw()) != 1) {
    return Status::Busy("frontier: URL " + std::to_string(id) + " is not leased to " + std::string(owner));
  }
  return Status::Ok();
}

Status SqliteStore::Release(int64_t id, std::string_view owner, TimePoint not_before) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  HC_RETURN_IF_ERROR(Execute(*rep_->db,
                             "UPDATE frontier SET state = 'queued', not_before = max(not_before, ?3),"
                             " lease_owner = NULL, lease_expires = NULL"
                             " WHERE id = ?1 AND lease_owner = ?2 AND state = 'in_flight'",
                             id, owner, Millis(not_before)));
  if (sqlite3_changes(rep_->db->raw()) != 1) {
    return Status::Busy("frontier: URL " + std::to_string(id) + " is not leased to " + std::string(owner));
  }
  return Status::Ok();
}

Result<int64_t> SqliteStore::RecoverLeases(std::string_view site, TimePoint now, bool all) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  HC_RETURN_IF_ERROR(Execute(*rep_->db,
                             "UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_expires = NULL"
                             " WHERE site = ?1 AND state = 'in_flight' AND (?2 OR lease_expires <= ?3)",
                             site, all ? 1 : 0, Millis(now)));
  return static_cast<int64_t>(sqlite3_changes(rep_->db->raw()));
}

Result<int64_t> SqliteStore::ReleaseLeases(std::string_view site, std::string_view owner) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  HC_RETURN_IF_ERROR(Execute(*rep_->db,
                             "UPDATE frontier SET state = 'queued', lease_owner = NULL, lease_expires = NULL"
                             " WHERE site = ?1 AND state = 'in_flight' AND lease_owner = ?2",
                             site, owner));
  return static_cast<int64_t>(sqlite3_changes(rep_->db->raw()));
}

Result<int64_t> SqliteStore::RequeueDue(std::string_view site, TimePoint now, bool all) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  HC_RETURN_IF_ERROR(Execute(*rep_->db,
                             "UPDATE frontier SET state = 'queued', attempts = 0, not_before = ?2,"
                             " next_visit = NULL, detail = NULL, parse_deaths = 0"
                             " WHERE site = ?1 AND state = 'done' AND (?3 OR next_visit <= ?2)",
                             site, Millis(now), all ? 1 : 0));
  return static_cast<int64_t>(sqlite3_changes(rep_->db->raw()));
}

Result<int64_t> SqliteStore::ClearWaits(std::string_view site, TimePoint now) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  HC_RETURN_IF_ERROR(Execute(*rep_->db,
                             "UPDATE frontier SET not_before = ?2, attempts = 0"
                             " WHERE site = ?1 AND state = 'queued' AND not_before > ?2",
                             site, Millis(now)));
  return static_cast<int64_t>(sqlite3_changes(rep_->db->raw()));
}

Result<std::vector<LeasedUrl>> SqliteStore::RecordParseDeath(std::string_view site,
                                                             const std::vector<int64_t>& being_parsed, int limit,
                                                             std::string_view owner, TimePoint now,
                                                             std::chrono::milliseconds lease_for) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  Db& db = *rep_->db;
  Json ids = Json::array();
  for (int64_t id : being_parsed) ids.push_back(id);
  const std::string ids_json = internal::DumpJson(ids);
  // `parse_deaths > 0` in each statement lets SQLite use the partial index frontier_parse_deaths, so a
  // frontier of millions of URLs is not scanned at every start after a death.
  HC_RETURN_IF_ERROR(Execute(db,
                             "UPDATE frontier SET parse_deaths = 0 WHERE site = ?1 AND parse_deaths > 0"
                             " AND id NOT IN (SELECT value FROM json_each(?2))",
                             site, ids_json));
  HC_RETURN_IF_ERROR(Execute(db,
                             "UPDATE frontier SET parse_deaths = parse_deaths + 1 WHERE site = ?1"
                             " AND state = 'queued' AND id IN (SELECT value FROM json_each(?2))",
                             site, ids_json));
  auto q = db.Prepare(
      "UPDATE frontier SET state = 'in_flight', lease_owner = ?2, lease_expires = ?3"
      " WHERE site = ?1 AND state = 'queued' AND parse_deaths > 0 AND parse_deaths >= ?4" +
      std::string(kLeasedColumns));
  if (!q.ok()) return q.status();
  q->Bind(1, site).Bind(2, owner).Bind(3, Millis(now) + lease_for.count()).Bind(4, std::max(1, limit));
  std::vector<LeasedUrl> out;
  while (q->Step()) out.push_back(LeasedFromRow(*q));
  HC_RETURN_IF_ERROR(q->status());
  std::sort(out.begin(), out.end(), [](const LeasedUrl& a, const LeasedUrl& b) { return a.id < b.id; });
  return out;
}

bool SqliteStore::UrlIsCommitted(int64_t id) { return !rep_->in_batch || id <= rep_->frontier_max_id_at_begin; }

Result<FrontierCounts> SqliteStore::CountUrls(std::string_view site) {
  auto q = rep_->db->Prepare("SELECT state, count(*) FROM frontier WHERE site = ?1 GROUP BY state");
  if (!q.ok()) return q.status();
  q->Bind(1, site);
  FrontierCounts c;
  while (q->Step()) {
    const std::string state = q->Text(0);
    const int64_t n = q->Int(1);
    if (state == "queued") c.queued = n;
    else if (state == "in_flight") c.in_flight = n;
    else if (state == "done") c.done = n;
    else if (state == "failed") c.failed = n;
    else if (state == "redirected") c.redirected = n;
  }
  HC_RETURN_IF_ERROR(q->status());
  return c;
}

Result<std::optional<TimePoint>> SqliteStore::NextEligible(std::string_view site) {
  auto q = rep_->db->Prepare("SELECT min(not_before) FROM frontier WHERE site = ?1 AND state = 'queued'");
  if (!q.ok()) return q.status();
  q->Bind(1, site);
  std::optional<TimePoint> next;
  if (q->Step() && !q->IsNull(0)) next = TimePoint(std::chrono::milliseconds(q->Int(0)));
  HC_RETURN_IF_ERROR(q->status());
  return next;
}

}  // namespace hc::store
