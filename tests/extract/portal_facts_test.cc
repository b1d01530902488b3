// The portals of issue 14 point 5 (ask39, haodf, 120ask; fixtures/sites/<site>/README.md) as facts: what
// each golden file must keep asserting, written down from the pages by hand, so that an edit of a page or
// a golden that loses a value (a view count in 万, a relative date, a helpful vote, a doctor's message)
// fails here instead of silently weakening the golden test. The pages of 120ask are GBK behind a gb2312
// declaration, with characters GB2312 lacks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/extract.h"
#include "html/html.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

Json ReadExpected(const std::string& site, const std::string& page) {
  return Json::parse(
      hc::testing::ReadFile(hc::testing::FixturesDir() / "sites" / site / (page + ".expected.json")));
}

// One value of each answer, in page order.
std::vector<Json> Column(const Json& record, const std::string& field, bool in_extra = false) {
  std::vector<Json> values;
  for (const Json& answer : record["answers"])
    values.push_back(in_extra ? answer["extra"][field] : answer[field]);
  return values;
}

TEST(PortalFacts, Ask39QuestionsCarryPatientViewsAndHelpfulVotes) {
  const Json knee = ReadExpected("ask39", "question-93127745")["records"][0];
  EXPECT_EQ(knee["title"], "膝盖疼上下楼梯更明显是怎么回事");
  EXPECT_EQ(knee["asked_at"], "2026-02-25T19:42:00+08:00");
  EXPECT_EQ(knee["patient_sex"], "女");
  EXPECT_EQ(knee["patient_age_years"], 52);  // "52岁"
  EXPECT_TRUE(knee["patient_age_months"].is_null());
  EXPECT_EQ(knee["views"], 15000);  // "阅读 1.5万"
  EXPECT_EQ(Column(knee, "doctor_name"), (std::vector<Json>{"王建国", "陈晓梅", "刘志刚"}));
  EXPECT_EQ(Column(knee, "helpful_votes"), (std::vector<Json>{23, 5, 0}));  // "有用 23"
  EXPECT_EQ(Column(knee, "best", true), (std::vector<Json>{true, false, false}));
  EXPECT_THAT(knee["answers"][0]["answer_text"].get<std::string>(), HasSubstr("病情分析：52岁女性"));

  const Json baby = ReadExpected("ask39", "question-93120518")["records"][0];
  EXPECT_EQ(baby["patient_sex"], "男");
  EXPECT_EQ(baby["patient_age_years"], 0);  // "8个月": an infant's age in months
  EXPECT_EQ(baby["patient_age_months"], 8);
  EXPECT_EQ(baby["views"], 2045);  // "2045人看过"
  EXPECT_EQ(Column(baby, "helpful_votes"), (std::vector<Json>{301, 2}));
  EXPECT_EQ(Column(baby, "answered_at"),
            (std::vector<Json>{"2026-02-27T09:20:00+08:00", "2026-02-28T21:36:00+08:00"}));
}

TEST(PortalFacts, Ask39ListingLeadsToQuestionsAndTheNextPages) {
  const Json listing = ReadExpected("ask39", "browse-322-1-1");
  EXPECT_EQ(listing["records"], Json::array());
  const Json& links = listing["links"];
  for (const char* url :
       {"https://ask.39.net/question/93127745.html", "https://ask.39.net/question/93120518.html",
        "https://ask.39.net/browse/322-1-2.html", "https://ask.39.net/browse/322-1-50.html"}) {
    EXPECT_THAT(links, Contains(url));
  }
  for (const Json& link : links) EXPECT_THAT(link.get<std::string>(), Not(HasSubstr("click.39.net")));
}

TEST(PortalFacts, HaodfDoctorHasBothTitlesCountsAndRecentConsultations) {
  const Json page = ReadExpected("haodf", "doctor-4876");
  const Json& doctor = page["records"][0];
  EXPECT_EQ(doctor["name"], "张国强");
  EXPECT_EQ(doctor["title"], "主任医师");                           // clinical
  EXPECT_EQ(doctor["academic_title"], "教授、博士生导师");  // academic, kept apart (canonical, joined by 、)
  EXPECT_EQ(doctor["hospital"], "北京积水潭医院");
  EXPECT_EQ(doctor["hospital_grade"], "三甲");  // canonical
  EXPECT_EQ(doctor["hospital_grade_raw"], "三甲");  // as printed
  EXPECT_EQ(doctor["department"], "骨科");
  EXPECT_EQ(doctor["specialties"].size(), 4u);
  EXPECT_EQ(doctor["extra"]["visits"], 3562000);  // "356.2万"
  EXPECT_EQ(doctor["extra"]["articles"], 128);
  EXPECT_EQ(doctor["extra"]["patients"], 16000);
  // The three recent consultations are followed, and are a child list of the doctor (record_children).
  const Json& consultations = doctor["children"]["consultations"];
  ASSERT_EQ(consultations.size(), 3u);
  EXPECT_EQ(consultations[0]["title"], "膝关节置换术后多久能爬楼梯");
  EXPECT_EQ(consultations[0]["disease"], "膝骨关节炎");
  EXPECT_EQ(consultations[0]["date"], "2026-02-27");
  EXPECT_EQ(consultations[1]["patient"], "女 41岁");
  for (const char* id : {"8876543210", "8876519024", "8876498811"}) {
    EXPECT_THAT(page["links"],
                Contains("https://www.haodf.com/wenda/zhangguoqiang_g_" + std::string(id) + ".html"));
  }
}

