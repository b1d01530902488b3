// The HTTP API of `healthcrawl serve` over loopback (docs/api.md): every route on a database that a
// real "run now" crawl of the saved mfk pages filled (served by a loopback HttpServer, every host sent
// there), and every error the guards and routes answer, each with its status and JSON error code. Each
// test runs on both backends (support/backend_support.h): Sqlite/ServeApiTest.* on a file,
// Pg/ServeApiTest.* on a database of the test cluster.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "crawl/fixture_site.h"
#include "serve/serve.h"
#include "store/database.h"
#include "support/backend_support.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::serve {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kToken = "test-token-0123456789abcdef";

struct Answer {
  int status = 0;
  std::string content_type;
  std::string body;
  json doc;  // body parsed (discarded when it is not JSON)
};

class ServeApiTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    hc::testing::WriteLoopbackMfkConfig(selectors_);
    auto store = Open();
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto job = schedule::ParseJobsFile(
        "jobs:\n  - {name: nightly, site: mfk, schedule: '0 3 * * *', time_zone: Asia/Shanghai}\n",
        "jobs.yaml");
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    ASSERT_TRUE((*store)->PutJob(schedule::ToJobRecord(job->jobs[0], "cli", {}), SystemClock().Now()).ok());
  }

  ServeOptions Options() const {
    ServeOptions o;
    o.db = location();
    o.selectors_dir = selectors_;
    o.listen_host = "127.0.0.1";
    o.port = 0;
    o.token = kToken;
    const std::string port = std::to_string(site_.port());
    o.runner.crawl.fetcher.connect_to = {"www.mfk.com:80:127.0.0.1:" + port, "::127.0.0.1:" + port};
    o.runner.crawl.fetcher.allow_private_addresses = true;
    o.runner.crawl.delay_seconds = 0;
    o.runner.crawl.workers = 1;
    o.runner.crawl.heartbeat_interval = milliseconds(50);
    return o;
  }

  void StartServer(ServeOptions o) {
    auto server = Server::Start(std::move(o));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
  }

  Answer Send(const std::string& method, const std::string& path, httplib::Headers headers = {},
              const std::string& body = "", const std::string& content_type = "application/json") {
    httplib::Client client("127.0.0.1", server_->port());
    client.set_read_timeout(60, 0);
    auto call = [&]() -> httplib::Result {
      if (method == "POST") return client.Post(path.c_str(), headers, body, content_type.c_str());
      if (method == "PUT") return client.Put(path.c_str(), headers, body, content_type.c_str());
      if (method == "DELETE") return client.Delete(path.c_str(), headers);
      return client.Get(path.c_str(), headers);
    };
    httplib::Result r = call();
    Answer a;
    if (!r) {
      ADD_FAILURE() << method << " " << path << ": no answer (" << httplib::to_string(r.error()) << ")";
      return a;
    }
    a.status = r->status;
    a.content_type = r->get_header_value("Content-Type");
    a.body = r->body;
    a.doc = json::parse(r->body, nullptr, false);
    return a;
  }
  Answer Get(const std::string& path) { return Send("GET", path); }

  // Sends `head` (a request line and headers, no body) on a socket of its own and reads the answer
  // until the server closes: what a client gets that announces a body it has not sent yet.
  Answer SendHead(const std::string& head) {
    Answer a;
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        write(fd, head.data(), head.size()) != static_cast<ssize_t>(head.size())) {
      ADD_FAILURE() << "cannot send to the server";
      close(fd);
      return a;
    }
    std::string reply;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) reply.append(buf, static_cast<size_t>(n));
    close(fd);
    if (reply.rfind("HTTP/1.1 ", 0) != 0) return a;
    a.status = std::stoi(reply.substr(9, 3));
    const size_t type = reply.find("Content-Type: ");
    if (type != std::string::npos)
      a.content_type = reply.substr(type + 14, reply.find("\r\n", type) - type - 14);
    const size_t body = reply.find("\r\n\r\n");
    if (body != std::string::npos) a.body = reply.substr(body + 4);
    a.doc = json::parse(a.body, nullptr, false);
    return a;
  }
  static httplib::Headers Auth() { return {{"Authorization", std::string("Bearer ") + kToken}}; }

  // Starts job `name` now and waits (at most a minute) until its run has finished.
  int64_t RunJobToTheEnd(const std::string& name) {
    Answer started = Send("POST", "/api/v1/jobs/" + name + "/run", Auth());
    EXPECT_EQ(started.status, 202) << started.body;
    const int64_t run_id = started.doc.value("run_id", int64_t{0});
    EXPECT_GT(run_id, 0);
    for (int i = 0; i < 600; ++i) {
      Answer run = Get("/api/v1/runs/" + std::to_string(run_id));
      if (run.status == 200 && !run.doc["run"]["finished_at"].is_null()) return run_id;
      std::this_thread::sleep_for(milliseconds(100));
    }
    ADD_FAILURE() << "run " << run_id << " did not finish within a minute";
    return run_id;
  }

  fs::path selectors_ = dir() / "selectors";
  hc::testing::HttpServer site_;
  std::unique_ptr<Server> server_;
};

