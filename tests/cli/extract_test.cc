// `healthcrawl extract` and `healthcrawl selectors check` end to end, on a scratch selectors/ + fixtures/
// layout (so the expected output is known here) and on the project's own configs and fixtures.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <string>

#include "support/cli_command.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::RunCommand;
using hc::testing::TempDir;
using hc::testing::WriteFile;

using hc::testing::Quote;

const char* kConfig = R"(site: demo
allowed_domains: [demo.com]
page_types:
  - name: article
    url: '^https://www\.demo\.com/a/'
    record: article
    fields:
      title: {css: h1, required: true}
      views: .views
    lists:
      answers:
        css: .answer
        fields:
          doctor_name: .doctor
)";

const char* kPage = R"(<h1>感冒</h1><span class=views>1.2万</span>
<div class=answer><b class=doctor>王医生</b></div><div class=answer><b class=doctor>李医生</b></div>
<a href="/a/2.html">next</a>)";

nlohmann::ordered_json ExpectedJson(const std::string& title) {
  auto answer = [](const char* name) {
    return nlohmann::ordered_json{{"type", "answer_card"},  {"question_title", nullptr}, {"question_url", nullptr},
                                  {"doctor_name", name},    {"doctor_title", nullptr},   {"department", nullptr},
                                  {"hospital", nullptr},    {"hospital_grade", nullptr}, {"answer_text", nullptr},
                                  {"answered_at", nullptr}, {"doctor_title_raw", nullptr},
                                  {"academic_title", nullptr}, {"hospital_grade_raw", nullptr},
                                  {"helpful_votes", nullptr}, {"extra", nlohmann::ordered_json::object()}};
  };
  nlohmann::ordered_json record = {{"type", "article"},   {"title", title},      {"body", nullptr},
                                   {"published_at", nullptr}, {"views", 12000},  {"author", nullptr},
                                   {"tags", nlohmann::ordered_json::array()},     {"source", nullptr},   {"extra", nlohmann::ordered_json::object()},
                                   {"diseases", nlohmann::ordered_json::array()},
                                   {"answers", {answer("王医生"), answer("李医生")}}};
  return {{"url", "https://www.demo.com/a/1.html"},
          {"site", "demo"},
          {"page_type", "article"},
          {"fetched_at", "2026-03-01T02:00:00Z"},
          {"records", {record}},
          {"failures", nlohmann::ordered_json::array()},
          {"links", {"https://www.demo.com/a/2.html"}}};
}

class ExtractCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "selectors/demo.yaml", kConfig);
    WriteFile(dir_ / "fixtures/sites/demo/page.html", kPage);
    WriteFile(dir_ / "fixtures/sites/demo/page.expected.json", ExpectedJson("感冒").dump(2));
  }
  std::string Cli(const std::string& args) const { return hc::testing::Cli(args, dir_ / "selectors"); }
  fs::path page() const { return dir_ / "fixtures/sites/demo/page.html"; }
  TempDir dir_;
};

TEST_F(ExtractCliTest, TakesUrlAndFetchTimeFromTheExpectedJson) {
  std::string out;
  ASSERT_EQ(RunCommand(Cli("extract --site demo " + Quote(page())), &out), 0) << out;
  EXPECT_EQ(out, ExpectedJson("感冒").dump(2) + "\n");  // pretty, 2-space, vocabulary order
}

TEST_F(ExtractCliTest, ExplicitUrlAndFetchTime) {
  WriteFile(dir_ / "elsewhere/p.html", kPage);
  std::string out;
  ASSERT_EQ(RunCommand(Cli("extract --site demo --url https://www.demo.com/a/1.html --fetched-at "
                           "2026-03-01T02:00:00Z " + Quote(dir_ / "elsewhere/p.html")),
                       &out),
            0)
      << out;
  EXPECT_EQ(nlohmann::ordered_json::parse(out), ExpectedJson("感冒"));
}

TEST_F(ExtractCliTest, MissingRequiredFieldExitsOneAndStillPrints) {
  WriteFile(dir_ / "elsewhere/p.html", "<p>no title</p>");
  std::string out;
  EXPECT_EQ(RunCommand(Cli("extract --site demo --url https://www.demo.com/a/9.html " +
                           Quote(dir_ / "elsewhere/p.html")),
                       &out),
            1);
  auto json = nlohmann::json::parse(out);
  EXPECT_EQ(json["failures"], nlohmann::json::parse(R"([{"path": "title", "reason": "required field is missing"}])"));
}

