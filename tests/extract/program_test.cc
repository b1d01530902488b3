// SelectorProgram::Extract: each field rule feature, records and lists, failures and notes, links,
// page type matching and the JSON format, on small inline configs and pages.
#include <gtest/gtest.h>

#include <thread>

#include "extract/extract.h"
#include "support/page_links.h"

namespace hc::extract {
namespace {

constexpr const char* kFetchedAt = "2026-03-01T02:00:00Z";  // 10:00 in Asia/Shanghai

PageInput Input(std::string url) {
  PageInput input;
  input.url = std::move(url);
  EXPECT_TRUE(ParseIso8601(kFetchedAt, &input.fetched_at));
  return input;
}

SelectorProgram Program(const std::string& yaml) {
  auto program = SelectorProgram::FromYaml(yaml, "selectors/demo.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) std::abort();
  return std::move(*program);
}

html::Document Parse(std::string page) {
  auto doc = html::Document::Parse(std::move(page));
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  if (!doc.ok()) std::abort();
  return std::move(*doc);
}

// Compares as text so a failure shows both documents, and key order (the vocabulary's) counts.
void ExpectJson(const Json& actual, const std::string& expected) {
  EXPECT_EQ(actual.dump(2), Json::parse(expected).dump(2));
}

const std::string kArticleConfig = R"x(site: demo
allowed_domains: [demo.com]
page_types:
  - name: article
    url: '^https://www\.demo\.com/a/\d+\.html'
    record: article
    fields:
      title: {css: h1, required: true}
      body: {css: '.body > p', all: true, join: "\n\n"}
      published_at: {css: '.meta span', regex: '发布于\s*(\S+)'}
      views: '.meta .views'
      author: '.meta .author::text'
      tags: '.tags a'
      source: {default: 演示}
    extra:
      category: '.crumbs a.current'
      crumb_links: {css: '.crumbs a::attr(href)', all: true, type: url}
      page_id: {regex: 'var pageId = (\d+);', type: int}
      first_paragraph: {css: '.body > p', type: html}
      updated: {css: '.meta .updated', type: datetime}
      absent: '.nope'
      month: {css: '.meta span', regex: '[年月](\d+)'}
      whole_match: {css: '.meta .views', regex: '\d+\.\d+'}
      ids: {regex: 'data-id="(\d+)"', all: true, type: int}
    lists:
      diseases:
        css: '.disease'
        fields:
          name: {css: '.name', required: true}
          summary: '.summary'
          url: 'a::attr(href)'
      answers:
        css: '.answer'
        record: answer_card
        fields:
          doctor_name: {css: '.doctor', required: true}
          answer_text: '.text'
          answered_at: {css: '.time', type: datetime}
        extra:
          likes: {css: '.likes', type: count}
          item_id: {regex: 'data-id="(\d+)"'}
)x";

const std::string kArticlePage = R"(<!DOCTYPE html>
<html><head><title>t</title><script>var pageId = 4242;</script></head><body>
<div class="crumbs"><a href="/">首页</a><a class="current" href="/list/cold">感冒</a></div>
<h1> 感冒了 怎么办 </h1>
<div class="meta"><span class="time">2026年2月发布于 2026-02-28</span><span class="views">1.2万次浏览</span>
  <span class="author">作者：<b>编辑</b></span><span class="updated">3小时前</span></div>
<div class="body"><p>第一段 <b>重点</b></p><p>第二段</p></div>
<div class="tags"><a href="/t/1">感冒</a><a href="/t/2">发烧</a></div>
<div class="disease"><span class="name">感冒</span><span class="summary">常见病</span><a href="/d/1.html">更多</a></div>
<div class="disease"><span class="summary">没有名字</span></div>
<div class="answer" data-id="7"><span class="doctor">王医生</span><div class="text">多喝水</div>
  <span class="time">昨天 08:10</span><span class="likes">1.5k</span></div>
<div class="answer" data-id="8"><div class="text">休息</div><span class="likes">n/a</span></div>
</body></html>)";

TEST(ExtractTest, ArticleRecordWithListsExtraAndFailures) {
  SelectorProgram program = Program(kArticleConfig);
  html::Document doc = Parse(kArticlePage);
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/a/1.html"));
  EXPECT_EQ(page.page_type, "article");
  EXPECT_EQ(page.site, "demo");
  ASSERT_EQ(page.records.size(), 1u);
  ExpectJson(records::ToJson(page.records[0]), R"({
    "type": "article",
    "title": "感冒了 怎么办",
    "body": "第一段 重点\n\n第二段",
    "published_at": "2026-02-28",
    "views": 12000,
    "author": "作者：",
    "tags": ["感冒", "发烧"],
    "source": "演示",
    "extra": {
      "category": "感冒",
      "crumb_links": ["https://www.demo.com/", "https://www.demo.com/list/cold"],
      "page_id": 4242,
      "first_paragraph": "<p>第一段 <b>重点</b></p>",
      "updated": "2026-03-01T07:00:00+08:00",
      "absent": null,
      "month": "2",
      "whole_match": "1.2",
      "ids": [7, 8]
    },
    "diseases": [
      {"type": "disease", "name": "感冒", "summary": "常见病", "url": "https://www.demo.com/d/1.html", "extra": {}},
      {"type": "disease", "name": null, "summary": "没有名字", "url": null, "extra": {}}
    ],
    "answers": [
      {"type": "answer_card", "question_title": null, "question_url": null, "doctor_name": "王医生",
       "doctor_title": null, "department": null, "hospital": null, "hospital_grade": null,
       "answer_text": "多喝水", "answered_at": "2026-02-28T08:10:00+08:00",
       "doctor_title_raw": null, "academic_title": null, "hospital_grade_raw": null, "helpful_votes": null, 
       "extra": {"likes": 1500, "item_id": "7"}},
      {"type": "answer_card", "question_title": null, "question_url": null, "doctor_name": null,
       "doctor_title": null, "department": null, "hospital": null, "hospital_grade": null,
       "answer_text": "休息", "answered_at": null,
       "doctor_title_raw": null, "academic_title": null, "hospital_grade_raw": null, "helpful_votes": null, "extra": {"likes": null, "item_id": "8"}}
    ]
  })");
  ASSERT_EQ(page.failures.size(), 2u);
  EXPECT_EQ(page.failures[0].path, "diseases[1].name");
  EXPECT_EQ(page.failures[0].reason, "required field is missing");
  EXPECT_EQ(page.failures[1].path, "answers[1].doctor_name");
  EXPECT_FALSE(page.ok());
  // Optional fields that came out empty or unparsable are notes, not failures.
  auto has_note = [&](const std::string& text) {
    return std::find(page.notes.begin(), page.notes.end(), text) != page.notes.end();
  };
  EXPECT_TRUE(has_note("extra.absent: not found"));
  EXPECT_TRUE(has_note("answers[1].extra.likes: \"n/a\" is not a count"));
  EXPECT_TRUE(has_note("diseases[1].url: not found"));
}

