// Internals of the fetcher shared between its .cc files and its tests: the address filter, the
// mapping from libcurl's error codes to FetchError, and response header parsing. Not part of the net
// stage's API.
//
// Thread-safety: pure functions; AddressFilter is immutable after construction.
#pragma once

#include <curl/curl.h>
#include <sys/socket.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "net/fetcher.h"

namespace hc::net::fetcher_internal {

// True for globally reachable unicast addresses; false for the special-purpose blocks of RFC 6890
// (and later registry entries) a crawler must not be talked into connecting to: "this network",
// loopback, RFC 1918 private, carrier-grade NAT (RFC 6598), link-local, documentation and benchmark
// ranges, multicast, reserved and broadcast; for IPv6 the unspecified and loopback addresses, ULA
// (fc00::/7), link- and site-local, multicast, documentation (2001:db8::/32), discard-only
// (100::/64), and IPv4-mapped / NAT64 (64:ff9b::/96) addresses whose IPv4 part is not public.
bool IsPublicAddress(const sockaddr* address);
// The same for an address literal ("10.0.0.1", "::1"); false when `ip` is not one.
bool IsPublicAddress(const std::string& ip);
// "192.0.2.1" / "2001:db8::1"; "" for other families.
std::string AddressToString(const sockaddr* address);

// Decides, for each address libcurl is about to connect to, whether that is allowed.
class AddressFilter {
 public:
  // allow_private: permit everything. exempt: address literals always permitted (the proxies').
  AddressFilter(bool allow_private, std::set<std::string> exempt)
      : allow_private_(allow_private), exempt_(std::move(exempt)) {}
  bool allow_private() const { return allow_private_; }
  bool Permits(const sockaddr* address) const;

 private:
  bool allow_private_;
  std::set<std::string> exempt_;
};

// Host names of the proxies libcurl will use: `configured` when set (empty = none), otherwise those
// named by the environment variables libcurl reads. Used to exempt proxies from the address filter.
std::vector<std::string> ProxyHosts(const std::optional<std::string>& configured);
// Every address `host` resolves to (blocking getaddrinfo); empty when it does not resolve.
std::set<std::string> ResolveAll(const std::string& host);

// What went wrong, given libcurl's result and what the fetcher's own callbacks recorded.
struct TransferFailure {
  CURLcode code = CURLE_OK;
  std::string_view curl_message;  // CURLOPT_ERRORBUFFER, may be empty
  bool refused_address = false;   // the address filter refused at least one address
  bool too_large = false;         // the body or header callback stopped the transfer over a limit
  bool connected = false;         // a connection was made (libcurl knows the address it reached)
  bool body_started = false;      // the response's header block was complete (a body byte arrived)
};
FetchError ClassifyCurlError(const TransferFailure& failure);

// Feeds one header line, as libcurl's CURLOPT_HEADERFUNCTION delivers it (with CRLF), into `headers`.
// A status line ("HTTP/...") starts a new response, so headers of 1xx interim responses and of a
// proxy's CONNECT reply are dropped; obsolete line folding (RFC 9112 5.2) continues the last value.
void AddHeaderLine(std::string_view line, HeaderList* headers);

}  // namespace hc::net::fetcher_internal
