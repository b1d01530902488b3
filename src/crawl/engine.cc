// The crawl engine: one fetch loop (this thread), a pool of parse workers and one store writer, joined
// by bounded queues. See crawl.h for the shape and docs/crawling.md for the behaviour.
//
// Every leased URL ends in exactly one of: a WriteItem (done, failed or redirected: the writer records
// it with Frontier::Complete), Frontier::Retry (a transient failure with attempts left) or
// Frontier::Release (the crawl stopped first, or its origin's robots.txt is unreachable). The frontier
// is touched under `store_mu_` only, by this thread (leases, retries, releases, sitemap URLs) and by the
// writer (completions, commits).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/log.h"
#include "core/url.h"
#include "crawl/crawl.h"
#include "crawl/crawl_internal.h"
#include "crawl/drift_check_internal.h"
#include "crawl/origin_pacer.h"
#include "crawl/parse_pipeline.h"
#include "crawl/poison_internal.h"

namespace hc::crawl {
namespace {

using internal::HeaderValue;
using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kMaxRedirects = 5;  // hops followed from one URL (robots.txt: RFC 9309 §2.3.1.2 says 5)
// The longest the fetch loop sleeps in Perform when nothing is due sooner. Transfers finishing and the
// writer (Wakeup) end a sleep by themselves, and the loop computes when the next request may start
// (OriginPacer); but the stop flag, set by a signal handler, and queued URLs whose backoff ends in the
// frontier are only seen by looking.
constexpr milliseconds kLongestSleep{100};

// fetch loop -> parse workers
struct FetchedPage {
  store::LeasedUrl url;
  store::RawResponse response;
  int attempts = 1;
};

// parse workers (or the fetch loop) -> the writer
struct WriteItem {
  store::UrlOutcome outcome;
  std::optional<store::PageObservation> page;
  std::optional<store::RawResponse> warc;
};

// What an item holds in memory, near enough for the write queue's byte budget.
std::size_t WriteItemBytes(const WriteItem& item) {
  std::size_t bytes = sizeof(WriteItem) + item.outcome.detail.size();
  for (const store::NewUrl& n : item.outcome.discovered) {
    bytes += sizeof(n) + n.site.size() + n.url.size() + n.url_key.size() + n.origin.size() + n.discovered_from.size();
  }
  if (item.page && item.page->raw) bytes += item.page->raw->body.size();
  if (item.warc) bytes += item.warc->body.size();
  return bytes;
}

std::string HostName() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return host[0] ? host : "localhost";
}

std::string DefaultOwner() { return HostName() + ":" + std::to_string(getpid()); }

// "https://www.mfk.com" or "http://127.0.0.1:8080": where politeness and robots.txt apply.
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

// "http://user:pass@host/" or "http://evil.example.com@host/": credentials (or a host name made to look
// like one) in a URL from the web. Such URLs are dropped wherever they come from; nothing is sent.
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

class Engine {
 public:
  Engine(const extract::SelectorProgram& program, store::Frontier& frontier, const CrawlOptions& options)
      : program_(program),
        config_(program.config()),
        frontier_(frontier),
        options_(options),
        clock_(options.clock ? *options.clock : system_clock_),
        robots_(clock_),
        pipeline_({.queue_capacity = options.queue_capacity,
                   .parse_queue_bytes = options.parse_queue_bytes,
                   .write_queue_bytes = options.write_queue_bytes,
                   .parse_bytes = options.parse_bytes},
                  [this](int worker, FetchedPage& page) { return ParsePage(worker, page); },
                  [this](WriteItem& item) { WriteOne(item); }, [this](bool last) { WriterTick(last); }),
        sent_links_(options.sent_link_slots),
        rng_(std::random_device{}()) {}

  Result<CrawlReport> Run();

 private:
  struct OriginState {
    OriginState(const Clock& pace_clock, internal::OriginPacer::Policy policy) : pacer(pace_clock, policy) {}

    // kRefused: the origin cannot be visited at all under this configuration (its address is refused by
    // the address filter): its URLs fail at once instead of waiting. kBlocked: robots.txt could not be
    // had; it is tried again when the pacer's hold ends.
    enum class Robots { kUnknown, kFetching, kReady, kBlocked, kRefused };
    Robots robots = Robots::kUnknown;
    std::shared_ptr<const net::RobotsPolicy> policy;
    int robots_tries = 0;                // failed tries of robots.txt since the last hold (or the start)
    int robots_holds = 0;                // holds this run: each one doubles the next
    std::string refused;                 // kRefused: the failure reason given to its URLs
    // When the next request may start: the delay, the concurrency, Retry-After and robots.txt holds.
    // Every request to the origin (robots.txt, sitemaps, pages) is Started and Finished on it.
    internal::OriginPacer pacer;
    std::deque<store::LeasedUrl> waiting;
    std::deque<std::string> sitemaps;    // to fetch
  };
  enum class Kind { kPage, kRobots, kSitemap };
  struct Transfer {
    Kind kind = Kind::kPage;
    std::string origin;                 // the OriginState it counts against
    store::LeasedUrl url;               // kPage
    std::string target;                 // kRobots, kSitemap: the URL requested
    int hops = 0;                       // kRobots: redirects followed
  };

  // --- setup -------------------------------------------------------------------------------------
  Status Seed();
  // `priority`: the URL's page-type priority when the caller knows it already (a link's, from the
  // extraction that classified it); matched here otherwise.
  store::NewUrl MakeNewUrl(const std::string& url, const std::string& key, const Url& parsed, int depth,
                           int redirects, const std::string& from, std::optional<int> priority = std::nullopt) const;

  // --- the fetch loop ----------------------------------------------------------------------------
  void FetchLoop();
  bool LeaseMore(bool idle = false);
  void Dispatch();
  void DispatchOrigin(const std::string& name, OriginState& o);
  // Has libcurl begin the requests started since the last call (Perform without waiting), then counts
  // their origins' next starts from now (OriginPacer::Sent).
  void SendStarted();
  void SubmitRobots(const std::string& name, OriginState& o, const std::string& url, int hops);
  void HandleResult(net::FetchResult& result);
  void HandlePage(Transfer& t, net::FetchResult& result);
  void HandleRobots(Transfer& t, net::FetchResult& result);
  // robots.txt could not be had (`why`): try again after the retry backoff (or the server's Retry-After,
  // `at_least`, when longer), or hold the origin.
  void RobotsUnreachable(const std::string& name, OriginState& o, const std::string& why, bool retriable,
                         milliseconds at_least);
  // A 429 or 5xx's Retry-After as a wait, capped at max_retry_after; 0 without one.
  milliseconds RetryAfterOf(const net::FetchResult& result) const;
  void HandleSitemap(Transfer& t, net::FetchResult& result);
  void RetryOrFail(const store::LeasedUrl& url, const std::string& reason, int status, milliseconds at_least);
  void Fail(const store::LeasedUrl& url, const std::string& reason, int status, int attempts);
  void Redirect(const store::LeasedUrl& url, const net::FetchResult& result);
  // A revisit that found the page as it was (304, or the same body): recorded, not re-extracted.
  void Unchanged(const store::LeasedUrl& url, int status, const store::Headers& headers, const std::string& body_sha1);
  const extract::RevisitPolicy& RevisitOf(const std::string& url) const;
  // A done outcome for a visit that found `change`, with the validators to keep and the next revisit.
  store::UrlOutcome VisitOutcome(const store::LeasedUrl& url, int status, const store::Headers& headers,
                                 std::string body_sha1, store::PageChange change) const;
  void ReleaseAll(std::deque<store::LeasedUrl>& urls, TimePoint not_before);
  void QueueSitemap(const std::string& url);
  bool PipelineHasRoom() const;
  // An origin nothing may be sent to for longer than max_idle_wait (an unreachable robots.txt, a long
  // Retry-After): how long until that hold ends, or nullopt when it is not held that long.
  std::optional<milliseconds> LongHold(const OriginState& o) const;
  // With nothing in flight, URLs waiting behind a long hold go back to the queue (eligible when it ends),
  // so that the idle rule can end the run instead of idling through the hold.
  void ReleaseLongHolds();
  // How long the loop may wait for activity: until the earliest moment something is due that nothing
  // wakes it for (an origin's next start, the next lease), at most kLongestSleep.
  Steady::duration IdleWait() const;
  bool Stopping() const;
  void SetFatal(Status s);
  void ShowProgress(bool final);
  OriginState& Origin(const std::string& name);

