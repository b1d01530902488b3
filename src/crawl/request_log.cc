// The crawl's request settings (config, then command line or job) and its per-URL debug line.
#include <spdlog/spdlog.h>

#include <string>
#include <utility>

#include "core/log.h"
#include "core/text.h"
#include "crawl/crawl.h"
#include "crawl/crawl_internal.h"

namespace hc::crawl::internal {
namespace {

// Header names are case-insensitive (RFC 9110 section 5.1): a name given again replaces the earlier field.
void PutHeader(net::HeaderList& headers, const std::string& name, const std::string& value) {
  std::erase_if(headers, [&](const auto& field) { return EqualsIgnoringAsciiCase(field.first, name); });
  headers.emplace_back(name, value);
}

std::string_view OutcomeWord(const store::UrlOutcome& outcome, bool has_page) {
  switch (outcome.state) {
    case store::UrlState::kRedirected: return "redirected";
    case store::UrlState::kFailed: return "failed";
    default: break;
  }
  if (outcome.change == store::PageChange::kUnchanged) return "unchanged";
  return has_page ? "stored" : "done";
}

}  // namespace

net::FetcherOptions RequestFetcherOptions(net::FetcherOptions base, const extract::SiteConfig& config,
                                          const CrawlOptions::RequestOverrides& overrides) {
  base.user_agent = overrides.user_agent.value_or(config.user_agent);
  for (const auto& [name, value] : config.headers) PutHeader(base.default_headers, name, value);
  for (const auto& [name, value] : overrides.headers) PutHeader(base.default_headers, name, value);
  if (overrides.cookie_jar) {
    base.cookie_jar = *overrides.cookie_jar;
  } else if (!config.cookie_jar.empty()) {
    base.cookie_jar = config.cookie_jar;
  }
  if (overrides.proxy) {
    base.proxy = *overrides.proxy;
  } else if (config.proxy) {
    base.proxy = *config.proxy;
  }
  base.cookies = base.cookies || config.cookies || !base.cookie_jar.empty();
  return base;
}

void LogUrlOutcome(const std::string& site, const store::UrlOutcome& outcome, const store::PageObservation* page,
                   const FetchNote* fetch) {
  logging::Fields fields;
  fields.emplace_back("url", fetch ? fetch->url : page ? page->url : std::string());
  fields.emplace_back("status", fetch ? fetch->status : outcome.http_status);
  fields.emplace_back("bytes", fetch ? fetch->bytes : 0);
  fields.emplace_back("ms", fetch ? fetch->ms : 0);
  fields.emplace_back("outcome", std::string(OutcomeWord(outcome, page != nullptr)));
  if (!outcome.detail.empty()) fields.emplace_back("why", outcome.detail);
  logging::Event(spdlog::level::debug, "crawl " + site, fields);
}

}  // namespace hc::crawl::internal
