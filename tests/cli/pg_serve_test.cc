// `healthcrawl serve --db postgresql://...` end to end (issue #17 point 1): the built binary serves the
// API and /metrics of a PostgreSQL database on 127.0.0.1 with the same answers as of a SQLite file that
// the same crawl filled, and "run now" on PostgreSQL shows the run's progress rows while it goes on and
// its end.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "cli/schedule_cli.h"
#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/pg_cluster_required.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::CliPath;
using hc::testing::Quote;
using hc::testing::RunCommand;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kToken = "pg-serve-token-0123456789abcdef";

std::vector<std::string> SiteArgs(const hc::testing::HttpServer& server) {
  std::vector<std::string> args = hc::testing::LoopbackConnectTo(server.port());
  args.push_back("--allow-private-addresses");
  return args;
}

// `healthcrawl serve` as a child process on a port the kernel picks, stopped (SIGTERM) on destruction.
class ServeProcess {
 public:
  ServeProcess(const fs::path& selectors, const std::string& db, const fs::path& dir,
               const std::vector<std::string>& more) {
    hc::testing::WriteFile(dir / "token", std::string(kToken) + "\n");
    std::vector<std::string> args = {
        CliPath().string(), "--selectors",  selectors.string(),      "serve", "--db", db, "--listen",
        "127.0.0.1:0",      "--token-file", (dir / "token").string()};
    args.insert(args.end(), more.begin(), more.end());
    log_ = dir / "serve.log";
    pid_ = hc::testing::schedule_cli::Spawn(args, log_);
    const std::string prefix = "serve: http://127.0.0.1:";
    hc::testing::schedule_cli::WaitFor([&] {
      std::error_code ec;
      if (!fs::exists(log_, ec)) return false;
      const std::string out = hc::testing::ReadFile(log_);
      const size_t at = out.find(prefix);
      if (at == std::string::npos) return false;
      port_ = std::atoi(out.c_str() + at + prefix.size());
      return port_ > 0;
    });
  }
  ~ServeProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  std::string Log() const {
    std::error_code ec;
    return fs::exists(log_, ec) ? hc::testing::ReadFile(log_) : std::string();
  }

  // The answer's status and body ("" and 0 when there was none).
  std::pair<int, std::string> Send(const std::string& method, const std::string& path,
                                   const std::string& body = "") const {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(30, 0);
    const httplib::Headers auth = {{"Authorization", std::string("Bearer ") + kToken}};
    httplib::Result r = method == "POST" ? client.Post(path.c_str(), auth, body, "application/json")
                                         : client.Get(path.c_str());
    if (!r) return {0, ""};
    return {r->status, r->body};
  }
  json Get(const std::string& path) const {
    auto [status, body] = Send("GET", path);
    EXPECT_EQ(status, 200) << path << ": " << body;
    return json::parse(body, nullptr, false);
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// Times differ between two crawls: every ISO 8601 time becomes "<time>", and the numbers that are times
// or durations become 0.
void WithoutTimes(json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.size() >= 19 && s[4] == '-' && s[7] == '-' && s[10] == 'T') value = "<time>";
    return;
  }
  if (value.is_object()) {
    for (auto& [key, item] : value.items()) {
      if (item.is_number() && (key == "progress_at" || key == "seconds" || key.ends_with("_ms"))) {
        item = 0;
      } else {
        WithoutTimes(item);
      }
    }
  } else if (value.is_array()) {
    for (json& item : value) WithoutTimes(item);
  }
}

// /metrics without its duration samples (their values are the runs' times).
std::string MetricsWithoutDurations(const std::string& text) {
  std::string out;
  size_t from = 0;
  while (from < text.size()) {
    const size_t end = text.find('\n', from);
    const std::string line = text.substr(from, end == std::string::npos ? std::string::npos : end - from);
    if (line.rfind("healthcrawl_last_run_duration_seconds{", 0) != 0) out += line + "\n";
    if (end == std::string::npos) break;
    from = end + 1;
  }
  return out;
}

// Polls run `run_id` until it has finished (at most two minutes) and returns it as /api/v1/runs/ID last
// answered; *saw_progress tells whether an answer showed progress (a progress row with pages fetched).
json WatchRun(const ServeProcess& serve, int64_t run_id, bool* saw_progress) {
  json run;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    run = serve.Get("/api/v1/runs/" + std::to_string(run_id))["run"];
    const json& progress = run["progress"];
    if (!progress.is_null() && progress["updated_at"].is_number() && progress["pages_fetched"] > 0) {
      *saw_progress = true;
      EXPECT_TRUE(progress["queued"].is_number()) << progress.dump();
    }
    if (!run["finished_at"].is_null()) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  return run;
}

