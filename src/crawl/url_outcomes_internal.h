// Internal to src/crawl: UrlOutcomes, how a URL the fetch loop leased ends. Every leased URL ends in
// exactly one of:
//  * a WriteItem for the writer (PagePipeline): failed, redirected, unchanged (a revisit that found the
//    page as it was), or a fetched page that the workers make into a stored page or a failure;
//  * Frontier::Retry: a transient failure with attempts left, due again after a backoff;
//  * Frontier::Release: back to the queue (the crawl stopped first, or its origin is held).
//
// Thread-safety: the fetch loop's thread only (the parse workers release their own pages on a stop).
#pragma once

#include <chrono>
#include <deque>
#include <string>

#include "crawl/page_pipeline_internal.h"
#include "crawl/run_context_internal.h"
#include "net/fetcher.h"
#include "store/dataset.h"
#include "store/frontier.h"

namespace hc::crawl::internal {

class UrlOutcomes {
 public:
  UrlOutcomes(RunContext& run, PagePipeline& pipeline) : run_(run), pipeline_(pipeline) {}
  UrlOutcomes(const UrlOutcomes&) = delete;
  UrlOutcomes& operator=(const UrlOutcomes&) = delete;

  // The response (or network error) to a page request. `retry_after`: the server's Retry-After for a
  // 429 or 5xx (RunContext::RetryAfterOf), the least wait before a retry. `parsed`: url.url as parsed for
  // the request, which a page handed to the parse workers carries (core/page.h).
  void PageFetched(const store::LeasedUrl& url, Url parsed, net::FetchResult& result,
                   std::chrono::milliseconds retry_after);

  // Recorded as failed with `reason` (a page row with the reason is stored too).
  void Fail(const store::LeasedUrl& url, const std::string& reason, int status, int attempts);
  // Tried again after the retry backoff (at least `at_least`) while attempts are left; else failed.
  void RetryOrFail(const store::LeasedUrl& url, const std::string& reason, int status,
                   std::chrono::milliseconds at_least);
  // Every URL of `urls` back to the queue, eligible from `not_before`; `urls` is left empty.
  void ReleaseAll(std::deque<store::LeasedUrl>& urls, TimePoint not_before);

 private:
  void Redirect(const store::LeasedUrl& url, const net::FetchResult& result);
  // A revisit that found the page as it was (304, or the same body): recorded, not re-extracted.
  void Unchanged(const store::LeasedUrl& url, int status, const store::Headers& headers, const std::string& body_sha1);
  void NoteFetch(const store::LeasedUrl& url, const net::FetchResult& result);

  RunContext& run_;
  PagePipeline& pipeline_;
};

}  // namespace hc::crawl::internal
