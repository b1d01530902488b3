// `healthcrawl extract --links`: every link of the page with its fate, tab-separated, instead of the JSON
// (docs/selectors.md, "Which links a page has, and why each was kept or dropped").
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::CliPath;
using hc::testing::RunCommand;
using hc::testing::TempDir;
using hc::testing::WriteFile;

using hc::testing::Quote;

TEST(ExtractLinksCliTest, ListsEveryLinkWithItsFate) {
  TempDir dir;
  WriteFile(dir / "selectors/demo.yaml", R"(site: demo
allowed_domains: [demo.com]
follow:
  allow: ['/(a|q)/']
  deny: ['/a/9']
page_types:
  - name: article
    url: '/a/\d+'
    priority: 5
)");
  WriteFile(dir / "page.html", "<a href=\"/a/1.html\">a</a><a href=\"/a/9.html\">deny</a><a href=\"/q/2\">q</a>"
                               "<a href=\"/about\">about</a><a href=\"https://evil.com/a/1\">x</a>"
                               "<a href=\"mailto:x@demo.com\">m</a><a href=\"/a/1.html#top\">again</a>"
                               "<a href=\"/a/b\tc\">tab</a>");
  std::string out;
  ASSERT_EQ(RunCommand(Quote(CliPath()) + " --selectors " + Quote(dir / "selectors") +
                           " extract --site demo --url https://www.demo.com/list/1 --links " + Quote(dir / "page.html"),
                       &out),
            0)
      << out;
  EXPECT_EQ(out,
            "followed\tpage type article, priority 5\thttps://www.demo.com/a/1.html\t/a/1.html\n"
            "denied\tfollow.deny /a/9\thttps://www.demo.com/a/9.html\t/a/9.html\n"
            "followed\tno page type, priority 0\thttps://www.demo.com/q/2\t/q/2\n"
            "not allowed\tno follow.allow pattern matches\thttps://www.demo.com/about\t/about\n"
            "other host\thost is in no allowed_domains\thttps://evil.com/a/1\thttps://evil.com/a/1\n"
            "not http\tscheme is not http or https\tmailto:x@demo.com\tmailto:x@demo.com\n"
            "duplicate\tan earlier link has the same href or URL\thttps://www.demo.com/a/1.html\t/a/1.html#top\n"
            // The URL parser drops the tab; the href column escapes it.
            "followed\tno page type, priority 0\thttps://www.demo.com/a/bc\t/a/b\\tc\n");
}

}  // namespace
