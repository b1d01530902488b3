// store/export.h: the dataset as tables (CSV, JSONL) and as one nested document per article.
// ExportSource is what a backend offers (streaming scans of the tables, the change sequence, the
// record of past exports); RunExport writes the files through it and knows no backend.
//
// Thread-safety: an ExportSource is used by one thread at a time. RunExport and the free functions
// are reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"

namespace hc::store {

using Json = nlohmann::ordered_json;  // keeps the field order of the documents it holds

enum class ColumnKind { kInteger, kReal, kText, kJson };  // kJson: a JSON document stored as text

struct ExportColumn {
  std::string name{};
  ColumnKind kind{};
};

struct ExportTable {
  std::string name{};                  // "articles"
  std::vector<ExportColumn> columns{}; // in the documented, stable order (docs/schema.md)
};

// The exportable tables, in the order `--all` writes them.
const std::vector<ExportTable>& ExportTables();
const ExportTable* FindExportTable(std::string_view name);

using Cell = std::variant<std::nullptr_t, int64_t, double, std::string>;
using Row = std::vector<Cell>;  // one cell per ExportColumn, same order

struct ExportFilter {
  std::string site{};                  // "" for every site
  std::optional<TimePoint> since{};    // rows updated (views: observed) at or after
  int64_t after_seq = 0;             // rows whose change sequence is > after_seq ...
  int64_t upto_seq = INT64_MAX;      // ... and <= upto_seq
};

struct ExportRecord {
  std::string target{};       // what --since-last or --cursor keys on (RunExport builds it)
  std::string format{};       // "csv", "jsonl"
  std::string table{};        // table name, or "articles_nested"
  std::string site{};
  std::string path{};
  TimePoint exported_at{};
  int64_t upto_seq = 0;     // the change sequence the export covered
  int64_t rows = 0;
};

class ExportSource {
 public:
  virtual ~ExportSource() = default;
  // Calls `row` for each row of `table` that passes the filter, streaming (constant memory).
  // A non-OK Status from `row` stops the scan and is returned.
  virtual Status ScanTable(const ExportTable& table, const ExportFilter& filter,
                           const std::function<Status(const Row&)>& row) = 0;
  // One document per article: the article's columns plus "diseases" and "answers" (each answer with
  // its question and its doctor and hospital) nested, in page order. Streaming.
  virtual Status ScanArticleDocuments(const ExportFilter& filter,
                                      const std::function<Status(const Json&)>& doc) = 0;
  // The newest change sequence number: every row written later gets a larger one.
  virtual Result<int64_t> CurrentChangeSeq() = 0;
  // upto_seq of the newest recorded export of `target`; 0 when there is none.
  virtual Result<int64_t> LastExportSeq(std::string_view target) = 0;
  // How many exports of `target` are recorded (the {run} of the next one is this plus one).
  virtual Result<int64_t> CountExports(std::string_view target) = 0;
  // Records the files of one export, all or none (one transaction).
  virtual Status RecordExports(const std::vector<ExportRecord>& records) = 0;
};

enum class ExportFormat { kJsonl, kCsv };

struct ExportOptions {
  ExportFormat format = ExportFormat::kJsonl;
  // A file, "-" for stdout, or with `all` a folder (created when missing). May hold the placeholders
  // {date} and {time} (UTC, of `now`), {run} (1 + the exports recorded for the cursor or target) and
  // {seq} (the change sequence the export covers); any other {name} is InvalidArgument.
  std::filesystem::path out{};
  std::string table{};            // one table (ignored with `all` or `nested`)
  bool all = false;             // every table, one file each: <out>/<table>.<csv|jsonl>
  bool nested = false;          // JSONL, one document per article (ignores `table`)
  std::string site{};
  std::optional<TimePoint> since{};
  bool bom = false;             // CSV: start with a UTF-8 BOM (Excel then reads the file as UTF-8)
  bool force = false;           // replace existing files
  bool since_last = false;      // only rows changed since the last export of the same target
  // A named cursor, stored in the source: only rows changed since this cursor's last export of the
  // same table and site. Independent of `out`. Excludes `since_last`.
  std::string cursor{};
  TimePoint now{};              // recorded as the export time
  bool record = true;           // record the export in the source (since_last needs it)
};

struct ExportSummary {
  std::vector<std::pair<std::filesystem::path, int64_t>> files{};  // each file written, with its rows
  int64_t bytes = 0;
  bool unchanged = false;  // an incremental export found no changed row: nothing written or recorded
};

// Writes an export. CSV follows RFC 4180 (CRLF line ends, a header line, fields quoted when they hold
// a comma, quote, CR or LF, quotes doubled); JSON columns appear as JSON text in CSV and as JSON values
// in JSONL. Each file is written to a temporary file in the target folder and renamed into place when
// complete, so a reader never sees half a file, an existing file is replaced only with `force`
// (otherwise IoError), and a symlink at the target is replaced, never followed. Every file of an export
// is written before the first is renamed into place; on any failure the export's temporary files, the
// files it renamed (unless `force`) and a folder it created are removed. A target is (format, table,
// site, output name before its placeholders are filled in) or, with `cursor`, (cursor, table, site);
// each export is recorded, and `since_last`/`cursor` export only the rows changed after the target's
// previous export; when there are none, nothing is written or recorded and `unchanged` is set. With
// `all`, an incremental export writes only the tables with changed rows.
Result<ExportSummary> RunExport(ExportSource& source, const ExportOptions& options);

// RFC 4180 field quoting (exposed for tests).
std::string CsvField(std::string_view value);

}  // namespace hc::store
