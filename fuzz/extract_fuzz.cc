// Fuzzes extraction end to end over arbitrary pages: Document::Parse, SelectorProgram::Extract with the
// project's real selector configs (selectors/mfk.yaml and selectors/xywy.yaml) and the test site of
// `json` rules (selectors/scripted.yaml), then ToJson and its serialization. The input is "URL\nPAGE": the
// URL picks the page type (and the config: xywy when it names xywy.com, scripted when it names
// scripted.test, else mfk), the page is any bytes. Seeds are the golden fixtures with their URLs.
// Properties checked besides memory safety:
//   * the page JSON serializes (nlohmann::json refuses invalid UTF-8, which a page must never leak);
//   * at most one record, and none when no page type matched;
//   * every link is an absolute http(s) URL that parses, is followable (ShouldFollow), and appears once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "core/text.h"
#include "extract/extract.h"
#include "fuzz_check.h"

namespace {

const hc::extract::SelectorProgram& Program(const char* site) {
  auto load = [](const char* key) {
    auto p = hc::extract::LoadSite(std::string(HC_SOURCE_DIR) + "/selectors", key);
    if (!p.ok()) {
      std::fprintf(stderr, "extract_fuzz: cannot load selectors/%s.yaml: %s\n", key, p.status().ToString().c_str());
      std::abort();
    }
    return new hc::extract::SelectorProgram(std::move(*p));
  };
  static const hc::extract::SelectorProgram* mfk = load("mfk");
  static const hc::extract::SelectorProgram* xywy = load("xywy");
  static const hc::extract::SelectorProgram* scripted = load("scripted");
  if (std::string_view(site) == "xywy") return *xywy;
  if (std::string_view(site) == "scripted") return *scripted;
  return *mfk;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t newline = all.find('\n');
  if (newline == std::string_view::npos || newline > 2048) return 0;
  const std::string url(all.substr(0, newline));
  // The page URL is the caller's, not the page's: a frontier key (ASCII) in a crawl, or the CLI's --url,
  // which the CLI writes with error_handler_t::replace. "The JSON serializes" is a property of what
  // comes from the page, so a URL that is not UTF-8 is out of scope (finding 4, docs/RELIABILITY.md).
  if (!hc::IsValidUtf8(url)) return 0;
  const char* site = url.find("xywy.com") != std::string::npos       ? "xywy"
                     : url.find("scripted.test") != std::string::npos ? "scripted"
                                                                      : "mfk";
  const auto& program = Program(site);

  auto doc = hc::html::Document::Parse(std::string(all.substr(newline + 1)));
  if (!doc.ok()) return 0;
  hc::extract::PageInput input;
  input.url = url;
  input.fetched_at = hc::TimePoint(std::chrono::seconds(1772330400));  // 2026-03-01T02:00:00Z
  const hc::extract::ExtractedPage page = program.Extract(*doc, input);

  FUZZ_CHECK(page.records.size() <= 1, std::to_string(page.records.size()) + " records");
  for (const hc::records::Record& record : page.records) {
    // The page JSON form reads back as the same typed record (what ingest relies on).
    auto back = hc::records::FromJson(hc::records::ToJson(record));
    FUZZ_CHECK(back.ok() && *back == record, "a record does not survive its page JSON form");
  }
  if (page.page_type.empty()) FUZZ_CHECK(page.records.empty(), "a record without a page type");
  std::set<std::string> seen;
  for (const hc::PageLink& page_link : page.links) {
    const std::string& link = page_link.url.href();
    auto parsed = hc::Url::Parse(link);
    FUZZ_CHECK(parsed.ok() && parsed->is_http(), "link is not an absolute http(s) URL: " + link);
    FUZZ_CHECK(program.ShouldFollow(link), "link is not followable: " + link);
    FUZZ_CHECK(seen.insert(link).second, "link listed twice: " + link);
  }
  const hc::extract::Json json = hc::extract::ToJson(page, input);
  std::string text;
  try {
    text = json.dump();
  } catch (const nlohmann::json::exception& e) {
    FUZZ_CHECK(false, std::string("the page JSON does not serialize: ") + e.what());
  }
  FUZZ_CHECK(!text.empty(), "empty JSON");
  return 0;
}
