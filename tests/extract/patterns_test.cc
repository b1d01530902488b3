// The regex layer (patterns.cc): RE2 for every config pattern, its literal pre-check, what a config
// may not use, and the field-regex semantics (group, all, Chinese character classes) as before.
#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <string>
#include <vector>

#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

UrlPattern MustCompile(const std::string& source) {
  auto pattern = UrlPattern::Compile(source);
  EXPECT_TRUE(pattern.ok()) << source << ": " << pattern.status().ToString();
  return std::move(*pattern);
}

TextRegex MustCompileText(const std::string& source, int group) {
  TextRegex rx;
  rx.source = source;
  auto re = CompilePattern(source);
  EXPECT_TRUE(re.ok()) << source << ": " << re.status().ToString();
  rx.re = std::move(*re);
  rx.group = group;
  rx.plan = AnalyzeLiterals(source);
  return rx;
}

TEST(AnalyzeLiteralsTest, Table) {
  struct LiteralCase {
    const char* name;
    const char* pattern;
    bool usable;
    bool pure;
    std::string prefix;
    std::vector<std::string> required;
  };
  const LiteralCase cases[] = {
      {"page type pattern", R"(^https?://www\.mfk\.com/article/\d+\.html)", true, false, "http",
       {"http", "://www.mfk.com/article/", ".html"}},
      {"class then literal", "[?&]print=1", true, false, "", {"print=1"}},
      {"top-level alternative", "foo|bar", false, false, "", {}},
      {"alternative inside a group", "(foo|bar)/x", true, false, "", {"/x"}},
      {"pure and anchored", "^/abc$", true, true, "/abc", {"/abc"}},
      {"pure unanchored", "utm_source", true, true, "", {"utm_source"}},
      {"star drops its atom", "ab*c", true, false, "", {"a", "c"}},
      {"plus drops its atom too (conservative)", "^ab+c", true, false, "a", {"a", "c"}},
      {"brace quantifier", "a{2,3}b", true, false, "", {"b"}},
      {"lazy quantifier", "a.*?b", true, false, "", {"a", "b"}},
      {"escaped punctuation is literal", R"(\?page=)", true, true, "", {"?page="}},
      {"optional chinese character is dropped whole", "年?月", true, false, "", {"月"}},
      {"class with a bracket first", "[]a]b", true, false, "", {"b"}},
      // RE2 syntax the scan must not misread as literal text.
      {"case-insensitive flag", "(?i)abc", false, false, "", {}},
      {"flag group", "x(?s:.)y", false, false, "", {}},
      {"quoted text", R"(\Qa|b\E)", false, false, "", {}},
      {"named group is a group", "(?P<id>\\d+)x", true, false, "", {"x"}},
      {"posix class", "[[:alpha:]]x", true, false, "", {"x"}},
      {"unicode class letter", R"(\pNx)", true, false, "", {"x"}},
      {"unicode class braces", R"(\p{Han}x)", true, false, "", {"x"}},
      {"hex escape", R"(\x41b)", true, false, "", {"b"}},
      {"hex escape braces", R"(\x{4e00}b)", true, false, "", {"b"}},
      {"octal escape", R"(\101b)", true, false, "", {"b"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    LiteralPlan plan = AnalyzeLiterals(c.pattern);
    EXPECT_EQ(plan.usable, c.usable);
    if (!c.usable) continue;
    EXPECT_EQ(plan.pure, c.pure);
    EXPECT_EQ(plan.prefix, c.prefix);
    EXPECT_EQ(plan.required, c.required);
  }
}

// URL patterns answer as they did under std::regex (ECMAScript, over bytes) for the syntax both
// share, the literal pre-check included: fixed URLs and generated near-misses.
TEST(UrlPatternTest, AgreesWithStdRegex) {
  const char* patterns[] = {R"(^https?://www\.mfk\.com/(article|question)/\d+\.html)",
                            R"(^https?://www\.mfk\.com/article/\d+\.html)",
                            R"(^https?://www\.mfk\.com/list/[a-z]+(_\d+)?\.html)",
                            R"(^https?://club\.xywy\.com/static/\d{8}/\d+\.htm)",
                            R"(^https?://club\.xywy\.com/doc_card/\d+/?(?:\?|$))",
                            R"(^https?://club\.xywy\.com/list_[a-z]+_\d+\.htm)",
                            R"(((index\.html)?$|(jibing|wenda)/\d+\.html$))",
                            R"([?&]print=1)",
                            "^https://a\\.com/$",
                            "utm_",
                            "/list/",
                            "(foo|bar)",
                            "a+b",
                            "x$",
                            R"(^https?://m\.)",
                            "q=1|p=2",
                            R"((?:ab){2,3}c)",
                            R"((ab)?(cd)?$)",
                            R"((a?){3}a{3})",
                            R"([^/]+/[^/]+$)",
                            R"(\D\d{2,}\D)",
                            "b*?c+?",
                            "^$",
                            "^",
                            "(?:x*)?y",
                            "a.b",
                            R"(\w+\.htm)",
                            "/列表/"};
  std::vector<std::string> inputs = {"https://www.mfk.com/article/123.html",
                                     "http://www.mfk.com/question/9.html",
                                     "https://www.mfk.com/article/x.html",
                                     "https://www.mfk.com/list/guke_2.html",
                                     "https://www.mfk.com/list/guke_.html",
                                     "https://www.mfk.com/list/1?print=1",
                                     "http://club.xywy.com/static/20260301/123.htm",
                                     "http://club.xywy.com/static/2026031/123.htm",
                                     "http://club.xywy.com/doc_card/86423",
                                     "http://club.xywy.com/doc_card/86423/?x=1",
                                     "http://club.xywy.com/doc_card/86423/x",
                                     "http://a.com/jibing/12.html",
                                     "http://a.com/index.html",
                                     "https://a.com/",
                                     "https://a.com/x",
                                     "https://m.mfk.com/?utm_source=x",
                                     "https://b.com/foo",
                                     "https://b.com/aab",
                                     "https://b.com/?q=1",
                                     "https://b.com/?p=2",
                                     "ababc",
                                     "abababababc",
                                     "aaaaa",
                                     "a12b",
                                     "/列表/1",
                                     ""};
  const std::string alphabet = "abcdxyz_/.:?&=$-0123456789htpsw";
  std::uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (int n = 0; n < 300; ++n) {
    std::string s;
    for (std::uint32_t len = next() % 14; len > 0; --len) s += alphabet[next() % alphabet.size()];
    inputs.push_back(s);
  }
  for (const char* p : patterns) {
    UrlPattern compiled = MustCompile(p);
    std::regex plain(p, std::regex::ECMAScript);
    for (const std::string& input : inputs) {
      SCOPED_TRACE(std::string(p) + " on \"" + input + "\"");
      EXPECT_EQ(compiled.Search(input), std::regex_search(input, plain));
    }
  }
}

// What RE2 lacks is refused with the hint; other mistakes are reported as RE2 words them.
TEST(CompilePatternTest, SyntaxRe2LacksIsRefusedWithTheHint) {
  struct RefusedCase {
    const char* name;
    const char* pattern;
    bool hint;
  };
  const RefusedCase cases[] = {
      {"back-reference", R"((\d)\1)", true},
      {"lookahead", "a(?=b)", true},
      {"negative lookahead", "a(?!b)", true},
      {"lookbehind", "(?<=a)b", true},
      {"negative lookbehind", "(?<!a)b", true},
      {"atomic group", "(?>a+)b", true},
      {"possessive quantifier", "a++b", true},
      {"end before a final newline", R"(a\Z)", true},
      {"unclosed group", R"((\d+次)", false},
      {"reversed range", "[z-a]", false},
  };
  for (const RefusedCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto re = CompilePattern(c.pattern);
    ASSERT_FALSE(re.ok());
    EXPECT_EQ(re.status().code(), StatusCode::kConfigError);
    EXPECT_EQ(re.status().message().rfind("bad regex '" + std::string(c.pattern) + "': ", 0), 0u)
        << re.status().message();
    EXPECT_EQ(re.status().message().find(kSyntaxHint) != std::string::npos, c.hint) << re.status().message();
    EXPECT_FALSE(UrlPattern::Compile(c.pattern).ok());
  }
}

// Field regexes: the semantics std::wregex over UTF-32 had (a Chinese character is one character to
// '.', classes and quantifiers), group and all.
TEST(TextRegexTest, ValuesAsBefore) {
  struct ValueCase {
    const char* name;
    const char* pattern;
    int group;
    bool all;
    std::string input;
    std::vector<std::string> want;
  };
  const ValueCase cases[] = {
      {"label and value", R"(撰稿(?:：|:)\s*(\S+))", 1, false, "撰稿：张三 审核", {"张三"}},
      {"ascii colon", R"(来源(?:：|:)\s*(\S+))", 1, false, "来源: 民福康", {"民福康"}},
      {"chinese class is per character", "([年月日])", 1, true, "2026年2月28日", {"年", "月", "日"}},
      {"dot is one chinese character", "^(..)", 1, false, "民福康", {"民福"}},
      {"quantifier on a chinese character", "(康{2})", 1, false, "民康康康", {"康康"}},
      {"whole match as group 0", R"(\d+次)", 0, false, "浏览1234次", {"1234次"}},
      {"all matches, left to right", R"((\d+))", 1, true, "a1b22c333", {"1", "22", "333"}},
      {"first match only", R"((\d+))", 1, false, "a1b22", {"1"}},
      {"unmatched group is empty", "(x)?(y)", 1, false, "y", {""}},
      {"no match", R"((\d+))", 1, false, "none", {}},
      {"empty matches move on a character", "(民?)", 1, true, "a民b", {"", "民", "", ""}},
      {"category crumb", "([^ >]+) > 正文", 1, false, "首页 > 骨科 > 正文", {"骨科"}},
  };
  for (const ValueCase& c : cases) {
    SCOPED_TRACE(c.name);
    TextRegex rx = MustCompileText(c.pattern, c.group);
    std::vector<std::string> got;
    for (std::string_view v : rx.Values(c.input, c.all)) got.emplace_back(v);
    EXPECT_EQ(got, c.want);
  }
}

// The strict decoder of core/text.h decides where a search resumes after an empty match: one
// well-formed character, or one maximal subpart of ill-formed bytes. The lenient decoder this replaced
// read C0 80 (an overlong NUL) and E0 80 80 as one character each.
TEST(TextRegexTest, OverlongUtf8IsIllFormedBytesNotACharacter) {
  struct Case {
    const char* name;
    std::string input;
    std::size_t empty_matches;  // of "(x?)" with all: one per position, the end included
  };
  const Case cases[] = {
      {"a character is one step", "\xE4\xB8\xAD", 2},
      {"overlong C0 80 is two ill-formed bytes", "\xC0\x80", 3},
      {"overlong E0 80 80 is three", "\xE0\x80\x80", 4},
      {"surrogate ED A0 80 is three", "\xED\xA0\x80", 4},
      {"a truncated character is one part", "\xE4\xB8", 2},
  };
  TextRegex rx = MustCompileText("(x?)", 1);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::vector<std::string_view> values = rx.Values(c.input, /*all=*/true);
    EXPECT_EQ(values.size(), c.empty_matches);
    for (std::string_view v : values) EXPECT_EQ(v, "");
  }
}

TEST(CompilePatternTest, OverlongUtf8InAPatternIsRefused) {
  for (const std::string pattern : {"a\xC0\x80", "\xE0\x80\x80", "\xF0\x80\x80\x80", "\xF4\x90\x80\x80"}) {
    SCOPED_TRACE(pattern);
    auto re = CompilePattern(pattern);
    ASSERT_FALSE(re.ok());
    EXPECT_EQ(re.status().code(), StatusCode::kConfigError);
  }
}

// RE2 compiles an encoded surrogate as one character; the literal pre-check, built on strict decoding,
// stands aside for such a pattern instead of disagreeing with RE2 about it.
TEST(AnalyzeLiteralsTest, IllFormedUtf8GetsNoPreCheck) {
  const std::string surrogate = "x\xED\xA0\x80?y";
  ASSERT_TRUE(CompilePattern(surrogate).ok());
  EXPECT_FALSE(AnalyzeLiterals(surrogate).usable);
  UrlPattern pattern = MustCompile(surrogate);
  EXPECT_TRUE(pattern.Search("xy"));
  EXPECT_TRUE(pattern.Search("x\xED\xA0\x80y"));
  EXPECT_TRUE(AnalyzeLiterals("x\xE4\xB8\xAD?y").usable);  // the same with a character: checked
}

}  // namespace
}  // namespace hc::extract
