// `healthcrawl serve [--db PATH|POSTGRESQL-LOCATION] [--listen HOST:PORT] [--allowed-host NAME ...]
// [--token-file FILE] [--read-only] [--connect-to H:P:H2:P2 ...] [--cacert FILE] [--allow-private-addresses]
// [--delay SECONDS] [--workers N]`: the web dashboard and its HTTP API (docs/api.md) over one database
// (SQLite or PostgreSQL, docs/postgresql.md), beside the scheduler daemon. The token for requests that change something comes from --token-file, else the
// environment (HEALTHCRAWL_TOKEN), else it is generated and printed once on stdout. --connect-to and the
// crawl options apply to the runs that "run now" starts, as for `schedule run`.
//
// SIGINT/SIGTERM stop it: it stops listening, stops the runs it started (they end `interrupted`) and
// exits 130. Exit codes: 2 bad arguments (a listen address that is not IP:PORT, a token file that cannot
// be read or holds a short token); 3 the database could not be opened or the port could not be bound.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.h"
#include "cli/stop_signals.h"
#include "serve/serve.h"
#include "store/database.h"

namespace hc::cli {
namespace {

struct ServeArgs {
  std::string db = "healthcrawl.db";
  std::string listen = "127.0.0.1:8080";
  std::vector<std::string> allowed_hosts;
  std::string token_file;
  bool read_only = false;
  std::vector<std::string> connect_to;
  std::string cacert;
  bool allow_private = false;
  double delay = -1;
  int workers = 0;
};

// "127.0.0.1:8080" or "[::1]:8080" into host and port; false when it is neither.
bool SplitListen(const std::string& listen, std::string* host, int* port) {
  const size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size()) return false;
  std::string h = listen.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  const std::string p = listen.substr(colon + 1);
  if (h.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  *port = std::stoi(p);
  *host = h;
  return *port <= 65535;
}

// The token: the file's first line, else $HEALTHCRAWL_TOKEN, else a new one (printed once).
bool ReadToken(const ServeArgs& args, std::string* token, bool* generated) {
  *generated = false;
  if (!args.token_file.empty()) {
    std::ifstream in(args.token_file);
    if (!in || !std::getline(in, *token)) {
      spdlog::error("serve: --token-file {}: cannot read a token from it", args.token_file);
      return false;
    }
    while (!token->empty() && (token->back() == '\r' || token->back() == ' ')) token->pop_back();
  } else if (const char* env = std::getenv("HEALTHCRAWL_TOKEN"); env != nullptr && env[0] != '\0') {
    *token = env;
  } else {
    auto made = serve::GenerateToken();
    if (!made.ok()) {
      spdlog::error("serve: {}", made.status().ToString());
      return false;
    }
    *token = *made;
    *generated = true;
  }
  if (token->size() < 16) {
    spdlog::error("serve: the token must be at least 16 characters long");
    return false;
  }
  return true;
}

int RunServe(const ServeArgs& args, const CommandContext& ctx) {
  StopSignals signals;
  serve::ServeOptions options;
  if (!SplitListen(args.listen, &options.listen_host, &options.port)) {
    spdlog::error("serve: --listen {}: expected IP:PORT, e.g. 127.0.0.1:8080", args.listen);
    return kExitUsage;
  }
  options.db = args.db;
  options.selectors_dir = ctx.selectors_dir;
  options.allowed_hosts = args.allowed_hosts;
  options.read_only = args.read_only;
  bool generated = false;
  if (!args.read_only && !ReadToken(args, &options.token, &generated)) return kExitUsage;
  options.runner.crawl.fetcher.connect_to = args.connect_to;
  options.runner.crawl.fetcher.ca_file = args.cacert;
  options.runner.crawl.fetcher.allow_private_addresses = args.allow_private;
  if (args.delay >= 0) options.runner.crawl.delay_seconds = args.delay;
  options.runner.crawl.workers = args.workers;
  options.runner.crawl.progress = crawl::CrawlOptions::Progress::kOff;

  auto server = serve::Server::Start(options);
  if (!server.ok()) {
    spdlog::error("serve: {}", server.status().ToString());
    return server.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitStorage;
  }
  const std::string host = options.listen_host.find(':') != std::string::npos
                               ? "[" + options.listen_host + "]"
                               : options.listen_host;
  std::printf("serve: http://%s:%d/ (database %s%s)\n", host.c_str(), (*server)->port(),
              store::PrintableLocation(args.db).c_str(), args.read_only ? ", read-only" : "");
  if (generated)
    std::printf("serve: token (give it to the page once; it is not shown again): %s\n",
                options.token.c_str());
  std::fflush(stdout);
  while (!StopSignals::flag().load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  spdlog::info("serve: stopping");
  (*server)->Stop();
  return kExitInterrupted;
}

void RegisterServe(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Web dashboard and HTTP API over a database (docs/api.md)");
  AddDbOption(cmd, args->db, "SQLite database or PostgreSQL location");
  cmd->add_option("--listen", args->listen, "IP:PORT to listen on")->capture_default_str();
  cmd->add_option("--allowed-host", args->allowed_hosts,
                  "Host header name to answer besides the listen address and localhost (repeatable)");
  cmd->add_option(
         "--token-file", args->token_file,
         "File whose first line is the token for changes (default: $HEALTHCRAWL_TOKEN, else generated)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--read-only", args->read_only, "Refuse every change (jobs, run now); no token needed");
  cmd->add_option(
      "--connect-to", args->connect_to,
      "HOST:PORT:CONNECT_HOST:CONNECT_PORT for the crawls of 'run now' (an offline copy of a site)");
  cmd->add_option("--cacert", args->cacert, "CA bundle (PEM) for the crawls of 'run now'")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--allow-private-addresses", args->allow_private,
                "Let the crawls of 'run now' reach loopback and private addresses");
  cmd->add_option("--delay", args->delay,
                  "Seconds between requests to a host for 'run now' (default: the job's)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--workers", args->workers, "Parse/extract threads per run (default: one per core)")
      ->check(CLI::Range(1, 256));
  cmd->footer(
      "Exit codes: 130 stopped by SIGINT/SIGTERM; 2 bad arguments or token; 3 database unusable or\n"
      "address in use.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunServe(*args, ctx); });
}

static CommandRegistration reg(97, &RegisterServe);

}  // namespace
}  // namespace hc::cli
