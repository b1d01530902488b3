// Faults and hostile servers at the crawl level (healthcrawl issue 6): each row of the table serves one
// misbehaviour from the loopback server at one URL, crawls that URL and a good article in the same
// RunCrawl into a SQLite database, and checks the four things a crawler owes its user:
//
//  * bounded time: the run's wall time stays under a bound derived from the configured timeouts;
//  * bounded memory: the decoded bytes received stay under the body limit (the transfer was aborted,
//    not buffered), no archived body is larger than the limit, and the process's peak RSS grows by less
//    than a coarse guard (a 1 GiB gzip bomb inflated in memory would break it);
//  * the URL is recorded with the right reason: its frontier state and detail, its pages/failures rows,
//    and the reason's summary category (FailureCategory);
//  * the crawl goes on: the good article of the same crawl is stored with its record.
//
// The fetcher-level twins of these cases are in tests/net/fetcher_test.cc (BrokenResponsesAreErrors,
// ServerThatNeverAnswersTimesOut, TrickleBelowLowSpeedLimitTimesOut, BodiesOverTheLimitAreAbortedAsTooLarge,
// HeadersOverTheLimitAreTooLarge); the engine's own retry, Retry-After and redirect rules are in
// engine_test.cc. docs/RELIABILITY.md lists every row with its outcome.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <iconv.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "crawl/generated_site.h"
#include "store/database.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using hc::testing::BodyFraming;
using hc::testing::HttpRequest;
using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using std::chrono::milliseconds;
using std::chrono::seconds;
using Steady = std::chrono::steady_clock;

constexpr int kGoodId = 1000;
constexpr int kFaultId = 9000001;
constexpr std::size_t kMiB = 1024 * 1024;
constexpr std::size_t kBodyLimit = 10 * kMiB;  // FetcherOptions::max_body_bytes, the default

std::string MfkArticleUrl(int id) { return "http://www.mfk.com/article/" + std::to_string(id) + ".html"; }
std::string BadHostUrl(int id) { return "http://bad.mfk.com/article/" + std::to_string(id) + ".html"; }
std::string FaultPath() { return hc::testing::GeneratedArticlePath(kFaultId); }

// First column of every row of `sql` as text ("" for NULL).
std::vector<std::string> Query(const std::string& db_path, const std::string& sql) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql << ": " << sqlite3_errmsg(db);
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(stmt, 0);
    out.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::string QueryOne(const std::string& db_path, const std::string& sql) {
  auto rows = Query(db_path, sql);
  return rows.empty() ? "(no row)" : rows.front();
}

std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Peak resident set size (VmHWM) in KiB. ResetPeakRss() lowers the peak to the current RSS (Linux 4.0+:
// writing 5 to /proc/self/clear_refs), so the peak after a row is that row's.
long StatusKiB(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}
void ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
}

