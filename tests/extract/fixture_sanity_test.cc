// The bundled sites as facts (fixtures/sites/<site>/README.md): which fixtures exist, what each golden
// file must keep asserting (16 answer cards by 12 doctors at 11 hospitals, ...), and that the pages are
// served the way the real portals serve them (xywy: GBK bytes behind a gb2312 declaration). The golden
// test checks the extractor against the .expected.json files; this one keeps those files honest, so an
// edit that drops a card or a fixture fails here instead of silently weakening the golden test.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "extract/extract.h"
#include "html/html.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

std::filesystem::path SitesDir() { return hc::testing::FixturesDir() / "sites"; }

Json ReadExpected(const std::string& site, const std::string& page) {
  return Json::parse(hc::testing::ReadFile(SitesDir() / site / (page + ".expected.json")));
}

// The site's compiled config, loaded once per test binary; nullptr (and a test failure) when it is broken.
const SelectorProgram* Program(const std::string& site) {
  static std::map<std::string, std::unique_ptr<SelectorProgram>> programs;
  auto it = programs.find(site);
  if (it == programs.end()) {
    auto loaded = LoadSite(hc::testing::SelectorsDir(), site);
    std::unique_ptr<SelectorProgram> program;
    if (loaded.ok()) {
      program = std::make_unique<SelectorProgram>(std::move(*loaded));
    } else {
      ADD_FAILURE() << loaded.status().ToString();
    }
    it = programs.emplace(site, std::move(program)).first;
  }
  return it->second.get();
}

