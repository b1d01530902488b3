// Fetcher: downloads pages for the crawl engine. The production implementation (NewCurlFetcher) runs
// one libcurl multi-handle event loop in the thread that calls Perform(): every transfer is a curl easy
// handle carrying its request through CURLOPT_PRIVATE, and nothing spawns a thread per request
// (the shape of curl's docs/examples/10-at-a-time.c). HTTP/1.1 everywhere, HTTP/2 over TLS when the
// server offers it (ALPN), gzip/deflate/br/zstd bodies decoded, connections reused, and:
//
//  * Redirects are never followed. A 3xx comes back as a result with its status and `location` (the
//    Location header resolved against the request URL), so the crawler re-checks allowed domains and
//    robots.txt before it submits the target like any other URL.
//  * Only http and https URLs are fetched; anything else is answered with FetchError::kBadUrl, and so
//    is a URL with userinfo (user:pass@): credentials found in a URL are never sent.
//  * Unless FetcherOptions::allow_private_addresses, connections to loopback, private, link-local,
//    carrier-grade NAT, multicast and other special-purpose addresses (RFC 6890) are refused before
//    any packet is sent (checked on every resolved address, so DNS answers cannot smuggle them in).
//  * Bodies are capped (default 10 MiB of decoded bytes, FetchError::kTooLarge), as are headers.
//  * Per-host politeness delays belong to the crawl engine; the fetcher enforces only concurrency caps
//    (global and per host) and exposes how many transfers are in flight per host.
//
// The crawl loop alternates Submit() (refilled from its frontier) and Perform(max_wait), which waits at
// most max_wait for activity and returns the transfers that finished. Every Submit() yields exactly one
// FetchResult from some later Perform(), whether it succeeded, failed, or was refused outright:
//
//   auto fetcher = NewCurlFetcher(options);  // Result<std::unique_ptr<Fetcher>>
//   while (frontier.HasWork() || (*fetcher)->Outstanding() > 0) {
//     while (auto next = frontier.NextReady()) {
//       (*fetcher)->Submit({.url = next->parsed_url, .context_id = next->id});
//     }
//     for (FetchResult& result : (*fetcher)->Perform(std::chrono::milliseconds(200))) Handle(result);
//   }
//
// Proxies: FetcherOptions::proxy names one; left unset, libcurl reads the environment (http_proxy,
// https_proxy / HTTPS_PROXY, all_proxy / ALL_PROXY, no_proxy / NO_PROXY; note that libcurl ignores an
// upper-case HTTP_PROXY). Through a proxy the fetcher cannot see the destination's address (the proxy
// resolves it), so the address filter can only be enforced by the proxy itself; the proxy's own
// address is exempt from the filter.
//
// A request carries its URL parsed (hc::Url, core/url.h): the caller parsed it once already (the crawl
// engine, to check robots.txt), so the fetcher hands libcurl its serialization (href) and never parses
// it again; what it checks (scheme, userinfo, host) it reads from the parsed URL.
//
// Thread-safety: Submit() and Wakeup() may be called from any thread (Wakeup makes a blocked Perform
// return early). Perform() and the counters must be called from one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "core/url.h"
#include "core/version.h"

