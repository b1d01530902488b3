// Fuzzes hc::Url::Parse (WHATWG URL Standard) and hc::NormalizeUrl. The input is "BASE\nINPUT" (no
// newline: INPUT alone, no base). Properties checked besides memory safety:
//   * the href of a parsed URL is valid UTF-8 free of controls (the C0 control percent-encode set
//     applies everywhere) and of spaces outside an opaque path (the only state that keeps them), and it parses again to the same href. The URL Standard keeps serializing
//     then parsing idempotent; where it once was not ("web+demo:/.//p"), it changed the serializer to
//     write a leading "/." rather than accept a difference;
//   * the scheme and path accessors are slices of the href;
//   * NormalizeUrl succeeds exactly for http(s) URLs, its key has no fragment, parses, and normalizing
//     the parsed key again gives the same key (a dedupe key that changed on a second pass would let the
//     crawler fetch one page twice).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/text.h"
#include "core/url.h"
#include "fuzz_check.h"

namespace {

// Controls shown as \xNN, so a report of a NUL or a tab is readable.
std::string Printable(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) {
      out += "\\x";
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
  return out;
}

std::string Describe(std::string_view what, std::string_view input, std::string_view a, std::string_view b) {
  return std::string(what) + "\n  input: " + Printable(input) + "\n  first:  " + Printable(a) +
         "\n  second: " + Printable(b);
}

void CheckUrl(const hc::Url& url, std::string_view input) {
  const std::string& href = url.href();
  FUZZ_CHECK(hc::IsValidUtf8(href), href);
  for (char c : href) {
    const auto b = static_cast<unsigned char>(c);
    FUZZ_CHECK(b >= 0x20 && b != 0x7F, Describe("href holds a control", input, href, ""));
  }
  const std::string_view path = url.path();
  const bool opaque_path = !path.empty() && path.front() != '/';
  const size_t space = href.find(' ');
  if (space != std::string::npos) {
    const size_t path_begin = static_cast<size_t>(path.data() - href.data());
    FUZZ_CHECK(opaque_path && space >= path_begin && space < path_begin + path.size(),
               Describe("href holds a space outside an opaque path", input, href, ""));
  }
  FUZZ_CHECK(href.starts_with(url.scheme()) && href.size() > url.scheme().size() && href[url.scheme().size()] == ':',
             href);
  FUZZ_CHECK(href.find(url.path()) != std::string::npos, href);

  auto again = hc::Url::Parse(href);
  FUZZ_CHECK(again.ok(), Describe("href does not parse again: " + again.status().message(), input, href, ""));
  FUZZ_CHECK(again->href() == href, Describe("parsing the href changes it", input, href, again->href()));

  hc::NormalizeOptions sorted;
  sorted.sort_query = true;
  for (const hc::NormalizeOptions& options : {hc::NormalizeOptions{}, sorted}) {
    auto key = hc::NormalizeUrl(url, options);
    FUZZ_CHECK(key.ok() == url.is_http(), Describe("NormalizeUrl accepts exactly http(s)", input, href,
                                                   key.ok() ? *key : key.status().message()));
    if (!key.ok()) continue;
    FUZZ_CHECK(key->find('#') == std::string::npos, Describe("key keeps a fragment", input, href, *key));
    auto parsed_key = hc::Url::Parse(*key);
    FUZZ_CHECK(parsed_key.ok(), Describe("key does not parse", input, href, *key));
    auto key2 = hc::NormalizeUrl(*parsed_key, options);
    FUZZ_CHECK(key2.ok() && *key2 == *key,
               Describe("NormalizeUrl is not idempotent", input, *key, key2.ok() ? *key2 : key2.status().message()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t newline = all.find('\n');
  if (newline == std::string_view::npos) {
    auto url = hc::Url::Parse(all);
    if (url.ok()) CheckUrl(*url, all);
    return 0;
  }
  const std::string_view base_text = all.substr(0, newline);
  const std::string_view input = all.substr(newline + 1);
  auto base = hc::Url::Parse(base_text);
  if (!base.ok()) return 0;
  CheckUrl(*base, base_text);
  auto url = hc::Url::Parse(input, &*base);
  if (url.ok()) CheckUrl(*url, all);
  return 0;
}
