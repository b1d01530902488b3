// `healthcrawl extract --site SITE PAGE.html [--url URL] [--fetched-at ISO] [--content-type CT]`: runs a
// site's selector config over a saved page and prints the page JSON (docs/selectors.md, "Output"), the
// same JSON a golden fixture holds — so `extract ... > page.expected.json` starts a new fixture.
//
// The page URL decides the page type and resolves relative links. Without --url it is taken from a
// <page>.expected.json beside the page (and so is the fetch time, without --fetched-at); with neither
// the command refuses, because a guessed URL would give a wrong page type silently; so does a URL
// that is not absolute http(s) ("www.example.com/a" has no scheme and would match no page type).
// --links prints, instead of the JSON, every link of the page with its fate (cli/link_fates.h).
//
// Exit codes: 0 extracted; 1 extracted, but a required field is missing (the failures are in the JSON
// and logged); 2 bad arguments, unreadable page or broken config.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "cli/command.h"
#include "cli/link_fates.h"
#include "core/url.h"
#include "core/clock.h"
#include "extract/extract.h"
#include "html/html.h"

namespace hc::cli {
namespace {

struct ExtractArgs {
  std::string site;
  std::string page;
  std::string url;
  std::string fetched_at;
  std::string content_type;
  bool links = false;
};

bool ReadFile(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Fills url and fetched_at, where not given, from the page's sibling .expected.json.
bool FillFromExpectedJson(const std::filesystem::path& page, std::string& url, std::string& fetched_at) {
  const auto expected = page.parent_path() / (page.stem().string() + ".expected.json");
  std::string text;
  if (!std::filesystem::is_regular_file(expected) || !ReadFile(expected, text)) return false;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) {
    spdlog::warn("{} is not a JSON object; ignoring it", expected.string());
    return false;
  }
  bool used = false;
  if (url.empty() && json.contains("url") && json["url"].is_string()) {
    url = json["url"].get<std::string>();
    used = true;
  }
  if (fetched_at.empty() && json.contains("fetched_at") && json["fetched_at"].is_string()) {
    fetched_at = json["fetched_at"].get<std::string>();
    used = true;
  }
  if (used) spdlog::debug("took the page URL and fetch time from {}", expected.string());
  return used;
}

int RunExtract(ExtractArgs args, const CommandContext& ctx) {
  auto program = extract::LoadSite(ctx.selectors_dir, args.site);
  if (!program.ok()) {
    spdlog::error("{}", program.status().message());
    return kExitUsage;
  }
  if (args.url.empty() || args.fetched_at.empty()) FillFromExpectedJson(args.page, args.url, args.fetched_at);
  if (args.url.empty()) {
    spdlog::error("no page URL: pass --url, or keep the page beside a <page>.expected.json that has one");
    return kExitUsage;
  }
  if (auto url = Url::Parse(args.url); !url.ok() || !url->is_http()) {
    const bool no_scheme = args.url.find("://") == std::string::npos;
    spdlog::error("page URL '{}' is not an absolute http(s) URL{}", args.url,
                  no_scheme ? " (no scheme: did you mean https://" + args.url + "?)" : "");
    return kExitUsage;
  }
  extract::PageInput input;
  input.url = args.url;
  input.explain_links = args.links;
  input.fetched_at = SystemClock().Now();
  if (!args.fetched_at.empty() && !ParseIso8601(args.fetched_at, &input.fetched_at)) {
    spdlog::error("--fetched-at '{}' is not an ISO 8601 time such as 2026-03-01T02:00:00Z", args.fetched_at);
    return kExitUsage;
  }

  std::string bytes;
  if (!ReadFile(args.page, bytes)) {
    spdlog::error("cannot read {}", args.page);
    return kExitUsage;
  }
  html::DecodedText decoded = html::DecodeToUtf8(bytes, args.content_type);
  spdlog::debug("decoded {} as {} ({})", args.page, decoded.charset, decoded.source);
  auto doc = html::Document::Parse(std::move(decoded.utf8));
  if (!doc.ok()) {
    spdlog::error("{}: {}", args.page, doc.status().ToString());
    return kExitUsage;
  }

  extract::ExtractedPage page = program->Extract(*doc, input);
  if (page.page_type.empty()) spdlog::warn("no page type of site {} matches {}", args.site, args.url);
  for (const std::string& note : page.notes) spdlog::debug("note: {}", note);
  const std::string json =
      args.links ? FormatLinkFates(page.link_fates)
                 : extract::ToJson(page, input).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fflush(stdout);
  for (const extract::FieldFailure& f : page.failures) spdlog::warn("{}: {}", f.path, f.reason);
  // The values that were there but unreadable, per field (the null in the JSON does not say why).
  extract::NoteTally tally;
  tally.Add(args.url, page.field_notes);
  for (const std::string& line : tally.Lines()) spdlog::warn("extract {}: {}", args.site, line);
  return page.ok() ? kExitOk : kExitFailure;
}

void RegisterExtract(CLI::App& app, CommandContext& ctx) {
  auto args = std::make_shared<ExtractArgs>();
  CLI::App* cmd = app.add_subcommand("extract", "Extract records and links from a saved page with a site's selectors");
  cmd->add_option("--site", args->site, "Site key: selectors/<SITE>.yaml")->required();
  cmd->add_option("page", args->page, "The saved page (any charset)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--url", args->url, "The page's URL (default: from <page>.expected.json beside it)");
  cmd->add_option("--fetched-at", args->fetched_at,
                  "When it was fetched, ISO 8601 (default: from <page>.expected.json, else now); relative dates "
                  "such as 3天前 count from it");
  cmd->add_option("--content-type", args->content_type, "Content-Type header the page was served with (charset)");
  cmd->add_flag("--links", args->links,
                "Instead of the JSON, list every link with its fate: followed (page type, priority) or the rule "
                "that dropped it; tab-separated: fate, detail, URL, href");
  cmd->footer("Prints the page JSON (2-space indent) on stdout.\n"
              "Exit codes: 0 ok; 1 a required field is missing; 2 bad arguments, page or config.");
  cmd->callback([args, &ctx] { ctx.exit_code = RunExtract(*args, ctx); });
}

static CommandRegistration reg(20, &RegisterExtract);

}  // namespace
}  // namespace hc::cli
