// OpenHostPace (store/host_pace.h): PostgreSQL's shared pace (pg_host_pace.cc), or SQLite's in-process
// answer.
#include "store/host_pace.h"

#include <memory>

#include "store/database.h"
#include "store/pg_store_internal.h"

namespace hc::store {
namespace {

using std::chrono::milliseconds;

// SQLite: one crawl per database (the holder lock), so the crawler's own pacing is all there is.
class ProcessHostPace final : public HostPace {
 public:
  Result<milliseconds> ReserveStart(const std::string&, milliseconds) override { return milliseconds(0); }
  Status HoldOrigin(const std::string&, milliseconds) override { return Status::Ok(); }
  Result<StartGrant> AcquireStart(const std::string&, const std::string&, int, milliseconds, milliseconds,
                                  int) override {
    return StartGrant{.slot = 0, .wait = milliseconds(0)};  // the crawl's own pacer counts its requests
  }
  void ReleaseSlot(const std::string&, int) override {}
  Status FlushReleases(const std::string&) override { return Status::Ok(); }
  Status ReleaseAllSlots(const std::string&) override { return Status::Ok(); }
  Result<int64_t> RecoverSlots() override { return int64_t{0}; }
  Result<bool> ClaimSitemap(const std::string&, const std::string&, std::chrono::seconds) override {
    return true;  // every run reads its sitemaps
  }
  Result<RobotsLookup> LookupRobots(const std::string&, const std::string&, milliseconds) override {
    return RobotsLookup{};  // kFetch
  }
  Status PutRobots(const std::string&, int, const std::string&, std::chrono::seconds) override {
    return Status::Ok();
  }
  Status ReleaseRobots(const std::string&, const std::string&) override { return Status::Ok(); }
};

}  // namespace

Result<std::unique_ptr<HostPace>> OpenHostPace(const std::string& location) {
  if (IsPostgresLocation(location)) return pg::OpenPgHostPace(location);
  return std::unique_ptr<HostPace>(std::make_unique<ProcessHostPace>());
}

}  // namespace hc::store
