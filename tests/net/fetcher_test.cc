// Tests of the curl fetcher against the loopback test server (tests/support/http_server.h), plus the
// fetcher's pure helpers. Every request goes to 127.0.0.1 (or, in the proxy test, through a "proxy"
// that is the loopback server itself); timeouts are 1-2 s so a failure cannot stall the suite.

#include "net/fetcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "net/fetcher_internal.h"
#include "support/http_server.h"
#include "support/parsed_url.h"
#include "support/test_env.h"

namespace hc::net {
namespace {

using hc::testing::BodyFraming;
using hc::testing::ContentCoding;
using hc::testing::HttpRequest;
using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using hc::testing::ParsedUrl;
using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

FetcherOptions TestOptions() {
  FetcherOptions options;
  options.allow_private_addresses = true;  // the server is on loopback
  options.proxy = "";                      // never a proxy from the environment
  options.connect_timeout = milliseconds(1000);
  options.total_timeout = milliseconds(2000);
  options.low_speed_time = seconds(1);
  options.low_speed_bytes_per_second = 1;
  return options;
}

std::unique_ptr<Fetcher> MakeFetcher(FetcherOptions options = TestOptions()) {
  auto fetcher = NewCurlFetcher(std::move(options));
  EXPECT_TRUE(fetcher.ok()) << fetcher.status().ToString();
  return fetcher.ok() ? std::move(fetcher).value() : nullptr;
}

FetchRequest Get(std::string url, std::uint64_t id = 0) {
  return FetchRequest{.url = ParsedUrl(url), .context_id = id};  // designated init must compile warning-free
}

// Submits everything and drives Perform() until every result is back (bounded by `limit`); results
// are returned in context_id order.
std::vector<FetchResult> RunAll(Fetcher& fetcher, std::vector<FetchRequest> requests,
                                seconds limit = seconds(10)) {
  for (auto& request : requests) fetcher.Submit(std::move(request));
  std::vector<FetchResult> results;
  auto deadline = SteadyClock::now() + limit;
  while (fetcher.Outstanding() > 0 && SteadyClock::now() < deadline) {
    for (auto& result : fetcher.Perform(milliseconds(200))) results.push_back(std::move(result));
  }
  EXPECT_EQ(fetcher.Outstanding(), 0u) << "transfers still outstanding after " << limit.count() << " s";
  std::sort(results.begin(), results.end(),
            [](const FetchResult& a, const FetchResult& b) { return a.context_id < b.context_id; });
  return results;
}

FetchResult FetchOne(Fetcher& fetcher, FetchRequest request) {
  auto results = RunAll(fetcher, {std::move(request)});
  if (results.size() != 1) {
    ADD_FAILURE() << "expected one result, got " << results.size();
    return {};
  }
  return std::move(results.front());  // moved, not copied: a copy would hide the body's buffer size
}

FetchResult FetchOne(Fetcher& fetcher, std::string url) { return FetchOne(fetcher, Get(std::move(url))); }

std::string Describe(const FetchResult& r) {
  return "status " + std::to_string(r.status) + ", error " + std::string(FetchErrorName(r.error)) + ": " +
         r.error_message;
}

TEST(FetcherTest, FetchesA200WithHeadersBodyAndTiming) {
  HttpServer server;
  HttpResponse page = HttpResponse::Html("<h1>你好</h1>");
  page.headers.emplace_back("X-Repeated", "one");
  page.headers.emplace_back("x-repeated", "two");
  server.Route("/page", page);
  auto fetcher = MakeFetcher();
  FetchResult r = FetchOne(*fetcher, Get(server.Url("/page"), 42));

  ASSERT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(r.context_id, 42u);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.http_version, "1.1");
  EXPECT_EQ(r.body, "<h1>你好</h1>");
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(r.url, server.Url("/page"));
  EXPECT_EQ(r.effective_url, server.Url("/page"));
  EXPECT_EQ(r.remote_ip, "127.0.0.1");
  EXPECT_EQ(r.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.Header("content-length"), std::to_string(r.body.size()));
  EXPECT_THAT(r.HeaderValues("X-REPEATED"), ::testing::ElementsAre("one", "two"));
  for (const auto& [name, value] : r.headers) {
    EXPECT_FALSE(std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) << name;
  }
  EXPECT_FALSE(r.Header("x-absent").has_value());
  EXPECT_GT(r.timing.total.count(), 0);
  EXPECT_GE(r.timing.total, r.timing.first_byte);
  EXPECT_TRUE(r.location.empty());

  auto requests = server.RequestsFor("/page");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].Header("user-agent"), hc::DefaultUserAgent());
  EXPECT_THAT(requests[0].Header("accept"), HasSubstr("text/html"));
  EXPECT_THAT(requests[0].Header("accept-language"), HasSubstr("zh-CN"));
  EXPECT_THAT(requests[0].Header("accept-encoding"), HasSubstr("gzip"));
}

TEST(FetcherTest, RequestHeadersReplaceOrRemoveDefaults) {
  HttpServer server;
  server.Route("/", HttpResponse::Text("ok"));
  FetcherOptions options = TestOptions();
  options.user_agent = "test-agent/9";
  auto fetcher = MakeFetcher(options);
  FetchRequest request = Get(server.Url("/"));
  request.headers = {{"accept", "application/xml"}, {"Accept-Language", ""}, {"X-Trace", "abc"}};
  ASSERT_TRUE(FetchOne(*fetcher, request).ok());

  auto log = server.Requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].Header("accept"), "application/xml");
  EXPECT_EQ(log[0].Header("accept-language"), "");
  EXPECT_EQ(log[0].Header("x-trace"), "abc");
  EXPECT_EQ(log[0].Header("user-agent"), "test-agent/9");
  EXPECT_EQ(std::count_if(log[0].headers.begin(), log[0].headers.end(),
                          [](const auto& h) { return h.first == "accept"; }),
            1);
}