  // --- workers and writer ------------------------------------------------------------------------
  using Pipeline = internal::ParsePipeline<FetchedPage, WriteItem>;
  // On a parse worker: the page made into what the writer records (nothing when it went back to the queue).
  std::optional<Pipeline::Parsed> ParsePage(int slot, FetchedPage& fetched);
  // On the writer thread: records one item; commits at least every commit_interval, and at the end.
  void WriteOne(WriteItem& item);
  void WriterTick(bool last);
  // The writer's heartbeat: the run is alive, with its counts so far (under store_mu_).
  void Heartbeat();
  // `extra_bytes`: memory the item holds beyond what WriteItemBytes sees (a parsed page's records).
  void PushWrite(WriteItem item, std::size_t extra_bytes = 0);
  // A parse worker releases its page instead of parsing it: after a fatal error, or once the stop's
  // grace period is over (a page of 300,000 links takes a worker a second or more).
  bool PastStopDeadline() const;
  // With parse marks: the URL's frontier row must be committed before its page is marked, or a death
  // would take the row back and the mark would count against nothing (or against the next URL given
  // the same id). A page parsed within the same batch that discovered it commits that batch early.
  void CommitBeforeParse(int64_t id);

  const extract::SelectorProgram& program_;
  const extract::SiteConfig& config_;
  store::Frontier& frontier_;
  const CrawlOptions& options_;
  SystemClock system_clock_;
  const Clock& clock_;
  internal::MonotonicClock pace_clock_;  // politeness timing (OriginPacer)
  net::RobotsCache robots_;

  // settings resolved from options and config
  std::string owner_;
  int max_pages_ = 0;
  int max_depth_ = 0;
  int concurrency_ = 1;
  internal::OriginPacer::Policy pace_policy_;  // delay, concurrency and Crawl-delay cap of every origin
  int64_t budget_ = -1;  // final outcomes this run may produce; -1 = unbounded
  bool dataset_limit_reached_ = false;
  int64_t run_id_ = 0;   // crawl_runs row; 0 without a RunLog
  int64_t total_before_ = 0;  // URLs in the frontier before this run
  int workers_ = 1;
  std::unique_ptr<internal::ParseMarks> parse_marks_;  // null without CrawlOptions::parse_marks
  std::shared_mutex parse_gate_;                       // internal::MarkedParse
  std::atomic<int64_t> committed_id_{0};               // URLs with ids up to this are committed
  std::vector<store::LeasedUrl> poisoned_;             // to fail once the writer runs

  std::unique_ptr<net::Fetcher> fetcher_;
  std::mutex store_mu_;
  Pipeline pipeline_;               // parse workers and the writer (parse_pipeline.h)
  internal::SentLinks sent_links_;  // parse workers: links already handed to the writer this run
  Steady::time_point last_commit_{};     // the writer's
  Steady::time_point last_heartbeat_{};  // the writer's
  std::atomic<int64_t> pipeline_pending_{0};   // pushed to a queue, not yet recorded by the writer
  std::atomic<bool> frontier_changed_{false};  // the writer added URLs since the last lease
  std::atomic<bool> internal_stop_{false};     // a fatal error
  std::atomic<int64_t> stop_deadline_{0};      // steady-clock nanoseconds; 0 until a stop is seen
  std::mutex fatal_mu_;
  Status fatal_;

  // fetch-loop state
  std::map<std::string, OriginState> origins_;  // never erased: pointers to its values stay valid
  std::vector<OriginState*> just_started_;        // origins given a request since the last SendStarted
  std::unordered_map<uint64_t, Transfer> transfers_;
  uint64_t next_context_ = 1;
  int64_t held_ = 0;          // leased URLs held by the fetch loop (waiting or in flight)
  int64_t final_ = 0;         // final outcomes decided this run (max_pages)
  Steady::time_point next_lease_{};
  Steady::time_point next_probe_{};  // when every known origin is full: next look for unseen ones
  std::set<std::string> sitemaps_seen_;
  bool stopping_ = false;
  std::mt19937_64 rng_;
  Steady::time_point started_{};
  Steady::time_point last_progress_{};
  int64_t queued_cache_ = 0;
  Steady::time_point queued_checked_{};
  bool progress_terminal_ = false;
  std::string user_agent_;  // the command line's or job's, else the config's; also the robots.txt agent
  // Per-URL debug lines: the fetch of each URL whose outcome the writer has yet to store, by frontier id.
  bool log_urls_ = false;
  std::mutex field_notes_mu_;
  extract::NoteTally field_notes_;  // every worker's pages; one entry per failing field
  internal::DriftCheck drift_{program_};  // fill counts of every extracted page (docs/drift.md)
  std::mutex url_notes_mu_;
  std::unordered_map<int64_t, internal::FetchNote> url_notes_;

