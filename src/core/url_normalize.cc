// NormalizeUrl: the crawler's dedupe key (see core/url.h). It starts from the WHATWG serialization,
// which already does the expensive canonicalization, and adds the equivalences RFC 3986 §6.2.2 allows
// for http(s) (decoding escapes of unreserved characters, uppercase hex digits) plus the crawler's
// own: no fragment, no tracking parameters, optionally sorted parameters.
//
// Query parameters are the '&'-separated pieces of the query; a piece's name is what precedes its
// first '=' (after escape normalization, so "utm%5Fsource" is "utm_source"). Names match
// case-sensitively, as servers read them. Empty pieces ("a=1&&b=2") carry no parameter and are dropped.
#include <algorithm>
#include <vector>

#include "core/url.h"
#include "core/url_internal.h"

namespace hc {
namespace {

// RFC 3986 §2.3 unreserved characters.
bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Appends `text` with every "%XX" escape of an unreserved character decoded and every other valid
// escape's hex digits uppercased; a '%' that starts no valid escape is kept as it is. The result is
// a fixed point: normalizing it again changes nothing.
void AppendNormalizedEscapes(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      const size_t next = std::min(text.find('%', i), text.size());
      out.append(text.data() + i, next - i);
      i = next - 1;
      continue;
    }
    if (i + 2 >= text.size()) {
      out.push_back('%');
      continue;
    }
    const int hi = url_internal::HexValue(static_cast<unsigned char>(text[i + 1]));
    const int lo = url_internal::HexValue(static_cast<unsigned char>(text[i + 2]));
    if (hi < 0 || lo < 0) {
      out.push_back('%');
      continue;
    }
    const auto byte = static_cast<unsigned char>(hi * 16 + lo);
    // A decoded hex digit right after a stray '%' (or '%' and one hex digit) would complete a new
    // escape, and the key would change again when normalized again: keep such an escape as it is.
    const bool completes_escape =
        url_internal::HexValue(byte) >= 0 &&
        ((!out.empty() && out.back() == '%') || (out.size() >= 2 && out[out.size() - 2] == '%'));
    if (IsUnreserved(byte) && !completes_escape) {
      out.push_back(static_cast<char>(byte));
    } else {
      const char escape[3] = {'%', kHex[hi], kHex[lo]};
      out.append(escape, 3);
    }
    i += 2;
  }
}

bool MatchesPattern(std::string_view name, std::string_view pattern) {
  if (!pattern.empty() && pattern.back() == '*') {
    pattern.remove_suffix(1);
    return name.substr(0, pattern.size()) == pattern;
  }
  return name == pattern;
}

std::string_view ParamName(std::string_view piece) { return piece.substr(0, piece.find('=')); }

}  // namespace

Result<std::string> NormalizeUrl(const Url& url, const NormalizeOptions& options) {
  if (!url.is_http()) {
    return Status::InvalidArgument("only http and https URLs have a dedupe key, not " +
                                   std::string(url.scheme()));
  }
  const std::string_view href = url.href();
  const std::string_view path = url.path();
  const size_t path_end = static_cast<size_t>(path.data() - href.data()) + path.size();

  std::string key;
  key.reserve(href.size());
  // Scheme, userinfo, host and port, then the path. The host of an http(s) URL never holds a '%'.
  AppendNormalizedEscapes(href.substr(0, path_end), key);
  if (!url.has_query() || url.query().empty()) return key;

  std::string query;
  query.reserve(url.query().size());
  AppendNormalizedEscapes(url.query(), query);

  std::vector<std::string_view> kept;
  std::string_view rest = query;
  while (true) {
    const size_t amp = rest.find('&');
    const std::string_view piece = rest.substr(0, amp);
    if (!piece.empty()) {
      const std::string_view name = ParamName(piece);
      const bool strip =
          std::any_of(options.strip_params.begin(), options.strip_params.end(),
                      [name](const std::string& pattern) { return MatchesPattern(name, pattern); });
      if (!strip) kept.push_back(piece);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  if (options.sort_query) {
    std::stable_sort(kept.begin(), kept.end(),
                     [](std::string_view a, std::string_view b) { return ParamName(a) < ParamName(b); });
  }
  for (size_t i = 0; i < kept.size(); ++i) {
    key.push_back(i == 0 ? '?' : '&');
    key.append(kept[i]);
  }
  return key;
}

}  // namespace hc
