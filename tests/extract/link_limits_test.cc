// The per-page link cap (limits.max_links_per_page) and the URL length cap (limits.max_url_length):
// links past them are dropped, counted in ExtractedPage::links_dropped and noted in ExtractedPage::limits;
// the config keys' bounds and the start URL check at load.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/extract.h"
#include "support/page_links.h"

namespace hc::extract {
namespace {

std::string Config(const std::string& limits, const std::string& start = "https://www.demo.com/") {
  return "site: demo\n"
         "allowed_domains: [demo.com]\n"
         "start_urls: ['" + start + "']\n" + limits +
         "follow:\n"
         "  allow: ['/q/\\d+\\.html$']\n"
         "page_types:\n"
         "  - name: question\n"
         "    url: '/q/'\n";
}

ExtractedPage ExtractLinks(const std::string& yaml, const std::string& body, const std::string& url) {
  auto program = SelectorProgram::FromYaml(yaml, "selectors/demo.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) return {};
  auto doc = html::Document::Parse("<html><body>" + body + "</body></html>");
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) return {};
  return program->Extract(*doc, {url, {}});
}

std::string Anchors(int first, int count, const std::string& prefix = "/q/") {
  std::string out;
  for (int i = first; i < first + count; ++i) out += "<a href=\"" + prefix + std::to_string(i) + ".html\">x</a>";
  return out;
}

TEST(LinkLimits, LinksPastThePerPageCapAreDroppedCountedAndNoted) {
  struct Case {
    const char* name;
    std::string limits;     // the config's limits block
    std::string body;
    std::size_t links;      // taken
    int64_t dropped;
    std::string note;       // "" = no note
  };
  const std::vector<Case> cases = {
      {"under the cap", "limits: {max_links_per_page: 5}\n", Anchors(1, 5), 5, 0, ""},
      {"over the cap: the first ones are kept", "limits: {max_links_per_page: 5}\n", Anchors(1, 8), 5, 3,
       "3 links past max_links_per_page (5) dropped"},
      // Repeats and links the follow rules refuse are not "taken", so they do not count against the cap.
      {"repeats and refused links do not count", "limits: {max_links_per_page: 3}\n",
       Anchors(1, 3) + Anchors(1, 3) + Anchors(1, 4, "/other/") + "<a href=\"https://evil.com/q/9.html\">x</a>", 3, 0,
       ""},
      {"0 takes no links", "limits: {max_links_per_page: 0}\n", Anchors(1, 4), 0, 4,
       "4 links past max_links_per_page (0) dropped"},
      {"the default is 10,000", "", Anchors(1, 10'003), 10'000, 3,
       "3 links past max_links_per_page (10000) dropped"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExtractedPage page = ExtractLinks(Config(c.limits), c.body, "https://www.demo.com/q/0.html");
    ASSERT_EQ(page.links.size(), c.links);
    if (c.links > 0) {
      EXPECT_EQ(page.links.front().key, "https://www.demo.com/q/1.html");
    }
    EXPECT_EQ(page.links_dropped, c.dropped);
    if (c.note.empty()) {
      EXPECT_TRUE(page.limits.empty()) << page.limits.front();
    } else {
      EXPECT_EQ(page.limits, std::vector<std::string>{c.note});
    }
  }
}

TEST(LinkLimits, LinksLongerThanTheUrlLengthCapAreDroppedCountedAndNoted) {
  const std::string at_limit = "/q/" + std::string(100 - 3 - 5, '1') + ".html";  // 100 bytes
  ASSERT_EQ(at_limit.size(), 100u);
  const std::string ten_mb = "http://www.demo.com/q/" + std::string(10 * 1024 * 1024, '1') + ".html";
  struct Case {
    const char* name;
    std::string limits;
    std::string page_url;
    std::string body;
    std::vector<std::string> links;
    int64_t dropped;
    std::vector<std::string> notes;
  };
  const std::vector<Case> cases = {
      {"an href of 10 MB is never taken (default 8 KiB)", "", "https://www.demo.com/q/0.html",
       "<a href=\"" + ten_mb + "\">x</a><a href=\"/q/2.html\">ok</a>", {"https://www.demo.com/q/2.html"}, 1,
       {"1 links longer than max_url_length (8192 bytes) dropped"}},
      {"an href at the limit is kept, one byte more is not", "limits: {max_url_length: 120}\n",
       "https://www.demo.com/q/0.html",
       "<a href=\"" + at_limit + "\">x</a><a href=\"/q/" + std::string(120, '2') + ".html\">x</a>",
       {"https://www.demo.com" + at_limit}, 1, {"1 links longer than max_url_length (120 bytes) dropped"}},
      // The href is short; what it resolves to against the page's URL is not.
      {"a short relative href that resolves past the limit", "limits: {max_url_length: 100}\n",
       "https://www.demo.com/q/" + std::string(80, 'd') + "/0.html", "<a href=\"1.html\">x</a>", {}, 1,
       {"1 links longer than max_url_length (100 bytes) dropped"}},
      {"both caps on one page", "limits: {max_url_length: 100, max_links_per_page: 2}\n",
       "https://www.demo.com/q/0.html", "<a href=\"/q/" + std::string(200, '3') + ".html\">x</a>" + Anchors(1, 4),
       {"https://www.demo.com/q/1.html", "https://www.demo.com/q/2.html"}, 3,
       {"1 links longer than max_url_length (100 bytes) dropped", "2 links past max_links_per_page (2) dropped"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExtractedPage page = ExtractLinks(Config(c.limits), c.body, c.page_url);
    EXPECT_EQ(hc::testing::LinkKeys(page.links), c.links);
    EXPECT_EQ(page.links_dropped, c.dropped);
    EXPECT_EQ(page.limits, c.notes);
  }
}

TEST(LinkLimits, ConfigKeysAreCheckedAtLoad) {
  struct Case {
    const char* name;
    std::string yaml;
    std::string error;  // "" = loads
  };
  const std::vector<Case> cases = {
      {"both keys", Config("limits: {max_links_per_page: 500, max_url_length: 2048}\n"), ""},
      {"negative link cap", Config("limits: {max_links_per_page: -1}\n"),
       "selectors/demo.yaml:4:30: max_links_per_page must be at least 0, found -1"},
      {"URL cap below 64 bytes", Config("limits: {max_url_length: 10}\n"),
       "selectors/demo.yaml:4:26: max_url_length must be at least 64, found 10"},
      {"a start URL longer than the cap", Config("limits: {max_url_length: 64}\n", "https://www.demo.com/" + std::string(50, 'x')),
       "selectors/demo.yaml:3:14: start_urls holds a URL of 71 bytes, longer than limits.max_url_length (64)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto program = SelectorProgram::FromYaml(c.yaml, "selectors/demo.yaml");
    if (c.error.empty()) {
      ASSERT_TRUE(program.ok()) << program.status().ToString();
      EXPECT_EQ(program->config().max_links_per_page, 500);
      EXPECT_EQ(program->config().max_url_length, 2048);
    } else {
      ASSERT_FALSE(program.ok());
      EXPECT_EQ(program.status().message(), c.error);
    }
  }
}

}  // namespace
}  // namespace hc::extract