TEST(ExtractTest, RequiredFieldMissingAndUnconvertible) {
  SelectorProgram program = Program(R"(site: demo
page_types:
  - name: q
    url: /q/
    record: question
    fields:
      title: {css: h1, required: true}
      asked_at: {css: .time, required: true}
      description: {css: .desc, type: html}
)");
  html::Document doc = Parse("<p class=time>不久以前</p>");
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/q/1"));
  ASSERT_EQ(page.failures.size(), 2u);
  EXPECT_EQ(page.failures[0].path, "title");
  EXPECT_EQ(page.failures[0].reason, "required field is missing");
  EXPECT_EQ(page.failures[1].path, "asked_at");
  EXPECT_EQ(page.failures[1].reason, "\"不久以前\" is not a date");
  ExpectJson(
      records::ToJson(page.records[0]),
      R"({"type": "question", "title": null, "description": null, "asked_at": null, "views": null, "patient_sex": null, "patient_age_years": null, "patient_age_months": null, "extra": {}, "answers": []})");
}

TEST(ExtractTest, RequiredListThatIsEmptyFails) {
  SelectorProgram program = Program(R"(site: demo
page_types:
  - name: q
    url: /q/
    record: question
    lists:
      answers: {css: .answer, required: true, fields: {doctor_name: .doctor}}
)");
  html::Document doc = Parse("<h1>问</h1>");
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/q/1"));
  ASSERT_EQ(page.failures.size(), 1u);
  EXPECT_EQ(page.failures[0].path, "answers");
  EXPECT_EQ(page.failures[0].reason, "required list is empty");
}

