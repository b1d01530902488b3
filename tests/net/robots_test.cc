// RFC 9309 robots.txt: the shared conformance cases (../shared/conformance/robots_cases.json), then
// one test per rule of the RFC, named after it as google/robotstxt names its tests (ID_...), then the
// parser's callbacks, the status-code policy and the cache.
#include "net/robots.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/url.h"
#include "support/test_env.h"

namespace hc::net {
namespace {

// The URL's path and query as robots matching sees them: no fragment (RFC 9309 §2.2.2).
std::string PathAndQuery(const std::string& url) {
  Result<Url> parsed = Url::Parse(url);
  EXPECT_TRUE(parsed.ok()) << url << ": " << parsed.status().ToString();
  if (!parsed.ok()) return "/";
  std::string out(parsed->path());
  if (parsed->has_query()) out += "?" + std::string(parsed->query());
  return out;
}

struct Case {
  const char* name;
  std::string robots;
  const char* agent;
  std::string path;
  bool allowed;
};

void ExpectCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const RobotsDecision d = RobotsPolicy::Parse(c.robots).Allowed(c.agent, c.path);
    EXPECT_EQ(d.allowed, c.allowed) << d.Explain();
  }
}

TEST(RobotsConformanceTest, AgreesWithEverySharedCase) {
  const std::filesystem::path dir = hc::testing::ConformanceDir();
  if (dir.empty() || !std::filesystem::exists(dir / "robots_cases.json")) {
    GTEST_SKIP() << "shared/conformance/robots_cases.json not found beside the project";
  }
  const nlohmann::json cases = nlohmann::json::parse(hc::testing::ReadFile(dir / "robots_cases.json"));
  ASSERT_TRUE(cases.is_array());
  ASSERT_GE(cases.size(), 73u);
  int checked = 0;
  for (const auto& c : cases) {
    const std::string name = c.at("name");
    SCOPED_TRACE(name);
    const RobotsPolicy policy = RobotsPolicy::Parse(c.at("robots").get<std::string>());
    const RobotsDecision d =
        policy.Allowed(c.at("agent").get<std::string>(), PathAndQuery(c.at("url").get<std::string>()));
    EXPECT_EQ(d.allowed, c.at("allowed").get<bool>()) << d.Explain();
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int>(cases.size()));
}

// §2.1/§2.2: "key: value" lines; unknown keys are ignored; google's colon-less form is accepted.
TEST(RobotsRfcTest, ID_LineSyntax_Line) {
  ExpectCases({
      {"correct", "user-agent: FooBot\ndisallow: /\n", "FooBot", "/x/y", false},
      {"unknown keys are no rules", "foo: FooBot\nbar: /\n", "FooBot", "/x/y", true},
      {"whitespace instead of colon (google/robotstxt)", "user-agent FooBot\ndisallow /\n", "FooBot", "/x/y",
       false},
      {"no separator at all", "user-agentFooBot\ndisallow/\n", "FooBot", "/x/y", true},
  });
}

// §2.1: a group is user-agent lines then rules; a user-agent after a rule starts a new group;
// groups naming the same agent are merged; rules before the first user-agent belong to nobody.
TEST(RobotsRfcTest, ID_LineSyntax_Groups) {
  const std::string robots =
      "allow: /foo/bar/\n\nuser-agent: FooBot\ndisallow: /\nallow: /x/\nuser-agent: BarBot\n"
      "disallow: /\nallow: /y/\n\n\nallow: /w/\nuser-agent: BazBot\n\nuser-agent: FooBot\n"
      "allow: /z/\ndisallow: /\n";
  ExpectCases({
      {"FooBot first group", robots, "FooBot", "/x/b", true},
      {"FooBot second group (merged)", robots, "FooBot", "/z/d", true},
      {"FooBot not BarBot's allow", robots, "FooBot", "/y/c", false},
      {"BarBot", robots, "BarBot", "/y/c", true},
      {"BarBot rule after blank lines", robots, "BarBot", "/w/a", true},
      {"BarBot other", robots, "BarBot", "/z/d", false},
      {"BazBot shares FooBot's second group", robots, "BazBot", "/z/d", true},
      {"leading rule is ignored", robots, "FooBot", "/foo/bar/", false},
  });
}

