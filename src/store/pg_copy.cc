// The PostgreSQL side of store/copy.h: a dataset's tables as typed rows (copy_internal.h). Tables are
// those of the connection's current schema (the first of its search_path, where the migrations put
// them); rows are read through a server-side cursor, so memory stays bounded, and written with
// multi-row INSERTs.
#include <charconv>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/copy_internal.h"
#include "store/pg_connection_internal.h"
#include "store/pg_store_internal.h"

namespace hc::store::internal {
namespace {

constexpr int kFetchRows = 1000;
constexpr size_t kMaxParams = 30000;  // per INSERT; the protocol allows 65535

class PgTables : public TableAccess {
 public:
  explicit PgTables(pg::PgConnection conn) : conn_(std::move(conn)) {}
  ~PgTables() override {
    if (in_transaction_) (void)conn_.Exec("ROLLBACK");
  }

  Result<std::vector<std::string>> Tables() override {
    return Names(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        " AND table_type = 'BASE TABLE' AND table_name <> 'healthcrawl_schema_versions'"
        " ORDER BY table_name COLLATE \"C\"",
        {});
  }
  Result<std::vector<std::string>> References(const std::string& table) override {
    return Names(
        "SELECT DISTINCT ref.relname::text FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " JOIN pg_class ref ON ref.oid = c.confrelid WHERE c.contype = 'f' AND t.relname = $1"
        " AND t.relnamespace = current_schema()::regnamespace ORDER BY 1",
        {pg::Param::Text(table)});
  }
  Result<std::vector<std::string>> Columns(const std::string& table) override {
    auto kinds = Kinds(table);
    if (!kinds.ok()) return kinds.status();
    std::vector<std::string> names;
    for (const auto& [name, kind] : *kinds) names.push_back(name);
    return names;
  }