TEST(ExtractTest, EveryKindCarriesItsWholeVocabulary) {
  struct KindCase {
    const char* kind;
    const char* first_field;
    const char* expected;
  };
  const KindCase cases[] = {
      {"article", "title",
       R"({"type":"article","title":"x","body":null,"published_at":null,"views":null,"author":null,"tags":[],"source":null,"extra":{},"diseases":[],"answers":[]})"},
      {"disease", "name", R"({"type":"disease","name":"x","summary":null,"url":null,"extra":{}})"},
      {"answer_card", "question_title",
       R"({"type":"answer_card","question_title":"x","question_url":null,"doctor_name":null,"doctor_title":null,"department":null,"hospital":null,"hospital_grade":null,"answer_text":null,"answered_at":null,"doctor_title_raw":null,"academic_title":null,"hospital_grade_raw":null,"helpful_votes":null,"extra":{}})"},
      {"question", "title",
       R"({"type":"question","title":"x","description":null,"asked_at":null,"views":null,"patient_sex":null,"patient_age_years":null,"patient_age_months":null,"extra":{},"answers":[]})"},
      {"answer", "doctor_name",
       R"({"type":"answer","doctor_name":"x","doctor_title":null,"department":null,"hospital":null,"hospital_grade":null,"answer_text":null,"answered_at":null,"doctor_title_raw":null,"academic_title":null,"hospital_grade_raw":null,"helpful_votes":null,"extra":{}})"},
      {"doctor", "name",
       R"({"type":"doctor","name":"x","title":null,"department":null,"hospital":null,"hospital_grade":null,"specialties":[],"title_raw":null,"academic_title":null,"hospital_grade_raw":null,"extra":{}})"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.kind);
    SelectorProgram program = Program("site: demo\npage_types:\n  - name: p\n    url: /\n    record: " +
                                      std::string(c.kind) + "\n    fields:\n      " + c.first_field + ": h1\n");
    html::Document doc = Parse("<h1>x</h1>");
    ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/"));
    ASSERT_EQ(page.records.size(), 1u);
    ExpectJson(records::ToJson(page.records[0]), c.expected);
  }
}

TEST(ExtractTest, RegexRules) {
  SelectorProgram program = Program(R"x(site: demo
page_types:
  - name: p
    url: /
    record: doctor
    fields:
      name: {css: 'li', regex: '医生：(\S+)'}
      title: {css: 'li', regex: '职称：\S+', group: 0}
      hospital: {css: 'li', regex: '(医院)：(\S+)', group: 2}
      department: {css: 'li', regex: '科室：(\S+)', all: true, join: '/'}
      specialties: {css: 'li.s', regex: '擅长：(.+)'}
      hospital_grade: {regex: '"grade":\s*"([^"]+)"'}
)x");
  html::Document doc = Parse(R"(<ul><li>医生：张三</li><li>职称：主任医师</li><li>医院：协和</li>
    <li>科室：内科</li><li>科室：外科</li><li class=s>擅长：高血压</li><li class=s>擅长：糖尿病</li></ul>
    <script>var d = {"grade": "三甲"};</script>)");
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/"));
  // group 0: the whole match is the title's text (kept raw); clinical_title reads 主任医师 from it.
  ExpectJson(records::ToJson(page.records[0]),
             R"({"type":"doctor","name":"张三","title":"主任医师","department":"内科/外科",
    "hospital":"协和","hospital_grade":"三甲","specialties":["高血压","糖尿病"],"title_raw":"职称：主任医师",
    "academic_title":null,"hospital_grade_raw":"三甲","extra":{}})");
  EXPECT_TRUE(page.ok());
}