// §2.2: sitemap, crawl-delay and unknown lines do not end a run of user-agent lines.
TEST(RobotsRfcTest, ID_LineSyntax_Groups_OtherRules) {
  ExpectCases({
      {"sitemap", "User-agent: BarBot\nSitemap: https://foo.bar/sitemap\nUser-agent: *\nDisallow: /\n",
       "BarBot", "/", false},
      {"unknown", "User-agent: FooBot\nInvalid-Unknown-Line: unknown\nUser-agent: *\nDisallow: /\n", "FooBot",
       "/", false},
      {"crawl-delay", "User-agent: FooBot\nCrawl-delay: 5\nUser-agent: BarBot\nDisallow: /\n", "FooBot", "/x",
       false},
      {"an empty disallow does end it", "User-agent: FooBot\nDisallow:\nUser-agent: BarBot\nDisallow: /\n",
       "FooBot", "/x", true},
  });
}

// §2.1: key names are case-insensitive.
TEST(RobotsRfcTest, ID_REPLineNamesCaseInsensitive) {
  ExpectCases({
      {"upper", "USER-AGENT: FooBot\nALLOW: /x/\nDISALLOW: /\n", "FooBot", "/x/y", true},
      {"lower", "user-agent: FooBot\nallow: /x/\ndisallow: /\n", "FooBot", "/a/b", false},
      {"camel", "uSeR-aGeNt: FooBot\nAlLoW: /x/\ndIsAlLoW: /\n", "FooBot", "/a/b", false},
  });
}

// §2.2.1: the product token is matched case-insensitively; only its leading [A-Za-z_-] run counts.
TEST(RobotsRfcTest, ID_UserAgentValueCaseInsensitive) {
  ExpectCases({
      {"file upper", "User-agent: FOOBOT\nDisallow: /\n", "foobot", "/a", false},
      {"file lower", "User-agent: foobot\nDisallow: /\n", "FooBot", "/a", false},
      {"agent given as a full user agent", "User-agent: FooBot\nDisallow: /\n",
       "FooBot/1.2 (+https://foo.example/bot)", "/a", false},
      {"version in the file's line", "User-agent: FooBot/2.1\nDisallow: /\n", "FooBot", "/a", false},
      {"prefix of a longer token is another agent", "User-agent: Foo\nDisallow: /\n", "FooBot", "/a", true},
  });
}

// §2.2.1: a matching group replaces the * group; without one, * applies; without both, all allowed.
TEST(RobotsRfcTest, ID_GlobalGroups_Secondary) {
  ExpectCases({
      {"specific wins", "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n", "FooBot", "/x", false},
      {"falls back to *", "user-agent: *\nallow: /\nuser-agent: FooBot\ndisallow: /\n", "BarBot", "/x", true},
      {"no group at all", "user-agent: FooBot\ndisallow: /\n", "QuxBot", "/x", true},
      {"* groups are merged", "user-agent: *\ndisallow: /a\n\nuser-agent: *\ndisallow: /b\n", "FooBot",
       "/b/1", false},
  });
}

// §2.2.2: paths are case-sensitive.
TEST(RobotsRfcTest, ID_AllowDisallow_Value_CaseSensitive) {
  ExpectCases({
      {"match", "user-agent: FooBot\ndisallow: /x/\n", "FooBot", "/x/y", false},
      {"no match", "user-agent: FooBot\ndisallow: /X/\n", "FooBot", "/x/y", true},
  });
}

