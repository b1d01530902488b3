// Every link of a page with its fate (PageInput::explain_links, `extract --links`): followed with its page
// type and priority, or the rule that dropped it, in document order, and always in agreement with the
// page's links.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/extract.h"
#include "support/page_links.h"

namespace hc::extract {
namespace {

const std::string kConfig = R"(site: demo
allowed_domains: [demo.com]
url_normalization: {strip_params: ['utm_*']}
follow:
  allow: ['^https?://[a-z.]*demo\.com/(a|q|list)/']
  deny: ['[?&]print=1', '/a/9']
limits: {max_links_per_page: 3, max_url_length: 64}
page_types:
  - name: listing
    url: '/list/'
    priority: 1
  - name: article
    url: '/a/\d+'
    priority: 5
)";

const std::string kLongHref = "/q/" + std::string(70, 'x');

const std::string kPage = R"x(<body>
    <a href="/a/1.html">followed, article</a>
    <a href="/a/1.html">the same href</a>
    <a href="/a/1.html?utm_source=x">the same key</a>
    <a href="/a/3.html?print=1">denied by the first deny rule</a>
    <a href="/a/9.html">denied by the second</a>
    <a href="/about">not allowed</a>
    <a href="https://evil.com/a/1.html">other host</a>
    <a href="javascript:void(0)">script</a>
    <a href="https://www.demo.com:99999/a/1.html">unparsable port</a>
    <a href=")x" + kLongHref + R"x(">too long</a>
    <map><area href="/list/2" alt="followed, listing"></map>
    <a href="/q/5.html">followed, no page type</a>
    <a href="/a/6.html">over the cap</a>
    <a href="/a/6.html?utm_medium=z">past the cap again: a duplicate</a>
  </body>)x";

SelectorProgram Program() {
  auto program = SelectorProgram::FromYaml(kConfig, "selectors/demo.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) std::abort();
  return std::move(*program);
}

ExtractedPage ExtractDemoPage(bool explain) {
  SelectorProgram program = Program();
  auto doc = html::Document::Parse(kPage);
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) std::abort();
  PageInput input;
  input.url = "https://www.demo.com/list/1";
  input.explain_links = explain;
  return program.Extract(*doc, input);
}

TEST(LinkFatesTest, EveryLinkInDocumentOrderWithTheRuleThatDecided) {
  const ExtractedPage page = ExtractDemoPage(/*explain=*/true);
  struct Expected {
    const char* href;
    const char* url;
    LinkDrop drop;
    const char* rule;
    const char* page_type;
    int priority;
  };
  const std::string long_cut = kLongHref.substr(0, 64);
  const Expected expected[] = {
      {"/a/1.html", "https://www.demo.com/a/1.html", LinkDrop::kNone, "", "article", 5},
      {"/a/1.html", "", LinkDrop::kDuplicate, "", "", 0},
      {"/a/1.html?utm_source=x", "https://www.demo.com/a/1.html", LinkDrop::kDuplicate, "", "", 0},
      {"/a/3.html?print=1", "https://www.demo.com/a/3.html?print=1", LinkDrop::kDenied, "[?&]print=1", "", 0},
      {"/a/9.html", "https://www.demo.com/a/9.html", LinkDrop::kDenied, "/a/9", "", 0},
      {"/about", "https://www.demo.com/about", LinkDrop::kNotAllowed, "", "", 0},
      {"https://evil.com/a/1.html", "https://evil.com/a/1.html", LinkDrop::kOtherHost, "", "", 0},
      {"javascript:void(0)", "javascript:void(0)", LinkDrop::kNotHttp, "", "", 0},
      {"https://www.demo.com:99999/a/1.html", "", LinkDrop::kUnresolvable, "", "", 0},
      {long_cut.c_str(), "", LinkDrop::kTooLong, "max_url_length 64", "", 0},
      {"/list/2", "https://www.demo.com/list/2", LinkDrop::kNone, "", "listing", 1},
      {"/q/5.html", "https://www.demo.com/q/5.html", LinkDrop::kNone, "", "", 0},
      {"/a/6.html", "https://www.demo.com/a/6.html", LinkDrop::kOverCap, "max_links_per_page 3", "", 0},
      {"/a/6.html?utm_medium=z", "https://www.demo.com/a/6.html", LinkDrop::kDuplicate, "", "", 0},
  };
  ASSERT_EQ(page.link_fates.size(), std::size(expected));
  for (size_t i = 0; i < std::size(expected); ++i) {
    const Expected& e = expected[i];
    const LinkFate& f = page.link_fates[i];
    SCOPED_TRACE(std::to_string(i) + " " + e.href);
    EXPECT_EQ(f.href, e.href);
    EXPECT_EQ(f.url, e.url);
    EXPECT_EQ(LinkDropName(f.drop), LinkDropName(e.drop));
    EXPECT_EQ(f.rule, e.rule);
    EXPECT_EQ(f.page_type, e.page_type);
    EXPECT_EQ(f.priority, e.priority);
  }
}

