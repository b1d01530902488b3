// End-to-end tests of `healthcrawl robots check`: the built binary, its stdout and exit codes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/cli_command.h"
#include "support/test_env.h"

namespace {

using hc::testing::ShellQuote;

struct RobotsRun {
  int exit_code;
  std::string output;
};

RobotsRun RunRobotsCheck(const std::vector<std::string>& args) {
  std::string command = ShellQuote(hc::testing::CliPath().string()) + " --log-level off robots check";
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  command += " </dev/null";
  RobotsRun run;
  run.exit_code = hc::testing::RunCommand(command, &run.output);
  return run;
}

const char kRobots[] =
    "# mfk.com robots.txt\n"
    "User-agent: *\n"
    "Disallow: /private\n"
    "Allow: /private/open\n"
    "Disallow: /*?print=1$\n"
    "\n"
    "User-agent: BadBot\n"
    "Disallow: /\n";

TEST(RobotsCliTest, PrintsOneLinePerUrlWithTheDecidingRule) {
  hc::testing::TempDir dir;
  hc::testing::WriteFile(dir / "robots.txt", kRobots);
  struct Case {
    const char* name;
    std::vector<std::string> args;
    int exit_code;
    std::string output;
  };
  const std::string file = (dir / "robots.txt").string();
  const std::vector<Case> cases = {
      {"all allowed",
       {file, "healthcrawl/0.1", "https://www.mfk.com/article/1.html", "https://www.mfk.com/private/open/a"},
       0,
       "allowed\thttps://www.mfk.com/article/1.html\t(no rule matched)\n"
       "allowed\thttps://www.mfk.com/private/open/a\tallow: /private/open (line 4)\n"},
      {"one disallowed",
       {file, "healthcrawl", "https://www.mfk.com/private/x#frag", "https://www.mfk.com/a?print=1"},
       1,
       "disallowed\thttps://www.mfk.com/private/x#frag\tdisallow: /private (line 3)\n"
       "disallowed\thttps://www.mfk.com/a?print=1\tdisallow: /*?print=1$ (line 5)\n"},
      {"agent group, and robots.txt itself",
       {file, "BadBot/2.0", "https://www.mfk.com/", "https://www.mfk.com/robots.txt"},
       1,
       "disallowed\thttps://www.mfk.com/\tdisallow: / (line 8)\n"
       "allowed\thttps://www.mfk.com/robots.txt\t(robots.txt is always allowed)\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const RobotsRun run = RunRobotsCheck(c.args);
    EXPECT_EQ(run.exit_code, c.exit_code);
    EXPECT_EQ(run.output, c.output);
  }
}

TEST(RobotsCliTest, UsageErrorsExitTwoAndPrintNothing) {
  hc::testing::TempDir dir;
  hc::testing::WriteFile(dir / "robots.txt", kRobots);
  const std::string file = (dir / "robots.txt").string();
  struct Case {
    const char* name;
    std::vector<std::string> args;
  };
  const std::vector<Case> cases = {
      {"missing file", {(dir / "absent.txt").string(), "healthcrawl", "https://www.mfk.com/"}},
      {"a folder, not a file", {dir.path().string(), "healthcrawl", "https://www.mfk.com/"}},
      {"no URL", {file, "healthcrawl"}},
      {"URL that does not parse", {file, "healthcrawl", "https://www.mfk.com/ok", "http://[::1"}},
      {"relative URL", {file, "healthcrawl", "/private"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const RobotsRun run = RunRobotsCheck(c.args);
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_EQ(run.output, "");
  }
}

}  // namespace
