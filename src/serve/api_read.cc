// The read routes of docs/api.md: runs (with live progress and failures by reason), pages (with their
// records and archived responses), sites (config and fill rates) and the dataset's counts.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "html/html.h"
#include "serve/serve_internal.h"

namespace hc::serve::internal {
namespace {

constexpr size_t kMaxRawBytes = 4 << 20;     // a larger archived body is cut here (and says so)
constexpr size_t kMaxConfigBytes = 1 << 20;  // a larger selector config is not sent
constexpr int kFailureExamples = 5;

// A positive decimal id, or nullopt.
std::optional<int64_t> ParseId(std::string_view text) {
  int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// `limit` from the query: 1-500, default `fallback`; nullopt when it is not a number in range.
std::optional<int> ParseLimit(const std::string& text, int fallback) {
  if (text.empty()) return fallback;
  auto n = ParseId(text);
  if (!n || *n > 500) return std::nullopt;
  return static_cast<int>(*n);
}

// A site key as selector configs name them ([a-z0-9_-]+, at most 64): anything else is not a site,
// and never becomes part of a file name.
bool IsSiteKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

int64_t MillisOf(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

std::vector<std::string> Api::ConfiguredSites() const {
  std::vector<std::string> sites;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(options_.selectors_dir, ec)) {
    const std::string stem = entry.path().stem().string();
    if (entry.path().extension() == ".yaml" && IsSiteKey(stem)) sites.push_back(stem);
  }
  std::sort(sites.begin(), sites.end());
  return sites;
}

ApiResponse Api::ListRuns(const ApiRequest& request) {
  store::RunFilter filter;
  filter.job = request.Param("job");
  filter.site = request.Param("site");
  auto limit = ParseLimit(request.Param("limit"), 50);
  if (!limit) return Error(400, "bad_parameter", "limit must be a whole number from 1 to 500");
  filter.limit = *limit;
  if (const std::string before = request.Param("before"); !before.empty()) {
    auto id = ParseId(before);
    if (!id) return Error(400, "bad_parameter", "before must be a run id");
    filter.before_id = *id;
  }
  std::lock_guard lock(store_mu_);
  auto runs = dashboard_.ListRuns(filter);
  if (!runs.ok()) return StoreError(runs.status());
  return Json({{"runs", *runs}});
}

ApiResponse Api::GetRun(std::string_view id_text) {
  auto id = ParseId(id_text);
  if (!id) return Error(400, "bad_parameter", "a run id is a positive whole number");
  std::lock_guard lock(store_mu_);
  auto run = dashboard_.GetRun(*id);
  if (!run.ok()) return StoreError(run.status());
  if (!run->has_value()) return Error(404, "no_such_run", "no run " + std::to_string(*id));
  json out = **run;
  auto failures = dashboard_.RunFailures(*id, kFailureExamples);
  if (!failures.ok()) return StoreError(failures.status());
  out["failures"] = *failures;
  const json& extra = out["extra"];
  out["failures_by_category"] =
      extra.is_object() && extra.contains("failures") ? extra["failures"] : json::object();
  auto alarms = dashboard_.RunAlarms(*id);
  if (!alarms.ok()) return StoreError(alarms.status());
  out["drift"] = alarms->empty() ? json(nullptr) : json{{"alarms", *alarms}};
  out["progress"] = nullptr;
  if (out["finished_at"].is_null()) {
    // A running crawl: its counts are those of its last progress row; the queue is the frontier's now.
    json progress = {{"updated_at", out["progress_at"]},
                     {"pages_fetched", out["pages_fetched"]},
                     {"pages_failed", out["pages_failed"]},
                     {"pages_per_second", nullptr},
                     {"queued", nullptr},
                     {"in_flight", nullptr}};
    TimePoint started;
    if (out["progress_at"].is_number_integer() && out["started_at"].is_string() &&
        ParseIso8601(out["started_at"].get<std::string>(), &started)) {
      const double seconds =
          static_cast<double>(out["progress_at"].get<int64_t>() - MillisOf(started)) / 1000.0;
      if (seconds > 0) progress["pages_per_second"] = out["pages_fetched"].get<int64_t>() / seconds;
    }
    const std::string site = out["sites"].is_string() ? out["sites"].get<std::string>() : "";
    if (IsSiteKey(site)) {
      auto counts = store_.CountUrls(site);
      if (!counts.ok()) return StoreError(counts.status());
      progress["queued"] = counts->queued;
      progress["in_flight"] = counts->in_flight;
    }
    out["progress"] = std::move(progress);
  }
  return Json({{"run", out}});
}

ApiResponse Api::ListPages(const ApiRequest& request) {
  store::PageFilter filter;
  filter.url = request.Param("url");
  filter.site = request.Param("site");
  filter.status = request.Param("status");
  if (!filter.status.empty() && filter.status != "ok" && filter.status != "failed") {
    auto code = ParseId(filter.status);
    if (!code || *code > 999)
      return Error(400, "bad_parameter", "status is ok, failed or an HTTP status (200, 404, ...)");
  }
  auto limit = ParseLimit(request.Param("limit"), 50);
  if (!limit) return Error(400, "bad_parameter", "limit must be a whole number from 1 to 500");
  filter.limit = *limit;
  if (const std::string after = request.Param("after"); !after.empty()) {
    auto id = ParseId(after);
    if (!id) return Error(400, "bad_parameter", "after must be a page id");
    filter.after_id = *id;
  }
  std::lock_guard lock(store_mu_);
  auto pages = dashboard_.ListPages(filter);
  if (!pages.ok()) return StoreError(pages.status());
  return Json({{"pages", *pages}});
}

ApiResponse Api::GetPage(std::string_view id_text) {
  auto id = ParseId(id_text);
  if (!id) return Error(400, "bad_parameter", "a page id is a positive whole number");
  std::lock_guard lock(store_mu_);
  auto page = dashboard_.GetPage(*id);
  if (!page.ok()) return StoreError(page.status());
  if (!page->has_value()) return Error(404, "no_such_page", "no page " + std::to_string(*id));
  return Json({{"page", **page}});
}

ApiResponse Api::GetRaw(std::string_view page_text, std::string_view response_text) {
  auto page_id = ParseId(page_text);
  auto response_id = ParseId(response_text);
  if (!page_id || !response_id)
    return Error(400, "bad_parameter", "page and response ids are positive whole numbers");
  std::lock_guard lock(store_mu_);
  auto page = dashboard_.GetPage(*page_id);
  if (!page.ok()) return StoreError(page.status());
  if (!page->has_value()) return Error(404, "no_such_page", "no page " + std::to_string(*page_id));
  // Only a response of this page: the id in the path never reaches anything else.
  bool belongs = false;
  for (const json& r : (**page)["raw_responses"]) belongs = belongs || r["id"] == *response_id;
  if (!belongs)
    return Error(
        404, "no_such_response",
        "page " + std::to_string(*page_id) + " has no archived response " + std::to_string(*response_id));
  auto raw = store_.GetRawResponse(*response_id);
  if (!raw.ok()) return StoreError(raw.status());
  const store::RawResponse& r = raw->response;
  std::string content_type;
  json headers = json::array();
  for (const auto& [name, value] : r.headers) {
    headers.push_back({name, value});
    if (content_type.empty() && (name == "Content-Type" || name == "content-type")) content_type = value;
  }
  const bool cut = r.body.size() > kMaxRawBytes;
  // Shown as text by the page, so decoded to UTF-8 as the crawler decoded it (GBK portals).
  html::DecodedText text = html::DecodeToUtf8(std::string_view(r.body).substr(0, kMaxRawBytes), content_type);
  return Json({{"response",
                {{"id", raw->id},
                 {"url", r.url},
                 {"status", r.status},
                 {"fetched_at", FormatUtc(r.fetched_at)},
                 {"headers", headers},
                 {"charset", text.charset},
                 {"bytes", r.body.size()},
                 {"truncated", cut},
                 {"body", text.utf8}}}});
}

ApiResponse Api::ListSites() {
  std::lock_guard lock(store_mu_);
  auto stored = dashboard_.ListSites();
  if (!stored.ok()) return StoreError(stored.status());
  std::set<std::string> configured;
  for (const std::string& site : ConfiguredSites()) configured.insert(site);
  json out = json::array();
  std::set<std::string> seen;
  for (const json& row : *stored) {
    json site = row;
    site["configured"] = configured.count(row["site"].get<std::string>()) > 0;
    seen.insert(row["site"].get<std::string>());
    out.push_back(std::move(site));
  }
  for (const std::string& key : configured) {
    if (seen.count(key) == 0) {
      out.push_back({{"site", key},
                     {"pages", 0},
                     {"pages_failed", 0},
                     {"last_fetched_at", nullptr},
                     {"configured", true}});
    }
  }
  std::sort(out.begin(), out.end(), [](const json& a, const json& b) { return a["site"] < b["site"]; });
  return Json({{"sites", out}});
}

ApiResponse Api::GetSite(const std::string& site) {
  if (!IsSiteKey(site)) return Error(404, "no_such_site", "no site '" + site + "'");
  json out = {{"site", site}, {"config", nullptr}, {"config_file", nullptr}};
  const std::filesystem::path file = options_.selectors_dir / (site + ".yaml");
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size <= kMaxConfigBytes) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out["config"] = text.str();
    out["config_file"] = file.filename().string();
  }
  std::lock_guard lock(store_mu_);
  auto stats = store_.ComputeStats();
  if (!stats.ok()) return StoreError(stats.status());
  json fill = json::array();
  for (const auto& f : stats->fill_rates) {
    if (f.site != site) continue;
    fill.push_back(
        {{"table", f.table},
         {"field", f.field},
         {"filled", f.filled},
         {"total", f.total},
         {"rate", f.total > 0 ? static_cast<double>(f.filled) / static_cast<double>(f.total) : 0.0}});
  }
  out["fill_rates"] = fill;
  auto history = FillHistory(site);
  if (!history.ok()) return StoreError(history.status());
  out["fill_history"] = *history;
  if (out["config"].is_null() && fill.empty() && (*history)["runs"].empty()) {
    return Error(404, "no_such_site", "no site '" + site + "' (no selector config, no stored pages)");
  }
  return Json({{"site", out}});
}

ApiResponse Api::Dataset() {
  std::lock_guard lock(store_mu_);
  auto stats = store_.ComputeStats();
  if (!stats.ok()) return StoreError(stats.status());
  json tables = json::array();
  for (const auto& t : stats->tables)
    tables.push_back({{"site", t.site}, {"table", t.table}, {"rows", t.rows}});
  json failures = json::array();
  for (const auto& f : stats->failures) {
    failures.push_back({{"site", f.site}, {"reason", f.reason}, {"pages", f.pages}, {"events", f.events}});
  }
  return Json({{"tables", tables},
               {"failures", failures},
               {"oldest_fetch", stats->oldest_fetch ? json(*stats->oldest_fetch) : json(nullptr)},
               {"newest_fetch", stats->newest_fetch ? json(*stats->newest_fetch) : json(nullptr)}});
}

}  // namespace hc::serve::internal
