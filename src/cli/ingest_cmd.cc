// `healthcrawl ingest --site S [--db PATH] [--fetched-at ISO] [--url URL | --url-map TSV] [--warc DIR]
// [--keep-versions N] [--no-archive] [--workers N] FILES...`: stores saved HTML pages as if they had been fetched
// (decode, parse, extract with selectors/<S>.yaml, store), keeping their bytes in the raw archive so
// `reextract` can run again later. A file's URL comes from --url (one file), the --url-map TSV
// ("<file>\t<url>" lines), or the "url" of the <page>.expected.json beside it.
//
// Prints one summary line on stdout. Exit codes: 0 every file stored and extracted; 1 some file was
// skipped or stored as a failure; 2 bad arguments or broken config; 3 the database or WARC folder
// could not be used (nothing more was written).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>

#include "cli/command.h"
#include "crawl/crawl.h"
#include "extract/extract.h"
#include "store/database.h"
#include "store/warc.h"

namespace hc::cli {
namespace {

struct IngestArgs {
  std::string site;
  std::string db = "healthcrawl.db";
  std::string fetched_at;
  std::string url;
  std::string url_map;
  std::string warc_dir;
  int keep_versions = 1;
  bool no_archive = false;
  int workers = 0;
  std::vector<std::string> files;
};

int StorageExit(const Status& s) {
  spdlog::error("{}", s.ToString());
  return s.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitStorage;
}

int RunIngest(const IngestArgs& args, const CommandContext& ctx) {
  auto program = extract::LoadSite(ctx.selectors_dir, args.site);
  if (!program.ok()) {
    spdlog::error("{}", program.status().message());
    return kExitUsage;
  }
  crawl::IngestOptions options;
  options.url = args.url;
  options.archive = !args.no_archive;
  options.workers = args.workers;
  if (!args.fetched_at.empty()) {
    TimePoint t{};
    if (!ParseIso8601(args.fetched_at, &t)) {
      spdlog::error("--fetched-at '{}' is not an ISO 8601 time such as 2026-03-01T02:00:00Z", args.fetched_at);
      return kExitUsage;
    }
    options.fetched_at = t;
  }
  crawl::UrlMap url_map;
  if (!args.url_map.empty()) {
    auto loaded = crawl::LoadUrlMap(args.url_map);
    if (!loaded.ok()) {
      spdlog::error("{}", loaded.status().message());
      return kExitUsage;
    }
    url_map = std::move(*loaded);
    options.url_map = &url_map;
  }
  if (!args.url.empty() && args.files.size() != 1) {
    spdlog::error("--url names the URL of one file; use --url-map for several");
    return kExitUsage;
  }

  store::StoreOptions store_options;
  store_options.raw_versions = args.no_archive ? 0 : args.keep_versions;
  auto store = store::OpenDatabase(args.db, store_options);
  if (!store.ok()) return StorageExit(store.status());
  std::unique_ptr<store::WarcWriter> warc;
  if (!args.warc_dir.empty()) {
    auto writer = store::WarcWriter::Create({.dir = args.warc_dir});
    if (!writer.ok()) return StorageExit(writer.status());
    warc = std::move(*writer);
  }

  std::vector<std::filesystem::path> files(args.files.begin(), args.files.end());
  auto report = crawl::IngestFiles(*program, files, options, **store, warc.get(), store->get());
  if (warc) {
    Status closed = warc->Close();
    if (!closed.ok() && report.ok()) return StorageExit(closed);
    spdlog::info("WARC written to {}", warc->current_file().string());
  }
  if (!report.ok()) return StorageExit(report.status());
  for (const auto& problem : report->problems) spdlog::error("{}", problem);
  std::printf("ingested %lld files into %s: %lld stored (%lld as failures), %lld skipped\n",
              static_cast<long long>(report->files), store::PrintableLocation(args.db).c_str(),
              static_cast<long long>(report->stored), static_cast<long long>(report->failed),
              static_cast<long long>(report->skipped));
  std::fflush(stdout);
  return report->failed || report->skipped ? kExitFailure : kExitOk;
}

void RegisterIngest(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<IngestArgs>();
  CLI::App* cmd = app.add_subcommand("ingest", "Store saved pages as if fetched (extract, store, archive)");
  cmd->add_option("--site", args->site, "Site key: selectors/<SITE>.yaml")->required();
  AddDbOption(cmd, args->db, "SQLite database");
  cmd->add_option("--fetched-at", args->fetched_at,
                  "Fetch time, ISO 8601 (default: from <page>.expected.json, else now)");
  auto* url = cmd->add_option("--url", args->url, "URL of the page (one file only)");
  cmd->add_option("--url-map", args->url_map, "TSV of <file>\\t<url> lines")->check(CLI::ExistingFile)->excludes(url);
  cmd->add_option("--warc", args->warc_dir, "Also write the responses as WARC 1.1 (.warc.gz) into this folder");
  cmd->add_option("--keep-versions", args->keep_versions, "Archived responses kept per page")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  cmd->add_flag("--no-archive", args->no_archive, "Do not keep the pages' bytes in the raw archive");
  cmd->add_option("--workers", args->workers, "Parse/extract threads (default: one per core)")->check(CLI::Range(1, 256));
  cmd->add_option("files", args->files, "Saved pages")->required()->check(CLI::ExistingFile);
  cmd->footer("Exit codes: 0 ok; 1 a file was skipped or failed extraction; 2 bad arguments or config;\n"
              "3 database or WARC folder unusable.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunIngest(*args, ctx); });
}

static CommandRegistration reg(70, &RegisterIngest);

}  // namespace
}  // namespace hc::cli
