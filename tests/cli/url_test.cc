// End-to-end tests of `healthcrawl url parse|normalize`: the built binary, its stdout and exit codes.
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

CliRun RunUrl(const std::vector<std::string>& args, const std::string& stdin_text = "") {
  std::string command = ShellQuote(hc::testing::CliPath().string()) + " --log-level off url";
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  if (!stdin_text.empty()) {
    command = "printf %s " + ShellQuote(stdin_text) + " | " + command;
  } else {
    command += " </dev/null";
  }
  CliRun run;
  run.exit_code = hc::testing::RunCommand(command, &run.output);
  return run;
}

struct CliCase {
  const char* name;
  std::vector<std::string> args;
  int exit_code;
  std::string output;
  std::string stdin_text = "";
};

TEST(UrlCli, Table) {
  const std::vector<CliCase> cases = {
      {"parse absolute",
       {"parse", "HTTP://WWW.MFK.COM:80/a/./b/../c?x#y"},
       0,
       "http://www.mfk.com/a/c?x#y\n"},
      {"parse several against a base",
       {"parse", "--base", "https://www.mfk.com/article/1.html", "2.html", "../q/3.html", "//m.mfk.com/",
        "#top"},
       0,
       "https://www.mfk.com/article/2.html\nhttps://www.mfk.com/q/3.html\nhttps://m.mfk.com/\n"
       "https://www.mfk.com/article/1.html#top\n"},
      {"parse chinese and idna",
       {"parse", "http://中文.com/疾病?q=头痛"},
       0,
       "http://xn--fiq228c.com/%E7%96%BE%E7%97%85?q=%E5%A4%B4%E7%97%9B\n"},
      {"parse failure keeps going, exits 1",
       {"parse", "http://a:99999/", "https://ok.example/", "noscheme"},
       1,
       "error: port out of range\nhttps://ok.example/\nerror: missing scheme (a relative URL needs a "
       "base)\n"},
      {"parse from stdin",
       {"parse", "--base", "https://www.mfk.com/"},
       0,
       "https://www.mfk.com/a\nhttps://www.mfk.com/b?c\n",
       "a\n/b?c\n"},
      {"bad base is a usage error", {"parse", "--base", "not a url", "a"}, 2, ""},
      {"normalize defaults",
       {"normalize", "https://www.mfk.com/a/%7e%2f?utm_source=x&id=1#frag"},
       0,
       "https://www.mfk.com/a/~%2F?id=1\n"},
      {"normalize relative with sort",
       {"normalize", "--sort-query", "--base", "https://www.mfk.com/x/", "y?b=2&a=1&"},
       0,
       "https://www.mfk.com/x/y?a=1&b=2\n"},
      {"normalize custom strip list",
       {"normalize", "--strip-param", "ref*", "--strip-param", "sid",
        "https://mfk.com/?referrer=1&sid=2&utm_source=3"},
       0,
       "https://mfk.com/?utm_source=3\n"},
      {"normalize rejects other schemes",
       {"normalize", "mailto:a@mfk.com", "ftp://mfk.com/"},
       1,
       "error: only http and https URLs have a dedupe key, not mailto\n"
       "error: only http and https URLs have a dedupe key, not ftp\n"},
  };
  for (const CliCase& c : cases) {
    SCOPED_TRACE(c.name);
    const CliRun run = RunUrl(c.args, c.stdin_text);
    EXPECT_EQ(run.exit_code, c.exit_code) << run.output;
    EXPECT_EQ(run.output, c.output);
  }
}

TEST(UrlCli, NeedsAModeAndShowsHelp) {
  EXPECT_EQ(RunUrl({}).exit_code, 2);
  const CliRun help = RunUrl({"parse", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--base"), std::string::npos) << help.output;
}

}  // namespace
