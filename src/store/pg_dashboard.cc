// The PostgreSQL DashboardSource (store/dashboard.h): sqlite_dashboard.cc's queries respelled for
// PostgreSQL on a read-only session of its own, each row returned as a JSON object keyed by column
// name, with the JSON types SQLite's answer has for the same rows (bigint -> integer, double precision
// -> number, JSON text -> JSON). Text is ordered with COLLATE "C", SQLite's BINARY, as pg_stats.cc does;
// ties SQLite leaves to its group order are broken the same way here. Parameters are bound ($1, ...)
// with an explicit type each, never spliced; table names come from the catalog, never from a request.
//
// PostgreSQL's schema is always the current version (a reader refuses an older one), so the drift
// alarm's tables (schema 8) are always there: FillHistory reads run_field_fill, never SQLite's
// approximation from the dataset.
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/dashboard.h"
#include "store/dashboard_internal.h"
#include "store/database.h"
#include "store/pg_connection_internal.h"
#include "store/pg_reconnector_internal.h"
#include "store/pg_schema_internal.h"

namespace hc::store {
namespace {

using internal::ClampLimit;
using nlohmann::json;

// pg_type OIDs of the types the dataset's columns and these queries' expressions have.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

int64_t ToInt(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// One value as SQLite's dashboard returns the same column's value: integers and reals as numbers, a
// bytea as its size, NULL as null, anything else as text.
json ColumnValue(const pg::PgResult& r, int row, int column) {
  if (r.IsNull(row, column)) return nullptr;
  const std::string_view text = r.Text(row, column);
  switch (r.ColumnType(column)) {
    case kInt8Oid:
    case kInt2Oid:
    case kInt4Oid:
      return ToInt(text);
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return std::strtod(std::string(text).c_str(), nullptr);
    case kBoolOid:  // SQLite has no booleans: its comparisons are 0 or 1
      return int64_t{text == "t" ? 1 : 0};
    case kByteaOid:  // hex form: "\x" and two digits a byte
      return "(" + std::to_string(text.size() >= 2 ? (text.size() - 2) / 2 : 0) + " bytes)";
    default:
      return std::string(text);
  }
}

// SQLite's CAST(text AS INTEGER): the leading integer of the text, 0 when there is none.
int64_t SqliteInteger(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

class PgDashboard final : public DashboardSource {
 public:
  PgDashboard(pg::PgConnection conn, pg::Reconnector reconnect)
      : conn_(std::move(conn)), reconnect_(std::move(reconnect)) {}

  Result<json> ListRuns(const RunFilter& filter) override {
    const std::string job = filter.job, site = filter.site;
    const std::string before = std::to_string(filter.before_id),
                      limit = std::to_string(ClampLimit(filter.limit));
    return Runs(
        std::string(kRunColumns) +
            " WHERE ($1::text = '' OR job = $1::text)"
            " AND ($2::text = '' OR strpos(',' || sites || ',', ',' || $2::text || ',') > 0)"
            " AND ($3::bigint = 0 OR id < $3::bigint) ORDER BY id DESC LIMIT $4::bigint",
        {pg::Param::Text(job), pg::Param::Text(site), pg::Param::Text(before), pg::Param::Text(limit)});
  }

  Result<std::optional<json>> GetRun(int64_t id) override {
    const std::string run = std::to_string(id);
    auto rows = Runs(std::string(kRunColumns) + " WHERE id = $1::bigint", {pg::Param::Text(run)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<json>();
    return std::optional<json>((*rows)[0]);
  }

  Result<json> RunFailures(int64_t run_id, int examples) override {
    const std::string run = std::to_string(run_id);
    const std::string reasons_limit = std::to_string(internal::kDashboardMaxReasons);
    const std::string examples_limit = std::to_string(internal::ClampExamples(examples));
    auto reasons = Objects(
        "SELECT coalesce(detail, '') AS reason, count(*) AS pages FROM frontier"
        " WHERE run_id = $1::bigint AND state = 'failed' GROUP BY 1"
        " ORDER BY 2 DESC, coalesce(detail, '') COLLATE \"C\" LIMIT $2::bigint",
        {pg::Param::Text(run), pg::Param::Text(reasons_limit)});
    if (!reasons.ok()) return reasons.status();
    for (json& reason : *reasons) {
      const std::string text = reason["reason"].get<std::string>();
      auto urls = Objects(
          "SELECT url FROM frontier WHERE run_id = $1::bigint AND state = 'failed'"
          " AND coalesce(detail, '') = $2::text ORDER BY id LIMIT $3::bigint",
          {pg::Param::Text(run), pg::Param::Text(text), pg::Param::Text(examples_limit)});
      if (!urls.ok()) return urls.status();
      reason["examples"] = json::array();
      for (const json& url : *urls) reason["examples"].push_back(url["url"]);
    }
    return reasons;
  }

  Result<json> ListPages(const PageFilter& filter) override {
    // SQLite compares http_status with CAST(status AS INTEGER); the cast is done here, because
    // PostgreSQL's would fail on "ok" even where the OR never needs it.
    const std::string url = filter.url, site = filter.site, status = filter.status;
    const std::string code = std::to_string(SqliteInteger(filter.status));
    const std::string after = std::to_string(filter.after_id),
                      limit = std::to_string(ClampLimit(filter.limit));
    return Objects(std::string(kPageColumns) +
                       " WHERE ($1::text = '' OR p.url = $1::text OR p.fetched_url = $1::text)"
                       " AND ($2::text = '' OR s.key = $2::text)"
                       " AND ($3::text = '' OR ($3::text = 'ok' AND p.failure_reason IS NULL)"
                       "   OR ($3::text = 'failed' AND p.failure_reason IS NOT NULL)"
                       "   OR ($3::text NOT IN ('ok', 'failed') AND p.http_status = $4::bigint))"
                       " AND p.id > $5::bigint ORDER BY p.id LIMIT $6::bigint",
                   {pg::Param::Text(url), pg::Param::Text(site), pg::Param::Text(status),
                    pg::Param::Text(code), pg::Param::Text(after), pg::Param::Text(limit)});
  }

  Result<std::optional<json>> GetPage(int64_t id) override {
    const std::string page_id = std::to_string(id);
    auto rows = Objects(
        "SELECT s.key AS site, p.* FROM pages p JOIN sites s ON s.id = p.site_id WHERE p.id = $1::bigint",
        {pg::Param::Text(page_id)});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<json>();
    json page = std::move((*rows)[0]);
    auto tables = RecordTables();
    if (!tables.ok()) return tables.status();
    page["records"] = json::object();
    const std::string max_rows = std::to_string(internal::kDashboardMaxRecordRows);
    for (const RecordTable& table : *tables) {
      // SQLite orders by rowid, which is the id of every record table that has one; a table without
      // an id is read in physical order, the write order of its rows (as pg_drift.cc reads).
      auto records = Objects("SELECT * FROM " + internal::QuotedIdentifier(table.name) +
                                 " WHERE page_id = $1::bigint ORDER BY " + (table.has_id ? "id" : "ctid") +
                                 " LIMIT $2::bigint",
                             {pg::Param::Text(page_id), pg::Param::Text(max_rows)});
      if (!records.ok()) return records.status();
      if (!records->empty()) page["records"][table.name] = std::move(*records);
    }
    auto raw = Objects(
        "SELECT id, fetched_at, http_status, body_size FROM raw_responses WHERE page_id = $1::bigint"
        " ORDER BY fetched_at COLLATE \"C\" DESC, id DESC",
        {pg::Param::Text(page_id)});
    if (!raw.ok()) return raw.status();
    page["raw_responses"] = std::move(*raw);
    return std::optional<json>(std::move(page));
  }

  Result<json> FillHistory(const std::string& site, int runs) override {
    json out = {{"runs", json::array()}, {"source", "run_field_fill"}};
    const std::string limit = std::to_string(ClampLimit(runs));
    auto rows = Objects(
        "SELECT f.run_id AS run_id, r.started_at AS started_at, r.outcome AS outcome,"
        " f.page_type || '.' || f.field AS field, f.filled AS filled, f.total AS total"
        " FROM run_field_fill f JOIN crawl_runs r ON r.id = f.run_id"
        " WHERE f.site = $1::text AND f.run_id IN (SELECT DISTINCT run_id FROM run_field_fill"
        "   WHERE site = $1::text ORDER BY run_id DESC LIMIT $2::bigint)"
        " ORDER BY f.run_id, (f.page_type || '.' || f.field) COLLATE \"C\"",
        {pg::Param::Text(site), pg::Param::Text(limit)});
    if (!rows.ok()) return rows.status();
    internal::FoldFillRows(*rows, out);
    return out;
  }

  // In the order the drift check wrote them, as sqlite_dashboard.cc and ListDegradedRuns list them.
  Result<json> RunAlarms(int64_t run_id) override {
    const std::string run = std::to_string(run_id);
    return Objects(
        "SELECT page_type, field, filled, total, rate, baseline, basis FROM run_fill_alarms"
        " WHERE run_id = $1::bigint ORDER BY position",
        {pg::Param::Text(run)});
  }

  Result<json> ListSites() override {
    return Objects(
        "SELECT k.site AS site, coalesce(p.pages, 0) AS pages, coalesce(p.failed, 0) AS pages_failed,"
        " p.last_fetched_at AS last_fetched_at"
        " FROM (SELECT key AS site FROM sites UNION SELECT DISTINCT site FROM frontier) k"
        " LEFT JOIN (SELECT s.key AS site, count(*) AS pages, count(pg.failure_reason) AS failed,"
        "   max(pg.last_fetched_at COLLATE \"C\") AS last_fetched_at"
        "   FROM pages pg JOIN sites s ON s.id = pg.site_id GROUP BY s.key) p ON p.site = k.site"
        " ORDER BY k.site COLLATE \"C\"",
        {});
  }

  Result<json> Metrics() override {
    json out = json::object();
    // sum() of bigints is numeric on PostgreSQL: cast back, as SQLite's sum of integers is one.
    auto runs = Objects(
        "SELECT sites AS site, coalesce(outcome, 'running') AS outcome, count(*) AS runs,"
        " sum(pages_fetched)::bigint AS pages_fetched, sum(pages_stored)::bigint AS pages_stored,"
        " sum(pages_failed)::bigint AS pages_failed, sum(bytes_fetched)::bigint AS bytes_fetched"
        " FROM crawl_runs GROUP BY 1, 2"
        " ORDER BY sites COLLATE \"C\", coalesce(outcome, 'running') COLLATE \"C\"",
        {});
    if (!runs.ok()) return runs.status();
    out["runs"] = std::move(*runs);
    // The latest finished run of each site and job (job '' for crawls run by hand). Times are ISO 8601
    // text in UTC ("...Z"), which timestamptz reads whatever the session's time zone.
    auto last = Objects(
        "SELECT sites AS site, coalesce(job, '') AS job,"
        " extract(epoch FROM finished_at::timestamptz - started_at::timestamptz)::double precision AS seconds"
        " FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs WHERE finished_at IS NOT NULL"
        "   GROUP BY sites, coalesce(job, ''))"
        " ORDER BY sites COLLATE \"C\", coalesce(job, '') COLLATE \"C\"",
        {});
    if (!last.ok()) return last.status();
    out["last_runs"] = std::move(*last);
    auto frontier = Objects(
        "SELECT site, state, count(*) AS urls FROM frontier GROUP BY 1, 2"
        " ORDER BY site COLLATE \"C\", state COLLATE \"C\"",
        {});
    if (!frontier.ok()) return frontier.status();
    out["frontier"] = std::move(*frontier);
    auto failures = Objects(
        "SELECT site, coalesce(detail, '') AS reason, count(*) AS urls FROM frontier WHERE state = 'failed'"
        " GROUP BY 1, 2 ORDER BY site COLLATE \"C\", 3 DESC, coalesce(detail, '') COLLATE \"C\" LIMIT 1000",
        {});
    if (!failures.ok()) return failures.status();
    out["failures"] = std::move(*failures);
    auto alarms = Objects(
        "SELECT site, count(DISTINCT run_id) AS runs FROM run_fill_alarms GROUP BY 1 ORDER BY site COLLATE "
        "\"C\"",
        {});
    if (!alarms.ok()) return alarms.status();
    out["alarms"] = std::move(*alarms);
    return out;
  }

 private:
  // SQLite's progress_at (CASE WHEN finished_at IS NULL THEN coalesce(heartbeat_at,
  // json_extract(extra, '$.progress_at')) END) is made in C++ from heartbeat_at, which is then dropped,
  // because PostgreSQL 15 cannot test whether extra's text is JSON without failing on it.
  static constexpr std::string_view kRunColumns =
      "SELECT id, command, sites, job, started_at, finished_at, outcome, pages_fetched, pages_stored,"
      " pages_failed, bytes_fetched, pages_new, pages_changed, pages_unchanged, pages_gone, extra,"
      " heartbeat_at FROM crawl_runs";
  static constexpr std::string_view kPageColumns =
      "SELECT p.id AS id, s.key AS site, p.url AS url, p.fetched_url AS fetched_url, p.page_type AS "
      "page_type,"
      " p.http_status AS http_status, p.failure_reason AS failure_reason, p.last_fetched_at AS "
      "last_fetched_at"
      " FROM pages p JOIN sites s ON s.id = p.site_id";

  struct RecordTable {
    std::string name;
    bool has_id = false;
  };

  Result<json> Runs(const std::string& sql, std::initializer_list<pg::Param> params) {
    auto rows = Objects(sql, params);
    if (!rows.ok()) return rows.status();
    for (json& row : *rows) {
      json progress_at = nullptr;
      if (row["finished_at"].is_null()) {
        if (!row["heartbeat_at"].is_null()) {
          progress_at = row["heartbeat_at"];
        } else if (row["extra"].is_object() && row["extra"].contains("progress_at")) {
          progress_at = row["extra"]["progress_at"];
        }
      }
      row.erase("heartbeat_at");
      row["progress_at"] = std::move(progress_at);
    }
    return rows;
  }

  // The tables of records: those of the dataset's schema with a page_id column (articles, diseases,
  // questions, ...), so that a table added later needs no change here.
  Result<std::vector<RecordTable>> RecordTables() {
    auto r = Read(
        "SELECT c.relname::text, EXISTS (SELECT 1 FROM pg_attribute i WHERE i.attrelid = c.oid"
        "   AND i.attname = 'id' AND NOT i.attisdropped)"
        " FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid"
        " WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')"
        "   AND a.attname = 'page_id' AND NOT a.attisdropped AND c.relname NOT IN ('raw_responses', 'pages')"
        " ORDER BY c.relname::text COLLATE \"C\"");
    if (!r.ok()) return r.status();
    std::vector<RecordTable> tables;
    for (int i = 0; i < r->rows(); ++i) tables.push_back({std::string(r->Text(i, 0)), r->Text(i, 1) == "t"});
    return tables;
  }

  // Runs `sql` with `params` bound to $1, $2, ... and returns its rows as objects.
  Result<json> Objects(const std::string& sql, std::initializer_list<pg::Param> params) {
    auto r = Read(sql, params);
    if (!r.ok()) return r.status();
    json rows = json::array();
    for (int i = 0; i < r->rows(); ++i) {
      json row = json::object();
      for (int c = 0; c < r->columns(); ++c) {
        const std::string name(r->ColumnName(c));
        json value = ColumnValue(*r, i, c);
        if (value.is_string() && internal::IsJsonColumn(name)) {
          json parsed = json::parse(value.get<std::string>(), nullptr, false);
          if (!parsed.is_discarded()) value = std::move(parsed);
        }
        row[name] = std::move(value);
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // One statement (each is a read of its own), run again on a new session if the connection is lost
  // under it (pg::Reconnector: the same backoff and limit as the Database's connection).
  Result<pg::PgResult> Read(const std::string& sql, std::initializer_list<pg::Param> params = {}) {
    return reconnect_.Retried(conn_, "reading for the dashboard", [&] { return conn_.Exec(sql, params); });
  }

  pg::PgConnection conn_;
  pg::Reconnector reconnect_;
};

}  // namespace

Result<std::unique_ptr<DashboardSource>> internal::OpenPgDashboard(const std::string& conninfo) {
  auto conn = pg::PgConnection::Open(conninfo);
  if (!conn.ok()) return conn.status();
  const std::string where = "postgresql database \"" + std::string(conn->database()) + "\"";
  auto version = pg::InspectPgSchema(*conn);
  if (!version.ok()) return version.status();
  if (*version == 0) return Status::NotFound("no healthcrawl dataset in " + where);
  if (*version < pg::PgSchemaVersion()) {
    return Status::Unsupported(where + ": schema version " + std::to_string(*version) +
                               " needs an upgrade to " + std::to_string(pg::PgSchemaVersion()) +
                               "; open it once with a command that writes (e.g. ingest)");
  }
  auto reconnect = pg::SideReconnector(*conn);
  if (!reconnect.ok()) return reconnect.status();
  // Every statement of this session, and of each session after a reconnect, is read-only: the
  // dashboard's reads can never write.
  Status ro = conn->SetForSession("SET default_transaction_read_only = on");
  if (!ro.ok()) return ro;
  return std::unique_ptr<DashboardSource>(new PgDashboard(std::move(*conn), std::move(*reconnect)));
}

}  // namespace hc::store
