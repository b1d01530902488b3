// The text primitives of core/text.h. UTF-8 cases are the facts of RFC 3629 (§3 and §4's
// UTF8-octets grammar) and of Unicode §3.9's "U+FFFD substitution of maximal subparts" (Table 3-8).
#include "core/text.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace hc {
namespace {

// Decodes all of `bytes` with DecodeUtf8At, U+FFFD for each ill-formed part.
std::u32string DecodeAll(std::string_view bytes) {
  std::u32string out;
  for (std::size_t i = 0; i < bytes.size();) {
    const Utf8Char c = DecodeUtf8At(bytes, i);
    EXPECT_GE(c.length, 1u);
    out.push_back(c.code_point);
    i += c.length;
  }
  return out;
}

TEST(Utf8, DecodesOneCharacterAtATime) {
  struct Case {
    const char* name;
    std::string bytes;
    char32_t code_point;  // of the first character
    std::size_t length;
    bool valid;
    bool truncated;
  };
  const std::vector<Case> cases = {
      {"ASCII", "A", U'A', 1, true, false},
      {"NUL is a character", std::string(1, '\0'), 0, 1, true, false},
      {"2-byte minimum U+0080", "\xC2\x80", 0x80, 2, true, false},
      {"2-byte maximum U+07FF", "\xDF\xBF", 0x7FF, 2, true, false},
      {"3-byte minimum U+0800", "\xE0\xA0\x80", 0x800, 3, true, false},
      {"CJK U+4E2D", "\xE4\xB8\xAD", 0x4E2D, 3, true, false},
      {"last before surrogates U+D7FF", "\xED\x9F\xBF", 0xD7FF, 3, true, false},
      {"first after surrogates U+E000", "\xEE\x80\x80", 0xE000, 3, true, false},
      {"U+FFFF", "\xEF\xBF\xBF", 0xFFFF, 3, true, false},
      {"4-byte minimum U+10000", "\xF0\x90\x80\x80", 0x10000, 4, true, false},
      {"4-byte maximum U+10FFFF", "\xF4\x8F\xBF\xBF", 0x10FFFF, 4, true, false},
      {"overlong C0 80 (NUL): C0 is never a lead", "\xC0\x80", kReplacementCharacter, 1, false, false},
      {"overlong C1 BF: C1 is never a lead", "\xC1\xBF", kReplacementCharacter, 1, false, false},
      {"overlong E0 80 80", "\xE0\x80\x80", kReplacementCharacter, 1, false, false},
      {"overlong E0 9F BF (U+07FF in 3 bytes)", "\xE0\x9F\xBF", kReplacementCharacter, 1, false, false},
      {"overlong F0 80 80 80", "\xF0\x80\x80\x80", kReplacementCharacter, 1, false, false},
      {"overlong F0 8F BF BF (U+FFFF in 4 bytes)", "\xF0\x8F\xBF\xBF", kReplacementCharacter, 1, false, false},
      {"surrogate D800 (ED A0 80)", "\xED\xA0\x80", kReplacementCharacter, 1, false, false},
      {"surrogate DFFF (ED BF BF)", "\xED\xBF\xBF", kReplacementCharacter, 1, false, false},
      {"above U+10FFFF: F4 90 80 80", "\xF4\x90\x80\x80", kReplacementCharacter, 1, false, false},
      {"F5 is never a lead (5-byte forms are gone)", "\xF5\x80\x80\x80", kReplacementCharacter, 1, false, false},
      {"FF is never a lead", "\xFF", kReplacementCharacter, 1, false, false},
      {"stray continuation byte", "\x80" "A", kReplacementCharacter, 1, false, false},
      {"lead then ASCII: the lead alone", "\xE4" "A", kReplacementCharacter, 1, false, false},
      {"valid prefix then ASCII: the prefix is one part", "\xE4\xB8" "A", kReplacementCharacter, 2, false, false},
      {"truncated 2-byte at the end", "\xC2", kReplacementCharacter, 1, false, true},
      {"truncated 3-byte at the end", "\xE4\xB8", kReplacementCharacter, 2, false, true},
      {"truncated 4-byte at the end", "\xF0\x9F\x98", kReplacementCharacter, 3, false, true},
      {"lone invalid byte at the end is not truncation", "\xC0", kReplacementCharacter, 1, false, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Utf8Char got = DecodeUtf8At(c.bytes, 0);
    EXPECT_EQ(got.code_point, c.code_point);
    EXPECT_EQ(got.length, c.length);
    EXPECT_EQ(got.valid, c.valid);
    EXPECT_EQ(got.truncated, c.truncated);
    EXPECT_EQ(IsValidUtf8(c.bytes), c.valid && got.length == c.bytes.size());
  }
}

TEST(Utf8, DecodesAtAnOffset) {
  const std::string s = "a\xE4\xB8\xAD";
  const Utf8Char c = DecodeUtf8At(s, 1);
  EXPECT_TRUE(c.valid);
  EXPECT_EQ(c.code_point, 0x4E2Du);
  EXPECT_EQ(c.length, 3u);
  EXPECT_FALSE(DecodeUtf8At(s, 2).valid);  // inside a character: a continuation byte
}

// Unicode §3.9 Table 3-8: each maximal subpart becomes one U+FFFD, the same count a browser shows.
TEST(Utf8, IllFormedPartsAreMaximalSubparts) {
  struct Case {
    const char* name;
    std::string bytes;
    std::u32string decoded;
  };
  constexpr char32_t R = kReplacementCharacter;
  const std::vector<Case> cases = {
      {"Table 3-8", "\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64", {U'a', R, R, R, U'b', R, U'c', R, R, U'd'}},
      {"overlong C0 80 is two parts", "\xC0\x80", {R, R}},
      {"overlong E0 80 80 is three parts", "\xE0\x80\x80", {R, R, R}},
      {"surrogate ED A0 80 is three parts", "\xED\xA0\x80", {R, R, R}},
      {"F4 90 80 80 is four parts", "\xF4\x90\x80\x80", {R, R, R, R}},
      {"valid text around an error", "\xE4\xB8\xAD\xFF\xE6\x96\x87", {0x4E2D, R, 0x6587}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DecodeAll(c.bytes), c.decoded);
    std::string replaced = "<";
    const std::size_t count = AppendReplacingInvalidUtf8(c.bytes, replaced);
    std::string expected = "<";
    std::size_t expected_count = 0;
    for (char32_t cp : c.decoded) {
      AppendUtf8(cp, expected);
      expected_count += cp == R ? 1 : 0;
    }
    EXPECT_EQ(replaced, expected);
    EXPECT_EQ(count, expected_count);
    EXPECT_TRUE(IsValidUtf8(replaced));
  }
}

TEST(Utf8, ValidTextIsAppendedUnchanged) {
  for (std::string_view s : {"", "plain ascii", "\xE4\xB8\xAD\xE6\x96\x87 text", "\xF0\x9F\x98\x80"}) {
    SCOPED_TRACE(s);
    EXPECT_TRUE(IsValidUtf8(s));
    std::string out;
    EXPECT_EQ(AppendReplacingInvalidUtf8(s, out), 0u);
    EXPECT_EQ(out, s);
  }
}

// ValidUtf8Prefix (the word-at-a-time scan) stops where stepping with DecodeUtf8At meets the first
// ill-formed sequence, and counts the characters before it: every lead byte with every second byte,
// after ASCII runs of every length up to a word and more, with and without a third and fourth byte.
TEST(Utf8, ValidPrefixIsWhereDecodeUtf8AtFirstFails) {
  const auto reference = [](std::string_view bytes, std::size_t* chars) {
    std::size_t i = 0;
    *chars = 0;
    while (i < bytes.size()) {
      const Utf8Char c = DecodeUtf8At(bytes, i);
      if (!c.valid) break;
      *chars += c.length > 1 ? 1 : 0;
      i += c.length;
    }
    return i;
  };
  std::size_t checked = 0;
  for (std::size_t ascii : {0, 1, 7, 8, 9, 17}) {
    for (int lead = 0x80; lead <= 0xFF; ++lead) {
      for (int second : {0x20, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0}) {
        for (std::string_view tail : {"", "\x80", "\x80\x80", "\xBF\xBF" "abc", "\x80\xC0", "\xE4\xB8\xAD"}) {
          std::string bytes(ascii, 'a');
          bytes += "\xE4\xB8\xAD";  // one valid character first
          bytes += static_cast<char>(lead);
          bytes += static_cast<char>(second);
          bytes += tail;
          std::size_t chars = 0, expected_chars = 0;
          const std::size_t expected = reference(bytes, &expected_chars);
          ASSERT_EQ(ValidUtf8Prefix(bytes, &chars), expected) << ascii << " " << lead << " " << second;
          ASSERT_EQ(chars, expected_chars);
          ASSERT_EQ(IsValidUtf8(bytes), expected == bytes.size());
          ++checked;
        }
      }
    }
  }
  EXPECT_GT(checked, 6000u);
  // A stretch of three-byte characters (the fast path for Chinese text), ended by each kind of sequence:
  // well-formed ones of every length, ill-formed ones and ones cut off by the end of the bytes.
  for (std::size_t cjk : {1, 2, 5}) {
    for (std::string_view end :
         {"", "a", "\xE4\xB8\xAD", "\xC2\x80", "\xF0\x9F\x98\x80", "\xED\x9F\xBF", "\xED\xA0\x80",
          "\xE0\x80\x80", "\xE0\xA0\x80", "\xEF\xBF\xBF", "\xE4\xB8", "\xE4", "\xE4\xC0\x80", "\xE4\xB8\x7F",
          "\xC0\x80", "\xF4\x90\x80\x80", "\x80"}) {
      std::string bytes;
      for (std::size_t k = 0; k < cjk; ++k) bytes += "\xE4\xB8\xAD\xEE\x80\x80\xE1\x80\x80";
      bytes += end;
      std::size_t chars = 0, expected_chars = 0;
      const std::size_t expected = reference(bytes, &expected_chars);
      ASSERT_EQ(ValidUtf8Prefix(bytes, &chars), expected) << cjk << " " << ::testing::PrintToString(end);
      ASSERT_EQ(chars, expected_chars);
      ASSERT_EQ(IsValidUtf8(bytes), expected == bytes.size());
    }
  }
  std::size_t chars = 5;  // counts add to what the caller had
  EXPECT_EQ(ValidUtf8Prefix("\xF0\x9F\x98\x80 \xE4\xB8\xAD", &chars), 8u);
  EXPECT_EQ(chars, 7u);
  EXPECT_EQ(ValidUtf8Prefix(""), 0u);
}

TEST(Utf8, EncodesOneToFourBytes) {
  struct Case {
    const char* name;
    char32_t code_point;
    std::string bytes;
  };
  const std::vector<Case> cases = {
      {"ASCII", U'A', "A"},
      {"U+0080: 2 bytes", 0x80, "\xC2\x80"},
      {"U+07FF: 2 bytes", 0x7FF, "\xDF\xBF"},
      {"U+0800: 3 bytes", 0x800, "\xE0\xA0\x80"},
      {"U+4E2D: 3 bytes", 0x4E2D, "\xE4\xB8\xAD"},
      {"U+FFFD", 0xFFFD, "\xEF\xBF\xBD"},
      {"U+10000: 4 bytes", 0x10000, "\xF0\x90\x80\x80"},
      {"U+10FFFF: 4 bytes, the maximum", 0x10FFFF, "\xF4\x8F\xBF\xBF"},
      {"surrogate U+D800 is not a character: U+FFFD", 0xD800, "\xEF\xBF\xBD"},
      {"surrogate U+DFFF: U+FFFD", 0xDFFF, "\xEF\xBF\xBD"},
      {"U+110000 is beyond Unicode: U+FFFD", 0x110000, "\xEF\xBF\xBD"},
      {"0xFFFFFFFF: U+FFFD", 0xFFFFFFFF, "\xEF\xBF\xBD"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out = "x";
    AppendUtf8(c.code_point, out);
    EXPECT_EQ(out, "x" + c.bytes);
  }
}

TEST(Utf8, EveryScalarValueRoundTrips) {
  std::string bytes;
  for (char32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    bytes.clear();
    AppendUtf8(cp, bytes);
    const Utf8Char c = DecodeUtf8At(bytes, 0);
    if (!c.valid || c.code_point != cp || c.length != bytes.size()) {
      ADD_FAILURE() << "U+" << std::hex << static_cast<unsigned long>(cp);
      return;
    }
  }
}

TEST(AsciiCase, LowersOnlyAToZ) {
  struct Case {
    const char* name;
    std::string in;
    std::string lowered;
  };
  const std::vector<Case> cases = {
      {"letters", "Content-Type", "content-type"},
      {"edges of the range", "@AZ[`az{", "@az[`az{"},
      {"non-ASCII bytes are left alone", "\xC3\x80\xE4\xB8\xAD", "\xC3\x80\xE4\xB8\xAD"},
      {"Latin-1 bytes are not letters", "\xC0\xD6\xDE", "\xC0\xD6\xDE"},
      {"invalid UTF-8 is kept byte for byte", "A\xFF" "B\x80", "a\xFF" "b\x80"},
      {"empty", "", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(AsciiLowered(c.in), c.lowered);
    std::string in_place = c.in;
    AsciiLowerInPlace(in_place);
    EXPECT_EQ(in_place, c.lowered);
    EXPECT_TRUE(EqualsIgnoringAsciiCase(c.in, c.lowered));
  }
}

TEST(AsciiCase, EqualsIgnoringAsciiCase) {
  struct Case {
    std::string_view a, b;
    bool equal;
  };
  const std::vector<Case> cases = {
      {"GBK", "gbk", true},         {"xN--", "xn--", true},  {"id", "ID", true},
      {"id", "idx", false},         {"", "", true},          {"a", "", false},
      {"\xC3\x80", "\xC3\xA0", false},  // U+00C0 and U+00E0: not ASCII, so not folded
      {"@", "`", false},            {"[", "{", false},       // 0x40/0x60 and 0x5B/0x7B differ by 0x20 but are not letters
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.a) + " vs " + std::string(c.b));
    EXPECT_EQ(EqualsIgnoringAsciiCase(c.a, c.b), c.equal);
    EXPECT_EQ(EqualsIgnoringAsciiCase(c.b, c.a), c.equal);
  }
}

TEST(Whitespace, Trims) {
  struct Case {
    const char* name;
    std::string_view in;
    std::string_view ascii;    // TrimAsciiWhitespace
    std::string_view tabs;     // TrimSpacesAndTabs
    std::string_view unicode;  // TrimUnicodeWhitespace
  };
  const std::vector<Case> cases = {
      {"nothing to trim", "a b", "a b", "a b", "a b"},
      {"empty", "", "", "", ""},
      {"only whitespace", " \t\r\n\f", "", "\r\n\f", ""},
      {"spaces and tabs", " \t a \t ", "a", "a", "a"},
      {"CR LF", "\r\na\r\n", "a", "\r\na\r\n", "a"},
      {"VT is not ASCII whitespace (WHATWG) but is White_Space", "\va\v", "\va\v", "\va\v", "a"},
      {"NBSP U+00A0", "\xC2\xA0" "a" "\xC2\xA0", "\xC2\xA0" "a" "\xC2\xA0", "\xC2\xA0" "a" "\xC2\xA0", "a"},
      {"ideographic space U+3000", "\xE3\x80\x80\xE4\xB8\xAD\xE3\x80\x80", "\xE3\x80\x80\xE4\xB8\xAD\xE3\x80\x80",
       "\xE3\x80\x80\xE4\xB8\xAD\xE3\x80\x80", "\xE4\xB8\xAD"},
      {"mixed ASCII and Unicode", " \xE3\x80\x80\t\xC2\xA0x\xE2\x80\x83 \xE2\x80\xAF", "\xE3\x80\x80\t\xC2\xA0x\xE2\x80\x83 \xE2\x80\xAF",
       "\xE3\x80\x80\t\xC2\xA0x\xE2\x80\x83 \xE2\x80\xAF", "x"},
      {"inner whitespace stays", "\xE3\x80\x80" "a\xE3\x80\x80" "b ", "\xE3\x80\x80" "a\xE3\x80\x80" "b",
       "\xE3\x80\x80" "a\xE3\x80\x80" "b", "a\xE3\x80\x80" "b"},
      {"a character ending in 80 80 is not U+3000", "\xE4\x80\x80", "\xE4\x80\x80", "\xE4\x80\x80", "\xE4\x80\x80"},
      {"a truncated U+3000 is not whitespace", "a\xE3\x80", "a\xE3\x80", "a\xE3\x80", "a\xE3\x80"},
      {"stray continuation bytes are kept", "\x80\x80\x80\x80", "\x80\x80\x80\x80", "\x80\x80\x80\x80", "\x80\x80\x80\x80"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(TrimAsciiWhitespace(c.in), c.ascii);
    EXPECT_EQ(TrimSpacesAndTabs(c.in), c.tabs);
    EXPECT_EQ(TrimUnicodeWhitespace(c.in), c.unicode);
  }
}

TEST(Whitespace, UnicodeWhiteSpaceCharacters) {
  // Every White_Space code point of Unicode 15 (PropList.txt), and neighbours that are not.
  const std::vector<char32_t> white = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0x85,   0xA0,
                                       0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006,
                                       0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
                                       0x3000};
  const std::vector<char32_t> not_white = {0x08, 0x0E, 0x1F, 0x21, 0x84, 0x86, 0x9F, 0xA1, 0x180E,
                                           0x200B, 0x2027, 0x202A, 0x2060, 0x3001, 0xFEFF, 0x4E2D};
  for (char32_t cp : white) {
    std::string s;
    AppendUtf8(cp, s);
    SCOPED_TRACE(static_cast<unsigned long>(cp));
    EXPECT_EQ(UnicodeWhitespaceLength(s, 0), s.size());
  }
  for (char32_t cp : not_white) {
    std::string s;
    AppendUtf8(cp, s);
    SCOPED_TRACE(static_cast<unsigned long>(cp));
    EXPECT_EQ(UnicodeWhitespaceLength(s, 0), 0u);
  }
  EXPECT_EQ(UnicodeWhitespaceLength("a", 1), 0u);  // past the end
}

}  // namespace
}  // namespace hc