TEST(ExtractTest, UrlsResolveAgainstBaseHref) {
  SelectorProgram program = Program(R"(site: demo
page_types:
  - name: p
    url: /
    record: disease
    fields:
      name: h1
      url: 'a.more::attr(href)'
    extra:
      image: {css: 'img::attr(src)', type: url}
      absolute: {css: 'a.abs::attr(href)', type: url}
)");
  html::Document doc = Parse(R"(<head><base href="/static/v2/"></head><h1>病</h1><a class=more href="d/1.html">x</a>
    <img src="../i.png"><a class=abs href="https://other.org/x?y=1#z">o</a>)");
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/page/1"));
  EXPECT_EQ(records::ToJson(page.records[0])["url"], "https://www.demo.com/static/v2/d/1.html");
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["image"], "https://www.demo.com/static/i.png");
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["absolute"], "https://other.org/x?y=1#z");
}

const std::string kLinkConfig = R"(site: demo
allowed_domains: [demo.com]
url_normalization: {strip_params: ['utm_*']}
follow:
  allow: ['^https?://[a-z.]*demo\.com/(a|q|list)/']
  deny: ['[?&]print=1']
page_types:
  - name: listing
    url: '/list/'
)";

TEST(ExtractTest, LinksAreResolvedFilteredNormalizedAndDeduped) {
  SelectorProgram program = Program(kLinkConfig);
  html::Document doc = Parse(R"x(<body>
    <a href="/a/1.html">relative</a>
    <a href="/a/1.html#comments">same page, other fragment</a>
    <a href="https://m.demo.com/q/2?utm_source=x&id=3">subdomain, tracking parameter</a>
    <a href="https://www.demo.com/q/2?id=3">not the same key as above (other host)</a>
    <a href="/a/3.html?print=1">denied</a>
    <a href="/about">not allowed by follow.allow</a>
    <a href="https://evil.com/a/1.html">other domain</a>
    <a href="https://notdemo.com/a/1.html">suffix but not a subdomain</a>
    <a href="javascript:void(0)">script</a>
    <a href="mailto:x@demo.com">mail</a>
    <a href="https://www.demo.com:99999/a/1.html">unparsable port</a>
    <a>no href</a>
    <map><area href="/list/2" alt="area"></map>
    <a href="  /q/5.html  ">spaces</a>
    <a href="/a/1.html?utm_medium=y">same key after stripping</a>
  </body>)x");
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/list/1"));
  EXPECT_EQ(page.page_type, "listing");
  EXPECT_TRUE(page.records.empty());
  EXPECT_EQ(hc::testing::LinkKeys(page.links),
            (std::vector<std::string>{"https://www.demo.com/a/1.html", "https://m.demo.com/q/2?id=3",
                                      "https://www.demo.com/q/2?id=3", "https://www.demo.com/list/2",
                                      "https://www.demo.com/q/5.html"}));
}

