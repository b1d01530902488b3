// The checks in front of every route (docs/api.md, "Security"): the Host header against DNS
// rebinding, the token compared in constant time, and each client's request rate.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "serve/serve_internal.h"

namespace hc::serve::internal {
namespace {

// "Example.ORG:8080" -> "example.org"; "[::1]:80" -> "[::1]". Host names compare case-insensitively.
std::string HostName(std::string_view host) {
  std::string name;
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    name = std::string(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  } else {
    name = std::string(host.substr(0, host.find(':')));
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

}  // namespace

bool HostAllowed(std::string_view host, const std::string& listen_host,
                 const std::vector<std::string>& allowed) {
  const std::string name = HostName(host);
  if (name.empty()) return false;
  const std::string listen =
      listen_host.find(':') != std::string::npos ? "[" + listen_host + "]" : listen_host;
  if (name == "localhost" || name == "127.0.0.1" || name == "[::1]" || name == HostName(listen)) return true;
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](const std::string& a) { return HostName(a) == name; });
}

bool TokenMatches(std::string_view given, std::string_view expected) {
  if (expected.empty()) return false;
  // Every byte of the longer one is looked at whatever differs, so the time says nothing but the length.
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  const size_t n = std::max(given.size(), expected.size());
  for (size_t i = 0; i < n; ++i) {
    const unsigned char a = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    const unsigned char b = i < expected.size() ? static_cast<unsigned char>(expected[i]) : 0;
    diff |= static_cast<unsigned char>(a ^ b);
  }
  return diff == 0;
}

bool RateLimiter::Allow(const std::string& client, std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mu_);
  // Bounded: past 10,000 clients the full buckets (clients idle long enough to be forgotten) go.
  if (buckets_.size() > 10'000) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      const double idle = std::chrono::duration<double>(now - it->second.at).count();
      it = it->second.tokens + idle * per_second_ >= burst_ ? buckets_.erase(it) : std::next(it);
    }
  }
  auto [it, added] = buckets_.try_emplace(client);
  Bucket& b = it->second;
  if (added) {
    b.tokens = burst_;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.at).count();
    b.tokens = std::min<double>(burst_, b.tokens + elapsed * per_second_);
  }
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

}  // namespace hc::serve::internal
