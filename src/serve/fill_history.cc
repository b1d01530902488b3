// The fill-rate chart's data: each of a site's recent runs with its fill rate per field, as the crawl
// tallied them for the drift alarm (store::DashboardSource::FillHistory).
#include <string>

#include "serve/serve_internal.h"

namespace hc::serve::internal {

namespace {
constexpr int kChartRuns = 30;  // the chart shows this many of the site's latest runs
}  // namespace

Result<json> Api::FillHistory(const std::string& site) { return dashboard_.FillHistory(site, kChartRuns); }

}  // namespace hc::serve::internal
