// Golden-fixture support: finding fixtures, running one (charset decoding included), describing JSON
// differences and counting fill rates, on a scratch folder.
#include <gtest/gtest.h>

#include "extract/extract.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

using hc::testing::TempDir;
using hc::testing::WriteFile;

const char* kConfig = R"(site: demo
allowed_domains: [demo.com]
page_types:
  - name: article
    url: '/a/'
    record: article
    fields:
      title: {css: h1, required: true}
      author: .author
    extra:
      tag: .tag
    lists:
      answers:
        css: .answer
        fields:
          doctor_name: .doctor
          answer_text: .text
  - name: listing
    url: '/list/'
)";

// "感冒" in GBK, declared as gb2312 the way portals do.
const std::string kGbkPage =
    "<html><head><meta charset=\"gb2312\"></head><body><h1>\xB8\xD0\xC3\xB0</h1>"
    "<div class=answer><span class=doctor>A</span><p class=text>t1</p></div>"
    "<div class=answer><p class=text>t2</p></div><a href=\"/list/1\">l</a></body></html>";

std::string Expected(const std::string& title) {
  Json j = {{"url", "https://www.demo.com/a/1.html"},
            {"site", "demo"},
            {"page_type", "article"},
            {"fetched_at", "2026-03-01T02:00:00Z"},
            {"records", Json::array()},
            {"failures", Json::array()},
            {"links", {"https://www.demo.com/list/1"}}};
  Json answer1 =
      Json::parse(R"({"type":"answer_card","question_title":null,"question_url":null,"doctor_name":"A",
      "doctor_title":null,"department":null,"hospital":null,"hospital_grade":null,"answer_text":"t1","answered_at":null,
      "doctor_title_raw":null,"academic_title":null,"hospital_grade_raw":null,"helpful_votes":null,"extra":{}})");
  Json answer2 = answer1;
  answer2["doctor_name"] = nullptr;
  answer2["answer_text"] = "t2";
  // Keys deliberately out of the vocabulary's order: fixtures are compared as unordered JSON.
  j["records"].push_back({{"extra", {{"tag", nullptr}}},
                          {"type", "article"},
                          {"title", title},
                          {"body", nullptr},
                          {"published_at", nullptr},
                          {"views", nullptr},
                          {"author", nullptr},
                          {"tags", Json::array()},
                          {"source", nullptr},
                          {"diseases", Json::array()},
                          {"answers", {answer1, answer2}}});
  return j.dump(2);
}

class FixturesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "sites/demo/a.html", kGbkPage);
    WriteFile(dir_ / "sites/demo/a.expected.json", Expected("感冒"));
    WriteFile(dir_ / "sites/demo/b.html", "<h1>no expected JSON: not a fixture</h1>");
    WriteFile(dir_ / "sites/demo/c.html", kGbkPage);
    WriteFile(dir_ / "sites/demo/c.expected.json", Expected("发烧"));
    WriteFile(dir_ / "sites/other/x.html", "<h1>x</h1>");
    WriteFile(dir_ / "sites/other/x.expected.json", "{not json");
    auto program = SelectorProgram::FromYaml(kConfig, "demo.yaml");
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    program_.emplace(std::move(*program));
  }
  TempDir dir_;
  std::optional<SelectorProgram> program_;
};

TEST_F(FixturesTest, FindsPagesWithExpectedJsonOnly) {
  auto all = FindFixtures(dir_ / "sites");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "demo/a");
  EXPECT_EQ(all[0].site, "demo");
  EXPECT_EQ(all[0].html, dir_ / "sites/demo/a.html");
  EXPECT_EQ(all[0].expected, dir_ / "sites/demo/a.expected.json");
  EXPECT_EQ(all[1].name, "demo/c");
  EXPECT_EQ(all[2].name, "other/x");
  EXPECT_EQ(FindFixtures(dir_ / "sites", "demo").size(), 2u);
  EXPECT_TRUE(FindFixtures(dir_ / "sites", "nosuchsite").empty());
  EXPECT_TRUE(FindFixtures(dir_ / "missing").empty());
}

TEST_F(FixturesTest, MatchingFixtureHasNoDifferences) {
  auto run = RunFixture(*program_, FindFixtures(dir_ / "sites", "demo")[0]);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_TRUE(run->differences.empty()) << run->differences.front();
  EXPECT_EQ(run->input.url, "https://www.demo.com/a/1.html");
  EXPECT_EQ(FormatUtc(run->input.fetched_at), "2026-03-01T02:00:00Z");
  EXPECT_EQ(run->actual["records"][0]["title"], "感冒");  // decoded from GBK
}

TEST_F(FixturesTest, MismatchIsDescribed) {
  auto run = RunFixture(*program_, FindFixtures(dir_ / "sites", "demo")[1]);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->differences, (std::vector<std::string>{"/records/0/title: expected \"发烧\", got \"感冒\""}));
}

TEST_F(FixturesTest, BrokenExpectedJsonIsAnError) {
  auto run = RunFixture(*program_, FindFixtures(dir_ / "sites", "other")[0]);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(run.status().message().find("x.expected.json: bad JSON"), std::string::npos);

  WriteFile(dir_ / "sites/other/x.expected.json", R"({"url": "https://www.demo.com/a/1.html"})");
  run = RunFixture(*program_, FindFixtures(dir_ / "sites", "other")[0]);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("needs string members \"url\" and \"fetched_at\""), std::string::npos);

  WriteFile(dir_ / "sites/other/x.expected.json", R"({"url": "https://x/", "fetched_at": "yesterday"})");
  run = RunFixture(*program_, FindFixtures(dir_ / "sites", "other")[0]);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("fetched_at 'yesterday' is not an ISO 8601 time"), std::string::npos);
}

