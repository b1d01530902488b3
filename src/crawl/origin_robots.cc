// OriginScheduler's robots.txt: fetched before anything else on an origin, retried and held when it
// cannot be had (RFC 9309; docs/crawling.md, "robots.txt").
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "crawl/origin_scheduler_internal.h"

namespace hc::crawl::internal {

using std::chrono::milliseconds;

void OriginScheduler::SubmitRobots(const std::string& name, OriginState& o, const std::string& url, int hops) {
  auto parsed = Url::Parse(url);
  if (!parsed.ok()) {
    // Only a redirect's Location can be that: the origin's own robots.txt URL is built from a parsed URL.
    Refuse(name, o, "network: " + std::string(net::FetchErrorName(net::FetchError::kBadUrl)) + ": malformed URL: " +
                        parsed.status().message());
    return;
  }
  o.robots = OriginState::Robots::kFetching;
  net::FetchRequest request;
  request.context_id = next_context_++;
  request.url = *std::move(parsed);
  request.headers = {{"Accept", "text/plain,*/*;q=0.5"}};
  // A little more than the parse limit, so that the policy sees every byte it may use.
  request.max_body_bytes = net::kRobotsParseLimit + 64 * 1024;
  transfers_[request.context_id] = Transfer{
      .kind = Kind::kRobots, .origin = name, .url = {}, .page_url = {}, .target = url, .hops = hops, .slot = -1};
  Submit(o, std::move(request));  // robots.txt counts: the origin's first page starts a delay after it
}

bool OriginScheduler::RobotsFromCluster(const std::string& name, OriginState& o) {
  store::HostPace* pace = run_.options.host_pace;
  if (pace == nullptr || o.robots_claimed) return true;
  // The claim outlives a fetch with its retries; a claimant that died frees it when it runs out.
  const milliseconds claim_for = std::max(milliseconds(60'000), 2 * run_.options.fetcher.total_timeout);
  auto lookup = pace->LookupRobots(name, run_.owner, claim_for);
  if (!lookup.ok()) {
    run_.SetFatal(lookup.status());
    return false;
  }
  switch (lookup->state) {
    case store::RobotsLookup::State::kCached:
      UseRobots(name, o, lookup->status, lookup->body, lookup->expires_in, /*fetched_here=*/false);
      return true;
    case store::RobotsLookup::State::kFetch:
      o.robots_claimed = true;
      return true;
    case store::RobotsLookup::State::kWait:
      break;
  }
  o.pacer.HoldUntil(run_.pace_clock.Now() + milliseconds(200));  // another process fetches it: look again
  return false;
}

void OriginScheduler::ReleaseRobotsClaim(const std::string& name, OriginState& o) {
  if (!o.robots_claimed) return;
  o.robots_claimed = false;
  Status released = run_.options.host_pace->ReleaseRobots(name, run_.owner);
  if (!released.ok()) run_.SetFatal(released);
}

void OriginScheduler::UseRobots(const std::string& name, OriginState& o, int status, const std::string& body,
                                std::chrono::seconds lifetime, bool fetched_here) {
  origin_answered_ = true;  // here or, read from the database, to another process of the crawl
  net::RobotsPolicy policy = net::PolicyForRobotsResponse(status, body);
  // The larger of the delay and the Crawl-delay (capped), counted from the robots.txt request's start.
  o.pacer.SetCrawlDelay(policy.CrawlDelay(run_.user_agent));
  // Sitemaps are queued by the process that fetched robots.txt, so that the cluster reads each once.
  if (fetched_here && run_.options.read_sitemaps) {
    for (const auto& sitemap : policy.sitemaps()) QueueSitemap(sitemap);
  }
  robots_.Put(name, std::move(policy), lifetime);
  o.policy = robots_.Get(name);
  o.robots = OriginState::Robots::kReady;
}

void OriginScheduler::Refuse(const std::string& name, OriginState& o, std::string reason) {
  ReleaseRobotsClaim(name, o);
  o.robots = OriginState::Robots::kRefused;
  o.refused = std::move(reason);
  spdlog::warn("crawl {}: {} cannot be visited ({}); its URLs fail", run_.config.key, name, o.refused);
  o.sitemaps.clear();
}

void OriginScheduler::HandleRobots(Transfer& t, net::FetchResult& result) {
  OriginState& o = Origin(t.origin);
  o.pacer.Finished();
  const int status = result.ok() || result.error == net::FetchError::kTooLarge ? result.status : 0;
  const bool redirect = status >= 300 && status < 400 && !result.location.empty() && t.hops < kMaxRedirects;
  // A redirect hop follows at once on the request's own cluster slot; otherwise the slot is free.
  if (t.slot >= 0 && redirect && o.slot < 0) {
    o.slot = t.slot;
  } else {
    FreeSlot(t.origin, t.slot);
  }
  if (redirect) {
    SubmitRobots(t.origin, o, result.location, t.hops + 1);
    return;
  }
  if (!result.ok() && (result.error == net::FetchError::kRefusedAddress || result.error == net::FetchError::kBadUrl)) {
    Refuse(t.origin, o,
           "network: " + std::string(net::FetchErrorName(result.error)) +
               (result.error_message.empty() ? "" : ": " + result.error_message));
    return;
  }
  if (status == 0 || status == 429 || status >= 500 || status < 200) {
    const std::string why = status ? "http " + std::to_string(status)
                                   : std::string(net::FetchErrorName(result.error)) +
                                         (result.error_message.empty() ? "" : ": " + result.error_message);
    // As for a page: network errors that may pass, 429 and 5xx are tried again; the rest hold at once.
    RobotsUnreachable(t.origin, o, why, status != 0 || net::IsTransient(result.error), run_.RetryAfterOf(result));
    return;
  }
  o.robots_tries = 0;
  o.robots_holds = 0;
  const std::chrono::seconds lifetime = net::RobotsCacheLifetime(status);
  if (o.robots_claimed) {  // the other processes read it from here on
    o.robots_claimed = false;
    Status put = run_.options.host_pace->PutRobots(t.origin, status, result.body, lifetime);
    if (!put.ok()) run_.SetFatal(put);
  }
  UseRobots(t.origin, o, status, result.body, lifetime, /*fetched_here=*/true);
}

void OriginScheduler::RobotsUnreachable(const std::string& name, OriginState& o, const std::string& why,
                                        bool retriable, milliseconds at_least) {
  const CrawlOptions& options = run_.options;
  ReleaseRobotsClaim(name, o);
  o.robots = OriginState::Robots::kBlocked;
  ++o.robots_tries;
  if (retriable && o.robots_tries < options.max_attempts) {
    const milliseconds wait = std::max(
        at_least, RetryBackoff(o.robots_tries, options.retry_base_delay, options.retry_max_delay, run_.Jitter()));
    spdlog::info("crawl {}: {}/robots.txt: {}; try {} of {} in {} ms", run_.config.key, name, why,
                 o.robots_tries + 1, options.max_attempts, wait.count());
    o.pacer.HoldUntil(run_.pace_clock.Now() + wait);  // the origin's URLs wait in the fetch loop meanwhile
    return;
  }
  const milliseconds wait = std::max(
      at_least,
      RobotsHoldWait(o.robots_holds, options.robots_unreachable_wait,
                     std::max(options.robots_unreachable_max_wait, options.max_idle_wait + std::chrono::seconds(1))));
  ++o.robots_holds;
  o.robots_tries = 0;
  origin_held_ = true;
  unreachable_[name] = why;
  spdlog::warn("crawl {}: {}/robots.txt is unreachable ({}); its URLs wait {} before another try", run_.config.key,
               name, why, FormatDuration(std::chrono::duration<double>(wait).count()));
  o.pacer.HoldUntil(run_.pace_clock.Now() + wait);
  outcomes_.ReleaseAll(o.waiting, run_.clock.Now() + wait);
  // Sitemaps are not worth holding the crawl open for; the next run reads them again.
  for (const auto& sitemap : o.sitemaps) spdlog::warn("crawl {}: sitemap {} skipped", run_.config.key, sitemap.href());
  o.sitemaps.clear();
}

}  // namespace hc::crawl::internal
