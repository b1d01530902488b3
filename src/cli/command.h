// How a subcommand plugs into the healthcrawl CLI. Each src/cli/<name>_cmd.cc defines one static
// CommandRegistration; main.cc builds the CLI11 app from the registrations in `order` (the order
// `healthcrawl --help` lists them in). Callbacks report their outcome through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <string>
#include <vector>

namespace hc::cli {

// Exit codes, documented in README.md and `healthcrawl --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work ran, something in it failed (a page, a fixture, a URL)
inline constexpr int kExitUsage = 2;    // bad arguments or a broken config: nothing was done
inline constexpr int kExitStorage = 3;  // the database or an output file could not be used
inline constexpr int kExitInterrupted = 130;  // stopped by SIGINT/SIGTERM after a clean shutdown
// Busy, nothing started; try again later (EX_TEMPFAIL): `schedule run`, the job (or another job of its
// site) is running now; `crawl` and `schedule run`, another process crawls the site into this SQLite
// database; `scheduler run`, the database has a scheduler running (store/holder_lock.h).
inline constexpr int kExitBusy = 75;
// `crawl`: the run completed, and the drift alarm marked it degraded (docs/drift.md).
inline constexpr int kExitDegraded = 4;

struct CommandContext {
  int exit_code = kExitOk;
  // --selectors or HEALTHCRAWL_SELECTORS, else the first folder FindSelectorsDir finds (cli/selectors_dir.h);
  // set before any subcommand's callback runs.
  std::string selectors_dir;
};

// Adds the subcommand's --db option; HEALTHCRAWL_DB stands in for it when it is not given (a flag wins
// over the environment, which wins over the default `db` holds).
// The environment is read here rather than through CLI11's envname, which also fills the options of
// subcommands that were not given and so would overwrite a --db that `schedule` subcommands share.
inline CLI::Option* AddDbOption(CLI::App* cmd, std::string& db, const std::string& help = "SQLite database") {
  if (const char* env = std::getenv("HEALTHCRAWL_DB"); env != nullptr && env[0] != '\0') db = env;
  return cmd->add_option("--db", db, help + " (env HEALTHCRAWL_DB)")->capture_default_str();
}

// `healthcrawl --version`: "healthcrawl <version>" and a line of linked library versions (version.cc).
std::string VersionText();

using RegisterFn = void (*)(CLI::App& app, CommandContext& ctx);

struct CommandRegistration {
  CommandRegistration(int order, RegisterFn fn);
};

struct RegisteredCommand {
  int order;
  RegisterFn fn;
};
std::vector<RegisteredCommand>& Registry();

}  // namespace hc::cli