// `html` re-encoded as GB18030 (what a lying "charset=utf-8" page really holds).
std::string ToGb18030(const std::string& utf8) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* dst = out.data();
  size_t out_left = out.size();
  EXPECT_NE(iconv(cd, &in, &in_left, &dst, &out_left), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

// An article page padded past `size` bytes with an HTML comment (for mid-body faults and big pages).
std::string PaddedArticle(int id, std::size_t size) {
  std::string html = hc::testing::GeneratedArticleHtml(id, hc::testing::GeneratedTitle(id));
  if (html.size() < size) html.insert(html.find("</body>"), "<!--" + std::string(size - html.size(), 'x') + "-->");
  return html;
}

HttpResponse HtmlWith(std::string body, hc::testing::HttpHeaderPairs headers) {
  return HttpResponse{.status = 200, .headers = std::move(headers), .body = std::move(body)};
}

// robots.txt: allow-all for www.mfk.com, `bad` for bad.mfk.com.
void RobotsPerHost(HttpServer& server, HttpResponse bad) {
  server.Route("/robots.txt", [bad](const HttpRequest& request) {
    if (request.Header("host").starts_with("bad.mfk.com")) return bad;
    return HttpResponse::Text("User-agent: *\nAllow: /\n");
  });
}

struct FaultCase {
  const char* name;
  std::function<void(HttpServer&)> serve;  // routes the fault
  std::string start_url;                   // the URL crawled besides the good article
  std::string check_url;                   // where the outcome lands ("" = start_url)
  std::function<void(CrawlOptions&)> tune; // options beyond the common ones (may be empty)
  std::string state;                       // frontier state of check_url
  std::string reason;                      // frontier detail (failures.reason when failed): a prefix
  std::string category;                    // FailureCategory(detail), checked when failed
  seconds bound;                           // wall time of the whole run
  int fault_requests;                      // requests for check_url's path; -1: not checked
  std::string title;                       // for state "done": the article title stored
};

std::vector<FaultCase> Cases() {
  const std::string fault_url = MfkArticleUrl(kFaultId);
  const std::string fault_html = hc::testing::GeneratedArticleHtml(kFaultId, hc::testing::GeneratedTitle(kFaultId));
  const hc::testing::HttpHeaderPairs html_type = {{"Content-Type", "text/html; charset=utf-8"}};
  // The common timeouts (see Common()): connect 1 s, total 3 s, 2 attempts, 20 ms backoff.
  std::vector<FaultCase> cases;
  cases.push_back({"connection reset mid-body",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.headers = html_type, .body = PaddedArticle(kFaultId, 8000),
                                                       .reset_after = 1000});
                   },
                   fault_url, "", {}, "failed", "network: reset: ", "network: reset", seconds(10), 2, ""});
  cases.push_back({"accepts and never answers",
                   [](HttpServer& s) { s.Route(FaultPath(), HttpResponse{.never_answer = true}); },
                   fault_url, "", [](CrawlOptions& o) { o.fetcher.total_timeout = milliseconds(1000); }, "failed",
                   "network: timeout: ", "network: timeout", seconds(2 * 1 + 8), 2, ""});
  cases.push_back({"1 byte/s trickle",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.headers = html_type, .body = PaddedArticle(kFaultId, 5000),
                                                       .trickle_bytes_per_second = 1});
                   },
                   fault_url, "",
                   [](CrawlOptions& o) {
                     o.fetcher.low_speed_bytes_per_second = 64;
                     o.fetcher.low_speed_time = seconds(1);
                   },
                   "failed", "network: timeout: ", "network: timeout", seconds(2 * 3 + 8), 2, ""});
  cases.push_back({"body shorter than its Content-Length",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.headers = html_type, .body = fault_html,
                                                       .announced_length = fault_html.size() + 4000});
                   },
                   fault_url, "", {}, "failed", "network: truncated: ", "network: truncated", seconds(10), 2, ""});
  cases.push_back({"chunked: chunk size not hexadecimal",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.headers = html_type, .body = fault_html,
                                                       .framing = BodyFraming::kChunkedBadSize});
                   },
                   fault_url, "", {}, "failed", "network: protocol: ", "network: protocol", seconds(10), 1, ""});
  cases.push_back({"chunked: no last chunk",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.headers = html_type, .body = fault_html,
                                                       .framing = BodyFraming::kChunkedUnterminated});
                   },
                   fault_url, "", {}, "failed", "network: truncated: ", "network: truncated", seconds(10), 2, ""});
  cases.push_back({"gzip bomb (1 GiB of zeros in about 1 MB)",
                   [](HttpServer& s) {
                     static const std::string bomb = hc::testing::GzipBombOfZeros(1024 * kMiB);
                     s.Route(FaultPath(), HttpResponse{.headers = {{"Content-Type", "text/html; charset=utf-8"},
                                                                   {"Content-Encoding", "gzip"}},
                                                       .body = bomb});
                   },
                   fault_url, "", {}, "failed", "too large", "too large", seconds(15), 1, ""});
  cases.push_back({"20 MB page",
                   [](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse::Html(PaddedArticle(kFaultId, 20 * 1000 * 1000)));
                   },
                   fault_url, "", {}, "failed", "too large", "too large", seconds(15), 1, ""});
  cases.push_back({"header block over 256 KiB",
                   [=](HttpServer& s) {
                     HttpResponse r = HttpResponse::Html(fault_html);
                     for (int i = 0; i < 300; ++i) r.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(1000, 'h'));
                     s.Route(FaultPath(), r);
                   },
                   fault_url, "", {}, "failed", "too large", "too large", seconds(10), 1, ""});
  cases.push_back({"endless redirect chain (each hop a new URL)",
                   [](HttpServer& s) {
                     for (int i = 0; i < 20; ++i) {
                       s.Route(hc::testing::GeneratedArticlePath(9100000 + i),
                               HttpResponse::Redirect(302, hc::testing::GeneratedArticlePath(9100000 + i + 1)));
                     }
                   },
                   MfkArticleUrl(9100000), MfkArticleUrl(9100005), {}, "failed", "redirect: too many (more than 5)",
                   "redirect: too many", seconds(10), 1, ""});
  cases.push_back({"redirect loop between two URLs",
                   [](HttpServer& s) {
                     s.Route(hc::testing::GeneratedArticlePath(9200001),
                             HttpResponse::Redirect(301, hc::testing::GeneratedArticlePath(9200002)));
                     s.Route(hc::testing::GeneratedArticlePath(9200002),
                             HttpResponse::Redirect(301, hc::testing::GeneratedArticlePath(9200001)));
                   },
                   MfkArticleUrl(9200001), MfkArticleUrl(9200002), {}, "redirected", MfkArticleUrl(9200001), "",
                   seconds(10), 1, ""});
  cases.push_back({"redirect to itself",
                   [=](HttpServer& s) { s.Route(FaultPath(), HttpResponse::Redirect(301, fault_url)); },
                   fault_url, "", {}, "failed", "redirect: to itself", "redirect: to itself", seconds(10), 1, ""});
  cases.push_back({"redirect to another domain",
                   [](HttpServer& s) { s.Route(FaultPath(), HttpResponse::Redirect(302, "http://evil.example/a.html")); },
                   fault_url, "", {}, "failed", "redirect: off-site http://evil.example/a.html", "redirect: off-site",
                   seconds(10), 1, ""});
  cases.push_back({"redirect off-site on the second hop",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse::Redirect(302, hc::testing::GeneratedArticlePath(9000002)));
                     s.Route(hc::testing::GeneratedArticlePath(9000002),
                             HttpResponse::Redirect(302, "http://evil.example/b.html"));
                   },
                   fault_url, MfkArticleUrl(9000002), {}, "failed", "redirect: off-site http://evil.example/b.html",
                   "redirect: off-site", seconds(10), 1, ""});
  cases.push_back({"redirect to a non-http scheme",
                   [](HttpServer& s) { s.Route(FaultPath(), HttpResponse::Redirect(302, "file:///etc/passwd")); },
                   fault_url, "", {}, "failed", "redirect: not an http(s) URL: file:///etc/passwd",
                   "redirect: not an http(s) URL", seconds(10), 1, ""});
  cases.push_back({"redirect to a link-local address (cloud metadata)",
                   [](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse::Redirect(302, "http://169.254.169.254/latest/meta-data/"));
                   },
                   fault_url, "", {}, "failed", "redirect: off-site http://169.254.169.254/latest/meta-data/",
                   "redirect: off-site", seconds(10), 1, ""});
  cases.push_back({"wrong Content-Type (HTML sent as image/png)",
                   [=](HttpServer& s) { s.Route(FaultPath(), HtmlWith(fault_html, {{"Content-Type", "image/png"}})); },
                   fault_url, "", {}, "failed", "content type: image/png", "content type", seconds(10), 1, ""});
  cases.push_back({"missing Content-Type",
                   [=](HttpServer& s) { s.Route(FaultPath(), HtmlWith(fault_html, {})); },
                   fault_url, "", {}, "done", "", "", seconds(10), 1, hc::testing::GeneratedTitle(kFaultId)});
  cases.push_back({"charset that lies: UTF-8 bytes declared gbk",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HtmlWith(fault_html, {{"Content-Type", "text/html; charset=gbk"}}));
                   },
                   fault_url, "", {}, "done", "", "", seconds(10), 1, hc::testing::GeneratedTitle(kFaultId)});
  cases.push_back({"charset that lies: GB18030 bytes declared utf-8",
                   [=](HttpServer& s) {
                     std::string gbk = fault_html;
                     gbk.replace(gbk.find("<meta charset=\"utf-8\">"), 22, "");
                     s.Route(FaultPath(), HtmlWith(ToGb18030(gbk), {{"Content-Type", "text/html; charset=utf-8"}}));
                   },
                   fault_url, "", {}, "done", "", "", seconds(10), 1, hc::testing::GeneratedTitle(kFaultId)});
  cases.push_back({"429 with Retry-After: 1 every time",
                   [](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.status = 429, .headers = {{"Retry-After", "1"}}, .body = "slow down"});
                   },
                   fault_url, "", {}, "failed", "http 429", "http 429", seconds(2 * 1 + 8), 2, ""});
  // An unreachable robots.txt is tried max_attempts times, then its origin is held for a minute (more
  // than these rows' max_idle_wait, so the run ends and the URL stays queued for the next run).
  const auto short_idle = [](CrawlOptions& o) { o.max_idle_wait = seconds(2); };
  cases.push_back({"robots.txt that never answers",
                   [](HttpServer& s) { RobotsPerHost(s, HttpResponse{.never_answer = true}); },
                   BadHostUrl(kFaultId), "", short_idle, "queued", "", "", seconds(2 * 3 + 8), 0, ""});
  cases.push_back({"robots.txt that returns 500",
                   [](HttpServer& s) { RobotsPerHost(s, HttpResponse{.status = 500, .body = "oops"}); },
                   BadHostUrl(kFaultId), "", short_idle, "queued", "", "", seconds(10), 0, ""});
  cases.push_back({"robots.txt whose connection is refused",
                   [](HttpServer& s) { RobotsPerHost(s, HttpResponse::Text("User-agent: *\nAllow: /\n")); },
                   BadHostUrl(kFaultId), "",
                   [short_idle](CrawlOptions& o) {
                     static const hc::testing::RefusingPort refusing;  // outlives every row's crawl
                     o.fetcher.connect_to.insert(o.fetcher.connect_to.begin(),
                                                 "bad.mfk.com:80:127.0.0.1:" + std::to_string(refusing.port()));
                     short_idle(o);
                   },
                   "queued", "", "", seconds(10), 0, ""});
  cases.push_back({"robots.txt reset once, then answers (the origin is crawled in the same run)",
                   [=](HttpServer& s) {
                     auto calls = std::make_shared<std::atomic<int>>(0);
                     s.Route("/robots.txt", [calls](const HttpRequest&) {
                       const HttpResponse allow = HttpResponse::Text("User-agent: *\nAllow: /\n");
                       if (++*calls > 1) return allow;
                       return HttpResponse{.headers = allow.headers, .body = allow.body, .reset_after = 0};
                     });
                     s.Route(FaultPath(), HttpResponse::Html(fault_html));
                   },
                   fault_url, "", {}, "done", "", "", seconds(10), 1, hc::testing::GeneratedTitle(kFaultId)});
  cases.push_back({"garbage status line",
                   [=](HttpServer& s) { s.Route(FaultPath(), HttpResponse{.raw = "GARBAGE STATUS LINE\r\n\r\n" + fault_html}); },
                   fault_url, "", {}, "failed", "network: protocol: ", "network: protocol", seconds(10), 1, ""});
  cases.push_back({"HTTP/0.9 reply (a body without a status line)",
                   [=](HttpServer& s) { s.Route(FaultPath(), HttpResponse{.raw = fault_html}); },
                   fault_url, "", {}, "failed", "network: protocol: ", "network: protocol", seconds(10), 1, ""});
  cases.push_back({"one header line of 1 MB",
                   [=](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse{.raw = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(kMiB, 'h') +
                                                              "\r\nContent-Length: 2\r\n\r\nhi"});
                   },
                   fault_url, "", {}, "failed", "too large", "too large", seconds(10), 1, ""});
  cases.push_back({"redirect to the same site with user:pass@",
                   [](HttpServer& s) {
                     s.Route(FaultPath(), HttpResponse::Redirect(302, "http://evil.example.com@www.mfk.com" +
                                                                          hc::testing::GeneratedArticlePath(kGoodId)));
                   },
                   fault_url, "", {}, "failed", "redirect: userinfo in the target", "redirect: userinfo in the target",
                   seconds(10), 1, ""});
  cases.push_back({"robots.txt of 2 MB (only the first 500 KiB count)",
                   [](HttpServer& s) {
                     std::string robots = "User-agent: *\nDisallow: /article/9\n";
                     while (robots.size() < 2 * kMiB) robots += "# " + std::string(78, 'c') + "\n";
                     robots += "Allow: /article/9\n";  // past the parse limit: ignored
                     RobotsPerHost(s, HttpResponse::Text(robots));
                   },
                   BadHostUrl(kFaultId), "", {}, "failed", "robots: disallowed by disallow: /article/9 (line 2)",
                   "robots: disallowed", seconds(10), 0, ""});
  return cases;
}

