// `scope: page` on a list item's field: the field selects in the whole page instead of inside its item,
// for a value the page prints once for every item (a consultation thread's doctor card; docs/selectors.md,
// "Lists"). Found writing the haodf config (issue 14 point 5).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "extract/extract.h"

namespace hc::extract {
namespace {

using ::testing::HasSubstr;

const std::string kConfig = R"x(site: demo
page_types:
  - name: thread
    url: '/t/'
    record: question
    fields:
      title: h1
    lists:
      answers:
        css: .msg.doctor
        fields:
          doctor_name: .name
          hospital: {css: '.card .hospital', scope: page}
          department: {css: '.card .dept', scope: item}
          answer_text: .text
        extra:
          in_item: '.card .hospital'
          thread_id: {regex: '"threadId":\s*(\d+)', type: int, scope: page}
          item_regex: {regex: '"threadId":\s*(\d+)'}
          verified: {css: '.card .verified', type: bool, scope: page}
          first_name: {css: '.msg .name', scope: page}
)x";

const std::string kPage = R"(<script>var PAGE = {"threadId": 8876543210};</script>
<h1>膝关节置换术后多久能爬楼梯</h1>
<div class="card"><span class="hospital">北京积水潭医院</span><span class="dept">骨科</span><i class="verified"></i></div>
<div class="msg doctor"><span class="name">张国强</span><p class="text">可以上下楼了。</p></div>
<div class="msg patient"><span class="name">患者</span><p class="text">谢谢。</p></div>
<div class="msg doctor"><span class="name">张国强</span><p class="text">注意冰敷。</p></div>
)";

TEST(PageScopeTest, AListItemsFieldReadsThePageWhenAskedTo) {
  auto program = SelectorProgram::FromYaml(kConfig, "selectors/demo.yaml");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  auto doc = html::Document::Parse(kPage);
  ASSERT_TRUE(doc.ok());
  PageInput input;
  input.url = "https://www.demo.com/t/1";
  const ExtractedPage page = program->Extract(*doc, input);
  ASSERT_EQ(page.records.size(), 1u);
  const Json record = records::ToJson(page.records[0]);
  ASSERT_EQ(record["answers"].size(), 2u);
  for (const Json& answer : record["answers"]) {
    EXPECT_EQ(answer["hospital"], "北京积水潭医院");  // the card, outside every item
    EXPECT_TRUE(answer["department"].is_null());      // scope: item (the default) looks inside the item
    EXPECT_TRUE(answer["extra"]["in_item"].is_null());
    EXPECT_EQ(answer["extra"]["thread_id"], 8876543210);   // a regex without css reads the page source
    EXPECT_TRUE(answer["extra"]["item_regex"].is_null());  // ... and without scope: page the item's HTML
    EXPECT_EQ(answer["extra"]["verified"], true);
    EXPECT_EQ(answer["extra"]["first_name"], "张国强");  // the page's first match, whatever the item
  }
  EXPECT_EQ(record["answers"][1]["answer_text"], "注意冰敷。");
}

TEST(PageScopeTest, ScopeIsCheckedAtLoad) {
  struct Case {
    std::string name;
    std::string config;
    std::string message;
  };
  const std::string head =
      "site: demo\npage_types:\n  - name: thread\n    url: '/t/'\n    record: question\n";
  const Case cases[] = {
      {"not in a list", head + "    fields:\n      title: {css: h1, scope: page}\n",
       "selectors/demo.yaml:7:24: field 'title': scope: page is for the fields of a list item; here the page "
       "is the "
       "scope"},
      {"unknown value",
       head + "    lists:\n      answers:\n        css: .msg\n        fields:\n"
              "          doctor_name: {css: .name, scope: document}\n",
       "selectors/demo.yaml:10:44: field 'answers[].doctor_name': scope must be item or page, found "
       "'document'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto program = SelectorProgram::FromYaml(c.config, "selectors/demo.yaml");
    ASSERT_FALSE(program.ok());
    EXPECT_THAT(program.status().ToString(), HasSubstr(c.message));
  }
}

}  // namespace
}  // namespace hc::extract
