// Internal to src/crawl: the crawl engine's part of the drift alarm (docs/drift.md). The engine feeds
// every extracted page to Add from its parse workers, calls Finish once the run's outcome is known
// and before the run is recorded, and Notify after it is recorded.
//
// Thread-safety: Add may be called from many threads; Finish and Notify from one, after the last Add.
#pragma once

#include <mutex>
#include <string>
#include <string_view>

#include "crawl/drift.h"
#include "extract/extract.h"
#include "store/dataset.h"
#include "store/drift.h"

namespace hc::crawl::internal {

class DriftCheck {
 public:
  explicit DriftCheck(const extract::SelectorProgram& program) : tally_(program) {}

  // A page the run stored: counted when it was extracted (a 2xx HTML page that parsed; one that lacks
  // a required field counts, with its nulls).
  // The fields are counted on the typed records (page.records), by their page-JSON names.
  void Add(const store::PageObservation& page);

  // Stores the run's counts in `history` (when both it and `run_id` are given) and, when the run's
  // outcome would otherwise be "ok", judges them against the site's good runs and stores the alarms
  // of a degraded run. A storage error is logged, not returned: the alarm never fails a crawl.
  DriftVerdict Finish(store::FillHistory* history, const std::string& site, int64_t run_id,
                      std::string_view outcome, const extract::FillAlerts& alerts);

  // For a degraded run with a webhook URL: one POST of DriftWebhookPayload (5 s at most); a failure is
  // logged with its reason.
  static void Notify(const std::string& url, bool allow_private_addresses, const std::string& user_agent,
                     const std::string& site, int64_t run_id, const std::string& job,
                     const DriftVerdict& verdict);

 private:
  std::mutex mu_;
  extract::FillTally tally_;
};

}  // namespace hc::crawl::internal