TEST_P(ServeApiTest, ServesThePageAndItsAssetsFromTheBinary) {
  hc::testing::ServeMfk(site_);
  StartServer(Options());
  struct Case {
    const char* path;
    const char* type;
    const char* contains;
  } cases[] = {
      {"/", "text/html; charset=utf-8", "<script src=\"/app.js\">"},
      {"/index.html", "text/html; charset=utf-8", "仪表板"},
      {"/app.js", "text/javascript; charset=utf-8", "/api/v1/jobs"},
      {"/app.css", "text/css; charset=utf-8", "@media (max-width: 700px)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    Answer a = Get(c.path);
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.content_type, c.type);
    EXPECT_NE(a.body.find(c.contains), std::string::npos);
  }
}

TEST_P(ServeApiTest, RunNowCrawlsAndEveryReadRouteShowsTheResult) {
  hc::testing::ServeMfk(site_);
  StartServer(Options());

  Answer jobs = Get("/api/v1/jobs");
  ASSERT_EQ(jobs.status, 200);
  ASSERT_EQ(jobs.doc["jobs"].size(), 1u);
  EXPECT_EQ(jobs.doc["jobs"][0]["name"], "nightly");
  EXPECT_EQ(jobs.doc["jobs"][0]["state"], "active");
  EXPECT_TRUE(jobs.doc["jobs"][0]["next_run"].is_string());
  EXPECT_TRUE(jobs.doc["jobs"][0]["last_run"].is_null());

  const int64_t run_id = RunJobToTheEnd("nightly");

  Answer run = Get("/api/v1/runs/" + std::to_string(run_id));
  ASSERT_EQ(run.status, 200) << run.body;
  const json& r = run.doc["run"];
  EXPECT_EQ(r["command"], "schedule run");
  EXPECT_EQ(r["job"], "nightly");
  EXPECT_EQ(r["outcome"], "ok");
  EXPECT_GE(r["pages_stored"].get<int64_t>(), 5);
  EXPECT_TRUE(r["progress"].is_null());  // finished
  // The saved pages link to pages the server does not have: 404s, grouped by reason with examples.
  ASSERT_FALSE(r["failures"].empty()) << r.dump();
  EXPECT_EQ(r["failures"][0]["reason"].get<std::string>().rfind("http 404", 0), 0u) << r["failures"].dump();
  EXPECT_FALSE(r["failures"][0]["examples"].empty());

  Answer runs = Get("/api/v1/runs?job=nightly&limit=5");
  ASSERT_EQ(runs.status, 200);
  ASSERT_EQ(runs.doc["runs"].size(), 1u);
  EXPECT_EQ(runs.doc["runs"][0]["id"], run_id);
  Answer jobs_after = Get("/api/v1/jobs");
  EXPECT_EQ(jobs_after.doc["jobs"][0]["last_run"]["id"], run_id);
  EXPECT_EQ(jobs_after.doc["jobs"][0]["last_run"]["outcome"], "ok");

  const std::string article = hc::testing::MfkUrl(hc::testing::kArticlePath);
  Answer found = Get("/api/v1/pages?url=" + httplib::detail::encode_query_param(article));
  ASSERT_EQ(found.status, 200) << found.body;
  ASSERT_EQ(found.doc["pages"].size(), 1u) << found.body;
  const int64_t page_id = found.doc["pages"][0]["id"];
  Answer page = Get("/api/v1/pages/" + std::to_string(page_id));
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.doc["page"]["page_type"], "article");
  ASSERT_TRUE(page.doc["page"]["records"].contains("articles")) << page.doc["page"]["records"].dump();
  EXPECT_FALSE(page.doc["page"]["records"]["articles"][0]["title"].get<std::string>().empty());
  ASSERT_FALSE(page.doc["page"]["raw_responses"].empty());
  const int64_t response_id = page.doc["page"]["raw_responses"][0]["id"];
  Answer raw = Get("/api/v1/pages/" + std::to_string(page_id) + "/raw/" + std::to_string(response_id));
  ASSERT_EQ(raw.status, 200);
  EXPECT_EQ(raw.content_type, "application/json; charset=utf-8");  // never text/html
  EXPECT_NE(raw.doc["response"]["body"].get<std::string>().find("<html"), std::string::npos);

  Answer failed = Get("/api/v1/pages?status=failed");
  ASSERT_EQ(failed.status, 200);
  for (const json& p : failed.doc["pages"]) EXPECT_FALSE(p["failure_reason"].is_null());
  Answer by_code = Get("/api/v1/pages?status=200&site=mfk&limit=2");
  ASSERT_EQ(by_code.status, 200);
  EXPECT_EQ(by_code.doc["pages"].size(), 2u);

  Answer sites = Get("/api/v1/sites");
  ASSERT_EQ(sites.status, 200);
  ASSERT_EQ(sites.doc["sites"].size(), 1u);
  EXPECT_EQ(sites.doc["sites"][0]["site"], "mfk");
  EXPECT_TRUE(sites.doc["sites"][0]["configured"].get<bool>());
  Answer site = Get("/api/v1/sites/mfk");
  ASSERT_EQ(site.status, 200);
  EXPECT_NE(site.doc["site"]["config"].get<std::string>().find("site: mfk"), std::string::npos);
  EXPECT_FALSE(site.doc["site"]["fill_rates"].empty());
  // The chart's points are the drift alarm's per-run fill counts (run_field_fill), page_type.field.
  const json& history = site.doc["site"]["fill_history"];
  EXPECT_EQ(history["source"], "run_field_fill");
  ASSERT_EQ(history["runs"].size(), 1u) << history.dump();
  EXPECT_EQ(history["runs"][0]["run_id"], run_id);
  EXPECT_EQ(history["runs"][0]["fields"]["article.title"], 1.0) << history.dump();

  Answer dataset = Get("/api/v1/dataset");
  ASSERT_EQ(dataset.status, 200);
  bool articles = false;
  for (const json& t : dataset.doc["tables"])
    articles = articles || (t["table"] == "articles" && t["rows"] > 0);
  EXPECT_TRUE(articles) << dataset.body;

  Answer metrics = Get("/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("# TYPE healthcrawl_pages_fetched_total counter"), std::string::npos);
  EXPECT_NE(metrics.body.find("healthcrawl_pages_stored_total{site=\"mfk\",outcome=\"ok\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("healthcrawl_frontier_urls{site=\"mfk\",state=\"done\"}"), std::string::npos);
  EXPECT_NE(metrics.body.find("healthcrawl_failed_urls{site=\"mfk\",reason=\"http 404"), std::string::npos);
  EXPECT_NE(metrics.body.find("healthcrawl_last_run_duration_seconds{site=\"mfk\",job=\"nightly\"}"),
            std::string::npos);
}

TEST_P(ServeApiTest, ARunningCrawlShowsProgressAndASecondRunNowIsRefused) {
  // Each page answers 800 ms late, one at a time, so the run goes on for about 4 s: longer than a
  // write batch may stay open on SQLite (StoreOptions::batch_max_age, 2 s), which holds off the
  // progress row's writer until it commits. A shorter run may end inside its first batch.
  for (const auto& [path, page] : hc::testing::MfkPages()) {
    auto response = hc::testing::HttpResponse::Html(hc::testing::FixtureHtml("mfk", page));
    response.delay = milliseconds(800);
    site_.Route(path, response);
  }
  site_.RobotsTxt("User-agent: *\nAllow: /\n");
  ServeOptions options = Options();
  options.runner.crawl.concurrency = 1;
  StartServer(std::move(options));
  Answer started = Send("POST", "/api/v1/jobs/nightly/run", Auth());
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string path = "/api/v1/runs/" + std::to_string(started.doc["run_id"].get<int64_t>());

  Answer again = Send("POST", "/api/v1/jobs/nightly/run", Auth());
  EXPECT_EQ(again.status, 409) << again.body;
  EXPECT_EQ(again.doc["error"]["code"], "job_running");

  bool saw_progress = false;
  bool finished = false;
  for (int i = 0; i < 600 && !finished; ++i) {
    Answer run = Get(path);
    ASSERT_EQ(run.status, 200);
    const json& progress = run.doc["run"]["progress"];
    if (!progress.is_null() && progress["updated_at"].is_number() && progress["pages_fetched"] > 0) {
      saw_progress = true;
      EXPECT_TRUE(progress["queued"].is_number());
    }
    finished = !run.doc["run"]["finished_at"].is_null();
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_TRUE(finished);
  EXPECT_TRUE(saw_progress) << "no progress row was seen while the run went on";
}

// The drift alarm's per-run fill counts (run_field_fill) and alarms (run_fill_alarms), stored as a crawl
// stores them, feed the chart, a run's drift alarms and the alarm metric.
TEST_P(ServeApiTest, PerRunFillCountsFeedTheChartAndAlarmsTheRunAndMetrics) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    const int64_t author_filled[] = {30, 4};
    for (int i = 0; i < 2; ++i) {
      auto id = (*store)->BeginRun({.command = "crawl", .sites = "mfk", .started_at = SystemClock().Now()});
      ASSERT_TRUE(id.ok());
      ASSERT_EQ(*id, i + 1);
      store::RunStats stats;
      stats.finished_at = SystemClock().Now();
      stats.outcome = i == 0 ? "ok" : "degraded";
      ASSERT_TRUE((*store)->FinishRun(*id, stats).ok());
      store::RunFill fill;
      fill.run_id = *id;
      fill.site = "mfk";
      fill.page_types = {{.page_type = "article", .pages = 40, .records = 40}};
      fill.fields = {{.page_type = "article", .field = "title", .filled = 40, .total = 40},
                     {.page_type = "article", .field = "author", .filled = author_filled[i], .total = 40}};
      ASSERT_TRUE((*store)->PutRunFill(fill).ok());
    }
    ASSERT_TRUE((*store)
                    ->PutFillAlarms(2, "mfk",
                                    {{.page_type = "article",
                                      .field = "author",
                                      .filled = 4,
                                      .total = 40,
                                      .rate = 0.1,
                                      .baseline = 0.75,
                                      .basis = "median"},
                                     {.page_type = "article",
                                      .field = "abstract",
                                      .filled = 2,
                                      .total = 40,
                                      .rate = 0.05,
                                      .baseline = 0.5,
                                      .basis = "median"}})
                    .ok());
  }

  StartServer(Options());
  Answer site = Get("/api/v1/sites/mfk");
  ASSERT_EQ(site.status, 200) << site.body;
  const json& history = site.doc["site"]["fill_history"];
  EXPECT_EQ(history["source"], "run_field_fill");
  ASSERT_EQ(history["runs"].size(), 2u);
  EXPECT_EQ(history["runs"][0]["run_id"], 1);  // oldest first
  EXPECT_EQ(history["runs"][0]["fields"]["article.author"], 0.75);
  EXPECT_EQ(history["runs"][1]["fields"]["article.author"], 0.1);
  EXPECT_EQ(history["runs"][1]["fields"]["article.title"], 1.0);

  Answer alarmed = Get("/api/v1/runs/2");
  ASSERT_EQ(alarmed.status, 200);
  ASSERT_TRUE(alarmed.doc["run"]["drift"].is_object()) << alarmed.body;
  // In the order the drift check wrote them (position), not by name, on both backends.
  ASSERT_EQ(alarmed.doc["run"]["drift"]["alarms"].size(), 2u) << alarmed.body;
  EXPECT_EQ(alarmed.doc["run"]["drift"]["alarms"][0]["field"], "author");
  EXPECT_EQ(alarmed.doc["run"]["drift"]["alarms"][0]["baseline"], 0.75);
  EXPECT_EQ(alarmed.doc["run"]["drift"]["alarms"][1]["field"], "abstract");
  EXPECT_TRUE(Get("/api/v1/runs/1").doc["run"]["drift"].is_null());
  EXPECT_NE(Get("/metrics").body.find("healthcrawl_drift_alarm_runs_total{site=\"mfk\"} 1\n"),
            std::string::npos);
}

