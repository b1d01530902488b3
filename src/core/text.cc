#include "core/text.h"

#include <unicode/utf8.h>

#include <cstdint>
#include <cstring>

namespace hc {

// --- UTF-8 -------------------------------------------------------------------------------------------

Utf8Char DecodeUtf8At(std::string_view bytes, std::size_t at) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::size_t lead = at;
  UChar32 c;
  // U8_NEXT (ICU >= 60) rejects overlong forms, surrogates and values above U+10FFFF, and on an
  // ill-formed sequence advances past its maximal subpart only.
  U8_NEXT(s, at, bytes.size(), c);
  Utf8Char out;
  out.length = at - lead;
  if (c >= 0) {
    out.code_point = static_cast<char32_t>(c);
    out.valid = true;
  } else {
    out.truncated = at == bytes.size() && U8_IS_LEAD(s[lead]);
  }
  return out;
}

void AppendUtf8(char32_t code_point, std::string& out) {
  std::uint8_t buffer[U8_MAX_LENGTH];
  std::size_t length = 0;
  bool error = false;
  U8_APPEND(buffer, length, U8_MAX_LENGTH, code_point, error);
  if (error) {  // a surrogate or above U+10FFFF: U8_APPEND wrote nothing
    length = 0;
    U8_APPEND_UNSAFE(buffer, length, kReplacementCharacter);
  }
  out.append(reinterpret_cast<const char*>(buffer), length);
}

std::size_t ValidUtf8Prefix(std::string_view bytes, std::size_t* multibyte) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  std::size_t chars = 0;
  const auto trail = [&](std::size_t at) { return at < n && (s[at] & 0xC0) == 0x80; };
  while (i < n) {
    if (s[i] < 0x80) {
      // Markup is mostly ASCII: skip it a word at a time.
      while (i + 8 <= n) {
        std::uint64_t word;
        std::memcpy(&word, s + i, 8);
        if (word & 0x8080808080808080ULL) break;
        i += 8;
      }
      while (i < n && s[i] < 0x80) ++i;
      continue;
    }
    // Chinese text is nearly all three-byte characters whose lead (E1..EC, EE, EF) allows any two
    // trail bytes: step over a stretch of them without the general case's range checks below.
    while (i + 3 <= n && s[i] >= 0xE1 && s[i] != 0xED && s[i] <= 0xEF && (s[i + 1] & 0xC0) == 0x80 &&
           (s[i + 2] & 0xC0) == 0x80) {
      i += 3;
      ++chars;
    }
    if (i >= n || s[i] < 0x80) continue;
    const std::uint8_t lead = s[i];
    std::size_t length = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
      if (trail(i + 1)) length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      // E0 needs A0..BF second (no overlong forms), ED 80..9F (no surrogates).
      const std::uint8_t lo = lead == 0xE0 ? 0xA0 : 0x80, hi = lead == 0xED ? 0x9F : 0xBF;
      if (i + 1 < n && s[i + 1] >= lo && s[i + 1] <= hi && trail(i + 2)) length = 3;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      // F0 needs 90..BF second (no overlong forms), F4 80..8F (nothing above U+10FFFF).
      const std::uint8_t lo = lead == 0xF0 ? 0x90 : 0x80, hi = lead == 0xF4 ? 0x8F : 0xBF;
      if (i + 1 < n && s[i + 1] >= lo && s[i + 1] <= hi && trail(i + 2) && trail(i + 3)) length = 4;
    }
    if (length == 0) break;
    i += length;
    ++chars;
  }
  if (multibyte) *multibyte += chars;
  return i;
}

bool IsValidUtf8(std::string_view bytes) { return ValidUtf8Prefix(bytes) == bytes.size(); }

std::size_t AppendReplacingInvalidUtf8(std::string_view bytes, std::string& out) {
  static constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";
  std::size_t replaced = 0;
  std::size_t i = 0;
  while (i < bytes.size()) {
    std::size_t run = i;  // a run of ASCII and valid characters is appended in one go
    Utf8Char c;
    while (run < bytes.size()) {
      if (static_cast<unsigned char>(bytes[run]) < 0x80) {
        ++run;
        continue;
      }
      c = DecodeUtf8At(bytes, run);
      if (!c.valid) break;
      run += c.length;
    }
    out.append(bytes.substr(i, run - i));
    if (run == bytes.size()) break;
    out.append(kReplacementUtf8);
    ++replaced;
    i = run + c.length;
  }
  return replaced;
}

// --- ASCII case ------------------------------------------------------------------------------------

void AsciiLowerInPlace(std::string& s) {
  for (char& c : s) c = AsciiLower(c);
}

std::string AsciiLowered(std::string_view s) {
  std::string out(s);
  AsciiLowerInPlace(out);
  return out;
}

// --- whitespace ------------------------------------------------------------------------------------

std::string_view TrimAsciiWhitespace(std::string_view s) {
  while (!s.empty() && IsAsciiWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiWhitespace(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view TrimSpacesAndTabs(std::string_view s) {
  auto space_or_tab = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && space_or_tab(s.front())) s.remove_prefix(1);
  while (!s.empty() && space_or_tab(s.back())) s.remove_suffix(1);
  return s;
}

std::size_t UnicodeWhitespaceLength(std::string_view s, std::size_t i) {
  // Matched on the bytes: every White_Space character outside ASCII starts with C2, E1, E2 or E3, and
  // this runs once per character of a page's reader text.
  auto byte = [&](std::size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  const unsigned char c = byte(i);
  if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;  // byte() reads past the end as 0
  if (c == 0xC2 && (byte(i + 1) == 0x85 || byte(i + 1) == 0xA0)) return 2;
  if (c == 0xE1 && byte(i + 1) == 0x9A && byte(i + 2) == 0x80) return 3;  // U+1680
  if (c == 0xE2 && byte(i + 1) == 0x80) {
    const unsigned char d = byte(i + 2);
    // U+2000..U+200A, U+2028, U+2029, U+202F
    if ((d >= 0x80 && d <= 0x8A) || d == 0xA8 || d == 0xA9 || d == 0xAF) return 3;
  }
  if (c == 0xE2 && byte(i + 1) == 0x81 && byte(i + 2) == 0x9F) return 3;  // U+205F
  if (c == 0xE3 && byte(i + 1) == 0x80 && byte(i + 2) == 0x80) return 3;  // U+3000
  return 0;
}

std::string_view TrimUnicodeWhitespace(std::string_view s) {
  while (std::size_t n = UnicodeWhitespaceLength(s, 0)) s.remove_prefix(n);
  while (!s.empty()) {
    // Step back to the start of the last character (at most 3 continuation bytes) and test it.
    std::size_t start = s.size() - 1;
    while (start > 0 && s.size() - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) {
      --start;
    }
    const std::size_t n = UnicodeWhitespaceLength(s, start);
    if (n == 0 || start + n != s.size()) break;
    s.remove_suffix(n);
  }
  return s;
}

}  // namespace hc