// §2.2.2: the longest match wins; allow wins a tie; empty values match nothing.
TEST(RobotsRfcTest, ID_LongestMatch) {
  ExpectCases({
      {"longer disallow", "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/\n", "FooBot",
       "/x/page.html", false},
      {"longer allow", "user-agent: FooBot\nallow: /x/page.html\ndisallow: /x/\n", "FooBot", "/x/page.html",
       true},
      {"tie goes to allow", "user-agent: FooBot\ndisallow: /\nallow: /\n", "FooBot", "/x", true},
      {"tie, same path", "user-agent: FooBot\ndisallow: /x/page.html\nallow: /x/page.html\n", "FooBot",
       "/x/page.html", true},
      {"wildcard counts its octets", "user-agent: FooBot\nallow: /page\ndisallow: /*.html\n", "FooBot",
       "/page.html", false},
      {"empty disallow", "user-agent: FooBot\ndisallow:\n", "FooBot", "/x", true},
      {"empty allow does not override", "user-agent: FooBot\ndisallow: /\nallow:\n", "FooBot", "/x", false},
  });
}

// §2.2.3: '*' matches any characters, '$' anchors the end; both are literal when percent-encoded.
TEST(RobotsRfcTest, ID_SpecialCharacters) {
  ExpectCases({
      {"/fish* like /fish", "user-agent: a\ndisallow: /\nallow: /fish*\n", "a", "/fishheads", true},
      {"anchored at start", "user-agent: a\ndisallow: /\nallow: /fish*\n", "a", "/catfish", false},
      {"middle wildcard", "user-agent: a\ndisallow: /\nallow: /fish*.php\n", "a", "/fish/x.php?y", true},
      {"$ end", "user-agent: a\ndisallow: /\nallow: /*.php$\n", "a", "/x.php", true},
      {"$ not end", "user-agent: a\ndisallow: /\nallow: /*.php$\n", "a", "/x.php?q", false},
      {"$ in the middle is literal", "user-agent: a\ndisallow: /a$b\n", "a", "/a$b", false},
      {"escaped * is literal", "user-agent: a\ndisallow: /file-%2A.html\n", "a", "/file-*.html", false},
      {"escaped * does not wildcard", "user-agent: a\ndisallow: /file-%2A.html\n", "a", "/file-x.html", true},
      {"many wildcards stay fast", "user-agent: a\ndisallow: /*a*a*a*a*a*a*a*a*a*a*b\n", "a",
       "/" + std::string(2000, 'a'), true},
  });
}

// §2.2.2: percent-encoding equivalence between the file and the URL.
TEST(RobotsRfcTest, ID_Encoding) {
  ExpectCases({
      {"UTF-8 in file, escaped URL", "user-agent: a\ndisallow: /中文/\n", "a", "/%E4%B8%AD%E6%96%87/p",
       false},
      {"escaped in file, lowercase hex in URL", "user-agent: a\ndisallow: /%E4%B8%AD\n", "a", "/%e4%b8%ad",
       false},
      {"escaped unreserved equals plain", "user-agent: a\ndisallow: /%7Euser\n", "a", "/~user/x", false},
      {"escaped slash is not a slash", "user-agent: a\ndisallow: /a/b\n", "a", "/a%2Fb", true},
      {"query with URL inside", "user-agent: a\ndisallow: /\nallow: /f?u=http://x?y&z\n", "a",
       "/f?u=http://x?y&z", true},
  });
}

// §2.2.2: /robots.txt is always allowed.
TEST(RobotsRfcTest, ID_RobotsTxtAlwaysAllowed) {
  const RobotsDecision d = RobotsPolicy::Parse("user-agent: *\ndisallow: /\n").Allowed("a", "/robots.txt");
  EXPECT_TRUE(d.allowed);
  EXPECT_EQ(d.basis, RobotsDecision::Basis::kRobotsTxt);
  EXPECT_FALSE(RobotsPolicy::Parse("user-agent: *\ndisallow: /\n").Allowed("a", "/robots.txt.bak").allowed);
}

