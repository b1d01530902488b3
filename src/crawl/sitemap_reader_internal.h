// Internal to src/crawl: SitemapReader, what a crawl does with a fetched sitemap (sitemap.cc parses
// it): a .xml.gz body is gunzipped (at most max_sitemap_bytes), an index gives the sitemaps it names,
// and a urlset's locations that parse, carry no userinfo, fit max_url_length and pass the config's
// follow rules go to the frontier at depth 0, in chunks.
//
// Thread-safety: the fetch loop's thread only; the frontier is used under RunContext::store_mu.
#pragma once

#include <string>
#include <vector>

#include "crawl/run_context_internal.h"
#include "net/fetcher.h"

namespace hc::crawl::internal {

class SitemapReader {
 public:
  explicit SitemapReader(RunContext& run) : run_(run) {}
  SitemapReader(const SitemapReader&) = delete;
  SitemapReader& operator=(const SitemapReader&) = delete;

  // The response to the request for the sitemap `target`. Returns the sitemaps a sitemap index names,
  // for the caller to queue; a failed fetch or a broken body is logged and skipped.
  std::vector<std::string> Read(const std::string& target, net::FetchResult& result);

 private:
  RunContext& run_;
};

}  // namespace hc::crawl::internal
