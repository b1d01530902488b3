// RunExport: CSV (RFC 4180) and JSONL files from any ExportSource, streamed row by row, written to a
// temporary file beside the target and renamed into place. Backend-independent.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <ctime>
#include <charconv>
#include <cstring>
#include <string>
#include <system_error>

#include "core/records.h"
#include "store/sqlite_internal.h"
#include "store/export.h"

namespace hc::store {
namespace {

using K = ColumnKind;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// A file being written: a temporary sibling of the target until Commit renames it into place.
// O_EXCL on a fresh random name means the temporary file is never someone else's file or symlink;
// rename(2) replaces a symlink at the target rather than writing through it. Destroyed before Commit,
// it removes the temporary file, so a failed export leaves nothing behind. ToStdout writes straight
// to standard output instead (nothing to rename, nothing to remove).
class OutputFile {
 public:
  // `check_now`: refuse an existing target here, before writing; otherwise only Commit refuses it
  // (an increment that turns out empty is never committed, so its existing name is no error).
  static Result<std::unique_ptr<OutputFile>> Create(const std::filesystem::path& target, bool force,
                                                    bool check_now = true) {
    struct stat st;
    if (::lstat(target.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::IoError(target.string() + " is a folder");
      if (!force && check_now) return ExistsError(target);
    } else if (errno != ENOENT) {
      return Status::IoError(target.string() + ": " + ErrnoText(errno));
    }
    std::filesystem::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (fd < 0) return Status::IoError("cannot create a file in " + dir.string() + ": " + ErrnoText(errno));
    ::fchmod(fd, 0644);
    return std::unique_ptr<OutputFile>(new OutputFile(target, tmpl, fd, force));
  }

  static std::unique_ptr<OutputFile> ToStdout() {
    return std::unique_ptr<OutputFile>(new OutputFile("-", std::string(), STDOUT_FILENO, false));
  }

  ~OutputFile() {
    if (fd_ >= 0 && !temp_.empty()) ::close(fd_);
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
  }
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  Status Write(std::string_view bytes) {
    buffer_.append(bytes);
    bytes_ += bytes.size();
    return buffer_.size() >= (1u << 20) ? Drain() : Status::Ok();
  }

  // Everything written is on disk; the temporary file is closed, not yet renamed. For stdout this
  // waits for Commit, so that an increment found empty prints nothing, not even a CSV header.
  Status Finish() {
    if (temp_.empty()) return Status::Ok();
    HC_RETURN_IF_ERROR(Drain());
    if (::fsync(fd_) != 0) return Status::IoError(temp_ + ": " + ErrnoText(errno));
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::IoError(temp_ + ": " + ErrnoText(errno));
    return Status::Ok();
  }

  Status Commit() {
    if (temp_.empty()) {
      committed_ = true;
      return Drain();
    }
    int rc;
    if (force_) {
      rc = ::rename(temp_.c_str(), target_.c_str());
    } else {
      // No replacing even if the target appeared while we wrote.
      rc = ::renameat2(AT_FDCWD, temp_.c_str(), AT_FDCWD, target_.c_str(), RENAME_NOREPLACE);
      if (rc != 0 && errno == EINVAL) {  // a file system without RENAME_NOREPLACE
        rc = ::link(temp_.c_str(), target_.c_str());
        if (rc == 0) ::unlink(temp_.c_str());
      }
    }
    if (rc != 0) {
      if (errno == EEXIST) return ExistsError(target_);
      return Status::IoError("cannot write " + target_.string() + ": " + ErrnoText(errno));
    }
    committed_ = true;
    return Status::Ok();
  }

  const std::filesystem::path& target() const { return target_; }
  bool is_file() const { return !temp_.empty(); }
  uint64_t bytes() const { return bytes_; }

 private:
  OutputFile(std::filesystem::path target, std::string temp, int fd, bool force)
      : target_(std::move(target)), temp_(std::move(temp)), fd_(fd), force_(force) {}

  static Status ExistsError(const std::filesystem::path& target) {
    return Status::IoError(target.string() +
                           " exists; pass --force to replace it, or put {seq} or {time} in the name");
  }

  Status Drain() {
    size_t off = 0;
    while (off < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("cannot write " + (temp_.empty() ? std::string("to stdout") : temp_) + ": " +
                               ErrnoText(errno));
      }
      off += static_cast<size_t>(n);
    }
    buffer_.clear();
    return Status::Ok();
  }

