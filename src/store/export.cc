// RunExport: CSV (RFC 4180) and JSONL files from any ExportSource, streamed row by row, written to a
// temporary file beside the target and renamed into place. Backend-independent.
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <system_error>

#include "store/sqlite_internal.h"
#include "store/store.h"

namespace hc::store {
namespace {

using K = ColumnKind;

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

// A file being written: a temporary sibling of the target until Commit renames it into place.
// O_EXCL on a fresh random name means the temporary file is never someone else's file or symlink;
// rename(2) replaces a symlink at the target rather than writing through it.
class OutputFile {
 public:
  static Result<std::unique_ptr<OutputFile>> Create(const std::filesystem::path& target, bool force) {
    struct stat st;
    if (::lstat(target.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::IoError(target.string() + " is a folder");
      if (!force) return Status::IoError(target.string() + " exists; pass --force to replace it");
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

  ~OutputFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(temp_.c_str());
  }

  Status Write(std::string_view bytes) {
    buffer_.append(bytes);
    bytes_ += bytes.size();
    return buffer_.size() >= (1u << 20) ? Drain() : Status::Ok();
  }

  Status Commit() {
    HC_RETURN_IF_ERROR(Drain());
    if (::fsync(fd_) != 0) return Status::IoError(temp_ + ": " + ErrnoText(errno));
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return Status::IoError(temp_ + ": " + ErrnoText(errno));
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
      if (errno == EEXIST) return Status::IoError(target_.string() + " exists; pass --force to replace it");
      return Status::IoError("cannot write " + target_.string() + ": " + ErrnoText(errno));
    }
    committed_ = true;
    return Status::Ok();
  }

  uint64_t bytes() const { return bytes_; }

 private:
  OutputFile(std::filesystem::path target, std::string temp, int fd, bool force)
      : target_(std::move(target)), temp_(std::move(temp)), fd_(fd), force_(force) {}

  Status Drain() {
    size_t off = 0;
    while (off < buffer_.size()) {
      ssize_t n = ::write(fd_, buffer_.data() + off, buffer_.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("cannot write " + temp_ + ": " + ErrnoText(errno));
      }
      off += static_cast<size_t>(n);
    }
    buffer_.clear();
    return Status::Ok();
  }

  std::filesystem::path target_;
  std::string temp_;
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

struct FileResult {
  int64_t rows = 0;
  uint64_t bytes = 0;
};

Result<FileResult> WriteTable(ExportSource& source, const ExportTable& table, const ExportFilter& filter,
                              const ExportOptions& options, const std::filesystem::path& path) {
  auto file = OutputFile::Create(path, options.force);
  if (!file.ok()) return file.status();
  OutputFile& out = **file;
  FileResult result;
  if (options.format == ExportFormat::kCsv) {
    if (options.bom) HC_RETURN_IF_ERROR(out.Write("\xEF\xBB\xBF"));
    std::vector<std::string> header;
    for (const auto& c : table.columns) header.push_back(CsvField(c.name));
    HC_RETURN_IF_ERROR(out.Write(CsvLine(header)));
  }
  std::vector<std::string> fields;
  std::string line;
  Status s = source.ScanTable(table, filter, [&](const Row& row) -> Status {
    ++result.rows;
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
  });
  HC_RETURN_IF_ERROR(s);
  HC_RETURN_IF_ERROR(out.Commit());
  result.bytes = out.bytes();
  return result;
}

Result<FileResult> WriteNested(ExportSource& source, const ExportFilter& filter, const ExportOptions& options,
                               const std::filesystem::path& path) {
  auto file = OutputFile::Create(path, options.force);
  if (!file.ok()) return file.status();
  OutputFile& out = **file;
  FileResult result;
  std::string line;
  HC_RETURN_IF_ERROR(source.ScanArticleDocuments(filter, [&](const Json& doc) -> Status {
    ++result.rows;
    line = internal::DumpJson(doc);
    line += '\n';
    return out.Write(line);
  }));
  HC_RETURN_IF_ERROR(out.Commit());
  result.bytes = out.bytes();
  return result;
}

}  // namespace

const std::vector<ExportTable>& ExportTables() {
  // The documented column order (docs/schema.md, "Exports"). Append new columns at the end only.
  static const std::vector<ExportTable> tables = {
      {"sites", {{"id", K::kInteger}, {"site", K::kText}, {"first_seen_at", K::kText}}},
      {"pages",
       {{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}, {"fetched_url", K::kText},
        {"page_type", K::kText}, {"http_status", K::kInteger}, {"content_type", K::kText},
        {"charset", K::kText}, {"etag", K::kText}, {"last_modified", K::kText},
        {"content_hash", K::kText}, {"first_fetched_at", K::kText}, {"last_fetched_at", K::kText},
        {"last_changed_at", K::kText}, {"failure_reason", K::kText}, {"updated_at", K::kText}}},
      {"articles",
       {{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}, {"title", K::kText},
        {"body", K::kText}, {"published_at", K::kText}, {"views", K::kInteger},
        {"views_observed_at", K::kText}, {"author", K::kText}, {"tags", K::kJson}, {"source", K::kText},
        {"extra", K::kJson}, {"first_fetched_at", K::kText}, {"last_fetched_at", K::kText},
        {"last_changed_at", K::kText}, {"updated_at", K::kText}}},
      {"article_views",
       {{"article_id", K::kInteger}, {"site", K::kText}, {"url", K::kText}, {"observed_at", K::kText},
        {"views", K::kInteger}}},
      {"diseases",
       {{"id", K::kInteger}, {"name", K::kText}, {"summary", K::kText}, {"url", K::kText},
        {"extra", K::kJson}, {"updated_at", K::kText}}},
      {"article_diseases",
       {{"article_id", K::kInteger}, {"position", K::kInteger}, {"disease_id", K::kInteger},
        {"disease", K::kText}}},
      {"hospitals", {{"id", K::kInteger}, {"name", K::kText}, {"grade", K::kText}, {"updated_at", K::kText}}},
      {"doctors",
       {{"id", K::kInteger}, {"name", K::kText}, {"title", K::kText}, {"department", K::kText},
        {"hospital_id", K::kInteger}, {"hospital", K::kText}, {"hospital_grade", K::kText},
        {"specialties", K::kJson}, {"profile_url", K::kText}, {"extra", K::kJson},
        {"updated_at", K::kText}}},
      {"questions",
       {{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}, {"title", K::kText},
        {"description", K::kText}, {"asked_at", K::kText}, {"page_stored", K::kInteger},
        {"extra", K::kJson}, {"updated_at", K::kText}}},
      {"answers",
       {{"id", K::kInteger}, {"question_id", K::kInteger}, {"question_url", K::kText},
        {"doctor_id", K::kInteger}, {"doctor", K::kText}, {"text", K::kText}, {"answered_at", K::kText},
        {"source", K::kText}, {"extra", K::kJson}, {"updated_at", K::kText}}},
      {"article_questions",
       {{"article_id", K::kInteger}, {"position", K::kInteger}, {"answer_id", K::kInteger},
        {"question_url", K::kText}}},
      {"failures",
       {{"id", K::kInteger}, {"site", K::kText}, {"url", K::kText}, {"failed_at", K::kText},
        {"http_status", K::kInteger}, {"reason", K::kText}, {"detail", K::kJson}}},
      {"crawl_runs",
       {{"id", K::kInteger}, {"command", K::kText}, {"sites", K::kText}, {"started_at", K::kText},
        {"finished_at", K::kText}, {"outcome", K::kText}, {"pages_fetched", K::kInteger},
        {"pages_stored", K::kInteger}, {"pages_failed", K::kInteger}, {"bytes_fetched", K::kInteger},
        {"extra", K::kJson}}},
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
  if (options.nested && options.format != ExportFormat::kJsonl) {
    return Status::InvalidArgument("--nested needs --format jsonl");
  }
  if (options.nested && options.all) return Status::InvalidArgument("--nested and --all exclude each other");
  std::vector<const ExportTable*> tables;
  if (options.all) {
    for (const auto& t : ExportTables()) tables.push_back(&t);
  } else if (!options.nested) {
    const ExportTable* t = FindExportTable(options.table);
    if (!t) return Status::InvalidArgument("unknown table \"" + options.table + "\" (see docs/schema.md)");
    tables.push_back(t);
  }
  if (options.all) {
    std::error_code ec;
    struct stat st;
    if (::lstat(options.out.c_str(), &st) == 0 && !S_ISDIR(st.st_mode)) {
      return Status::IoError(options.out.string() + " is not a folder (--all writes one file per table)");
    }
    std::filesystem::create_directories(options.out, ec);
    if (ec) return Status::IoError("cannot create " + options.out.string() + ": " + ec.message());
  }

  if (options.since_last && !options.record) {
    return Status::InvalidArgument("--since-last needs the export recorded (a writable database)");
  }
  auto upto = source.CurrentChangeSeq();
  if (!upto.ok()) return upto.status();
  const std::string format = options.format == ExportFormat::kCsv ? "csv" : "jsonl";
  ExportSummary summary;

  auto export_one = [&](const std::string& table_name, const std::filesystem::path& path,
                        const ExportTable* table) -> Status {
    const std::string abs = std::filesystem::absolute(path).lexically_normal().string();
    const std::string target = format + "|" + table_name + "|" + options.site + "|" + abs;
    ExportFilter filter;
    filter.site = options.site;
    filter.since = options.since;
    filter.upto_seq = *upto;
    if (options.since_last) {
      auto last = source.LastExportSeq(target);
      if (!last.ok()) return last.status();
      filter.after_seq = *last;
    }
    auto written = table ? WriteTable(source, *table, filter, options, path)
                         : WriteNested(source, filter, options, path);
    if (!written.ok()) return written.status();
    summary.files.emplace_back(path, written->rows);
    summary.bytes += static_cast<int64_t>(written->bytes);
    if (!options.record) return Status::Ok();
    ExportRecord record{target, format, table_name, options.site, abs, options.now, *upto, written->rows};
    return source.RecordExport(record);
  };

  if (options.nested) {
    HC_RETURN_IF_ERROR(export_one("articles_nested", options.out, nullptr));
  } else {
    for (const ExportTable* t : tables) {
      std::filesystem::path path = options.all ? options.out / (t->name + "." + format) : options.out;
      HC_RETURN_IF_ERROR(export_one(t->name, path, t));
    }
  }
  return summary;
}

}  // namespace hc::store
