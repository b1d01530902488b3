#include "cli/request_args.h"

#include "core/clock.h"
#include "core/request_fields.h"

namespace hc::cli {

void RequestArgs::Register(CLI::App* cmd) {
  user_agent_option = cmd->add_option(
      "--user-agent", user_agent,
      "User-Agent of every request, and the robots.txt agent (its first word); put a contact in it, e.g. "
      "'mybot/1.0 (+mailto:me@example.org)' (default: the config's request.user_agent)");
  cmd->add_option("--header", headers,
                  "'Name: value' sent with every request (repeatable; replaces the config's header of that "
                  "name; 'Name:' drops it)");
  cmd->add_option("--cookie-jar", cookie_jar,
                  "Netscape cookie file: its cookies are sent, and the jar is written back at the end "
                  "(a missing file starts empty)");
  proxy_option = cmd->add_option("--proxy", proxy,
                                  "[scheme://]host[:port] of an HTTP(S) or SOCKS proxy; '' for none "
                                  "(default: the config's request.proxy, else http_proxy/https_proxy/no_proxy)");
}

Result<crawl::CrawlOptions::RequestOverrides> RequestArgs::Overrides() const {
  crawl::CrawlOptions::RequestOverrides out;
  if (user_agent_option != nullptr && user_agent_option->count() > 0) {
    if (user_agent.empty() || !CheckHeaderValue("User-Agent", user_agent).ok()) {
      return Status::InvalidArgument("--user-agent must be one line of text, such as 'mybot/1.0 (+mailto:me@example.org)'");
    }
    out.user_agent = user_agent;
  }
  for (const std::string& line : headers) {
    auto field = ParseHeaderField(line);
    if (!field.ok()) return Status::InvalidArgument("--header: " + field.status().message());
    out.headers.push_back(std::move(*field));
  }
  if (!cookie_jar.empty()) out.cookie_jar = cookie_jar;
  if (proxy_option != nullptr && proxy_option->count() > 0) {
    if (Status s = CheckProxy(proxy); !s.ok()) return Status::InvalidArgument("--proxy: " + s.message());
    out.proxy = proxy;
  }
  return out;
}

nlohmann::ordered_json CrawlSummaryJson(const std::string& site, const crawl::CrawlReport& r) {
  nlohmann::ordered_json j;
  j["site"] = site;
  j["outcome"] = std::string(crawl::RunOutcome(r));
  j["run_id"] = r.run_id;
  j["pages"] = r.stored + r.pages_unchanged + r.failed;
  j["seconds"] = r.elapsed.count();
  j["pages_per_second"] = r.pages_per_second();
  j["stored"] = r.stored;
  j["unchanged"] = r.pages_unchanged;
  j["failed"] = r.failed;
  j["redirected"] = r.redirected;
  j["retries"] = r.retries;
  j["requests"] = r.requests;
  j["bytes"] = r.bytes;
  j["sitemaps"] = r.sitemaps;
  j["discovered"] = r.discovered;
  j["visits"] = {{"new", r.pages_new},
                 {"changed", r.pages_changed},
                 {"unchanged", r.pages_unchanged},
                 {"gone", r.pages_gone},
                 {"due_at_start", r.requeued}};
  j["frontier"] = {{"queued", r.frontier.queued}, {"done", r.frontier.done}, {"failed", r.frontier.failed}};
  j["failures"] = nlohmann::ordered_json::object();
  for (const auto& [reason, count] : r.failures) j["failures"][reason] = count;
  j["interrupted"] = r.interrupted;
  j["field_notes"] = nlohmann::ordered_json::object();  // conversion notes per field (docs/crawling.md)
  for (const auto& e : r.field_notes) {
    j["field_notes"][e.field] = {{"count", e.count}, {"example", e.example}, {"url", e.url}};
  }
  // Why a run reached nothing, and when its held URLs are due (docs/crawling.md, "Holds").
  j["unreachable"] = nlohmann::ordered_json::object();
  for (const auto& [origin, why] : r.unreachable_origins) j["unreachable"][origin] = why;
  j["dataset_limit_reached"] = r.dataset_limit_reached;
  j["next_due"] = r.next_due ? nlohmann::ordered_json(FormatUtc(*r.next_due)) : nlohmann::ordered_json(nullptr);
  j["drift"] = crawl::DriftToJson(r.drift);  // docs/drift.md
  return j;
}

}  // namespace hc::cli