TEST(PgServeCli, EveryRouteAnswersAsForTheSameCrawlIntoSqlite) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  hc::testing::HttpServer site;
  hc::testing::ServeMfk(site);
  hc::testing::TempDir dir;
  const std::string sqlite = (dir / "crawl.db").string();
  fs::create_directories(dir / "sqlite");
  fs::create_directories(dir / "pg");

  // One fetch at a time: both crawls fetch in the same order, so their rows get the same ids.
  for (const std::string& db : {sqlite, database.conninfo()}) {
    std::string line = Quote(CliPath()) + " --selectors " + Quote(hc::testing::SelectorsDir()) +
                       " crawl --site mfk --db " + Quote(db) +
                       " --start-url http://www.mfk.com/list/guke.html --delay 0 --no-progress --no-sitemaps"
                       " --max-depth 1 --concurrency 1 --workers 1";
    for (const std::string& arg : SiteArgs(site)) line += " " + Quote(arg);
    std::string out;
    ASSERT_EQ(RunCommand(line, &out, /*merge_stderr=*/true), 0) << out;
  }

  ServeProcess from_sqlite(hc::testing::SelectorsDir(), sqlite, dir / "sqlite", {});
  ServeProcess from_pg(hc::testing::SelectorsDir(), database.conninfo(), dir / "pg", {});
  ASSERT_GT(from_sqlite.port(), 0) << from_sqlite.Log();
  ASSERT_GT(from_pg.port(), 0) << from_pg.Log();
  // The location is printed without its secrets (a keyword/value string here: as it is).
  EXPECT_NE(from_pg.Log().find("(database "), std::string::npos) << from_pg.Log();

  const json pages = from_sqlite.Get("/api/v1/pages?limit=500");
  ASSERT_GE(pages["pages"].size(), 5u) << pages.dump();
  std::vector<std::string> paths = {
      "/api/v1/jobs",
      "/api/v1/runs",
      "/api/v1/runs?site=mfk&limit=5",
      "/api/v1/runs/1",
      "/api/v1/sites",
      "/api/v1/sites/mfk",
      "/api/v1/pages?limit=500",
      "/api/v1/pages?status=ok",
      "/api/v1/pages?status=failed",
      "/api/v1/pages?status=404",
      "/api/v1/pages?status=200&limit=2&after=1",
      "/api/v1/pages?url=" +
          httplib::detail::encode_query_param(hc::testing::MfkUrl(hc::testing::kArticlePath)),
      "/api/v1/dataset"};
  for (const json& page : pages["pages"]) {
    const std::string id = std::to_string(page["id"].get<int64_t>());
    paths.push_back("/api/v1/pages/" + id);
    const json full = from_sqlite.Get("/api/v1/pages/" + id);
    for (const json& raw : full["page"]["raw_responses"]) {
      paths.push_back("/api/v1/pages/" + id + "/raw/" + std::to_string(raw["id"].get<int64_t>()));
    }
  }
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    json want = from_sqlite.Get(path);
    json got = from_pg.Get(path);
    ASSERT_FALSE(want.is_discarded());
    WithoutTimes(want);
    WithoutTimes(got);
    EXPECT_EQ(got.dump(1), want.dump(1));
  }
  // A page's records beside its archived HTML: the body decoded through the archive codec.
  const json article =
      from_pg.Get("/api/v1/pages?url=" +
                  httplib::detail::encode_query_param(hc::testing::MfkUrl(hc::testing::kArticlePath)));
  ASSERT_EQ(article["pages"].size(), 1u);
  const std::string article_id = std::to_string(article["pages"][0]["id"].get<int64_t>());
  const json page = from_pg.Get("/api/v1/pages/" + article_id);
  ASSERT_TRUE(page["page"]["records"].contains("articles")) << page.dump();
  ASSERT_FALSE(page["page"]["raw_responses"].empty());
  const json raw = from_pg.Get("/api/v1/pages/" + article_id + "/raw/" +
                               std::to_string(page["page"]["raw_responses"][0]["id"].get<int64_t>()));
  EXPECT_NE(raw.dump().find("<html"), std::string::npos) << raw.dump().substr(0, 300);

  auto [sqlite_status, sqlite_metrics] = from_sqlite.Send("GET", "/metrics");
  auto [pg_status, pg_metrics] = from_pg.Send("GET", "/metrics");
  ASSERT_EQ(pg_status, 200);
  EXPECT_NE(pg_metrics.find("healthcrawl_pages_stored_total{site=\"mfk\",outcome=\"ok\"}"),
            std::string::npos);
  EXPECT_NE(pg_metrics.find("healthcrawl_last_run_duration_seconds{site=\"mfk\",job=\"\"}"),
            std::string::npos);
  EXPECT_EQ(MetricsWithoutDurations(pg_metrics), MetricsWithoutDurations(sqlite_metrics));
}

