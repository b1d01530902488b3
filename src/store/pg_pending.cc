// PgStore: the parts of store::Database not on PostgreSQL yet (docs/postgresql.md, "What is not there
// yet"). Each answers Unsupported with a message naming what is missing, so a command that needs one
// stops with a clear message instead of doing half its work.
#include <string>
#include <vector>

#include "store/pg_rep_internal.h"

namespace hc::store {

using pg::NotYetOnPostgres;

// The frontier (a shared one with FOR UPDATE SKIP LOCKED leases is issue #16 point 3).
Result<int64_t> PgStore::AddUrls(const std::vector<NewUrl>&) {
  return NotYetOnPostgres("the crawl frontier");
}
Result<std::vector<LeasedUrl>> PgStore::Lease(const LeaseRequest&) {
  return NotYetOnPostgres("the crawl frontier");
}
Status PgStore::Complete(const UrlOutcome&, const PageObservation*) {
  return NotYetOnPostgres("the crawl frontier");
}
Status PgStore::Retry(int64_t, std::string_view, int, TimePoint, std::string_view) {
  return NotYetOnPostgres("the crawl frontier");
}
Status PgStore::Release(int64_t, std::string_view, TimePoint) {
  return NotYetOnPostgres("the crawl frontier");
}
Result<int64_t> PgStore::RecoverLeases(std::string_view, TimePoint, bool) {
  return NotYetOnPostgres("the crawl frontier");
}
Result<FrontierCounts> PgStore::CountUrls(std::string_view) { return NotYetOnPostgres("the crawl frontier"); }
Result<std::optional<TimePoint>> PgStore::NextEligible(std::string_view) {
  return NotYetOnPostgres("the crawl frontier");
}
Result<int64_t> PgStore::RequeueDue(std::string_view, TimePoint, bool) {
  return NotYetOnPostgres("the crawl frontier");
}
Result<int64_t> PgStore::ClearWaits(std::string_view, TimePoint) {
  return NotYetOnPostgres("the crawl frontier");
}
Result<std::vector<LeasedUrl>> PgStore::RecordParseDeath(std::string_view, const std::vector<int64_t>&, int,
                                                         std::string_view, TimePoint,
                                                         std::chrono::milliseconds) {
  return NotYetOnPostgres("the crawl frontier");
}
bool PgStore::UrlIsCommitted(int64_t) { return false; }

}  // namespace hc::store