// §2.2: comments, whitespace, line endings, the BOM.
TEST(RobotsRfcTest, ID_LineSyntax_Whitespace_Comments_LineEndings) {
  ExpectCases({
      {"comment line", "User-agent: a\n# Disallow: /\n", "a", "/x", true},
      {"trailing comment", "User-agent: a\nDisallow: /x#comment\n", "a", "/x/1", false},
      {"tabs and spaces", "  User-agent \t:  a  \n\tDisallow  :\t/p  \n", "a", "/p/x", false},
      {"CRLF", "User-Agent: a\r\nDisallow: /\r\n", "a", "/x", false},
      {"CR only", "User-Agent: a\rDisallow: /\r", "a", "/x", false},
      {"no final newline", "User-Agent: a\nDisallow: /", "a", "/x", false},
      {"BOM skipped", "\xEF\xBB\xBFUser-Agent: a\nDisallow: /\n", "a", "/x", false},
      {"partial BOM skipped", "\xEF\xBBUser-Agent: a\nDisallow: /\n", "a", "/x", false},
      {"BOM mid-file breaks that line",
       "User-Agent: a\n\xEF\xBB\xBF"
       "Disallow: /\n",
       "a", "/x", true},
  });
}

// §2.5: at least 500 KiB is parsed; past the limit nothing counts, and a cut line is dropped.
TEST(RobotsRfcTest, ID_ParseLimit500KiB) {
  std::string body = "User-agent: *\nDisallow: /early\n";
  const std::string filler = "# " + std::string(98, 'x') + "\n";
  while (body.size() + filler.size() < kRobotsParseLimit - 200) body += filler;
  // Pad with a comment so that the next line starts 13 bytes before the limit: the limit keeps
  // "Disallow: /cu" of it, which would disallow "/cut" if it were parsed.
  body += "#" + std::string(kRobotsParseLimit - 13 - body.size() - 2, 'y') + "\n";
  ASSERT_EQ(body.size(), kRobotsParseLimit - 13);
  const std::string before_limit = body;
  body += "Disallow: /cut-here-by-the-limit\n";  // straddles the 500 KiB boundary
  body += "Disallow: /late\n";
  ASSERT_GT(body.size(), kRobotsParseLimit);
  const RobotsPolicy policy = RobotsPolicy::Parse(body);
  EXPECT_TRUE(policy.truncated());
  EXPECT_FALSE(policy.Allowed("a", "/early").allowed);
  EXPECT_TRUE(policy.Allowed("a", "/cut").allowed) << "a line cut by the limit must be dropped";
  EXPECT_TRUE(policy.Allowed("a", "/late").allowed);
  EXPECT_FALSE(RobotsPolicy::Parse(before_limit).truncated());
}

TEST(RobotsDecisionTest, NamesTheDecidingRuleAndItsLine) {
  const RobotsPolicy policy =
      RobotsPolicy::Parse("User-agent: *\nAllow: /private/open\n\nDisallow: /private # staff only\n");
  struct Expect {
    const char* path;
    bool allowed;
    std::string explain;
  };
  const std::vector<Expect> cases = {
      {"/private/x", false, "disallow: /private (line 4)"},
      {"/private/open/1", true, "allow: /private/open (line 2)"},
      {"/public", true, "(no rule matched)"},
      {"/robots.txt", true, "(robots.txt is always allowed)"},
      {"", true, "(no rule matched)"},
  };
  for (const Expect& e : cases) {
    SCOPED_TRACE(e.path);
    const RobotsDecision d = policy.Allowed("healthcrawl/0.1", e.path);
    EXPECT_EQ(d.allowed, e.allowed);
    EXPECT_EQ(d.Explain(), e.explain);
  }
}

