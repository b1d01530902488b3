// store/dataset.h: the normalized dataset's write path. Every fetched page, and what extraction made
// of it, goes in as one PageObservation through PageWriter::PutPage, and becomes rows of the tables
// sites, pages, articles, article_views, diseases, hospitals, doctors, questions, answers, ...
// (docs/schema.md describes each column).
//
// Thread-safety: a PageWriter is used by one thread at a time (the crawler gives it to one writer
// thread and queues pages to it). ObservationFromPageJson is reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/records.h"
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
  std::vector<records::Record> records{};  // at most one: the page's record (core/records.h)
  Json field_failures = Json::array();  // the page JSON's "failures" ({"path","reason"} objects)
  std::vector<std::string> limits{};    // limits the page hit at this parse (pages.notes)
  int64_t links_dropped = 0;            // links lost to a limit (pages.links_dropped)
  std::optional<RawResponse> raw{};       // archived (zstd) when present and archiving is on
  // Facts an earlier stage computed already (the crawl's parse worker, core/page.h), so that PutPage
  // does not compute them again; PutPage computes each one that is "".
  std::string body_sha1{};     // lowercase hex SHA-1 of raw->body
  std::string content_hash{};  // ContentHash of `records`
  // The dedupe key of each URL found inside a record (an answer card's question_url), computed by
  // the crawler with the site's url_normalization, so that a card and the question page it links to
  // meet in one questions row. A URL that is not here is its own key.
  std::map<std::string, std::string> record_url_keys{};
};

// The content hash of a page (pages.content_hash): SHA-1 over its records' page JSON (records::ToJson
// of each, in an array) in hash form (records::HashRole: counters such as views and helpful votes left
// out, the vocabulary's fields hashed as the page printed them), so that a page whose only change is a
// counter is unchanged (its counters become observations). The bytes are those hashed since schema
// v1: an unchanged page keeps its hash. Takes the JSON by value: a caller that serialized the records
// for another use already moves it in.
std::string ContentHash(Json records_json);
std::string ContentHash(const std::vector<records::Record>& page_records);

// Builds an observation from a page JSON document (the extract output and golden-fixture format:
// {"url","site","page_type","fetched_at","records","failures"}; records read by records::FromJson, so a
// record of the wrong shape is InvalidArgument). A page with failures gets
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
