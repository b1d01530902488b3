// `healthcrawl --selectors DIR selectors check SITE` on every hostile selector config
// (tests/hostile/selectors/): the binary exits 2 (a broken config: nothing was done) and its log names
// the file, line and column. The loader's messages themselves are checked in
// tests/extract/hostile_config_test.cc; this checks that the CLI passes them on and exits right.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "hostile/hostile_case.h"
#include "support/cli_command.h"
#include "support/test_env.h"

namespace {

using hc::testing::HostileCase;

using hc::testing::ShellQuote;

class HostileConfigCli : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileConfigCli, SelectorsCheckExitsTwoWithLocation) {
  const HostileCase& c = GetParam();
  SCOPED_TRACE(c.file.string());
  ASSERT_EQ(c.problem, "");
  // The site key is the file's stem, so the case is loaded as <stem>.yaml from a folder of its own.
  hc::testing::TempDir dir;
  const std::filesystem::path copy = dir / (c.name + ".yaml");
  std::filesystem::copy_file(c.file, copy);
  std::string output;
  const int status = hc::testing::RunCommand(ShellQuote(hc::testing::CliPath().string()) + " --selectors " +
                                                 ShellQuote(dir.path().string()) + " selectors check " +
                                                 ShellQuote(c.name) + " </dev/null",
                                             &output, /*merge_stderr=*/true);
  EXPECT_EQ(status, 2) << output;
  const std::string location = copy.string() + ":" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": ";
  EXPECT_NE(output.find(location), std::string::npos) << "expected " << location << "\n  got " << output;
  EXPECT_NE(output.find(c.fragment), std::string::npos) << "expected '" << c.fragment << "'\n  got " << output;
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileConfigCli, ::testing::ValuesIn(hc::testing::HostileCases("selectors")),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           return hc::testing::TestNameOf(info.param.name);
                         });

}  // namespace
