// SelectorProgram::ClassifyLink, the one pass the crawl makes over each link, must give exactly what
// ShouldFollow and MatchPageType give separately: it only skips scans whose answer it already has.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/url.h"
#include "extract/extract.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

// Every link of the site's fixture pages, plus URL forms the configs treat differently.
std::vector<std::string> LinksOf(const std::string& site, const SelectorProgram& program) {
  std::vector<std::string> urls;
  const auto dir = hc::testing::FixturesDir() / "sites" / site;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".html") continue;
    auto doc = html::Document::Parse(html::DecodeToUtf8(hc::testing::ReadFile(e.path())).utf8);
    auto links = html::Selector::Compile("a::attr(href)");
    if (!doc.ok() || !links.ok()) continue;
    auto base = Url::Parse(program.config().start_urls.front());
    if (!base.ok()) continue;
    for (const std::string& href : html::SelectStrings(doc->document(), *links)) {
      if (auto url = Url::Parse(href, &*base); url.ok()) urls.push_back(url->href());
    }
  }
  for (const char* extra : {"https://www.mfk.com/article/1.html?print=1", "https://www.mfk.com/list/guke_3.html",
                            "https://www.mfk.com/user/5/profile", "https://club.xywy.com/doc_card/123/",
                            "https://club.xywy.com/doc_card/123/?x=1", "https://jib.xywy.com/il_sii/gaishu/1.htm",
                            "https://www.example.com/article/1.html", "mailto:a@b.c"}) {
    urls.emplace_back(extra);
  }
  return urls;
}

TEST(ClassifyLink, AgreesWithShouldFollowAndMatchPageTypeOnEveryShippedConfig) {
  for (const std::string site : {"mfk", "xywy"}) {
    SCOPED_TRACE(site);
    auto program = LoadSite(hc::testing::SelectorsDir(), site);
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    const std::vector<std::string> urls = LinksOf(site, *program);
    ASSERT_GT(urls.size(), 20u);
    int followed = 0, typed = 0;
    for (const std::string& url : urls) {
      SCOPED_TRACE(url);
      const SelectorProgram::LinkClass c = program->ClassifyLink(url);
      EXPECT_EQ(c.follow, program->ShouldFollow(url));
      if (!c.follow) {
        EXPECT_EQ(c.page_type, nullptr);
        continue;
      }
      ++followed;
      auto parsed = Url::Parse(url);
      ASSERT_TRUE(parsed.ok());
      auto key = NormalizeUrl(*parsed, program->config().url_normalization);
      ASSERT_TRUE(key.ok());
      EXPECT_EQ(c.page_type, program->MatchPageType(*key));
      if (c.page_type) ++typed;
    }
    EXPECT_GT(followed, 0);
    EXPECT_GT(typed, 0);
  }
}

// A config whose page types are not its allow rules (and one whose allow list is empty) is classified by
// scanning the page types themselves.
TEST(ClassifyLink, PageTypesThatAreNotAllowRulesAreScannedThemselves) {
  const std::string common = R"(site: t
allowed_domains: [example.com]
start_urls: ['https://example.com/']
page_types:
  - {name: first, url: '/a/\d+$', priority: 5}
  - {name: second, url: '^https://example\.com/', priority: 1}
)";
  for (const std::string follow : {"follow: {allow: ['/a/', '/b/']}\n", "follow: {deny: ['/c/']}\n"}) {
    SCOPED_TRACE(follow);
    auto program = SelectorProgram::FromYaml(common + follow, "t.yaml");
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    const auto a = program->ClassifyLink("https://example.com/a/12");
    ASSERT_TRUE(a.follow);
    ASSERT_NE(a.page_type, nullptr);
    EXPECT_EQ(a.page_type->name, "first");
    const auto b = program->ClassifyLink("https://example.com/b/x");
    ASSERT_TRUE(b.follow);
    ASSERT_NE(b.page_type, nullptr);
    EXPECT_EQ(b.page_type->name, "second");
    EXPECT_FALSE(program->ClassifyLink("https://example.com/c/1").follow);
    EXPECT_FALSE(program->ClassifyLink("https://elsewhere.org/a/1").follow);
  }
}

// Page types that are allow rules take the allow rule's answer, also when an earlier allow rule matched
// and the page type's own rule was never tried.
TEST(ClassifyLink, APageTypeSharingAnUntriedAllowRuleIsStillScanned) {
  auto program = SelectorProgram::FromYaml(R"(site: t
allowed_domains: [example.com]
start_urls: ['https://example.com/']
follow: {allow: ['^https://example\.com/', '/q/\d+']}
page_types:
  - {name: question, url: '/q/\d+', priority: 7}
  - {name: any, url: '^https://example\.com/', priority: 1}
)",
                                           "t.yaml");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const auto q = program->ClassifyLink("https://example.com/q/5");
  ASSERT_TRUE(q.follow);
  ASSERT_NE(q.page_type, nullptr);
  EXPECT_EQ(q.page_type->name, "question");
  const auto other = program->ClassifyLink("https://example.com/z");
  ASSERT_NE(other.page_type, nullptr);
  EXPECT_EQ(other.page_type->name, "any");
}

}  // namespace
}  // namespace hc::extract