// The answers table keeps one answer per (question, doctor): a thread's answer is all of the doctor's
// messages, and none of the patient's.
TEST(PortalFacts, HaodfThreadsAnswerWithAllTheDoctorsMessages) {
  const Json knee = ReadExpected("haodf", "wenda-8876543210")["records"][0];
  EXPECT_EQ(knee["patient_sex"], "男");
  EXPECT_EQ(knee["patient_age_years"], 67);  // "67岁"
  EXPECT_EQ(knee["views"], 312);  // "312人已读"
  ASSERT_EQ(knee["answers"].size(), 1u);
  const Json& answer = knee["answers"][0];
  EXPECT_EQ(answer["doctor_name"], "张国强");
  EXPECT_EQ(answer["hospital"], "北京积水潭医院");  // from the doctor card (scope: page), as on his profile
  EXPECT_EQ(answer["department"], "骨科");
  EXPECT_EQ(answer["answered_at"], "2026-02-27T21:05:00+08:00");  // his first message
  EXPECT_EQ(answer["extra"]["message_times"],
            Json::parse(R"(["2026-02-27T21:05:00+08:00", "2026-02-28T08:12:00+08:00"])"));
  const std::string text = answer["answer_text"].get<std::string>();
  EXPECT_THAT(text, HasSubstr("好腿上、坏腿下"));
  EXPECT_THAT(text, HasSubstr("\n\n术后三个月内轻度肿胀是正常的"));
  EXPECT_THAT(text, Not(HasSubstr("谢谢张主任")));  // the patient's

  const Json meniscus = ReadExpected("haodf", "wenda-8876519024")["records"][0];
  EXPECT_EQ(meniscus["views"], 11000);  // "1.1万人已读"
  ASSERT_EQ(meniscus["answers"].size(), 1u);
  EXPECT_EQ(meniscus["answers"][0]["extra"]["message_times"].size(), 1u);
}

TEST(PortalFacts, Ask120ResolvesRelativeDatesAndWanCounts) {
  const Json recent = ReadExpected("120ask", "question-91234567")["records"][0];
  EXPECT_EQ(recent["asked_at"], "2026-02-26T10:00:00+08:00");  // "3天前", fetched 2026-03-01 10:00
  EXPECT_EQ(Column(recent, "doctor_name"), (std::vector<Json>{"张玥", "黄志勇", "王赟"}));
  EXPECT_EQ(Column(recent, "answered_at"), (std::vector<Json>{"2026-02-28T08:10:00+08:00",     // 昨天 08:10
                                                              "2026-02-27T16:20:00+08:00",     // 前天 16:20
                                                              "2026-03-01T08:00:00+08:00"}));  // 2小时前
  EXPECT_EQ(recent["views"], 12000);  // "浏览：1.2万次"
  EXPECT_EQ(recent["patient_age_years"], 6);  // "6岁"
  EXPECT_EQ(Column(recent, "helpful_votes"), (std::vector<Json>{7, 2, 0}));  // "有用(7)"

  const Json older = ReadExpected("120ask", "question-90876542")["records"][0];
  EXPECT_EQ(older["asked_at"], "2026-01-14T16:32:00+08:00");
  EXPECT_EQ(older["views"], 36000);
  EXPECT_EQ(Column(older, "doctor_name"), (std::vector<Json>{"李喆", "张玥"}));
  EXPECT_EQ(Column(older, "helpful_votes"), (std::vector<Json>{128, 11000}));  // "有用(1.1万)"
}

// Each 120ask page is GBK on disk, declares gb2312, and holds a character GB2312 lacks (玥 U+73A5,
// 喆 U+5586, 赟 U+8D5F), which decodes cleanly only because gb2312 is read as GB18030.
TEST(PortalFacts, Ask120PagesAreGbkBehindAGb2312Declaration) {
  const std::vector<std::string> beyond_gb2312 = {"\xE7\x8E\xA5", "\xE5\x96\x86", "\xE8\xB5\x9F"};  // UTF-8
  const auto fixtures = FindFixtures(hc::testing::FixturesDir() / "sites", "120ask");
  ASSERT_EQ(fixtures.size(), 3u);
  for (const FixturePage& f : fixtures) {
    SCOPED_TRACE(f.name);
    const std::string bytes = hc::testing::ReadFile(f.html);
    EXPECT_THAT(bytes, HasSubstr("charset=gb2312"));
    for (const std::string& c : beyond_gb2312) EXPECT_THAT(bytes, Not(HasSubstr(c)));  // not UTF-8 on disk
    html::DecodedText decoded = html::DecodeToUtf8(bytes);
    EXPECT_EQ(decoded.source, "meta");
    EXPECT_THAT(decoded.utf8, Not(HasSubstr("\xEF\xBF\xBD")));  // no U+FFFD
    int found = 0;
    for (const std::string& c : beyond_gb2312) found += decoded.utf8.find(c) != std::string::npos;
    EXPECT_GT(found, 0);
  }
}

}  // namespace
}  // namespace hc::extract