namespace hc::net {

// Why a fetch produced no usable HTTP response. An HTTP error status (404, 503) is NOT an error here:
// it is a response, reported in FetchResult::status with FetchError::kNone.
enum class FetchError {
  kNone,
  kBadUrl,          // malformed URL, a scheme other than http/https, or userinfo (user:pass@)
  kRefusedAddress,  // the host resolved only to addresses the address filter refuses
  kDns,             // the host (or proxy) name did not resolve
  kConnect,         // TCP connect failed: refused, unreachable
  kTls,             // TLS handshake or certificate verification failed
  kTimeout,         // connect timeout, total timeout, or below the low-speed limit for too long
  kReset,           // the connection broke: reset by peer, or closed before any response
  kTruncated,       // the body ended before the announced length (or before the last chunk)
  kProtocol,        // not valid HTTP: a garbage status line, an HTTP/0.9 reply (no status line), bad
                    // chunked framing, undecodable content coding, HTTP/2 error
  kTooLarge,        // the decoded body or the header block exceeded its limit, or one header line
                    // exceeded libcurl's (100 KiB)
  kOther,           // anything else libcurl reports (out of memory, internal errors)
};

// "none", "bad_url", "refused_address", "dns", "connect", "tls", "timeout", "reset", "truncated",
// "protocol", "too_large", "other": stable names for logs and the store.
std::string_view FetchErrorName(FetchError error);

// Whether trying the same URL again later might succeed: dns, connect, timeout, reset, truncated.
bool IsTransient(FetchError error);

// Header fields in order; names as given (requests) or lowercased (responses). A name may repeat.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct FetchRequest {
  // An absolute http(s) URL, parsed by the caller. Another scheme, userinfo or no host is answered with
  // kBadUrl; libcurl is given url.href().
  Url url{};
  std::uint64_t context_id = 0;  // opaque to the fetcher; echoed in the result
  // Extra request headers; one with a name the fetcher sets itself (Accept, User-Agent) replaces it,
  // and an empty value removes that header from the request.
  HeaderList headers{};
  // Conditional GET (RFC 9110 section 13.1): the ETag and Last-Modified of the stored copy. A server
  // that agrees it is unchanged answers 304 Not Modified with no body.
  std::string if_none_match{};      // sent verbatim as If-None-Match when not empty
  std::string if_modified_since{};  // an HTTP-date, sent as If-Modified-Since when not empty
  std::size_t max_body_bytes = 0;   // 0 = FetcherOptions::max_body_bytes (e.g. a sitemap may need more)
};

// Phases of one transfer, each measured from the moment it started (libcurl's CURLINFO_*_TIME_T).
struct FetchTiming {
  std::chrono::microseconds queued{0};       // Submit() -> start: waiting for a concurrency slot
  std::chrono::microseconds name_lookup{0};  // DNS done
  std::chrono::microseconds connect{0};      // TCP connected (0 when a connection was reused)
  std::chrono::microseconds tls{0};          // TLS handshake done (0 for http)
  std::chrono::microseconds first_byte{0};   // first response byte arrived
  std::chrono::microseconds total{0};        // finished
};

struct FetchResult {
  std::uint64_t context_id = 0;
  std::string url{};            // as submitted (the request URL's href)
  std::string effective_url{};  // as libcurl sent it (normalised); equals url in substance
  int status = 0;               // HTTP status of the final response; 0 when there was none
  std::string http_version{};   // "1.0", "1.1", "2", "3"; "" when there was no response
  // The final response's header fields (not those of 1xx interim responses or a proxy's CONNECT
  // reply), names lowercased, values trimmed, every value of a repeated field kept in order.
  HeaderList headers{};
  std::string body{};          // decoded (Content-Encoding removed); partial when error != kNone
  std::string content_type{};  // the Content-Type header as sent, "" when absent
  std::string location{};      // for a 3xx with Location: the absolute target URL; otherwise ""
  std::string remote_ip{};     // the address connected to (a proxy's, through a proxy)
  bool reused_connection = false;
  FetchTiming timing{};
  FetchError error = FetchError::kNone;
  std::string error_message{};  // human-readable detail; "" when error == kNone

  // A complete response arrived (of any status).
  bool ok() const { return error == FetchError::kNone; }
  // The first value of a response header (any case), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Every value of a response header, in order.
  std::vector<std::string_view> HeaderValues(std::string_view name) const;
};

// Retry-After (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, as a wait from `now`
// (never negative). nullopt when the value is neither.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, TimePoint now);

