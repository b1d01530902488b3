// RunContext: the settings, counters and shared state of one RunCrawl (run_context_internal.h).
#include "crawl/run_context_internal.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "core/host.h"
#include "crawl/parse_pipeline.h"

namespace hc::crawl::internal {

using std::chrono::milliseconds;

std::size_t WriteItemBytes(const WriteItem& item) {
  std::size_t bytes = sizeof(WriteItem) + item.outcome.detail.size();
  for (const store::NewUrl& n : item.outcome.discovered) {
    bytes += sizeof(n) + n.site.size() + n.url.size() + n.url_key.size() + n.origin.size() + n.discovered_from.size();
  }
  if (item.page && item.page->raw) bytes += item.page->raw->body.size();
  if (item.warc) bytes += item.warc->body.size();
  return bytes;
}

std::string OriginOf(const Url& url) {
  std::string origin = std::string(url.scheme()) + "://" + std::string(url.host());
  if (url.port()) origin += ":" + std::to_string(*url.port());
  return origin;
}

std::string PathAndQuery(const Url& url) {
  std::string out(url.path());
  if (url.has_query()) out += "?" + std::string(url.query());
  return out;
}

bool HasUserinfo(const Url& url) { return !url.username().empty() || !url.password().empty(); }

bool HostAllowed(const extract::SiteConfig& config, std::string_view host) {
  if (config.allowed_domains.empty()) return true;
  for (const auto& domain : config.allowed_domains) {
    if (host == domain) return true;
    if (host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

RunContext::RunContext(const extract::SelectorProgram& program, store::Frontier& frontier, net::Fetcher& fetcher,
                       const CrawlOptions& options)
    : program(program),
      config(program.config()),
      frontier(frontier),
      fetcher(fetcher),
      options(options),
      clock(options.clock ? *options.clock : system_clock_),
      rng_(std::random_device{}()) {}

Status RunContext::Resolve() {
  if (options.max_attempts < 1) return Status::InvalidArgument("max_attempts must be at least 1");
  owner = options.lease_owner.empty() ? HostName() + ":" + std::to_string(getpid()) : options.lease_owner;
  max_pages = options.max_pages >= 0 ? options.max_pages : config.max_pages;
  max_depth = options.max_depth >= 0 ? options.max_depth : config.max_depth;
  concurrency = std::max(1, options.concurrency > 0 ? options.concurrency : config.politeness.concurrency);
  pace_policy.delay = SecondsAsDuration(options.delay_seconds.value_or(config.politeness.delay_seconds));
  pace_policy.concurrency = concurrency;
  pace_policy.max_crawl_delay = options.max_crawl_delay;
  user_agent = options.request.user_agent.value_or(config.user_agent);
  log_urls = spdlog::should_log(spdlog::level::debug);
  workers = ParseWorkerCount(options.workers);
  return Status::Ok();
}

void RunContext::SetFatal(Status s) {
  {
    std::lock_guard lock(fatal_mu_);
    if (fatal_.ok()) fatal_ = std::move(s);
  }
  internal_stop_ = true;
  fetcher.Wakeup();
}

Status RunContext::Fatal() {
  std::lock_guard lock(fatal_mu_);
  return fatal_;
}

bool RunContext::Stopping() const {
  return internal_stop_.load() || (options.stop && options.stop->load());
}

void RunContext::SetStopDeadline(Steady::time_point deadline) {
  stop_deadline_ = deadline.time_since_epoch().count();
}

bool RunContext::PastStopDeadline() const {
  if (internal_stop_.load()) return true;
  const int64_t deadline = stop_deadline_.load();
  return deadline != 0 && Steady::now().time_since_epoch().count() >= deadline;
}

store::NewUrl RunContext::MakeNewUrl(const std::string& url, const std::string& key, const Url& parsed, int depth,
                                     int redirects, const std::string& from, std::optional<int> priority) const {
  store::NewUrl n;
  n.site = config.key;
  n.url = url;
  n.url_key = key;
  n.origin = OriginOf(parsed);
  n.depth = depth;
  n.redirects = redirects;
  n.discovered_from = from;
  if (priority) {
    n.priority = *priority;
  } else if (const auto* type = program.MatchPageType(url)) {
    n.priority = type->priority;
  }
  n.not_before = clock.Now();
  return n;
}

store::UrlOutcome RunContext::VisitOutcome(const store::LeasedUrl& url, const extract::PageTypeInfo* type,
                                           int status, const store::Headers& headers, std::string body_sha1,
                                           store::PageChange change) const {
  static const extract::RevisitPolicy kNone{};
  store::UrlOutcome o;
  o.id = url.id;
  o.owner = owner;
  o.state = store::UrlState::kDone;
  o.attempts = url.attempts + 1;
  o.http_status = status;
  o.finished_at = clock.Now();
  o.change = change;
  o.etag = HeaderValue(headers, "ETag");
  o.last_modified = HeaderValue(headers, "Last-Modified");
  o.body_sha1 = std::move(body_sha1);
  o.revisit = NextRevisit(type ? type->revisit : kNone, url.revisit, change);
  return o;
}

milliseconds RunContext::RetryAfterOf(const net::FetchResult& result) const {
  if (auto header = result.Header("retry-after")) {
    if (auto after = net::ParseRetryAfter(*header, clock.Now())) {
      return std::min(std::chrono::duration_cast<milliseconds>(*after),
                      std::chrono::duration_cast<milliseconds>(options.max_retry_after));
    }
  }
  return milliseconds(0);
}

double RunContext::Jitter() {
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  return jitter(rng_);
}

}  // namespace hc::crawl::internal
