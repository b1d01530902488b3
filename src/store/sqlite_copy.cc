// The SQLite side of store/copy.h: a dataset file's tables as typed rows (copy_internal.h).
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "store/copy_internal.h"
#include "store/sqlite_internal.h"

namespace hc::store::internal {
namespace {

// "name" quoted as an SQL identifier.
class SqliteTables : public TableAccess {
 public:
  explicit SqliteTables(std::unique_ptr<Db> db) : db_(std::move(db)) {}
  ~SqliteTables() override {
    if (in_transaction_) (void)db_->Exec("ROLLBACK");
  }

  Result<std::vector<std::string>> Tables() override {
    return Names(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        " ORDER BY name",
        "");
  }
  Result<std::vector<std::string>> References(const std::string& table) override {
    return Names("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1) ORDER BY 1", table);
  }
  Result<std::vector<std::string>> Columns(const std::string& table) override {
    return Names("SELECT name FROM pragma_table_info(?1) ORDER BY cid", table);
  }

  Status BeginRead() override { return Begin("BEGIN"); }
  Status EndRead() override {
    in_transaction_ = false;
    return db_->Exec("COMMIT");
  }
  Result<int64_t> CountRows(const std::string& table) override {
    return db_->QueryInt("SELECT count(*) FROM " + QuotedIdentifier(table));
  }
  Status Scan(const std::string& table, const std::vector<std::string>& columns,
              const std::function<Status(const Row&)>& row) override {
    // The write order: rowid, or for a WITHOUT ROWID table its primary key (the order it is stored in).
    auto key = Names("SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk", table);
    if (!key.ok()) return key.status();
    auto without_rowid = Names("SELECT name FROM pragma_table_list WHERE wr = 1 AND name = ?1", table);
    if (!without_rowid.ok()) return without_rowid.status();
    const std::string order = without_rowid->empty() || key->empty() ? "rowid" : ColumnList(*key);
    auto q = db_->Prepare("SELECT " + ColumnList(columns) + " FROM " + QuotedIdentifier(table) +
                          " ORDER BY " + order);
    if (!q.ok()) return q.status();
    Row values(columns.size());
    while (q->Step()) {
      for (size_t i = 0; i < columns.size(); ++i) {
        const int col = static_cast<int>(i);
        Cell& cell = values[i];
        cell.bytes.clear();
        switch (q->Type(col)) {
          case SQLITE_NULL:
            cell.kind = Cell::Kind::kNull;
            break;
          case SQLITE_INTEGER:
            cell.kind = Cell::Kind::kInteger;
            cell.integer = q->Int(col);
            break;
          case SQLITE_FLOAT:
            cell.kind = Cell::Kind::kReal;
            cell.real = q->Real(col);
            break;
          case SQLITE_BLOB:
            cell.kind = Cell::Kind::kBlob;
            cell.bytes = q->Text(col);
            break;
          default:
            cell.kind = Cell::Kind::kText;
            cell.bytes = q->Text(col);
            break;
        }
      }
      HC_RETURN_IF_ERROR(row(values));
    }
    return q->status();
  }

  Status BeginWrite() override {
    // Rows go in parents first, but a foreign key is checked at COMMIT all the same.
    HC_RETURN_IF_ERROR(Begin("BEGIN IMMEDIATE"));
    return db_->Exec("PRAGMA defer_foreign_keys = ON");
  }
  Status DeleteAll(const std::string& table) override {
    return db_->Exec("DELETE FROM " + QuotedIdentifier(table));
  }
  Status Insert(const std::string& table, const std::vector<std::string>& columns,
                const std::vector<Row>& rows) override {
    std::string sql = "INSERT INTO " + QuotedIdentifier(table) + " (" + ColumnList(columns) + ") VALUES (";
    for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", ?" : "?") + std::to_string(i + 1);
    sql += ")";
    for (const Row& values : rows) {
      auto q = db_->Prepare(sql);
      if (!q.ok()) return q.status();
      for (size_t i = 0; i < values.size(); ++i) {
        const int at = static_cast<int>(i) + 1;
        const Cell& cell = values[i];
        switch (cell.kind) {
          case Cell::Kind::kNull:
            q->Bind(at, nullptr);
            break;
          case Cell::Kind::kInteger:
            q->Bind(at, cell.integer);
            break;
          case Cell::Kind::kReal:
            q->Bind(at, cell.real);
            break;
          case Cell::Kind::kText:
            q->Bind(at, std::string_view(cell.bytes));
            break;
          case Cell::Kind::kBlob:
            q->Bind(at, Blob{cell.bytes});
            break;
        }
      }
      HC_RETURN_IF_ERROR(q->Run());
    }
    return Status::Ok();
  }
  Status FinishWrite() override { return Status::Ok(); }  // AUTOINCREMENT follows explicit ids itself
  Status CommitWrite() override {
    in_transaction_ = false;
    return db_->Exec("COMMIT");
  }

 private:
  Status Begin(const char* sql) {
    HC_RETURN_IF_ERROR(db_->Exec(sql));
    in_transaction_ = true;
    return Status::Ok();
  }
  Result<std::vector<std::string>> Names(const std::string& sql, const std::string& param) {
    auto q = db_->Prepare(sql);
    if (!q.ok()) return q.status();
    if (!param.empty()) q->Bind(1, std::string_view(param));
    std::vector<std::string> names;
    while (q->Step()) names.push_back(q->Text(0));
    if (!q->status().ok()) return q->status();
    return names;
  }

  std::unique_ptr<Db> db_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<TableAccess>> OpenSqliteTables(const std::string& path, bool read_only) {
  auto db = Db::Open(path, read_only, /*create=*/false);
  if (!db.ok()) return db.status();
  HC_RETURN_IF_ERROR((*db)->Exec("PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON"));
  return std::unique_ptr<TableAccess>(new SqliteTables(std::move(*db)));
}

}  // namespace hc::store::internal