// A page whose views ("很多") are no count: one conversion note, article.views.
const char* kNotesConfig = "site: demo\npage_types:\n  - name: article\n    url: /a/\n    record: article\n"
                           "    fields:\n      title: h1\n      views: .views\n";

TEST(FixtureNotesTest, ANoteFailsTheFixtureUnlessItsNotesFileListsIt) {
  const char* config = kNotesConfig;
  auto program = SelectorProgram::FromYaml(config, "demo.yaml");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const std::string kNote = "article.views: \"很多\" is not a count";
  struct NotesCase {
    const char* name;
    const char* notes_file;  // nullptr: no <page>.notes.json
    std::vector<std::string> note_differences;
  };
  const NotesCase cases[] = {
      {"no notes file: the note is unexpected", nullptr, {"unexpected note: " + kNote}},
      {"declared", "[\"article.views: \\\"很多\\\" is not a count\"]", {}},
      {"declared twice, made once", "[\"article.views: \\\"很多\\\" is not a count\", "
       "\"article.views: \\\"很多\\\" is not a count\"]",
       {"expected note not made: " + kNote}},
      {"another note declared", "[\"article.title: gone\"]",
       {"unexpected note: " + kNote, "expected note not made: article.title: gone"}},
  };
  for (const NotesCase& c : cases) {
    SCOPED_TRACE(c.name);
    hc::testing::TempDir dir;
    WriteFile(dir / "demo/a.html", "<h1>t</h1><p class=views>很多</p>");
    WriteFile(dir / "demo/a.expected.json", R"({"url": "https://www.demo.com/a/1", "fetched_at": "2026-03-01T02:00:00Z"})");
    if (c.notes_file) WriteFile(dir / "demo/a.notes.json", c.notes_file);
    auto fixtures = FindFixtures(dir.path(), "demo");
    ASSERT_EQ(fixtures.size(), 1u);
    EXPECT_EQ(fixtures[0].expected_notes.empty(), c.notes_file == nullptr);
    auto run = RunFixture(*program, fixtures[0]);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_EQ(run->note_differences, c.note_differences);
    EXPECT_FALSE(run->ok());  // the JSON differs too: the expected file holds only url and fetched_at
  }
}

TEST(FixtureNotesTest, ANotesFileThatIsNoListOfStringsIsAnError) {
  auto program = SelectorProgram::FromYaml(kNotesConfig, "demo.yaml");
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  for (const char* bad : {"{\"a\": 1}", "[1]", "not json"}) {
    SCOPED_TRACE(bad);
    hc::testing::TempDir dir;
    WriteFile(dir / "demo/a.html", "<h1>t</h1>");
    WriteFile(dir / "demo/a.expected.json", R"({"url": "https://www.demo.com/a/1", "fetched_at": "2026-03-01T02:00:00Z"})");
    WriteFile(dir / "demo/a.notes.json", bad);
    auto fixtures = FindFixtures(dir.path(), "demo");
    ASSERT_EQ(fixtures.size(), 1u);
    auto run = RunFixture(*program, fixtures[0]);
    ASSERT_FALSE(run.ok());
    EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(run.status().message().find("a.notes.json"), std::string::npos) << run.status().message();
  }
}

TEST(DescribeDifferencesTest, Table) {
  struct DiffCase {
    const char* name;
    const char* expected;
    const char* actual;
    std::vector<std::string> lines;
  };
  const DiffCase cases[] = {
      {"equal", R"({"a": 1, "b": [1, 2]})", R"({"a": 1, "b": [1, 2]})", {}},
      {"key order does not matter", R"({"a": 1, "b": 2})", R"({"b": 2, "a": 1})", {}},
      {"changed value", R"({"a": 1})", R"({"a": "1"})", {"/a: expected 1, got \"1\""}},
      {"unexpected member", R"({"a": 1})", R"({"a": 1, "b": null})", {"/b: unexpected null"}},
      {"missing member", R"({"a": 1, "b": [true]})", R"({"a": 1})", {"/b: missing, expected [true]"}},
      {"longer array", R"({"l": ["x"]})", R"({"l": ["x", "y"]})", {"/l/1: unexpected \"y\""}},
      {"shorter array", R"({"l": ["x", "y"]})", R"({"l": ["x"]})", {"/l/1: missing, expected \"y\""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(DescribeDifferences(Json::parse(c.expected), Json::parse(c.actual)), c.lines);
  }
}

TEST_F(FixturesTest, FillRates) {
  std::vector<ExtractedPage> pages;
  for (const auto& f : FindFixtures(dir_ / "sites", "demo")) {
    auto run = RunFixture(*program_, f);
    ASSERT_TRUE(run.ok());
    pages.push_back(run->page);
  }
  auto listing = html::Document::Parse("<a href='/a/2.html'>x</a>");
  PageInput input{"https://www.demo.com/list/1", {}};
  pages.push_back(program_->Extract(*listing, input));

  auto rates = ComputeFillRates(*program_, pages);
  struct Row {
    std::string page_type, field;
    int filled, total;
  };
  const std::vector<Row> want = {{"article", "article.title", 2, 2},           {"article", "article.author", 0, 2},
                                 {"article", "article.extra.tag", 0, 2},       {"article", "answers[].doctor_name", 2, 4},
                                 {"article", "answers[].answer_text", 4, 4}};
  ASSERT_EQ(rates.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(want[i].field);
    EXPECT_EQ(rates[i].page_type, want[i].page_type);
    EXPECT_EQ(rates[i].field, want[i].field);
    EXPECT_EQ(rates[i].filled, want[i].filled);
    EXPECT_EQ(rates[i].total, want[i].total);
  }
}

}  // namespace
}  // namespace hc::extract
