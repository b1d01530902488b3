// HttpServer: an in-process HTTP/1.1 server on 127.0.0.1 for tests, in the spirit of wget2's test
// servers: a table of URL path -> response, plus programmable misbehaviour per route (delays, trickled
// bodies, lying Content-Length, resets mid-body, never answering, valid and broken chunked framing,
// gzip/deflate bodies, conditional GET), a request log to assert on, and connection counters so
// keep-alive reuse and concurrency limits are observable. It can also serve a folder of files (the
// crawl demo's offline copy of a site).
//
// It binds 127.0.0.1 on an ephemeral port and never any other address. One thread runs a poll() loop
// over non-blocking sockets; delays and trickling are timers in that loop, never sleeps, so one server
// serves many slow requests at once. Stop() (also run by the destructor) is bounded: it wakes the loop,
// which closes every connection, including ones held open by `never_answer`, and joins the thread.
//
// Thread-safety: every public method may be called from any thread while the server runs. Handlers
// (HttpHandler) run on the server thread; they must return promptly (no sleeping: use `delay`), and
// any state they share with the test must be synchronised by the test.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hc::testing {

using HttpHeaderPairs = std::vector<std::pair<std::string, std::string>>;

// One request as the server parsed it.
struct HttpRequest {
  std::string method;                             // "GET"
  std::string target;                             // as sent: "/a/b?x=1"
  std::string path;                               // target without the query: "/a/b"
  std::string version;                            // "HTTP/1.1"
  HttpHeaderPairs headers;                        // names lowercased, values trimmed, in arrival order
  std::string body;                               // only Content-Length-framed request bodies are read
  std::chrono::steady_clock::time_point arrived;  // when its header block was complete
  int connection = 0;                             // 1-based serial number of the TCP connection it arrived on

  // The first value of header `name` (any case), or "" when absent.
  std::string Header(std::string_view name) const;
};

// How the body goes on the wire (RFC 9112 section 6).
enum class BodyFraming {
  kContentLength,        // Content-Length: <size of the (encoded) body>
  kChunked,              // valid chunked transfer coding, several chunks
  kChunkedBadSize,       // chunked, but the first chunk-size is not hexadecimal; then close
  kChunkedUnterminated,  // chunked, all data chunks but no last-chunk; then close
  kCloseDelimited,       // no length at all; the end of the body is the connection closing
};

// Content coding applied to `body` before framing (RFC 9110 section 8.4.1). Applied whatever the
// request's Accept-Encoding says: a test asks for it explicitly.
enum class ContentCoding {
  kIdentity,
  kGzip,        // Content-Encoding: gzip
  kDeflate,     // Content-Encoding: deflate (the zlib format, as RFC 9110 8.4.1.2 defines it)
  kBrokenGzip,  // Content-Encoding: gzip, but the bytes are a gzip header followed by garbage
};

// A canned response and how to (mis)deliver it. An aggregate: use designated initializers,
// e.g. HttpResponse{.status = 503, .headers = {{"Retry-After", "2"}}}.
struct HttpResponse {
  int status = 200;
  // Sent as given after the status line. The server adds the framing headers (Content-Length or
  // Transfer-Encoding), Content-Encoding when `coding` asks for it, ETag/Last-Modified from the
  // validators below, and "Connection: close" when it is going to close.
  HttpHeaderPairs headers{};
  std::string body{};  // the decoded body; `coding` and `framing` say how it is sent
  ContentCoding coding = ContentCoding::kIdentity;
  BodyFraming framing = BodyFraming::kContentLength;
  // Announce this Content-Length instead of the true one; when it is larger than the body, the server
  // sends the whole body and then closes the connection (a truncated response).
  std::optional<std::size_t> announced_length{};
  // Send only this many bytes of the framed body, then reset the connection (TCP RST).
  std::optional<std::size_t> reset_after{};
  std::chrono::milliseconds delay{0};        // wait this long before sending the status line
  std::size_t trickle_bytes_per_second = 0;  // pace the body at this rate; 0 = send at once
  bool never_answer = false;  // read the request, then say nothing until the client or Stop() closes
  bool close = false;         // close the connection after this response ("Connection: close")
  // Send exactly these bytes instead of a response built from the fields above (no status line,
  // headers or framing of the server's own), then close: for replies that are not HTTP/1.1 at all
  // (a garbage status line, an HTTP/0.9 body, a header line of a megabyte).
  std::optional<std::string> raw{};
  // Validators. Each is sent as a header when set; a GET whose If-None-Match lists `etag` (or "*"), or
  // (without If-None-Match) whose If-Modified-Since is not before `last_modified`, gets 304 Not
  // Modified instead (RFC 9110 sections 13.1.1, 13.1.3, 15.4.5).
  std::string etag{};           // with its quotes: "\"v1\""
  std::string last_modified{};  // an IMF-fixdate: "Sun, 01 Mar 2026 02:00:00 GMT"