TEST(FetcherTest, KeepAliveReusesOneConnection) {
  HttpServer server;
  server.Route("/a", HttpResponse::Text("a"));
  auto fetcher = MakeFetcher();
  for (int i = 0; i < 5; ++i) {
    FetchResult r = FetchOne(*fetcher, server.Url("/a"));
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.reused_connection, i > 0) << "request " << i;
  }
  EXPECT_EQ(server.ConnectionsAccepted(), 1);
  auto log = server.Requests();
  ASSERT_EQ(log.size(), 5u);
  for (const auto& request : log) EXPECT_EQ(request.connection, 1);
  for (std::size_t i = 1; i < log.size(); ++i) EXPECT_LE(log[i - 1].arrived, log[i].arrived);
}

TEST(FetcherTest, DecodesContentCodings) {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "line " + std::to_string(i) + " 高血压\n";
  struct Case {
    const char* name;
    ContentCoding coding;
    BodyFraming framing;
  };
  const Case cases[] = {
      {"gzip", ContentCoding::kGzip, BodyFraming::kContentLength},
      {"deflate", ContentCoding::kDeflate, BodyFraming::kContentLength},
      {"gzip chunked", ContentCoding::kGzip, BodyFraming::kChunked},
      {"identity chunked", ContentCoding::kIdentity, BodyFraming::kChunked},
      {"identity close-delimited", ContentCoding::kIdentity, BodyFraming::kCloseDelimited},
  };
  HttpServer server;
  auto fetcher = MakeFetcher();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    server.Route("/doc", HttpResponse{.body = text, .coding = c.coding, .framing = c.framing});
    FetchResult r = FetchOne(*fetcher, server.Url("/doc"));
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.body.size(), text.size());
    EXPECT_TRUE(r.body == text);
    // The body arrives in pieces and its buffer grows by doubling; what the fetcher hands on has no
    // more than an eighth (plus a page) of slack, since it waits in the crawl's queues.
    EXPECT_LE(r.body.capacity(), r.body.size() + r.body.size() / 8 + 4096);
  }
}

TEST(FetcherTest, ErrorStatusesAreResponsesNotErrors) {
  HttpServer server;
  server.Route("/missing", HttpResponse{.status = 404, .body = "nope"});
  server.Route("/broken", HttpResponse{.status = 500, .body = "oops"});
  server.Route("/busy", HttpResponse{.status = 503, .headers = {{"Retry-After", "120"}}, .body = "later"});
  server.Route("/slow-down", HttpResponse{.status = 429, .headers = {{"Retry-After", "7"}}});
  struct Case {
    const char* path;
    int status;
    const char* body;
    std::optional<seconds> retry_after;
  };
  const Case cases[] = {
      {"/missing", 404, "nope", std::nullopt},
      {"/broken", 500, "oops", std::nullopt},
      {"/busy", 503, "later", seconds(120)},
      {"/slow-down", 429, "", seconds(7)},
      {"/not-routed", 404, "not found: /not-routed\n", std::nullopt},
  };
  auto fetcher = MakeFetcher();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    FetchResult r = FetchOne(*fetcher, server.Url(c.path));
    EXPECT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.body, c.body);
    std::optional<seconds> retry_after;
    if (auto value = r.Header("retry-after")) retry_after = ParseRetryAfter(*value, SystemClock().Now());
    EXPECT_EQ(retry_after, c.retry_after);
  }
}

TEST(FetcherTest, RedirectsAreReportedNotFollowed) {
  HttpServer server;
  server.Route("/old", HttpResponse::Redirect(301, "/new/page?x=1"));
  server.Route("/temp", HttpResponse::Redirect(302, "http://elsewhere.invalid/landing"));
  server.Route("/new/page", HttpResponse::Text("new"));
  struct Case {
    const char* path;
    int status;
    std::string location;
  };
  const Case cases[] = {
      {"/old", 301, server.Url("/new/page?x=1")},  // relative Location resolved against the request
      {"/temp", 302, "http://elsewhere.invalid/landing"},
  };
  auto fetcher = MakeFetcher();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    FetchResult r = FetchOne(*fetcher, server.Url(c.path));
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.location, c.location);
    EXPECT_EQ(r.effective_url, server.Url(c.path));
  }
  EXPECT_TRUE(server.RequestsFor("/new/page").empty()) << "the fetcher followed a redirect";
}

TEST(FetcherTest, ConnectionRefusedIsAConnectError) {
  hc::testing::RefusingPort closed;
  auto fetcher = MakeFetcher();
  FetchResult r = FetchOne(*fetcher, closed.Url("/"));
  EXPECT_EQ(r.error, FetchError::kConnect) << Describe(r);
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(IsTransient(r.error));
  EXPECT_FALSE(r.error_message.empty());
}

