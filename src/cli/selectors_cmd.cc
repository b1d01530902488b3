// `healthcrawl selectors check [SITE] [--fixtures DIR]`: validates the selector configs (one site, or
// every selectors/*.yaml) and runs each site's golden fixtures through them, printing per page type
// how often each configured field is filled and every difference from the expected JSON. It is what
// a config author runs after editing a config, and what CI runs to notice a site's markup drifting.
//
// Fixtures live in fixtures/sites/<site>/ beside the selectors folder (--fixtures overrides).
// A conversion note (a value the config could not read) fails its fixture unless <page>.notes.json
// lists it (docs/selectors.md, "Adding a site").
// Exit codes: 0 every config loads and every fixture matches; 1 a fixture differs or cannot be run, or
// a site has no fixtures (nothing vouches for its config);
// 2 a config is broken (the message is file:line:column) or the arguments are wrong.
#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cli/command.h"
#include "extract/extract.h"

namespace hc::cli {
namespace {

struct CheckArgs {
  std::string site;
  std::string fixtures;  // empty: <selectors>/../fixtures/sites
};

void Print(const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
}

std::string Percent(int filled, int total) {
  // Rounded down, so 100% always means every value is there.
  return std::to_string(total == 0 ? 0 : filled * 100 / total) + "% (" + std::to_string(filled) + "/" +
         std::to_string(total) + ")";
}

// Runs one site's fixtures; returns false when one differs or fails.
bool CheckSite(const extract::SelectorProgram& program, const std::filesystem::path& fixtures_dir) {
  const extract::SiteConfig& config = program.config();
  const auto fixtures = extract::FindFixtures(fixtures_dir, config.key);
  Print("site " + config.key + " (" + config.file + "): " + std::to_string(fixtures.size()) + " fixture" +
        (fixtures.size() == 1 ? "" : "s"));
  if (fixtures.empty()) {
    spdlog::error("no fixtures for site {}: nothing to check its config against; add a page and its "
                  "<page>.expected.json to {} (docs/selectors.md, \"Golden fixtures\")",
                  config.key, (fixtures_dir / config.key).string());
    return false;
  }
  bool ok = true;
  std::vector<extract::ExtractedPage> pages;
  for (const extract::FixturePage& fixture : fixtures) {
    auto run = extract::RunFixture(program, fixture);
    if (!run.ok()) {
      Print("  ERROR    " + fixture.name + ": " + run.status().message());
      ok = false;
      continue;
    }
    const std::string page_type = run->page.page_type.empty() ? "(no page type)" : run->page.page_type;
    if (run->ok()) {
      Print("  ok       " + fixture.name + " [" + page_type + "]");
    } else {
      const size_t n = run->differences.size() + run->note_differences.size();
      Print("  MISMATCH " + fixture.name + " [" + page_type + "]: " + std::to_string(n) + " difference" +
            (n == 1 ? "" : "s") + " from " + fixture.expected.string() +
            (fixture.expected_notes.empty() ? "" : " and " + fixture.expected_notes.filename().string()));
      for (const std::string& d : run->differences) Print("    " + d);
      for (const std::string& d : run->note_differences) Print("    " + d);
      ok = false;
    }
    for (const extract::FieldFailure& f : run->page.failures) {
      Print("    failure " + f.path + ": " + f.reason);
    }
    pages.push_back(std::move(run->page));
  }

  std::map<std::string, int> pages_per_type;
  std::map<std::string, size_t> links_per_type;
  for (const auto& p : pages) {
    ++pages_per_type[p.page_type];
    links_per_type[p.page_type] += p.links.size();
  }
  const auto rates = extract::ComputeFillRates(program, pages);
  for (const extract::PageTypeInfo& pt : config.page_types) {
    auto count = pages_per_type.find(pt.name);
    if (count == pages_per_type.end()) continue;
    Print("  page type " + pt.name + ": " + std::to_string(count->second) + " page" + (count->second == 1 ? "" : "s") +
          ", " + std::to_string(links_per_type[pt.name]) + " links" + (pt.record.empty() ? " (links only)" : ""));
    for (const extract::FillRate& r : rates) {
      if (r.page_type == pt.name) Print("    " + r.field + " " + Percent(r.filled, r.total));
    }
  }
  if (auto none = pages_per_type.find(""); none != pages_per_type.end()) {
    Print("  no page type: " + std::to_string(none->second) + " page" + (none->second == 1 ? "" : "s"));
  }
  return ok;
}

int RunCheck(const CheckArgs& args, const CommandContext& ctx) {
  const std::filesystem::path selectors_dir = ctx.selectors_dir;
  std::filesystem::path fixtures_dir = args.fixtures;
  if (fixtures_dir.empty()) {
    std::filesystem::path dir = selectors_dir.lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();  // "selectors/" names the folder "selectors"
    fixtures_dir = dir.parent_path() / "fixtures" / "sites";
  }
  std::vector<extract::SelectorProgram> programs;
  if (!args.site.empty()) {
    auto program = extract::LoadSite(selectors_dir, args.site);
    if (!program.ok()) {
      spdlog::error("{}", program.status().message());
      return kExitUsage;
    }
    programs.push_back(std::move(*program));
  } else {
    auto all = extract::LoadAllSites(selectors_dir);
    if (!all.ok()) {
      spdlog::error("{}", all.status().message());
      return kExitUsage;
    }
    programs = std::move(*all);
    if (programs.empty()) {
      spdlog::error("no selector configs (*.yaml) in {}", selectors_dir.string());
      return kExitUsage;
    }
  }
  bool ok = true;
  for (const auto& program : programs) ok = CheckSite(program, fixtures_dir) && ok;
  std::fflush(stdout);
  return ok ? kExitOk : kExitFailure;
}

void RegisterSelectors(CLI::App& app, CommandContext& ctx) {
  CLI::App* group = app.add_subcommand("selectors", "Validate site selector configs against their golden fixtures");
  group->require_subcommand(1);
  auto args = std::make_shared<CheckArgs>();
  CLI::App* check = group->add_subcommand(
      "check", "Load the configs (one SITE or all) and run their fixtures: fill rates and mismatches");
  check->add_option("site", args->site, "Site key (default: every selectors/*.yaml)");
  check->add_option("--fixtures", args->fixtures,
                    "Folder of fixture sites (default: fixtures/sites beside the selectors folder)");
  check->footer(
      "Exit codes: 0 all good; 1 a fixture differs or fails, or a site has no fixtures; 2 a broken config or bad "
      "arguments.");
  check->callback([args, &ctx] { ctx.exit_code = RunCheck(*args, ctx); });
}

static CommandRegistration reg(30, &RegisterSelectors);

}  // namespace
}  // namespace hc::cli