TEST_P(ServeApiTest, JobsAreAddedPausedResumedAndRemovedWithTheToken) {
  StartServer(Options());
  Answer added =
      Send("POST", "/api/v1/jobs", Auth(),
           R"({"name": "hourly", "site": "mfk", "schedule": "@hourly", "options": {"max_pages": 5}})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(added.doc["job"]["schedule"], "@hourly");
  EXPECT_EQ(added.doc["job"]["options"]["max_pages"], 5);

  Answer paused = Send("POST", "/api/v1/jobs/hourly/pause", Auth());
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_TRUE(paused.doc["job"]["paused"].get<bool>());
  Answer listed = Get("/api/v1/jobs");
  for (const json& job : listed.doc["jobs"]) {
    if (job["name"] == "hourly") {
      EXPECT_EQ(job["state"], "paused");
      EXPECT_TRUE(job["next_run"].is_null());
    }
  }
  Answer resumed = Send("POST", "/api/v1/jobs/hourly/resume", Auth());
  ASSERT_EQ(resumed.status, 200);
  EXPECT_FALSE(resumed.doc["job"]["paused"].get<bool>());
  Answer removed = Send("DELETE", "/api/v1/jobs/hourly", Auth());
  ASSERT_EQ(removed.status, 200);
  EXPECT_EQ(removed.doc["removed"], "hourly");
  EXPECT_EQ(Send("DELETE", "/api/v1/jobs/hourly", Auth()).status, 404);
}

TEST_P(ServeApiTest, EveryErrorIsJsonWithAFittingStatus) {
  StartServer(Options());
  const httplib::Headers auth = Auth();
  struct Case {
    const char* name;
    std::string method;
    std::string path;
    httplib::Headers headers;
    std::string body;
    std::string content_type;
    int status;
    const char* code;
  } cases[] = {
      {"unknown route", "GET", "/api/v1/nothing", {}, "", "", 404, "no_such_route"},
      {"outside the api", "GET", "/etc/passwd", {}, "", "", 404, "no_such_route"},
      {"dot-dot site", "GET", "/api/v1/sites/..", {}, "", "", 404, "no_such_site"},
      {"traversal", "GET", "/api/v1/sites/..%2F..%2Fetc%2Fpasswd", {}, "", "", 404, "no_such_route"},
      {"unknown site", "GET", "/api/v1/sites/nosuchsite", {}, "", "", 404, "no_such_site"},
      {"run id not a number", "GET", "/api/v1/runs/abc", {}, "", "", 400, "bad_parameter"},
      {"no such run", "GET", "/api/v1/runs/999999", {}, "", "", 404, "no_such_run"},
      {"bad limit", "GET", "/api/v1/runs?limit=0", {}, "", "", 400, "bad_parameter"},
      {"bad before", "GET", "/api/v1/runs?before=x", {}, "", "", 400, "bad_parameter"},
      {"bad status", "GET", "/api/v1/pages?status=great", {}, "", "", 400, "bad_parameter"},
      {"bad after", "GET", "/api/v1/pages?after=-1", {}, "", "", 400, "bad_parameter"},
      {"no such page", "GET", "/api/v1/pages/424242", {}, "", "", 404, "no_such_page"},
      {"raw of no page", "GET", "/api/v1/pages/424242/raw/1", {}, "", "", 404, "no_such_page"},
      {"raw id not a number", "GET", "/api/v1/pages/1/raw/x", {}, "", "", 400, "bad_parameter"},
      {"wrong method on a list", "PUT", "/api/v1/jobs", auth, "{}", "application/json", 405,
       "method_not_allowed"},
      {"wrong method on an action", "GET", "/api/v1/jobs/nightly/run", {}, "", "", 405, "method_not_allowed"},
      {"wrong method on runs", "POST", "/api/v1/runs", auth, "", "application/json", 405,
       "method_not_allowed"},
      {"change without token", "POST", "/api/v1/jobs/nightly/pause", {}, "", "", 401, "token_required"},
      {"change with a wrong token",
       "POST",
       "/api/v1/jobs/nightly/pause",
       {{"Authorization", "Bearer wrong-token-0123456789abcdef"}},
       "",
       "",
       401,
       "bad_token"},
      {"token not as Bearer",
       "DELETE",
       "/api/v1/jobs/nightly",
       {{"Authorization", kToken}},
       "",
       "",
       401,
       "bad_token"},
      {"foreign origin",
       "POST",
       "/api/v1/jobs/nightly/pause",
       {{"Authorization", std::string("Bearer ") + kToken}, {"Origin", "http://evil.example"}},
       "",
       "",
       403,
       "cross_origin"},
      {"rebinding host",
       "GET",
       "/api/v1/jobs",
       {{"Host", "evil.example:8080"}},
       "",
       "",
       403,
       "host_not_allowed"},
      {"not json", "POST", "/api/v1/jobs", auth, "name: x", "text/plain", 415, "unsupported_media_type"},
      {"broken json", "POST", "/api/v1/jobs", auth, "{\"name\":", "application/json", 400, "bad_json"},
      {"bad cron", "POST", "/api/v1/jobs", auth, R"({"name":"x","site":"mfk","schedule":"0 25 * * *"})",
       "application/json", 400, "invalid_job"},
      {"unknown key", "POST", "/api/v1/jobs", auth,
       R"({"name":"x","site":"mfk","schedule":"@daily","shedule":1})", "application/json", 400,
       "invalid_job"},
      {"unknown site in a job", "POST", "/api/v1/jobs", auth,
       R"({"name":"x","site":"nosuchsite","schedule":"@daily"})", "application/json", 400, "unknown_site"},
      {"export path over http", "POST", "/api/v1/jobs", auth,
       R"({"name":"x","site":"mfk","schedule":"@daily","options":{"export":{"out":"/etc/x.jsonl"}}})",
       "application/json", 400, "invalid_job"},
      {"cookie jar over http", "POST", "/api/v1/jobs", auth,
       R"({"name":"x","site":"mfk","schedule":"@daily","options":{"request":{"cookie_jar":"/etc/x"}}})",
       "application/json", 400, "invalid_job"},
      {"name taken", "POST", "/api/v1/jobs", auth, R"({"name":"nightly","site":"mfk","schedule":"@daily"})",
       "application/json", 409, "job_exists"},
      {"pause no job", "POST", "/api/v1/jobs/nosuchjob/pause", auth, "", "", 404, "no_such_job"},
      {"remove no job", "DELETE", "/api/v1/jobs/nosuchjob", auth, "", "", 404, "no_such_job"},
      {"run no job", "POST", "/api/v1/jobs/nosuchjob/run", auth, "", "", 404, "no_such_job"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Answer a = Send(c.method, c.path, c.headers, c.body,
                    c.content_type.empty() ? "application/json" : c.content_type);
    EXPECT_EQ(a.status, c.status) << a.body;
    EXPECT_EQ(a.content_type, "application/json; charset=utf-8");
    ASSERT_FALSE(a.doc.is_discarded()) << a.body;
    ASSERT_TRUE(a.doc.is_object() && a.doc.contains("error")) << a.body;
    EXPECT_EQ(a.doc["error"]["code"], c.code) << a.body;
    EXPECT_EQ(a.doc["error"]["status"], c.status);
    EXPECT_TRUE(a.doc["error"]["message"].is_string() &&
                !a.doc["error"]["message"].get<std::string>().empty());
  }
  // A body over 1 MiB is refused from its Content-Length, before it is read.
  Answer big = SendHead(
      std::string("POST /api/v1/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ") + kToken +
      "\r\nContent-Type: application/json\r\nContent-Length: 1048577\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(big.status, 413) << big.body;
  EXPECT_EQ(big.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(big.doc.is_object() ? big.doc["error"]["code"] : json(), "body_too_large");
  // No answer lets another origin in.
  Answer jobs = Send("GET", "/api/v1/jobs", {{"Origin", "http://evil.example"}});
  EXPECT_EQ(jobs.status, 200);
  httplib::Client client("127.0.0.1", server_->port());
  auto preflight = client.Options(
      "/api/v1/jobs", {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(preflight);
  EXPECT_NE(preflight->status, 200);
  EXPECT_FALSE(preflight->has_header("Access-Control-Allow-Origin"));
}

TEST_P(ServeApiTest, ReadOnlyRefusesChangesWithoutAToken) {
  ServeOptions o = Options();
  o.read_only = true;
  o.token.clear();
  StartServer(o);
  EXPECT_EQ(Get("/api/v1/jobs").status, 200);
  Answer a = Send("POST", "/api/v1/jobs/nightly/pause", Auth());
  EXPECT_EQ(a.status, 403);
  EXPECT_EQ(a.doc["error"]["code"], "read_only");
}

TEST_P(ServeApiTest, AClientOverItsRateGets429) {
  ServeOptions o = Options();
  o.burst = 3;
  o.requests_per_second = 0.01;
  StartServer(o);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get("/api/v1/sites").status, 200);
  Answer a = Get("/api/v1/sites");
  EXPECT_EQ(a.status, 429);
  EXPECT_EQ(a.doc["error"]["code"], "too_many_requests");
}

TEST_P(ServeApiTest, StartRefusesNoTokenAnAddressThatIsNotIpAndAMissingDatabase) {
  struct Case {
    const char* name;
    std::function<void(ServeOptions&)> change;
    StatusCode code;
  } cases[] = {
      {"no token", [](ServeOptions& o) { o.token.clear(); }, StatusCode::kInvalidArgument},
      {"short token", [](ServeOptions& o) { o.token = "short"; }, StatusCode::kInvalidArgument},
      {"host name", [](ServeOptions& o) { o.listen_host = "localhost"; }, StatusCode::kInvalidArgument},
      {"no database", [this](ServeOptions& o) { o.db = dir() / "missing.db"; }, StatusCode::kIoError},
      // A PostgreSQL server that is not there: the store's error, without the password.
      {"postgresql unreachable", [](ServeOptions& o) { o.db = "postgresql://hc:secret-pw@127.0.0.1:1/hc"; },
       StatusCode::kIoError},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ServeOptions o = Options();
    c.change(o);
    auto server = Server::Start(o);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.status().code(), c.code) << server.status().ToString();
    EXPECT_EQ(server.status().message().find("secret-pw"), std::string::npos);
  }
}

HC_INSTANTIATE_BACKEND_TEST(ServeApiTest);

}  // namespace
}  // namespace hc::serve
