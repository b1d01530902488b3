// Internals of DecodeToUtf8 (charset.cc), visible to the html stage's tests: how a charset label is
// resolved (WHATWG Encoding Standard §4.2 "get an encoding", https://encoding.spec.whatwg.org/), where
// a page declares its charset (the Content-Type header's charset parameter; the HTML Standard's
// "prescan a byte stream to determine its encoding", §13.2.3.2), and the byte-level decoders.
//
// Thread-safety: pure functions; reentrant.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hc::html::charset_internal {

// How bytes in an encoding become UTF-8. The Unicode encodings and windows-1252 are decoded here
// (exactly as the Encoding Standard says, including windows-1252's five bytes that glibc's CP1252
// rejects); everything else goes through glibc iconv.
enum class DecoderKind { kUtf8, kUtf16Le, kUtf16Be, kWindows1252, kIconv };

struct Encoding {
  std::string name;  // canonical name reported to callers: "UTF-8", "GB18030", "Big5", ...
  DecoderKind kind = DecoderKind::kUtf8;
  std::string iconv_name;  // for kIconv: the glibc name that opened ("GB18030", "BIG5-HKSCS", ...)
};

// The encoding for a label per the Encoding Standard's label table (ASCII whitespace trimmed,
// case-insensitive), with healthcrawl's deviations: the GBK family (gb2312, gbk, x-gbk, cp936, ...) and
// gb18030 all decode as GB18030, their superset, because Chinese portals declare gb2312 and serve GBK.
// Labels the standard does not know, and the "replacement" labels, give nullopt.
std::optional<Encoding> EncodingForLabel(std::string_view label);

// The encoding for a name uchardet reports ("GB18030", "BIG5", "WINDOWS-1252", "EUC-TW", ...): the
// label table first, then any charset glibc iconv can open under that name. "ASCII" is UTF-8 here.
std::optional<Encoding> EncodingForDetectedName(std::string_view name);

// The charset parameter of a Content-Type header value (`text/html; charset="gbk"`), unquoted;
// nullopt when absent or empty.
std::optional<std::string> CharsetFromContentType(std::string_view header);

// The HTML Standard's prescan over `head` (callers pass a bounded prefix of the page): the first
// <meta charset=...> or <meta http-equiv="Content-Type" content="...; charset=..."> whose label the
// Encoding Standard knows. Comments, other tags' attributes, attribute order, quoting and case are
// handled as the standard says. A UTF-16 label found here means UTF-8 (a page that could be read as
// ASCII to find its meta cannot be UTF-16), x-user-defined means windows-1252.
std::optional<Encoding> PrescanMetaCharset(std::string_view head);

// The "algorithm for extracting a character encoding from a meta element" on a content attribute's
// value: the label after "charset=", quoted or not. nullopt when there is none.
std::optional<std::string> ExtractCharsetFromMetaContent(std::string_view content);

struct DecodeStats {
  std::size_t errors = 0;     // invalid or truncated sequences, each replaced by one U+FFFD
  std::size_t non_ascii = 0;  // code points >= U+0080 decoded from valid sequences
  // The input ended inside a sequence (counted in `errors`). That is what a cut download or a
  // sample boundary looks like, so it is no evidence against the encoding.
  bool truncated_at_end = false;

  std::size_t evidence_errors() const { return errors - (truncated_at_end ? 1 : 0); }
};

// Appends `bytes` decoded with `encoding` to `out` as valid UTF-8. Never fails: each invalid sequence
// becomes U+FFFD (for iconv: one byte is skipped and decoding resumes; a truncated sequence at the
// end becomes one U+FFFD). Returns what happened, for judging whether the encoding fits the bytes.
DecodeStats Decode(std::string_view bytes, const Encoding& encoding, std::string* out);

// True when `bytes` is entirely valid UTF-8. `multibyte` (optional) receives the number of non-ASCII
// code points.
bool IsValidUtf8(std::string_view bytes, std::size_t* multibyte = nullptr);

}  // namespace hc::html::charset_internal
