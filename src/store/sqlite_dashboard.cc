// The SQLite DashboardSource (store/dashboard.h): read-only queries of its own connection, each row
// returned as a JSON object keyed by column name.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "store/dashboard.h"
#include "store/dashboard_internal.h"
#include "store/sqlite_internal.h"

namespace hc::store {
namespace {

using nlohmann::json;
using Param = std::variant<int64_t, std::string>;

using internal::ClampLimit;
using internal::IsJsonColumn;

constexpr int64_t kApplicationId = 0x68634442;  // "hcDB", as schema.cc writes it

json ColumnValue(sqlite3_stmt* stmt, int col) {
  switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, col);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, col);
    case SQLITE_NULL:
      return nullptr;
    case SQLITE_BLOB:
      return "(" + std::to_string(sqlite3_column_bytes(stmt, col)) + " bytes)";
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, col));
      return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, col)));
    }
  }
}

class SqliteDashboard final : public DashboardSource {
 public:
  explicit SqliteDashboard(std::unique_ptr<internal::Db> db) : db_(std::move(db)) {}

  Result<json> ListRuns(const RunFilter& filter) override {
    return Objects(
        std::string(kRunColumns) +
            " WHERE (?1 = '' OR job = ?1) AND (?2 = '' OR instr(',' || sites || ',', ',' || ?2 || ',') > 0)"
            " AND (?3 = 0 OR id < ?3) ORDER BY id DESC LIMIT ?4",
        {filter.job, filter.site, filter.before_id, int64_t{ClampLimit(filter.limit)}});
  }