TEST(RobotsProductTokenTest, TakesTheLeadingTokenLowercased) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"FooBot/1.2", "foobot"},
      {"healthcrawl/0.1 (+https://x)", "healthcrawl"},
      {"Googlebot-Image", "googlebot-image"},
      {"  my_bot ", "my_bot"},
      {"*", ""},
      {"", ""},
      {"Mozilla/5.0 (compatible; X)", "mozilla"},
  };
  for (const auto& [ua, token] : cases) {
    SCOPED_TRACE(ua);
    EXPECT_EQ(ProductToken(ua), token);
  }
}

TEST(RobotsNormalizeTest, PercentEncodingIsCanonical) {
  struct NCase {
    const char* in;
    bool pattern;
    const char* out;
  };
  const std::vector<NCase> cases = {
      {"/a%7eb", false, "/a~b"},     {"/a%2fb", false, "/a%2Fb"},
      {"/中", false, "/%E4%B8%AD"},  {"/a b", false, "/a%20b"},
      {"/a*b$", false, "/a%2Ab%24"}, {"/a*b$", true, "/a*b$"},
      {"/a$b", true, "/a%24b"},      {"/100%", false, "/100%"},
      {"/%zz", false, "/%zz"},       {"/q?x=1&y=%41", false, "/q?x=1&y=A"},
  };
  for (const NCase& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(NormalizeForMatch(c.in, c.pattern), c.out);
  }
}

TEST(RobotsPolicyTest, CrawlDelayAndSitemaps) {
  const RobotsPolicy policy = RobotsPolicy::Parse(
      "Sitemap: https://www.mfk.com/sitemap.xml\n"
      "User-agent: healthcrawl\nCrawl-delay: 2.5\nDisallow: /tmp\n"
      "User-agent: *\nCrawl-delay: ten\nCrawl-delay: 10\nDisallow: /\n"
      "sitemap: https://www.mfk.com/sitemap2.xml\n");
  EXPECT_EQ(policy.CrawlDelay("healthcrawl/0.1"), 2.5);
  EXPECT_EQ(policy.CrawlDelay("OtherBot"), 10.0) << "invalid values are skipped";
  EXPECT_EQ(RobotsPolicy::Parse("User-agent: *\nDisallow: /\n").CrawlDelay("a"), std::nullopt);
  EXPECT_EQ(RobotsPolicy::Parse("User-agent: *\nCrawl-delay: -1\n").CrawlDelay("a"), std::nullopt);
  EXPECT_EQ(policy.sitemaps(), (std::vector<std::string>{"https://www.mfk.com/sitemap.xml",
                                                         "https://www.mfk.com/sitemap2.xml"}));
}

// Records every callback, to check the parser's reporting independently of the matcher.
class RecordingHandler final : public RobotsParseHandler {
 public:
  std::vector<std::string> events;
  void OnUserAgent(int line, std::string_view v) override { Add(line, "user-agent", v); }
  void OnAllow(int line, std::string_view v) override { Add(line, "allow", v); }
  void OnDisallow(int line, std::string_view v) override { Add(line, "disallow", v); }
  void OnSitemap(int line, std::string_view v) override { Add(line, "sitemap", v); }
  void OnCrawlDelay(int line, std::string_view v) override { Add(line, "crawl-delay", v); }
  void OnUnknown(int line, std::string_view k, std::string_view v) override {
    Add(line, "unknown " + std::string(k), v);
  }
  void OnUnparsable(int line, std::string_view text) override { Add(line, "unparsable", text); }

 private:
  void Add(int line, const std::string& what, std::string_view v) {
    events.push_back(std::to_string(line) + " " + what + " [" + std::string(v) + "]");
  }
};

