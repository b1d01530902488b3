// A list item's fields read the item element itself: `:scope::attr(...)`, `:scope::text` and a regex
// without css, which reads the item's outer HTML (issue #14.3; docs/selectors.md, "Lists").
#include <gtest/gtest.h>

#include <string>

#include "extract/extract.h"

namespace hc::extract {
namespace {

const std::string kConfig = R"x(site: demo
page_types:
  - name: question
    url: '/q/'
    record: question
    fields:
      title: h1
    lists:
      answers:
        css: .ans-item
        fields:
          doctor_name: .doc-name
          answer_text: ':scope::text'
        extra:
          answer_id: ':scope::attr(data-aid)'
          lone_pseudo_id: '::attr(data-aid)'
          hot: {css: ':scope.hot', type: bool}
          child_id: ':scope > .doc-name::attr(data-did)'
          regex_id: {regex: 'data-aid="(\d+)"', type: int}
          start_tag: {regex: '^(<[^>]*>)'}
          end_tag: {regex: '(</[a-z]+>)$'}
)x";

// The second item's attribute is single-quoted and the third's unquoted in the page: the outer HTML a
// regex reads writes every attribute in double quotes, and the end tag the page omits.
const std::string kPage = R"(<h1>头痛怎么办</h1>
<div class="ans-item hot" data-aid="51002"> 多休息 <b class=doc-name data-did=7>王医生</b></div>
<div class='ans-item' data-aid='51003'>&nbsp;少熬夜　<b class=doc-name>李医生</b></div>
<div class=ans-item data-aid=51004><b class=doc-name>赵医生</b>
)";

TEST(ListItemSelfTest, FieldsReadTheItemElementItself) {
  auto program = SelectorProgram::FromYaml(kConfig, "selectors/demo.yaml");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  auto doc = html::Document::Parse(kPage);
  ASSERT_TRUE(doc.ok());
  PageInput input;
  input.url = "https://www.demo.com/q/1";
  const ExtractedPage page = program->Extract(*doc, input);
  ASSERT_EQ(page.records.size(), 1u);
  const Json record = records::ToJson(page.records[0]);
  const Json& answers = record["answers"];
  ASSERT_EQ(answers.size(), 3u);
  struct Expected {
    const char* doctor;
    Json text;  // :scope::text, trimmed: ASCII spaces, U+00A0 and U+3000 at the ends are gone
    const char* id;
    bool hot;
    Json child_id;
    int regex_id;
    const char* start_tag;
  };
  const Expected expected[] = {
      {"王医生", "多休息", "51002", true, "7", 51002, R"(<div class="ans-item hot" data-aid="51002">)"},
      {"李医生", "少熬夜", "51003", false, nullptr, 51003, R"(<div class="ans-item" data-aid="51003">)"},
      {"赵医生", nullptr, "51004", false, nullptr, 51004, R"(<div class="ans-item" data-aid="51004">)"},
  };
  for (size_t i = 0; i < std::size(expected); ++i) {
    SCOPED_TRACE("answers[" + std::to_string(i) + "]");
    const Json& a = answers[i];
    const Expected& e = expected[i];
    EXPECT_EQ(a["doctor_name"], e.doctor);
    EXPECT_EQ(a["answer_text"], e.text);
    EXPECT_EQ(a["extra"]["answer_id"], e.id);
    EXPECT_EQ(a["extra"]["lone_pseudo_id"], e.id);
    EXPECT_EQ(a["extra"]["hot"], e.hot);
    EXPECT_EQ(a["extra"]["child_id"], e.child_id);
    // The regex reads the item's outer HTML: its own start tag, normalized, and its end tag.
    EXPECT_EQ(a["extra"]["regex_id"], e.regex_id);
    EXPECT_EQ(a["extra"]["start_tag"], e.start_tag);
    EXPECT_EQ(a["extra"]["end_tag"], "</div>");
  }
}

}  // namespace
}  // namespace hc::extract
