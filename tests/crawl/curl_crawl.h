// CrawlOverCurl: what `healthcrawl crawl` does around RunCrawl, for the tests that crawl loopback
// servers: the libcurl fetcher made from the options (NewCrawlFetcher), the crawl run with it, and the
// fetcher destroyed (its cookie jar written) before the report is returned.
#pragma once

#include "crawl/crawl.h"

namespace hc::crawl {

inline Result<CrawlReport> CrawlOverCurl(const extract::SelectorProgram& program, store::Frontier& frontier,
                                         const CrawlOptions& options) {
  auto fetcher = NewCrawlFetcher(program.config(), options);
  if (!fetcher.ok()) return fetcher.status();
  return RunCrawl(program, frontier, **fetcher, options);
}

}  // namespace hc::crawl
