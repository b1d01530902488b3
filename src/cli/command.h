// How a subcommand plugs into the healthcrawl CLI. Each src/cli/<name>_cmd.cc defines one static
// CommandRegistration; main.cc builds the CLI11 app from the registrations in `order` (the order
// `healthcrawl --help` lists them in). Callbacks report their outcome through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hc::cli {

// Exit codes, documented in README.md and `healthcrawl --help`.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work ran, something in it failed (a page, a fixture, a URL)
inline constexpr int kExitUsage = 2;    // bad arguments or a broken config: nothing was done
inline constexpr int kExitStorage = 3;  // the database or an output file could not be used
inline constexpr int kExitInterrupted = 130;  // stopped by SIGINT/SIGTERM after a clean shutdown
// `schedule run`: the job (or another job of its site) is running now; try again later (EX_TEMPFAIL).
inline constexpr int kExitBusy = 75;

struct CommandContext {
  int exit_code = kExitOk;
  std::string selectors_dir = "selectors";  // --selectors, global
};

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