struct FetcherOptions {
  std::string user_agent = DefaultUserAgent();
  // Sent with every request unless the request overrides them.
  HeaderList default_headers = {
      {"Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
      {"Accept-Language", "zh-CN,zh;q=0.9,en;q=0.5"},
  };
  std::size_t max_transfers = 32;  // transfers running at once, all hosts together
  std::size_t max_per_host = 4;    // transfers running at once to one host name (a hard cap; the
                                   // crawl engine applies each site's own, usually lower, limit)
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};  // whole transfer, queueing excluded
  // A transfer slower than low_speed_bytes_per_second for low_speed_time is aborted (kTimeout).
  long low_speed_bytes_per_second = 64;
  std::chrono::seconds low_speed_time{30};
  std::size_t max_body_bytes = 10 * 1024 * 1024;  // decoded bytes
  std::size_t max_header_bytes = 256 * 1024;      // all header lines of the response, together
  // unset: libcurl reads proxy variables from the environment (see the header comment);
  // "": no proxy even if the environment names one; otherwise e.g. "http://proxy.example:3128".
  std::optional<std::string> proxy{};
  bool cookies = false;                  // keep cookies servers set and send them back (an in-memory jar)
  // A cookie jar file in the Netscape format (curl's, wget's --load-cookies): its cookies are loaded
  // when the fetcher is made, sent where they apply, and the jar as it then stands (with the cookies
  // servers set meanwhile) is written back to the file when the fetcher is destroyed. A missing file is
  // an empty jar. Implies `cookies`. "" = no file.
  std::string cookie_jar{};
  bool allow_private_addresses = false;  // tests and intranet crawls only
  bool http2 = true;                     // offer HTTP/2 over TLS (ALPN); plain http stays HTTP/1.1
  // Connect somewhere else than the URL says, keeping the URL's host name for Host, SNI and
  // certificates: libcurl's CURLOPT_CONNECT_TO entries "HOST:PORT:CONNECT_HOST:CONNECT_PORT" (an empty
  // field matches or keeps anything). For offline copies of a site and tests; the address filter still
  // applies to the address actually connected to.
  std::vector<std::string> connect_to{};
  std::string ca_file{};  // CA bundle (PEM) to verify servers with (CURLOPT_CAINFO); "" = system default
};

class Fetcher {
 public:
  virtual ~Fetcher() = default;

  // Queues a request. It starts once a slot is free under max_transfers and max_per_host; requests
  // to a busy host do not hold back others. A URL it does not fetch (a scheme other than http/https,
  // userinfo) is answered with kBadUrl in the next Perform(). The queue is
  // scanned on every Perform(), so keep it short: the frontier, not the fetcher, holds the backlog.
  virtual void Submit(FetchRequest request) = 0;

  // Starts queued requests, drives transfers, and returns those that finished. Waits at most
  // `max_wait` (0 = never blocks) and returns as soon as at least one result is ready, or Wakeup()
  // is called. With nothing in flight it simply waits (so an idle loop does not spin).
  virtual std::vector<FetchResult> Perform(std::chrono::milliseconds max_wait) = 0;

  // Makes a Perform() that is waiting, or the next one, return promptly. Any thread.
  virtual void Wakeup() = 0;

  virtual std::size_t InFlight() const = 0;  // started, not yet finished
  // Of those, the ones to `host`: the URL's host name in any case, without port (an IPv6 literal
  // keeps its brackets). What the crawl engine's per-site concurrency limit checks.
  virtual std::size_t InFlight(std::string_view host) const = 0;
  virtual std::size_t Queued() const = 0;  // submitted, not yet started
  // Submitted and not yet returned by Perform(): the loop is done when this is 0 and the frontier is
  // empty.
  virtual std::size_t Outstanding() const = 0;
};

// The libcurl implementation. Fails only when libcurl cannot be initialised.
Result<std::unique_ptr<Fetcher>> NewCurlFetcher(FetcherOptions options);

}  // namespace hc::net