  // counters (the writer and workers update some)
  std::atomic<int64_t> requests_{0}, fetched_{0}, stored_{0}, failed_{0}, redirected_{0}, retries_{0}, bytes_{0},
      sitemaps_read_{0}, pages_new_{0}, pages_changed_{0}, pages_unchanged_{0}, pages_gone_{0};
  int64_t requeued_ = 0;
  bool origin_answered_ = false;  // some robots.txt got an answer (the run reached a server)
  bool origin_held_ = false;      // some origin was held for an unreachable robots.txt
  std::map<std::string, std::string> unreachable_;  // origin -> why its robots.txt could not be had
  std::mutex failures_mu_;
  std::map<std::string, int64_t> failures_;
};

// ---------------------------------------------------------------------------------------------------

Engine::OriginState& Engine::Origin(const std::string& name) {
  return origins_.try_emplace(name, pace_clock_, pace_policy_).first->second;
}

bool Engine::PastStopDeadline() const {
  if (internal_stop_.load()) return true;
  const int64_t deadline = stop_deadline_.load();
  return deadline != 0 && Steady::now().time_since_epoch().count() >= deadline;
}

bool Engine::Stopping() const {
  return stopping_ || internal_stop_.load() || (options_.stop && options_.stop->load());
}

void Engine::SetFatal(Status s) {
  {
    std::lock_guard lock(fatal_mu_);
    if (fatal_.ok()) fatal_ = std::move(s);
  }
  internal_stop_ = true;
  if (fetcher_) fetcher_->Wakeup();
}

store::NewUrl Engine::MakeNewUrl(const std::string& url, const std::string& key, const Url& parsed, int depth,
                                 int redirects, const std::string& from, std::optional<int> priority) const {
  store::NewUrl n;
  n.site = config_.key;
  n.url = url;
  n.url_key = key;
  n.origin = OriginOf(parsed);
  n.depth = depth;
  n.redirects = redirects;
  n.discovered_from = from;
  if (priority) {
    n.priority = *priority;
  } else if (const auto* type = program_.MatchPageType(url)) {
    n.priority = type->priority;
  }
  n.not_before = clock_.Now();
  return n;
}

Status Engine::Seed() {
  const auto& starts = options_.start_urls.empty() ? config_.start_urls : options_.start_urls;
  std::vector<store::NewUrl> seeds;
  for (const auto& start : starts) {
    auto parsed = Url::Parse(start);
    if (start.size() > static_cast<std::size_t>(config_.max_url_length)) {
      return Status::InvalidArgument("a start URL of " + std::to_string(start.size()) +
                                     " bytes is longer than max_url_length (" +
                                     std::to_string(config_.max_url_length) + ")");
    }
    if (!parsed.ok() || !parsed->is_http()) {
      return Status::InvalidArgument("start URL '" + start + "' is not an http(s) URL");
    }
    if (HasUserinfo(*parsed)) {
      return Status::InvalidArgument("start URL '" + start + "' carries credentials (user:pass@), which are never sent");
    }
    auto key = NormalizeUrl(*parsed, config_.url_normalization);
    if (!key.ok()) return Status::InvalidArgument("start URL '" + start + "': " + key.status().message());
    seeds.push_back(MakeNewUrl(parsed->href(), *key, *parsed, 0, 0, ""));
  }
  std::lock_guard lock(store_mu_);
  auto before = frontier_.CountUrls(config_.key);
  if (!before.ok()) return before.status();
  total_before_ = before->total();
  auto added = frontier_.AddUrls(seeds);
  if (!added.ok()) return added.status();
  auto recovered = frontier_.RecoverLeases(config_.key, clock_.Now(), /*all=*/true);
  if (!recovered.ok()) return recovered.status();
  if (*recovered > 0) {
    spdlog::info("crawl {}: {} URLs in flight when the last crawl stopped went back to the queue", config_.key,
                 *recovered);
  }
  if (!options_.parse_marks.empty()) {
    auto poisoned = internal::StartParseMarks(options_.parse_marks, workers_, frontier_, config_.key, owner_,
                                              clock_.Now(), &parse_marks_);
    if (!poisoned.ok()) return poisoned.status();
    poisoned_ = std::move(*poisoned);
  }
  // Revisits come before the page limit is worked out: a page due again is no longer "done".
  auto due = frontier_.RequeueDue(config_.key, clock_.Now(), options_.recrawl == CrawlOptions::Recrawl::kAll);
  if (!due.ok()) return due.status();
  requeued_ = *due;
  if (*due > 0) spdlog::info("crawl {}: {} known pages are due for a revisit", config_.key, *due);
  auto counts = frontier_.CountUrls(config_.key);
  if (!counts.ok()) return counts.status();
  // The per-run limit counts from this run's start; only the dataset limit looks at earlier runs.
  if (max_pages_ > 0) budget_ = max_pages_;
  const int max_dataset = options_.max_dataset_pages >= 0 ? options_.max_dataset_pages : config_.max_dataset_pages;
  if (max_dataset > 0) {
    const int64_t left = std::max<int64_t>(0, max_dataset - (counts->done + counts->failed));
    budget_ = budget_ < 0 ? left : std::min(budget_, left);
    if (left == 0) {
      dataset_limit_reached_ = true;
      spdlog::info("crawl {}: the dataset limit ({} pages done or failed) is already reached", config_.key,
                   max_dataset);
    }
  }
  return frontier_.Flush();
}

// --- fetch loop --------------------------------------------------------------------------------------

bool Engine::PipelineHasRoom() const {
  const std::size_t busy = pipeline_.pages_waiting() + pipeline_.items_waiting() + fetcher_->Outstanding();
  if (busy >= options_.queue_capacity) return false;
  // The byte budget: a few huge pages waiting for a worker hold back new requests as many small ones do.
  return options_.parse_queue_bytes == 0 || pipeline_.page_bytes_waiting() < options_.parse_queue_bytes;
}

std::optional<milliseconds> Engine::LongHold(const OriginState& o) const {
  // Only the server's holds count (Retry-After, an unreachable robots.txt): a long politeness delay of
  // the config's own is waited through.
  const TimePoint until = o.pacer.held_until();
  const TimePoint now = pace_clock_.Now();
  if (until <= now) return std::nullopt;
  const auto left = std::chrono::ceil<milliseconds>(until - now);
  if (left > options_.max_idle_wait) return left;
  return std::nullopt;
}

void Engine::ReleaseLongHolds() {
  for (auto& [name, o] : origins_) {
    if (o.waiting.empty() || o.pacer.in_flight() > 0) continue;
    if (auto left = LongHold(o)) ReleaseAll(o.waiting, clock_.Now() + *left);
  }
}

Steady::duration Engine::IdleWait() const {
  Steady::duration wait = kLongestSleep;
  const auto steady_now = Steady::now();
  if (next_lease_ > steady_now) wait = std::min(wait, next_lease_ - steady_now);
  const TimePoint now = pace_clock_.Now();
  const bool room = PipelineHasRoom();
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

// Leases URLs in batches: up to about 4 x concurrency URLs for the origins that can take more. An
// origin holding 2 x concurrency or more is full and skipped, so one busy or slow origin cannot use up
// the buffer of the others (what one origin holds is bounded by its cap plus one lease). True when
// some came.
bool Engine::LeaseMore(bool idle) {
  if (Stopping()) return false;
  const auto now = Steady::now();
  int64_t want = 4 * concurrency_ + 4;
  const int64_t per_origin_cap = 2 * concurrency_ + 2;
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
  const bool changed = frontier_changed_.exchange(false);
  if (!changed && now < next_lease_) return false;
  want -= waiting;
  if (budget_ >= 0) want = std::min(want, budget_ - final_ - held_);
  if (want <= 0 || !PipelineHasRoom()) {
    next_lease_ = now + milliseconds(50);
    return false;
  }
  store::LeaseRequest request;
  request.site = config_.key;
  request.owner = owner_;
  request.max_urls = static_cast<int>(want);
  request.now = clock_.Now();
  request.skip_origins = std::move(skip);
  Result<std::vector<store::LeasedUrl>> leased = [&] {
    std::lock_guard lock(store_mu_);
    return frontier_.Lease(request);
  }();
  if (!leased.ok()) {
    SetFatal(leased.status());
    return false;
  }
  if (leased->empty()) {
    next_lease_ = now + milliseconds(200);
    if (!hungry) next_probe_ = now + std::chrono::seconds(1);  // no other origin has URLs now
    return false;
  }
  for (auto& url : *leased) {
    ++held_;
    Origin(url.origin).waiting.push_back(std::move(url));
  }
  next_lease_ = now;
  return true;
}

void Engine::SubmitRobots(const std::string& name, OriginState& o, const std::string& url, int hops) {
  o.robots = OriginState::Robots::kFetching;
  const uint64_t id = next_context_++;
  transfers_[id] = Transfer{.kind = Kind::kRobots, .origin = name, .url = {}, .target = url, .hops = hops};
  net::FetchRequest request;
  request.url = url;
  request.context_id = id;
  request.headers = {{"Accept", "text/plain,*/*;q=0.5"}};
  // A little more than the parse limit, so that the policy sees every byte it may use.
  request.max_body_bytes = net::kRobotsParseLimit + 64 * 1024;
  ++requests_;
  o.pacer.Started();  // robots.txt counts: the origin's first page starts a delay after it
  just_started_.push_back(&o);
  fetcher_->Submit(std::move(request));
}

void Engine::Dispatch() {
  for (auto& [name, o] : origins_) DispatchOrigin(name, o);
}

void Engine::DispatchOrigin(const std::string& name, OriginState& o) {
  if (o.robots == OriginState::Robots::kRefused) {
    while (!o.waiting.empty()) {
      store::LeasedUrl url = std::move(o.waiting.front());
      o.waiting.pop_front();
      --held_;
      Fail(url, o.refused, 0, url.attempts + 1);
    }
    return;
  }
  if (o.robots == OriginState::Robots::kBlocked) {
    if (pace_clock_.Now() < o.pacer.held_until()) return;
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
    if ((o.waiting.empty() && o.sitemaps.empty()) || Stopping()) return;
    if (!o.pacer.MayStart()) return;
    SubmitRobots(name, o, name + "/robots.txt", 0);
    return;
  }
  if (o.robots != OriginState::Robots::kReady) return;

  while (!Stopping() && (!o.waiting.empty() || !o.sitemaps.empty()) && o.pacer.MayStart()) {
    if (!PipelineHasRoom()) return;
    const uint64_t id = next_context_++;
    net::FetchRequest request;
    request.context_id = id;
    if (!o.sitemaps.empty()) {
      request.url = o.sitemaps.front();
      o.sitemaps.pop_front();
      request.max_body_bytes = options_.max_sitemap_bytes;
      request.headers = {{"Accept", "application/xml,text/xml;q=0.9,*/*;q=0.5"}};
      transfers_[id] = Transfer{.kind = Kind::kSitemap, .origin = name, .url = {}, .target = request.url, .hops = 0};
    } else {
      store::LeasedUrl url = std::move(o.waiting.front());
      o.waiting.pop_front();
      auto parsed = Url::Parse(url.url);
      if (!parsed.ok()) {
        --held_;
        Fail(url, "bad url: " + parsed.status().message(), 0, url.attempts);
        continue;
      }
      const net::RobotsDecision decision = o.policy->Allowed(user_agent_, PathAndQuery(*parsed));
      if (!decision.allowed) {
        --held_;
        Fail(url, "robots: disallowed by " + decision.Explain(), 0, url.attempts);
        continue;
      }
      request.url = url.url;
      if (url.visits > 0) {
        // A revisit: the server may answer 304 Not Modified instead of the body (RFC 9110 §13.1).
        request.if_none_match = url.etag;
        request.if_modified_since = url.last_modified;
      }
      transfers_[id] = Transfer{.kind = Kind::kPage, .origin = name, .url = std::move(url), .target = {}, .hops = 0};
    }
    ++requests_;
    o.pacer.Started();
    just_started_.push_back(&o);
    fetcher_->Submit(std::move(request));
  }
}

void Engine::SendStarted() {
  // Without a delay there is no next start to count: the main Perform sends them, as it always did.
  const bool paced = std::any_of(just_started_.begin(), just_started_.end(),
                                 [](const OriginState* o) { return o->pacer.delay() > internal::Duration::zero(); });
  if (!paced) {
    just_started_.clear();
    return;
  }
  std::vector<net::FetchResult> results = fetcher_->Perform(milliseconds(0));
  for (OriginState* o : just_started_) o->pacer.Sent();
  just_started_.clear();
  for (net::FetchResult& result : results) HandleResult(result);  // may start a robots.txt redirect hop
}

void Engine::HandleResult(net::FetchResult& result) {
  auto it = transfers_.find(result.context_id);
  if (it == transfers_.end()) return;
  Transfer t = std::move(it->second);
  transfers_.erase(it);
  bytes_ += static_cast<int64_t>(result.body.size());
  switch (t.kind) {
    case Kind::kRobots: HandleRobots(t, result); break;
    case Kind::kSitemap: HandleSitemap(t, result); break;
    case Kind::kPage: HandlePage(t, result); break;
  }
}

void Engine::HandleRobots(Transfer& t, net::FetchResult& result) {
  OriginState& o = Origin(t.origin);
  o.pacer.Finished();
  const int status = result.ok() || result.error == net::FetchError::kTooLarge ? result.status : 0;
  if (status >= 300 && status < 400 && !result.location.empty() && t.hops < kMaxRedirects) {
    SubmitRobots(t.origin, o, result.location, t.hops + 1);
    return;
  }
  if (!result.ok() && (result.error == net::FetchError::kRefusedAddress || result.error == net::FetchError::kBadUrl)) {
    o.robots = OriginState::Robots::kRefused;
    o.refused = "network: " + std::string(net::FetchErrorName(result.error)) +
                (result.error_message.empty() ? "" : ": " + result.error_message);
    spdlog::warn("crawl {}: {} cannot be visited ({}); its URLs fail", config_.key, t.origin, o.refused);
    o.sitemaps.clear();
    return;
  }
  if (status == 0 || status == 429 || status >= 500 || status < 200) {
    const std::string why = status ? "http " + std::to_string(status)
                                   : std::string(net::FetchErrorName(result.error)) +
                                         (result.error_message.empty() ? "" : ": " + result.error_message);
    // As for a page: network errors that may pass, 429 and 5xx are tried again; the rest hold at once.
    RobotsUnreachable(t.origin, o, why, status != 0 || net::IsTransient(result.error), RetryAfterOf(result));
    return;
  }
  origin_answered_ = true;
  o.robots_tries = 0;
  o.robots_holds = 0;
  net::RobotsPolicy policy = net::PolicyForRobotsResponse(status, result.body);
  // The larger of the delay and the Crawl-delay (capped), counted from the robots.txt request's start.
  o.pacer.SetCrawlDelay(policy.CrawlDelay(user_agent_));
  if (options_.read_sitemaps) {
    for (const auto& sitemap : policy.sitemaps()) QueueSitemap(sitemap);
  }
  robots_.Put(t.origin, std::move(policy), net::RobotsCacheLifetime(status));
  o.policy = robots_.Get(t.origin);
  o.robots = OriginState::Robots::kReady;
}

milliseconds Engine::RetryAfterOf(const net::FetchResult& result) const {
  if (auto header = result.Header("retry-after")) {
    if (auto after = net::ParseRetryAfter(*header, clock_.Now())) {
      return std::min(std::chrono::duration_cast<milliseconds>(*after),
                      std::chrono::duration_cast<milliseconds>(options_.max_retry_after));
    }
  }
  return milliseconds(0);
}

void Engine::RobotsUnreachable(const std::string& name, OriginState& o, const std::string& why, bool retriable,
                               milliseconds at_least) {
  o.robots = OriginState::Robots::kBlocked;
  ++o.robots_tries;
  if (retriable && o.robots_tries < options_.max_attempts) {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    const milliseconds wait = std::max(
        at_least, RetryBackoff(o.robots_tries, options_.retry_base_delay, options_.retry_max_delay, jitter(rng_)));
    spdlog::info("crawl {}: {}/robots.txt: {}; try {} of {} in {} ms", config_.key, name, why, o.robots_tries + 1,
                 options_.max_attempts, wait.count());
    o.pacer.HoldUntil(pace_clock_.Now() + wait);  // the origin's URLs wait in the fetch loop meanwhile
    return;
  }
  const milliseconds wait = std::max(
      at_least,
      RobotsHoldWait(o.robots_holds, options_.robots_unreachable_wait,
                     std::max(options_.robots_unreachable_max_wait, options_.max_idle_wait + std::chrono::seconds(1))));
  ++o.robots_holds;
  o.robots_tries = 0;
  origin_held_ = true;
  unreachable_[name] = why;
  spdlog::warn("crawl {}: {}/robots.txt is unreachable ({}); its URLs wait {} before another try", config_.key, name,
               why, internal::FormatDuration(std::chrono::duration<double>(wait).count()));
  o.pacer.HoldUntil(pace_clock_.Now() + wait);
  ReleaseAll(o.waiting, clock_.Now() + wait);
  // Sitemaps are not worth holding the crawl open for; the next run reads them again.
  for (const auto& sitemap : o.sitemaps) spdlog::warn("crawl {}: sitemap {} skipped", config_.key, sitemap);
  o.sitemaps.clear();
}

void Engine::QueueSitemap(const std::string& url) {
  if (static_cast<int>(sitemaps_seen_.size()) >= options_.max_sitemaps) return;
  if (url.size() > static_cast<std::size_t>(config_.max_url_length)) {
    spdlog::warn("crawl {}: a sitemap URL of {} bytes (longer than max_url_length) skipped", config_.key, url.size());
    return;
  }
  auto parsed = Url::Parse(url);
  if (!parsed.ok() || !parsed->is_http() || HasUserinfo(*parsed)) {
    spdlog::warn("crawl {}: sitemap '{}' is not an http(s) URL without user:pass@; skipped", config_.key, url);
    return;
  }
  if (!sitemaps_seen_.insert(parsed->href()).second) return;
  Origin(OriginOf(*parsed)).sitemaps.push_back(parsed->href());
}

void Engine::HandleSitemap(Transfer& t, net::FetchResult& result) {
  OriginState& o = Origin(t.origin);
  o.pacer.Finished();
  if (!result.ok() || result.status != 200) {
    spdlog::warn("crawl {}: sitemap {}: {}", config_.key, t.target,
                 result.ok() ? "http " + std::to_string(result.status)
                             : std::string(net::FetchErrorName(result.error)) + ": " + result.error_message);
    return;
  }
  std::string body = std::move(result.body);
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b) {
    auto inflated = Gunzip(body, options_.max_sitemap_bytes);
    if (!inflated.ok()) {
      spdlog::warn("crawl {}: sitemap {}: {}", config_.key, t.target, inflated.status().message());
      return;
    }
    body = std::move(*inflated);
  }
  ++sitemaps_read_;
  Sitemap sitemap = ParseSitemap(body);
  if (sitemap.truncated) spdlog::warn("crawl {}: sitemap {} has more than 50000 entries; the rest are ignored", config_.key, t.target);
  if (sitemap.is_index) {
    for (const auto& loc : sitemap.locations) QueueSitemap(loc);
    return;
  }
  std::string().swap(body);  // only the locations are needed from here on
  // Added in chunks: a full sitemap (50,000 URLs) built into NewUrls at once raised the crawl's peak
  // RSS by 9 MB, and the writer waited for the store lock through the whole insert.
  constexpr std::size_t kChunk = 1000;
  std::vector<store::NewUrl> urls;
  urls.reserve(std::min(kChunk, sitemap.locations.size()));
  auto add = [&] {
    if (urls.empty()) return true;
    std::lock_guard lock(store_mu_);
    auto added = frontier_.AddUrls(urls);
    urls.clear();
    if (!added.ok()) {
      SetFatal(added.status());
      return false;
    }
    if (*added > 0) frontier_changed_ = true;
    return true;
  };
  int64_t with_userinfo = 0;
  int64_t too_long = 0;
  for (std::string& loc : sitemap.locations) {
    if (loc.size() > static_cast<std::size_t>(config_.max_url_length)) {
      ++too_long;
      std::string().swap(loc);
      continue;
    }
    auto parsed = Url::Parse(loc);
    std::string().swap(loc);
    if (!parsed.ok() || !parsed->is_http()) continue;
    if (HasUserinfo(*parsed)) {
      ++with_userinfo;
      continue;
    }
    auto key = NormalizeUrl(*parsed, config_.url_normalization);
    if (!key.ok()) continue;
    const extract::SelectorProgram::LinkClass link = program_.ClassifyLink(*key);
    if (!link.follow) continue;
    urls.push_back(MakeNewUrl(*key, *key, *parsed, 0, 0, t.target, link.page_type ? link.page_type->priority : 0));
    if (urls.size() == kChunk && !add()) return;
  }
  if (with_userinfo > 0) {
    spdlog::warn("crawl {}: sitemap {}: {} URLs with user:pass@ dropped", config_.key, t.target, with_userinfo);
  }
  if (too_long > 0) {
    spdlog::warn("crawl {}: sitemap {}: {} URLs longer than max_url_length ({} bytes) skipped", config_.key, t.target,
                 too_long, config_.max_url_length);
  }
  add();
}

void Engine::HandlePage(Transfer& t, net::FetchResult& result) {
  OriginState& o = Origin(t.origin);
  o.pacer.Finished();
  --held_;
  const store::LeasedUrl& url = t.url;
  if (log_urls_) {
    std::lock_guard lock(url_notes_mu_);
    url_notes_[url.id] = {url.url, result.status, static_cast<int64_t>(result.body.size()),
                          static_cast<int64_t>(result.timing.total.count() / 1000)};
  }
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
  ++fetched_;
  const int status = result.status;
  if (status == 429 || status >= 500) {
    const milliseconds wait = RetryAfterOf(result);
    // Slow down: nothing more goes to this origin before the server's wait is over.
    if (wait.count() > 0) o.pacer.HoldUntil(pace_clock_.Now() + wait);
    RetryOrFail(url, "http " + std::to_string(status), status, wait);
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
  FetchedPage page;
  page.url = url;
  page.attempts = url.attempts + 1;
  page.response.url = url.url;
  page.response.status = status;
  page.response.headers = std::move(result.headers);
  page.response.body = std::move(result.body);
  page.response.fetched_at = clock_.Now();
  ++final_;
  ++pipeline_pending_;
  const std::size_t bytes = page.response.body.size();
  pipeline_.Parse(std::move(page), bytes);
}

const extract::RevisitPolicy& Engine::RevisitOf(const std::string& url) const {
  static const extract::RevisitPolicy kNone{};
  const auto* type = program_.MatchPageType(url);
  return type ? type->revisit : kNone;
}

store::UrlOutcome Engine::VisitOutcome(const store::LeasedUrl& url, int status, const store::Headers& headers,
                                       std::string body_sha1, store::PageChange change) const {
  store::UrlOutcome o;
  o.id = url.id;
  o.owner = owner_;
  o.state = store::UrlState::kDone;
  o.attempts = url.attempts + 1;
  o.http_status = status;
  o.finished_at = clock_.Now();
  o.change = change;
  o.etag = HeaderValue(headers, "ETag");
  o.last_modified = HeaderValue(headers, "Last-Modified");
  o.body_sha1 = std::move(body_sha1);
  o.revisit = NextRevisit(RevisitOf(url.url), url.revisit, change);
  return o;
}

void Engine::Unchanged(const store::LeasedUrl& url, int status, const store::Headers& headers,
                       const std::string& body_sha1) {
  WriteItem item;
  item.outcome = VisitOutcome(url, status, headers, body_sha1, store::PageChange::kUnchanged);
  ++final_;
  ++pipeline_pending_;
  PushWrite(std::move(item));
}

void Engine::Redirect(const store::LeasedUrl& url, const net::FetchResult& result) {
  const std::string status = "http " + std::to_string(result.status);
  if (result.location.empty()) {
    Fail(url, status + " without Location", result.status, url.attempts + 1);
    return;
  }
  if (result.location.size() > static_cast<std::size_t>(config_.max_url_length)) {
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
  if (!HostAllowed(config_, target->host())) {
    Fail(url, "redirect: off-site " + target->href(), result.status, url.attempts + 1);
    return;
  }
  auto key = NormalizeUrl(*target, config_.url_normalization);
  if (!key.ok() || *key == url.url_key) {
    Fail(url, "redirect: to itself", result.status, url.attempts + 1);
    return;
  }
  WriteItem item;
  item.outcome.id = url.id;
  item.outcome.owner = owner_;
  item.outcome.state = store::UrlState::kRedirected;
  item.outcome.detail = target->href();
  item.outcome.attempts = url.attempts + 1;
  item.outcome.http_status = result.status;
  item.outcome.finished_at = clock_.Now();
  item.outcome.discovered.push_back(
      MakeNewUrl(target->href(), *key, *target, url.depth, url.redirects + 1, url.url_key));
  item.outcome.discovered.back().priority = std::max(item.outcome.discovered.back().priority, url.priority);
  ++pipeline_pending_;
  PushWrite(std::move(item));
}

void Engine::RetryOrFail(const store::LeasedUrl& url, const std::string& reason, int status, milliseconds at_least) {
  const int attempts = url.attempts + 1;
  if (attempts >= options_.max_attempts) {
    Fail(url, reason, status, attempts);
    return;
  }
  std::uniform_real_distribution<double> jitter(0.0, 1.0);
  const milliseconds wait = std::max(
      at_least, RetryBackoff(attempts, options_.retry_base_delay, options_.retry_max_delay, jitter(rng_)));
  Status s;
  {
    std::lock_guard lock(store_mu_);
    s = frontier_.Retry(url.id, owner_, attempts, clock_.Now() + wait, reason);
  }
  if (!s.ok() && s.code() != StatusCode::kBusy) {
    SetFatal(s);
    return;
  }
  ++retries_;
  if (log_urls_) {
    std::lock_guard lock(url_notes_mu_);
    url_notes_.erase(url.id);
  }
  spdlog::debug("crawl {}: {}: {}; retry {} in {} ms", config_.key, url.url, reason, attempts, wait.count());
}

void Engine::Fail(const store::LeasedUrl& url, const std::string& reason, int status, int attempts) {
  WriteItem item;
  item.outcome.id = url.id;
  item.outcome.owner = owner_;
  item.outcome.state = store::UrlState::kFailed;
  item.outcome.detail = reason;
  item.outcome.attempts = std::max(attempts, 1);
  item.outcome.http_status = status;
  item.outcome.finished_at = clock_.Now();
  store::PageObservation page;
  page.site = config_.key;
  page.url = url.url;
  page.url_key = url.url_key;
  page.http_status = status;
  page.fetched_at = item.outcome.finished_at;
  page.failure_reason = reason;
  if (const auto* type = program_.MatchPageType(url.url)) page.page_type = type->name;
  item.page = std::move(page);
  ++final_;
  ++pipeline_pending_;
  PushWrite(std::move(item));
}

void Engine::PushWrite(WriteItem item, std::size_t extra_bytes) {
  const std::size_t bytes = WriteItemBytes(item) + extra_bytes;
  if (!pipeline_.Write(std::move(item), bytes)) --pipeline_pending_;
}

void Engine::ReleaseAll(std::deque<store::LeasedUrl>& urls, TimePoint not_before) {
  std::lock_guard lock(store_mu_);
  for (const auto& url : urls) {
    Status s = frontier_.Release(url.id, owner_, not_before);
    if (!s.ok() && s.code() != StatusCode::kBusy) {
      spdlog::error("crawl {}: releasing {}: {}", config_.key, url.url, s.ToString());
    }
    --held_;
  }
  urls.clear();
}

void Engine::ShowProgress(bool final) {
  if (options_.progress == CrawlOptions::Progress::kOff) return;
  const auto now = Steady::now();
  const milliseconds interval = progress_terminal_ ? milliseconds(250) : options_.progress_interval;
  if (!final && now - last_progress_ < interval) return;
  last_progress_ = now;
  if (now - queued_checked_ > std::chrono::seconds(2) || final) {
    queued_checked_ = now;
    std::lock_guard lock(store_mu_);
    auto counts = frontier_.CountUrls(config_.key);
    if (counts.ok()) queued_cache_ = counts->queued;
  }
  internal::ProgressSnapshot s;
  s.done = stored_ + failed_;
  s.failed = failed_;
  s.queued = queued_cache_;
  s.in_flight = static_cast<int64_t>(fetcher_->InFlight());
  s.bytes = bytes_;
  s.target = std::max<int64_t>(budget_, 0);
  s.seconds = std::chrono::duration<double>(now - started_).count();
  const std::string line = "crawl " + config_.key + ": " + internal::FormatProgress(s);
  if (progress_terminal_) {
    // Through the logger's status line, so that log lines are written above it, never glued onto it.
    if (final) {
      logging::EndStatusLine(line);
    } else {
      logging::ShowStatusLine(line);
    }
  } else if (!final) {
    spdlog::info("{}", line);
  }
}

void Engine::FetchLoop() {
  bool stop_seen = false;
  Steady::time_point stop_deadline{};
  while (true) {
    ShowProgress(false);
    if (Stopping() && !stop_seen) {
      stop_seen = true;
      // A storage failure waits for nothing: what is in flight could not be stored anyway.
      stop_deadline = Steady::now() + (internal_stop_ ? milliseconds(0) : options_.stop_grace);
      stop_deadline_ = stop_deadline.time_since_epoch().count();
      spdlog::info("crawl {}: stopping: finishing {} transfers in flight", config_.key, fetcher_->InFlight());
      for (auto& [name, o] : origins_) {
        ReleaseAll(o.waiting, clock_.Now());
        o.sitemaps.clear();
      }
    }
    if (stop_seen) {
      if (fetcher_->Outstanding() == 0 || Steady::now() >= stop_deadline) break;
    } else {
      while (LeaseMore()) {
      }
      // Nothing that takes the store's lock (a lease, the progress line's count) comes between a
      // request's start here and its sending: the writer holds that lock through a commit, and a start
      // that waited for it would be late.
      Dispatch();
      SendStarted();
      if (fetcher_->Outstanding() == 0 && pipeline_pending_ == 0) ReleaseLongHolds();
      const bool idle = held_ == 0 && fetcher_->Outstanding() == 0 && pipeline_pending_ == 0;
      bool sitemaps_pending = false;
      for (const auto& [name, o] : origins_) sitemaps_pending = sitemaps_pending || !o.sitemaps.empty();
      if (idle && !sitemaps_pending) {
        // Everything this loop started is recorded: look once more, then decide whether to wait.
        frontier_changed_ = true;
        if (LeaseMore(/*idle=*/true)) continue;
        if (budget_ >= 0 && final_ >= budget_) break;
        Result<store::FrontierCounts> counts = [&] {
          std::lock_guard lock(store_mu_);
          return frontier_.CountUrls(config_.key);
        }();
        if (!counts.ok()) {
          SetFatal(counts.status());
          continue;
        }
        if (counts->queued == 0 && counts->in_flight == 0) break;
        // What is left waits for a backoff, a Retry-After or an unreachable robots.txt: wait for it only
        // if it comes soon; otherwise end the run (the URLs stay queued for the next one).
        Result<std::optional<TimePoint>> next = [&] {
          std::lock_guard lock(store_mu_);
          return frontier_.NextEligible(config_.key);
        }();
        if (next.ok() && next->has_value()) {
          TimePoint due = **next;
          if (due <= clock_.Now()) {
            // Due URLs that LeaseMore skips: their origins are held. The earliest hold end is when the
            // run could go on.
            std::optional<milliseconds> earliest;
            for (const auto& [name, o] : origins_) {
              if (auto left = LongHold(o); left && (!earliest || *left < *earliest)) earliest = left;
            }
            if (earliest) due = clock_.Now() + *earliest;
          }
          if (due - clock_.Now() > options_.max_idle_wait) {
            spdlog::info("crawl {}: the {} queued URLs are not due before {}; ending this run (run it again then)",
                         config_.key, counts->queued, FormatUtc(due));
            break;
          }
        }
        next_lease_ = Steady::now() + milliseconds(100);  // queued but not yet eligible (backoff)
      }
    }
    // Not a fixed tick: until the next request may start (or the grace period ends), at most kLongestSleep.
    Steady::duration wait = stop_seen ? std::min<Steady::duration>(kLongestSleep, stop_deadline - Steady::now())
                                      : IdleWait();
    // curl_multi_poll counts whole milliseconds and sleeps the whole ones; the last fraction of a wait
    // (less than 1 ms, only when a start is that close) is slept here. Rounding it up instead would start
    // each paced request up to a millisecond late: at --delay 0.01, about 5% of the rate.
    if (wait > Steady::duration::zero() && wait < milliseconds(1)) {
      std::this_thread::sleep_for(wait);
      wait = Steady::duration::zero();
    }
    const milliseconds poll = std::max(milliseconds(0), std::chrono::floor<milliseconds>(wait));
    for (net::FetchResult& result : fetcher_->Perform(poll)) HandleResult(result);
  }
  // Whatever is still in flight after the grace period goes back to the queue.
  std::deque<store::LeasedUrl> abandoned;
  for (auto& [id, t] : transfers_) {
    if (t.kind == Kind::kPage) abandoned.push_back(std::move(t.url));
  }
  transfers_.clear();
  if (!abandoned.empty()) {
    spdlog::info("crawl {}: {} URLs in flight went back to the queue", config_.key, abandoned.size());
    ReleaseAll(abandoned, clock_.Now());
  }
  for (auto& [name, o] : origins_) ReleaseAll(o.waiting, clock_.Now());
}

// --- workers and writer ------------------------------------------------------------------------------

std::optional<Engine::Pipeline::Parsed> Engine::ParsePage(int slot, FetchedPage& fetched) {
  if (PastStopDeadline()) {
    // Parsing what is still queued could take long: the URL goes back to the queue instead, and the
    // next run fetches it again.
    std::lock_guard lock(store_mu_);
    Status s = frontier_.Release(fetched.url.id, owner_, clock_.Now());
    if (!s.ok() && s.code() != StatusCode::kBusy) spdlog::error("crawl {}: releasing {}: {}", config_.key, fetched.url.url, s.ToString());
    --pipeline_pending_;
    return std::nullopt;
  }
  const bool ok = fetched.response.status >= 200 && fetched.response.status <= 299;
  const std::string body_sha1 = ok ? store::HexLower(store::Sha1(fetched.response.body)) : std::string();
  if (ok && fetched.url.visits > 0 && body_sha1 == fetched.url.body_sha1) {
    // The same bytes as last time: the same records, so nothing to parse (the visit is still recorded).
    WriteItem item;
    item.outcome = VisitOutcome(fetched.url, fetched.response.status, fetched.response.headers, body_sha1,
                                store::PageChange::kUnchanged);
    item.outcome.attempts = fetched.attempts;
    item.outcome.finished_at = fetched.response.fetched_at;
    const std::size_t bytes = WriteItemBytes(item);
    return Pipeline::Parsed{std::move(item), bytes};
  }
  ObservedPage observed;
  {
    // Marked for the parse and extraction only: a death while fetching, waiting or writing is no
    // fault of the page's.
    CommitBeforeParse(fetched.url.id);
    internal::MarkedParse marked(parse_marks_.get(), parse_gate_, slot, fetched.url);
    internal::CrashHookForTests(fetched.url.url);
    observed = ObserveResponse(program_, fetched.response, options_.archive && ok);
  }
  if (!observed.field_notes.empty()) {
    std::lock_guard lock(field_notes_mu_);
    field_notes_.Add(fetched.response.url, observed.field_notes);
  }
  drift_.Add(observed.page);
  WriteItem item;
  const store::LeasedUrl& url = fetched.url;
  item.outcome.id = url.id;
  item.outcome.owner = owner_;
  item.outcome.state = observed.page.failure_reason.empty() ? store::UrlState::kDone : store::UrlState::kFailed;
  item.outcome.detail = observed.page.failure_reason;
  item.outcome.attempts = fetched.attempts;
  item.outcome.http_status = fetched.response.status;
  item.outcome.finished_at = fetched.response.fetched_at;
  if (item.outcome.state == store::UrlState::kDone) {
    const auto change = url.visits > 0 ? store::PageChange::kChanged : store::PageChange::kNew;
    store::UrlOutcome visit =
        VisitOutcome(url, fetched.response.status, fetched.response.headers, body_sha1, change);
    item.outcome.change = change;
    item.outcome.etag = std::move(visit.etag);
    item.outcome.last_modified = std::move(visit.last_modified);
    item.outcome.body_sha1 = std::move(visit.body_sha1);
    item.outcome.revisit = visit.revisit;
  } else if (url.visits > 0 && (fetched.response.status == 404 || fetched.response.status == 410)) {
    item.outcome.change = store::PageChange::kGone;
  }
  // The page is stored under the URL it was fetched as; the frontier knows it by the same key.
  observed.page.url_key = url.url_key;
  const int depth = url.depth + 1;
  if (max_depth_ == 0 || depth <= max_depth_) {
    int64_t with_userinfo = 0;
    for (size_t i = 0; i < observed.links.size(); ++i) {
      const std::string& link = observed.links[i];
      // A link sent before (on this page's neighbours, in the navigation) would cost the writer an
      // insert that does nothing.
      if (!sent_links_.FirstTime(link)) continue;
      auto parsed = Url::Parse(link);
      if (!parsed.ok()) continue;
      if (HasUserinfo(*parsed)) {
        ++with_userinfo;
        continue;
      }
      // The link is its own key: the store takes url for an empty url_key, and the copy is not kept.
      item.outcome.discovered.push_back(
          MakeNewUrl(link, std::string(), *parsed, depth, 0, url.url_key, observed.link_priorities[i]));
    }
    if (with_userinfo > 0) {
      observed.page.links_dropped += with_userinfo;
      observed.page.limits.push_back(std::to_string(with_userinfo) + " links with user:pass@ dropped");
    }
  }
  // The records and the rest of the observation are estimated at the body's size.
  const std::size_t page_bytes = fetched.response.body.size();
  if (options_.warc) item.warc = std::move(fetched.response);
  item.page = std::move(observed.page);
  const std::size_t bytes = WriteItemBytes(item) + page_bytes;
  return Pipeline::Parsed{std::move(item), bytes};
}

void Engine::CommitBeforeParse(int64_t id) {
  if (!parse_marks_ || id <= committed_id_) return;
  std::lock_guard lock(store_mu_);
  if (!frontier_.UrlIsCommitted(id)) {
    Status s = frontier_.Flush();
    if (!s.ok()) SetFatal(s);
  }
  if (committed_id_ < id) committed_id_ = id;  // ids grow with insertion: every lower id is committed too
}

void Engine::WriterTick(bool last) {
  if (options_.runs && !last && Steady::now() - last_heartbeat_ >= options_.heartbeat_interval) {
    Heartbeat();
    last_heartbeat_ = Steady::now();
  }
  if (!last && Steady::now() - last_commit_ < options_.commit_interval) return;
  Status s;
  {
    std::lock_guard lock(store_mu_);
    s = frontier_.Flush();
  }
  if (!s.ok()) SetFatal(s);
  last_commit_ = Steady::now();
}

void Engine::WriteOne(WriteItem& item) {
  if (internal_stop_) {
    // Storage failed (a full disk): nothing more can be stored. The URL stays in flight in the
    // frontier, and the next run's start queues it again.
    --pipeline_pending_;
    return;
  }
  Status s;
  item.outcome.run_id = run_id_;
  {
    std::lock_guard lock(store_mu_);
    s = frontier_.Complete(item.outcome, item.page ? &*item.page : nullptr);
    if (s.code() == StatusCode::kInvalidArgument && item.page) {
      // The store refused the page (a record it cannot hold): the URL still gets its final state.
      spdlog::error("crawl {}: {}: the store refused the page: {}", config_.key, item.page->url, s.message());
      item.outcome.state = store::UrlState::kFailed;
      item.outcome.detail = "store: " + s.message();
      store::PageObservation failed_page = *item.page;
      failed_page.records = store::Json::array();
      failed_page.failure_reason = item.outcome.detail;
      s = frontier_.Complete(item.outcome, &failed_page);
    }
  }
  if (s.code() == StatusCode::kBusy) {
    spdlog::warn("crawl {}: {}", config_.key, s.message());
  } else if (!s.ok()) {
    SetFatal(s);
  } else {
    switch (item.outcome.change) {
      case store::PageChange::kNew: ++pages_new_; break;
      case store::PageChange::kChanged: ++pages_changed_; break;
      case store::PageChange::kUnchanged: ++pages_unchanged_; break;
      case store::PageChange::kGone: ++pages_gone_; break;
      case store::PageChange::kNone: break;
    }
    switch (item.outcome.state) {
      case store::UrlState::kDone:
        if (item.page) ++stored_;
        break;
      case store::UrlState::kRedirected: ++redirected_; break;
      default: {
        ++failed_;
        std::lock_guard lock(failures_mu_);
        ++failures_[FailureCategory(item.outcome.detail)];
      }
    }
    if (log_urls_) {
      std::optional<internal::FetchNote> note;
      {
        std::lock_guard lock(url_notes_mu_);
        if (auto it = url_notes_.find(item.outcome.id); it != url_notes_.end()) {
          note = std::move(it->second);
          url_notes_.erase(it);
        }
      }
      internal::LogUrlOutcome(config_.key, item.outcome, item.page ? &*item.page : nullptr, note ? &*note : nullptr);
    }
    if (item.warc && options_.warc) {
      Status w = options_.warc->WriteResponse(*item.warc);
      if (!w.ok()) SetFatal(w);
    }
  }
  frontier_changed_ = true;
  --pipeline_pending_;
  if (fetcher_) fetcher_->Wakeup();
}

void Engine::Heartbeat() {
  store::RunStats so_far;
  so_far.pages_fetched = fetched_;
  so_far.pages_stored = stored_;
  so_far.pages_failed = failed_;
  so_far.bytes_fetched = bytes_;
  so_far.pages_new = pages_new_;
  so_far.pages_changed = pages_changed_;
  so_far.pages_unchanged = pages_unchanged_;
  so_far.pages_gone = pages_gone_;
  std::lock_guard lock(store_mu_);
  Status s = options_.runs->Heartbeat(run_id_, clock_.Now(), so_far);
  // A missed beat only makes the run look older; storage that really failed shows in the next commit.
  if (!s.ok()) spdlog::warn("crawl {}: run heartbeat: {}", config_.key, s.ToString());
}

Result<CrawlReport> Engine::Run() {
  started_ = Steady::now();
  owner_ = options_.lease_owner.empty() ? DefaultOwner() : options_.lease_owner;
  max_pages_ = options_.max_pages >= 0 ? options_.max_pages : config_.max_pages;
  max_depth_ = options_.max_depth >= 0 ? options_.max_depth : config_.max_depth;
  concurrency_ = std::max(1, options_.concurrency > 0 ? options_.concurrency : config_.politeness.concurrency);
  pace_policy_.delay =
      internal::SecondsAsDuration(options_.delay_seconds.value_or(config_.politeness.delay_seconds));
  pace_policy_.concurrency = concurrency_;
  pace_policy_.max_crawl_delay = options_.max_crawl_delay;
  if (options_.max_attempts < 1) return Status::InvalidArgument("max_attempts must be at least 1");
  progress_terminal_ = options_.progress == CrawlOptions::Progress::kTerminal ||
                       (options_.progress == CrawlOptions::Progress::kAuto && isatty(STDERR_FILENO));

  net::FetcherOptions fetcher_options = internal::RequestFetcherOptions(options_.fetcher, config_, options_.request);
  user_agent_ = fetcher_options.user_agent;
  log_urls_ = spdlog::should_log(spdlog::level::debug);
  fetcher_options.allow_private_addresses = fetcher_options.allow_private_addresses || config_.allow_private_addresses;
  fetcher_options.max_per_host = static_cast<std::size_t>(concurrency_);
  fetcher_options.max_transfers = std::max<std::size_t>(fetcher_options.max_transfers, concurrency_);
  auto fetcher = net::NewCurlFetcher(std::move(fetcher_options));
  if (!fetcher.ok()) return fetcher.status();
  fetcher_ = std::move(*fetcher);

  CrawlReport report;
  if (options_.runs) {
    std::lock_guard lock(store_mu_);
    auto id = options_.runs->BeginRun({.command = "crawl",
                                       .sites = config_.key,
                                       .started_at = clock_.Now(),
                                       .job = options_.job,
                                       .host = HostName(),
                                       .pid = static_cast<int64_t>(getpid())});
    if (!id.ok()) return id.status();
    report.run_id = *id;
    run_id_ = *id;
  }
  workers_ = internal::ParseWorkerCount(options_.workers);
  Status seeded = Seed();
  if (!seeded.ok()) return seeded;
  if (options_.read_sitemaps) {
    for (const auto& sitemap : options_.sitemaps ? *options_.sitemaps : config_.sitemaps) QueueSitemap(sitemap);
  }

  last_commit_ = Steady::now();
  last_heartbeat_ = last_commit_;
  pipeline_.Start(workers_);
  for (const auto& url : poisoned_) Fail(url, internal::PoisonReason(), 0, url.attempts + 1);

  FetchLoop();

  pipeline_.Finish();
  ShowProgress(true);

  report.requests = requests_;
  report.fetched = fetched_;
  report.stored = stored_;
  report.failed = failed_;
  report.redirected = redirected_;
  report.retries = retries_;
  report.bytes = bytes_;
  report.sitemaps = sitemaps_read_;
  report.requeued = requeued_;
  report.pages_new = pages_new_;
  report.pages_changed = pages_changed_;
  report.pages_unchanged = pages_unchanged_;
  report.pages_gone = pages_gone_;
  report.failures = failures_;
  report.interrupted = options_.stop && options_.stop->load();
  report.unreachable = origin_held_ && !origin_answered_ && report.fetched == 0;
  report.unreachable_origins = unreachable_;
  report.dataset_limit_reached = dataset_limit_reached_ && report.completed() == 0;
  report.elapsed = Steady::now() - started_;
  {
    std::lock_guard lock(field_notes_mu_);
    report.field_notes = field_notes_.entries();
    for (const std::string& line : field_notes_.Lines()) spdlog::warn("crawl {}: {}", config_.key, line);
  }
  Status fatal;
  {
    std::lock_guard lock(fatal_mu_);
    fatal = fatal_;
  }
  {
    std::lock_guard lock(store_mu_);
    auto counts = frontier_.CountUrls(config_.key);
    if (counts.ok()) report.frontier = *counts;
    report.discovered = report.frontier.total() - total_before_;
    if (report.frontier.queued > 0) {
      auto next = frontier_.NextEligible(config_.key);
      if (next.ok()) report.next_due = *next;
    }
    report.drift = drift_.Finish(options_.fill_history, config_.key, run_id_ > 0 ? run_id_ : options_.run_id,
                                 fatal.ok() ? RunOutcome(report) : "failed", config_.alerts);
    if (options_.runs) {
      store::RunStats stats;
      stats.finished_at = clock_.Now();
      stats.outcome = !fatal.ok() ? "failed" : std::string(RunOutcome(report));
      stats.pages_fetched = report.fetched;
      stats.pages_stored = report.stored;
      stats.pages_failed = report.failed;
      stats.bytes_fetched = report.bytes;
      stats.pages_new = report.pages_new;
      stats.pages_changed = report.pages_changed;
      stats.pages_unchanged = report.pages_unchanged;
      stats.pages_gone = report.pages_gone;
      stats.extra = {{"requests", report.requests},   {"redirected", report.redirected},
                     {"retries", report.retries},     {"sitemaps", report.sitemaps},
                     {"queued", report.frontier.queued}, {"failures", report.failures},
                     {"requeued", report.requeued}};
      if (!report.unreachable_origins.empty()) stats.extra["unreachable"] = report.unreachable_origins;
      if (report.next_due) stats.extra["next_due"] = FormatUtc(*report.next_due);
      if (!fatal.ok()) stats.extra["error"] = fatal.ToString();
      {
        std::lock_guard notes_lock(field_notes_mu_);
        if (!field_notes_.empty()) stats.extra["field_notes"] = field_notes_.ToJson();
      }
      if (!report.drift.judged.empty()) stats.extra["drift"] = DriftToJson(report.drift);
      Status s = options_.runs->FinishRun(report.run_id, stats);
      if (s.ok()) s = frontier_.Flush();
      if (!s.ok() && fatal.ok()) fatal = s;
    }
  }
  fetcher_.reset();
  if (!fatal.ok()) return fatal;
  const CrawlOptions::Webhook& hook = options_.webhook;
  internal::DriftCheck::Notify(hook.url.empty() ? config_.alerts.webhook_url : hook.url,
                               hook.url.empty() ? config_.alerts.webhook_allow_private_addresses : hook.allow_private_addresses,
                               user_agent_, config_.key, run_id_ > 0 ? run_id_ : options_.run_id, options_.job, report.drift);
  return report;
}

}  // namespace

Result<CrawlReport> RunCrawl(const extract::SelectorProgram& program, store::Frontier& frontier,
                             const CrawlOptions& options) {
  Engine engine(program, frontier, options);
  return engine.Run();
}

}  // namespace hc::crawl
