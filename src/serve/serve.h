// serve: `healthcrawl serve`, the web dashboard and its JSON HTTP API (/api/v1/..., docs/api.md) and
// Prometheus metrics (/metrics), over one database.
//
// The server runs beside the scheduler daemon, as a process of its own, not inside it: the database is
// the scheduler's whole state (jobs, locks, runs), so the dashboard reads and changes it as the
// `schedule` commands do, a dashboard restart never stops a crawl, and a scheduler daemon runs without
// an HTTP listener. "Run now" runs the job in this process under the job's lock, exactly as `schedule
// run` does (Scheduler::RunNow), and the run's progress reaches the page as every run's does: through
// the progress rows of crawl_runs.
//
// It talks to the dataset only through store's interfaces (JobStore, RunLog, RawArchive, StatsSource,
// Frontier, DashboardSource): no SQL lives here, so a second backend serves the same API.
//
// Safe by default (docs/api.md, "Security"): it binds 127.0.0.1 unless told otherwise; every request
// that changes something needs the token in `Authorization: Bearer`; the Host header must name one of
// `allowed_hosts` (DNS rebinding); no CORS headers are ever sent; request bodies and per-client
// request rates are bounded; `read_only` refuses every change.
//
// Thread-safety: Start, port and Stop are called from one thread. The server answers requests on a
// pool of threads and serialises its store calls itself.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "schedule/schedule.h"

namespace hc::serve {

struct ServeOptions {
  std::filesystem::path db{};                         // the database (it must exist)
  std::filesystem::path selectors_dir = "selectors";  // site configs: /api/v1/sites, job checks, run now
  std::string listen_host = "127.0.0.1";              // an IP address
  int port = 8080;                                    // 0: one the kernel picks (tests)
  // Host header names accepted besides the listen address, "localhost", "127.0.0.1" and "[::1]"
  // (each with or without a port). A name a proxy or DNS gives the server goes here.
  std::vector<std::string> allowed_hosts{};
  // The token of every request that changes something (at least 16 characters). Empty with
  // read_only; otherwise Start refuses to run without one.
  std::string token{};
  bool read_only = false;                // refuse every change (jobs, run now) with 403
  std::size_t max_body_bytes = 1 << 20;  // larger request bodies get 413
  // Per client address: a bucket of `burst` requests refilled at `requests_per_second`; an empty
  // bucket gets 429 with Retry-After.
  double requests_per_second = 20;
  int burst = 200;
  // How "run now" crawls: the settings of `schedule run` (fetcher, delay, workers); db and
  // selectors_dir are filled in from the fields above.
  schedule::CrawlRunnerOptions runner{};
  const Clock* clock = nullptr;  // next fire times, job changes; the system clock when null
};

// A token of 32 random bytes as 64 hexadecimal characters, from the kernel's random source.
Result<std::string> GenerateToken();

class Server {
 public:
  // Opens the database, binds the address and starts answering on threads of its own. InvalidArgument
  // for a missing token or a listen address that is not an IP address; IoError when the port cannot
  // be bound; the store's errors when the database cannot be opened.
  static Result<std::unique_ptr<Server>> Start(ServeOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;  // the bound port
  // Stops listening, tells runs started by "run now" to stop (they end `interrupted`, their URLs go back
  // to the queue) and waits for them. Idempotent.
  void Stop();

  struct Rep;

 private:
  explicit Server(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace hc::serve
