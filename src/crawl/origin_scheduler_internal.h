// Internal to src/crawl: OriginScheduler, the crawl's per-origin scheduling. It leases URLs from the
// frontier, keeps them per origin (scheme, host and port) and decides when each may be requested:
//
//  * robots.txt first: fetched once per origin before anything else there (redirects followed up to
//    kMaxRedirects hops), tried again with the retry backoff when it cannot be had, then the origin is
//    held (RobotsHoldWait) and its URLs go back to the queue; an origin whose address is refused fails
//    its URLs at once. Disallowed URLs fail with "robots: disallowed by ...".
//  * politeness: each origin's OriginPacer (origin_pacer.h) says when the next request may start
//    (delay start to start, concurrency, Crawl-delay, Retry-After and robots.txt holds). With a shared
//    HostPace (CrawlOptions::host_pace, store/host_pace.h) each start takes one of the origin's
//    `concurrency` request slots of the whole cluster (held until its response) and, with a delay, also
//    reserves the origin's next start for the whole cluster; Retry-After holds every process; robots.txt is read
//    from the database when another process has fetched it (only the one that fetched it queues its
//    Sitemap: lines).
//  * leases: URLs are leased in batches for the origins that can take more, so one slow origin cannot
//    use up the buffer of the others; long holds release their URLs so an idle run can end.
//  * dispatch: requests (robots.txt, sitemaps, pages) go to the fetcher, and each result comes back
//    here (HandleResult) to its origin: robots.txt is read here, a sitemap goes to the SitemapReader,
//    a page's response to UrlOutcomes.
//
// Thread-safety: the fetch loop's thread only.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crawl/origin_pacer.h"
#include "crawl/page_pipeline_internal.h"
#include "crawl/run_context_internal.h"
#include "crawl/sitemap_reader_internal.h"
#include "crawl/url_outcomes_internal.h"
#include "net/robots.h"

namespace hc::crawl::internal {

class OriginScheduler {
 public:
  OriginScheduler(RunContext& run, UrlOutcomes& outcomes, PagePipeline& pipeline, SitemapReader& sitemaps);
  OriginScheduler(const OriginScheduler&) = delete;
  OriginScheduler& operator=(const OriginScheduler&) = delete;

  // A sitemap to read: queued on its origin (after its robots.txt), once per run, at most max_sitemaps;
  // with a shared HostPace only when this process claims it (ClaimSitemap: one process of the cluster
  // reads it within an hour).
  void QueueSitemap(const std::string& url);

  // Leases URLs in batches: up to about 4 x concurrency URLs for the origins that can take more. An
  // origin holding 2 x concurrency or more is full and skipped. True when some came. `idle`: the loop
  // has nothing in flight (look for unseen origins even if it looked a moment ago).
  bool LeaseMore(bool idle = false);
  // Starts every request the origins' pacers allow (robots.txt first), while the pipeline has room.
  void Dispatch();
  // Has libcurl begin the requests started since the last call (Perform without waiting), then counts
  // their origins' next starts from now (OriginPacer::Sent).
  void SendStarted();
  // A finished transfer, to its origin and then to whoever reads it.
  void HandleResult(net::FetchResult& result);

  // With nothing in flight, URLs waiting behind a long hold go back to the queue (eligible when it ends),
  // so that the idle rule can end the run instead of idling through the hold.
  void ReleaseLongHolds();
  // How long the loop may wait for activity: until the earliest moment something is due that nothing
  // wakes it for (an origin's next start, the next lease), at most `longest`.
  Steady::duration IdleWait(Steady::duration longest) const;
  // The earliest end of a hold longer than max_idle_wait, from now; nullopt when no origin has one.
  std::optional<std::chrono::milliseconds> EarliestLongHold() const;
  bool SitemapsPending() const;
  // No lease before `wait` from now (queued URLs are not yet eligible).
  void DelayLeases(std::chrono::milliseconds wait);

  // The end of the run: every request slot of this process's is freed in the cluster (those of
  // requests abandoned in flight too).
  void ReleaseSlots();

  // On a stop: the URLs waiting go back to the queue and the sitemaps are dropped.
  void ReleaseWaiting();
  // After the stop's grace period: the pages still in flight go back to the queue too.
  void AbandonInFlight();

  // For the report: some robots.txt was answered; some origin was held for an unreachable robots.txt,
  // and why, by origin.
  bool origin_answered() const { return origin_answered_; }
  bool origin_held() const { return origin_held_; }
  const std::map<std::string, std::string>& unreachable() const { return unreachable_; }

 private:
  struct OriginState {
    OriginState(const Clock& pace_clock, OriginPacer::Policy policy) : pacer(pace_clock, policy) {}

