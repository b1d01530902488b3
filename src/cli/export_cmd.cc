// `healthcrawl export [--format jsonl|csv] --out PATH|- [--table T | --all | --nested] [--site S]
// [--since DATE] [--since-last | --cursor NAME] [--bom] [--force] [--db PATH]`: writes the dataset for
// a data team. Streams row by row (constant memory on any table size). CSV is RFC 4180 (CRLF, quotes
// doubled, --bom for Excel); JSONL is one object per row, or with --nested one document per article
// with its diseases and answers (each with question, doctor and hospital) inside. Column orders are
// stable and documented in docs/schema.md. The format is taken from the --out extension when --format
// is not given. --out may hold {date} {time} {run} {seq}; "-" is stdout. Existing files are replaced
// only with --force, symlinks are replaced and never followed, and files appear whole (written beside
// the target, then renamed); a failed export leaves no file behind.
//
// Prints "<file>\t<rows>" per file written on stdout (on stderr when the data goes to stdout).
// Exit codes: 0 written, or nothing changed since the cursor (said on stderr); 2 bad arguments;
// 3 the database or an output file could not be used.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "store/database.h"
#include "store/export.h"

namespace hc::cli {
namespace {

struct ExportArgs {
  std::string format;  // "" = from the --out extension, else jsonl
  std::string out;
  std::string table;
  bool all = false;
  bool nested = false;
  std::string site;
  std::string since;
  bool since_last = false;
  std::string cursor;
  bool bom = false;
  bool force = false;
  std::string db = "healthcrawl.db";
};

// The format an output name asks for by its extension, if any.
std::optional<std::string> FormatOfName(const std::string& out) {
  const std::string ext = std::filesystem::path(out).extension().string();
  if (ext == ".csv") return "csv";
  if (ext == ".jsonl" || ext == ".json") return "jsonl";
  return std::nullopt;
}

// The database as the user may use it: read-only when they may not write the file (access(2) asks
// the kernel with the real uid, as SQLite's own fallback to read-only would find out later).
// A PostgreSQL database's permissions are the server's business: a refused write is its error.
bool MayWrite(const std::string& db) {
  return store::IsPostgresLocation(db) || ::access(db.c_str(), W_OK) == 0;
}

int RunExport(const ExportArgs& args) {
  store::ExportOptions options;
  const bool to_stdout = args.out == "-";
  const std::optional<std::string> named = args.all || to_stdout ? std::nullopt : FormatOfName(args.out);
  if (!args.format.empty() && named && *named != args.format) {
    spdlog::error("--format {} contradicts the name {} (a .{} file); drop --format or change the name",
                  args.format, args.out, *named == "csv" ? "csv" : "jsonl/.json");
    return kExitUsage;
  }
  const std::string format = !args.format.empty() ? args.format : named.value_or("jsonl");
  options.format = format == "csv" ? store::ExportFormat::kCsv : store::ExportFormat::kJsonl;
  options.out = args.out;
  options.table = args.table;
  options.all = args.all;
  options.nested = args.nested;
  options.site = args.site;
  options.bom = args.bom;
  options.force = args.force;
  options.since_last = args.since_last;
  options.cursor = args.cursor;
  options.now = SystemClock().Now();
  if (!args.since.empty()) {
    TimePoint t{};
    if (!ParseIso8601(args.since, &t)) {
      spdlog::error("--since '{}' is not a date such as 2026-03-01", args.since);
      return kExitUsage;
    }
    options.since = t;
  }
  if (args.table.empty() && !args.all && !args.nested) {
    spdlog::error("say what to export: --table T, --all or --nested");
    return kExitUsage;
  }
  if (args.bom && options.format != store::ExportFormat::kCsv) {
    spdlog::error("--bom is for CSV (--format csv or a .csv name)");
    return kExitUsage;
  }
  if (args.cursor.size() > 200 || args.cursor.find('|') != std::string::npos) {
    spdlog::error("--cursor '{}' must be a short name without '|'", args.cursor);
    return kExitUsage;
  }
  const bool incremental = args.since_last || !args.cursor.empty();
  // An incremental export stores its cursor in the database, so it opens for writing; a plain export
  // is recorded there when the user may write the file, and otherwise runs read-only, unrecorded.
  bool writable = MayWrite(args.db);
  if (!writable && incremental) {
    if (::access(args.db.c_str(), F_OK) == 0) {
      spdlog::error("{} is read-only for you, and {} keeps its cursor in it; export without it, or use a "
                    "copy of the database you may write",
                    args.db, args.cursor.empty() ? "--since-last" : "--cursor");
      return kExitStorage;
    }
  }
  auto store = store::OpenDatabase(args.db, {.read_only = !writable && !incremental, .create = false});
  if (!store.ok() && writable && !incremental && store.status().code() == StatusCode::kIoError) {
    // Writable file in a folder SQLite cannot use for its -wal file, or the like: read it instead.
    auto reader = store::OpenDatabase(args.db, {.read_only = true});
    if (reader.ok()) store = std::move(reader);
    writable = false;
  }
  if (!store.ok()) {
    spdlog::error("{}", store.status().ToString());
    return kExitStorage;
  }
  if (!writable) {
    spdlog::info("{} is read-only for you: exporting without recording the export",
                 store::PrintableLocation(args.db));
    options.record = false;
  }
  auto summary = store::RunExport(**store, options);
  if (!summary.ok()) {
    spdlog::error("{}", summary.status().ToString());
    return summary.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitStorage;
  }
  if (summary->unchanged) {
    spdlog::info("nothing changed since the last export of {}: no file written",
                 args.cursor.empty() ? "this target (--since-last)" : "cursor '" + args.cursor + "'");
    return kExitOk;
  }
  for (const auto& [path, rows] : summary->files) {
    if (to_stdout) {
      spdlog::info("wrote {} rows to stdout", rows);
    } else {
      std::printf("%s\t%lld\n", path.string().c_str(), static_cast<long long>(rows));
    }
  }
  std::fflush(stdout);
  spdlog::info("exported {} file(s), {} bytes", summary->files.size(), summary->bytes);
  return kExitOk;
}

void RegisterExport(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Export tables as CSV or JSONL");
  cmd->add_option("--format", args->format,
                  "jsonl or csv; by default taken from the --out extension (.csv; .jsonl or .json), else jsonl")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd->add_option("--out", args->out,
                  "Output file ('-' for stdout); with --all, a folder. May hold {date} {time} (UTC), {run} "
                  "(this export's number under its cursor) and {seq} (the change sequence it covers)")
      ->required();
  auto* table = cmd->add_option("--table", args->table, "The table to export (docs/schema.md lists them)");
  auto* all = cmd->add_flag("--all", args->all, "Every table, one file each, into the --out folder");
  auto* nested = cmd->add_flag("--nested", args->nested,
                               "JSONL: one document per article with its diseases and answers nested");
  table->excludes(all)->excludes(nested);
  all->excludes(nested);
  cmd->add_option("--site", args->site, "Only this site's rows");
  cmd->add_option("--since", args->since, "Only rows changed at or after this date/time (ISO 8601)");
  auto* since_last = cmd->add_flag(
      "--since-last", args->since_last,
      "Only rows changed since the previous export to the same target (format, table, site, --out as given)");
  auto* cursor = cmd->add_option("--cursor", args->cursor,
                                 "Only rows changed since this named cursor's last export (kept in the "
                                 "database; independent of --out); nothing is written when nothing changed");
  since_last->excludes(cursor);
  cmd->add_flag("--bom", args->bom, "CSV: begin with a UTF-8 byte order mark (for Excel)");
  cmd->add_flag("--force", args->force, "Replace existing files");
  AddDbOption(cmd, args->db, "SQLite database");
  cmd->footer("Prints <file>\\t<rows> for each file written (on stderr with --out -).\n"
              "Exit codes: 0 ok, or nothing changed since the cursor; 2 bad arguments;\n"
              "3 database or output file unusable (no file is left behind).");
  cmd->callback([args, &ctx] { ctx.exit_code = RunExport(*args); });
}

static CommandRegistration reg(80, &RegisterExport);

}  // namespace
}  // namespace hc::cli
