// The drift alarm at the command line (issue 14 point 4, docs/drift.md): `crawl` exits 4 for a degraded
// run and says which fields fell, `--summary json` carries the verdict, `stats` lists the degraded run
// and `schedule history` shows it; an `alerts` entry naming a field the config does not have is refused
// at load (exit 2, file:line:column).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "crawl/drift_site.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::Quote;
using hc::testing::RunCommand;
using hc::testing::TempDir;
using hc::testing::WriteFile;

class DriftCliTest : public ::testing::Test {
 protected:
  void SetUp() override { WriteFile(dir_ / "selectors/demo.yaml", hc::testing::kDriftConfig); }
  std::string Cli(const std::string& args) const { return hc::testing::Cli(args, dir_ / "selectors"); }
  int Crawl(std::string* out, const std::string& extra = "") {
    return RunCommand(Cli("crawl --site demo --db " + Quote(db()) +
                          " --recrawl all --connect-to ::127.0.0.1:" + std::to_string(server_.port()) +
                          " --delay 0 --no-progress --no-sitemaps --allow-private-addresses " + extra +
                          " 2>" + Quote(dir_ / "stderr.txt")),
                      out);
  }
  std::string Log() const { return hc::testing::ReadFile(dir_ / "stderr.txt"); }
  fs::path db() const { return dir_ / "c.db"; }

  TempDir dir_;
  hc::testing::HttpServer server_;
};

TEST_F(DriftCliTest, DegradedRunExitsFourAndIsShown) {
  hc::testing::DriftMarkup markup;
  hc::testing::ServeDriftSite(server_, 21, markup);
  std::string out;
  ASSERT_EQ(Crawl(&out), 0) << out << Log();
  EXPECT_NE(out.find("  outcome: ok\n"), std::string::npos) << out;

  markup.doctor_class = "doc-name";
  markup.views = 500;
  hc::testing::ServeDriftSite(server_, 21, markup);
  ASSERT_EQ(Crawl(&out, "--summary json"), 4) << out << Log();
  const nlohmann::json summary = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << out;
  EXPECT_EQ(summary["outcome"], "degraded");
  EXPECT_EQ(summary["drift"]["degraded"], true);
  EXPECT_EQ(summary["drift"]["fields"][0]["field"], "answers.doctor_name");
  EXPECT_EQ(summary["drift"]["fields"][0]["rate"], 0.0);
  EXPECT_NE(
      Log().find(
          "crawl demo: degraded: question answers.doctor_name 0.0% (0/63; baseline 66.7%, median of 1 run)"),
      std::string::npos)
      << Log();

  markup.views = 600;
  hc::testing::ServeDriftSite(server_, 21, markup);
  ASSERT_EQ(Crawl(&out), 4) << out << Log();
  EXPECT_NE(out.find("  outcome: degraded: fill rates fell below their baselines"), std::string::npos) << out;
  EXPECT_NE(out.find("  degraded: question answers.doctor_name 0.0% (0/63; baseline 66.7%, median of 1 run)"),
            std::string::npos)
      << out;

  ASSERT_EQ(RunCommand(Cli("stats --db " + Quote(db())), &out), 0) << out;
  EXPECT_NE(out.find("\nDegraded runs, newest first (docs/drift.md: fill rates below their baseline)\n"
                     "  run 3 demo "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("    question answers.doctor_name 0.0% (0/63;"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(Cli("stats --json --db " + Quote(db())), &out), 0) << out;
  const nlohmann::json stats = nlohmann::json::parse(out, nullptr, false);
  ASSERT_TRUE(stats.is_object()) << out;
  ASSERT_EQ(stats["degraded_runs"].size(), 2u) << out;
  EXPECT_EQ(stats["degraded_runs"][1]["run"], 2);

  ASSERT_EQ(RunCommand(Cli("schedule history --all --db " + Quote(db())), &out), 0) << out;
  EXPECT_NE(out.find(" degraded "), std::string::npos) << out;
  EXPECT_NE(out.find("       degraded: question answers.doctor_name 0.0% (0/63;"), std::string::npos) << out;
}

TEST_F(DriftCliTest, AlertsNamingAMissingFieldAreRefusedAtLoad) {
  WriteFile(dir_ / "selectors/demo.yaml",
            std::string(hc::testing::kDriftConfig) + "alerts:\n  fill: {answers.doctor_nam: 0.9}\n");
  std::string out;
  EXPECT_EQ(RunCommand(Cli("crawl --site demo --db " + Quote(db())), &out, /*merge_stderr=*/true), 2) << out;
  EXPECT_NE(out.find("demo.yaml:21:10: alerts.fill: no page type has a field 'answers.doctor_nam'"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("did you mean 'answers.doctor_name'?"), std::string::npos) << out;
}

}  // namespace