// The options every row shares: the loopback site, short timeouts, two attempts per URL.
CrawlOptions Common(const HttpServer& server) {
  CrawlOptions options = hc::testing::FastOptions(server);
  options.fetcher.proxy = "";
  options.fetcher.connect_timeout = milliseconds(1000);
  options.fetcher.total_timeout = milliseconds(3000);
  options.max_attempts = 2;
  options.concurrency = 2;
  return options;
}

TEST(CrawlFaults, EachFaultIsBoundedRecordedAndTheCrawlGoesOn) {
  const extract::SelectorProgram program = hc::testing::LoadProgram("mfk");
  for (const FaultCase& c : Cases()) {
    SCOPED_TRACE(c.name);
    HttpServer server;
    server.RobotsTxt("User-agent: *\nAllow: /\n");
    server.Route(hc::testing::GeneratedArticlePath(kGoodId), hc::testing::GeneratedArticle(kGoodId));
    c.serve(server);
    hc::testing::TempDir dir;
    const std::string db = (dir / "crawl.db").string();
    CrawlOptions options = Common(server);
    if (c.tune) c.tune(options);
    options.start_urls = {c.start_url, MfkArticleUrl(kGoodId)};

    ResetPeakRss();
    const long rss_before = StatusKiB("VmRSS");
    const auto started = Steady::now();
    Result<CrawlReport> report = [&]() -> Result<CrawlReport> {
      auto store = store::OpenDatabase(db);
      if (!store.ok()) return store.status();
      options.runs = store->get();
      return RunCrawl(program, **store, options);
    }();
    const auto elapsed = Steady::now() - started;
    const long peak_growth_kib = std::max(0L, StatusKiB("VmHWM") - rss_before);  // VmHWM lags a little
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    std::printf("fault row \"%s\": %.2f s (bound %lld s), %lld decoded bytes, peak RSS +%ld KiB\n", c.name,
                std::chrono::duration<double>(elapsed).count(), static_cast<long long>(c.bound.count()),
                static_cast<long long>(report->bytes), peak_growth_kib);

    // Bounded time and memory.
    EXPECT_LT(elapsed, c.bound) << std::chrono::duration<double>(elapsed).count() << " s";
    EXPECT_LE(static_cast<std::size_t>(report->bytes), kBodyLimit + kMiB) << "the body limit did not abort the transfer";
    EXPECT_LT(peak_growth_kib, 400 * 1024) << "peak RSS grew by " << peak_growth_kib << " KiB";
    const std::string max_raw = QueryOne(db, "SELECT coalesce(max(body_size), 0) FROM raw_responses");
    EXPECT_LE(std::stoll(max_raw), static_cast<long long>(kBodyLimit));

    // The URL's outcome, in the frontier and (when it failed) in pages and failures.
    const std::string url = c.check_url.empty() ? c.start_url : c.check_url;
    EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = " + Quoted(url)), c.state);
    const std::string detail = QueryOne(db, "SELECT coalesce(detail, '') FROM frontier WHERE url = " + Quoted(url));
    EXPECT_THAT(detail, ::testing::StartsWith(c.reason));
    if (c.state == "failed") {
      EXPECT_EQ(FailureCategory(detail), c.category) << detail;
      EXPECT_EQ(report->failures.count(c.category), 1u);
      EXPECT_EQ(QueryOne(db, "SELECT f.reason FROM failures f JOIN pages p ON p.id = f.page_id WHERE p.url = " +
                                 Quoted(url)),
                detail);
      EXPECT_EQ(QueryOne(db, "SELECT failure_reason FROM pages WHERE url = " + Quoted(url)), detail);
      // Only a 2xx response is archived (so that reextract can try it again with a changed config).
      EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM raw_responses WHERE url = " + Quoted(url)),
                c.category == "content type" ? "1" : "0");
    }
    if (c.state == "done") {
      EXPECT_EQ(QueryOne(db, "SELECT a.title FROM articles a JOIN pages p ON p.id = a.page_id WHERE p.url = " +
                                 Quoted(url)),
                c.title);
    }
    if (c.fault_requests >= 0) {
      const std::string path = url.substr(url.find('/', std::string("http://").size()));
      EXPECT_EQ(static_cast<int>(server.RequestsFor(path).size()), c.fault_requests);
    }

    // The crawl went on: the good article is stored.
    EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = " + Quoted(MfkArticleUrl(kGoodId))), "done");
    EXPECT_EQ(QueryOne(db, "SELECT a.title FROM articles a JOIN pages p ON p.id = a.page_id WHERE p.url = " +
                               Quoted(MfkArticleUrl(kGoodId))),
              hc::testing::GeneratedTitle(kGoodId));
    EXPECT_EQ(report->frontier.in_flight, 0);
    // Some origin answered (the good article's): the run is ok whatever happened to the fault.
    EXPECT_EQ(QueryOne(db, "SELECT outcome FROM crawl_runs"), "ok");
    auto store = store::OpenDatabase(db);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)->CheckIntegrity().ok());
  }
}

