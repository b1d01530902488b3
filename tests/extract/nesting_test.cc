// A page nested deeper than html::ParseOptions::max_depth: Extract records the limit on the page
// (ExtractedPage::limits, which the crawl stores in pages.notes) and warns once, naming the URL and
// the depth; the page JSON (golden fixtures, `healthcrawl extract`) does not change shape.
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>

#include "extract/extract.h"
#include "support/captured_log.h"

namespace hc::extract {
namespace {

using hc::testing::CapturedLog;

const char* kConfig = R"(site: demo
allowed_domains: [demo.com]
page_types:
  - name: article
    url: '^https://www\.demo\.com/a/'
    record: article
    fields:
      title: {css: '.article h1', required: true}
      body: '.article .body'
)";

std::string Nest(std::size_t levels, const std::string& inside) {
  std::string out;
  for (std::size_t i = 0; i < levels; ++i) out += "<div>";
  out += inside;
  for (std::size_t i = 0; i < levels; ++i) out += "</div>";
  return out;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ExtractNesting, APageOverTheLimitIsNotedAndWarnedOnce) {
  auto program = SelectorProgram::FromYaml(kConfig, "selectors/demo.yaml");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const std::size_t limit = html::ParseOptions{}.max_depth;
  const std::string article = "<div class=article><h1>标题</h1><div class=body>正文</div></div>";
  struct Case {
    const char* name;
    std::size_t article_levels;  // divs around the article
    std::size_t sidebar_levels;  // divs around a <span> beside it
    std::size_t depth;           // the page's deepest element (<html> 1, <body> 2); 0: within the limit
    bool title;                  // the title is still found
  };
  const Case cases[] = {
      {"shallow", 0, 0, 0, true},
      // html, body, the divs, the span: the span is at the limit.
      {"sidebar nested up to the limit", 0, limit - 3, 0, true},
      {"sidebar one level over the limit", 0, limit - 2, limit + 1, true},
      {"sidebar nested 5,000 deep", 0, 5000, 5003, true},
      // The <h1> inside the article's div: depth article_levels + 4; its text follows it once flattened.
      {"article nested past the limit", limit, 0, limit + 4, false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string url = "https://www.demo.com/a/1.html";
    const std::string page = "<html><body>" + Nest(c.article_levels, article) +
                             Nest(c.sidebar_levels, "<span>旁注</span>") + "</body></html>";
    auto doc = html::Document::Parse(page);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    PageInput input{url, {}};
    CapturedLog log;
    ExtractedPage extracted = program->Extract(*doc, input);

    if (c.depth == 0) {
      EXPECT_TRUE(extracted.limits.empty());
      EXPECT_EQ(Count(log.text(), "nesting limit"), 0u) << log.text();
    } else {
      const std::string note = "elements nested " + std::to_string(c.depth) + " deep, over the nesting limit of " +
                               std::to_string(limit) + ": the content below that depth was flattened";
      ASSERT_EQ(extracted.limits.size(), 1u);
      EXPECT_EQ(extracted.limits[0], note);
      EXPECT_EQ(log.text(), "warning " + url + ": " + note + "\n");  // once, with the URL and the depth
    }
    EXPECT_EQ(extracted.links_dropped, 0);  // nothing was dropped: flattened content is kept
    ASSERT_EQ(extracted.records.size(), 1u);
    if (c.title) {
      EXPECT_TRUE(extracted.ok());
      EXPECT_EQ(records::ToJson(extracted.records[0])["title"], "标题");
      EXPECT_EQ(records::ToJson(extracted.records[0])["body"], "正文");
    } else {
      // The issue's case: the article is still there, but `.article h1` lost its text to the flattening.
      ASSERT_EQ(extracted.failures.size(), 1u);
      EXPECT_EQ(extracted.failures[0].path, "title");
      EXPECT_EQ(extracted.failures[0].reason, "required field is missing");
    }
    // The page JSON keeps its shape: the note is not in it (golden fixtures stay as they are).
    Json json = ToJson(extracted, input);
    std::string keys;
    for (const auto& [key, value] : json.items()) keys += key + " ";
    EXPECT_EQ(keys, "url site page_type fetched_at records failures links ");
  }
}

}  // namespace
}  // namespace hc::extract