TEST(FixtureSanity, EverySiteHasItsFixtures) {
  struct Case {
    std::string site;
    std::vector<std::string> names;
  };
  const std::vector<Case> cases = {
      {"mfk",
       {"mfk/article", "mfk/list-guke", "mfk/question-58176015", "mfk/question-58190462", "mfk/question-58213307"}},
      {"xywy",
       {"xywy/doctor-86423", "xywy/list-guke", "xywy/question-158843210", "xywy/question-159017582"}},
      {"jk39", {"jk39/article-9012345", "jk39/question-87654321"}},
      {"scripted", {"scripted/article-1001", "scripted/question-2002"}},
      {"ask39", {"ask39/browse-322-1-1", "ask39/question-93120518", "ask39/question-93127745"}},
      {"haodf", {"haodf/doctor-4876", "haodf/wenda-8876519024", "haodf/wenda-8876543210"}},
      {"120ask", {"120ask/list-erke", "120ask/question-90876542", "120ask/question-91234567"}},
      {"profiles", {"profiles/doctor-301", "profiles/question-9001"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.site);
    std::vector<std::string> names;
    for (const FixturePage& f : FindFixtures(SitesDir(), c.site)) names.push_back(f.name);
    EXPECT_THAT(names, ElementsAreArray(c.names));
  }
}

// Each golden names its site and the page type its URL selects, and lists only links the site's
// follow rules accept, each once, already in dedupe-key form.
TEST(FixtureSanity, GoldenHeadersAgreeWithTheConfigs) {
  for (const FixturePage& f : FindFixtures(SitesDir())) {
    SCOPED_TRACE(f.name);
    Json expected = Json::parse(hc::testing::ReadFile(f.expected));
    const SelectorProgram* program = Program(f.site);
    ASSERT_NE(program, nullptr);
    EXPECT_EQ(expected["site"], f.site);
    EXPECT_EQ(expected["fetched_at"], "2026-03-01T02:00:00Z");
    const PageTypeInfo* type = program->MatchPageType(expected["url"].get<std::string>());
    ASSERT_NE(type, nullptr);
    EXPECT_EQ(expected["page_type"], type->name);
    EXPECT_EQ(expected["records"].size(), type->record.empty() ? 0u : 1u);
    if (!type->record.empty()) {
      EXPECT_EQ(expected["records"][0]["type"], type->record);
    }
    EXPECT_TRUE(expected["failures"].empty());
    std::set<std::string> seen;
    for (const Json& link : expected["links"]) {
      const std::string url = link.get<std::string>();
      SCOPED_TRACE(url);
      EXPECT_TRUE(seen.insert(url).second) << "listed twice";
      EXPECT_TRUE(program->ShouldFollow(url));
      auto parsed = Url::Parse(url);
      ASSERT_TRUE(parsed.ok());
      auto key = NormalizeUrl(*parsed, program->config().url_normalization);
      ASSERT_TRUE(key.ok());
      EXPECT_EQ(*key, url);
    }
  }
}

// Issue 14, point 1: the golden keeps the facts of the real page (fixtures/sites/mfk/README.md, from
// ../shared/seeds/mfk-article-1620381.txt): what the page shows, in its punctuation, and nothing it
// does not show.
TEST(FixtureSanity, MfkArticleKeepsTheRealPagesFacts) {
  const Json page = ReadExpected("mfk", "article");
  const Json& article = page["records"][0];
  EXPECT_EQ(article["title"], "大腿肌肉痉挛的主要原因");
  EXPECT_EQ(article["published_at"], "2026-02-28");
  EXPECT_EQ(article["views"], 9039);
  const std::string body = article["body"].get<std::string>();
  EXPECT_THAT(body, StartsWith("大腿肌肉痉挛主要由电解质紊乱(如钠、钾、钙缺乏)"));
  for (const char* label : {"电解质失衡:", "肌肉疲劳与血液循环:", "神经压迫:", "特殊人群建议:"}) {
    EXPECT_THAT(body, HasSubstr(std::string("\n\n") + label));
  }
  EXPECT_THAT(body, Not(HasSubstr("本内容不能作为治疗依据")));
  // The page names no author, tags or reviewer.
  EXPECT_TRUE(article["author"].is_null());
  EXPECT_EQ(article["tags"], Json::array());  // a list with nothing is [], never null
  EXPECT_TRUE(article["extra"]["reviewer"].is_null());
  ASSERT_EQ(article["diseases"].size(), 1u);
  EXPECT_EQ(article["diseases"][0]["name"], "肌肉痉挛");

  const Json& cards = article["answers"];
  ASSERT_EQ(cards.size(), 16u);
  std::map<std::string, int> answers_by_doctor;
  std::map<std::string, std::set<std::string>> hospitals_by_doctor;
  std::map<std::string, std::set<std::string>> titles_by_doctor;
  std::map<std::string, std::set<std::string>> doctors_by_hospital;
  for (const Json& card : cards) {
    const std::string doctor = card["doctor_name"].get<std::string>();
    const std::string hospital = card["hospital"].get<std::string>();
    SCOPED_TRACE(doctor);
    ++answers_by_doctor[doctor];
    hospitals_by_doctor[doctor].insert(hospital);
    titles_by_doctor[doctor].insert(card["doctor_title"].get<std::string>());
    doctors_by_hospital[hospital].insert(doctor);
    EXPECT_EQ(card["hospital_grade"], "三甲");
    EXPECT_THAT(card["doctor_title"].get<std::string>(), ::testing::AnyOf("主任医师", "副主任医师"));
    // The cards show no answer date and no department.
    EXPECT_TRUE(card["answered_at"].is_null());
    EXPECT_TRUE(card["department"].is_null());
  }
  EXPECT_EQ(answers_by_doctor.size(), 12u);
  EXPECT_EQ(doctors_by_hospital.size(), 11u);
  for (const auto& [doctor, hospitals] : hospitals_by_doctor) {
    SCOPED_TRACE(doctor);
    EXPECT_EQ(hospitals.size(), 1u);
    EXPECT_EQ(titles_by_doctor[doctor].size(), 1u);
  }
  EXPECT_EQ(answers_by_doctor["杜俊秋"], 3);
  EXPECT_THAT(titles_by_doctor["杜俊秋"], ElementsAreArray({"副主任医师"}));
  EXPECT_THAT(hospitals_by_doctor["杜俊秋"], ElementsAreArray({"淮安市第二人民医院"}));
  EXPECT_EQ(answers_by_doctor["毕连涌"], 2);
  EXPECT_EQ(answers_by_doctor["杨道海"], 2);
  for (const auto& [doctor, n] : answers_by_doctor) {
    if (doctor != "杜俊秋" && doctor != "毕连涌" && doctor != "杨道海") {
      EXPECT_EQ(n, 1) << doctor;
    }
  }
  EXPECT_THAT(doctors_by_hospital["淮安市中医院"], ElementsAreArray({"杨道海", "胡勇"}));
  // The first and the last card, field by field, as the seed lists them.
  EXPECT_EQ(cards[0]["question_title"], "肌肉痉挛怎么缓解?");
  EXPECT_EQ(cards[15]["question_title"], "肌肉痉挛怎么缓解");
  EXPECT_EQ(cards[15]["doctor_name"], "孙淑建");
  EXPECT_EQ(cards[15]["hospital"], "马鞍山市人民医院");
}

// A card's text is the start of the full answer on the question page behind it (the three pages
// modelled are cards the seed shows whole, so there the two are equal).
TEST(FixtureSanity, MfkCardsMatchTheirQuestionPages) {
  const Json cards = ReadExpected("mfk", "article")["records"][0]["answers"];
  int matched = 0;
  for (const FixturePage& f : FindFixtures(SitesDir(), "mfk")) {
    const Json page = Json::parse(hc::testing::ReadFile(f.expected));
    if (page["page_type"] != "question") continue;
    SCOPED_TRACE(f.name);
    auto card = std::find_if(cards.begin(), cards.end(),
                             [&](const Json& c) { return c["question_url"] == page["url"]; });
    ASSERT_NE(card, cards.end()) << "no card links to this question page";
    const Json& question = page["records"][0];
    EXPECT_EQ((*card)["question_title"], question["title"]);
    ASSERT_EQ(question["answers"].size(), 1u);
    const Json& first = question["answers"][0];
    for (const char* field : {"doctor_name", "doctor_title", "hospital", "hospital_grade"}) {
      EXPECT_EQ((*card)[field], first[field]) << field;
    }
    EXPECT_THAT(first["answer_text"].get<std::string>(), StartsWith((*card)["answer_text"].get<std::string>()));
    for (const char* gone : {"陈立新", "刘海燕", "赵春梅", "王志强"}) {
      EXPECT_THAT(hc::testing::ReadFile(f.html), Not(HasSubstr(gone)));
    }
    ++matched;
  }
  EXPECT_EQ(matched, 3);
}

// Issue 2, point 7: xywy is GBK declared as gb2312, with characters GB2312 lacks (堃 U+5803, 镕 U+9555).
TEST(FixtureSanity, XywyPagesAreGbkBehindAGb2312Declaration) {
  const std::string kun = "\xE5\xA0\x83";  // 堃 in UTF-8
  const std::string rong = "\xE9\x95\x95";  // 镕 in UTF-8
  for (const FixturePage& f : FindFixtures(SitesDir(), "xywy")) {
    SCOPED_TRACE(f.name);
    const std::string bytes = hc::testing::ReadFile(f.html);
    EXPECT_THAT(bytes, HasSubstr("charset=gb2312"));
    EXPECT_THAT(bytes, Not(HasSubstr(kun)));  // not UTF-8 on disk
    html::DecodedText decoded = html::DecodeToUtf8(bytes);
    EXPECT_EQ(decoded.source, "meta");
    EXPECT_THAT(decoded.utf8, Not(HasSubstr("\xEF\xBF\xBD")));  // no U+FFFD
    EXPECT_TRUE(decoded.utf8.find(kun) != std::string::npos || decoded.utf8.find(rong) != std::string::npos);
  }
}

}  // namespace
}  // namespace hc::extract
