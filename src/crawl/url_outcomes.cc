// UrlOutcomes: how a leased URL ends (url_outcomes_internal.h; the reasons are docs/RELIABILITY.md's
// "Exit statuses and failure reasons").
#include "crawl/url_outcomes_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace hc::crawl::internal {

using std::chrono::milliseconds;

void UrlOutcomes::NoteFetch(const store::LeasedUrl& url, const net::FetchResult& result) {
  if (!run_.log_urls) return;
  std::lock_guard lock(run_.url_notes_mu);
  run_.url_notes[url.id] = {url.url, result.status, static_cast<int64_t>(result.body.size()),
                            static_cast<int64_t>(result.timing.total.count() / 1000)};
}

void UrlOutcomes::PageFetched(const store::LeasedUrl& url, Url parsed, net::FetchResult& result,
                              milliseconds retry_after) {
  NoteFetch(url, result);
  if (!result.ok()) {
    const std::string detail = std::string(net::FetchErrorName(result.error)) +
                               (result.error_message.empty() ? "" : ": " + result.error_message);
    if (result.error == net::FetchError::kTooLarge) {
      Fail(url, "too large", result.status, url.attempts + 1);
    } else if (net::IsTransient(result.error)) {
      RetryOrFail(url, "network: " + detail, 0, milliseconds(0));
    } else {
      Fail(url, "network: " + detail, 0, url.attempts + 1);
    }
    return;
  }
  ++run_.fetched;
  const int status = result.status;
  if (status == 429 || status >= 500) {
    RetryOrFail(url, "http " + std::to_string(status), status, retry_after);
    return;
  }
  if (status == 304 && url.visits > 0) {
    Unchanged(url, 304, result.headers, url.body_sha1);
    return;
  }
  if (status >= 300 && status < 400 && status != 304) {
    Redirect(url, result);
    return;
  }
  // 2xx and the other statuses: the workers build the observation (a 404 is stored as a failure).
  FetchedPage fetched;
  fetched.url = url;
  fetched.attempts = url.attempts + 1;
  Page& page = fetched.page;
  page.url = std::move(parsed);
  page.url_key = url.url_key;
  page.response.url = url.url;
  page.response.status = status;
  page.response.headers = std::move(result.headers);
  page.response.body = std::move(result.body);
  page.response.fetched_at = run_.clock.Now();
  pipeline_.Parse(std::move(fetched));
}

void UrlOutcomes::Unchanged(const store::LeasedUrl& url, int status, const store::Headers& headers,
                            const std::string& body_sha1) {
  WriteItem item;
  item.outcome = run_.VisitOutcome(url, run_.program.MatchPageType(url.url), status, headers, body_sha1,
                                   store::PageChange::kUnchanged);
  ++run_.final_outcomes;
  ++run_.pipeline_pending;
  pipeline_.Write(std::move(item));
}

void UrlOutcomes::Redirect(const store::LeasedUrl& url, const net::FetchResult& result) {
  const std::string status = "http " + std::to_string(result.status);
  const auto& config = run_.config;
  if (result.location.empty()) {
    Fail(url, status + " without Location", result.status, url.attempts + 1);
    return;
  }
  if (result.location.size() > static_cast<std::size_t>(config.max_url_length)) {
    Fail(url, "redirect: target longer than max_url_length (" + std::to_string(result.location.size()) + " bytes)",
         result.status, url.attempts + 1);
    return;
  }
  auto target = Url::Parse(result.location);
  if (!target.ok() || !target->is_http()) {
    Fail(url, "redirect: not an http(s) URL: " + result.location, result.status, url.attempts + 1);
    return;
  }
  if (HasUserinfo(*target)) {
    Fail(url, "redirect: userinfo in the target", result.status, url.attempts + 1);
    return;
  }
  if (url.redirects + 1 > kMaxRedirects) {
    Fail(url, "redirect: too many (more than " + std::to_string(kMaxRedirects) + ")", result.status, url.attempts + 1);
    return;
  }
  if (!HostAllowed(config, target->host())) {
    Fail(url, "redirect: off-site " + target->href(), result.status, url.attempts + 1);
    return;
  }
  auto key = NormalizeUrl(*target, config.url_normalization);
  if (!key.ok() || *key == url.url_key) {
    Fail(url, "redirect: to itself", result.status, url.attempts + 1);
    return;
  }
  WriteItem item;
  item.outcome.id = url.id;
  item.outcome.owner = run_.owner;
  item.outcome.state = store::UrlState::kRedirected;
  item.outcome.detail = target->href();
  item.outcome.attempts = url.attempts + 1;
  item.outcome.http_status = result.status;
  item.outcome.finished_at = run_.clock.Now();
  item.outcome.discovered.push_back(
      run_.MakeNewUrl(target->href(), *key, *target, url.depth, url.redirects + 1, url.url_key));
  item.outcome.discovered.back().priority = std::max(item.outcome.discovered.back().priority, url.priority);
  ++run_.pipeline_pending;
  pipeline_.Write(std::move(item));
}

void UrlOutcomes::RetryOrFail(const store::LeasedUrl& url, const std::string& reason, int status,
                              milliseconds at_least) {
  const int attempts = url.attempts + 1;
  const CrawlOptions& options = run_.options;
  if (attempts >= options.max_attempts) {
    Fail(url, reason, status, attempts);
    return;
  }
  const milliseconds wait =
      std::max(at_least, RetryBackoff(attempts, options.retry_base_delay, options.retry_max_delay, run_.Jitter()));
  Status s;
  {
    std::lock_guard lock(run_.store_mu);
    s = run_.frontier.Retry(url.id, run_.owner, attempts, run_.clock.Now() + wait, reason);
  }
  if (!s.ok() && s.code() != StatusCode::kBusy) {
    run_.SetFatal(s);
    return;
  }
  ++run_.retries;
  if (run_.log_urls) {
    std::lock_guard lock(run_.url_notes_mu);
    run_.url_notes.erase(url.id);
  }
  spdlog::debug("crawl {}: {}: {}; retry {} in {} ms", run_.config.key, url.url, reason, attempts, wait.count());
}

void UrlOutcomes::Fail(const store::LeasedUrl& url, const std::string& reason, int status, int attempts) {
  WriteItem item;
  item.outcome.id = url.id;
  item.outcome.owner = run_.owner;
  item.outcome.state = store::UrlState::kFailed;
  item.outcome.detail = reason;
  item.outcome.attempts = std::max(attempts, 1);
  item.outcome.http_status = status;
  item.outcome.finished_at = run_.clock.Now();
  store::PageObservation page;
  page.site = run_.config.key;
  page.url = url.url;
  page.url_key = url.url_key;
  page.http_status = status;
  page.fetched_at = item.outcome.finished_at;
  page.failure_reason = reason;
  if (const auto* type = run_.program.MatchPageType(url.url)) page.page_type = type->name;
  item.page = std::move(page);
  ++run_.final_outcomes;
  ++run_.pipeline_pending;
  pipeline_.Write(std::move(item));
}

void UrlOutcomes::ReleaseAll(std::deque<store::LeasedUrl>& urls, TimePoint not_before) {
  std::lock_guard lock(run_.store_mu);
  for (const auto& url : urls) {
    Status s = run_.frontier.Release(url.id, run_.owner, not_before);
    if (!s.ok() && s.code() != StatusCode::kBusy) {
      spdlog::error("crawl {}: releasing {}: {}", run_.config.key, url.url, s.ToString());
    }
    --run_.held;
  }
  urls.clear();
}

}  // namespace hc::crawl::internal
