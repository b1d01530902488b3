// ObserveResponse: the one decode -> parse -> extract pass a fetched page goes through. The records and
// the links to follow come from the same parsed tree, so each page is parsed exactly once.
#include <map>
#include <string>
#include <utility>

#include "core/text.h"
#include "core/url.h"
#include "crawl/crawl.h"
#include "html/html.h"

namespace hc::crawl {

namespace internal {

std::string HeaderValue(const store::Headers& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoringAsciiCase(k, name)) return v;
  }
  return std::string();
}

}  // namespace internal

namespace {

using internal::HeaderValue;


std::string UrlKey(std::string_view url, const NormalizeOptions& options) {
  auto parsed = Url::Parse(url);
  if (!parsed.ok()) return std::string(url);
  auto key = NormalizeUrl(*parsed, options);
  return key.ok() ? *key : std::string(url);
}

// The dedupe key of each answer card's question_url, for store to find the card's question row by
// (PageObservation::record_url_keys).
std::map<std::string, std::string> RecordUrlKeys(const std::vector<records::Record>& page_records,
                                                 const NormalizeOptions& options) {
  std::map<std::string, std::string> keys;
  for (const records::Record& record : page_records) {
    const auto* article = std::get_if<records::Article>(&record);
    if (!article) continue;
    for (const records::AnswerCard& card : article->answers) {
      if (!card.question_url || keys.count(*card.question_url)) continue;
      keys.emplace(*card.question_url, UrlKey(*card.question_url, options));
    }
  }
  return keys;
}

// Pages are HTML; a body that is plainly something else (an image, a PDF linked from an article) is
// recorded, not parsed. No Content-Type at all is given the benefit of the doubt.
bool LooksLikeHtml(std::string_view content_type) {
  std::string type;
  for (char c : content_type) {
    if (c == ';') break;
    if (!IsAsciiWhitespace(c)) type += AsciiLower(c);
  }
  return type.empty() || type == "text/html" || type == "application/xhtml+xml" || type == "text/plain" ||
         type == "application/octet-stream";
}

}  // namespace

ObservedPage ObserveResponse(const extract::SelectorProgram& program, const store::RawResponse& response,
                             bool archive) {
  const extract::SiteConfig& config = program.config();
  ObservedPage out;
  store::PageObservation& page = out.page;
  page.site = config.key;
  page.url = response.url;
  page.url_key = UrlKey(response.url, config.url_normalization);
  page.http_status = response.status;
  page.content_type = HeaderValue(response.headers, "Content-Type");
  page.etag = HeaderValue(response.headers, "ETag");
  page.last_modified = HeaderValue(response.headers, "Last-Modified");
  page.fetched_at = response.fetched_at;
  if (const auto* type = program.MatchPageType(response.url)) page.page_type = type->name;
  if (archive) page.raw = response;

  if (response.status < 200 || response.status > 299) {
    page.failure_reason = response.status == 0 ? "network: no response" : "http " + std::to_string(response.status);
    return out;
  }
  if (!LooksLikeHtml(page.content_type)) {
    page.failure_reason = "content type: " + page.content_type;
    return out;
  }
  html::DecodedText decoded = html::DecodeToUtf8(response.body, page.content_type);
  page.charset = decoded.charset;
  auto doc = html::Document::Parse(std::move(decoded.utf8));
  if (!doc.ok()) {
    page.failure_reason = "parse: " + doc.status().message();
    return out;
  }
  extract::ExtractedPage extracted = program.Extract(*doc, {response.url, response.fetched_at});
  page.page_type = extracted.page_type;
  page.records = std::move(extracted.records);
  page.record_url_keys = RecordUrlKeys(page.records, config.url_normalization);
  for (const auto& f : extracted.failures) page.field_failures.push_back({{"path", f.path}, {"reason", f.reason}});
  page.limits = std::move(extracted.limits);
  page.links_dropped = extracted.links_dropped;
  if (!extracted.failures.empty()) {
    page.failure_reason = "extract: " + extracted.failures.front().path + ": " + extracted.failures.front().reason;
  }
  out.links = std::move(extracted.links);
  out.link_priorities = std::move(extracted.link_priorities);
  out.field_notes = std::move(extracted.field_notes);
  return out;
}

}  // namespace hc::crawl
