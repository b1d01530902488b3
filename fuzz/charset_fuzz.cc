// Fuzzes html::DecodeToUtf8 with arbitrary bytes and a Content-Type header. The input is
// "HEADER\nBODY" when it starts with "ct:" (the header is the text after "ct:"), else BODY alone with
// no header, so seeds can be plain fixture pages. Properties checked besides memory safety: the output
// is valid UTF-8 (html.h promises it, and Gumbo and the JSON writer depend on it), the charset is
// named, and the source is one of the five documented values.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/text.h"
#include "fuzz_check.h"
#include "html/html.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  std::string_view header;
  if (body.starts_with("ct:")) {
    const size_t newline = body.find('\n');
    header = body.substr(3, newline == std::string_view::npos ? std::string_view::npos : newline - 3);
    body = newline == std::string_view::npos ? std::string_view() : body.substr(newline + 1);
  }
  const hc::html::DecodedText decoded = hc::html::DecodeToUtf8(body, header);
  FUZZ_CHECK(hc::IsValidUtf8(decoded.utf8), "DecodeToUtf8 returned invalid UTF-8 (charset " + decoded.charset + ")");
  FUZZ_CHECK(!decoded.charset.empty(), "no charset named");
  FUZZ_CHECK(decoded.source == "bom" || decoded.source == "header" || decoded.source == "meta" ||
                 decoded.source == "detected" || decoded.source == "default",
             "unknown source '" + decoded.source + "'");
  if (body.empty()) FUZZ_CHECK(decoded.utf8.empty(), "empty input decoded to text");
  return 0;
}