  std::filesystem::path target_;
  std::string temp_;  // empty for stdout
  int fd_;
  bool force_;
  bool committed_ = false;
  std::string buffer_;
  uint64_t bytes_ = 0;
};

std::string CellText(const Cell& cell) {
  if (std::holds_alternative<int64_t>(cell)) return std::to_string(std::get<int64_t>(cell));
  if (std::holds_alternative<double>(cell)) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::get<double>(cell));
    return ec == std::errc() ? std::string(buf, end) : std::string();
  }
  if (std::holds_alternative<std::string>(cell)) return std::get<std::string>(cell);
  return std::string();
}

Json CellJson(const Cell& cell, ColumnKind kind) {
  if (std::holds_alternative<std::nullptr_t>(cell)) return nullptr;
  if (std::holds_alternative<int64_t>(cell)) return std::get<int64_t>(cell);
  if (std::holds_alternative<double>(cell)) return std::get<double>(cell);
  const std::string& text = std::get<std::string>(cell);
  if (kind == K::kJson) {
    Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_discarded()) return parsed;
  }
  return text;
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) line += ',';
    line += fields[i];
  }
  line += "\r\n";
  return line;
}

// Writes the rows of `table` into `out` (not finished); returns the number of rows.
Result<int64_t> WriteTable(ExportSource& source, const ExportTable& table, const ExportFilter& filter,
                           const ExportOptions& options, OutputFile& out) {
  int64_t rows = 0;
  if (options.format == ExportFormat::kCsv) {
    if (options.bom) HC_RETURN_IF_ERROR(out.Write("\xEF\xBB\xBF"));
    std::vector<std::string> header;
    for (const auto& c : table.columns) header.push_back(CsvField(c.name));
    HC_RETURN_IF_ERROR(out.Write(CsvLine(header)));
  }
  std::vector<std::string> fields;
  std::string line;
  HC_RETURN_IF_ERROR(source.ScanTable(table, filter, [&](const Row& row) -> Status {
    ++rows;
    if (options.format == ExportFormat::kCsv) {
      fields.clear();
      for (const Cell& cell : row) {
        // NULL is an empty field; an empty string is "" so the two stay apart.
        fields.push_back(std::holds_alternative<std::nullptr_t>(cell) ? std::string()
                         : CellText(cell).empty()                      ? std::string("\"\"")
                                                                       : CsvField(CellText(cell)));
      }
      return out.Write(CsvLine(fields));
    }
    Json doc = Json::object();
    for (size_t i = 0; i < row.size() && i < table.columns.size(); ++i) {
      doc[table.columns[i].name] = CellJson(row[i], table.columns[i].kind);
    }
    line = internal::DumpJson(doc);
    line += '\n';
    return out.Write(line);
  }));
  return rows;
}

Result<int64_t> WriteNested(ExportSource& source, const ExportFilter& filter, OutputFile& out) {
  int64_t rows = 0;
  std::string line;
  HC_RETURN_IF_ERROR(source.ScanArticleDocuments(filter, [&](const Json& doc) -> Status {
    ++rows;
    line = internal::DumpJson(doc);
    line += '\n';
    return out.Write(line);
  }));
  return rows;
}

// The values of the output name's placeholders (docs/schema.md, "Exports").
struct NameValues {
  TimePoint now{};
  int64_t run = 1;  // this export's number under its cursor (or target): 1 for the first
  int64_t seq = 0;  // the change sequence the export covers
};

Result<std::filesystem::path> ExpandName(const std::string& pattern, const NameValues& values) {
  const std::time_t t = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(values.now));
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char date[16];
  char time[16];
  std::strftime(date, sizeof date, "%Y-%m-%d", &tm);
  std::strftime(time, sizeof time, "%H%M%S", &tm);
  std::string out;
  size_t pos = 0;
  while (pos < pattern.size()) {
    const size_t open = pattern.find('{', pos);
    if (open == std::string::npos) {
      out += pattern.substr(pos);
      break;
    }
    const size_t close = pattern.find('}', open);
    if (close == std::string::npos) {
      return Status::InvalidArgument("unbalanced brace in the output name '" + pattern + "'");
    }
    out += pattern.substr(pos, open - pos);
    const std::string name = pattern.substr(open + 1, close - open - 1);
    if (name == "date") {
      out += date;
    } else if (name == "time") {
      out += time;
    } else if (name == "run") {
      out += std::to_string(values.run);
    } else if (name == "seq") {
      out += std::to_string(values.seq);
    } else {
      return Status::InvalidArgument("unknown placeholder {" + name + "} in the output name '" + pattern +
                                     "' (known: {date} {time} {run} {seq})");
    }
    pos = close + 1;
  }
  return std::filesystem::path(out);
}

