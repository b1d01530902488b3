// SitemapReader: fetched sitemaps into frontier URLs (sitemap_reader_internal.h).
#include "crawl/sitemap_reader_internal.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <utility>

namespace hc::crawl::internal {

std::vector<std::string> SitemapReader::Read(const std::string& target, net::FetchResult& result) {
  const extract::SiteConfig& config = run_.config;
  if (!result.ok() || result.status != 200) {
    spdlog::warn("crawl {}: sitemap {}: {}", config.key, target,
                 result.ok() ? "http " + std::to_string(result.status)
                             : std::string(net::FetchErrorName(result.error)) + ": " + result.error_message);
    return {};
  }
  std::string body = std::move(result.body);
  if (body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f && static_cast<unsigned char>(body[1]) == 0x8b) {
    auto inflated = Gunzip(body, run_.options.max_sitemap_bytes);
    if (!inflated.ok()) {
      spdlog::warn("crawl {}: sitemap {}: {}", config.key, target, inflated.status().message());
      return {};
    }
    body = std::move(*inflated);
  }
  ++run_.sitemaps_read;
  Sitemap sitemap = ParseSitemap(body);
  if (sitemap.truncated) {
    spdlog::warn("crawl {}: sitemap {} has more than 50000 entries; the rest are ignored", config.key, target);
  }
  if (sitemap.is_index) return std::move(sitemap.locations);
  std::string().swap(body);  // only the locations are needed from here on
  // Added in chunks: a full sitemap (50,000 URLs) built into NewUrls at once raised the crawl's peak
  // RSS by 9 MB, and the writer waited for the store lock through the whole insert.
  constexpr std::size_t kChunk = 1000;
  std::vector<store::NewUrl> urls;
  urls.reserve(std::min(kChunk, sitemap.locations.size()));
  auto add = [&] {
    if (urls.empty()) return true;
    std::lock_guard lock(run_.store_mu);
    auto added = run_.frontier.AddUrls(urls);
    urls.clear();
    if (!added.ok()) {
      run_.SetFatal(added.status());
      return false;
    }
    if (*added > 0) run_.frontier_changed = true;
    return true;
  };
  int64_t with_userinfo = 0;
  int64_t too_long = 0;
  for (std::string& loc : sitemap.locations) {
    if (loc.size() > static_cast<std::size_t>(config.max_url_length)) {
      ++too_long;
      std::string().swap(loc);
      continue;
    }
    auto parsed = Url::Parse(loc);
    std::string().swap(loc);
    if (!parsed.ok() || !parsed->is_http()) continue;
    if (HasUserinfo(*parsed)) {
      ++with_userinfo;
      continue;
    }
    auto key = NormalizeUrl(*parsed, config.url_normalization);
    if (!key.ok()) continue;
    const extract::SelectorProgram::LinkClass link = run_.program.ClassifyLink(*key);
    if (!link.follow) continue;
    urls.push_back(run_.MakeNewUrl(*key, *key, *parsed, 0, 0, target, link.page_type ? link.page_type->priority : 0));
    if (urls.size() == kChunk && !add()) return {};
  }
  if (with_userinfo > 0) {
    spdlog::warn("crawl {}: sitemap {}: {} URLs with user:pass@ dropped", config.key, target, with_userinfo);
  }
  if (too_long > 0) {
    spdlog::warn("crawl {}: sitemap {}: {} URLs longer than max_url_length ({} bytes) skipped", config.key, target,
                 too_long, config.max_url_length);
  }
  add();
  return {};
}

}  // namespace hc::crawl::internal
