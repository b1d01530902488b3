// Tests for core/url.h: the WHATWG URL parser against the shared conformance vectors (web-platform-
// tests urltestdata.json / toascii.json, read from ../shared/conformance when it exists), our own
// tables for what the crawler meets on health portals, the component accessors, and NormalizeUrl.
#include "core/url.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/text.h"
#include "support/test_env.h"

namespace hc {
namespace {

// ---- conformance file -------------------------------------------------------------------------

struct ConformanceCase {
  int line = 0;
  std::string input, base, expected;  // expected is "FAIL" for a parse that must fail
};

// Decodes the README's escapes: \t \n \r \\ \uXXXX \UXXXXXXXX. Returns false on a malformed escape.
bool DecodeField(std::string_view field, std::string& out) {
  out.clear();
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out.push_back(field[i]);
      continue;
    }
    if (++i >= field.size()) return false;
    switch (field[i]) {
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case 'u':
      case 'U': {
        const size_t digits = field[i] == 'u' ? 4 : 8;
        if (i + digits >= field.size()) return false;
        const std::string hex(field.substr(i + 1, digits));
        if (hex.size() != digits || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
          return false;
        }
        AppendUtf8(static_cast<char32_t>(std::stoul(hex, nullptr, 16)), out);
        i += digits;
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

std::vector<ConformanceCase> LoadConformance(const std::filesystem::path& file) {
  std::vector<ConformanceCase> cases;
  std::ifstream in(file, std::ios::binary);
  std::string line;
  bool header_seen = false;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line[0] == '#') continue;
    if (!header_seen) {
      EXPECT_EQ(line, "input\tbase\texpected_href") << file << ":" << number;
      header_seen = true;
      continue;
    }
    const size_t tab1 = line.find('\t');
    const size_t tab2 = tab1 == std::string::npos ? tab1 : line.find('\t', tab1 + 1);
    if (tab2 == std::string::npos || line.find('\t', tab2 + 1) != std::string::npos) {
      ADD_FAILURE() << file << ":" << number << ": not three TAB-separated fields";
      continue;
    }
    ConformanceCase c;
    c.line = number;
    if (!DecodeField(std::string_view(line).substr(0, tab1), c.input) ||
        !DecodeField(std::string_view(line).substr(tab1 + 1, tab2 - tab1 - 1), c.base) ||
        !DecodeField(std::string_view(line).substr(tab2 + 1), c.expected)) {
      ADD_FAILURE() << file << ":" << number << ": malformed escape";
      continue;
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(UrlConformance, AgreesWithEveryWptCase) {
  const std::filesystem::path dir = testing::ConformanceDir();
  if (dir.empty() || !std::filesystem::exists(dir / "url_cases.tsv")) {
    GTEST_SKIP() << "../shared/conformance/url_cases.tsv is not present";
  }
  const std::vector<ConformanceCase> cases = LoadConformance(dir / "url_cases.tsv");
  ASSERT_FALSE(cases.empty());
  int passed = 0;
  for (const ConformanceCase& c : cases) {
    SCOPED_TRACE("url_cases.tsv:" + std::to_string(c.line) + " input=[" + c.input + "] base=[" + c.base +
                 "]");
    std::optional<Url> base;
    if (!c.base.empty()) {
      Result<Url> parsed_base = Url::Parse(c.base);
      ASSERT_TRUE(parsed_base.ok()) << parsed_base.status().ToString();
      base = std::move(parsed_base).value();
    }
    Result<Url> url = Url::Parse(c.input, base ? &*base : nullptr);
    if (c.expected == "FAIL") {
      EXPECT_FALSE(url.ok()) << "parsed as " << url->href();
      if (!url.ok()) {
        EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
        ++passed;
      }
      continue;
    }
    if (!url.ok()) {
      ADD_FAILURE() << "failed: " << url.status().ToString() << "; expected " << c.expected;
      continue;
    }
    EXPECT_EQ(url->href(), c.expected);
    // The serialization is a fixed point of the parser (the standard's idempotence goal).
    Result<Url> again = Url::Parse(url->href());
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(again->href(), url->href());
    if (url->href() == c.expected) ++passed;
  }
  std::printf("url conformance: %d/%zu cases agree\n", passed, cases.size());
  EXPECT_EQ(passed, static_cast<int>(cases.size()));
}

// ---- our own parse table ----------------------------------------------------------------------

struct ParseCase {
  const char* name;
  std::string input;
  std::string base;      // empty: no base
  std::string expected;  // "FAIL" for a failure
};

constexpr const char* kMfkArticle = "https://www.mfk.com/article/12345.html?page=2#comments";

void RunParseTable(const std::vector<ParseCase>& cases) {
  for (const ParseCase& c : cases) {
    SCOPED_TRACE(c.name);
    std::optional<Url> base;
    if (!c.base.empty()) {
      Result<Url> parsed = Url::Parse(c.base);
      ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
      base = std::move(parsed).value();
    }
    Result<Url> url = Url::Parse(c.input, base ? &*base : nullptr);
    if (c.expected == "FAIL") {
      EXPECT_FALSE(url.ok()) << "parsed as " << url->href();
    } else {
      ASSERT_TRUE(url.ok()) << url.status().ToString();
      EXPECT_EQ(url->href(), c.expected);
    }
  }
}

TEST(UrlParse, ResolvesLinksOfAnMfkPage) {
  RunParseTable({
      {"sibling file", "12346.html", kMfkArticle, "https://www.mfk.com/article/12346.html"},
      {"dot sibling", "./12346.html", kMfkArticle, "https://www.mfk.com/article/12346.html"},
      {"parent folder", "../question/1.html", kMfkArticle, "https://www.mfk.com/question/1.html"},
      {"too many parents", "../../../../list/3.html", kMfkArticle, "https://www.mfk.com/list/3.html"},
      {"root relative", "/question/1.html", kMfkArticle, "https://www.mfk.com/question/1.html"},
      {"scheme relative", "//m.mfk.com/article/1.html", kMfkArticle, "https://m.mfk.com/article/1.html"},
      {"query only", "?page=3", kMfkArticle, "https://www.mfk.com/article/12345.html?page=3"},
      {"fragment only", "#top", kMfkArticle, "https://www.mfk.com/article/12345.html?page=2#top"},
      {"empty href is the page", "", kMfkArticle, "https://www.mfk.com/article/12345.html?page=2"},
      {"whitespace around href", "  \n 12346.html\t ", kMfkArticle, "https://www.mfk.com/article/12346.html"},
      {"newline inside href", "/ques\ntion/1.html", kMfkArticle, "https://www.mfk.com/question/1.html"},
      {"backslashes", "..\\question\\1.html", kMfkArticle, "https://www.mfk.com/question/1.html"},
      {"absolute other site", "http://www.xywy.com/a", kMfkArticle, "http://www.xywy.com/a"},
      {"absolute uppercase", "HTTPS://WWW.MFK.COM/Article/1.HTML", kMfkArticle,
       "https://www.mfk.com/Article/1.HTML"},
      {"javascript link keeps opaque path", "javascript:void(0)", kMfkArticle, "javascript:void(0)"},
      {"mailto", "mailto:help@mfk.com", kMfkArticle, "mailto:help@mfk.com"},
      {"same-scheme relative", "https:question/1.html", kMfkArticle,
       "https://www.mfk.com/article/question/1.html"},
      {"port 443 dropped", "https://www.mfk.com:443/a", kMfkArticle, "https://www.mfk.com/a"},
      {"dot segments in the middle", "/a/b/../c/./d", kMfkArticle, "https://www.mfk.com/a/c/d"},
      {"encoded dot segments", "/a/%2E%2e/c/%2e/", kMfkArticle, "https://www.mfk.com/c/"},
  });
}

TEST(UrlParse, BaseHrefStyleResolution) {
  // A page with <base href="https://static.mfk.com/v2/"> resolves its links against that base, and a
  // relative <base href> is itself first resolved against the page URL.
  Result<Url> page = Url::Parse("https://www.mfk.com/article/12345.html");
  ASSERT_TRUE(page.ok());
  Result<Url> base = Url::Parse("../v2/", &*page);
  ASSERT_TRUE(base.ok());
  EXPECT_EQ(base->href(), "https://www.mfk.com/v2/");
  RunParseTable({
      {"against absolute base", "img/a.png", "https://static.mfk.com/v2/",
       "https://static.mfk.com/v2/img/a.png"},
      {"root relative ignores base path", "/b.html", "https://static.mfk.com/v2/",
       "https://static.mfk.com/b.html"},
      {"base without trailing slash", "b.html", "https://static.mfk.com/v2", "https://static.mfk.com/b.html"},
      {"relative base resolved", "img/a.png", base->href(), "https://www.mfk.com/v2/img/a.png"},
  });
}

TEST(UrlParse, ChineseTextIsPercentEncoded) {
  RunParseTable({
      {"path", "https://www.mfk.com/search/高血压/", "",
       "https://www.mfk.com/search/%E9%AB%98%E8%A1%80%E5%8E%8B/"},
      {"relative path", "疾病/糖尿病.html", "https://www.mfk.com/jb/",
       "https://www.mfk.com/jb/%E7%96%BE%E7%97%85/%E7%B3%96%E5%B0%BF%E7%97%85.html"},
      {"query", "/s?q=头痛 发热", "https://www.mfk.com/",
       "https://www.mfk.com/s?q=%E5%A4%B4%E7%97%9B%20%E5%8F%91%E7%83%AD"},
      {"fragment", "#目录", "https://www.mfk.com/a", "https://www.mfk.com/a#%E7%9B%AE%E5%BD%95"},
      {"existing escapes kept", "/s?q=%E5%A4%B4", "https://www.mfk.com/",
       "https://www.mfk.com/s?q=%E5%A4%B4"},
      {"ideographic space in path", "/a\u3000b", "https://www.mfk.com/", "https://www.mfk.com/a%E3%80%80b"},
      {"invalid UTF-8 becomes U+FFFD",
       "/a\xff"
       "b",
       "https://www.mfk.com/", "https://www.mfk.com/a%EF%BF%BDb"},
  });
}

TEST(UrlParse, InternationalDomainNames) {
  RunParseTable({
      {"chinese domain", "http://中文.com/", "", "http://xn--fiq228c.com/"},
      {"chinese label under .cn", "https://健康.中国/x", "", "https://xn--nyqy26a.xn--fiqs8s/x"},
      {"ideographic full stop", "http://www。mfk。com/", "", "http://www.mfk.com/"},
      {"fullwidth letters", "http://ＷＷＷ.ＭＦＫ.com/", "", "http://www.mfk.com/"},
      {"punycode passes through", "http://xn--fiq228c.com/", "", "http://xn--fiq228c.com/"},
      {"uppercase punycode", "http://XN--FIQ228C.com/", "", "http://xn--fiq228c.com/"},
      {"invalid punycode", "http://xn--a.com/", "", "FAIL"},
      {"hyphens allowed", "http://ab--c.-d-.com/", "", "http://ab--c.-d-.com/"},
      {"underscore allowed", "http://a_b.mfk.com/", "", "http://a_b.mfk.com/"},
      {"percent-encoded unicode host", "http://%E4%B8%AD%E6%96%87.com/", "", "http://xn--fiq228c.com/"},
      {"noncharacter", "http://a\uFDD0.com/", "", "FAIL"},
      {"forbidden code point", "http://a<b.com/", "", "FAIL"},
      {"percent-encoded forbidden code point", "http://a%3Cb.com/", "", "FAIL"},
      {"only ignored characters", "http://\u00AD/", "", "FAIL"},
  });
}

TEST(UrlParse, IpAddresses) {
  RunParseTable({
      {"dotted", "http://127.0.0.1:8080/", "", "http://127.0.0.1:8080/"},
      {"single number", "http://2130706433/", "", "http://127.0.0.1/"},
      {"hex", "http://0x7f.1/", "", "http://127.0.0.1/"},
      {"octal", "http://0177.0.0.01/", "", "http://127.0.0.1/"},
      {"two parts", "http://10.65535/", "", "http://10.0.255.255/"},
      {"three parts", "http://10.1.65535/", "", "http://10.1.255.255/"},
      {"three parts, last too big", "http://10.1.65536/", "", "FAIL"},
      {"trailing dot", "http://1.2.3.4./", "", "http://1.2.3.4/"},
      {"part too big", "http://1.256.3.4/", "", "FAIL"},
      {"five parts", "http://1.2.3.4.5/", "", "FAIL"},
      {"not a number at the end", "http://1.2.3.a/", "", "http://1.2.3.a/"},
      {"bare 0x", "http://0x/", "", "http://0.0.0.0/"},
      {"ipv6 loopback", "http://[::1]/", "", "http://[::1]/"},
      {"ipv6 uppercase and zeros", "http://[2001:DB8:0:0:0:0:0:1]:8080/", "", "http://[2001:db8::1]:8080/"},
      {"ipv6 longest zero run wins", "http://[1:0:0:2:0:0:0:3]/", "", "http://[1:0:0:2::3]/"},
      {"ipv6 first of equal runs", "http://[1:0:0:2:0:0:3:4]/", "", "http://[1::2:0:0:3:4]/"},
      {"ipv6 single zero not compressed", "http://[1:0:2:3:4:5:6:7]/", "", "http://[1:0:2:3:4:5:6:7]/"},
      {"ipv6 embedded ipv4", "http://[::ffff:192.168.0.1]/", "", "http://[::ffff:c0a8:1]/"},
      {"ipv6 all zeros", "http://[::]/", "", "http://[::]/"},
      {"ipv6 two compressions", "http://[1::2::3]/", "", "FAIL"},
      {"ipv6 unclosed", "http://[::1/", "", "FAIL"},
      {"ipv6 leading octal ipv4 part", "http://[::1.2.3.04]/", "", "FAIL"},
      {"ipv6 in opaque host", "foo://[::1]/", "", "foo://[::1]/"},
  });
}

TEST(UrlParse, Ports) {
  RunParseTable({
      {"http default", "http://mfk.com:80/", "", "http://mfk.com/"},
      {"https default", "https://mfk.com:443/", "", "https://mfk.com/"},
      {"http on 443 kept", "http://mfk.com:443/", "", "http://mfk.com:443/"},
      {"ws default", "ws://mfk.com:80/", "", "ws://mfk.com/"},
      {"ftp default", "ftp://mfk.com:21/", "", "ftp://mfk.com/"},
      {"non-special keeps 80", "foo://mfk.com:80/", "", "foo://mfk.com:80/"},
      {"leading zeros", "http://mfk.com:0008080/", "", "http://mfk.com:8080/"},
      {"max", "http://mfk.com:65535/", "", "http://mfk.com:65535/"},
      {"over max", "http://mfk.com:65536/", "", "FAIL"},
      {"empty port", "http://mfk.com:/", "", "http://mfk.com/"},
      {"letters", "http://mfk.com:8o/", "", "FAIL"},
      {"no host before port", "http://:80/", "", "FAIL"},
  });
}

TEST(UrlParse, OtherSchemesAndFiles) {
  RunParseTable({
      {"no base", "article/1.html", "", "FAIL"},
      {"opaque base", "a", "mailto:x@y", "FAIL"},
      {"fragment against opaque base", "#f", "mailto:x@y", "mailto:x@y#f"},
      {"data url", "data:text/plain,hi there", "", "data:text/plain,hi there"},
      {"opaque path space before query", "sc:a ?q", "", "sc:a%20?q"},
      {"non-special with authority", "sc://h/a/../b", "", "sc://h/b"},
      {"non-special keeps backslash", "sc://h/a\\b", "", "sc://h/a\\b"},
      {"path that looks like a host", "web+demo:/.//not-a-host/", "", "web+demo:/.//not-a-host/"},
      {"path that looks like a host, built", "web+demo:/..//not-a-host/", "", "web+demo:/.//not-a-host/"},
      {"file", "file:///etc/hosts", "", "file:///etc/hosts"},
      {"file localhost", "file://localhost/etc/hosts", "", "file:///etc/hosts"},
      {"file drive letter", "file:///C|/Windows", "", "file:///C:/Windows"},
      {"file drive letter in host position", "file://C:/Windows", "", "file:///C:/Windows"},
      {"file drive letter survives ..", "file:///C:/../x", "", "file:///C:/x"},
      {"file relative", "b", "file:///a/c", "file:///a/b"},
      {"file relative keeps drive", "/x", "file:///C:/a", "file:///C:/x"},
      {"caret in path", "http://h/a^b", "", "http://h/a%5Eb"},
      {"caret in query", "http://h/?a^b", "", "http://h/?a^b"},
      {"apostrophe in special query", "http://h/?a'b", "", "http://h/?a%27b"},
      {"apostrophe in non-special query", "sc://h/?a'b", "", "sc://h/?a'b"},
  });
}

TEST(UrlParse, ComponentsAreViewsOfTheHref) {
  Result<Url> url = Url::Parse("HTTPS://user:p%40ss@WWW.MFK.com:8443/a/b.html?x=1&y=2#frag");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->href(), "https://user:p%40ss@www.mfk.com:8443/a/b.html?x=1&y=2#frag");
  EXPECT_EQ(url->scheme(), "https");
  EXPECT_EQ(url->username(), "user");
  EXPECT_EQ(url->password(), "p%40ss");
  EXPECT_EQ(url->host(), "www.mfk.com");
  EXPECT_EQ(url->port(), std::optional<uint16_t>(8443));
  EXPECT_EQ(url->path(), "/a/b.html");
  EXPECT_TRUE(url->has_query());
  EXPECT_EQ(url->query(), "x=1&y=2");
  EXPECT_TRUE(url->has_fragment());
  EXPECT_EQ(url->fragment(), "frag");
  EXPECT_TRUE(url->is_http());

  Result<Url> bare = Url::Parse("http://mfk.com:80");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->username(), "");
  EXPECT_EQ(bare->password(), "");
  EXPECT_EQ(bare->host(), "mfk.com");
  EXPECT_EQ(bare->port(), std::nullopt);
  EXPECT_EQ(bare->path(), "/");
  EXPECT_FALSE(bare->has_query());
  EXPECT_FALSE(bare->has_fragment());

  Result<Url> empty_parts = Url::Parse("http://u@h/?#");
  ASSERT_TRUE(empty_parts.ok());
  EXPECT_EQ(empty_parts->href(), "http://u@h/?#");
  EXPECT_EQ(empty_parts->username(), "u");
  EXPECT_TRUE(empty_parts->has_query());
  EXPECT_EQ(empty_parts->query(), "");
  EXPECT_TRUE(empty_parts->has_fragment());
  EXPECT_EQ(empty_parts->fragment(), "");

  Result<Url> opaque = Url::Parse("mailto:a@b?subject=hi");
  ASSERT_TRUE(opaque.ok());
  EXPECT_EQ(opaque->scheme(), "mailto");
  EXPECT_EQ(opaque->host(), "");
  EXPECT_EQ(opaque->path(), "a@b");
  EXPECT_EQ(opaque->query(), "subject=hi");
  EXPECT_FALSE(opaque->is_http());
}

TEST(UrlParse, FailuresSayWhy) {
  Result<Url> url = Url::Parse("http://mfk.com:99999/");
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(url.status().message(), "port out of range");
  Result<Url> relative = Url::Parse("/a");
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.status().message().find("base"), std::string::npos) << relative.status().message();
}

// ---- NormalizeUrl -----------------------------------------------------------------------------

struct NormalizeCase {
  const char* name;
  std::string input;
  std::string expected;  // "ERROR" for InvalidArgument
  NormalizeOptions options = {};
};

TEST(NormalizeUrl, Table) {
  NormalizeOptions sorted;
  sorted.sort_query = true;
  NormalizeOptions custom;
  custom.strip_params = {"session*", "ref"};
  NormalizeOptions none;
  none.strip_params.clear();
  const std::vector<NormalizeCase> cases = {
      {"already canonical", "https://www.mfk.com/article/1.html", "https://www.mfk.com/article/1.html"},
      {"fragment dropped", "https://www.mfk.com/a#comments", "https://www.mfk.com/a"},
      {"case and default port via the parser", "HTTPS://WWW.MFK.COM:443/a", "https://www.mfk.com/a"},
      {"unreserved escapes decoded", "https://mfk.com/%7Euser/%61%2D%5F%2E", "https://mfk.com/~user/a-_."},
      {"reserved escapes uppercased", "https://mfk.com/a%2fb?q=%e5%a4%b4%26",
       "https://mfk.com/a%2Fb?q=%E5%A4%B4%26"},
      {"broken escapes kept", "https://mfk.com/a%2?b=%zz%", "https://mfk.com/a%2?b=%zz%"},
      {"decoding never completes a stray escape", "https://mfk.com/%4%41/%%34A/%%41",
       "https://mfk.com/%4%41/%%34A/%%41"},
      {"stray percent before other escapes", "https://mfk.com/%%7E%zz%7e", "https://mfk.com/%~%zz~"},
      {"empty query dropped", "https://mfk.com/a?", "https://mfk.com/a"},
      {"empty query with fragment", "https://mfk.com/a?#x", "https://mfk.com/a"},
      {"utm prefix stripped", "https://mfk.com/a?utm_source=wx&id=3&utm_medium=x", "https://mfk.com/a?id=3"},
      {"default names stripped", "https://mfk.com/a?spm=1.2&id=3&from=timeline&fbclid=z&gclid=y",
       "https://mfk.com/a?id=3"},
      {"name matched after decoding", "https://mfk.com/a?utm%5Fsource=x&id=3", "https://mfk.com/a?id=3"},
      {"similar names kept", "https://mfk.com/a?utm=1&spmx=2&fromage=3",
       "https://mfk.com/a?utm=1&spmx=2&fromage=3"},
      {"everything stripped", "https://mfk.com/a?utm_source=x&spm=y", "https://mfk.com/a"},
      {"valueless param stripped", "https://mfk.com/a?spm&id=1", "https://mfk.com/a?id=1"},
      {"empty pieces dropped", "https://mfk.com/a?&id=1&&p=2&", "https://mfk.com/a?id=1&p=2"},
      {"order kept without sort", "https://mfk.com/a?b=2&a=1", "https://mfk.com/a?b=2&a=1"},
      {"sorted by name", "https://mfk.com/a?b=2&a=1&c=0", "https://mfk.com/a?a=1&b=2&c=0", sorted},
      {"sort is stable", "https://mfk.com/a?t=2&a=1&t=1", "https://mfk.com/a?a=1&t=2&t=1", sorted},
      {"custom patterns", "https://mfk.com/a?session_id=1&ref=x&utm_source=y",
       "https://mfk.com/a?utm_source=y", custom},
      {"no patterns", "https://mfk.com/a?utm_source=y", "https://mfk.com/a?utm_source=y", none},
      {"query with chinese", "https://mfk.com/s?q=头痛&utm_campaign=1",
       "https://mfk.com/s?q=%E5%A4%B4%E7%97%9B"},
      {"userinfo escapes normalized", "https://u%2d1:p%3a@mfk.com/", "https://u-1:p%3A@mfk.com/"},
      {"http kept apart from https", "http://mfk.com/a", "http://mfk.com/a"},
      {"ftp has no key", "ftp://mfk.com/a", "ERROR"},
      {"mailto has no key", "mailto:a@mfk.com", "ERROR"},
  };
  for (const NormalizeCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<Url> url = Url::Parse(c.input);
    ASSERT_TRUE(url.ok()) << url.status().ToString();
    Result<std::string> key = NormalizeUrl(*url, c.options);
    if (c.expected == "ERROR") {
      ASSERT_FALSE(key.ok()) << *key;
      EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(*key, c.expected);
    // A key is itself a URL whose key is itself.
    Result<Url> reparsed = Url::Parse(*key);
    ASSERT_TRUE(reparsed.ok()) << reparsed.status().ToString();
    EXPECT_EQ(reparsed->href(), *key);
    Result<std::string> again = NormalizeUrl(*reparsed, c.options);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *key);
  }
}

TEST(NormalizeUrl, EquivalentLinksShareAKey) {
  const std::vector<std::string> spellings = {
      "https://www.mfk.com/article/12345.html",
      "HTTPS://www.MFK.com:443/article/./12345.html#top",
      "https://www.mfk.com/x/../article/12345.html?utm_source=weixin",
      "https://www.mfk.com/article/%31%32%33%34%35.html?",
      " https://www.mfk.com/article/12345.html\n",
  };
  for (const std::string& spelling : spellings) {
    SCOPED_TRACE(spelling);
    Result<Url> url = Url::Parse(spelling);
    ASSERT_TRUE(url.ok());
    Result<std::string> key = NormalizeUrl(*url);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(*key, "https://www.mfk.com/article/12345.html");
  }
}

}  // namespace
}  // namespace hc