TEST(PgServeCli, RunNowOnPostgresShowsTheRunsProgressAndItsEnd) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  {
    auto store = hc::store::OpenDatabase(database.conninfo());  // the dataset serve opens
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  hc::testing::TempDir dir;
  const fs::path selectors = dir / "selectors";
  hc::testing::WriteLoopbackMfkConfig(selectors);
  // Slow pages and a pause between requests: the run lasts past its first progress row (every 5 s).
  hc::testing::HttpServer site;
  hc::testing::schedule_cli::ServeSlowMfk(site, milliseconds(300));
  std::vector<std::string> more = SiteArgs(site);
  more.insert(more.end(), {"--delay", "0.4"});
  ServeProcess serve(selectors, database.conninfo(), dir.path(), more);
  ASSERT_GT(serve.port(), 0) << serve.Log();

  auto [added, job] =
      serve.Send("POST", "/api/v1/jobs", R"({"name": "nightly", "site": "mfk", "schedule": "0 3 * * *"})");
  ASSERT_EQ(added, 201) << job;
  auto [started, body] = serve.Send("POST", "/api/v1/jobs/nightly/run");
  ASSERT_EQ(started, 202) << body;
  const int64_t run_id = json::parse(body)["run_id"].get<int64_t>();

  bool saw_progress = false;
  const json run = WatchRun(serve, run_id, &saw_progress);
  EXPECT_TRUE(saw_progress) << "no progress row was seen while the run went on: " << run.dump();
  ASSERT_FALSE(run["finished_at"].is_null()) << run.dump() << serve.Log();
  EXPECT_EQ(run["outcome"], "ok") << run.dump() << serve.Log();
  EXPECT_EQ(run["command"], "schedule run");
  EXPECT_GE(run["pages_stored"].get<int64_t>(), 5) << run.dump();
  EXPECT_TRUE(run["progress"].is_null());
  const json jobs = serve.Get("/api/v1/jobs");
  ASSERT_EQ(jobs["jobs"].size(), 1u);
  EXPECT_EQ(jobs["jobs"][0]["last_run"]["id"], run_id);
  // No lock or marks file beside a "file" named after the location.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".lock"), std::string::npos) << entry.path();
  }
}

// A `crawl` into PostgreSQL writes its heartbeats into its run's row: a dashboard of the same database
// shows them while the crawl goes on.
TEST(PgServeCli, ACrawlIntoPostgresShowsItsProgressLive) {
  HC_REQUIRE_PG_CLUSTER(cluster);
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(*cluster).ok());
  {
    auto store = hc::store::OpenDatabase(database.conninfo());  // the dataset serve opens
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  hc::testing::TempDir dir;
  fs::create_directories(dir / "serve");
  hc::testing::HttpServer site;
  hc::testing::schedule_cli::ServeSlowMfk(site, milliseconds(300));
  ServeProcess serve(hc::testing::SelectorsDir(), database.conninfo(), dir / "serve", {});
  ASSERT_GT(serve.port(), 0) << serve.Log();

  std::vector<std::string> args = {CliPath().string(),
                                   "--selectors",
                                   hc::testing::SelectorsDir().string(),
                                   "crawl",
                                   "--site",
                                   "mfk",
                                   "--db",
                                   database.conninfo(),
                                   "--start-url",
                                   "http://www.mfk.com/list/guke.html",
                                   "--delay",
                                   "0.4",
                                   "--no-progress",
                                   "--no-sitemaps"};
  for (const std::string& arg : SiteArgs(site)) args.push_back(arg);
  const pid_t crawl = hc::testing::schedule_cli::Spawn(args, dir / "crawl.log");
  ASSERT_GT(crawl, 0);

  int64_t run_id = 0;
  hc::testing::schedule_cli::WaitFor([&] {
    const json runs = serve.Get("/api/v1/runs?limit=1");
    if (!runs["runs"].empty()) run_id = runs["runs"][0]["id"].get<int64_t>();
    return run_id > 0;
  });
  ASSERT_GT(run_id, 0) << "the crawl recorded no run: " << hc::testing::ReadFile(dir / "crawl.log");
  bool saw_progress = false;
  const json run = WatchRun(serve, run_id, &saw_progress);
  int status = 0;
  waitpid(crawl, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << hc::testing::ReadFile(dir / "crawl.log");
  EXPECT_TRUE(saw_progress) << "no progress was seen while the crawl went on: " << run.dump();
  EXPECT_EQ(run["command"], "crawl") << run.dump();
  EXPECT_EQ(run["outcome"], "ok") << run.dump();
}

}  // namespace
