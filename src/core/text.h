// The project's text primitives, one implementation each: UTF-8 decoding, encoding and validation
// (RFC 3629, strict), ASCII case folding, and the two whitespace trims (ASCII whitespace as the WHATWG
// standards define it, and Unicode White_Space for text read off pages). Every stage calls these
// instead of writing its own; UTF-8 is decoded and encoded with ICU's U8_NEXT/U8_APPEND (utf8.h).
//
// All functions are pure and thread-safe. Nothing here depends on the C locale.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hc {

inline constexpr char32_t kReplacementCharacter = U'\uFFFD';

// --- UTF-8 (RFC 3629) ------------------------------------------------------------------------------

// One character read from UTF-8 bytes.
struct Utf8Char {
  char32_t code_point = kReplacementCharacter;  // U+FFFD when !valid
  // Bytes read: 1 to 4 for a character; for an ill-formed sequence, its maximal subpart (at least 1).
  std::size_t length = 1;
  bool valid = false;
  // Ill-formed only because the bytes ended: a lead byte and the valid trail bytes that followed it
  // reach the end of the input (a download or a sample cut mid-character).
  bool truncated = false;
};

// Decodes the character that starts at bytes[at] (requires at < bytes.size()). Strict: overlong forms
// (C0 80, E0 80 80), surrogates (ED A0 80), values above U+10FFFF (F4 90 80 80), lead bytes C0, C1 and
// F5..FF, stray continuation bytes and truncated sequences are ill-formed. An ill-formed sequence is
// read as its maximal subpart (Unicode §3.9 "U+FFFD substitution of maximal subparts", which the
// Encoding Standard's UTF-8 decoder follows), so stepping through a string with this replaces each
// ill-formed part with one U+FFFD exactly as a browser does.
Utf8Char DecodeUtf8At(std::string_view bytes, std::size_t at);

// Appends the UTF-8 form of `code_point`; a surrogate or a value above U+10FFFF appends U+FFFD.
void AppendUtf8(char32_t code_point, std::string& out);

// True when `bytes` is well-formed UTF-8 (as DecodeUtf8At reads it: no overlong forms, no surrogates,
// nothing above U+10FFFF, nothing truncated).
bool IsValidUtf8(std::string_view bytes);

// The length of the longest well-formed prefix of `bytes` (as IsValidUtf8 judges it), in one pass that
// reads ASCII eight bytes at a time; `multibyte` (when given) gains the number of non-ASCII characters
// in that prefix. The byte at the returned position, if any, starts an ill-formed sequence:
// DecodeUtf8At reads it.
std::size_t ValidUtf8Prefix(std::string_view bytes, std::size_t* multibyte = nullptr);

// Appends `bytes` to `out` with every ill-formed sequence (maximal subpart) replaced by U+FFFD.
// Returns the number of replacements.
std::size_t AppendReplacingInvalidUtf8(std::string_view bytes, std::string& out);

// --- ASCII case ------------------------------------------------------------------------------------
// Only A-Z change; every other byte, including every byte of a multibyte UTF-8 character, is kept.

constexpr char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
void AsciiLowerInPlace(std::string& s);
std::string AsciiLowered(std::string_view s);

// Inline: the selector matcher compares every attribute name of every element it visits with this.
constexpr bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// A to Z and a to z: the first letter of an HTML tag name, a URL scheme's letters.
constexpr bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// --- whitespace ------------------------------------------------------------------------------------

// ASCII whitespace as the WHATWG standards (HTML, URL, Encoding, CSS) define it: TAB, LF, FF, CR and
// SPACE. Not VT (U+000B), which C's isspace() also accepts.
constexpr bool IsAsciiWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

// `s` without leading and trailing ASCII whitespace.
std::string_view TrimAsciiWhitespace(std::string_view s);

// `s` without leading and trailing SPACE and TAB: the optional whitespace around an HTTP field value
// (RFC 9110 §5.6.3) and around a robots.txt key or value (RFC 9309 §2.2).
std::string_view TrimSpacesAndTabs(std::string_view s);

// The byte length of the Unicode White_Space character at s[i] (U+0009..U+000D, U+0020, U+0085,
// U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), or 0 when there is none
// (also when i >= s.size()). The no-break and ideographic spaces are common padding on Chinese portals.
std::size_t UnicodeWhitespaceLength(std::string_view s, std::size_t i);

// `s` without leading and trailing Unicode White_Space characters (see UnicodeWhitespaceLength).
std::string_view TrimUnicodeWhitespace(std::string_view s);

}  // namespace hc
