// store/copy_internal.h (internal to src/store): the tables of a dataset as rows of typed values, one
// implementation per backend (sqlite_copy.cc, pg_copy.cc), for store/copy.h. All SQL of a copy is in
// those two files; dataset_copy.cc only orders tables, moves rows and computes checksums.
//
// Thread-safety: one TableAccess per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace hc::store::internal {

// One value of a row, as the database typed it.
struct Cell {
  enum class Kind { kNull, kInteger, kReal, kText, kBlob };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string bytes{};  // text (UTF-8) or blob
};
using Row = std::vector<Cell>;

class TableAccess {
 public:
  virtual ~TableAccess() = default;
  // The dataset's tables, without the backend's migration bookkeeping, sorted by name.
  virtual Result<std::vector<std::string>> Tables() = 0;
  // The tables `table` refers to with foreign keys.
  virtual Result<std::vector<std::string>> References(const std::string& table) = 0;
  // The columns of `table` in their order.
  virtual Result<std::vector<std::string>> Columns(const std::string& table) = 0;

  // Reading: one read transaction (a snapshot) around every Scan until EndRead.
  virtual Status BeginRead() = 0;
  virtual Status EndRead() = 0;
  virtual Result<int64_t> CountRows(const std::string& table) = 0;
  // Every row of `table` (values of `columns`, in that order), in the order they were written (SQLite:
  // rowid; PostgreSQL: physical order). Stops at the first error `row` returns.
  virtual Status Scan(const std::string& table, const std::vector<std::string>& columns,
                      const std::function<Status(const Row&)>& row) = 0;

  // Writing: one transaction from BeginWrite to CommitWrite (destroyed before it: rolled back).
  virtual Status BeginWrite() = 0;
  virtual Status DeleteAll(const std::string& table) = 0;
  // Inserts `rows` (values of `columns`), ids and all.
  virtual Status Insert(const std::string& table, const std::vector<std::string>& columns,
                        const std::vector<Row>& rows) = 0;
  // After the rows are in: PostgreSQL moves each identity sequence past the largest id.
  virtual Status FinishWrite() = 0;
  virtual Status CommitWrite() = 0;
};

// `name` as an SQL identifier ("name", a quote doubled), and a list of them ("a", "b"): both backends'
// spelling.
std::string QuotedIdentifier(const std::string& name);
std::string ColumnList(const std::vector<std::string>& columns);

// Raw access to a SQLite dataset file / a PostgreSQL database (opened as OpenDatabase has checked or
// made it: a healthcrawl dataset at this build's version).
Result<std::unique_ptr<TableAccess>> OpenSqliteTables(const std::string& path, bool read_only);
Result<std::unique_ptr<TableAccess>> OpenPgTables(const std::string& conninfo, bool read_only);

}  // namespace hc::store::internal
