// The request options of `crawl` (docs/crawling.md, "Request options"): --user-agent, --header,
// --cookie-jar and --proxy, each winning over the site config's `request:` block.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "core/status.h"
#include "crawl/crawl.h"

namespace hc::cli {

struct RequestArgs {
  std::string user_agent;
  std::vector<std::string> headers;  // "Name: value", as given
  std::string cookie_jar;
  std::string proxy;
  CLI::Option* user_agent_option = nullptr;  // whether an option was given at all ("" is a value)
  CLI::Option* proxy_option = nullptr;

  // Adds the four options to `cmd`; the values land in this object, which must outlive the parse.
  void Register(CLI::App* cmd);
  // The options given, checked: InvalidArgument naming the bad --header, --proxy or --user-agent.
  Result<crawl::CrawlOptions::RequestOverrides> Overrides() const;
};

// The end-of-crawl summary as one JSON object (`crawl --summary json`; docs/crawling.md lists its keys).
nlohmann::ordered_json CrawlSummaryJson(const std::string& site, const crawl::CrawlReport& report);

}  // namespace hc::cli
