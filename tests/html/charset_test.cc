// DecodeToUtf8 and its parts: label resolution (WHATWG Encoding Standard), the Content-Type charset,
// the HTML Standard's meta prescan, the decoders, and the whole decision on realistic portal pages.
// Legacy-encoded bytes are produced here with glibc iconv from UTF-8 text, so every expectation is
// the text we started from.
#include <gtest/gtest.h>
#include <iconv.h>

#include <cerrno>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "html/charset_internal.h"
#include "html/html.h"

namespace hc::html {
namespace {

namespace ci = charset_internal;

// UTF-8 text re-encoded into `charset` (strictly: a character the charset lacks fails the test).
std::string Encode(std::string_view utf8, const char* charset) {
  struct Closer {
    void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
  };
  iconv_t raw = iconv_open(charset, "UTF-8");
  EXPECT_NE(raw, reinterpret_cast<iconv_t>(-1)) << charset;
  if (raw == reinterpret_cast<iconv_t>(-1)) return {};
  std::unique_ptr<void, Closer> cd(raw);
  std::string out(utf8.size() * 4 + 16, '\0');
  char* src = const_cast<char*>(utf8.data());
  std::size_t src_left = utf8.size();
  char* dst = out.data();
  std::size_t dst_left = out.size();
  const std::size_t rc = iconv(raw, &src, &src_left, &dst, &dst_left);
  EXPECT_NE(rc, static_cast<std::size_t>(-1)) << "cannot encode in " << charset << ": errno " << errno;
  iconv(raw, nullptr, nullptr, &dst, &dst_left);
  out.resize(out.size() - dst_left);
  return out;
}

const std::string kChineseText =
    "<p>高血压患者的饮食注意事项：少盐、少油，多吃蔬菜水果。朱镕基、邓小平。"
    "糖尿病的早期症状有哪些？多饮、多尿、多食和体重下降。</p>";

// French in ISO-8859-1: é (0xE9) before a space or '<' is invalid GB18030, so this cannot pass for GBK.
const std::string kFrenchLatin1 =
    "<p>Le caf\xE9 \xE9tait ferm\xE9 depuis l'\xE9t\xE9. Les m\xE9"
    "decins ont conseill\xE9 "
    "\xE0 la patiente de boire beaucoup d'eau et de manger l\xE9ger.</p>";

std::string Page(std::string_view head_extra, std::string_view body) {
  return "<!DOCTYPE html><html><head>" + std::string(head_extra) + "<title>health</title></head><body>" +
         std::string(body) + "</body></html>";
}

// --- labels ----------------------------------------------------------------------------------------

TEST(CharsetLabelTest, ResolvesLabelsAsTheEncodingStandardSays) {
  struct Case {
    const char* label;
    std::optional<std::string> name;
  };
  const std::vector<Case> cases = {
      {"utf-8", "UTF-8"},
      {"UTF8", "UTF-8"},
      {" \tutf-8\n", "UTF-8"},
      {"gb2312", "GB18030"},
      {"GBK", "GB18030"},
      {"x-gbk", "GB18030"},
      {"cp936", "GB18030"},
      {"gb18030", "GB18030"},
      {"csgb2312", "GB18030"},
      {"big5", "Big5"},
      {"Big5-HKSCS", "Big5"},
      {"latin1", "windows-1252"},
      {"iso-8859-1", "windows-1252"},
      {"ascii", "windows-1252"},
      {"US-ASCII", "windows-1252"},
      {"shift_jis", "Shift_JIS"},
      {"euc-kr", "EUC-KR"},
      {"koi8-r", "KOI8-R"},
      {"utf-16", "UTF-16LE"},
      {"utf-16be", "UTF-16BE"},
      {"iso-8859-8-i", "ISO-8859-8-I"},
      {"hz-gb-2312", std::nullopt},  // a "replacement" label: treated as unknown
      {"euc-tw", std::nullopt},      // uchardet's name, not a label pages may declare
      {"bogus", std::nullopt},
      {"", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.label);
    auto enc = ci::EncodingForLabel(c.label);
    ASSERT_EQ(enc.has_value(), c.name.has_value());
    if (enc) {
      EXPECT_EQ(enc->name, *c.name);
    }
  }
}

TEST(CharsetLabelTest, DetectedNamesIncludeUchardetOnlyCharsets) {
  EXPECT_EQ(ci::EncodingForDetectedName("GB18030")->name, "GB18030");
  EXPECT_EQ(ci::EncodingForDetectedName("BIG5")->name, "Big5");
  EXPECT_EQ(ci::EncodingForDetectedName("ASCII")->name, "UTF-8");
  EXPECT_EQ(ci::EncodingForDetectedName("EUC-TW")->name, "EUC-TW");
  EXPECT_FALSE(ci::EncodingForDetectedName("").has_value());
  EXPECT_FALSE(ci::EncodingForDetectedName("NOT-A-CHARSET").has_value());
}

TEST(CharsetHeaderTest, ExtractsTheCharsetParameter) {
  struct Case {
    const char* name;
    const char* header;
    std::optional<std::string> charset;
  };
  const std::vector<Case> cases = {
      {"plain", "text/html; charset=GBK", "GBK"},
      {"no space, quoted", "text/html;charset=\"utf-8\"", "utf-8"},
      {"name case", "text/html; Charset=big5", "big5"},
      {"after another parameter", "text/html; foo=bar; charset=gb2312", "gb2312"},
      {"quoted with ';' inside another value", "text/html; foo=\"a;b\"; charset=gbk", "gbk"},
      {"none", "text/html", std::nullopt},
      {"empty value", "text/html; charset=", std::nullopt},
      {"empty header", "", std::nullopt},
      {"parameter without value", "text/html; charset; x=1", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ci::CharsetFromContentType(c.header), c.charset);
  }
}

TEST(CharsetMetaTest, PrescanFindsTheDeclarationLikeABrowser) {
  struct Case {
    const char* name;
    std::string head;
    std::optional<std::string> encoding;
  };
  const std::vector<Case> cases = {
      {"meta charset quoted", R"(<meta charset="gbk">)", "GB18030"},
      {"meta charset upper case, unquoted", "<META CHARSET=GB2312>", "GB18030"},
      {"meta charset single quotes, spaces around =", "<meta charset = 'big5' >", "Big5"},
      {"slash instead of space", "<meta/charset=\"utf-8\"/>", "UTF-8"},
      {"unquoted value runs to whitespace or '>' (the standard's rule)", "<meta charset=utf-8/>",
       std::nullopt},
      {"http-equiv then content", R"(<meta http-equiv="Content-Type" content="text/html; charset=gb2312">)",
       "GB18030"},
      {"content then http-equiv (order does not matter)",
       R"(<meta content="text/html;charset=big5" http-equiv="content-type">)", "Big5"},
      {"content charset quoted inside the attribute",
       R"(<meta http-equiv=content-type content='text/html; charset="utf-8"'>)", "UTF-8"},
      {"content without http-equiv is not a declaration",
       R"(<meta content="text/html; charset=gbk"><meta charset="utf-8">)", "UTF-8"},
      {"inside a comment is ignored", R"(<!-- <meta charset="big5"> --><meta charset="gbk">)", "GB18030"},
      {"attribute values of other tags are skipped", R"(<div title="<meta charset=big5>"><meta charset=gbk>)",
       "GB18030"},
      {"unknown label: keep looking", R"(<meta charset="bogus"><meta charset="gbk">)", "GB18030"},
      {"utf-16 in a meta means utf-8", R"(<meta charset="utf-16le">)", "UTF-8"},
      {"x-user-defined means windows-1252", R"(<meta charset="x-user-defined">)", "windows-1252"},
      {"first charset attribute wins", R"(<meta charset="gbk" charset="big5">)", "GB18030"},
      {"<metacharset> is another tag", "<metacharset=gbk>", std::nullopt},
      {"after long head", std::string(6000, ' ') + "<meta charset=gbk>", "GB18030"},
      {"cut inside the tag", "<meta charset=\"gbk", std::nullopt},
      {"none", "<html><head><title>x</title>", std::nullopt},
      {"empty", "", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto enc = ci::PrescanMetaCharset(c.head);
    ASSERT_EQ(enc.has_value(), c.encoding.has_value());
    if (enc) {
      EXPECT_EQ(enc->name, *c.encoding);
    }
  }
}

TEST(CharsetMetaTest, ExtractsFromContentAttribute) {
  EXPECT_EQ(ci::ExtractCharsetFromMetaContent("text/html; charset=gbk"), "gbk");
  EXPECT_EQ(ci::ExtractCharsetFromMetaContent("text/html;CHARSET = \"big5\""), "big5");
  EXPECT_EQ(ci::ExtractCharsetFromMetaContent("charsetx; charset=utf-8;"), "utf-8");
  EXPECT_EQ(ci::ExtractCharsetFromMetaContent("text/html; charset=\"gbk"), std::nullopt);
  EXPECT_EQ(ci::ExtractCharsetFromMetaContent("text/html"), std::nullopt);
}

// --- decoders --------------------------------------------------------------------------------------

TEST(CharsetDecoderTest, ReplacesInvalidSequencesAndKeepsGoing) {
  struct Case {
    const char* name;
    std::string bytes;
    const char* label;
    std::string expected;
    std::size_t errors;
  };
  const std::vector<Case> cases = {
      {"utf-8 valid",
       "a\xE4\xB8\xAD"
       "b",
       "utf-8", "a中b", 0},
      {"utf-8 stray continuation",
       "a\x80"
       "b",
       "utf-8", "a\uFFFDb", 1},
      {"utf-8 truncated at end", "a\xE4\xB8", "utf-8", "a\uFFFD", 1},
      {"utf-8 truncated mid-text (maximal subpart)",
       "\xE4\xB8"
       "a",
       "utf-8", "\uFFFDa", 1},
      {"utf-8 surrogate encoded", "\xED\xA0\x80", "utf-8", "\uFFFD\uFFFD\uFFFD", 3},
      {"utf-8 overlong", "\xC0\xAF", "utf-8", "\uFFFD\uFFFD", 2},
      {"gbk lead before a byte that cannot trail",
       "\xD6"
       "!",
       "gbk", "\uFFFD!", 1},
      {"gbk lead at end", "ok\xD6", "gbk", "ok\uFFFD", 1},
      {"gb18030 0x80 is the euro sign", "\x80", "gb18030", "€", 0},
      {"gbk 0xFF is invalid",
       "\xFF"
       "a",
       "gbk", "\uFFFDa", 1},
      {"windows-1252 0x80 and a hole", "\x80\x81\xE9", "latin1", "€\u0081é", 0},
      {"utf-16le with lone surrogate",
       std::string("a\0\x00\xD8"
                   "b\0",
                   6),
       "utf-16le", "a\uFFFDb", 1},
      {"utf-16be odd length", std::string("\0a\0", 3), "utf-16be", "a\uFFFD", 1},
      {"utf-16le surrogate pair", std::string("\x3D\xD8\x00\xDE", 4), "utf-16le", "😀", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto enc = ci::EncodingForLabel(c.label);
    ASSERT_TRUE(enc.has_value());
    std::string out;
    ci::DecodeStats stats = ci::Decode(c.bytes, *enc, &out);
    EXPECT_EQ(out, c.expected);
    EXPECT_EQ(stats.errors, c.errors);
    EXPECT_TRUE(ci::IsValidUtf8(out));
  }
}

// --- the whole decision ------------------------------------------------------------------------------

TEST(DecodeToUtf8Test, DecidesTheCharsetAndDecodes) {
  const std::string gbk_page = Encode(Page(R"(<meta charset="gbk">)", kChineseText), "GBK");
  const std::string gbk_body = Encode(kChineseText, "GBK");
  const std::string utf8_body = kChineseText;
  struct Case {
    const char* name;
    std::string bytes;
    std::string header;
    std::string charset;
    std::string source;
    std::string must_contain;  // UTF-8 text the decoded page must contain
  };
  const std::vector<Case> cases = {
      {"GBK declared in meta", gbk_page, "", "GB18030", "meta", "高血压"},
      {"gb2312 declared, GBK-only character 镕",
       Encode(Page(R"(<meta http-equiv="Content-Type" content="text/html; charset=gb2312">)", kChineseText),
              "GBK"),
       "", "GB18030", "meta", "朱镕基"},
      {"GB18030 four-byte characters (U+20000, U+E5E5 neighbours)",
       Page("", Encode("<p>罕见字𠀀与藏文ཀ和蒙古文ᠮ</p>", "GB18030")), "text/html; charset=GB18030",
       "GB18030", "header", "罕见字𠀀与藏文ཀ和蒙古文ᠮ"},
      {"Big5 declared in header",
       Encode(Page("", "<p>高血壓患者的飲食注意事項：少鹽、少油。糖尿病的早期症狀有哪些？</p>"), "BIG5"),
       "text/html; charset=big5", "Big5", "header", "高血壓患者的飲食注意事項"},
      {"UTF-8 BOM beats a gbk meta", "\xEF\xBB\xBF" + Page(R"(<meta charset="gbk">)", utf8_body), "", "UTF-8",
       "bom", "糖尿病"},
      {"UTF-8 BOM beats the header", "\xEF\xBB\xBF" + Page("", utf8_body), "text/html; charset=gbk", "UTF-8",
       "bom", "糖尿病"},
      {"UTF-16LE BOM", "\xFF\xFE" + Encode(Page("", utf8_body), "UTF-16LE"), "", "UTF-16LE", "bom", "糖尿病"},
      {"UTF-16BE BOM", "\xFE\xFF" + Encode(Page("", utf8_body), "UTF-16BE"), "", "UTF-16BE", "bom", "糖尿病"},
      {"header beats meta", Encode(Page(R"(<meta charset="big5">)", kChineseText), "GBK"),
       "text/html; charset=gbk", "GB18030", "header", "高血压"},
      {"unknown header charset falls back to meta", gbk_page, "text/html; charset=nonsense", "GB18030",
       "meta", "高血压"},
      {"lying declaration: meta says utf-8, bytes are GBK", Page(R"(<meta charset="utf-8">)", gbk_body), "",
       "GB18030", "detected", "多饮、多尿"},
      {"lying declaration: header says utf-8, bytes are GBK", Page("", gbk_body), "text/html; charset=UTF-8",
       "GB18030", "detected", "多饮、多尿"},
      {"lying declaration: meta says gb2312, bytes are UTF-8", Page(R"(<meta charset="gb2312">)", utf8_body),
       "", "UTF-8", "detected", "多饮、多尿"},
      {"lying declaration: header says iso-8859-1, bytes are UTF-8", Page("", utf8_body),
       "text/html; charset=ISO-8859-1", "UTF-8", "detected", "多饮、多尿"},
      {"no declaration, GBK", Page("", gbk_body), "", "GB18030", "detected", "体重下降"},
      {"no declaration, Big5",
       Page("", Encode("<p>高血壓患者的飲食注意事項：少鹽、少油，多吃蔬菜水果。糖尿病的早期症狀有哪些？"
                       "多飲、多尿、多食和體重下降。醫生建議定期檢查血糖。</p>",
                       "BIG5")),
       "", "Big5", "detected", "體重下降"},
      {"no declaration, UTF-8", Page("", utf8_body), "", "UTF-8", "detected", "体重下降"},
      {"no declaration, ASCII", Page("", "<p>hello</p>"), "", "UTF-8", "default", "hello"},
      {"truncated UTF-8 sequence at the end", Page(R"(<meta charset="utf-8">)", utf8_body) + "\xE4\xB8", "",
       "UTF-8", "meta", "</html>\uFFFD"},
      {"truncated GBK sequence at the end", gbk_page + "\xD6", "", "GB18030", "meta", "</html>\uFFFD"},
      {"latin1 declared: decoded as windows-1252", Page(R"(<meta charset="iso-8859-1">)", "caf\xE9 \x80"), "",
       "windows-1252", "meta", "café €"},
      {"UTF-8 page cut mid-character keeps its declaration",
       "<meta charset=utf-8><p>\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8", "", "UTF-8", "meta", "你好\uFFFD"},
      {"UTF-8 page with one stray byte keeps its declaration",
       "<meta charset=utf-8><p>\xE4\xBD\xA0\xE5\xA5\xBD\xFF</p>", "", "UTF-8", "meta", "你好\uFFFD"},
      {"undeclared UTF-8 cut mid-character", "<p>\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xBD\xA0\xE5\xA5\xBD\xE4\xB8",
       "", "UTF-8", "detected", "你好你好\uFFFD"},
      {"short undeclared GBK snippet", "<p>\xC4\xE3\xBA\xC3</p>", "", "GB18030", "detected", "你好"},
      {"short GBK snippet declared utf-8", "<p>\xC4\xE3\xBA\xC3</p>", "text/html; charset=utf-8", "GB18030",
       "detected", "你好"},
      {"latin1 page declared utf-8", Page(R"(<meta charset="utf-8">)", kFrenchLatin1), "", "windows-1252",
       "detected", "Le café était fermé"},
      {"undeclared latin1 page", Page("", kFrenchLatin1), "", "windows-1252", "detected",
       "Le café était fermé"},
      {"empty input", "", "", "UTF-8", "default", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    DecodedText d = DecodeToUtf8(c.bytes, c.header);
    EXPECT_EQ(d.charset, c.charset);
    EXPECT_EQ(d.source, c.source);
    EXPECT_NE(d.utf8.find(c.must_contain), std::string::npos) << d.utf8;
    EXPECT_TRUE(ci::IsValidUtf8(d.utf8));
  }
}

TEST(DecodeToUtf8Test, BomIsStrippedAndEmptyInputIsEmpty) {
  EXPECT_EQ(DecodeToUtf8("\xEF\xBB\xBFhi").utf8, "hi");
  EXPECT_EQ(DecodeToUtf8(std::string("\xFF\xFEh\0i\0", 6)).utf8, "hi");
  EXPECT_EQ(DecodeToUtf8("").utf8, "");
}

TEST(DecodeToUtf8Test, RandomBytesNeverCrashAndComeOutValidUtf8) {
  std::mt19937 rng(20260301);
  const std::vector<std::string> headers = {"",
                                            "text/html; charset=utf-8",
                                            "text/html; charset=gbk",
                                            "text/html; charset=big5",
                                            "text/html; charset=utf-16be",
                                            "text/html; charset=iso-2022-jp",
                                            "text/html; charset=shift_jis"};
  for (int round = 0; round < 200; ++round) {
    std::string bytes(static_cast<std::size_t>(rng() % 4096), '\0');
    for (char& b : bytes) b = static_cast<char>(rng() & 0xFF);
    if (round % 3 == 0) bytes = "<meta charset=gbk>" + bytes;
    const std::string& header = headers[static_cast<std::size_t>(round) % headers.size()];
    SCOPED_TRACE("round " + std::to_string(round) + " header '" + header + "'");
    DecodedText d = DecodeToUtf8(bytes, header);
    EXPECT_TRUE(ci::IsValidUtf8(d.utf8));
    EXPECT_FALSE(d.charset.empty());
    EXPECT_FALSE(d.source.empty());
  }
}

TEST(DecodeToUtf8Test, TwentyMegabytePageDecodesCompletely) {
  const std::string unit_utf8 = kChineseText + "\n";
  const std::string unit_gbk = Encode(unit_utf8, "GBK");
  std::string bytes = Page(R"(<meta charset="gb2312">)", "");
  std::string expected = bytes;
  while (bytes.size() < (20u << 20)) {
    bytes += unit_gbk;
    expected += unit_utf8;
  }
  DecodedText d = DecodeToUtf8(bytes);
  EXPECT_EQ(d.charset, "GB18030");
  EXPECT_EQ(d.source, "meta");
  EXPECT_EQ(d.utf8.size(), expected.size());
  EXPECT_TRUE(d.utf8 == expected);  // not EXPECT_EQ: a mismatch would print 30 MB
}

TEST(DecodeToUtf8Test, TwentyMegabytesOfUndeclaredGarbage) {
  std::mt19937 rng(7);
  std::string bytes(20u << 20, '\0');
  for (char& b : bytes) b = static_cast<char>(rng() & 0xFF);
  DecodedText d = DecodeToUtf8(bytes);
  EXPECT_EQ(d.source, "detected");
  EXPECT_GE(d.utf8.size(), bytes.size() / 2);
  EXPECT_TRUE(ci::IsValidUtf8(d.utf8));
}

}  // namespace
}  // namespace hc::html