  Status BeginRead() override { return Begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
  Status EndRead() override {
    in_transaction_ = false;
    return conn_.Exec("COMMIT").status();
  }
  Result<int64_t> CountRows(const std::string& table) override {
    auto r = conn_.Exec("SELECT count(*) FROM " + QuotedIdentifier(table));
    if (!r.ok()) return r.status();
    return std::strtoll(std::string(r->Text(0, 0)).c_str(), nullptr, 10);
  }
  Status Scan(const std::string& table, const std::vector<std::string>& columns,
              const std::function<Status(const Row&)>& row) override {
    auto kinds = Kinds(table);
    if (!kinds.ok()) return kinds.status();
    std::vector<Cell::Kind> kind_of;
    for (const std::string& c : columns) {
      Cell::Kind kind = Cell::Kind::kText;
      for (const auto& [name, k] : *kinds) {
        if (name == c) kind = k;
      }
      kind_of.push_back(kind);
    }
    // PostgreSQL's change sequence is the SEQUENCE change_seq_next (migration 13); its change_seq row
    // stays at the value of the migration. The row a copy carries is the sequence's.
    const std::string from =
        table == "change_seq"
            ? "(SELECT id, greatest(value, (SELECT last_value FROM change_seq_next)) AS value, ctid"
              " FROM change_seq) AS change_seq"
            : QuotedIdentifier(table);
    auto declared = conn_.Exec("DECLARE hc_copy_scan NO SCROLL CURSOR FOR SELECT " + ColumnList(columns) +
                               " FROM " + from + " ORDER BY ctid");
    if (!declared.ok()) return declared.status();
    Row values(columns.size());
    Status status;
    while (status.ok()) {
      auto r = conn_.Exec("FETCH " + std::to_string(kFetchRows) + " FROM hc_copy_scan");
      if (!r.ok()) {
        status = r.status();
        break;
      }
      for (int i = 0; i < r->rows() && status.ok(); ++i) {
        for (size_t c = 0; c < columns.size(); ++c) {
          const int col = static_cast<int>(c);
          Cell& cell = values[c];
          cell.bytes.clear();
          if (r->IsNull(i, col)) {
            cell.kind = Cell::Kind::kNull;
            continue;
          }
          cell.kind = kind_of[c];
          const std::string_view text = r->Text(i, col);
          switch (cell.kind) {
            case Cell::Kind::kInteger:
              std::from_chars(text.data(), text.data() + text.size(), cell.integer);
              break;
            case Cell::Kind::kReal:
              cell.real = std::strtod(std::string(text).c_str(), nullptr);
              break;
            case Cell::Kind::kBlob: {
              auto bytes = r->Bytes(i, col);
              if (!bytes.ok()) {
                status = bytes.status();
                break;
              }
              cell.bytes = std::move(*bytes);
              break;
            }
            default:
              cell.bytes = std::string(text);
              break;
          }
        }
        if (status.ok()) status = row(values);
      }
      if (r->rows() < kFetchRows) break;
    }
    auto closed = conn_.Exec("CLOSE hc_copy_scan");
    if (status.ok() && !closed.ok()) status = closed.status();
    return status;
  }

  Status BeginWrite() override { return Begin("BEGIN"); }
  Status DeleteAll(const std::string& table) override {
    return conn_.Exec("DELETE FROM " + QuotedIdentifier(table)).status();
  }
  Status Insert(const std::string& table, const std::vector<std::string>& columns,
                const std::vector<Row>& rows) override {
    if (columns.empty()) return Status::Ok();
    const size_t per_statement = std::max<size_t>(1, std::min<size_t>(500, kMaxParams / columns.size()));
    const std::string head =
        "INSERT INTO " + QuotedIdentifier(table) + " (" + ColumnList(columns) + ") VALUES ";
    for (size_t start = 0; start < rows.size(); start += per_statement) {
      const size_t end = std::min(rows.size(), start + per_statement);
      std::string sql = head;
      pg::Params params;
      int n = 0;
      for (size_t i = start; i < end; ++i) {
        sql += i == start ? "(" : ", (";
        for (size_t c = 0; c < columns.size(); ++c) {
          sql += (c ? ", $" : "$") + std::to_string(++n);
          const Cell& cell = rows[i][c];
          switch (cell.kind) {
            case Cell::Kind::kNull:
              params.Null();
              break;
            case Cell::Kind::kInteger:
              params.Add(cell.integer);
              break;
            case Cell::Kind::kReal:
              params.Add(cell.real);
              break;
            case Cell::Kind::kText:
              params.Add(std::string_view(cell.bytes));
              break;
            case Cell::Kind::kBlob:
              params.Bytes(cell.bytes);
              break;
          }
        }
        sql += ")";
      }
      auto r = conn_.Exec(sql, params.span());
      if (!r.ok()) return r.status();
    }
    return Status::Ok();
  }
  Status FinishWrite() override {
    // Rows came in with their ids: the next id a crawler takes must come after them.
    auto identities = conn_.Exec(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND is_identity = 'YES' ORDER BY 1, 2");
    if (!identities.ok()) return identities.status();
    for (int i = 0; i < identities->rows(); ++i) {
      const std::string table(identities->Text(i, 0));
      const std::string column(identities->Text(i, 1));
      auto r =
          conn_.Exec("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT max(" +
                         QuotedIdentifier(column) + ") FROM " + QuotedIdentifier(table) + "), 0) + 1, false)",
                     {pg::Param::Text(QuotedIdentifier(table)), pg::Param::Text(column)});
      if (!r.ok()) return r.status();
    }
    // And the change sequence goes on from the copied row (the Scan above reads it back from there).
    auto seq = conn_.Exec(
        "SELECT setval('change_seq_next', greatest((SELECT last_value FROM change_seq_next),"
        " COALESCE((SELECT value FROM change_seq WHERE id = 1), 1)))");
    if (!seq.ok()) return seq.status();
    return Status::Ok();
  }
  Status CommitWrite() override {
    in_transaction_ = false;
    return conn_.Exec("COMMIT").status();
  }

 private:
  Status Begin(const char* sql) {
    auto r = conn_.Exec(sql);
    if (!r.ok()) return r.status();
    in_transaction_ = true;
    return Status::Ok();
  }
  Result<std::vector<std::string>> Names(const std::string& sql, std::initializer_list<pg::Param> params) {
    auto r = conn_.Exec(sql, params);
    if (!r.ok()) return r.status();
    std::vector<std::string> names;
    for (int i = 0; i < r->rows(); ++i) names.emplace_back(r->Text(i, 0));
    return names;
  }
  // The columns of `table` in order, each with the kind of value it holds.
  Result<std::vector<std::pair<std::string, Cell::Kind>>> Kinds(const std::string& table) {
    auto r = conn_.Exec(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = $1 ORDER BY ordinal_position",
        {pg::Param::Text(table)});
    if (!r.ok()) return r.status();
    std::vector<std::pair<std::string, Cell::Kind>> kinds;
    for (int i = 0; i < r->rows(); ++i) {
      const std::string_view type = r->Text(i, 1);
      Cell::Kind kind = Cell::Kind::kText;
      if (type == "bigint" || type == "integer" || type == "smallint") kind = Cell::Kind::kInteger;
      if (type == "double precision" || type == "real") kind = Cell::Kind::kReal;
      if (type == "bytea") kind = Cell::Kind::kBlob;
      kinds.emplace_back(std::string(r->Text(i, 0)), kind);
    }
    return kinds;
  }

  pg::PgConnection conn_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<TableAccess>> OpenPgTables(const std::string& conninfo, bool read_only) {
  auto conn = pg::PgConnection::Open(conninfo);
  if (!conn.ok()) return conn.status();
  if (read_only) {
    auto ro = conn->Exec("SET default_transaction_read_only = on");
    if (!ro.ok()) return ro.status();
  }
  return std::unique_ptr<TableAccess>(new PgTables(std::move(*conn)));
}

}  // namespace hc::store::internal
