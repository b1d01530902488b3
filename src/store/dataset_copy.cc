// store/copy.h: copying a dataset between backends and fingerprinting one. The backends' SQL is in
// sqlite_copy.cc and pg_copy.cc (copy_internal.h); this file orders the tables, moves the rows and
// computes the checksums.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <system_error>

#include "store/copy.h"
#include "store/copy_internal.h"
#include "store/database.h"
#include "store/digest.h"
#include "store/export.h"

namespace hc::store {

std::string internal::QuotedIdentifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string internal::ColumnList(const std::vector<std::string>& columns) {
  std::string out;
  for (const std::string& c : columns) out += (out.empty() ? "" : ", ") + QuotedIdentifier(c);
  return out;
}

namespace {

using internal::Cell;
using internal::TableAccess;

constexpr size_t kInsertBatch = 2000;  // rows handed to Insert at a time
// Tables a fresh dataset fills itself (the migrations' change sequence row): not a sign of data.
const std::set<std::string> kMadeByMigrations = {"change_seq"};

Result<std::unique_ptr<TableAccess>> OpenTables(const std::string& location, bool read_only) {
  // OpenDatabase first: it checks (or, for a writer, makes) a healthcrawl dataset at this build's schema
  // version, with the messages every command gives.
  StoreOptions options;
  options.read_only = read_only;
  options.create = !read_only;
  options.reap_dead_runs = false;  // a copy is a copy: runs stay as they are
  {
    auto db = OpenDatabase(location, options);
    if (!db.ok()) return db.status();
  }
  if (IsPostgresLocation(location)) return internal::OpenPgTables(location, read_only);
  return internal::OpenSqliteTables(location, read_only);
}

// The tables of `access`, each after the tables it refers to (the order rows can be inserted in).
Result<std::vector<std::string>> InsertOrder(TableAccess& access) {
  auto tables = access.Tables();
  if (!tables.ok()) return tables.status();
  std::map<std::string, std::set<std::string>> refs;
  for (const std::string& t : *tables) {
    auto r = access.References(t);
    if (!r.ok()) return r.status();
    for (const std::string& parent : *r) {
      if (parent != t) refs[t].insert(parent);
    }
  }
  std::vector<std::string> order;
  std::set<std::string> placed;
  while (order.size() < tables->size()) {
    bool progress = false;
    for (const std::string& t : *tables) {
      if (placed.count(t) != 0) continue;
      bool ready = true;
      for (const std::string& parent : refs[t]) {
        if (placed.count(parent) == 0 && std::find(tables->begin(), tables->end(), parent) != tables->end()) {
          ready = false;
        }
      }
      if (!ready) continue;
      order.push_back(t);
      placed.insert(t);
      progress = true;
    }
    if (!progress) return Status::Internal("the dataset's foreign keys form a cycle");
  }
  return order;
}

// The row's values, typed, as bytes: equal rows give equal bytes whichever backend they came from.
void AppendCell(const Cell& cell, std::string& out) {
  switch (cell.kind) {
    case Cell::Kind::kNull:
      out += 'N';
      return;
    case Cell::Kind::kInteger:
      out += 'I' + std::to_string(cell.integer) + ';';
      return;
    case Cell::Kind::kReal: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "R%.17g;", cell.real);
      out += buf;
      return;
    }
    case Cell::Kind::kText:
      out += 'T';
      break;
    case Cell::Kind::kBlob:
      out += 'B';
      break;
  }
  out += std::to_string(cell.bytes.size()) + ':' + cell.bytes;
}

std::string Hex(std::string_view bytes) { return HexLower(bytes); }

// A file's SHA-1 over its 1 MiB blocks' SHA-1s (bounded memory), and its line count.
Result<Fingerprint> FileFingerprint(const std::filesystem::path& path, std::string name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string());
  Fingerprint print;
  print.name = std::move(name);
  std::string blocks;
  std::string buf(1 << 20, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    const std::string_view block(buf.data(), n);
    print.rows += std::count(block.begin(), block.end(), '\n');
    blocks += Sha1(block);
  }
  print.checksum = Hex(Sha1(blocks));
  return print;
}

// A temporary folder, removed with everything in it on destruction.
class TempFolder {
 public:
  TempFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "healthcrawl-compare-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

Status ExportFingerprints(const std::string& location, std::vector<Fingerprint>& out) {
  TempFolder folder;
  if (folder.path().empty()) return Status::IoError("cannot make a temporary folder for the exports");
  StoreOptions options;
  options.read_only = true;
  options.create = false;
  auto db = OpenDatabase(location, options);
  if (!db.ok()) return db.status();
  ExportOptions flat;
  flat.format = ExportFormat::kJsonl;
  flat.all = true;
  flat.out = folder.path() / "flat";
  flat.record = false;
  flat.force = true;
  auto written = RunExport(**db, flat);
  if (!written.ok()) return written.status();
  ExportOptions nested = flat;
  nested.all = false;
  nested.nested = true;
  nested.out = folder.path() / "nested.jsonl";
  auto nested_written = RunExport(**db, nested);
  if (!nested_written.ok()) return nested_written.status();

  std::vector<std::filesystem::path> files;
  for (const auto& [file, rows] : written->files) files.push_back(file);
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    auto print = FileFingerprint(file, "export/" + file.filename().string());
    if (!print.ok()) return print.status();
    out.push_back(std::move(*print));
  }
  auto print = FileFingerprint(nested.out, "export/nested.jsonl");
  if (!print.ok()) return print.status();
  out.push_back(std::move(*print));
  return Status::Ok();
}

}  // namespace