  static HttpResponse Text(std::string body, std::string content_type = "text/plain; charset=utf-8");
  static HttpResponse Html(std::string body, std::string charset = "utf-8");
  static HttpResponse Redirect(int status, std::string location);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Serving a folder: GET /a/b.html returns <root>/a/b.html; a path ending in "/" returns its
// index.html. Content-Type comes from the extension (.html text/html, .xml application/xml, .txt
// text/plain, .json, .css, .js, .png, .jpg, .gif, .svg, .gz; anything else application/octet-stream);
// text types get "; charset=<c>" where `charsets` (keyed by path relative to root, "/"-separated)
// or else `default_charset` names one ("" = no charset parameter, as many old GBK sites do).
// Each file also gets ETag and Last-Modified from its size and mtime, so conditional GET works.
struct StaticSite {
  std::filesystem::path root{};
  std::map<std::string, std::string> charsets{};
  std::string default_charset{};
};

class HttpServer {
 public:
  // Binds 127.0.0.1:0 and starts serving. On failure it records a GoogleTest failure and port() is 0.
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  std::uint16_t port() const;
  std::string Origin() const;                      // "http://127.0.0.1:<port>"
  std::string Url(std::string_view target) const;  // Origin() + target ("/a?b=1")

  // Routes match the request target exactly first ("/a?x=1"), then its path ("/a"). Unrouted paths go
  // to the served folder if any, else get 404. Re-routing a target replaces its response.
  void Route(std::string target, HttpResponse response);
  void Route(std::string target, HttpHandler handler);
  void RobotsTxt(std::string body);  // a text/plain route at /robots.txt
  void ServeDirectory(StaticSite site);

  std::vector<HttpRequest> Requests() const;                          // the log, in arrival order
  std::vector<HttpRequest> RequestsFor(std::string_view path) const;  // those whose path matches
  int ConnectionsAccepted() const;
  int PeakOpenConnections() const;
  // The most requests that were between "header block complete" and "response fully sent (or
  // connection gone)" at one time: what a client's concurrency limit bounds.
  int PeakRequestsInProgress() const;

  // Idempotent and bounded; the destructor calls it.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A loopback port where connections are refused: a socket bound to 127.0.0.1 that never listens, so
// the kernel answers SYNs with RST. Holding the socket keeps the port from being reused meanwhile.
class RefusingPort {
 public:
  RefusingPort();
  ~RefusingPort();
  RefusingPort(const RefusingPort&) = delete;
  RefusingPort& operator=(const RefusingPort&) = delete;
  std::uint16_t port() const { return port_; }
  std::string Url(std::string_view target) const;

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// gzip (RFC 1952) or zlib (RFC 1950) compression of `data`, for building fixtures.
std::string GzipCompress(std::string_view data);
std::string ZlibCompress(std::string_view data);

// A gzip member (RFC 1952) that inflates to `expanded_bytes` zero bytes, rounded up to a whole MiB: a
// "gzip bomb" of about 1 KB per MiB expanded (1 GiB -> about 1 MB), built without ever holding the
// expanded data. One MiB of zeros is deflated once and its byte-aligned, non-final blocks repeated
// (each copy refers back only into zeros), then a final empty block and the trailer (the CRC-32 is
// combined arithmetically). Serve it with HttpResponse::headers {"Content-Encoding", "gzip"} and the
// default identity `coding`, so the server sends the bytes as they are.
std::string GzipBombOfZeros(std::size_t expanded_bytes);

}  // namespace hc::testing