  Result<std::optional<json>> GetRun(int64_t id) override {
    auto rows = Objects(std::string(kRunColumns) + " WHERE id = ?1", {id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<json>();
    return std::optional<json>((*rows)[0]);
  }

  Result<json> RunFailures(int64_t run_id, int examples) override {
    auto reasons = Objects(
        "SELECT ifnull(detail, '') AS reason, count(*) AS pages FROM frontier"
        " WHERE run_id = ?1 AND state = 'failed' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ?2",
        {run_id, int64_t{internal::kDashboardMaxReasons}});
    if (!reasons.ok()) return reasons.status();
    for (json& reason : *reasons) {
      auto urls = Objects(
          "SELECT url FROM frontier WHERE run_id = ?1 AND state = 'failed' AND ifnull(detail, '') = ?2"
          " ORDER BY id LIMIT ?3",
          {run_id, reason["reason"].get<std::string>(), int64_t{internal::ClampExamples(examples)}});
      if (!urls.ok()) return urls.status();
      reason["examples"] = json::array();
      for (const json& url : *urls) reason["examples"].push_back(url["url"]);
    }
    return reasons;
  }

  Result<json> ListPages(const PageFilter& filter) override {
    return Objects(
        std::string(kPageColumns) +
            " WHERE (?1 = '' OR p.url = ?1 OR p.fetched_url = ?1) AND (?2 = '' OR s.key = ?2)"
            " AND (?3 = '' OR (?3 = 'ok' AND p.failure_reason IS NULL)"
            "   OR (?3 = 'failed' AND p.failure_reason IS NOT NULL)"
            "   OR (?3 NOT IN ('ok', 'failed') AND p.http_status = CAST(?3 AS INTEGER)))"
            " AND p.id > ?4 ORDER BY p.id LIMIT ?5",
        {filter.url, filter.site, filter.status, filter.after_id, int64_t{ClampLimit(filter.limit)}});
  }

  Result<std::optional<json>> GetPage(int64_t id) override {
    auto rows = Objects(
        "SELECT s.key AS site, p.* FROM pages p JOIN sites s ON s.id = p.site_id WHERE p.id = ?1", {id});
    if (!rows.ok()) return rows.status();
    if (rows->empty()) return std::optional<json>();
    json page = std::move((*rows)[0]);
    // The record tables are found by their page_id column, so a table added to the schema shows up
    // here without a change. Their names come from sqlite_master, never from the request.
    auto tables = RecordTables();
    if (!tables.ok()) return tables.status();
    page["records"] = json::object();
    for (const std::string& name : *tables) {
      auto records = Objects(
          "SELECT * FROM " + internal::QuotedIdentifier(name) + " WHERE page_id = ?1 ORDER BY rowid LIMIT ?2",
          {id, int64_t{internal::kDashboardMaxRecordRows}});
      if (!records.ok()) return records.status();
      if (!records->empty()) page["records"][name] = std::move(*records);
    }
    auto raw = Objects(
        "SELECT id, fetched_at, http_status, body_size FROM raw_responses WHERE page_id = ?1"
        " ORDER BY fetched_at DESC, id DESC",
        {id});
    if (!raw.ok()) return raw.status();
    page["raw_responses"] = std::move(*raw);
    return std::optional<json>(std::move(page));
  }

  Result<json> FillHistory(const std::string& site, int runs) override {
    json out = {{"runs", json::array()}, {"source", "run_field_fill"}};
    auto has = HasTable("run_field_fill");
    if (!has.ok()) return has.status();
    if (!*has) return FillFromDataset(site, runs);
    auto rows = Objects(
        "SELECT f.run_id AS run_id, r.started_at AS started_at, r.outcome AS outcome,"
        " f.page_type || '.' || f.field AS field, f.filled AS filled, f.total AS total"
        " FROM run_field_fill f JOIN crawl_runs r ON r.id = f.run_id"
        " WHERE f.site = ?1 AND f.run_id IN (SELECT DISTINCT run_id FROM run_field_fill WHERE site = ?1"
        "   ORDER BY run_id DESC LIMIT ?2)"
        " ORDER BY f.run_id, 4",
        {site, int64_t{ClampLimit(runs)}});
    if (!rows.ok()) return rows.status();
    internal::FoldFillRows(*rows, out);
    return out;
  }

  // A database without per-run fill counts (before the drift alarm's schema 8): each of the site's latest
  // finished runs gets the fill rates of the record rows, as they are now, of the pages whose frontier row
  // that run decided last (frontier.run_id). An approximation: a page revisited by a later run counts
  // for that run only, and its rows are its latest version. Fields are "<table>.<column>"; a value
  // counts as filled unless it is NULL, '' or '[]'.
  Result<json> FillFromDataset(const std::string& site, int runs) {
    json out = {{"runs", json::array()}, {"source", "dataset"}};
    auto tables = RecordTables();
    if (!tables.ok()) return tables.status();
    std::map<int64_t, json> by_run;
    for (const std::string& table : *tables) {
      auto columns = Objects("SELECT name FROM pragma_table_info(?1) ORDER BY cid", {table});
      if (!columns.ok()) return columns.status();
      std::string sql = "SELECT f.run_id AS run_id, count(*) AS total";
      std::vector<std::string> fields;
      for (const json& c : *columns) {
        const std::string name = c["name"].get<std::string>();
        if (name == "id" || name == "page_id" || name == "site_id" || name == "extra" ||
            name == "updated_at" || name == "updated_seq" || name.size() > 64) {
          continue;
        }
        sql += ", count(NULLIF(NULLIF(CAST(t." + internal::QuotedIdentifier(name) +
               " AS TEXT), ''), '[]')) AS " + internal::QuotedIdentifier("f" + std::to_string(fields.size()));
        fields.push_back(name);
      }
      if (fields.empty()) continue;
      sql += " FROM " + internal::QuotedIdentifier(table) +
             " t JOIN pages p ON p.id = t.page_id JOIN sites s ON s.id = p.site_id"
             " JOIN frontier f ON f.site = s.key AND f.url_key = p.url"
             " WHERE s.key = ?1 AND f.run_id IN (SELECT id FROM crawl_runs WHERE sites = ?1 AND finished_at "
             "IS NOT NULL"
             "   ORDER BY id DESC LIMIT ?2)"
             " GROUP BY f.run_id";
      auto rows = Objects(sql, {site, int64_t{ClampLimit(runs)}});
      if (!rows.ok()) return rows.status();
      for (const json& row : *rows) {
        const int64_t total = row["total"].get<int64_t>();
        if (total == 0) continue;
        json& fill = by_run[row["run_id"].get<int64_t>()];
        for (size_t i = 0; i < fields.size(); ++i) {
          fill[table + "." + fields[i]] =
              static_cast<double>(row["f" + std::to_string(i)].get<int64_t>()) / static_cast<double>(total);
        }
      }
    }
    for (auto& [run_id, fields] : by_run) {
      auto run = Objects("SELECT started_at, outcome FROM crawl_runs WHERE id = ?1", {run_id});
      if (!run.ok()) return run.status();
      if (run->empty()) continue;
      out["runs"].push_back({{"run_id", run_id},
                             {"started_at", (*run)[0]["started_at"]},
                             {"outcome", (*run)[0]["outcome"]},
                             {"fields", std::move(fields)}});
    }
    return out;
  }

  Result<json> RunAlarms(int64_t run_id) override {
    auto has = HasTable("run_fill_alarms");
    if (!has.ok()) return has.status();
    if (!*has) return json::array();
    // In the order the drift check wrote them, as ListDegradedRuns and PostgreSQL's
    // dashboard list them: by `position` (migration 12), or before it by rowid, the same write order
    // migration 12 numbers them in.
    auto positioned = Objects("SELECT 1 AS present FROM pragma_table_info('run_fill_alarms') WHERE name = 'position'",
                              {});
    if (!positioned.ok()) return positioned.status();
    return Objects(
        "SELECT page_type, field, filled, total, rate, baseline, basis FROM run_fill_alarms WHERE run_id = ?1"
        " ORDER BY " + std::string(positioned->empty() ? "rowid" : "position"),
        {run_id});
  }

  Result<json> ListSites() override {
    return Objects(
        "SELECT k.site AS site, ifnull(p.pages, 0) AS pages, ifnull(p.failed, 0) AS pages_failed,"
        " p.last_fetched_at AS last_fetched_at"
        " FROM (SELECT key AS site FROM sites UNION SELECT DISTINCT site FROM frontier) k"
        " LEFT JOIN (SELECT s.key AS site, count(*) AS pages, count(pg.failure_reason) AS failed,"
        "   max(pg.last_fetched_at) AS last_fetched_at"
        "   FROM pages pg JOIN sites s ON s.id = pg.site_id GROUP BY s.key) p ON p.site = k.site"
        " ORDER BY k.site",
        {});
  }

  Result<json> Metrics() override {
    json out = json::object();
    auto runs = Objects(
        "SELECT sites AS site, ifnull(outcome, 'running') AS outcome, count(*) AS runs,"
        " sum(pages_fetched) AS pages_fetched, sum(pages_stored) AS pages_stored,"
        " sum(pages_failed) AS pages_failed, sum(bytes_fetched) AS bytes_fetched"
        " FROM crawl_runs GROUP BY 1, 2 ORDER BY 1, 2",
        {});
    if (!runs.ok()) return runs.status();
    out["runs"] = std::move(*runs);
    // The latest finished run of each site and job (job '' for crawls run by hand).
    auto last = Objects(
        "SELECT sites AS site, ifnull(job, '') AS job,"
        " (julianday(finished_at) - julianday(started_at)) * 86400.0 AS seconds"
        " FROM crawl_runs WHERE id IN (SELECT max(id) FROM crawl_runs WHERE finished_at IS NOT NULL"
        "   GROUP BY sites, ifnull(job, ''))"
        " ORDER BY 1, 2",
        {});
    if (!last.ok()) return last.status();
    out["last_runs"] = std::move(*last);
    auto frontier =
        Objects("SELECT site, state, count(*) AS urls FROM frontier GROUP BY 1, 2 ORDER BY 1, 2", {});
    if (!frontier.ok()) return frontier.status();
    out["frontier"] = std::move(*frontier);
    auto failures = Objects(
        "SELECT site, ifnull(detail, '') AS reason, count(*) AS urls FROM frontier WHERE state = 'failed'"
        " GROUP BY 1, 2 ORDER BY 1, 3 DESC LIMIT 1000",
        {});
    if (!failures.ok()) return failures.status();
    out["failures"] = std::move(*failures);
    out["alarms"] = json::array();
    auto has = HasTable("run_fill_alarms");
    if (!has.ok()) return has.status();
    if (*has) {
      auto alarms = Objects(
          "SELECT site, count(DISTINCT run_id) AS runs FROM run_fill_alarms GROUP BY 1 ORDER BY 1", {});
      if (!alarms.ok()) return alarms.status();
      out["alarms"] = std::move(*alarms);
    }
    return out;
  }

 private:
  static constexpr std::string_view kRunColumns =
      "SELECT id, command, sites, job, started_at, finished_at, outcome, pages_fetched, pages_stored,"
      " pages_failed, bytes_fetched, pages_new, pages_changed, pages_unchanged, pages_gone, extra,"
      " CASE WHEN finished_at IS NULL"
      "   THEN coalesce(heartbeat_at, json_extract(extra, '$.progress_at')) END AS progress_at"
      " FROM crawl_runs";
  static constexpr std::string_view kPageColumns =
      "SELECT p.id AS id, s.key AS site, p.url AS url, p.fetched_url AS fetched_url, p.page_type AS "
      "page_type,"
      " p.http_status AS http_status, p.failure_reason AS failure_reason, p.last_fetched_at AS "
      "last_fetched_at"
      " FROM pages p JOIN sites s ON s.id = p.site_id";

  // The tables of records: those with a page_id column (articles, diseases, questions, ...), found in
  // the schema so that a table added later needs no change here. Names come from sqlite_master, never
  // from a request.
  Result<std::vector<std::string>> RecordTables() {
    auto rows = Objects(
        "SELECT m.name AS name FROM sqlite_master m, pragma_table_info(m.name) c"
        " WHERE m.type = 'table' AND c.name = 'page_id' AND m.name NOT IN ('raw_responses', 'pages')"
        " ORDER BY m.name",
        {});
    if (!rows.ok()) return rows.status();
    std::vector<std::string> names;
    for (const json& row : *rows) names.push_back(row["name"].get<std::string>());
    return names;
  }

  // Tables of later schema versions (the drift alarm's) are read only where they exist, so a database
  // of version 7 still serves every other route.
  Result<bool> HasTable(std::string_view name) {
    auto rows = Objects("SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?1",
                        {std::string(name)});
    if (!rows.ok()) return rows.status();
    return !rows->empty();
  }

  // Runs `sql` with `params` bound to ?1, ?2, ... and returns its rows as objects.
  Result<json> Objects(const std::string& sql, const std::vector<Param>& params) {
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(db_->raw(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
    internal::StmtHandle stmt(raw);
    if (rc != SQLITE_OK) return internal::SqliteError(db_->raw(), rc, "dashboard query");
    for (size_t i = 0; i < params.size(); ++i) {
      const int at = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt.get(), at, *n);
      } else {
        const std::string& s = std::get<std::string>(params[i]);
        rc = sqlite3_bind_text64(stmt.get(), at, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return internal::SqliteError(db_->raw(), rc, "dashboard query");
    }
    json rows = json::array();
    const int columns = sqlite3_column_count(stmt.get());
    while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
      json row = json::object();
      for (int c = 0; c < columns; ++c) {
        const std::string name = sqlite3_column_name(stmt.get(), c);
        json value = ColumnValue(stmt.get(), c);
        if (value.is_string() && IsJsonColumn(name)) {
          json parsed = json::parse(value.get<std::string>(), nullptr, false);
          if (!parsed.is_discarded()) value = std::move(parsed);
        }
        row[name] = std::move(value);
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) return internal::SqliteError(db_->raw(), rc, "dashboard query");
    return rows;
  }

  std::unique_ptr<internal::Db> db_;
};

}  // namespace

Result<std::unique_ptr<DashboardSource>> internal::OpenSqliteDashboard(const std::filesystem::path& db) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db, ec)) return Status::IoError(db.string() + ": no such database");
  auto conn = internal::Db::Open(db.string(), /*read_only=*/true, /*create=*/false);
  if (!conn.ok()) return conn.status();
  HC_RETURN_IF_ERROR((*conn)->Exec("PRAGMA busy_timeout = 5000"));
  auto app = (*conn)->QueryInt("PRAGMA application_id");
  if (!app.ok()) return app.status();
  if (*app != kApplicationId) return Status::Corruption(db.string() + ": not a healthcrawl database");
  auto version = (*conn)->QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version < 7)
    return Status::Corruption(db.string() + ": schema version " + std::to_string(*version) +
                              " is older than 7; open it with healthcrawl once to upgrade it");
  return std::unique_ptr<DashboardSource>(new SqliteDashboard(std::move(*conn)));
}

}  // namespace hc::store
