// Hostile jobs files (tests/hostile/jobs/): every broken jobs.yaml is rejected with a kConfigError that
// points at the mistake as "file:line:column: message". The cases are data; see
// tests/hostile/hostile_case.h for the format and docs/RELIABILITY.md for the table.
#include <gtest/gtest.h>

#include <string>

#include "hostile/hostile_case.h"
#include "schedule/schedule.h"
#include "support/test_env.h"

namespace {

using hc::testing::HostileCase;

class HostileJobsFile : public ::testing::TestWithParam<HostileCase> {};

TEST_P(HostileJobsFile, RejectedWithLocationAndMessage) {
  const HostileCase& c = GetParam();
  SCOPED_TRACE(c.file.string());
  ASSERT_EQ(c.problem, "");
  auto jobs = hc::schedule::LoadJobsFile(c.file);
  ASSERT_FALSE(jobs.ok()) << "the broken jobs file loaded";
  EXPECT_EQ(jobs.status().code(), hc::StatusCode::kConfigError) << jobs.status().ToString();
  const std::string& msg = jobs.status().message();
  const std::string prefix = c.file.string() + ":" + std::to_string(c.line) + ":" + std::to_string(c.column) + ": ";
  EXPECT_TRUE(msg.starts_with(prefix)) << "expected the prefix " << prefix << "\n  got " << msg;
  EXPECT_NE(msg.find(c.fragment), std::string::npos) << "expected the fragment '" << c.fragment << "'\n  got " << msg;
}

INSTANTIATE_TEST_SUITE_P(Cases, HostileJobsFile, ::testing::ValuesIn(hc::testing::HostileCases("jobs")),
                         [](const ::testing::TestParamInfo<HostileCase>& info) {
                           return hc::testing::TestNameOf(info.param.name);
                         });

TEST(HostileJobsFiles, FolderHoldsTheCases) {
  EXPECT_GE(hc::testing::HostileCases("jobs").size(), 8u);
}

// Too big to commit: 100,000 comment lines (8 MB) and then the mistake.
TEST(HostileJobsFiles, HugeFileReportsTheRightLine) {
  hc::testing::TempDir dir;
  const auto file = dir / "jobs.yaml";
  hc::testing::WriteFile(file, hc::testing::HugeYaml("jobs:\n", 100000,
                                                     "  - name: late\n    site: mfk\n    schedule: '0 3 * * *'\n"
                                                     "    time_zone: Mars/Olympus_Mons\n"));
  auto jobs = hc::schedule::LoadJobsFile(file);
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.status().code(), hc::StatusCode::kConfigError);
  EXPECT_TRUE(jobs.status().message().starts_with(file.string() + ":100005:16: unknown time zone 'Mars/Olympus_Mons'"))
      << jobs.status().message();
}

// Ten thousand valid jobs and one broken one: the error names the broken one, not the first.
TEST(HostileJobsFiles, ManyJobsThenOneBroken) {
  std::string yaml = "jobs:\n";
  for (int i = 0; i < 10000; ++i) {
    yaml += "  - {name: job-" + std::to_string(i) + ", site: mfk, schedule: '" + std::to_string(i % 60) +
            " * * * *', time_zone: UTC}\n";
  }
  yaml += "  - {name: broken, site: mfk, schedule: '61 * * * *', time_zone: UTC}\n";
  auto jobs = hc::schedule::ParseJobsFile(yaml, "jobs.yaml");
  ASSERT_FALSE(jobs.ok());
  EXPECT_TRUE(jobs.status().message().starts_with("jobs.yaml:10002:")) << jobs.status().message();
  EXPECT_NE(jobs.status().message().find("\"61\""), std::string::npos) << jobs.status().message();
}

}  // namespace