// A robots.txt that always fails: tried max_attempts times with the retry backoff, then the origin is
// held, and tried again after a wait that doubles each time, until the wait is longer than
// max_idle_wait and the run ends. Nothing reached any origin, so the run's outcome is "unreachable".
TEST(CrawlFaults, RobotsTxtThatAlwaysFailsIsHeldWithAGrowingWaitAndTheRunIsUnreachable) {
  struct Case {
    const char* name;
    HttpResponse robots;
  };
  const Case cases[] = {
      {"503 every time", HttpResponse{.status = 503, .body = "down"}},
      {"reset every time", HttpResponse{.body = "User-agent: *\nAllow: /\n", .reset_after = 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpServer server;
    server.Route("/robots.txt", c.robots);
    server.Route(FaultPath(), hc::testing::GeneratedArticle(kFaultId));
    const extract::SelectorProgram program = hc::testing::LoadProgram("mfk");
    hc::testing::TempDir dir;
    const std::string db = (dir / "crawl.db").string();
    CrawlOptions options = Common(server);  // 2 attempts, 20 ms backoff
    options.robots_unreachable_wait = milliseconds(400);
    options.max_idle_wait = milliseconds(1000);
    options.start_urls = {MfkArticleUrl(kFaultId)};
    Result<CrawlReport> report = [&]() -> Result<CrawlReport> {
      auto store = store::OpenDatabase(db);
      if (!store.ok()) return store.status();
      options.runs = store->get();
      return RunCrawl(program, **store, options);
    }();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    // Holds of 400 ms and 800 ms are waited through; the third (1.6 s) is longer than max_idle_wait.
    const auto robots = server.RequestsFor("/robots.txt");
    ASSERT_EQ(robots.size(), 6u);
    const milliseconds holds[] = {milliseconds(0), milliseconds(400), milliseconds(800)};
    for (int round = 0; round < 3; ++round) {
      SCOPED_TRACE("round " + std::to_string(round));
      // The backoff (20-30 ms; the fetch loop looks every 100 ms when idle), well short of a hold.
      EXPECT_LT(robots[2 * round + 1].arrived - robots[2 * round].arrived, milliseconds(300)) << "the backoff";
      if (round > 0) {
        EXPECT_GE(robots[2 * round].arrived - robots[2 * round - 1].arrived, holds[round] - milliseconds(10));
      }
    }
    EXPECT_TRUE(server.RequestsFor(FaultPath()).empty());
    EXPECT_TRUE(report->unreachable);
    EXPECT_EQ(RunOutcome(*report), "unreachable");
    EXPECT_EQ(QueryOne(db, "SELECT outcome FROM crawl_runs"), "unreachable");
    EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = " + Quoted(MfkArticleUrl(kFaultId))), "queued");
    EXPECT_EQ(report->frontier.in_flight, 0);
  }
}

// A 503 on robots.txt with Retry-After is retried no sooner than the server asked, as a page is.
TEST(CrawlFaults, RobotsTxtRetryAfterIsHonoured) {
  HttpServer server;
  std::atomic<int> calls{0};
  server.Route("/robots.txt", [&calls](const HttpRequest&) {
    if (++calls == 1) return HttpResponse{.status = 503, .headers = {{"Retry-After", "1"}}};
    return HttpResponse::Text("User-agent: *\nAllow: /\n");
  });
  server.Route(FaultPath(), hc::testing::GeneratedArticle(kFaultId));
  const extract::SelectorProgram program = hc::testing::LoadProgram("mfk");
  hc::testing::TempDir dir;
  auto store = store::OpenDatabase((dir / "crawl.db").string());
  ASSERT_TRUE(store.ok());
  CrawlOptions options = Common(server);
  options.start_urls = {MfkArticleUrl(kFaultId)};
  Result<CrawlReport> report = RunCrawl(program, **store, options);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const auto robots = server.RequestsFor("/robots.txt");
  ASSERT_EQ(robots.size(), 2u);
  EXPECT_GE(robots[1].arrived - robots[0].arrived, milliseconds(990));
  EXPECT_EQ(report->stored, 1);
  EXPECT_EQ(RunOutcome(*report), "ok");
}

TEST(CrawlFaults, RobotsHoldWaitDoublesFromAMinuteUpToAnHour) {
  const CrawlOptions defaults;
  const int minutes[] = {1, 2, 4, 8, 16, 32, 60, 60, 60};
  for (int hold = 0; hold < static_cast<int>(std::size(minutes)); ++hold) {
    SCOPED_TRACE(hold);
    EXPECT_EQ(RobotsHoldWait(hold, defaults.robots_unreachable_wait, defaults.robots_unreachable_max_wait),
              std::chrono::minutes(minutes[hold]));
  }
  EXPECT_EQ(RobotsHoldWait(1000, milliseconds(150), milliseconds(600)), milliseconds(600));
}

// Credentials in URLs (issue 11): links, redirects and sitemap entries with user:pass@ (or a host name
// dressed as one, "http://evil.example.com@www.mfk.com/...") are dropped, counted and recorded; start
// URLs with them are refused; nothing is ever sent with credentials.
TEST(CrawlFaults, UrlsWithUserinfoAreDroppedAndCredentialsNeverSent) {
  HttpServer server;
  server.RobotsTxt(
      "User-agent: *\nAllow: /\nSitemap: http://www.mfk.com/sitemap.xml\n"
      "Sitemap: http://user:pass@www.mfk.com/secret-sitemap.xml\n");
  server.Route("/sitemap.xml",
               HttpResponse::Text("<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
                                  "<url><loc>http://user:pass@www.mfk.com/article/1005.html</loc></url>"
                                  "<url><loc>http://www.mfk.com/article/1006.html</loc></url></urlset>",
                                  "application/xml"));
  server.Route("/list/zixun.html",
               HttpResponse::Html(hc::testing::GeneratedListingHtml(
                   {"http://evil.example.com@www.mfk.com/article/1001.html",
                    "http://user:pass@www.mfk.com/article/1002.html", "/article/1000.html", "/article/1003.html"})));
  server.Route("/article/1003.html", HttpResponse::Redirect(302, "http://user:pass@www.mfk.com/article/1004.html"));
  for (int id : {1000, 1001, 1002, 1004, 1005, 1006}) {
    server.Route(hc::testing::GeneratedArticlePath(id), hc::testing::GeneratedArticle(id));
  }
  // Follow rules that match by path (as some configs do), so that the userinfo links pass them and only
  // the userinfo rule stands between them and the frontier.
  std::string yaml = hc::testing::ReadFile(hc::testing::SelectorsDir() / "mfk.yaml");
  yaml = hc::testing::ReplaceAll(yaml, "'^https?://www\\.mfk\\.com/article/\\d+\\.html'\n    - '^https?://www\\.mfk\\.com/question",
                                 "'/article/\\d+\\.html'\n    - '^https?://www\\.mfk\\.com/question");
  yaml = hc::testing::ReplaceAll(yaml, "\nsitemaps: ['https://www.mfk.com/sitemap.xml']", "\nsitemaps: []");
  ASSERT_THAT(yaml, ::testing::HasSubstr("    - '/article/\\d+\\.html'\n"));
  auto loaded = extract::SelectorProgram::FromYaml(yaml, "mfk.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const extract::SelectorProgram& program = *loaded;
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  CrawlOptions options = Common(server);
  options.read_sitemaps = true;
  options.start_urls = {"http://www.mfk.com/list/zixun.html"};
  Result<CrawlReport> report = [&]() -> Result<CrawlReport> {
    auto store = store::OpenDatabase(db);
    if (!store.ok()) return store.status();
    return RunCrawl(program, **store, options);
  }();
  ASSERT_TRUE(report.ok()) << report.status().ToString();

  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM frontier WHERE url LIKE '%@%' OR url_key LIKE '%@%'"), "0");
  EXPECT_EQ(QueryOne(db, "SELECT count(*) FROM pages WHERE url LIKE '%@%'"), "0");
  for (const char* path : {"/article/1001.html", "/article/1002.html", "/article/1004.html", "/article/1005.html",
                           "/secret-sitemap.xml"}) {
    EXPECT_TRUE(server.RequestsFor(path).empty()) << path << " was requested";
  }
  for (const HttpRequest& request : server.Requests()) {
    EXPECT_EQ(request.Header("authorization"), "") << request.target;
  }
  EXPECT_EQ(QueryOne(db, "SELECT links_dropped FROM pages WHERE url = 'http://www.mfk.com/list/zixun.html'"), "2");
  EXPECT_THAT(QueryOne(db, "SELECT notes FROM pages WHERE url = 'http://www.mfk.com/list/zixun.html'"),
              ::testing::HasSubstr("2 links with user:pass@ dropped"));
  EXPECT_EQ(QueryOne(db, "SELECT state || ' ' || detail FROM frontier WHERE url = " + Quoted(MfkArticleUrl(1003))),
            "failed redirect: userinfo in the target");
  EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = " + Quoted(MfkArticleUrl(1000))), "done");
  EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = " + Quoted(MfkArticleUrl(1006))), "done");
  EXPECT_EQ(report->failures.count("redirect: userinfo in the target"), 1u);

  // A start URL with credentials is refused before anything is requested.
  const std::size_t before = server.Requests().size();
  auto store = store::OpenDatabase(db);
  ASSERT_TRUE(store.ok());
  options.start_urls = {"http://user:pass@www.mfk.com/article/1000.html"};
  Result<CrawlReport> refused = RunCrawl(program, **store, options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), ::testing::HasSubstr("credentials"));
  EXPECT_EQ(server.Requests().size(), before);
}

// A Retry-After far in the future (capped at max_retry_after, 1 h by default) holds the whole origin;
// the run must end once nothing is due within max_idle_wait instead of idling for the hour, and leave
// the URLs queued for the next run.
TEST(CrawlFaults, LongRetryAfterEndsTheRunAndKeepsTheUrlsQueued) {
  HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  server.Route(FaultPath(), HttpResponse{.status = 429, .headers = {{"Retry-After", "86400"}}});
  for (int id : {kGoodId, kGoodId + 1, kGoodId + 2}) {
    server.Route(hc::testing::GeneratedArticlePath(id), hc::testing::GeneratedArticle(id));
  }
  const extract::SelectorProgram program = hc::testing::LoadProgram("mfk");
  hc::testing::TempDir dir;
  const std::string db = (dir / "crawl.db").string();
  CrawlOptions options = Common(server);
  options.concurrency = 1;  // the fault is fetched first; the others wait behind its Retry-After
  options.max_idle_wait = milliseconds(1000);
  options.start_urls = {MfkArticleUrl(kFaultId), MfkArticleUrl(kGoodId), MfkArticleUrl(kGoodId + 1),
                        MfkArticleUrl(kGoodId + 2)};
  const auto started = Steady::now();
  Result<CrawlReport> report = [&]() -> Result<CrawlReport> {
    auto store = store::OpenDatabase(db);
    if (!store.ok()) return store.status();
    return RunCrawl(program, **store, options);
  }();
  const auto elapsed = Steady::now() - started;
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_LT(elapsed, seconds(10));
  EXPECT_EQ(server.RequestsFor(FaultPath()).size(), 1u);
  EXPECT_EQ(QueryOne(db, "SELECT state || ' ' || detail FROM frontier WHERE url = " + Quoted(MfkArticleUrl(kFaultId))),
            "queued http 429");
  EXPECT_EQ(report->frontier.in_flight, 0);
  EXPECT_EQ(report->frontier.queued + report->frontier.done, 4);
}

// Loopback, private and link-local addresses are refused unless the site config (or the option) allows
// them: the origin's URLs fail at once with the reason, and no connection is made.
TEST(CrawlFaults, PrivateAddressesAreRefusedUnlessTheSiteConfigAllowsThem) {
  struct Case {
    const char* name;
    bool config_allows;
    std::string state;
    std::string reason;
  };
  const Case cases[] = {
      {"default: refused", false, "failed", "network: refused_address: refused to connect to non-public address 127.0.0.1"},
      {"allow_private_addresses: true in the config", true, "done", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    HttpServer server;
    server.RobotsTxt("User-agent: *\nAllow: /\n");
    server.Route(hc::testing::GeneratedArticlePath(kGoodId), hc::testing::GeneratedArticle(kGoodId));
    std::string yaml = hc::testing::ReadFile(hc::testing::SelectorsDir() / "mfk.yaml");
    if (c.config_allows) yaml = hc::testing::ReplaceAll(yaml, "\ntime_zone:", "\nallow_private_addresses: true\ntime_zone:");
    auto program = extract::SelectorProgram::FromYaml(yaml, "mfk.yaml");
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    hc::testing::TempDir dir;
    const std::string db = (dir / "crawl.db").string();
    CrawlOptions options = Common(server);
    options.fetcher.allow_private_addresses = false;
    options.start_urls = {MfkArticleUrl(kGoodId)};
    const auto started = Steady::now();
    Result<CrawlReport> report = [&]() -> Result<CrawlReport> {
      auto store = store::OpenDatabase(db);
      if (!store.ok()) return store.status();
      return RunCrawl(*program, **store, options);
    }();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_LT(Steady::now() - started, seconds(10));
    EXPECT_EQ(QueryOne(db, "SELECT state FROM frontier WHERE url = " + Quoted(MfkArticleUrl(kGoodId))), c.state);
    EXPECT_THAT(QueryOne(db, "SELECT coalesce(detail, '') FROM frontier WHERE url = " + Quoted(MfkArticleUrl(kGoodId))),
                ::testing::StartsWith(c.reason));
    if (!c.config_allows) {
      EXPECT_EQ(server.ConnectionsAccepted(), 0) << "a refused address was connected to";
      EXPECT_EQ(report->failures.count("network: refused_address"), 1u);
    }
  }
}

// The summary categories of the reasons the table above produces (FailureCategory).
TEST(CrawlFaults, FailureCategoriesGroupEveryFaultReason) {
  struct Case {
    const char* reason;
    const char* category;
  };
  const Case cases[] = {
      {"network: reset: Recv failure: Connection reset by peer", "network: reset"},
      {"network: timeout: Operation timed out after 1000 milliseconds", "network: timeout"},
      {"too large", "too large"},
      {"redirect: not an http(s) URL: file:///etc/passwd", "redirect: not an http(s) URL"},
      {"redirect: not an http(s) URL: javascript:alert(1)", "redirect: not an http(s) URL"},
      {"redirect: to itself", "redirect: to itself"},
      {"content type: image/png", "content type"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    EXPECT_EQ(FailureCategory(c.reason), c.category);
  }
}

}  // namespace
}  // namespace hc::crawl
