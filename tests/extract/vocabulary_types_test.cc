// The vocabulary types (docs/vocabulary.md, docs/selectors.md "Field rules"): hospital_grade,
// clinical_title, academic_title, sex and age on canonical fields — the canonical value beside the
// page's text, the academic title split from the clinical one, the age's months — and the configs that
// misuse them, refused at load as "file:line:column: what".
#include <gtest/gtest.h>

#include "core/records.h"
#include "extract/extract.h"

namespace hc::extract {
namespace {

constexpr const char* kFile = "selectors/demo.yaml";

const std::string kQuestionConfig = R"x(site: demo
page_types:
  - name: q
    url: /q/
    record: question
    fields:
      title: h1
      views: {css: '.views', type: count}
      patient_sex: '.patient'
      patient_age_years: '.patient'
    lists:
      answers:
        css: '.answer'
        fields:
          doctor_name: '.name'
          doctor_title: '.title'
          hospital: '.hos'
          hospital_grade: '.grade'
          helpful_votes: {css: '.useful', type: count}
)x";

ExtractedPage ExtractQuestion(const std::string& page) {
  auto program = SelectorProgram::FromYaml(kQuestionConfig, kFile);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  auto doc = html::Document::Parse(page);
  EXPECT_TRUE(doc.ok());
  PageInput input;
  input.url = "https://www.demo.com/q/1";
  return program->Extract(*doc, input);
}

TEST(VocabularyTypesTest, CanonicalValuesBesideThePagesText) {
  ExtractedPage page = ExtractQuestion(R"(<h1>腿抽筋</h1><span class=views>2045人看过</span>
    <p class=patient>女，8个月</p>
    <div class=answer><b class=name>杜俊秋</b><i class=title>主任医师 · 教授</i><i class=hos>淮安市第二人民医院</i>
      <i class=grade>三级甲等</i><span class=useful>301人觉得有用</span></div>
    <div class=answer><b class=name>胡勇</b><i class=title>副主任医师/硕士生导师</i><i class=grade>三甲</i></div>)");
  ASSERT_EQ(page.records.size(), 1u);
  const auto& q = std::get<records::Question>(page.records[0]);
  EXPECT_EQ(q.views, 2045);
  EXPECT_EQ(q.patient_sex, "女");
  EXPECT_EQ(q.patient_age_years, 0);
  EXPECT_EQ(q.patient_age_months, 8);
  ASSERT_EQ(q.answers.size(), 2u);
  struct Case {
    const char* title;
    const char* title_raw;
    const char* academic;
    const char* grade_raw;
  } cases[] = {{"主任医师", "主任医师 · 教授", "教授", "三级甲等"},
               {"副主任医师", "副主任医师/硕士生导师", "硕士生导师", "三甲"}};
  for (size_t i = 0; i < 2; ++i) {
    SCOPED_TRACE(cases[i].title_raw);
    const records::Answer& a = q.answers[i];
    EXPECT_EQ(a.doctor_title, cases[i].title);
    EXPECT_EQ(a.doctor_title_raw, cases[i].title_raw);
    EXPECT_EQ(a.academic_title, cases[i].academic);
    EXPECT_EQ(a.hospital_grade, "三甲");
    EXPECT_EQ(a.hospital_grade_raw, cases[i].grade_raw);
  }
  EXPECT_EQ(q.answers[0].helpful_votes, 301);
  EXPECT_EQ(q.answers[1].helpful_votes, std::nullopt);
  EXPECT_TRUE(page.field_notes.empty());
}

TEST(VocabularyTypesTest, AValueOutsideTheVocabularyKeepsItsTextWithANote) {
  ExtractedPage page = ExtractQuestion(R"(<h1>腿抽筋</h1><p class=patient>患者</p>
    <div class=answer><b class=name>毕连涌</b><i class=title>主任护师</i><i class=grade>民营</i></div>)");
  const auto& q = std::get<records::Question>(page.records[0]);
  const records::Answer& a = q.answers.at(0);
  EXPECT_EQ(a.doctor_title, std::nullopt);
  EXPECT_EQ(a.doctor_title_raw, "主任护师");
  EXPECT_EQ(a.hospital_grade, std::nullopt);
  EXPECT_EQ(a.hospital_grade_raw, "民营");
  EXPECT_EQ(q.patient_sex, std::nullopt);
  EXPECT_EQ(q.patient_age_years, std::nullopt);
  std::vector<std::string> labels;
  for (const FieldNote& n : page.field_notes) labels.push_back(n.field);
  EXPECT_EQ(labels, (std::vector<std::string>{"question.patient_sex", "question.patient_age_years", "answers[].doctor_title",
                                              "answers[].hospital_grade"}));
  EXPECT_EQ(page.field_notes.back().problem, "\"民营\" is not a hospital grade (docs/vocabulary.md)");
  EXPECT_TRUE(page.ok());
}

TEST(VocabularyTypesTest, MisusedTypesAreRefusedAtLoad) {
  const std::string head =
      "site: demo\n"
      "page_types:\n"
      "  - name: q\n"
      "    url: /q/\n"
      "    record: doctor\n"
      "    fields:\n";
  struct Case {
    const char* field;
    const char* message;
  } cases[] = {
      {"      hospital_grade: {css: .g, type: text}\n",
       ":7:39: field 'hospital_grade' is a hospital grade field: type must be hospital_grade, not text"},
      {"      hospital: {css: .h, type: hospital_grade}\n",
       ":7:33: field 'hospital' is a text field: type must be text or html, not hospital_grade"},
      {"      title_raw: .t\n", ":7:7: field 'title_raw' of record doctor is filled by the type of 'title'"},
      {"      title: {css: .t, all: true, join: ' '}\n", ":7:24: field 'title': type clinical_title reads one value; drop all"},
      {"      name: {css: .n, type: gradee}\n", ":7:29: unknown type 'gradee'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.field);
    auto program = SelectorProgram::FromYaml(head + c.field, kFile);
    ASSERT_FALSE(program.ok());
    EXPECT_EQ(program.status().code(), StatusCode::kConfigError) << program.status().ToString();
    EXPECT_NE(program.status().message().find(std::string(kFile) + c.message), std::string::npos)
        << program.status().message();
  }
}

}  // namespace
}  // namespace hc::extract