// A page nested past the parser's depth limit (html::ParseOptions::max_depth, 1,024): stdout is the
// same page JSON as ever (no new key), and stderr says which page went how deep.
TEST_F(ExtractCliTest, NestingLimitIsWarnedOnStderrAndTheJsonKeepsItsShape) {
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "<div>";
  deep += "<i>深</i>";
  for (int i = 0; i < 3000; ++i) deep += "</div>";
  WriteFile(dir_ / "elsewhere/deep.html", std::string(kPage) + deep);
  const fs::path err = dir_ / "stderr.txt";
  std::string out;
  ASSERT_EQ(RunCommand(Cli("extract --site demo --url https://www.demo.com/a/1.html --fetched-at "
                           "2026-03-01T02:00:00Z " + Quote(dir_ / "elsewhere/deep.html") + " 2>" + Quote(err)),
                       &out),
            0)
      << out;
  EXPECT_EQ(nlohmann::ordered_json::parse(out), ExpectedJson("感冒"));  // the fields before the nest are intact
  const std::string log = hc::testing::ReadFile(err);
  // <html>, <body> (both added by the parser), 3,000 divs, the <i>.
  EXPECT_NE(log.find("warning https://www.demo.com/a/1.html: elements nested 3003 deep, over the nesting limit of "
                     "1024: the content below that depth was flattened"),
            std::string::npos)
      << log;
}

