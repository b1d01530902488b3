// Url: URL parsing and resolution as the WHATWG URL Standard defines it (https://url.spec.whatwg.org/),
// and the crawler's dedupe key (NormalizeUrl). Every module that touches a URL goes through here, so a
// link resolved by the extractor and a URL queued by the crawler agree byte for byte.
//
// Thread-safety: values; parsing is reentrant.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace hc {

class Url {
 public:
  // Parses `input` (optionally relative to `base`) per the WHATWG basic URL parser: leading/trailing
  // C0-control-or-space trimmed, tab/newline removed, special schemes, percent-encoding sets, IPv4/IPv6
  // hosts, IDNA (UTS #46, non-transitional) to punycode. An input that the standard calls a failure
  // returns InvalidArgument with the reason.
  static Result<Url> Parse(std::string_view input, const Url* base = nullptr);

  // The serialization (the "href"), exactly as the standard's URL serializer writes it.
  const std::string& href() const { return href_; }
  std::string_view scheme() const;    // lowercase, without ':'
  std::string_view username() const;
  std::string_view password() const;
  std::string_view host() const;      // serialized host: punycode, IPv4 dotted, IPv6 in brackets
  std::optional<uint16_t> port() const;  // absent when the URL has none or it is the default
  std::string_view path() const;      // serialized path ("/a/b", or an opaque path)
  std::string_view query() const;     // without the '?'; empty when absent or empty
  bool has_query() const;
  std::string_view fragment() const;  // without the '#'
  bool has_fragment() const;
  bool is_http() const;               // scheme is http or https

 private:
  friend class UrlBuilder;  // the parser (url.cc) serializes a URL record into the fields below
  std::string href_;
  // Offsets into href_: [begin, end) of each component, as the serializer writes them. A component
  // that is absent is an empty range.
  uint32_t scheme_end_ = 0, username_begin_ = 0, username_end_ = 0, password_begin_ = 0,
           password_end_ = 0, host_begin_ = 0, host_end_ = 0, path_begin_ = 0, path_end_ = 0,
           query_begin_ = 0, query_end_ = 0, fragment_begin_ = 0;
  int32_t port_ = -1;
  bool has_query_ = false, has_fragment_ = false;
  // The standard tells a null host from an empty one ("file:///x" has an empty host, "foo:/x" none),
  // and a path that is a list of segments from an opaque one ("mailto:x"); resolving against this URL
  // as a base needs both.
  bool has_host_ = false, has_opaque_path_ = false;
};

// For tests that count parses (that a crawled page's URL is parsed once on its way to the fetcher, and
// that the fetcher parses none): `observer` is called with the input of every Url::Parse call, on the
// calling thread; nullptr removes it. Production code never sets it; unset, it costs each parse one
// relaxed atomic load.
void SetUrlParseObserverForTests(void (*observer)(std::string_view input));

struct NormalizeOptions {
  // Query parameters removed from the dedupe key. A trailing '*' matches a prefix ("utm_*").
  std::vector<std::string> strip_params = {"utm_*", "spm", "from", "fbclid", "gclid"};
  // Sort the remaining query parameters by name (stable), so ?a=1&b=2 and ?b=2&a=1 dedupe.
  bool sort_query = false;
};

// The dedupe key of a URL: the WHATWG serialization (which already lowercases scheme and host, removes
// the default port, resolves dot segments and encodes IDNA hosts), with the fragment dropped,
// percent-encoding normalized (escapes of unreserved characters decoded, hex digits uppercased) and
// the configured tracking parameters removed. Only http and https URLs have a key: any other scheme
// returns InvalidArgument.
Result<std::string> NormalizeUrl(const Url& url, const NormalizeOptions& options = {});

}  // namespace hc
