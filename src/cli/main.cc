// healthcrawl: the command-line entry point. It only parses arguments and calls the library's public
// headers; each subcommand lives in its own file (src/cli/<name>_cmd.cc) and registers itself.
//
// Exit codes: 0 success; 1 the work ran but something failed (a page, a fixture mismatch, a URL);
// 2 bad usage or a broken config (nothing was done); 3 the database or an output file could not be
// used; 130 interrupted by SIGINT/SIGTERM after a clean shutdown.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cli/command.h"

namespace hc::cli {

std::vector<RegisteredCommand>& Registry() {
  static std::vector<RegisteredCommand> registry;
  return registry;
}

CommandRegistration::CommandRegistration(int order, RegisterFn fn) { Registry().push_back({order, fn}); }

}  // namespace hc::cli

int main(int argc, char** argv) {
  using namespace hc::cli;
  // Logs go to stderr so that stdout carries only data (JSON, CSV, selector matches).
  auto logger = spdlog::stderr_color_mt("healthcrawl");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  CLI::App app{"healthcrawl: a crawler and scraper for health-portal pages"};
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  app.footer(
      "Exit codes: 0 ok; 1 the work ran but something failed; 2 bad usage or broken config;\n"
      "3 database or output file unusable; 130 interrupted (clean shutdown).");
  CommandContext ctx;
  std::string log_level = "info";
  app.add_option("--selectors", ctx.selectors_dir, "Folder of site selector configs")
      ->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(log_level)); });

  auto registry = Registry();
  std::stable_sort(registry.begin(), registry.end(),
                   [](const RegisteredCommand& a, const RegisteredCommand& b) { return a.order < b.order; });
  for (const auto& cmd : registry) cmd.fn(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  return ctx.exit_code;
}