Result<CopyReport> CopyDataset(const std::string& from, const std::string& to, const CopyOptions& options) {
  if (from == to) return Status::InvalidArgument("copy: the source and the target are the same database");
  auto source = OpenTables(from, /*read_only=*/true);
  if (!source.ok()) return source.status();
  auto target = OpenTables(to, /*read_only=*/false);
  if (!target.ok()) return target.status();
  auto order = InsertOrder(**source);
  if (!order.ok()) return order.status();
  auto target_tables = (*target)->Tables();
  if (!target_tables.ok()) return target_tables.status();
  {
    std::vector<std::string> sorted = *order;
    std::sort(sorted.begin(), sorted.end());
    if (sorted != *target_tables) {
      return Status::Corruption("copy: the source and the target have different tables (" +
                                std::to_string(sorted.size()) + " and " +
                                std::to_string(target_tables->size()) + ")");
    }
  }

  if (Status s = (*target)->BeginWrite(); !s.ok()) return s;
  for (const std::string& table : *order) {
    if (kMadeByMigrations.count(table) != 0) continue;
    auto rows = (*target)->CountRows(table);
    if (!rows.ok()) return rows.status();
    if (*rows > 0 && !options.replace) {
      return Status::InvalidArgument("copy: the target holds a dataset already (" + std::to_string(*rows) +
                                     " rows in " + table + "); give --replace to delete it first");
    }
  }
  for (auto it = order->rbegin(); it != order->rend(); ++it)
    if (Status s = (*target)->DeleteAll(*it); !s.ok()) return s;

  if (Status s = (*source)->BeginRead(); !s.ok()) return s;
  CopyReport report;
  for (const std::string& table : *order) {
    auto columns = (*source)->Columns(table);
    if (!columns.ok()) return columns.status();
    auto target_columns = (*target)->Columns(table);
    if (!target_columns.ok()) return target_columns.status();
    if (*columns != *target_columns) {
      return Status::Corruption("copy: table " + table + " has other columns in the target");
    }
    std::vector<internal::Row> batch;
    int64_t copied = 0;
    Status scanned = (*source)->Scan(table, *columns, [&](const internal::Row& row) -> Status {
      batch.push_back(row);
      if (batch.size() < kInsertBatch) return Status::Ok();
      copied += static_cast<int64_t>(batch.size());
      Status s = (*target)->Insert(table, *columns, batch);
      batch.clear();
      return s;
    });
    if (Status s = scanned; !s.ok()) return s;
    copied += static_cast<int64_t>(batch.size());
    if (Status s = (*target)->Insert(table, *columns, batch); !s.ok()) return s;
    report.tables.push_back({table, copied});
    report.rows += copied;
  }
  if (Status s = (*source)->EndRead(); !s.ok()) return s;
  if (Status s = (*target)->FinishWrite(); !s.ok()) return s;
  if (Status s = (*target)->CommitWrite(); !s.ok()) return s;
  return report;
}

Result<DatasetSummary> SummarizeDataset(const std::string& location) {
  auto access = OpenTables(location, /*read_only=*/true);
  if (!access.ok()) return access.status();
  auto tables = (*access)->Tables();
  if (!tables.ok()) return tables.status();
  DatasetSummary summary;
  if (Status s = (*access)->BeginRead(); !s.ok()) return s;
  for (const std::string& table : *tables) {
    auto columns = (*access)->Columns(table);
    if (!columns.ok()) return columns.status();
    std::vector<std::string> row_digests;
    std::string bytes;
    Status scanned = (*access)->Scan(table, *columns, [&](const internal::Row& row) -> Status {
      bytes.clear();
      for (const internal::Cell& cell : row) AppendCell(cell, bytes);
      row_digests.push_back(Sha1(bytes));
      return Status::Ok();
    });
    if (Status s = scanned; !s.ok()) return s;
    std::sort(row_digests.begin(), row_digests.end());
    std::string all;
    all.reserve(row_digests.size() * 20);
    for (const std::string& d : row_digests) all += d;
    summary.tables.push_back({table, static_cast<int64_t>(row_digests.size()), Hex(Sha1(all))});
  }
  if (Status s = (*access)->EndRead(); !s.ok()) return s;
  if (Status s = ExportFingerprints(location, summary.exports); !s.ok()) return s;
  return summary;
}

std::vector<std::string> CompareSummaries(const DatasetSummary& a, const DatasetSummary& b) {
  std::vector<std::string> differences;
  auto compare = [&](const std::vector<Fingerprint>& left, const std::vector<Fingerprint>& right,
                     const char* what) {
    std::map<std::string, const Fingerprint*> in_right;
    for (const Fingerprint& f : right) in_right[f.name] = &f;
    for (const Fingerprint& f : left) {
      auto it = in_right.find(f.name);
      if (it == in_right.end()) {
        differences.push_back(std::string(what) + " " + f.name + " only in the first");
        continue;
      }
      const Fingerprint& g = *it->second;
      if (f.rows != g.rows) {
        differences.push_back(f.name + ": " + std::to_string(f.rows) + " vs " + std::to_string(g.rows) +
                              (std::string(what) == "table" ? " rows" : " lines"));
      } else if (f.checksum != g.checksum) {
        differences.push_back(f.name + ": checksum differs");
      }
      in_right.erase(it);
    }
    for (const auto& [name, f] : in_right)
      differences.push_back(std::string(what) + " " + name + " only in the second");
  };
  compare(a.tables, b.tables, "table");
  compare(a.exports, b.exports, "export");
  return differences;
}

}  // namespace hc::store
