// Hostile selector configs (tests/hostile/selectors/): every broken config is rejected with a
// kConfigError that points at the mistake as "file:line:column: message". The cases are data; see
// tests/hostile/hostile_case.h for the format and docs/RELIABILITY.md for the table.
#include <gtest/gtest.h>

#include <string>

#include "extract/extract.h"
#include "hostile/hostile_case.h"
#include "support/test_env.h"

namespace {

using hc::testing::HostileCase;

class HostileSelectorConfig : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileSelectorConfig, RejectedWithLocationAndMessage) {
  const HostileCase& c = GetParam();
  SCOPED_TRACE(c.file.string());
  ASSERT_EQ(c.problem, "");
  auto program = hc::extract::SelectorProgram::Load(c.file);
  ASSERT_FALSE(program.ok()) << "the broken config loaded";
  EXPECT_EQ(program.status().code(), hc::StatusCode::kConfigError) << program.status().ToString();
  const std::string& msg = program.status().message();
  const std::string prefix = c.file.string() + ":" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": ";
  EXPECT_TRUE(msg.starts_with(prefix)) << "expected the prefix " << prefix << "\n  got " << msg;
  EXPECT_NE(msg.find(c.fragment), std::string::npos) << "expected the fragment '" << c.fragment << "'\n  got " << msg;
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileSelectorConfig, ::testing::ValuesIn(hc::testing::HostileCases("selectors")),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           return hc::testing::TestNameOf(info.param.name);
                         });

TEST(HostileSelectorConfigs, FolderHoldsTheCases) {
  // A moved folder must not turn the suite above into zero tests that pass.
  EXPECT_GE(hc::testing::HostileCases("selectors").size(), 12u);
}

// Too big to commit: 100,000 comment lines (8 MB) and then the mistake.
TEST(HostileSelectorConfigs, HugeFileReportsTheRightLine) {
  hc::testing::TempDir dir;
  const auto file = dir / "huge.yaml";
  hc::testing::WriteFile(file, hc::testing::HugeYaml("site: huge\n", 100000,
                                                     "page_types:\n  - {name: a, url: 'x'}\nbogus: 1\n"));
  auto program = hc::extract::SelectorProgram::Load(file);
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), hc::StatusCode::kConfigError);
  EXPECT_TRUE(program.status().message().starts_with(file.string() + ":100004:1: unknown key 'bogus'"))
      << program.status().message();
}

// One scalar of 16 MB where a small integer belongs.
TEST(HostileSelectorConfigs, HugeValueIsRejectedAtItsPosition) {
  const std::string yaml = "site: huge-value\npage_types:\n  - name: a\n    url: 'x'\n    priority: " +
                           std::string(16 << 20, '9') + "\n";
  auto program = hc::extract::SelectorProgram::FromYaml(yaml, "huge-value.yaml");
  ASSERT_FALSE(program.ok());
  EXPECT_TRUE(program.status().message().starts_with("huge-value.yaml:5:15: priority must be an integer"))
      << program.status().message().substr(0, 200);
}

}  // namespace