    // kRefused: the origin cannot be visited at all under this configuration (its address is refused by
    // the address filter): its URLs fail at once instead of waiting. kBlocked: robots.txt could not be
    // had; it is tried again when the pacer's hold ends.
    enum class Robots { kUnknown, kFetching, kReady, kBlocked, kRefused };
    Robots robots = Robots::kUnknown;
    std::shared_ptr<const net::RobotsPolicy> policy;
    int robots_tries = 0;                // failed tries of robots.txt since the last hold (or the start)
    int robots_holds = 0;                // holds this run: each one doubles the next
    bool robots_claimed = false;         // this process holds the cluster's claim to fetch robots.txt
    int slot = -1;                       // a cluster request slot taken for the next start (HostPace)
    std::string refused;                 // kRefused: the failure reason given to its URLs
    // When the next request may start: the delay, the concurrency, Retry-After and robots.txt holds.
    // Every request to the origin (robots.txt, sitemaps, pages) is Started and Finished on it.
    OriginPacer pacer;
    std::deque<store::LeasedUrl> waiting;
    std::deque<Url> sitemaps;            // to fetch
  };
  enum class Kind { kPage, kRobots, kSitemap };
  struct Transfer {
    Kind kind = Kind::kPage;
    std::string origin;                 // the OriginState it counts against
    store::LeasedUrl url;               // kPage
    Url page_url{};                     // kPage: url.url parsed (a copy of the request's), for the page value
    std::string target;                 // kRobots, kSitemap: the URL requested
    int hops = 0;                       // kRobots: redirects followed
    int slot = -1;                      // the cluster request slot it holds until its response (HostPace)
  };

  OriginState& Origin(const std::string& name);
  void DispatchOrigin(const std::string& name, OriginState& o);
  // One page request; false when the URL failed instead (it does not parse, robots.txt disallows it).
  bool SubmitPage(const std::string& name, OriginState& o, store::LeasedUrl url);
  void Submit(OriginState& o, net::FetchRequest request);
  // A request may start on the origin now: its pacer allows it, and (with a shared HostPace) it holds
  // one of the cluster's request slots of the origin and, with a delay, the cluster's start reserved
  // for it has come. A start further off is kept on the pacer; no free slot: the origin is looked at
  // again after kSlotPoll.
  bool ClearedToStart(const std::string& name, OriginState& o);
  // The owner of this run's cluster request slots: the lease owner and the run's number in the process.
  const std::string& SlotOwner();
  // How long a request slot is leased: the longest a request may take, and a margin.
  std::chrono::milliseconds SlotLease() const;
  // The origin's unused request slot goes back (queued on the HostPace, freed by its next statement).
  void ReturnSlot(const std::string& name, OriginState& o);
  // A request's cluster slot (-1: none) is free again (queued on the HostPace, as ReturnSlot).
  void FreeSlot(const std::string& origin, int slot);
  // An origin nothing may be sent to for longer than max_idle_wait (an unreachable robots.txt, a long
  // Retry-After): how long until that hold ends, or nullopt when it is not held that long.
  std::optional<std::chrono::milliseconds> LongHold(const OriginState& o) const;

  // robots.txt (origin_robots.cc).
  void SubmitRobots(const std::string& name, OriginState& o, const std::string& url, int hops);
  // With a shared HostPace: robots.txt from the database (kReady, true), or the claim to fetch it
  // (true: go on and fetch), or another process is fetching it (false: look again shortly).
  bool RobotsFromCluster(const std::string& name, OriginState& o);
  // Applies robots.txt's answer (`status`, `body`, valid `lifetime`) to the origin; `fetched_here`
  // queues its sitemaps.
  void UseRobots(const std::string& name, OriginState& o, int status, const std::string& body,
                 std::chrono::seconds lifetime, bool fetched_here);
  // The claim to fetch robots.txt ends without an answer (another process may try).
  void ReleaseRobotsClaim(const std::string& name, OriginState& o);
  // The origin cannot be visited (its address is refused, its robots.txt URL is not one): its URLs fail
  // with `reason`.
  void Refuse(const std::string& name, OriginState& o, std::string reason);
  void HandleRobots(Transfer& t, net::FetchResult& result);
  // robots.txt could not be had (`why`): try again after the retry backoff (or the server's Retry-After,
  // `at_least`, when longer), or hold the origin.
  void RobotsUnreachable(const std::string& name, OriginState& o, const std::string& why, bool retriable,
                         std::chrono::milliseconds at_least);

  RunContext& run_;
  UrlOutcomes& outcomes_;
  PagePipeline& pipeline_;
  SitemapReader& sitemap_reader_;
  net::RobotsCache robots_;
  std::string slot_owner_;  // the owner of this run's cluster request slots (HostPace); set by SlotOwner()

  std::map<std::string, OriginState> origins_;  // never erased: pointers to its values stay valid
  std::vector<OriginState*> just_started_;        // origins given a request since the last SendStarted
  std::unordered_map<uint64_t, Transfer> transfers_;
  uint64_t next_context_ = 1;
  Steady::time_point next_lease_{};
  Steady::time_point next_probe_{};  // when every known origin is full: next look for unseen ones
  std::set<std::string> sitemaps_seen_;
  bool origin_answered_ = false;
  bool origin_held_ = false;
  std::map<std::string, std::string> unreachable_;
};

}  // namespace hc::crawl::internal
