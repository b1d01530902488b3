// Conversion notes at the command line (issue 13 point 2): `extract` warns once per field at the default
// log level, and `selectors check` fails a fixture whose notes its <page>.notes.json does not declare.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli_command.h"
#include "support/http_server.h"
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
      title: h1
      views: .views
    lists:
      answers:
        css: .answer
        fields:
          answered_at: {css: .time, type: date}
)";

// views unreadable once, answered_at twice (in two answers): two fields, three notes.
const char* kPage = R"(<h1>感冒</h1><span class=views>很多</span>
<div class=answer><i class=time>不详</i></div><div class=answer><i class=time>某天</i></div>)";

class NotesCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFile(dir_ / "selectors/demo.yaml", kConfig);
    WriteFile(dir_ / "fixtures/sites/demo/page.html", kPage);
    // The page JSON as extracted: this test is about the notes, not the values.
    WriteFile(dir_ / "fixtures/sites/demo/page.expected.json",
              R"({"url": "https://www.demo.com/a/1.html", "fetched_at": "2026-03-01T02:00:00Z"})");
    std::string json;
    ASSERT_EQ(RunCommand(Cli("extract --site demo " + Quote(page())), &json), 0) << json;
    WriteFile(dir_ / "fixtures/sites/demo/page.expected.json", json);
  }
  std::string Cli(const std::string& args) const { return hc::testing::Cli(args, dir_ / "selectors"); }
  fs::path page() const { return dir_ / "fixtures/sites/demo/page.html"; }
  TempDir dir_;
};

TEST_F(NotesCliTest, ExtractWarnsOncePerFieldWithACountAndAnExample) {
  const fs::path err = dir_ / "stderr.txt";
  std::string out;
  ASSERT_EQ(RunCommand(Cli("extract --site demo " + Quote(page()) + " 2>" + Quote(err)), &out), 0) << out;
  const std::string log = hc::testing::ReadFile(err);
  EXPECT_NE(log.find("extract demo: field article.views: 1 note, e.g. \"很多\" is not a count "
                     "(https://www.demo.com/a/1.html)"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("extract demo: field answers[].answered_at: 2 notes, e.g. \"不详\" is not a date "
                     "(https://www.demo.com/a/1.html)"),
            std::string::npos)
      << log;
  // Once per field: no line per note at the default level.
  EXPECT_EQ(log.find("某天"), std::string::npos) << log;
}

TEST_F(NotesCliTest, SelectorsCheckFailsUndeclaredNotesAndPassesDeclaredOnes) {
  std::string out;
  EXPECT_EQ(RunCommand(Cli("selectors check demo"), &out), 1) << out;
  EXPECT_NE(out.find("MISMATCH demo/page [article]: 3 differences"), std::string::npos) << out;
  EXPECT_NE(out.find("    unexpected note: article.views: \"很多\" is not a count\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("    unexpected note: answers[].answered_at: \"某天\" is not a date\n"),
            std::string::npos)
      << out;

  WriteFile(dir_ / "fixtures/sites/demo/page.notes.json",
            R"(["answers[].answered_at: \"不详\" is not a date", "article.views: \"很多\" is not a count",
                "answers[].answered_at: \"某天\" is not a date"])");
  EXPECT_EQ(RunCommand(Cli("selectors check demo"), &out), 0) << out;
  EXPECT_NE(out.find("  ok       demo/page [article]"), std::string::npos) << out;

  WriteFile(dir_ / "fixtures/sites/demo/page.notes.json",
            R"(["article.views: \"很多\" is not a count", "article.title: \"x\" is gone"])");
  EXPECT_EQ(RunCommand(Cli("selectors check demo"), &out), 1) << out;
  EXPECT_NE(out.find("and page.notes.json"), std::string::npos) << out;
  EXPECT_NE(out.find("    expected note not made: article.title: \"x\" is gone\n"), std::string::npos) << out;
}

// The crawl's end: a warning per field on stderr, field_notes in --summary json, and `stats` showing the
// run's notes from the database.
TEST_F(NotesCliTest, CrawlWarnsSummarizesAndStatsShowsThem) {
  hc::testing::HttpServer server;
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  server.Route("/a/1.html", hc::testing::HttpResponse::Html(std::string("<meta charset=utf-8>") + kPage));
  std::string config = kConfig;  // served over plain HTTP by the loopback server
  config.replace(config.find("^https://"), 9, "^http://");
  WriteFile(dir_ / "selectors/demo.yaml", config);
  const std::string port = std::to_string(server.port());
  const fs::path err = dir_ / "crawl-stderr.txt";
  const fs::path db = dir_ / "c.db";
  std::string out;
  ASSERT_EQ(RunCommand(Cli("crawl --site demo --db " + Quote(db) +
                           " --start-url http://www.demo.com/a/1.html" + " --connect-to ::127.0.0.1:" + port +
                           " --delay 0 --no-progress --no-sitemaps --allow-private-addresses" +
                           " --summary json 2>" + Quote(err)),
                       &out),
            0)
      << out << hc::testing::ReadFile(err);
  const nlohmann::json summary = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << out;
  EXPECT_EQ(summary["field_notes"]["answers[].answered_at"]["count"], 2) << out;
  EXPECT_EQ(summary["field_notes"]["article.views"]["example"], "\"很多\" is not a count") << out;
  const std::string log = hc::testing::ReadFile(err);
  EXPECT_NE(log.find("crawl demo: field article.views: 1 note, e.g. \"很多\" is not a count "
                     "(http://www.demo.com/a/1.html)"),
            std::string::npos)
      << log;

  ASSERT_EQ(RunCommand(Cli("stats --db " + Quote(db)), &out), 0) << out;
  EXPECT_NE(out.find("answers[].answered_at, e.g. \"不详\" is not a date (http://www.demo.com/a/1.html)"),
            std::string::npos)
      << out;
}

}  // namespace
