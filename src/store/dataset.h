// store/dataset.h: the normalized dataset's write path. Every fetched page, and what extraction made
// of it, goes in as one PageObservation through PageWriter::PutPage, and becomes rows of the tables
// sites, pages, articles, article_views, diseases, hospitals, doctors, questions, answers, ...
// (docs/schema.md describes each column).
//
// Thread-safety: a PageWriter is used by one thread at a time (the crawler gives it to one writer
// thread and queues pages to it). ObservationFromPageJson is reentrant.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/status.h"
#include "store/archive.h"

namespace hc::store {

using Json = nlohmann::ordered_json;  // keeps the field order of the documents it holds

// One fetch of one page and what extraction made of it: the unit that PutPage stores atomically.
struct PageObservation {
  std::string site{};          // site key ("mfk")
  std::string url{};           // the page URL as fetched
  std::string url_key{};       // its dedupe key (hc::NormalizeUrl); `url` is used when empty
  std::string page_type{};     // "" when no page type matched
  int http_status = 0;       // 0: no response (network failure)
  std::string content_type{};  // the Content-Type header
  std::string charset{};       // the charset the body was decoded from ("GB18030")
  std::string etag{};
  std::string last_modified{};
  TimePoint fetched_at{};
  // "" for a page that was fetched and extracted; otherwise why it failed, for example "http 404",
  // "network: timed out", "extract: required field is missing". A failed page keeps the rows of its
  // last good version; the failure goes to pages.failure_reason and the failures history.
  std::string failure_reason{};
  Json records = Json::array();         // the page JSON's "records" (at most one record)
  Json field_failures = Json::array();  // the page JSON's "failures" ({"path","reason"} objects)
  std::vector<std::string> limits{};    // limits the page hit at this parse (pages.notes)
  int64_t links_dropped = 0;            // links lost to a limit (pages.links_dropped)
  std::optional<RawResponse> raw{};       // archived (zstd) when present and archiving is on
  // The dedupe key of a URL found inside a record (an answer card's question_url), so that a card
  // and the question page it links to meet in one questions row. Identity when empty.
  std::function<std::string(std::string_view)> url_key_of;
};

// Builds an observation from a page JSON document (the extract output and golden-fixture format:
// {"url","site","page_type","fetched_at","records","failures"}). A page with failures gets
// failure_reason "extract: <first path>: <first reason>". InvalidArgument when a member is missing or
// of the wrong type.
Result<PageObservation> ObservationFromPageJson(const Json& page);

class PageWriter {
 public:
  virtual ~PageWriter() = default;
  // Stores one observation: all of its rows or none of them. Idempotent: storing the same observation
  // again changes nothing; an unchanged page observed again only adds a view observation (and moves
  // pages.last_fetched_at); a changed page replaces its rows, keeping view history and failure
  // history. An observation older than the page's last fetch never overwrites newer data.
  // Writes are grouped into batches (transactions); a page is durable after Flush, or once its batch
  // is full. On error the page is not stored and the rest of the batch is unaffected.
  virtual Status PutPage(const PageObservation& page) = 0;
  // Commits the open batch.
  virtual Status Flush() = 0;
};

}  // namespace hc::store
