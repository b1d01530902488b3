// DriftCheck: the crawl engine's tally, verdict and webhook of the drift alarm (docs/drift.md).
#include <spdlog/spdlog.h>

#include <utility>

#include "core/records.h"
#include "crawl/drift_check_internal.h"
#include "net/webhook.h"

namespace hc::crawl::internal {

void DriftCheck::Add(const store::PageObservation& page) {
  if (page.page_type.empty() || page.http_status < 200 || page.http_status > 299) return;
  // Pages that were never extracted (not HTML, unparsable) say nothing about the selectors.
  const std::string& why = page.failure_reason;
  if (!why.empty() && why.rfind("extract: ", 0) != 0) return;
  // FillTally counts fields by their page-JSON names (the names alerts and the dashboard use).
  std::lock_guard lock(mu_);
  tally_.Add(page.page_type, page.records);
}

DriftVerdict DriftCheck::Finish(store::FillHistory* history, const std::string& site, int64_t run_id,
                                std::string_view outcome, const extract::FillAlerts& alerts) {
  store::RunFill run;
  run.run_id = run_id;
  run.site = site;
  {
    std::lock_guard lock(mu_);
    for (const auto& t : tally_.page_types()) run.page_types.push_back({t.page_type, t.pages, t.records});
    for (const auto& f : tally_.fields()) run.fields.push_back({f.page_type, f.field, f.filled, f.total});
  }
  const bool stored = history != nullptr && run_id > 0;
  if (stored && !run.page_types.empty()) {
    if (Status s = history->PutRunFill(run); !s.ok()) {
      spdlog::error("crawl {}: storing the run's fill counts: {}", site, s.ToString());
    }
  }
  if (outcome != "ok") return {};
  std::vector<store::RunFill> past;
  if (history != nullptr) {
    // Enough runs that page types seen only now and then still find their baseline_runs among them.
    auto listed = history->ListRunFill(site, /*good_only=*/true, alerts.baseline_runs * 10);
    if (listed.ok()) {
      past = std::move(*listed);
    } else {
      spdlog::error("crawl {}: reading earlier fill counts: {}", site, listed.status().ToString());
    }
  }
  DriftVerdict verdict = JudgeFill(run, past, alerts);
  if (verdict.degraded()) {
    for (const std::string& line : DescribeAlarms(verdict.alarms)) {
      spdlog::warn("crawl {}: degraded: {}", site, line);
    }
    if (stored) {
      if (Status s = history->PutFillAlarms(run_id, site, verdict.alarms); !s.ok()) {
        spdlog::error("crawl {}: storing the run's fill alarms: {}", site, s.ToString());
      }
    }
  }
  return verdict;
}

void DriftCheck::Notify(const std::string& url, bool allow_private_addresses, const std::string& user_agent,
                        const std::string& site, int64_t run_id, const std::string& job,
                        const DriftVerdict& verdict) {
  if (url.empty() || !verdict.degraded()) return;
  net::WebhookRequest request;
  request.url = url;
  request.json = DriftWebhookPayload(site, run_id, job, verdict).dump();
  request.user_agent = user_agent;
  request.allow_private_addresses = allow_private_addresses;
  Status s = net::PostJson(request);
  if (s.ok()) {
    spdlog::info("crawl {}: drift webhook sent to {}", site, url);
  } else {
    spdlog::warn("crawl {}: drift webhook to {} failed: {}", site, url, s.message());
  }
}

}  // namespace hc::crawl::internal
