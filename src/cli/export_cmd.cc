// `healthcrawl export --format jsonl|csv --out PATH [--table T | --all | --nested] [--site S]
// [--since DATE] [--since-last] [--bom] [--force] [--db PATH]`: writes the dataset for a data team.
// Streams row by row (constant memory on any table size). CSV is RFC 4180 (CRLF, quotes doubled,
// --bom for Excel); JSONL is one object per row, or with --nested one document per article with its
// diseases and answers (each with question, doctor and hospital) inside. Column orders are stable and
// documented in docs/schema.md. Existing files are replaced only with --force, symlinks are replaced
// and never followed, and files appear whole (written beside the target, then renamed).
//
// Prints "<file>\t<rows>" per file written on stdout. Exit codes: 0 written; 2 bad arguments;
// 3 the database or an output file could not be used.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "store/store.h"

namespace hc::cli {
namespace {

struct ExportArgs {
  std::string format = "jsonl";
  std::string out;
  std::string table;
  bool all = false;
  bool nested = false;
  std::string site;
  std::string since;
  bool since_last = false;
  bool bom = false;
  bool force = false;
  std::string db = "healthcrawl.db";
};

int RunExport(const ExportArgs& args) {
  store::ExportOptions options;
  options.format = args.format == "csv" ? store::ExportFormat::kCsv : store::ExportFormat::kJsonl;
  options.out = args.out;
  options.table = args.table;
  options.all = args.all;
  options.nested = args.nested;
  options.site = args.site;
  options.bom = args.bom;
  options.force = args.force;
  options.since_last = args.since_last;
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
    spdlog::error("--bom is for --format csv");
    return kExitUsage;
  }
  // The export is recorded in the database (for --since-last), so it opens for writing when it can.
  auto store = store::SqliteStore::Open(args.db, {.create = false});
  if (!store.ok() && store.status().code() == StatusCode::kIoError && !args.since_last &&
      store.status().message().find("read-only") != std::string::npos) {
    // A reader without write access can still export; the export just is not recorded.
    spdlog::warn("{} is read-only: exporting without recording the export", args.db);
    store = store::SqliteStore::Open(args.db, {.read_only = true});
    options.record = false;
  }
  if (!store.ok()) {
    spdlog::error("{}", store.status().ToString());
    return kExitStorage;
  }
  auto summary = store::RunExport(**store, options);
  if (!summary.ok()) {
    spdlog::error("{}", summary.status().ToString());
    return summary.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitStorage;
  }
  for (const auto& [path, rows] : summary->files) {
    std::printf("%s\t%lld\n", path.string().c_str(), static_cast<long long>(rows));
  }
  std::fflush(stdout);
  spdlog::info("exported {} file(s), {} bytes", summary->files.size(), summary->bytes);
  return kExitOk;
}

void RegisterExport(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand("export", "Export tables as CSV or JSONL");
  cmd->add_option("--format", args->format, "jsonl or csv")
      ->capture_default_str()
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd->add_option("--out", args->out, "Output file; with --all, a folder")->required();
  auto* table = cmd->add_option("--table", args->table, "The table to export (docs/schema.md lists them)");
  auto* all = cmd->add_flag("--all", args->all, "Every table, one file each, into the --out folder");
  auto* nested = cmd->add_flag("--nested", args->nested,
                               "JSONL: one document per article with its diseases and answers nested");
  table->excludes(all)->excludes(nested);
  all->excludes(nested);
  cmd->add_option("--site", args->site, "Only this site's rows");
  cmd->add_option("--since", args->since, "Only rows changed at or after this date/time (ISO 8601)");
  cmd->add_flag("--since-last", args->since_last,
                "Only rows changed since the previous export to the same target (format, table, site, path)");
  cmd->add_flag("--bom", args->bom, "CSV: begin with a UTF-8 byte order mark (for Excel)");
  cmd->add_flag("--force", args->force, "Replace existing files");
  cmd->add_option("--db", args->db, "SQLite database")->capture_default_str();
  cmd->footer("Prints <file>\\t<rows> for each file written.\n"
              "Exit codes: 0 ok; 2 bad arguments; 3 database or output file unusable.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunExport(*args); });
}

static CommandRegistration reg(80, &RegisterExport);

}  // namespace
}  // namespace hc::cli
