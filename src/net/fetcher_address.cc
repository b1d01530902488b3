// The address filter and proxy discovery behind FetcherOptions::allow_private_addresses.

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "net/fetcher_internal.h"

namespace hc::net::fetcher_internal {
namespace {

struct V4Block {
  std::uint32_t prefix;
  int length;
};

// IPv4 special-purpose blocks (RFC 6890 section 2.2.2 and the IANA registry), none of which a public
// web page lives on.
constexpr std::array<V4Block, 15> kNonPublicV4 = {{
    {0x00000000, 8},   // 0.0.0.0/8 "this network"
    {0x0A000000, 8},   // 10.0.0.0/8 private (RFC 1918)
    {0x64400000, 10},  // 100.64.0.0/10 carrier-grade NAT (RFC 6598)
    {0x7F000000, 8},   // 127.0.0.0/8 loopback
    {0xA9FE0000, 16},  // 169.254.0.0/16 link-local (and cloud metadata services)
    {0xAC100000, 12},  // 172.16.0.0/12 private
    {0xC0000000, 24},  // 192.0.0.0/24 IETF protocol assignments
    {0xC0000200, 24},  // 192.0.2.0/24 TEST-NET-1
    {0xC0586300, 24},  // 192.88.99.0/24 6to4 relay anycast (deprecated)
    {0xC0A80000, 16},  // 192.168.0.0/16 private
    {0xC6120000, 15},  // 198.18.0.0/15 benchmarking
    {0xC6336400, 24},  // 198.51.100.0/24 TEST-NET-2
    {0xCB007100, 24},  // 203.0.113.0/24 TEST-NET-3
    {0xE0000000, 4},   // 224.0.0.0/4 multicast
    {0xF0000000, 4},   // 240.0.0.0/4 reserved, including 255.255.255.255 broadcast
}};

bool IsPublicV4(std::uint32_t host_order) {
  for (const auto& block : kNonPublicV4) {
    std::uint32_t mask = block.length == 0 ? 0 : ~std::uint32_t{0} << (32 - block.length);
    if ((host_order & mask) == block.prefix) return false;
  }
  return true;
}

std::uint32_t V4At(const unsigned char* bytes) {
  return (std::uint32_t{bytes[0]} << 24) | (std::uint32_t{bytes[1]} << 16) | (std::uint32_t{bytes[2]} << 8) |
         std::uint32_t{bytes[3]};
}

bool StartsWith(const unsigned char* a, std::initializer_list<unsigned char> prefix) {
  return std::memcmp(a, prefix.begin(), prefix.size()) == 0;
}

bool IsPublicV6(const unsigned char* a) {
  static constexpr unsigned char kZero[16] = {};
  if (std::memcmp(a, kZero, 15) == 0 && (a[15] == 0 || a[15] == 1)) return false;  // :: and ::1
  // ::ffff:0:0/96 IPv4-mapped: judge the IPv4 address.
  if (std::memcmp(a, kZero, 10) == 0 && a[10] == 0xff && a[11] == 0xff) return IsPublicV4(V4At(a + 12));
  // 64:ff9b::/96 NAT64 well-known prefix (RFC 6052): the IPv4 address is what is reached.
  if (StartsWith(a, {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0})) return IsPublicV4(V4At(a + 12));
  if (StartsWith(a, {0x01, 0x00, 0, 0, 0, 0, 0, 0})) return false;  // 100::/64 discard-only
  if (StartsWith(a, {0x20, 0x01, 0x0d, 0xb8})) return false;        // 2001:db8::/32 documentation
  if ((a[0] & 0xfe) == 0xfc) return false;                          // fc00::/7 unique local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) return false;          // fe80::/10 link-local
  if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0) return false;          // fec0::/10 site-local
  if (a[0] == 0xff) return false;                                   // ff00::/8 multicast
  return true;
}

}  // namespace

bool IsPublicAddress(const sockaddr* address) {
  if (address == nullptr) return false;
  if (address->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(address);
    return IsPublicV4(ntohl(in->sin_addr.s_addr));
  }
  if (address->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IsPublicV6(in6->sin6_addr.s6_addr);
  }
  return false;  // AF_UNIX and friends are never web servers
}

bool IsPublicAddress(const std::string& ip) {
  sockaddr_in v4{};
  if (::inet_pton(AF_INET, ip.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    return IsPublicAddress(reinterpret_cast<const sockaddr*>(&v4));
  }
  sockaddr_in6 v6{};
  if (::inet_pton(AF_INET6, ip.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    return IsPublicAddress(reinterpret_cast<const sockaddr*>(&v6));
  }
  return false;
}

std::string AddressToString(const sockaddr* address) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (address->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, buf, sizeof buf);
  } else if (address->sa_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

bool AddressFilter::Permits(const sockaddr* address) const {
  if (allow_private_ || IsPublicAddress(address)) return true;
  return exempt_.count(AddressToString(address)) > 0;
}

std::vector<std::string> ProxyHosts(const std::optional<std::string>& configured) {
  std::vector<std::string> urls;
  if (configured) {
    if (!configured->empty()) urls.push_back(*configured);
  } else {
    // The variables libcurl consults (lib/url.c detect_proxy); it skips upper-case HTTP_PROXY on
    // purpose (CGI programs get request headers as HTTP_* variables).
    for (const char* name : {"http_proxy", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
      if (const char* value = std::getenv(name); value != nullptr && *value != '\0') urls.push_back(value);
    }
  }
  std::vector<std::string> hosts;
  for (const auto& url : urls) {
    std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
    char* host = nullptr;
    if (handle && curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), CURLU_GUESS_SCHEME) == CURLUE_OK &&
        curl_url_get(handle.get(), CURLUPART_HOST, &host, 0) == CURLUE_OK) {
      std::string h(host);
      curl_free(host);
      // curl_url keeps an IPv6 literal's brackets; getaddrinfo wants it without.
      if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
      hosts.push_back(std::move(h));
    }
  }
  return hosts;
}

std::set<std::string> ResolveAll(const std::string& host) {
  std::set<std::string> out;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return out;
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, &::freeaddrinfo);
  for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
    std::string text = AddressToString(ai->ai_addr);
    if (!text.empty()) out.insert(std::move(text));
  }
  return out;
}

}  // namespace hc::net::fetcher_internal