TEST_F(ExtractCliTest, UsageErrorsExitTwo) {
  WriteFile(dir_ / "elsewhere/p.html", kPage);
  struct UsageCase {
    const char* name;
    std::string args;
    const char* says;
  };
  const UsageCase cases[] = {
      {"no URL anywhere", "extract --site demo " + Quote(dir_ / "elsewhere/p.html"), "no page URL"},
      {"unknown site", "extract --site nosuch " + Quote(page()), "no selector config for site 'nosuch'"},
      {"bad fetch time", "extract --site demo --fetched-at yesterday " + Quote(page()), "is not an ISO 8601 time"},
      {"missing page", "extract --site demo " + Quote(dir_ / "nope.html"), "nope.html"},
      {"URL without a scheme", "extract --site demo --url www.demo.com/a/1.html " + Quote(page()),
       "page URL 'www.demo.com/a/1.html' is not an absolute http(s) URL (no scheme: did you mean "
       "https://www.demo.com/a/1.html?)"},
      {"URL of another scheme", "extract --site demo --url ftp://www.demo.com/a/1.html " + Quote(page()),
       "page URL 'ftp://www.demo.com/a/1.html' is not an absolute http(s) URL"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string out;
    EXPECT_EQ(RunCommand(Cli(c.args), &out, /*merge_stderr=*/true), 2);
    EXPECT_NE(out.find(c.says), std::string::npos) << out;
  }
}

TEST_F(ExtractCliTest, SelectorsCheckPrintsFillRates) {
  std::string out;
  ASSERT_EQ(RunCommand(Cli("selectors check demo"), &out), 0) << out;
  EXPECT_NE(out.find("  ok       demo/page [article]"), std::string::npos) << out;
  EXPECT_NE(out.find("  page type article: 1 page, 1 links"), std::string::npos) << out;
  EXPECT_NE(out.find("    article.title 100% (1/1)"), std::string::npos) << out;
  EXPECT_NE(out.find("    article.views 100% (1/1)"), std::string::npos) << out;
  EXPECT_NE(out.find("    answers[].doctor_name 100% (2/2)"), std::string::npos) << out;
  // Fixtures default to fixtures/sites beside the selectors folder; --fixtures points elsewhere.
  fs::rename(dir_ / "fixtures", dir_ / "golden");
  ASSERT_EQ(RunCommand(Cli("selectors check --fixtures " + Quote(dir_ / "golden/sites")), &out), 0) << out;
  EXPECT_NE(out.find("site demo (" + (dir_ / "selectors/demo.yaml").string() + "): 1 fixture"), std::string::npos)
      << out;
}

TEST_F(ExtractCliTest, SelectorsCheckReportsMismatchesWithExitOne) {
  WriteFile(dir_ / "fixtures/sites/demo/page.expected.json", ExpectedJson("发烧").dump(2));
  std::string out;
  EXPECT_EQ(RunCommand(Cli("selectors check"), &out), 1);
  EXPECT_NE(out.find("  MISMATCH demo/page [article]: 1 difference"), std::string::npos) << out;
  EXPECT_NE(out.find("    /records/0/title: expected \"发烧\", got \"感冒\""), std::string::npos) << out;
}

// A site with no fixtures has nothing that vouches for its config: exit 1 and a message naming the folder,
// for the one site and for all of them.
TEST_F(ExtractCliTest, SelectorsCheckOfASiteWithoutFixturesExitsOne) {
  fs::remove_all(dir_ / "fixtures/sites/demo");
  for (const char* args : {"selectors check demo", "selectors check"}) {
    SCOPED_TRACE(args);
    std::string out;
    EXPECT_EQ(RunCommand(Cli(args), &out, /*merge_stderr=*/true), 1);
    EXPECT_NE(out.find("site demo (" + (dir_ / "selectors/demo.yaml").string() + "): 0 fixtures"), std::string::npos)
        << out;
    EXPECT_NE(out.find("no fixtures for site demo: nothing to check its config against; add a page and its "
                       "<page>.expected.json to " + (dir_ / "fixtures/sites/demo").string()),
              std::string::npos)
        << out;
  }
}

TEST_F(ExtractCliTest, BrokenConfigExitsTwoWithItsLocation) {
  WriteFile(dir_ / "selectors/demo.yaml", "site: demo\npage_types:\n  - name: a\n    url: /\n    prority: 1\n");
  std::string out;
  EXPECT_EQ(RunCommand(Cli("selectors check demo"), &out, /*merge_stderr=*/true), 2);
  EXPECT_NE(out.find("demo.yaml:5:5: unknown key 'prority' in a page type (did you mean 'priority'?)"),
            std::string::npos)
      << out;
  EXPECT_EQ(RunCommand(Cli("extract --site demo " + Quote(page())), &out, true), 2);
  EXPECT_NE(out.find("demo.yaml:5:5: "), std::string::npos) << out;
}

// Issue 13 point 6: a child list's field with a bad type is a config error at its place, exit 2.
TEST_F(ExtractCliTest, BadTypeInAChildListExitsTwoWithItsLocation) {
  WriteFile(dir_ / "selectors/demo.yaml",
            "site: demo\npage_types:\n  - name: d\n    url: /\n    record: doctor\n    children:\n"
            "      schedule:\n        css: tr\n        fields:\n          day: {css: .day, type: weekday}\n");
  std::string out;
  EXPECT_EQ(RunCommand(Cli("selectors check demo"), &out, /*merge_stderr=*/true), 2);
  EXPECT_NE(out.find("demo.yaml:10:34: unknown type 'weekday'"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(Cli("extract --site demo " + Quote(page())), &out, true), 2);
  EXPECT_NE(out.find("demo.yaml:10:34: "), std::string::npos) << out;
}

// The project's own configs and fixtures pass, found the default way (fixtures/sites beside selectors/).
TEST(SelectorsCheckProjectTest, ProjectFixturesMatch) {
  if (!fs::is_directory(hc::testing::FixturesDir() / "sites")) GTEST_SKIP() << "no fixtures";
  std::string out;
  EXPECT_EQ(RunCommand(hc::testing::Cli("selectors check"), &out, true), 0) << out;
  EXPECT_EQ(out.find("MISMATCH"), std::string::npos) << out;
}


// Issue 11: a xywy listing with a doc_card link of 100,000 digits (40,000 crashed std::regex's
// recursive matcher with SIGSEGV) goes through `healthcrawl extract --site xywy` with the shipped
// config: exit 0, and the link is followed like any other doctor card.
TEST(ExtractProjectTest, HundredThousandDigitDoctorLinkExitsNormally) {
  TempDir dir;
  const std::string doctor = "https://club.xywy.com/doc_card/" + std::string(100000, '1');
  std::string html = hc::testing::ReadFile(hc::testing::FixturesDir() / "sites/xywy/list-guke.html");
  const size_t body_end = html.rfind("</body>");
  ASSERT_NE(body_end, std::string::npos);
  html.insert(body_end, "<a href=\"" + doctor + "\">1</a><a href=\"" + doctor + "x\">2</a>");
  const fs::path page = dir / "list-guke.html";
  WriteFile(page, html);
  // The shipped config (max_url_length 8 KiB) drops both links before any pattern sees them; a copy with
  // the URL length cap raised past them runs the 100,000-digit URLs through xywy's page-type and follow
  // patterns (`doc_card/\d+/?(?:\?|$)`, which std::regex's recursion could not survive).
  const std::string shipped = hc::testing::ReadFile(hc::testing::SelectorsDir() / "xywy.yaml");
  WriteFile(dir / "raised/xywy.yaml", shipped + "\nlimits: {max_url_length: 1000000}\n");
  for (const bool raised : {false, true}) {
    SCOPED_TRACE(raised ? "max_url_length 1000000" : "shipped config");
    const fs::path selectors = raised ? dir / "raised" : hc::testing::SelectorsDir();
    std::string out;
    ASSERT_EQ(RunCommand(hc::testing::Cli(
                             "extract --site xywy --url https://club.xywy.com/list_guke_1.htm " + Quote(page),
                             selectors),
                         &out),
              0)
        << out.substr(0, 2000);
    auto json = nlohmann::ordered_json::parse(out, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << out.substr(0, 2000);
    EXPECT_EQ(json["page_type"], "listing");
    const auto& links = json["links"];
    EXPECT_EQ(std::find(links.begin(), links.end(), doctor) != links.end(), raised);
    EXPECT_EQ(std::find(links.begin(), links.end(), doctor + "x"), links.end());
  }
}

}  // namespace
