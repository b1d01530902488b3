// End-to-end tests of `healthcrawl select SELECTOR [FILE|-]`: the built binary, its stdout, stderr
// and exit codes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cli_command.h"
#include "support/test_env.h"

namespace {

using hc::testing::ShellQuote;

struct CliRun {
  int exit_code;
  std::string output;
};

// Runs `healthcrawl [global] select ARGS...` with `stdin_file` (or /dev/null) as standard input.
CliRun RunSelect(const std::vector<std::string>& args, bool with_logs = false, const std::string& stdin_file = "") {
  std::string command = ShellQuote(hc::testing::CliPath().string());
  command += with_logs ? " select" : " --log-level off select";
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " <" + (stdin_file.empty() ? std::string("/dev/null") : ShellQuote(stdin_file));
  CliRun run;
  run.exit_code = hc::testing::RunCommand(command, &run.output, /*merge_stderr=*/with_logs);
  return run;
}

constexpr const char* kPage = R"(<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>问答</title></head><body>
<div class="answer-list">
  <div class="answer-card"><h3 class="doctor-name">李医生</h3><p class="answer-text">多喝水，<br>注意休息。</p>
    <a class="more" href="/question/1.html">详情</a></div>
  <div class="answer-card"><h3 class="doctor-name">王医生</h3><p class="answer-text">建议就医&nbsp;&nbsp;复查。</p></div>
</div>
</body></html>)";

class SelectCliTest : public ::testing::Test {
 protected:
  void SetUp() override { hc::testing::WriteFile(page_, kPage); }
  hc::testing::TempDir dir_;
  std::string page_ = (dir_ / "page.html").string();
};

TEST_F(SelectCliTest, PrintsWhatTheSelectorYields) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    int exit_code;
    std::string output;
  };
  const std::vector<Case> cases = {
      {"text of each match", {".doctor-name", page_}, 0, "李医生\n王医生\n"},
      {"text keeps line breaks and normalizes spaces", {".answer-text", page_}, 0, "多喝水，\n注意休息。\n建议就医 复查。\n"},
      {"attribute values", {"a.more::attr(href)", page_}, 0, "/question/1.html\n"},
      {"direct text children", {".answer-card:first-child .answer-text::text", page_}, 0, "多喝水，\n注意休息。\n"},
      {"outer html", {"--html", "h3", page_}, 0,
       "<h3 class=\"doctor-name\">李医生</h3>\n<h3 class=\"doctor-name\">王医生</h3>\n"},
      {"NUL separated", {"-0", ".doctor-name", page_}, 0, std::string("李医生\0王医生\0", 20)},
      {"no match exits 1", {"table", page_}, 1, ""},
      {"attribute missing everywhere exits 1", {"h3::attr(href)", page_}, 1, ""},
      {"bad selector exits 2", {"div >", page_}, 2, ""},
      {"missing file exits 2", {"h3", (dir_ / "missing.html").string()}, 2, ""},
      {"--html with a pseudo-element exits 2", {"--html", "h3::text", page_}, 2, ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    CliRun run = RunSelect(c.args);
    EXPECT_EQ(run.exit_code, c.exit_code) << run.output;
    EXPECT_EQ(run.output, c.output);
  }
}

TEST_F(SelectCliTest, ReadsStandardInput) {
  CliRun dash = RunSelect({"title", "-"}, false, page_);
  EXPECT_EQ(dash.exit_code, 0);
  EXPECT_EQ(dash.output, "问答\n");
  CliRun implicit = RunSelect({"title"}, false, page_);
  EXPECT_EQ(implicit.exit_code, 0);
  EXPECT_EQ(implicit.output, "问答\n");
}

// Past the parser's nesting limit (1,024) the matches still come, and stderr says the page was cut.
TEST_F(SelectCliTest, WarnsWhenThePageIsNestedPastTheLimit) {
  std::string deep = "<html><body>";
  for (int i = 0; i < 2000; ++i) deep += "<div class=d>";
  deep += "<i>深</i>";
  const std::string file = (dir_ / "deep.html").string();
  hc::testing::WriteFile(file, deep);
  CliRun run = RunSelect({"div.d", file}, /*with_logs=*/true);
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.output.find(file + ": elements nested 2003 deep, over the nesting limit of 1024"), std::string::npos)
      << run.output.substr(0, 500);
  CliRun quiet = RunSelect({"div.d", page_}, /*with_logs=*/true);
  EXPECT_EQ(quiet.output.find("nesting limit"), std::string::npos);
}

TEST_F(SelectCliTest, ExplainsABadSelectorWithItsColumn) {
  CliRun run = RunSelect({"div >", page_}, /*with_logs=*/true);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.output.find("selector: column 6: expected selector, found end of input"), std::string::npos)
      << run.output;
  CliRun pseudo = RunSelect({"p:hover", page_}, /*with_logs=*/true);
  EXPECT_EQ(pseudo.exit_code, 2);
  EXPECT_NE(pseudo.output.find("selector: column 2: expected a supported pseudo-class, found ':hover'"),
            std::string::npos)
      << pseudo.output;
}

TEST_F(SelectCliTest, DecodesLegacyCharsets) {
  // "<meta charset=gbk><p>头痛</p>" with 头痛 in GBK (CD B7 CD B4).
  std::string gbk = "<html><head><meta charset=\"gbk\"></head><body><p>\xCD\xB7\xCD\xB4</p></body></html>";
  std::string path = (dir_ / "gbk.html").string();
  hc::testing::WriteFile(path, gbk);
  CliRun run = RunSelect({"p", path});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_EQ(run.output, "头痛\n");
}

TEST_F(SelectCliTest, SurvivesHostileFiles) {
  struct Case {
    const char* name;
    std::string bytes;
    int exit_code;
  };
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<div>";
  deep += "deep";
  const std::vector<Case> cases = {
      {"empty file", "", 1},
      {"binary", std::string("\x00\x01\xff\xfe<\x00p>\x80\x81", 10), 1},
      {"100,000 nested divs", deep, 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::string path = (dir_ / "hostile.html").string();
    hc::testing::WriteFile(path, c.bytes);
    CliRun run = RunSelect({"div:last-child, p", path});
    EXPECT_EQ(run.exit_code, c.exit_code) << run.output;
  }
}

}  // namespace
