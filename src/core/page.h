// Page: the one value that carries a crawled page from the fetch to its rows. Each stage fills the facts
// it owns and reads the ones an earlier stage set, never computing them again:
//
//   crawl, before the fetch   url (parsed once: robots.txt reads it, the fetcher hands libcurl its
//                             href), url_key (the frontier's dedupe key)
//   net / crawl, the fetch    response (status, headers, body, fetch time)
//   crawl, the parse worker   body_sha1 (once; the revisit check and the raw archive use it),
//                             page_type (the url pattern matched once)
//   html / extract            charset, records, links (each resolved, parsed and keyed once)
//   store                     the rows, from these
//
// The decoded text is not kept here: it is the html::Document's own bytes (the Gumbo tree points into
// them) for as long as the worker extracts from it, and no later stage reads it.
//
// Thread-safety: a value; one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/records.h"
#include "core/url.h"

namespace hc {

using Headers = std::vector<std::pair<std::string, std::string>>;  // in received order

// One HTTP response as received: what the raw archive and a WARC file keep (store::RawResponse).
struct Response {
  std::string url{};  // the final URL (after redirects)
  int status = 0;     // HTTP status; 0 when no response arrived
  Headers headers{};
  std::string body{};  // the bytes as received (after Content-Encoding was undone)
  TimePoint fetched_at{};
};

// A link a page gives to follow: resolved against the page's base URL and parsed once, with its dedupe
// key (what the frontier knows it by) and the priority of the page type its key matches (0 for none).
struct PageLink {
  Url url{};
  std::string key{};
  int priority = 0;
};

struct Page {
  Url url{};                // the page URL, parsed once
  std::string url_key{};    // its dedupe key (NormalizeUrl with the site's options)
  Response response{};      // response.url is url's string as the frontier holds it
  std::string body_sha1{};  // lowercase hex SHA-1 of response.body; "" until computed
  // The name of the page type whose url pattern matched ("" for none); unset until matched.
  std::optional<std::string> page_type{};
  std::string charset{};  // the charset the body was decoded from
  std::vector<records::Record> records{};
  std::vector<PageLink> links{};  // in document order, deduplicated by key
};

// For tests that count how often each fact of a page is computed (PageValue tests): the stages report
// the computations below, with what they were computed from. Production code never sets an observer;
// unset, a report costs one relaxed atomic load.
enum class PageFact {
  kPageTypeMatch,  // a page type's url patterns run over a URL (subject: the URL)
  kSha1,           // a SHA-1 digest (subject: the bytes hashed)
  kRecordJson,     // a record serialized to its page JSON (subject: the record kind's name)
};
void SetPageFactObserverForTests(void (*observer)(PageFact fact, std::string_view subject));
void ReportPageFact(PageFact fact, std::string_view subject);

}  // namespace hc