TEST(LinkFatesTest, FollowedFatesAreExactlyThePageLinks) {
  const ExtractedPage explained = ExtractDemoPage(/*explain=*/true);
  std::vector<std::string> followed;
  std::vector<int> priorities;
  for (const LinkFate& f : explained.link_fates) {
    if (f.drop != LinkDrop::kNone) continue;
    followed.push_back(f.url);
    priorities.push_back(f.priority);
  }
  EXPECT_EQ(followed, hc::testing::LinkKeys(explained.links));
  EXPECT_EQ(priorities, hc::testing::LinkPriorities(explained.links));
  EXPECT_EQ(explained.links_dropped, 2);  // the long href and the one over the cap
  // Asking for the fates changes nothing else, and the crawl (which does not ask) gets none.
  const ExtractedPage plain = ExtractDemoPage(/*explain=*/false);
  EXPECT_TRUE(plain.link_fates.empty());
  EXPECT_EQ(hc::testing::LinkKeys(plain.links), hc::testing::LinkKeys(explained.links));
  EXPECT_EQ(hc::testing::LinkPriorities(plain.links), hc::testing::LinkPriorities(explained.links));
  EXPECT_EQ(plain.links_dropped, explained.links_dropped);
  EXPECT_EQ(plain.limits, explained.limits);
}

// ClassifyLink (what the crawl asks of sitemap entries and redirects) says why it drops a URL, with
// the same names.
TEST(LinkFatesTest, ClassifyLinkNamesTheRule) {
  const SelectorProgram program = Program();
  struct ClassifyCase {
    const char* url;
    LinkDrop drop;
    const char* deny_rule;
    const char* page_type;
  };
  const ClassifyCase cases[] = {
      {"https://www.demo.com/a/1.html", LinkDrop::kNone, "", "article"},
      {"https://www.demo.com/q/1", LinkDrop::kNone, "", ""},
      {"https://www.demo.com/a/1.html?print=1", LinkDrop::kDenied, "[?&]print=1", ""},
      {"https://www.demo.com/other/1", LinkDrop::kNotAllowed, "", ""},
      {"https://demo.com.evil.org/a/1", LinkDrop::kOtherHost, "", ""},
      {"ftp://demo.com/a/1", LinkDrop::kNotHttp, "", ""},
      {"not a url", LinkDrop::kUnresolvable, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    const SelectorProgram::LinkClass link = program.ClassifyLink(c.url);
    EXPECT_EQ(link.follow, c.drop == LinkDrop::kNone);
    EXPECT_EQ(LinkDropName(link.drop), LinkDropName(c.drop));
    EXPECT_EQ(link.deny_rule, c.deny_rule);
    EXPECT_EQ(link.page_type ? link.page_type->name : std::string(), c.page_type);
  }
}

}  // namespace
}  // namespace hc::extract
