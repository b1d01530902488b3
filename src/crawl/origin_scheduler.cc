// OriginScheduler: leases, per-origin politeness and dispatch (origin_scheduler_internal.h). robots.txt
// is origin_robots.cc.
#include "crawl/origin_scheduler_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <utility>

namespace hc::crawl::internal {

using std::chrono::milliseconds;

namespace {

// The owner of this run's request slots: the lease owner (host:pid) and a number of the process's own,
// so that two crawls of one process (a scheduler daemon's jobs) free only their own slots at the end.
std::string NumberedSlotOwner(const std::string& owner) {
  static std::atomic<int64_t> runs{0};
  return owner + "/" + std::to_string(++runs);
}

}  // namespace

OriginScheduler::OriginScheduler(RunContext& run, UrlOutcomes& outcomes, PagePipeline& pipeline,
                                 SitemapReader& sitemaps)
    : run_(run), outcomes_(outcomes), pipeline_(pipeline), sitemap_reader_(sitemaps), robots_(run.clock) {}

OriginScheduler::OriginState& OriginScheduler::Origin(const std::string& name) {
  return origins_.try_emplace(name, run_.pace_clock, run_.pace_policy).first->second;
}

void OriginScheduler::QueueSitemap(const std::string& url) {
  if (static_cast<int>(sitemaps_seen_.size()) >= run_.options.max_sitemaps) return;
  if (url.size() > static_cast<std::size_t>(run_.config.max_url_length)) {
    spdlog::warn("crawl {}: a sitemap URL of {} bytes (longer than max_url_length) skipped", run_.config.key,
                 url.size());
    return;
  }
  auto parsed = Url::Parse(url);
  if (!parsed.ok() || !parsed->is_http() || HasUserinfo(*parsed)) {
    spdlog::warn("crawl {}: sitemap '{}' is not an http(s) URL without user:pass@; skipped", run_.config.key, url);
    return;
  }
  if (!sitemaps_seen_.insert(parsed->href()).second) return;
  if (run_.options.host_pace != nullptr) {
    // One process of the cluster reads it; its URLs reach the others through the frontier they share.
    // Within the window a restarted crawl skips it too: what it gave is in the frontier already.
    constexpr std::chrono::seconds kSitemapFreshFor = std::chrono::hours(1);
    auto claimed = run_.options.host_pace->ClaimSitemap(parsed->href(), run_.owner, kSitemapFreshFor);
    if (!claimed.ok()) {
      run_.SetFatal(claimed.status());
      return;
    }
    if (!*claimed) {
      spdlog::info("crawl {}: sitemap {} skipped: another process of the crawl read it within the hour",
                   run_.config.key, parsed->href());
      return;
    }
  }
  Origin(OriginOf(*parsed)).sitemaps.push_back(*std::move(parsed));
}

bool OriginScheduler::LeaseMore(bool idle) {
  if (run_.Stopping()) return false;
  const auto now = Steady::now();
  int64_t want = 4 * run_.concurrency + 4;
  const int64_t per_origin_cap = 2 * run_.concurrency + 2;
  std::vector<std::string> skip;
  int64_t waiting = 0;  // held for the origins this lease may serve; full and paused ones are skipped
  bool hungry = false;  // an origin that can take requests holds less than half its share
  for (const auto& [name, o] : origins_) {
    const auto held = static_cast<int64_t>(o.waiting.size());
    const bool paused = o.robots == OriginState::Robots::kBlocked || LongHold(o).has_value();
    if (held >= per_origin_cap || paused) {
      skip.push_back(name);
      continue;
    }
    waiting += held;
    if (2 * held < per_origin_cap) hungry = true;
  }
  // Lease when an origin runs low. Topping the buffer up after every finished page cost one lease
  // query per page (7% of a crawl's CPU).
  if (!hungry) {
    if (skip.size() < origins_.size()) return false;
    // Every known origin is full or paused: the frontier may hold URLs of origins not seen yet. Look
    // for them; after a look that found none, again only a second later or when the loop is idle, not
    // after every finished page (the query walks past the skipped origins' queued URLs).
    if (!idle && now < next_probe_) return false;
  }
  const bool changed = run_.frontier_changed.exchange(false);
  if (!changed && now < next_lease_) return false;
  want -= waiting;
  if (run_.budget >= 0) want = std::min(want, run_.budget - run_.final_outcomes - run_.held);
  if (want <= 0 || !pipeline_.HasRoom()) {
    next_lease_ = now + milliseconds(50);
    return false;
  }
  store::LeaseRequest request;
  request.site = run_.config.key;
  request.owner = run_.owner;
  request.max_urls = static_cast<int>(want);
  request.now = run_.clock.Now();
  request.skip_origins = std::move(skip);
  Result<std::vector<store::LeasedUrl>> leased = [&] {
    std::lock_guard lock(run_.store_mu);
    return run_.frontier.Lease(request);
  }();
  if (!leased.ok()) {
    run_.SetFatal(leased.status());
    return false;
  }
  if (leased->empty()) {
    next_lease_ = now + milliseconds(200);
    if (!hungry) next_probe_ = now + std::chrono::seconds(1);  // no other origin has URLs now
    return false;
  }
  for (auto& url : *leased) {
    ++run_.held;
    Origin(url.origin).waiting.push_back(std::move(url));
  }
  next_lease_ = now;
  return true;
}

void OriginScheduler::DelayLeases(milliseconds wait) { next_lease_ = Steady::now() + wait; }

void OriginScheduler::Dispatch() {
  for (auto& [name, o] : origins_) {
    DispatchOrigin(name, o);
    // A slot taken for a start that no longer comes (its URL failed, nothing is left to send).
    if (o.slot >= 0 && ((o.waiting.empty() && o.sitemaps.empty()) || o.robots == OriginState::Robots::kBlocked ||
                        o.robots == OriginState::Robots::kRefused || run_.Stopping())) {
      ReturnSlot(name, o);
    }
  }
  // The slots of the responses since the last Dispatch that no AcquireStart has freed already.
  if (run_.options.host_pace != nullptr) {
    Status flushed = run_.options.host_pace->FlushReleases(SlotOwner());
    if (!flushed.ok()) run_.SetFatal(flushed);
  }
}

void OriginScheduler::DispatchOrigin(const std::string& name, OriginState& o) {
  if (o.robots == OriginState::Robots::kRefused) {
    while (!o.waiting.empty()) {
      store::LeasedUrl url = std::move(o.waiting.front());
      o.waiting.pop_front();
      --run_.held;
      outcomes_.Fail(url, o.refused, 0, url.attempts + 1);
    }
    return;
  }
  if (o.robots == OriginState::Robots::kBlocked) {
    if (run_.pace_clock.Now() < o.pacer.held_until()) return;
    o.robots = OriginState::Robots::kUnknown;
  }
  if (o.robots == OriginState::Robots::kReady) {
    auto cached = robots_.Get(name);
    if (!cached) {
      o.robots = OriginState::Robots::kUnknown;  // expired: fetch it again before anything else
    } else {
      o.policy = std::move(cached);
    }
  }
  if (o.robots == OriginState::Robots::kUnknown) {
    if ((o.waiting.empty() && o.sitemaps.empty()) || run_.Stopping()) return;
    if (!o.pacer.MayStart() || !RobotsFromCluster(name, o)) return;
    if (o.robots == OriginState::Robots::kUnknown) {
      if (!ClearedToStart(name, o)) return;
      SubmitRobots(name, o, name + "/robots.txt", 0);
      return;
    }
  }
  if (o.robots != OriginState::Robots::kReady) return;

  while (!run_.Stopping() && (!o.waiting.empty() || !o.sitemaps.empty()) && o.pacer.MayStart()) {
    if (!pipeline_.HasRoom() || !ClearedToStart(name, o)) return;
    if (!o.sitemaps.empty()) {
      net::FetchRequest request;
      request.context_id = next_context_++;
      request.url = std::move(o.sitemaps.front());
      o.sitemaps.pop_front();
      request.max_body_bytes = run_.options.max_sitemap_bytes;
      request.headers = {{"Accept", "application/xml,text/xml;q=0.9,*/*;q=0.5"}};
      transfers_[request.context_id] = Transfer{.kind = Kind::kSitemap,
                                                .origin = name,
                                                .url = {},
                                                .page_url = {},
                                                .target = request.url.href(),
                                                .hops = 0,
                                                .slot = -1};
      Submit(o, std::move(request));
      continue;
    }
    store::LeasedUrl url = std::move(o.waiting.front());
    o.waiting.pop_front();
    SubmitPage(name, o, std::move(url));
  }
}

bool OriginScheduler::SubmitPage(const std::string& name, OriginState& o, store::LeasedUrl url) {
  // The one parse of the URL on its way to the fetcher: robots.txt reads its path and query, and the
  // fetcher hands libcurl its serialization.
  auto parsed = Url::Parse(url.url);
  if (!parsed.ok()) {
    --run_.held;
    outcomes_.Fail(url, "bad url: " + parsed.status().message(), 0, url.attempts);
    return false;
  }
  const net::RobotsDecision decision = o.policy->Allowed(run_.user_agent, PathAndQuery(*parsed));
  if (!decision.allowed) {
    --run_.held;
    outcomes_.Fail(url, "robots: disallowed by " + decision.Explain(), 0, url.attempts);
    return false;
  }
  net::FetchRequest request;
  request.context_id = next_context_++;
  request.url = *std::move(parsed);
  if (url.visits > 0) {
    // A revisit: the server may answer 304 Not Modified instead of the body (RFC 9110 section 13.1).
    request.if_none_match = url.etag;
    request.if_modified_since = url.last_modified;
  }
  transfers_[request.context_id] = Transfer{.kind = Kind::kPage,
                                            .origin = name,
                                            .url = std::move(url),
                                            .page_url = request.url,
                                            .target = {},
                                            .hops = 0,
                                            .slot = -1};
  Submit(o, std::move(request));
  return true;
}

bool OriginScheduler::ClearedToStart(const std::string& name, OriginState& o) {
  // A reserved slot is used if this start is at most this late for it; later, the next process's slot
  // may be close behind (this loop was held up: a commit, a lease), so a new slot is reserved instead.
  constexpr milliseconds kMissedSlot{15};
  // No free request slot in the cluster: look again this much later. A finished request of another
  // process frees one at once, but nothing tells this process, so it polls; each look is one statement.
  constexpr milliseconds kSlotPoll{50};
  if (!o.pacer.MayStart()) return false;
  store::HostPace* pace = run_.options.host_pace;
  if (pace == nullptr) return true;
  const bool paced = o.pacer.delay() > Duration::zero();
  const milliseconds delay = paced ? std::chrono::ceil<milliseconds>(o.pacer.delay()) : milliseconds(0);
  if (o.slot < 0) {
    // The request slot and, with a delay, the start: one statement.
    auto grant =
        pace->AcquireStart(name, SlotOwner(), run_.pace_policy.concurrency, delay, SlotLease(), o.pacer.in_flight());
    if (!grant.ok()) {
      run_.SetFatal(grant.status());
      return false;
    }
    if (!grant->acquired()) {
      o.pacer.HoldUntil(run_.pace_clock.Now() + kSlotPoll);
      return false;
    }
    o.slot = grant->slot;
    o.pacer.DropReservation();
    if (grant->wait.count() <= 0) return true;
    o.pacer.Reserve(run_.pace_clock.Now() + grant->wait);
    return false;
  }
  // The slot is held; without a delay there is no pace to share.
  if (!paced) return true;
  if (const std::optional<TimePoint> slot = o.pacer.reserved_at()) {
    if (run_.pace_clock.Now() - *slot <= kMissedSlot) return true;
    o.pacer.DropReservation();
  }
  auto wait = pace->ReserveStart(name, delay);
  if (!wait.ok()) {
    run_.SetFatal(wait.status());
    return false;
  }
  if (wait->count() <= 0) return true;
  o.pacer.Reserve(run_.pace_clock.Now() + *wait);
  return false;
}

const std::string& OriginScheduler::SlotOwner() {
  // Not in the constructor: the run's lease owner is known once RunContext::Resolve has run.
  if (slot_owner_.empty()) slot_owner_ = NumberedSlotOwner(run_.owner);
  return slot_owner_;
}

milliseconds OriginScheduler::SlotLease() const {
  // A request ends within the fetcher's total timeout; the margin covers a start that waited for its
  // reservation and a loop held up between the response and its release.
  return run_.options.fetcher.total_timeout + milliseconds(30'000);
}

void OriginScheduler::ReturnSlot(const std::string& name, OriginState& o) {
  FreeSlot(name, std::exchange(o.slot, -1));
}

void OriginScheduler::FreeSlot(const std::string& origin, int slot) {
  if (slot >= 0 && run_.options.host_pace != nullptr) run_.options.host_pace->ReleaseSlot(origin, slot);
}

void OriginScheduler::ReleaseSlots() {
  store::HostPace* pace = run_.options.host_pace;
  if (pace == nullptr) return;
  for (auto& [name, o] : origins_) o.slot = -1;
  // Not fatal: the run's work is done, and the slots' leases run out by themselves.
  Status released = pace->ReleaseAllSlots(SlotOwner());
  if (!released.ok()) {
    spdlog::warn("crawl {}: request slots not released ({}); they come back when their leases run out",
                 run_.config.key, released.message());
  }
}

void OriginScheduler::Submit(OriginState& o, net::FetchRequest request) {
  transfers_[request.context_id].slot = std::exchange(o.slot, -1);  // held until the response
  ++run_.requests;
  o.pacer.Started();
  just_started_.push_back(&o);
  run_.fetcher.Submit(std::move(request));
}

void OriginScheduler::SendStarted() {
  // Without a delay there is no next start to count: the main Perform sends them, as it always did.
  const bool paced = std::any_of(just_started_.begin(), just_started_.end(),
                                 [](const OriginState* o) { return o->pacer.delay() > Duration::zero(); });
  if (!paced) {
    just_started_.clear();
    return;
  }
  std::vector<net::FetchResult> results = run_.fetcher.Perform(milliseconds(0));
  for (OriginState* o : just_started_) o->pacer.Sent();
  just_started_.clear();
  for (net::FetchResult& result : results) HandleResult(result);  // may start a robots.txt redirect hop
}

void OriginScheduler::HandleResult(net::FetchResult& result) {
  auto it = transfers_.find(result.context_id);
  if (it == transfers_.end()) return;
  Transfer t = std::move(it->second);
  transfers_.erase(it);
  run_.bytes += static_cast<int64_t>(result.body.size());
  if (t.kind == Kind::kRobots) {
    HandleRobots(t, result);
    return;
  }
  OriginState& o = Origin(t.origin);
  o.pacer.Finished();
  FreeSlot(t.origin, t.slot);
  if (t.kind == Kind::kSitemap) {
    for (const std::string& nested : sitemap_reader_.Read(t.target, result)) QueueSitemap(nested);
    return;
  }
  --run_.held;
  milliseconds retry_after{0};
  if (result.ok() && (result.status == 429 || result.status >= 500)) {
    retry_after = run_.RetryAfterOf(result);
    // Slow down: nothing more goes to this origin before the server's wait is over, from any process.
    if (retry_after.count() > 0) {
      o.pacer.HoldUntil(run_.pace_clock.Now() + retry_after);
      if (run_.options.host_pace != nullptr) {
        Status held = run_.options.host_pace->HoldOrigin(t.origin, retry_after);
        if (!held.ok()) run_.SetFatal(held);
      }
    }
  }
  outcomes_.PageFetched(t.url, std::move(t.page_url), result, retry_after);
}

std::optional<milliseconds> OriginScheduler::LongHold(const OriginState& o) const {
  // Only the server's holds count (Retry-After, an unreachable robots.txt): a long politeness delay of
  // the config's own is waited through.
  const TimePoint until = o.pacer.held_until();
  const TimePoint now = run_.pace_clock.Now();
  if (until <= now) return std::nullopt;
  const auto left = std::chrono::ceil<milliseconds>(until - now);
  if (left > run_.options.max_idle_wait) return left;
  return std::nullopt;
}

std::optional<milliseconds> OriginScheduler::EarliestLongHold() const {
  std::optional<milliseconds> earliest;
  for (const auto& [name, o] : origins_) {
    if (auto left = LongHold(o); left && (!earliest || *left < *earliest)) earliest = left;
  }
  return earliest;
}

void OriginScheduler::ReleaseLongHolds() {
  for (auto& [name, o] : origins_) {
    if (o.waiting.empty() || o.pacer.in_flight() > 0) continue;
    if (auto left = LongHold(o)) outcomes_.ReleaseAll(o.waiting, run_.clock.Now() + *left);
  }
}

Steady::duration OriginScheduler::IdleWait(Steady::duration longest) const {
  Steady::duration wait = longest;
  const auto steady_now = Steady::now();
  if (next_lease_ > steady_now) wait = std::min(wait, next_lease_ - steady_now);
  const TimePoint now = run_.pace_clock.Now();
  const bool room = pipeline_.HasRoom();
  for (const auto& [name, o] : origins_) {
    if (o.waiting.empty() && o.sitemaps.empty()) continue;  // nothing to send: no reason to wake
    // A page or sitemap also needs room in the pipeline, and the writer's Wakeup says when there is;
    // robots.txt (kUnknown, or kBlocked until its hold ends) goes regardless.
    const bool may_send = o.robots == OriginState::Robots::kUnknown || o.robots == OriginState::Robots::kBlocked ||
                          (o.robots == OriginState::Robots::kReady && room);
    if (!may_send) continue;
    const std::optional<TimePoint> next = o.pacer.NextStart();  // nullopt: a finish wakes the loop
    if (!next) continue;
    if (*next <= now) return Steady::duration::zero();  // came due since Dispatch looked
    wait = std::min<Steady::duration>(wait, *next - now);
  }
  return wait;
}

bool OriginScheduler::SitemapsPending() const {
  return std::any_of(origins_.begin(), origins_.end(), [](const auto& entry) { return !entry.second.sitemaps.empty(); });
}

void OriginScheduler::ReleaseWaiting() {
  for (auto& [name, o] : origins_) {
    outcomes_.ReleaseAll(o.waiting, run_.clock.Now());
    o.sitemaps.clear();
  }
}

void OriginScheduler::AbandonInFlight() {
  std::deque<store::LeasedUrl> abandoned;
  for (auto& [id, t] : transfers_) {
    if (t.kind == Kind::kPage) abandoned.push_back(std::move(t.url));
  }
  transfers_.clear();
  if (!abandoned.empty()) {
    spdlog::info("crawl {}: {} URLs in flight went back to the queue", run_.config.key, abandoned.size());
    outcomes_.ReleaseAll(abandoned, run_.clock.Now());
  }
  for (auto& [name, o] : origins_) outcomes_.ReleaseAll(o.waiting, run_.clock.Now());
}

}  // namespace hc::crawl::internal