TEST(ExtractTest, LinksUseBaseHref) {
  SelectorProgram program = Program(kLinkConfig);
  html::Document doc = Parse(R"(<head><base href="https://cdn.demo.com/q/"></head><a href="7.html">x</a>)");
  ExtractedPage page = program.Extract(doc, Input("https://www.demo.com/list/1"));
  EXPECT_EQ(hc::testing::LinkKeys(page.links), (std::vector<std::string>{"https://cdn.demo.com/q/7.html"}));
}

TEST(ExtractTest, ShouldFollow) {
  SelectorProgram program = Program(kLinkConfig);
  struct FollowCase {
    const char* url;
    bool follow;
  };
  const FollowCase cases[] = {
      {"https://www.demo.com/a/1.html", true},
      {"http://demo.com/q/1", true},
      {"https://a.b.demo.com/list/", true},
      {"https://www.demo.com/a/1.html?print=1", false},
      {"https://www.demo.com/other/1", false},
      {"https://demo.com.evil.org/a/1", false},
      {"ftp://demo.com/a/1", false},
      {"not a url", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    EXPECT_EQ(program.ShouldFollow(c.url), c.follow);
  }
}

TEST(ExtractTest, PageTypeMatching) {
  SelectorProgram program = Program(R"(site: demo
page_types:
  - name: special
    url: '/a/special'
  - name: article
    url: '/a/'
    record: article
    fields: {title: h1}
  - name: also_article
    url: '/a/'
)");
  struct MatchCase {
    const char* url;
    const char* page_type;
  };
  const MatchCase cases[] = {{"https://www.demo.com/a/special.html", "special"},
                             {"https://www.demo.com/a/1.html", "article"},
                             {"https://www.demo.com/q/1.html", ""}};
  html::Document doc = Parse("<h1>x</h1>");
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    const PageTypeInfo* info = program.MatchPageType(c.url);
    EXPECT_EQ(info ? info->name : "", c.page_type);
    ExtractedPage page = program.Extract(doc, Input(c.url));
    EXPECT_EQ(page.page_type, c.page_type);
    EXPECT_EQ(page.records.size(), std::string(c.page_type) == "article" ? 1u : 0u);
  }
}

TEST(ExtractTest, ToJsonFormat) {
  SelectorProgram program = Program(R"(site: demo
allowed_domains: [demo.com]
page_types:
  - name: q
    url: /q/
    record: question
    fields: {title: {css: h1, required: true}}
)");
  html::Document doc = Parse(R"(<a href="/q/2">next</a>)");
  PageInput input = Input("https://www.demo.com/q/1");
  ExtractedPage page = program.Extract(doc, input);
  ExpectJson(ToJson(page, input), R"({
    "url": "https://www.demo.com/q/1", "site": "demo", "page_type": "q", "fetched_at": "2026-03-01T02:00:00Z",
    "records": [{"type": "question", "title": null, "description": null, "asked_at": null, "views": null, "patient_sex": null, "patient_age_years": null, "patient_age_months": null, "extra": {}, "answers": []}],
    "failures": [{"path": "title", "reason": "required field is missing"}],
    "links": ["https://www.demo.com/q/2"]})");
}

TEST(ExtractTest, UnparsablePageUrlStillExtractsFields) {
  SelectorProgram program = Program(
      "site: demo\npage_types:\n  - name: p\n    url: 'x'\n    record: disease\n    fields: {name: h1, url: 'a::attr(href)'}\n");
  html::Document doc = Parse(R"(<h1>x</h1><a href="/d/1">d</a>)");
  ExtractedPage page = program.Extract(doc, Input("x y z"));
  EXPECT_EQ(records::ToJson(page.records[0])["name"], "x");
  EXPECT_TRUE(records::ToJson(page.records[0])["url"].is_null());  // relative, and nothing to resolve against
  EXPECT_TRUE(page.links.empty());
  EXPECT_TRUE(page.ok());
}

// A SelectorProgram is immutable: many threads may extract with it at once (run under TSan/ASan).
TEST(ExtractTest, ConcurrentExtraction) {
  SelectorProgram program = Program(kArticleConfig);
  html::Document doc = Parse(kArticlePage);
  const auto reference = program.Extract(doc, Input("https://www.demo.com/a/1.html")).records;
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (program.Extract(doc, Input("https://www.demo.com/a/1.html")).records != reference) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace hc::extract
