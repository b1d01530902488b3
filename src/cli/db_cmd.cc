// `healthcrawl db copy --from A --to B [--replace]`, `healthcrawl db compare A B [--json]` and
// `healthcrawl db migrate [--db LOCATION]` (creates or upgrades the schema, as every writer does on its
// first open; for an owner role, docs/postgresql.md "Roles"): moving a
// dataset between a SQLite file and PostgreSQL (either way), and checking that two datasets hold the
// same data (store/copy.h, docs/postgresql.md "Moving a dataset").
//
// copy: every table, ids kept, in one transaction of the target (all or nothing; run it again after a
// failure). A target that holds a dataset already is refused unless --replace. Prints the rows copied
// per table. Exit codes: 0 copied; 2 bad arguments or a non-empty target without --replace; 3 a
// database could not be used.
//
// compare: each table's row count and a checksum of its rows, and the checksums of the flat (every
// table) and nested JSONL exports of both datasets. Prints the differences, or "equal". Exit codes:
// 0 equal; 1 different; 3 a database could not be used.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "store/copy.h"
#include "store/database.h"

namespace hc::cli {
namespace {

struct DbArgs {
  std::string from;
  std::string to;
  bool replace = false;
  std::string first;
  std::string second;
  bool json = false;
};

int RunCopy(const DbArgs& args) {
  store::CopyOptions options;
  options.replace = args.replace;
  auto report = store::CopyDataset(args.from, args.to, options);
  if (!report.ok()) {
    spdlog::error("db copy: {}", report.status().ToString());
    return report.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitStorage;
  }
  for (const store::TableRows& t : report->tables) {
    std::printf("%-22s %10lld rows\n", t.table.c_str(), static_cast<long long>(t.rows));
  }
  std::printf("copied %lld rows in %zu tables from %s to %s\n", static_cast<long long>(report->rows),
              report->tables.size(), store::PrintableLocation(args.from).c_str(),
              store::PrintableLocation(args.to).c_str());
  return kExitOk;
}

nlohmann::ordered_json ToJson(const std::vector<store::Fingerprint>& prints) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (const store::Fingerprint& f : prints) out[f.name] = {{"rows", f.rows}, {"sha1", f.checksum}};
  return out;
}

int RunCompare(const DbArgs& args) {
  auto a = store::SummarizeDataset(args.first);
  if (!a.ok()) {
    spdlog::error("db compare: {}: {}", store::PrintableLocation(args.first), a.status().ToString());
    return kExitStorage;
  }
  auto b = store::SummarizeDataset(args.second);
  if (!b.ok()) {
    spdlog::error("db compare: {}: {}", store::PrintableLocation(args.second), b.status().ToString());
    return kExitStorage;
  }
  const std::vector<std::string> differences = store::CompareSummaries(*a, *b);
  if (args.json) {
    nlohmann::ordered_json out = {
        {"equal", differences.empty()},
        {"differences", differences},
        {"first", {{"tables", ToJson(a->tables)}, {"exports", ToJson(a->exports)}}},
        {"second", {{"tables", ToJson(b->tables)}, {"exports", ToJson(b->exports)}}}};
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    for (const store::Fingerprint& f : a->tables) {
      std::printf("%-32s %10lld rows  %s\n", f.name.c_str(), static_cast<long long>(f.rows),
                  f.checksum.c_str());
    }
    for (const store::Fingerprint& f : a->exports) {
      std::printf("%-32s %10lld lines %s\n", f.name.c_str(), static_cast<long long>(f.rows),
                  f.checksum.c_str());
    }
    for (const std::string& d : differences) std::printf("differs: %s\n", d.c_str());
    std::printf("%s\n", differences.empty() ? "equal" : "different");
  }
  return differences.empty() ? kExitOk : kExitFailure;
}

// Creates the dataset's tables, or brings them to this build's schema version; every writer does it too,
// this is for a role that owns the schema (docs/postgresql.md, "Roles").
int RunMigrate(const std::string& db) {
  store::StoreOptions options;
  options.reap_dead_runs = false;
  auto store = store::OpenDatabase(db, options);
  if (!store.ok()) {
    spdlog::error("db migrate: {}", store.status().ToString());
    return kExitStorage;
  }
  std::printf("%s: the schema is up to date\n", store::PrintableLocation(db).c_str());
  return kExitOk;
}

void RegisterDb(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<DbArgs>();
  CLI::App* db =
      app.add_subcommand("db", "Move a dataset between SQLite and PostgreSQL, compare two datasets");
  db->require_subcommand(1);
  CLI::App* copy =
      db->add_subcommand("copy", "Copy every table of a dataset into another database, ids kept");
  copy->add_option("--from", args->from, "Source: SQLite file or PostgreSQL location")->required();
  copy->add_option("--to", args->to, "Target: SQLite file or PostgreSQL location (created when missing)")
      ->required();
  copy->add_flag("--replace", args->replace, "Delete the rows a non-empty target holds first");
  copy->footer(
      "Exit codes: 0 copied; 2 bad arguments, or a non-empty target without --replace;\n"
      "3 a database could not be used (the target is left as it was).");
  copy->callback([args, &ctx] { ctx.exit_code = RunCopy(*args); });
  CLI::App* migrate =
      db->add_subcommand("migrate", "Create the dataset's tables, or upgrade them to this version");
  AddDbOption(migrate, args->from, "SQLite file or PostgreSQL location");
  migrate->footer("Exit codes: 0 up to date; 3 the database could not be used.");
  migrate->callback([args, &ctx] { ctx.exit_code = RunMigrate(args->from); });
  CLI::App* compare = db->add_subcommand(
      "compare", "Compare two datasets: row counts and checksums of every table and export");
  compare->add_option("first", args->first, "A SQLite file or PostgreSQL location")->required();
  compare->add_option("second", args->second, "Another")->required();
  compare->add_flag("--json", args->json, "Every fingerprint and the differences as JSON");
  compare->footer("Exit codes: 0 equal; 1 different; 3 a database could not be used.");
  compare->callback([args, &ctx] { ctx.exit_code = RunCompare(*args); });
}

static CommandRegistration reg(98, &RegisterDb);

}  // namespace
}  // namespace hc::cli
