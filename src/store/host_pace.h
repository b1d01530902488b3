// store/host_pace.h: politeness shared by every crawler process on one database (issue #16 point 3;
// docs/postgresql.md, "Politeness for the whole cluster").
//
// A crawler paces each origin (scheme, host and port) itself (crawl's OriginPacer). When several
// processes crawl one dataset, HostPace makes their pacing one:
//
//  * ReserveStart: before a request to an origin starts, the process reserves the next start slot of
//    that origin for the whole cluster. The slots of all processes are at least `delay` apart, so N
//    processes together start requests to an origin no faster than one process with that delay would.
//  * AcquireStart / ReleaseSlot: at most `concurrency` requests to an origin are in flight in the whole
//    cluster. A request holds one of the origin's slots (a row with its owner and an expiry) from its
//    start until its response; a killed process's slots come back when their lease runs out. Acquiring
//    also reserves the start (as ReserveStart), in the same statement.
//  * LookupRobots / PutRobots / ReleaseRobots: robots.txt is fetched once per origin per cache lifetime
//    across the cluster. The first process that needs it claims the fetch; the others wait for its
//    answer and read it from the database.
//  * ClaimSitemap: a sitemap is read by one process of the cluster within a freshness window; the
//    others skip it (the URLs it gives go to the frontier they share).
//
// Backends: on PostgreSQL the slots and the robots.txt answers are rows (host_pace, robots_cache),
// reserved and claimed atomically, each in one statement, timed by the database server's clock (so the
// crawler machines' clocks may disagree). On SQLite one crawl holds the database (store/holder_lock.h),
// so the in-process pacing is the whole truth: every start may go now and every robots.txt is fetched by
// the process (OpenHostPace returns that in-process answer; the tables stay empty).
//
// Thread-safety: one thread at a time (the crawl's fetch loop). A HostPace has a connection of its own,
// apart from the Database's, so a reservation never waits behind a write batch.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"

namespace hc::store {

// What LookupRobots found for an origin.
struct RobotsLookup {
  enum class State {
    kCached,  // another process (or an earlier run) fetched it and it has not expired: use status, body
    kFetch,   // the caller has claimed the fetch: fetch it, then PutRobots (or ReleaseRobots)
    kWait,    // another process is fetching it now: look again a little later
  };
  State state = State::kFetch;
  int status = 0;                      // kCached: the HTTP status robots.txt was answered with
  std::string body;                    // kCached: its body
  std::chrono::seconds expires_in{0};  // kCached: how long it stays valid from now
};

// What AcquireStart got for an origin.
struct StartGrant {
  int slot = -1;                     // the slot acquired (0 .. concurrency - 1); -1: every slot is taken
  std::chrono::milliseconds wait{0};  // with a slot and a delay: how long from now the reserved start is
  bool acquired() const { return slot >= 0; }
};

class HostPace {
 public:
  virtual ~HostPace() = default;

  // Reserves the next start of a request to `origin` and returns how long from now it is (zero when it
  // may start at once). The origin's next reservation, by any process, is then at least `delay` after
  // this one. The caller must start its request when the wait is over (a slot not used is lost, which
  // only slows the origin down). IoError when the database cannot be reached.
  virtual Result<std::chrono::milliseconds> ReserveStart(const std::string& origin,
                                                         std::chrono::milliseconds delay) = 0;

  // Nothing starts on `origin`, in any process, before `wait` from now (a server's Retry-After). A
  // shorter hold than one already set changes nothing.
  virtual Status HoldOrigin(const std::string& origin, std::chrono::milliseconds wait) = 0;

  // One of the `concurrency` slots of `origin` for `owner` (the crawl's lease owner), leased until the
  // reserved start plus `lease_for` (the longest a request may take, and some): a slot whose lease ran
  // out is free again. With a slot and a `delay` above zero, the start is also reserved as ReserveStart
  // does, in the same statement. Without a free slot nothing is reserved (slot -1): ask again later.
  // An owner refused while it holds none of the origin's slots (`holding`: its requests to the origin
  // in flight) is next in line while it asks again at least once a second: until it is served, no other
  // owner takes or renews a slot of the origin, so that one process with a stream of requests for an
  // origin cannot keep it from the others. An owner refused while it holds slots waits its turn among the
  // rest: it is not starved (its own slots are renewed), and making every other process wait for it would
  // idle the origin's freed slots until its next look.
  // Slots released with ReleaseSlot since the last statement go in the same statement; one of
  // `origin`'s is renewed for this start instead of being freed and taken again. IoError when the
  // database cannot be reached.
  virtual Result<StartGrant> AcquireStart(const std::string& origin, const std::string& owner, int concurrency,
                                          std::chrono::milliseconds delay, std::chrono::milliseconds lease_for,
                                          int holding = 0) = 0;
  // The request on `slot` of `origin` has ended (or the slot was not used). Queued, not sent: the next
  // AcquireStart or FlushReleases frees it in the database.
  virtual void ReleaseSlot(const std::string& origin, int slot) = 0;
  // Frees the slots ReleaseSlot queued (nothing to do: no statement).
  virtual Status FlushReleases(const std::string& owner) = 0;
  // Frees every slot `owner` holds (the end of its run: requests abandoned in flight included).
  virtual Status ReleaseAllSlots(const std::string& owner) = 0;
  // Frees the slots of crawls known to be gone: an owner `<host>:<pid>/<n>` of this host whose process
  // no longer exists (kill(pid, 0) fails with ESRCH), as the frontier's RecoverLeases does for URL
  // leases. So a crawl restarted after a SIGKILL does not wait out the dead process's slot leases. A
  // crashed process on another machine is not known to be gone: its slots come back when their lease
  // runs out. Returns how many slots were freed.
  virtual Result<int64_t> RecoverSlots() = 0;

  // True when `owner` is to read the sitemap `url`: nobody claimed it within the last `fresh_for` (the
  // claim is taken: one statement); false when another process (or an earlier run) did. A claimant that
  // dies before reading it leaves it unread until `fresh_for` has passed.
  virtual Result<bool> ClaimSitemap(const std::string& url, const std::string& owner,
                                    std::chrono::seconds fresh_for) = 0;

  // The cached robots.txt of `origin`, or the claim to fetch it. `owner` names the claimant (the crawl's
  // lease owner); a claim lasts `claim_for` and is then free again (its process may have died).
  virtual Result<RobotsLookup> LookupRobots(const std::string& origin, const std::string& owner,
                                            std::chrono::milliseconds claim_for) = 0;
  // The claimant's answer: robots.txt was answered with `status` and `body`, valid for `lifetime`.
  virtual Status PutRobots(const std::string& origin, int status, const std::string& body,
                           std::chrono::seconds lifetime) = 0;
  // The claimant could not have robots.txt (unreachable, refused): its claim ends, so that another
  // process may try.
  virtual Status ReleaseRobots(const std::string& origin, const std::string& owner) = 0;
};

// The politeness shared by the crawlers of the database at `location` (a SQLite path or a PostgreSQL
// location, as OpenDatabase takes). On PostgreSQL a connection of its own to a database that
// OpenDatabase has already created and migrated (Corruption when it has no host_pace table); on SQLite
// the in-process answer (every start now, every robots.txt fetched by the caller), which needs no file.
Result<std::unique_ptr<HostPace>> OpenHostPace(const std::string& location);

}  // namespace hc::store
