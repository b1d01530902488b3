// The kinds of failure reason the crawl records, and their summary categories (crawl.h).
#include <string>
#include <vector>

#include "crawl/crawl.h"

namespace hc::crawl {

const std::vector<FailureReasonKind>& FailureReasonKinds() {
  // Order matters where prefixes overlap: "network: no response" before "network: ".
  static const std::vector<FailureReasonKind> kinds = {
      {.form = "http <status>", .prefix = "http ", .category = ""},
      {.form = "http <status> without Location", .prefix = "http ", .category = ""},
      {.form = "network: no response", .prefix = "network: no response", .category = ""},
      {.form = "network: <error>: <detail>", .prefix = "network: ", .category = "", .by_second_part = true},
      {.form = "too large", .prefix = "too large", .category = "too large"},
      {.form = "robots: disallowed by <rule> (line N)", .prefix = "robots: disallowed", .category = "robots: disallowed"},
      {.form = "redirect: off-site <url>", .prefix = "redirect: off-site", .category = "redirect: off-site"},
      {.form = "redirect: too many (more than 5)", .prefix = "redirect: too many", .category = "redirect: too many"},
      {.form = "redirect: not an http(s) URL: <url>",
       .prefix = "redirect: not an http(s) URL",
       .category = "redirect: not an http(s) URL"},
      {.form = "redirect: to itself", .prefix = "redirect: to itself", .category = "redirect: to itself"},
      {.form = "redirect: target longer than max_url_length (N bytes)",
       .prefix = "redirect: target longer than max_url_length",
       .category = "redirect: target longer than max_url_length"},
      {.form = "redirect: userinfo in the target",
       .prefix = "redirect: userinfo in the target",
       .category = "redirect: userinfo in the target"},
      {.form = "bad url: <why>", .prefix = "bad url: ", .category = "bad url"},
      {.form = "content type: <type>", .prefix = "content type: ", .category = "content type"},
      {.form = "parse: <why>", .prefix = "parse: ", .category = "parse"},
      {.form = "extract: <field path>: <reason>", .prefix = "extract: ", .category = "", .by_second_part = true},
      {.form = "store: <why>", .prefix = "store: ", .category = "store"},
  };
  return kinds;
}

std::string FailureCategory(std::string_view reason) {
  for (const FailureReasonKind& kind : FailureReasonKinds()) {
    if (!reason.starts_with(kind.prefix)) continue;
    if (!kind.category.empty()) return std::string(kind.category);
    if (!kind.by_second_part) return std::string(reason);
    const std::size_t first = reason.find(':');
    const std::size_t second = first == std::string_view::npos ? first : reason.find(':', first + 1);
    return std::string(reason.substr(0, second));
  }
  return std::string(reason);
}

}  // namespace hc::crawl
