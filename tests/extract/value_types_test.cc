// The value options of issue 13 through SelectorProgram::Extract: counts in texts with dates (count_word),
// the epoch, epoch_date and bool types, [] for lists with nothing, and join_labels. Each case is a config
// fragment, a page body and the record's extra it must give, with the notes it must leave.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/extract.h"

namespace hc::extract {
namespace {

PageInput Input() {
  PageInput input;
  input.url = "https://www.demo.com/a/1.html";
  EXPECT_TRUE(ParseIso8601("2026-05-07T02:00:00Z", &input.fetched_at));
  return input;
}

// A demo config whose article page has the given extra fields (each line indented under extra:).
std::string Config(const std::string& extra, const std::string& time_zone = "Asia/Shanghai") {
  return "site: demo\ntime_zone: " + time_zone +
         "\npage_types:\n  - name: article\n    url: /a/\n    record: article\n    extra:\n" + extra;
}

ExtractedPage ExtractWith(const std::string& config, const std::string& body) {
  auto program = SelectorProgram::FromYaml(config, "selectors/demo.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) return {};
  auto doc = html::Document::Parse("<!DOCTYPE html><html><body>" + body + "</body></html>");
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) return {};
  return program->Extract(*doc, Input());
}

struct Case {
  const char* name;
  std::string extra;  // the extra: block
  std::string body;   // the page's body
  std::string want;   // the record's "extra" as JSON
  std::string note;   // a part of a note the page must carry ("" for none about extra.v)
};

TEST(ValueTypesTest, Table) {
  const Case cases[] = {
      {"count after a date and a time", "      v: {css: .meta, type: count}\n",
       "<div class=meta>2026-05-06 09:12:37\xE3\x80\x80"
       "3184人阅读</div>",
       R"({"v":3184})", ""},
      {"two counts and no word: null and a note", "      v: {css: .meta, type: count}\n",
       "<div class=meta>1.2万次浏览 35条评论</div>", R"({"v":null})",
       "extra.v: \"1.2万次浏览 35条评论\" holds several numbers (12000, 35)"},
      {"count_word picks one", "      v: {css: .meta, type: count, count_word: 评论}\n",
       "<div class=meta>1.2万次浏览 35条评论</div>", R"({"v":35})", ""},
      {"count_word that is not there", "      v: {css: .meta, type: count, count_word: 阅读}\n",
       "<div class=meta>35条评论</div>", R"({"v":null})", "no number next to the count_word '阅读'"},
      {"a unit outside the element: the element alone", "      v: {css: '.visits b', type: count}\n",
       "<div class=visits>总访问<b>356</b>万次</div>", R"({"v":356})", ""},
      {"a unit outside the element: its parent", "      v: {css: .visits, type: count}\n",
       "<div class=visits>总访问<b>356</b>万次</div>", R"({"v":3560000})", ""},
      {"epoch seconds", "      v: {css: 'time::attr(data-ts)', type: epoch}\n",
       "<time data-ts=1778030000>5天前</time>", R"({"v":"2026-05-06T09:13:20+08:00"})", ""},
      {"epoch milliseconds as a date", "      v: {css: 'time::attr(data-ts)', type: epoch_date}\n",
       "<time data-ts=1778030000123>5天前</time>", R"({"v":"2026-05-06"})", ""},
      {"epoch_unit ms", "      v: {css: 'time::attr(data-ts)', type: epoch_date, epoch_unit: ms}\n",
       "<time data-ts=86400000>x</time>", R"({"v":"1970-01-02"})", ""},
      {"malformed epoch", "      v: {css: 'time::attr(data-ts)', type: epoch}\n",
       "<time data-ts=5天前>x</time>", R"({"v":null})", "extra.v: \"5天前\" is not an epoch time"},
      {"epoch from the page source", "      v: {regex: '\"ctime\":(\\d+)', type: epoch_date}\n",
       "<script>var PAGE = {\"ctime\":1778030000};</script>", R"({"v":"2026-05-06"})", ""},
      {"bool: element present", "      v: {css: .verified, type: bool}\n", "<i class=verified></i>",
       R"({"v":true})", ""},
      {"bool: element absent", "      v: {css: .verified, type: bool}\n", "<i class=other></i>",
       R"({"v":false})", ""},
      {"bool: regex found", "      v: {css: .badge, regex: '已认证', type: bool}\n",
       "<span class=badge>医生已认证</span>", R"({"v":true})", ""},
      {"bool: regex not found", "      v: {css: .badge, regex: '已认证', type: bool}\n",
       "<span class=badge>未认证</span>", R"({"v":false})", ""},
      {"bool: regex over the source", "      v: {regex: 'isVip:\\s*true', type: bool}\n",
       "<script>var u = {isVip: true};</script>", R"({"v":true})", ""},
      {"bool: a word", "      v: {css: '.x::attr(data-open)', type: bool}\n", "<i class=x data-open=是></i>",
       R"({"v":true})", ""},
      {"bool: a malformed word", "      v: {css: '.x::attr(data-open)', type: bool}\n",
       "<i class=x data-open=maybe></i>", R"({"v":null})", "extra.v: \"maybe\" is not a boolean"},
      {"bool: a word with a default", "      v: {css: '.x::attr(data-open)', type: bool, default: 'no'}\n",
       "<i class=y></i>", R"({"v":false})", ""},
      {"list with nothing is []", "      v: {css: '.tag', all: true}\n", "<p>none</p>", R"({"v":[]})",
       "extra.v: not found"},
      {"list whose values all fail is []", "      v: {css: '.n', all: true, type: count}\n",
       "<i class=n>--</i><i class=n>暂无</i>", R"({"v":[]})", "\"--\" is not a count"},
      {"joined list is still null when empty", "      v: {css: '.tag', all: true, join: ','}\n",
       "<p>none</p>", R"({"v":null})", "extra.v: not found"},
      {"join_labels across matches",
       "      v: {css: '.a > p', all: true, join: \"\\n\\n\", join_labels: true}\n",
       "<div class=a><p><strong>病情分析：</strong></p><p>考虑为肌肉痉挛。</p><p><b>指导意见:</b></p>"
       "<p>多补钙。</p><p>祝健康。</p></div>",
       R"({"v":"病情分析：考虑为肌肉痉挛。\n\n指导意见:多补钙。\n\n祝健康。"})", ""},
      {"join_labels within one element's text", "      v: {css: '.a', join_labels: true}\n",
       "<div class=a><p><strong>病情分析：</strong></p><p>考虑为肌肉痉挛。</p><p>结论：</p></div>",
       R"({"v":"病情分析：考虑为肌肉痉挛。\n\n结论："})", ""},
      {"a label ending one match joins the next match",
       "      v: {css: '.a > div', all: true, join: \"\\n\\n\", join_labels: true}\n",
       "<div class=a><div><p>您好。</p><p>指导意见：</p></div><div>多休息。</div></div>",
       R"({"v":"您好。\n\n指导意见：多休息。"})", ""},
      {"without all only the first match is read, its blocks joined",
       "      v: {css: '.a > p', join_labels: true}\n",
       "<div class=a><p>病情分析：</p><p>考虑为肌肉痉挛。</p></div>", R"({"v":"病情分析："})", ""},
      {"without join_labels a label stays a block", "      v: {css: '.a'}\n",
       "<div class=a><p><strong>病情分析：</strong></p><p>考虑为肌肉痉挛。</p></div>",
       R"({"v":"病情分析：\n\n考虑为肌肉痉挛。"})", ""},
      {"a long line ending in a colon is not a label",
       "      v: {css: '.a > p', all: true, join: \"\\n\\n\", join_labels: true}\n",
       "<div class=a><p>这是一个很长的句子，它并不是一个标签，只是恰好以冒号结尾：</p><p>下文。</p></div>",
       R"({"v":"这是一个很长的句子，它并不是一个标签，只是恰好以冒号结尾：\n\n下文。"})", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExtractedPage page = ExtractWith(Config(c.extra), c.body);
    ASSERT_EQ(page.records.size(), 1u);
    EXPECT_EQ(records::ToJson(page.records[0])["extra"].dump(), Json::parse(c.want).dump());
    EXPECT_TRUE(page.failures.empty());
    std::string notes;
    bool found = false;
    for (const std::string& n : page.notes) {
      notes += n + "\n";
      if (n.starts_with("extra.v") && !c.note.empty() && n.find(c.note) != std::string::npos) found = true;
      if (c.note.empty()) {
        EXPECT_FALSE(n.starts_with("extra.v")) << n;
      }
    }
    if (!c.note.empty()) {
      EXPECT_TRUE(found) << "wanted a note with " << c.note << "; notes:\n" << notes;
    }
  }
}

TEST(ValueTypesTest, EpochIsInTheSitesZone) {
  ExtractedPage page =
      ExtractWith(Config("      v: {css: 'time::attr(data-ts)', type: epoch}\n", "Europe/London"),
                  "<time data-ts=1778030000></time>");
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["v"], "2026-05-06T02:13:20+01:00");
}

TEST(ValueTypesTest, RequiredCountThatIsAmbiguousFailsWithTheReason) {
  ExtractedPage page = ExtractWith(Config("      v: {css: .meta, type: count, required: true}\n"),
                                   "<div class=meta>12 35</div>");
  ASSERT_EQ(page.failures.size(), 1u);
  EXPECT_EQ(page.failures[0].path, "extra.v");
  EXPECT_NE(page.failures[0].reason.find("holds several numbers (12, 35)"), std::string::npos)
      << page.failures[0].reason;
}

TEST(ValueTypesTest, CanonicalDateFieldTakesAnEpoch) {
  const std::string config =
      "site: demo\npage_types:\n  - name: article\n    url: /a/\n    record: article\n    fields:\n"
      "      published_at: {css: 'time::attr(data-ts)', type: epoch_date}\n";
  ExtractedPage page = ExtractWith(config, "<time data-ts=1778030000></time>");
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(records::ToJson(page.records[0])["published_at"], "2026-05-06");
  EXPECT_EQ(records::ToJson(page.records[0])["tags"], Json::array());  // not configured: [] all the same
}

}  // namespace
}  // namespace hc::extract
