// healthcrawl: the command-line entry point. It only parses arguments and calls the library's public
// headers; each subcommand lives in its own file (src/cli/<name>_cmd.cc) and registers itself.
//
// The global options (--selectors, --log-level, --log-format) may come before or after the subcommand
// (CLI11 fallthrough: an option a subcommand does not know goes to its parent). --selectors falls back
// to HEALTHCRAWL_SELECTORS, then to the first existing folder of cli/selectors_dir.h; each subcommand's
// --db falls back to HEALTHCRAWL_DB.
//
// Exit codes: 0 success; 1 the work ran but something failed (a page, a fixture mismatch, a URL);
// 2 bad usage or a broken config (nothing was done); 3 the database or an output file could not be
// used; 4 (crawl) the run is degraded (docs/drift.md); 130 interrupted by SIGINT/SIGTERM after a clean
// shutdown; 75 busy: another process holds the job, the site's crawl or the scheduler of the database
// (nothing was started).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>

#include "cli/command.h"
#include "cli/selectors_dir.h"
#include "core/log.h"

namespace hc::cli {

std::vector<RegisteredCommand>& Registry() {
  static std::vector<RegisteredCommand> registry;
  return registry;
}

CommandRegistration::CommandRegistration(int order, RegisterFn fn) { Registry().push_back({order, fn}); }

}  // namespace hc::cli

int main(int argc, char** argv) {
  using namespace hc::cli;
  namespace logging = hc::logging;
  // Logs go to stderr so that stdout carries only data (JSON, CSV, selector matches). Installed now for
  // messages of the parse itself, again once --log-level and --log-format are known.
  const bool color = logging::StderrWantsColor();
  logging::Install({.level = spdlog::level::info, .format = logging::Format::kText, .color = color});

  CLI::App app{"healthcrawl: a crawler and scraper for health-portal pages"};
  app.require_subcommand(1);
  // Before any subcommand is added: subcommands inherit it, so global options may follow them.
  app.fallthrough();
  app.set_help_all_flag("--help-all", "Print help for every subcommand");
  app.set_version_flag("--version", [] { return VersionText(); }, "Print the version and the libraries' versions");
  app.footer(
      "Environment: HEALTHCRAWL_DB (--db), HEALTHCRAWL_SELECTORS (--selectors), NO_COLOR (no colour in logs),\n"
      "http_proxy/https_proxy/no_proxy (when no --proxy is given).\n"
      "Exit codes: 0 ok; 1 the work ran but something failed; 2 bad usage or broken config;\n"
      "3 database or output file unusable; 4 crawl: the run is degraded (a field's fill rate fell, docs/drift.md);\n"
      "130 interrupted (clean shutdown).\n"
      "75 busy, nothing started: another process runs the job, crawls the site into the database or is\n"
      "its scheduler (the message names it: pid, host, since); try again later.");
  CommandContext ctx;
  std::string selectors_flag;  // a flag wins over the environment
  if (const char* env = std::getenv("HEALTHCRAWL_SELECTORS"); env != nullptr) selectors_flag = env;
  std::string log_level = "info";
  std::string log_format = "text";
  app.add_option("--selectors", selectors_flag,
                 "Folder of site selector configs (env HEALTHCRAWL_SELECTORS; default: the first of ./selectors, "
                 "$XDG_CONFIG_HOME/healthcrawl/selectors, /etc/healthcrawl/selectors, "
                 "<datadir>/healthcrawl/selectors that exists)");
  // The type name shows the choices as {a,b} like IsMember does, so the bash completion offers them.
  app.add_option("--log-level", log_level, "How much to log (any case)")
      ->type_name("TEXT:{trace,debug,info,warn,error,off}")
      ->capture_default_str()
      ->check([](const std::string& value) {
        return logging::ParseLevel(value) ? std::string()
                                          : "'" + value + "' is not one of trace, debug, info, warn, error, off";
      });
  app.add_option("--log-format", log_format, "text or json (one JSON object per line on stderr)")
      ->capture_default_str()
      ->transform(CLI::IsMember({"text", "json"}, CLI::ignore_case));
  // Runs after parsing, before the subcommand's callback.
  app.parse_complete_callback([&] {
    const logging::Format format = log_format == "json" ? logging::Format::kJson : logging::Format::kText;
    logging::Install({.level = logging::ParseLevel(log_level).value_or(spdlog::level::info),
                      .format = format,
                      .color = color});
    ctx.selectors_dir = selectors_flag.empty() ? FindSelectorsDir().string() : selectors_flag;
    spdlog::debug("selector configs: {}", ctx.selectors_dir);
  });

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
