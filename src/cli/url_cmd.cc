// `healthcrawl url parse|normalize [--base URL] INPUT...`: the crawler's URL handling from the command
// line, for checking how a link will be resolved and deduplicated.
//
//   url parse      prints each input's href, parsed per the WHATWG URL Standard (against --base)
//   url normalize  prints each input's dedupe key (NormalizeUrl: http/https only)
//
// One line per input, in order; an input that fails prints "error: <reason>" on its line, so the
// output lines up with the inputs. With no INPUT, inputs are read from standard input, one a line.
// Exit codes: 0 every input succeeded; 1 at least one failed; 2 bad arguments (including a --base
// that is not a valid absolute URL).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/url.h"

namespace hc::cli {
namespace {

struct UrlArgs {
  std::string base;
  std::vector<std::string> inputs;
  std::vector<std::string> strip_params;
  bool sort_query = false;
};

enum class UrlMode { kParse, kNormalize };

void PrintLine(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fputc('\n', stdout);
}

int RunUrl(const UrlArgs& args, UrlMode mode) {
  std::optional<Url> base;
  if (!args.base.empty()) {
    Result<Url> parsed = Url::Parse(args.base);
    if (!parsed.ok()) {
      spdlog::error("--base {}: {}", args.base, parsed.status().message());
      return kExitUsage;
    }
    base = std::move(parsed).value();
  }
  NormalizeOptions options;
  if (!args.strip_params.empty()) options.strip_params = args.strip_params;
  options.sort_query = args.sort_query;

  std::vector<std::string> stdin_lines;
  const std::vector<std::string>* inputs = &args.inputs;
  if (args.inputs.empty()) {
    for (std::string line; std::getline(std::cin, line);) stdin_lines.push_back(std::move(line));
    inputs = &stdin_lines;
  }

  bool failed = false;
  for (const std::string& input : *inputs) {
    Result<Url> url = Url::Parse(input, base ? &*base : nullptr);
    if (!url.ok()) {
      PrintLine("error: " + url.status().message());
      failed = true;
      continue;
    }
    if (mode == UrlMode::kParse) {
      PrintLine(url->href());
      continue;
    }
    Result<std::string> key = NormalizeUrl(*url, options);
    if (!key.ok()) {
      PrintLine("error: " + key.status().message());
      failed = true;
      continue;
    }
    PrintLine(*key);
  }
  std::fflush(stdout);
  return failed ? kExitFailure : kExitOk;
}

void RegisterUrl(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<UrlArgs>();
  CLI::App* url =
      app.add_subcommand("url", "Parse, resolve and normalize URLs as the crawler does (WHATWG URL)");
  url->require_subcommand(1);
  url->footer("Exit codes: 0 every input succeeded; 1 an input failed; 2 bad arguments or --base.");

  CLI::App* parse = url->add_subcommand("parse", "Print the href of each input (resolved against --base)");
  CLI::App* normalize =
      url->add_subcommand("normalize", "Print the dedupe key of each input (http/https only)");
  for (CLI::App* cmd : {parse, normalize}) {
    cmd->add_option("--base", args->base, "Resolve the inputs against this absolute URL");
    cmd->add_option("inputs", args->inputs, "URLs or relative references (default: lines of standard input)");
  }
  normalize
      ->add_option("--strip-param", args->strip_params,
                   "Query parameter to drop, a trailing * matches a prefix; repeatable, replaces the "
                   "default list (utm_* spm from fbclid gclid)")
      // One name per --strip-param, so the inputs after it stay inputs; repeats accumulate.
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  normalize->add_flag("--sort-query", args->sort_query, "Sort the query parameters by name");
  parse->callback([args, &ctx] { ctx.exit_code = RunUrl(*args, UrlMode::kParse); });
  normalize->callback([args, &ctx] { ctx.exit_code = RunUrl(*args, UrlMode::kNormalize); });
}

static CommandRegistration reg(50, &RegisterUrl);

}  // namespace
}  // namespace hc::cli
