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

store::PageObservation ObserveResponse(const extract::SelectorProgram& program, Page& page, bool archive,
                                       std::vector<extract::FieldNote>* field_notes) {
  const extract::SiteConfig& config = program.config();
  const store::RawResponse& response = page.response;
  if (!page.page_type) {
    const auto* type = program.MatchPageType(response.url);
    page.page_type = type ? type->name : std::string();
  }
  store::PageObservation out;
  out.site = config.key;
  out.url = response.url;
  out.url_key = page.url_key;
  out.page_type = *page.page_type;
  out.http_status = response.status;
  out.content_type = HeaderValue(response.headers, "Content-Type");
  out.etag = HeaderValue(response.headers, "ETag");
  out.last_modified = HeaderValue(response.headers, "Last-Modified");
  out.fetched_at = response.fetched_at;
  out.body_sha1 = page.body_sha1;

  if (response.status < 200 || response.status > 299) {
    out.failure_reason =
        response.status == 0 ? "network: no response" : "http " + std::to_string(response.status);
  } else if (!LooksLikeHtml(out.content_type)) {
    out.failure_reason = "content type: " + out.content_type;
  } else {
    html::DecodedText decoded = html::DecodeToUtf8(response.body, out.content_type);
    page.charset = decoded.charset;
    out.charset = decoded.charset;
    html::ParseOptions parse_options;
    parse_options.valid_utf8 = true;  // DecodeToUtf8 always gives valid UTF-8
    auto doc = html::Document::Parse(std::move(decoded.utf8), parse_options);
    if (!doc.ok()) {
      out.failure_reason = "parse: " + doc.status().message();
    } else {
      extract::PageInput input{response.url, response.fetched_at};
      // A URL that did not parse (ingest's --url) left page.url empty: Extract tries it and says why.
      if (!page.url.href().empty()) input.parsed_url = &page.url;
      input.page_type = page.page_type;
      extract::ExtractedPage extracted = program.Extract(*doc, input);
      page.records = std::move(extracted.records);
      page.links = std::move(extracted.links);
      out.record_url_keys = RecordUrlKeys(page.records, config.url_normalization);
      for (const auto& f : extracted.failures)
        out.field_failures.push_back({{"path", f.path}, {"reason", f.reason}});
      out.limits = std::move(extracted.limits);
      out.links_dropped = extracted.links_dropped;
      if (!extracted.failures.empty()) {
        out.failure_reason =
            "extract: " + extracted.failures.front().path + ": " + extracted.failures.front().reason;
      }
      if (field_notes) *field_notes = std::move(extracted.field_notes);
    }
  }
  out.records = std::move(page.records);
  if (archive) out.raw = std::move(page.response);
  return out;
}

}  // namespace hc::crawl
