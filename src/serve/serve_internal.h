// Internal to src/serve: the API's request and response values (free of the HTTP library, which only
// http_server.cc includes), the routes, the guards in front of them and the runs that "run now" starts.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "serve/serve.h"
#include "store/dashboard.h"
#include "store/database.h"

namespace hc::serve::internal {

using nlohmann::json;

struct ApiRequest {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded, without the query
  std::multimap<std::string, std::string> query;
  std::string body;
  std::string content_type;

  // The first value of query parameter `name`, or "".
  std::string Param(std::string_view name) const;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error": {"status": N, "code": "...", "message": "..."}} with that HTTP status.
ApiResponse Error(int status, std::string_view code, std::string_view message);
ApiResponse Json(const json& value, int status = 200);
// The status and code a store error maps to (busy: 503, not found: 404, others: 500).
ApiResponse StoreError(const Status& s);

// The built-in web page: path ("/", "/app.js", "/app.css") -> content type and bytes. Generated at
// build time from web/ (cmake/embed_assets.cmake); nullptr for any other path.
struct Asset {
  std::string_view content_type;
  std::string_view bytes;
};
const Asset* FindAsset(std::string_view path);

// The runs "run now" started in this process, each on a thread of its own with its own store
// connection (Scheduler::RunNow under the job's lock, as `schedule run`).
class RunLauncher {
 public:
  explicit RunLauncher(schedule::CrawlRunnerOptions runner);
  ~RunLauncher();  // StopAll()
  // Starts job `name` and waits until its run is recorded (its crawl_runs id) or refused. The result:
  // {run id} (202), NotFound, Busy with the refusal as message (the job or its site is running), or
  // the store's errors.
  Result<int64_t> Launch(const std::string& name, std::chrono::seconds wait_for);
  // Sets every run's stop flag and joins their threads.
  void StopAll();

 private:
  struct Run;
  void Reap();  // joins the threads of runs that ended
  schedule::CrawlRunnerOptions runner_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Run>> runs_;
  int next_ = 0;
};

// The routes of docs/api.md. Handle is called from many threads; it serialises its store calls.
class Api {
 public:
  Api(const ServeOptions& options, store::Database& store, store::DashboardSource& dashboard,
      RunLauncher& launcher);
  ApiResponse Handle(const ApiRequest& request);

 private:
  ApiResponse Route(const ApiRequest& request);
  // jobs (api_jobs.cc)
  ApiResponse ListJobs();
  ApiResponse AddJob(const ApiRequest& request);
  ApiResponse JobAction(const std::string& name, std::string_view action, const std::string& method);
  // runs, pages, sites, dataset (api_read.cc)
  ApiResponse ListRuns(const ApiRequest& request);
  ApiResponse GetRun(std::string_view id);
  ApiResponse ListPages(const ApiRequest& request);
  ApiResponse GetPage(std::string_view id);
  ApiResponse GetRaw(std::string_view page_id, std::string_view response_id);
  ApiResponse ListSites();
  ApiResponse GetSite(const std::string& site);
  ApiResponse Dataset();
  // Each of the site's recent runs with its fill rate per field, oldest first (fill_history.cc).
  Result<json> FillHistory(const std::string& site);
  ApiResponse Metrics();  // metrics.cc

  std::vector<std::string> ConfiguredSites() const;
  TimePoint Now() const;

  const ServeOptions& options_;
  store::Database& store_;
  store::DashboardSource& dashboard_;
  RunLauncher& launcher_;
  SystemClock system_clock_;
  std::mutex store_mu_;  // the Database and the DashboardSource are used by one thread at a time
};

// Requests per client address: a token bucket each (serve.h, ServeOptions::requests_per_second).
class RateLimiter {
 public:
  RateLimiter(double per_second, int burst) : per_second_(per_second), burst_(burst) {}
  // True when `client` may make a request now (and takes one from its bucket).
  bool Allow(const std::string& client, std::chrono::steady_clock::time_point now);

 private:
  struct Bucket {
    double tokens = 0;
    std::chrono::steady_clock::time_point at{};
  };
  double per_second_;
  int burst_;
  std::mutex mu_;
  std::map<std::string, Bucket> buckets_;
};

// The Host header check against DNS rebinding: true when `host` (a Host header value, with or without
// a port) names the listen address, localhost, 127.0.0.1, [::1] or one of `allowed`.
bool HostAllowed(std::string_view host, const std::string& listen_host,
                 const std::vector<std::string>& allowed);
// Compares in time independent of where they differ.
bool TokenMatches(std::string_view given, std::string_view expected);

}  // namespace hc::serve::internal