TEST(FetcherTest, ServerThatNeverAnswersTimesOut) {
  HttpServer server;
  server.Route("/hang", HttpResponse{.never_answer = true});
  FetcherOptions options = TestOptions();
  options.total_timeout = milliseconds(1000);
  auto fetcher = MakeFetcher(options);
  auto start = SteadyClock::now();
  FetchResult r = FetchOne(*fetcher, server.Url("/hang"));
  auto elapsed = SteadyClock::now() - start;
  EXPECT_EQ(r.error, FetchError::kTimeout) << Describe(r);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(server.RequestsFor("/hang").size(), 1u);
  EXPECT_GE(elapsed, milliseconds(900));
  EXPECT_LT(elapsed, seconds(5));  // bounded by total_timeout, not by the server
}

TEST(FetcherTest, TrickleBelowLowSpeedLimitTimesOut) {
  HttpServer server;
  server.Route("/drip", HttpResponse{.body = std::string(20000, 'x'), .trickle_bytes_per_second = 40});
  FetcherOptions options = TestOptions();
  options.total_timeout = milliseconds(10'000);  // so only the low-speed check can end it quickly
  options.low_speed_bytes_per_second = 1000;
  options.low_speed_time = seconds(1);
  auto fetcher = MakeFetcher(options);
  auto start = SteadyClock::now();
  FetchResult r = FetchOne(*fetcher, server.Url("/drip"));
  EXPECT_EQ(r.error, FetchError::kTimeout) << Describe(r);
  EXPECT_THAT(r.error_message, HasSubstr("too slow"));
  EXPECT_EQ(r.status, 200);  // the headers had arrived
  EXPECT_LT(r.body.size(), 20000u);
  EXPECT_LT(SteadyClock::now() - start, seconds(5));
}

TEST(FetcherTest, BodiesOverTheLimitAreAbortedAsTooLarge) {
  struct Case {
    const char* name;
    HttpResponse response;
    std::size_t option_limit;
    std::size_t request_limit;
    bool too_large;
  };
  const Case cases[] = {
      {"plain body over limit", HttpResponse{.body = std::string(100'000, 'a')}, 10'000, 0, true},
      {"body at the limit", HttpResponse{.body = std::string(10'000, 'a')}, 10'000, 0, false},
      // 1 MB of zeros gzips to about 1 KB: the limit counts decoded bytes.
      {"gzip bomb", HttpResponse{.body = std::string(1'000'000, '\0'), .coding = ContentCoding::kGzip},
       100'000, 0, true},
      {"chunked over limit", HttpResponse{.body = std::string(50'000, 'c'), .framing = BodyFraming::kChunked},
       10'000, 0, true},
      {"per-request limit raises it", HttpResponse{.body = std::string(100'000, 'a')}, 10'000, 200'000,
       false},
      {"per-request limit lowers it", HttpResponse{.body = std::string(5'000, 'a')}, 10'000, 1'000, true},
  };
  HttpServer server;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    server.Route("/big", c.response);
    FetcherOptions options = TestOptions();
    options.max_body_bytes = c.option_limit;
    auto fetcher = MakeFetcher(options);
    FetchRequest request = Get(server.Url("/big"));
    request.max_body_bytes = c.request_limit;
    FetchResult r = FetchOne(*fetcher, request);
    std::size_t limit = c.request_limit > 0 ? c.request_limit : c.option_limit;
    if (c.too_large) {
      EXPECT_EQ(r.error, FetchError::kTooLarge) << Describe(r);
      EXPECT_THAT(r.error_message, HasSubstr("larger than " + std::to_string(limit)));
      EXPECT_FALSE(IsTransient(r.error));
    } else {
      EXPECT_TRUE(r.ok()) << Describe(r);
      EXPECT_EQ(r.body.size(), c.response.body.size());
    }
    EXPECT_LE(r.body.size(), limit);
  }
}

TEST(FetcherTest, HeadersOverTheLimitAreTooLarge) {
  HttpServer server;
  HttpResponse response = HttpResponse::Text("small body");
  for (int i = 0; i < 100; ++i)
    response.headers.emplace_back("X-Filler-" + std::to_string(i), std::string(100, 'h'));
  server.Route("/fat-headers", response);
  FetcherOptions options = TestOptions();
  options.max_header_bytes = 4096;
  auto fetcher = MakeFetcher(options);
  FetchResult r = FetchOne(*fetcher, server.Url("/fat-headers"));
  EXPECT_EQ(r.error, FetchError::kTooLarge) << Describe(r);
  EXPECT_THAT(r.error_message, HasSubstr("headers larger than 4096"));
}

TEST(FetcherTest, BrokenResponsesAreErrors) {
  const std::string body(5000, 'b');
  struct Case {
    const char* name;
    HttpResponse response;
    FetchError error;
  };
  const Case cases[] = {
      {"body shorter than Content-Length", HttpResponse{.body = body, .announced_length = 9000},
       FetchError::kTruncated},
      {"chunk size not hexadecimal", HttpResponse{.body = body, .framing = BodyFraming::kChunkedBadSize},
       FetchError::kProtocol},
      {"chunked without last chunk", HttpResponse{.body = body, .framing = BodyFraming::kChunkedUnterminated},
       FetchError::kTruncated},
      {"reset mid-body", HttpResponse{.body = body, .reset_after = 1000}, FetchError::kReset},
      {"undecodable gzip", HttpResponse{.body = body, .coding = ContentCoding::kBrokenGzip},
       FetchError::kProtocol},
      // Issue 11: these were kBadUrl (libcurl says CURLE_UNSUPPORTED_PROTOCOL) and kOther ("Out of memory").
      {"garbage status line", HttpResponse{.raw = "GARBAGE STATUS LINE\r\n\r\n" + body}, FetchError::kProtocol},
      {"status code not a number", HttpResponse{.raw = "HTTP/1.1 abc OK\r\nContent-Length: 2\r\n\r\nhi"},
       FetchError::kProtocol},
      {"HTTP/0.9 reply (a body, no status line)", HttpResponse{.raw = "<html>" + body + "</html>"},
       FetchError::kProtocol},
      {"one 1 MB header line",
       HttpResponse{.raw = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(1024 * 1024, 'h') +
                           "\r\nContent-Length: 2\r\n\r\nhi"},
       FetchError::kTooLarge},
  };
  HttpServer server;
  auto fetcher = MakeFetcher();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    server.Route("/broken", c.response);
    FetchResult r = FetchOne(*fetcher, server.Url("/broken"));
    EXPECT_EQ(r.error, c.error) << Describe(r);
    EXPECT_FALSE(r.ok());
    EXPECT_FALSE(r.error_message.empty());
  }
  // The fetcher survives all of that and still works.
  server.Route("/fine", HttpResponse::Text("fine"));
  FetchResult after = FetchOne(*fetcher, server.Url("/fine"));
  EXPECT_TRUE(after.ok()) << Describe(after);
}

TEST(FetcherTest, PerHostConcurrencyCapIsRespected) {
  HttpServer server;
  server.Route("/slow", HttpResponse{.body = "s", .delay = milliseconds(150)});
  FetcherOptions options = TestOptions();
  options.max_per_host = 2;
  auto fetcher = MakeFetcher(options);
  for (std::uint64_t i = 0; i < 8; ++i) fetcher->Submit(Get(server.Url("/slow"), i));
  std::size_t done = 0;
  std::size_t peak_in_flight = 0;
  auto deadline = SteadyClock::now() + seconds(10);
  while (fetcher->Outstanding() > 0 && SteadyClock::now() < deadline) {
    for (const auto& r : fetcher->Perform(milliseconds(50))) {
      EXPECT_TRUE(r.ok()) << Describe(r);
      ++done;
    }
    peak_in_flight = std::max(peak_in_flight, fetcher->InFlight("127.0.0.1"));
    EXPECT_LE(fetcher->InFlight(), 2u);
  }
  EXPECT_EQ(done, 8u);
  EXPECT_EQ(peak_in_flight, 2u);
  EXPECT_EQ(server.PeakRequestsInProgress(), 2);
  EXPECT_LE(server.PeakOpenConnections(), 2);
  EXPECT_EQ(fetcher->InFlight("127.0.0.1"), 0u);
}

TEST(FetcherTest, GlobalCapAppliesAcrossHostsAndBusyHostsDoNotBlockOthers) {
  HttpServer server;
  server.Route("/slow", HttpResponse{.body = "s", .delay = milliseconds(150)});
  FetcherOptions options = TestOptions();
  options.max_transfers = 3;
  options.max_per_host = 2;
  auto fetcher = MakeFetcher(options);
  // Two host names for the one loopback server: "127.0.0.1" and "localhost".
  std::string by_name = "http://localhost:" + std::to_string(server.port()) + "/slow";
  std::vector<FetchRequest> requests;
  for (std::uint64_t i = 0; i < 6; ++i) requests.push_back(Get(server.Url("/slow"), i));
  for (std::uint64_t i = 6; i < 9; ++i) requests.push_back(Get(by_name, i));
  auto results = RunAll(*fetcher, std::move(requests));
  ASSERT_EQ(results.size(), 9u);
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(server.PeakRequestsInProgress(), 3);
  // The localhost requests, queued behind six 127.0.0.1 ones, started before those were all done.
  auto log = server.Requests();
  auto first_localhost = std::find_if(
      log.begin(), log.end(), [](const HttpRequest& r) { return r.Header("host").starts_with("localhost"); });
  ASSERT_NE(first_localhost, log.end());
  EXPECT_LT(first_localhost - log.begin(), 6);
}

TEST(FetcherTest, HundredParallelSmallTransfersAllComplete) {
  HttpServer server;
  for (int i = 0; i < 100; ++i) {
    // The delay makes transfers overlap at the server, so running side by side is observable.
    server.Route("/item/" + std::to_string(i),
                 HttpResponse{.body = "item " + std::to_string(i), .delay = milliseconds(50)});
  }
  FetcherOptions options = TestOptions();
  options.max_transfers = 100;
  options.max_per_host = 100;
  auto fetcher = MakeFetcher(options);
  std::vector<FetchRequest> requests;
  for (std::uint64_t i = 0; i < 100; ++i)
    requests.push_back(Get(server.Url("/item/" + std::to_string(i)), i));
  auto results = RunAll(*fetcher, std::move(requests));
  ASSERT_EQ(results.size(), 100u);
  for (std::uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(results[i].context_id, i);
    EXPECT_TRUE(results[i].ok()) << Describe(results[i]);
    EXPECT_EQ(results[i].body, "item " + std::to_string(i));
  }
  EXPECT_EQ(server.Requests().size(), 100u);
  EXPECT_GT(server.PeakRequestsInProgress(), 1);  // they really ran side by side
}

TEST(FetcherTest, NonPublicAddressesAreRefusedUnlessAllowed) {
  HttpServer server;
  server.Route("/", HttpResponse::Text("secret"));
  FetcherOptions options = TestOptions();
  options.allow_private_addresses = false;
  auto fetcher = MakeFetcher(options);
  for (const std::string& url :
       {server.Url("/"), "http://localhost:" + std::to_string(server.port()) + "/"}) {
    SCOPED_TRACE(url);
    FetchResult r = FetchOne(*fetcher, url);
    EXPECT_EQ(r.error, FetchError::kRefusedAddress) << Describe(r);
    EXPECT_THAT(r.error_message, HasSubstr("non-public address"));
    EXPECT_TRUE(r.body.empty());
    EXPECT_FALSE(IsTransient(r.error));
  }
  EXPECT_EQ(server.ConnectionsAccepted(), 0) << "a refused address was connected to";
}

// A request carries a parsed URL (hc::Url), so what does not parse at all ("not a url", "", "http://")
// can never be submitted; what parses with another scheme is answered with kBadUrl, and so is the
// empty Url of a default FetchRequest.
TEST(FetcherTest, OnlyHttpAndHttpsUrlsAreFetched) {
  for (const char* text : {"not a url", "", "http://"}) {
    SCOPED_TRACE(text);
    EXPECT_FALSE(Url::Parse(text).ok());
  }
  const char* urls[] = {"ftp://127.0.0.1/file", "file:///etc/passwd", "gopher://127.0.0.1/",
                        "mailto:someone@example.com"};
  auto fetcher = MakeFetcher();
  std::vector<FetchRequest> requests;
  for (std::uint64_t i = 0; i < std::size(urls); ++i) requests.push_back(Get(urls[i], i));
  requests.push_back(FetchRequest{.url = Url{}, .context_id = std::size(urls)});
  auto results = RunAll(*fetcher, std::move(requests), seconds(2));
  ASSERT_EQ(results.size(), std::size(urls) + 1);
  for (const auto& r : results) {
    SCOPED_TRACE(r.url);
    EXPECT_EQ(r.error, FetchError::kBadUrl) << Describe(r);
    EXPECT_EQ(r.url, r.context_id < std::size(urls) ? urls[r.context_id] : "");
  }
  EXPECT_THAT(results[0].error_message, HasSubstr("unsupported scheme 'ftp'"));
}

// The fetcher hands libcurl the serialization of the URL it is given and parses nothing itself: the
// server sees the href's path and query, and the project's parser is not called while the fetch runs.
TEST(FetcherTest, SendsTheParsedUrlWithoutParsingItAgain) {
  HttpServer server;
  server.Route("/a%20b/%E5%81%A5.html", HttpResponse::Text("ok"));
  const Url url = ParsedUrl(server.Url("/a b/健.html?q=1"));
  ASSERT_EQ(url.path(), "/a%20b/%E5%81%A5.html");
  auto fetcher = MakeFetcher();
  static std::atomic<int> parses{0};
  parses = 0;
  SetUrlParseObserverForTests([](std::string_view) { ++parses; });
  FetchResult r = FetchOne(*fetcher, FetchRequest{.url = url, .context_id = 1});
  SetUrlParseObserverForTests(nullptr);
  EXPECT_EQ(parses.load(), 0);
  ASSERT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.url, url.href());
  ASSERT_EQ(server.Requests().size(), 1u);
  EXPECT_EQ(server.Requests()[0].target, "/a%20b/%E5%81%A5.html?q=1");
}

// Credentials in a URL (a link to http://evil.example.com@host/ or user:pass@) are refused before any
// connection: nothing is sent, so no Authorization header either.
TEST(FetcherTest, UrlsWithUserinfoAreRefusedAndNothingIsSent) {
  HttpServer server;
  server.Route("/good/1.html", HttpResponse::Text("good"));
  const std::string authority = "127.0.0.1:" + std::to_string(server.port());
  const std::string urls[] = {"http://evil.example.com@" + authority + "/good/1.html",
                              "http://user:pass@" + authority + "/good/1.html",
                              "http://:pass@" + authority + "/good/1.html"};
  auto fetcher = MakeFetcher();
  std::vector<FetchRequest> requests;
  for (std::uint64_t i = 0; i < std::size(urls); ++i) requests.push_back(Get(urls[i], i));
  auto results = RunAll(*fetcher, std::move(requests), seconds(2));
  ASSERT_EQ(results.size(), std::size(urls));
  for (const auto& r : results) {
    SCOPED_TRACE(r.url);
    EXPECT_EQ(r.error, FetchError::kBadUrl) << Describe(r);
    EXPECT_THAT(r.error_message, HasSubstr("credentials"));
  }
  EXPECT_EQ(server.ConnectionsAccepted(), 0);
  EXPECT_TRUE(server.Requests().empty());
}

TEST(FetcherTest, ConditionalGetGets304) {
  HttpServer server;
  const std::string lm = "Sun, 01 Mar 2026 02:00:00 GMT";
  server.Route("/article", HttpResponse{.body = "v1", .etag = "\"v1\"", .last_modified = lm});
  auto fetcher = MakeFetcher();
  FetchResult first = FetchOne(*fetcher, server.Url("/article"));
  ASSERT_TRUE(first.ok()) << Describe(first);
  ASSERT_EQ(first.Header("etag"), "\"v1\"");
  ASSERT_EQ(first.Header("last-modified"), lm);

  struct Case {
    const char* name;
    std::string if_none_match;
    std::string if_modified_since;
    int status;
    std::string body;
  };
  const Case cases[] = {
      {"matching etag", "\"v1\"", "", 304, ""},
      {"etag in a list", "\"v0\", \"v1\"", "", 304, ""},
      {"stale etag", "\"v0\"", "", 200, "v1"},
      {"same date", "", lm, 304, ""},
      {"later date", "", "Mon, 02 Mar 2026 00:00:00 GMT", 304, ""},
      {"earlier date", "", "Sat, 28 Feb 2026 00:00:00 GMT", 200, "v1"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FetchRequest request = Get(server.Url("/article"));
    request.if_none_match = c.if_none_match;
    request.if_modified_since = c.if_modified_since;
    FetchResult r = FetchOne(*fetcher, request);
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.body, c.body);
    auto log = server.RequestsFor("/article");
    EXPECT_EQ(log.back().Header("if-none-match"), c.if_none_match);
    EXPECT_EQ(log.back().Header("if-modified-since"), c.if_modified_since);
  }
}

TEST(FetcherTest, CookiesAreKeptOnlyWhenEnabled) {
  HttpServer server;
  server.Route("/set", HttpResponse{.headers = {{"Set-Cookie", "session=abc123; Path=/"}}, .body = "set"});
  server.Route("/check",
               [](const HttpRequest& request) { return HttpResponse::Text(request.Header("cookie")); });
  for (bool cookies : {false, true}) {
    SCOPED_TRACE(cookies ? "cookies on" : "cookies off");
    FetcherOptions options = TestOptions();
    options.cookies = cookies;
    auto fetcher = MakeFetcher(options);
    ASSERT_TRUE(FetchOne(*fetcher, server.Url("/set")).ok());
    FetchResult r = FetchOne(*fetcher, server.Url("/check"));
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.body, cookies ? "session=abc123" : "");
  }
}

TEST(FetcherTest, ProxyFromOptionsIsUsedAndExemptFromTheAddressFilter) {
  // The loopback server plays an HTTP proxy: it receives the absolute-form target (RFC 9112 3.2.2).
  // Nothing resolves or contacts the .invalid host.
  HttpServer proxy;
  proxy.Route("http://crawl-target.invalid/page", HttpResponse::Text("via proxy"));
  FetcherOptions options = TestOptions();
  options.allow_private_addresses = false;
  options.proxy = proxy.Origin();
  auto fetcher = MakeFetcher(options);
  FetchResult r = FetchOne(*fetcher, "http://crawl-target.invalid/page");
  ASSERT_TRUE(r.ok()) << Describe(r);
  EXPECT_EQ(r.body, "via proxy");
  ASSERT_EQ(proxy.Requests().size(), 1u);
  EXPECT_EQ(proxy.Requests()[0].target, "http://crawl-target.invalid/page");
  EXPECT_EQ(proxy.Requests()[0].Header("host"), "crawl-target.invalid");
}

TEST(FetcherTest, PerformWaitsWhenIdleAndWakeupInterruptsIt) {
  auto fetcher = MakeFetcher();
  auto start = SteadyClock::now();
  EXPECT_TRUE(fetcher->Perform(milliseconds(150)).empty());
  EXPECT_GE(SteadyClock::now() - start, milliseconds(100)) << "an idle Perform must not spin";

  std::thread waker([&] {
    std::this_thread::sleep_for(milliseconds(100));
    fetcher->Wakeup();
  });
  start = SteadyClock::now();
  EXPECT_TRUE(fetcher->Perform(milliseconds(5000)).empty());
  auto elapsed = SteadyClock::now() - start;
  waker.join();
  EXPECT_LT(elapsed, milliseconds(3000));
}

TEST(FetcherTest, SubmitFromAnotherThreadReachesABlockedPerform) {
  HttpServer server;
  server.Route("/late", HttpResponse::Text("late"));
  auto fetcher = MakeFetcher();
  std::thread submitter([&] {
    std::this_thread::sleep_for(milliseconds(100));
    fetcher->Submit(Get(server.Url("/late"), 7));
  });
  std::vector<FetchResult> results;
  auto deadline = SteadyClock::now() + seconds(5);
  while (results.empty() && SteadyClock::now() < deadline) results = fetcher->Perform(milliseconds(1000));
  submitter.join();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].context_id, 7u);
  EXPECT_EQ(results[0].body, "late");
}

TEST(FetcherTest, DestroyingAFetcherWithTransfersInFlightIsClean) {
  HttpServer server;
  server.Route("/hang", HttpResponse{.never_answer = true});
  auto fetcher = MakeFetcher();
  for (std::uint64_t i = 0; i < 3; ++i) fetcher->Submit(Get(server.Url("/hang"), i));
  EXPECT_TRUE(fetcher->Perform(milliseconds(100)).empty());
  EXPECT_EQ(fetcher->InFlight(), 3u);
  EXPECT_EQ(fetcher->Outstanding(), 3u);
  fetcher.reset();  // ASan would report leaked easy handles or lists
}

TEST(FetcherTest, RejectsZeroConcurrency) {
  FetcherOptions options = TestOptions();
  options.max_per_host = 0;
  auto fetcher = NewCurlFetcher(options);
  ASSERT_FALSE(fetcher.ok());
  EXPECT_EQ(fetcher.status().code(), StatusCode::kInvalidArgument);
}

// --- the loopback server's folder mode, through the fetcher ------------------------------------------

TEST(FetcherTest, ServesAFolderWithTypesCharsetsAndValidators) {
  hc::testing::TempDir dir;
  hc::testing::WriteFile(dir / "index.html", "<p>home</p>");
  hc::testing::WriteFile(dir / "article/1.html", "<p>\xb8\xdf\xd1\xaa\xd1\xb9</p>");  // 高血压 in GBK
  hc::testing::WriteFile(dir / "article/2.html", "<p>two</p>");
  hc::testing::WriteFile(dir / "sitemap.xml", "<urlset/>");
  hc::testing::WriteFile(dir / "data.bin", "\x01\x02");
  HttpServer server;
  server.ServeDirectory({.root = dir.path(), .charsets = {{"article/1.html", "gbk"}}, .default_charset = ""});
  server.RobotsTxt("User-agent: *\nDisallow: /private/\n");
  struct Case {
    const char* path;
    int status;
    std::string content_type;
    std::string body;
  };
  const Case cases[] = {
      {"/", 200, "text/html", "<p>home</p>"},
      {"/article/1.html", 200, "text/html; charset=gbk", "<p>\xb8\xdf\xd1\xaa\xd1\xb9</p>"},
      {"/article/2.html", 200, "text/html", "<p>two</p>"},
      {"/article/%32.html", 200, "text/html", "<p>two</p>"},
      {"/sitemap.xml", 200, "application/xml", "<urlset/>"},
      {"/data.bin", 200, "application/octet-stream", "\x01\x02"},
      {"/robots.txt", 200, "text/plain; charset=utf-8", "User-agent: *\nDisallow: /private/\n"},
      {"/article/3.html", 404, "text/plain; charset=utf-8", "not found: /article/3.html\n"},
  };
  auto fetcher = MakeFetcher();
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    FetchResult r = FetchOne(*fetcher, server.Url(c.path));
    ASSERT_TRUE(r.ok()) << Describe(r);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.content_type, c.content_type);
    EXPECT_EQ(r.body, c.body);
  }
  FetchResult first = FetchOne(*fetcher, server.Url("/article/2.html"));
  ASSERT_TRUE(first.Header("etag").has_value());
  ASSERT_TRUE(first.Header("last-modified").has_value());
  FetchRequest again = Get(server.Url("/article/2.html"));
  again.if_none_match = std::string(*first.Header("etag"));
  EXPECT_EQ(FetchOne(*fetcher, again).status, 304);
}

// --- pure helpers -----------------------------------------------------------------------------------

TEST(FetcherInternalTest, IsPublicAddress) {
  struct Case {
    const char* ip;
    bool is_public;
  };
  const Case cases[] = {
      {"93.184.216.34", true},
      {"8.8.8.8", true},
      {"1.1.1.1", true},
      {"127.0.0.1", false},
      {"127.255.1.2", false},
      {"10.1.2.3", false},
      {"172.16.0.1", false},
      {"172.31.255.255", false},
      {"172.32.0.1", true},
      {"192.168.1.1", false},
      {"169.254.169.254", false},
      {"100.64.0.1", false},
      {"100.128.0.1", true},
      {"0.0.0.0", false},
      {"224.0.0.1", false},
      {"255.255.255.255", false},
      {"192.0.2.10", false},
      {"198.18.0.1", false},
      {"2606:4700::1111", true},
      {"::1", false},
      {"::", false},
      {"fe80::1", false},
      {"fc00::1", false},
      {"fd12:3456::1", false},
      {"ff02::1", false},
      {"2001:db8::1", false},
      {"::ffff:127.0.0.1", false},
      {"::ffff:8.8.8.8", true},
      {"64:ff9b::10.0.0.1", false},
      {"64:ff9b::8.8.8.8", true},
      {"not-an-ip", false},
      {"", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ip);
    EXPECT_EQ(fetcher_internal::IsPublicAddress(std::string(c.ip)), c.is_public);
  }
}

TEST(FetcherInternalTest, ParseRetryAfter) {
  TimePoint now = std::chrono::system_clock::from_time_t(1'772'330'400);  // 2026-03-01T02:00:00Z
  struct Case {
    const char* value;
    std::optional<seconds> wait;
  };
  const Case cases[] = {
      {"120", seconds(120)},
      {" 0 ", seconds(0)},
      {"Sun, 01 Mar 2026 02:01:30 GMT", seconds(90)},
      {"Sunday, 01-Mar-26 02:00:10 GMT", seconds(10)},  // RFC 850, obsolete but required
      {"Sun Mar  1 02:00:05 2026", seconds(5)},         // asctime
      {"Sat, 28 Feb 2026 00:00:00 GMT", seconds(0)},    // in the past: no wait
      {"-5", std::nullopt},
      {"soon", std::nullopt},
      {"", std::nullopt},
      {"99999999999999999999999", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    EXPECT_EQ(ParseRetryAfter(c.value, now), c.wait);
  }
}

TEST(FetcherInternalTest, AddHeaderLineKeepsOnlyTheFinalResponse) {
  HeaderList headers;
  for (const char* line : {"HTTP/1.1 100 Continue\r\n", "X-Interim: yes\r\n", "\r\n", "HTTP/1.1 200 OK\r\n",
                           "Content-Type:  text/html \r\n", "X-Folded: first\r\n", "\t second\r\n",
                           "Set-Cookie: a=1\r\n", "set-cookie: b=2\r\n", "no colon here\r\n", "\r\n"}) {
    fetcher_internal::AddHeaderLine(line, &headers);
  }
  HeaderList expected = {{"content-type", "text/html"},
                         {"x-folded", "first second"},
                         {"set-cookie", "a=1"},
                         {"set-cookie", "b=2"}};
  EXPECT_EQ(headers, expected);
}

TEST(FetcherInternalTest, ClassifyCurlError) {
  struct Case {
    const char* name;
    fetcher_internal::TransferFailure failure;
    FetchError error;
  };
  const Case cases[] = {
      {"ok", {CURLE_OK, "", false, false}, FetchError::kNone},
      {"dns", {CURLE_COULDNT_RESOLVE_HOST, "", false, false}, FetchError::kDns},
      {"connect", {CURLE_COULDNT_CONNECT, "", false, false}, FetchError::kConnect},
      {"refused by filter", {CURLE_COULDNT_CONNECT, "", true, false}, FetchError::kRefusedAddress},
      {"timeout", {CURLE_OPERATION_TIMEDOUT, "", false, false}, FetchError::kTimeout},
      {"write error over limit", {CURLE_WRITE_ERROR, "", false, true}, FetchError::kTooLarge},
      {"write error otherwise", {CURLE_WRITE_ERROR, "", false, false}, FetchError::kOther},
      {"recv error", {CURLE_RECV_ERROR, "Connection reset by peer", false, false}, FetchError::kReset},
      {"bad chunk",
       {CURLE_RECV_ERROR, "Illegal or missing hexadecimal sequence in chunked-encoding", false, false},
       FetchError::kProtocol},
      {"partial", {CURLE_PARTIAL_FILE, "", false, false}, FetchError::kTruncated},
      {"tls", {CURLE_PEER_FAILED_VERIFICATION, "", false, false}, FetchError::kTls},
      {"bad encoding", {CURLE_BAD_CONTENT_ENCODING, "", false, false}, FetchError::kProtocol},
      {"scheme", {CURLE_UNSUPPORTED_PROTOCOL, "", false, false}, FetchError::kBadUrl},
      {"not HTTP once connected", {CURLE_UNSUPPORTED_PROTOCOL, "Received HTTP/0.9 when not allowed", false, false, true},
       FetchError::kProtocol},
      {"weird server reply", {CURLE_WEIRD_SERVER_REPLY, "", false, false, true}, FetchError::kProtocol},
      {"header line over libcurl's limit", {CURLE_OUT_OF_MEMORY, "", false, false, true, false}, FetchError::kTooLarge},
      {"out of memory in the body", {CURLE_OUT_OF_MEMORY, "", false, false, true, true}, FetchError::kOther},
      {"out of memory before connecting", {CURLE_OUT_OF_MEMORY, "", false, false, false, false}, FetchError::kOther},
      {"malformed", {CURLE_URL_MALFORMAT, "", false, false}, FetchError::kBadUrl},
      {"credentials refused", {CURLE_LOGIN_DENIED, "", false, false}, FetchError::kBadUrl},
      {"got nothing", {CURLE_GOT_NOTHING, "", false, false, true}, FetchError::kReset},
      {"send error", {CURLE_SEND_ERROR, "", false, false, true}, FetchError::kReset},
      {"proxy handshake", {CURLE_PROXY, "", false, false}, FetchError::kConnect},
      {"client certificate", {CURLE_SSL_CLIENTCERT, "", false, false}, FetchError::kTls},
      {"size exceeded", {CURLE_FILESIZE_EXCEEDED, "", false, false, true}, FetchError::kTooLarge},
      {"http2", {CURLE_HTTP2, "", false, false, true}, FetchError::kProtocol},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(fetcher_internal::ClassifyCurlError(c.failure), c.error);
  }
}

TEST(FetcherInternalTest, ErrorNamesAreStable) {
  EXPECT_EQ(FetchErrorName(FetchError::kNone), "none");
  EXPECT_EQ(FetchErrorName(FetchError::kTooLarge), "too_large");
  EXPECT_EQ(FetchErrorName(FetchError::kRefusedAddress), "refused_address");
  EXPECT_EQ(FetchErrorName(FetchError::kBadUrl), "bad_url");
}

}  // namespace
}  // namespace hc::net

// FetcherOptions::connect_to (added for the crawl engine): the URL's host name is kept (Host header),
// the connection goes where the entry says, and the address filter judges that address.
namespace hc::net {
namespace {

TEST(FetcherTest, ConnectToSendsAHostNameToAnotherAddress) {
  hc::testing::HttpServer server;
  server.Route("/page", hc::testing::HttpResponse::Text("offline copy"));
  struct Case {
    const char* name;
    bool allow_private;
    bool reaches_server;
  };
  const Case cases[] = {{"allowed", true, true}, {"filtered", false, false}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FetcherOptions options;
    options.allow_private_addresses = c.allow_private;
    options.connect_timeout = std::chrono::milliseconds(1000);
    options.connect_to = {"www.crawl-target.invalid:80:127.0.0.1:" + std::to_string(server.port())};
    auto fetcher = NewCurlFetcher(options);
    ASSERT_TRUE(fetcher.ok());
    (*fetcher)->Submit({.url = ParsedUrl("http://www.crawl-target.invalid/page"), .context_id = 1});
    std::vector<FetchResult> results;
    while (results.empty()) results = (*fetcher)->Perform(std::chrono::milliseconds(200));
    if (c.reaches_server) {
      ASSERT_TRUE(results[0].ok()) << results[0].error_message;
      EXPECT_EQ(results[0].body, "offline copy");
      ASSERT_FALSE(server.Requests().empty());
      EXPECT_EQ(server.Requests().back().Header("host"), "www.crawl-target.invalid");
    } else {
      EXPECT_EQ(results[0].error, FetchError::kRefusedAddress) << results[0].error_message;
    }
  }
  EXPECT_EQ(server.Requests().size(), 1u);
}

}  // namespace
}  // namespace hc::net
