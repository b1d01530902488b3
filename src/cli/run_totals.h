// The crawl runs in `healthcrawl stats`: each process that crawls records a run of its own (crawl_runs),
// so a crawl shared by several processes (PostgreSQL, docs/postgresql.md) is the sum of their runs. This
// shows the newest runs, one line each with the process (host:pid) and its failures by reason, and the
// totals per site over every run of the database.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "store/jobs.h"

namespace hc::cli {

// "Crawl runs, newest first": the first `shown` of `runs` (newest first, as JobStore::ListRuns gives
// them), then "Crawl run totals per site": per site, over all of `runs`, the runs and processes and the
// pages fetched, stored and failed, with the failures by reason (from each run's extra.failures).
std::string FormatCrawlRuns(const std::vector<store::RunRecord>& runs, size_t shown);
// {"runs": [the first `shown`: {"run", "site", "command", "job", "host", "pid", "started_at", "finished",
// "outcome", "fetched", "stored", "failed", "failures": {reason: count}}], "run_totals": {site: {"runs",
// "processes", "fetched", "stored", "failed", "failures"}}}
nlohmann::ordered_json CrawlRunsToJson(const std::vector<store::RunRecord>& runs, size_t shown);

}  // namespace hc::cli