// One file of an export: written whole to its temporary file before any file is renamed into place.
struct PendingFile {
  std::string table;  // table name, or "articles_nested"
  std::string key;    // the exports.target it is recorded under
  std::unique_ptr<OutputFile> file;
  int64_t rows = 0;
};

// The export columns of a record kind's canonical fields, by field name and in the declared order
// (core/records.h), each followed by the columns `after` names for it. An int field exports as an
// integer, a list of strings as JSON, the rest as text.
std::vector<ExportColumn> FieldColumns(std::string_view kind_name,
                                       const std::vector<std::pair<std::string_view, ExportColumn>>& after = {}) {
  std::vector<ExportColumn> out;
  const records::RecordKind* kind = records::FindRecordKind(kind_name);
  if (!kind) return out;
  for (const records::FieldSpec& field : kind->fields) {
    const K column_kind = records::IsIntShape(field.shape)                ? K::kInteger
                          : field.shape == records::FieldShape::kTextList ? K::kJson
                                                                          : K::kText;
    out.push_back({std::string(field.name), column_kind});
    for (const auto& [name, column] : after) {
      if (name == field.name) out.push_back(column);
    }
  }
  return out;
}

// A documented column list: `head`, then `middle`, then `tail`.
std::vector<ExportColumn> Columns(std::vector<ExportColumn> head, const std::vector<ExportColumn>& middle,
                                  const std::vector<ExportColumn>& tail) {
  head.insert(head.end(), middle.begin(), middle.end());
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace

const std::vector<ExportTable>& ExportTables() {
  // The documented column order (docs/schema.md, "Exports"). Append new columns at the end only.
  static const std::vector<ExportTable> tables = {
      {"sites", {{"id", K::kInteger}, {"site", K::kText}, {"first_seen_at", K::kText}}},
      {"pages",
       {{"id", K::kInteger},
        {"site", K::kText},
        {"url", K::kText},
        {"fetched_url", K::kText},
        {"page_type", K::kText},
        {"http_status", K::kInteger},
        {"content_type", K::kText},
        {"charset", K::kText},
        {"etag", K::kText},
        {"last_modified", K::kText},
        {"content_hash", K::kText},
        {"first_fetched_at", K::kText},
        {"last_fetched_at", K::kText},
        {"last_changed_at", K::kText},
        {"failure_reason", K::kText},
        {"updated_at", K::kText}}},
      // The canonical fields' columns come from the record vocabulary (core/records.h), in its order.
      {"articles", Columns({{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}},
                           FieldColumns("article", {{"published_at", {"published_at_precision", K::kText}},
                                                    {"views", {"views_observed_at", K::kText}}}),
                           {{"extra", K::kJson},
                            {"first_fetched_at", K::kText},
                            {"last_fetched_at", K::kText},
                            {"last_changed_at", K::kText},
                            {"updated_at", K::kText}})},
      {"article_views",
       {{"article_id", K::kInteger},
        {"site", K::kText},
        {"url", K::kText},
        {"observed_at", K::kText},
        {"views", K::kInteger}}},
      {"diseases", Columns({{"id", K::kInteger}}, FieldColumns("disease"),
                           {{"extra", K::kJson}, {"updated_at", K::kText}})},
      {"article_diseases",
       {{"article_id", K::kInteger},
        {"position", K::kInteger},
        {"disease_id", K::kInteger},
        {"disease", K::kText}}},
      {"hospitals",
       {{"id", K::kInteger},
        {"name", K::kText},
        {"grade", K::kText},
        {"updated_at", K::kText},
        {"grade_raw", K::kText}}},
      {"doctors", Columns({{"id", K::kInteger}},
                          FieldColumns("doctor", {{"department", {"hospital_id", K::kInteger}},
                                                  {"specialties", {"profile_url", K::kText}}}),
                          {{"extra", K::kJson}, {"updated_at", K::kText}})},
      {"questions", Columns({{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}},
                            FieldColumns("question", {{"asked_at", {"asked_at_precision", K::kText}},
                                                      {"asked_at", {"page_stored", K::kInteger}},
                                                      {"views", {"views_observed_at", K::kText}}}),
                            {{"extra", K::kJson}, {"updated_at", K::kText}})},
      {"answers",
       {{"id", K::kInteger},
        {"question_id", K::kInteger},
        {"question_url", K::kText},
        {"doctor_id", K::kInteger},
        {"doctor", K::kText},
        {"text", K::kText},
        {"answered_at", K::kText},
        {"answered_at_precision", K::kText},
        {"source", K::kText},
        {"extra", K::kJson},
        {"updated_at", K::kText},
        {"helpful_votes", K::kInteger}}},
      {"question_views",
       {{"question_id", K::kInteger},
        {"site", K::kText},
        {"url", K::kText},
        {"observed_at", K::kText},
        {"views", K::kInteger}}},
      {"article_questions",
       {{"article_id", K::kInteger},
        {"position", K::kInteger},
        {"answer_id", K::kInteger},
        {"question_url", K::kText}}},
      {"failures",
       {{"id", K::kInteger},
        {"site", K::kText},
        {"url", K::kText},
        {"failed_at", K::kText},
        {"http_status", K::kInteger},
        {"reason", K::kText},
        {"detail", K::kJson}}},
      {"crawl_runs",
       {{"id", K::kInteger},
        {"command", K::kText},
        {"sites", K::kText},
        {"started_at", K::kText},
        {"finished_at", K::kText},
        {"outcome", K::kText},
        {"pages_fetched", K::kInteger},
        {"pages_stored", K::kInteger},
        {"pages_failed", K::kInteger},
        {"bytes_fetched", K::kInteger},
        {"extra", K::kJson}}},
      // Child lists of records (issue 13 point 6): one row per item, its fields one JSON object.
      {"record_children",
       {{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}, {"parent_table", K::kText},
        {"parent_id", K::kInteger}, {"record_path", K::kText}, {"list", K::kText}, {"position", K::kInteger},
        {"fields", K::kJson}, {"updated_at", K::kText}}},
  };
  return tables;
}

const ExportTable* FindExportTable(std::string_view name) {
  for (const auto& t : ExportTables()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string CsvField(std::string_view value) {
  // RFC 4180 section 2: fields containing line breaks, double quotes or commas are enclosed in double
  // quotes, and a double quote inside is escaped by another one.
  if (value.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<ExportSummary> RunExport(ExportSource& source, const ExportOptions& options) {
  if (options.out.empty()) return Status::InvalidArgument("no output path (--out)");
  const bool to_stdout = options.out == "-";
  if (options.nested && options.format != ExportFormat::kJsonl) {
    return Status::InvalidArgument("--nested needs --format jsonl");
  }
  if (options.nested && options.all) return Status::InvalidArgument("--nested and --all exclude each other");
  if (to_stdout && options.all) {
    return Status::InvalidArgument("--all writes one file per table into a folder; it cannot go to stdout (-)");
  }
  const bool incremental = options.since_last || !options.cursor.empty();
  if (options.since_last && !options.cursor.empty()) {
    return Status::InvalidArgument("--since-last and --cursor exclude each other");
  }
  if (incremental && !options.record) {
    return Status::InvalidArgument("an incremental export (--since-last, --cursor) needs a writable database");
  }
  std::vector<std::pair<std::string, const ExportTable*>> tables;
  if (options.all) {
    for (const auto& t : ExportTables()) tables.emplace_back(t.name, &t);
  } else if (options.nested) {
    tables.emplace_back("articles_nested", nullptr);
  } else {
    const ExportTable* t = FindExportTable(options.table);
    if (!t) return Status::InvalidArgument("unknown table \"" + options.table + "\" (see docs/schema.md)");
    tables.emplace_back(t->name, t);
  }

  auto upto = source.CurrentChangeSeq();
  if (!upto.ok()) return upto.status();
  const std::string format = options.format == ExportFormat::kCsv ? "csv" : "jsonl";
  // What an incremental export is keyed on. A named cursor is independent of the output name; the
  // older --since-last keys on the output name as given, before its placeholders are filled in, so
  // that a dated name continues the previous increment instead of starting again.
  const std::string pattern = options.out.string();
  const std::string abs_pattern =
      to_stdout ? pattern : std::filesystem::absolute(options.out).lexically_normal().string();
  auto key_of = [&](const std::string& table) {
    return options.cursor.empty() ? format + "|" + table + "|" + options.site + "|" + abs_pattern
                                  : "cursor|" + options.cursor + "|" + table + "|" + options.site;
  };
  NameValues values{options.now, 1, *upto};
  auto count = source.CountExports(key_of(tables.front().first));
  if (!count.ok()) return count.status();
  values.run = *count + 1;
  auto expanded = ExpandName(pattern, values);
  if (!expanded.ok()) return expanded.status();
  const std::filesystem::path out = *expanded;

  bool created_folder = false;
  if (options.all) {
    struct stat st;
    if (::lstat(out.c_str(), &st) == 0) {
      if (!S_ISDIR(st.st_mode)) {
        return Status::IoError(out.string() + " is not a folder (--all writes one file per table)");
      }
    } else {
      std::error_code ec;
      created_folder = std::filesystem::create_directories(out, ec);
      if (ec) return Status::IoError("cannot create " + out.string() + ": " + ec.message());
    }
  }
  // An empty folder this export created goes again when the export fails or writes nothing.
  auto drop_folder = [&] {
    std::error_code ec;
    if (created_folder) std::filesystem::remove(out, ec);  // removes only an empty folder
  };

  std::vector<PendingFile> pending;
  // The temporary files go first (their destructors remove them), then the folder, now empty.
  auto fail = [&](const Status& s) {
    pending.clear();
    drop_folder();
    return s;
  };
  int64_t changed_rows = 0;
  for (const auto& [name, table] : tables) {
    ExportFilter filter;
    filter.site = options.site;
    filter.since = options.since;
    filter.upto_seq = *upto;
    const std::string key = key_of(name);
    if (incremental) {
      auto last = source.LastExportSeq(key);
      if (!last.ok()) return fail(last.status());
      filter.after_seq = *last;
    }
    const std::filesystem::path path = options.all ? out / (name + "." + format) : out;
    std::unique_ptr<OutputFile> file;
    if (to_stdout) {
      file = OutputFile::ToStdout();
    } else {
      auto created = OutputFile::Create(path, options.force, /*check_now=*/!incremental);
      if (!created.ok()) return fail(created.status());
      file = std::move(*created);
    }
    pending.push_back(PendingFile{name, key, std::move(file), 0});
    PendingFile& p = pending.back();
    auto rows = table ? WriteTable(source, *table, filter, options, *p.file)
                      : WriteNested(source, filter, *p.file);
    if (!rows.ok()) return fail(rows.status());
    Status finished = p.file->Finish();
    if (!finished.ok()) return fail(finished);
    p.rows = *rows;
    changed_rows += p.rows;
  }

  ExportSummary summary;
  if (incremental && changed_rows == 0) {
    // Nothing to add: no file (not even an empty one) and no record, so the cursor stays where it was.
    pending.clear();
    drop_folder();
    summary.unchanged = true;
    return summary;
  }

  // Rename everything into place, then record. A failure on the way takes back the files this export
  // created, so that it leaves either all of its files and its record, or neither.
  std::vector<std::filesystem::path> committed;
  auto take_back = [&](const Status& s) {
    std::error_code ec;
    if (!options.force) {
      for (const auto& path : committed) std::filesystem::remove(path, ec);
    }
    return fail(s);
  };
  std::vector<ExportRecord> records;
  for (PendingFile& p : pending) {
    // An incremental --all writes (and moves the position of) only the tables that changed.
    if (incremental && p.rows == 0 && options.all) continue;
    Status s = p.file->Commit();
    if (!s.ok()) return take_back(s);
    if (p.file->is_file()) committed.push_back(p.file->target());
    summary.files.emplace_back(p.file->target(), p.rows);
    summary.bytes += static_cast<int64_t>(p.file->bytes());
    const std::string abs =
        to_stdout ? pattern : std::filesystem::absolute(p.file->target()).lexically_normal().string();
    records.push_back(ExportRecord{p.key, format, p.table, options.site, abs, options.now, *upto, p.rows});
  }
  if (options.record) {
    Status s = source.RecordExports(records);
    if (!s.ok()) return take_back(s);
  }
  return summary;
}

}  // namespace hc::store