TEST(RobotsParserTest, ReportsEveryLineWithItsNumber) {
  RecordingHandler h;
  const bool truncated = ParseRobotsTxt(
      "User-agent: FooBot # ours\r\n"
      "\r\n"
      "Disalow: /typo\r"
      "Allow:/x\n"
      "Crawl-delay: 3\n"
      "Sitemap: https://a.example/s.xml\n"
      "Noindex: /y\n"
      "just-a-word\n"
      "# only a comment\n"
      "user agent: BarBot",
      h);
  EXPECT_FALSE(truncated);
  EXPECT_EQ(h.events, (std::vector<std::string>{
                          "1 user-agent [FooBot]",
                          "3 disallow [/typo]",
                          "4 allow [/x]",
                          "5 crawl-delay [3]",
                          "6 sitemap [https://a.example/s.xml]",
                          "7 unknown Noindex [/y]",
                          "8 unparsable [just-a-word]",
                          "10 user-agent [BarBot]",
                      }));
}

TEST(RobotsStatusTest, ResponseStatusDecidesThePolicy) {
  struct SCase {
    int status;
    bool allowed;
    RobotsDecision::Basis basis;
    int lifetime_hours;
  };
  const std::string body = "User-agent: *\nDisallow: /\n";
  const std::vector<SCase> cases = {
      {200, false, RobotsDecision::Basis::kRule, 24},
      {204, false, RobotsDecision::Basis::kRule, 24},  // the body given is parsed
      {301, true, RobotsDecision::Basis::kRobotsMissing, 24},
      {401, true, RobotsDecision::Basis::kRobotsMissing, 24},
      {403, true, RobotsDecision::Basis::kRobotsMissing, 24},
      {404, true, RobotsDecision::Basis::kRobotsMissing, 24},
      {410, true, RobotsDecision::Basis::kRobotsMissing, 24},
      {429, false, RobotsDecision::Basis::kRobotsUnreachable, 1},
      {500, false, RobotsDecision::Basis::kRobotsUnreachable, 1},
      {503, false, RobotsDecision::Basis::kRobotsUnreachable, 1},
      {0, false, RobotsDecision::Basis::kRobotsUnreachable, 1},
  };
  for (const SCase& c : cases) {
    SCOPED_TRACE(c.status);
    const RobotsDecision d = PolicyForRobotsResponse(c.status, body).Allowed("a", "/page");
    EXPECT_EQ(d.allowed, c.allowed);
    EXPECT_EQ(d.basis, c.basis);
    EXPECT_EQ(RobotsCacheLifetime(c.status), std::chrono::hours(c.lifetime_hours));
  }
  EXPECT_EQ(RobotsPolicy::DisallowAll().Allowed("a", "/robots.txt").allowed, false)
      << "an unreachable site is not crawled at all";
}

TEST(RobotsCacheTest, EntriesExpireOnTheInjectedClock) {
  FakeClock clock(TimePoint(std::chrono::hours(1000)));
  RobotsCache cache(clock);
  EXPECT_EQ(cache.Get("https://www.mfk.com"), nullptr);
  cache.Put("https://www.mfk.com", RobotsPolicy::Parse("User-agent: *\nDisallow: /x\n"),
            std::chrono::hours(24));
  cache.Put("https://www.39.net", RobotsPolicy::DisallowAll(), std::chrono::hours(1));
  auto mfk = cache.Get("https://www.mfk.com");
  ASSERT_NE(mfk, nullptr);
  EXPECT_FALSE(mfk->Allowed("a", "/x").allowed);
  clock.Advance(std::chrono::minutes(59));
  EXPECT_NE(cache.Get("https://www.39.net"), nullptr);
  clock.Advance(std::chrono::minutes(1));
  EXPECT_EQ(cache.Get("https://www.39.net"), nullptr) << "expires exactly at its lifetime";
  EXPECT_EQ(cache.Prune(), 1u);
  clock.Advance(std::chrono::hours(23));
  EXPECT_EQ(cache.Prune(), 0u);
  EXPECT_EQ(cache.Get("https://www.mfk.com"), nullptr);
  EXPECT_FALSE(mfk->Allowed("a", "/x").allowed) << "a policy handed out stays valid after expiry";
}

}  // namespace
}  // namespace hc::net
