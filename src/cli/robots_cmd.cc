// `healthcrawl robots check ROBOTS_FILE AGENT URL...`: what a robots.txt file says about URLs, matched
// per RFC 9309 exactly as the crawler matches them (net/robots.h).
//
// AGENT is a user agent or its product token ("healthcrawl/0.1" and "healthcrawl" are the same agent).
// Each URL is a full URL; its path and query are matched, never its fragment. For each URL, in order,
// one line on stdout:
//   allowed<TAB>URL<TAB>allow: /x/ (line 4)
//   disallowed<TAB>URL<TAB>disallow: /private (line 3)
//   allowed<TAB>URL<TAB>(no rule matched)
// Exit codes: 0 every URL allowed; 1 at least one disallowed; 2 bad arguments, an unreadable
// ROBOTS_FILE or a URL that does not parse (then nothing is printed).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/url.h"
#include "net/robots.h"

namespace hc::cli {
namespace {

struct RobotsCheckArgs {
  std::string robots_file;
  std::string agent;
  std::vector<std::string> urls;
};

void PrintLine(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

int RunRobotsCheck(const RobotsCheckArgs& args) {
  std::error_code ec;
  std::ifstream in(args.robots_file, std::ios::binary);
  if (!in || std::filesystem::is_directory(args.robots_file, ec)) {
    spdlog::error("cannot read {}", args.robots_file);
    return kExitUsage;
  }
  std::ostringstream body;
  body << in.rdbuf();
  if (in.bad()) {
    spdlog::error("cannot read {}", args.robots_file);
    return kExitUsage;
  }

  std::vector<std::string> paths;
  for (const std::string& input : args.urls) {
    Result<Url> url = Url::Parse(input);
    if (!url.ok()) {
      spdlog::error("{}: {}", input, url.status().message());
      return kExitUsage;
    }
    std::string path(url->path());
    if (url->has_query()) path += "?" + std::string(url->query());
    paths.push_back(std::move(path));
  }

  const net::RobotsPolicy policy = net::RobotsPolicy::Parse(body.str());
  if (policy.truncated()) {
    spdlog::warn("{} is larger than {} bytes; the rest was ignored (RFC 9309 section 2.5)", args.robots_file,
                 net::kRobotsParseLimit);
  }
  bool any_disallowed = false;
  for (std::size_t i = 0; i < args.urls.size(); ++i) {
    const net::RobotsDecision d = policy.Allowed(args.agent, paths[i]);
    any_disallowed = any_disallowed || !d.allowed;
    PrintLine(std::string(d.allowed ? "allowed" : "disallowed") + "\t" + args.urls[i] + "\t" + d.Explain());
  }
  return any_disallowed ? kExitFailure : kExitOk;
}

void RegisterRobots(CLI::App& app, CommandContext& ctx) {
  CLI::App* robots = app.add_subcommand("robots", "Check URLs against a robots.txt (RFC 9309)");
  robots->require_subcommand(1);
  robots->footer("Exit codes: 0 every URL allowed; 1 a URL disallowed; 2 bad arguments, unreadable file.");
  CLI::App* check = robots->add_subcommand(
      "check", "For each URL print allowed/disallowed, the URL and the deciding rule with its line");
  auto args = std::make_shared<RobotsCheckArgs>();
  check->add_option("ROBOTS_FILE", args->robots_file, "The robots.txt file")->required();
  check->add_option("AGENT", args->agent, "User agent or product token, e.g. healthcrawl/0.1")->required();
  check->add_option("URL", args->urls, "Full URLs to check")->required();
  check->callback([args, &ctx] { ctx.exit_code = RunRobotsCheck(*args); });
}

}  // namespace

static CommandRegistration robots_registration(60, &RegisterRobots);

}  // namespace hc::cli
