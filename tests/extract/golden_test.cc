// Golden pages: every fixtures/sites/<site>/<page>.html with a <page>.expected.json beside it is one
// test, extracted with selectors/<site>.yaml and compared with the expected JSON. A new site or page
// adds tests without any C++.
#include <gtest/gtest.h>

#include <cctype>

#include "extract/extract.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

std::vector<FixturePage> AllFixtures() { return FindFixtures(hc::testing::FixturesDir() / "sites"); }

class GoldenTest : public ::testing::TestWithParam<FixturePage> {};

TEST_P(GoldenTest, MatchesExpectedJson) {
  const FixturePage& fixture = GetParam();
  auto program = LoadSite(hc::testing::SelectorsDir(), fixture.site);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  auto run = RunFixture(*program, fixture);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  if (!run->differences.empty()) {
    std::string listing;
    for (const std::string& d : run->differences) listing += "  " + d + "\n";
    ADD_FAILURE() << fixture.name << ": the extraction differs from " << fixture.expected.string() << "\n"
                  << listing << "actual JSON:\n"
                  << run->actual.dump(2);
  }
  // A conversion note is a value the page gave and the config could not read: a fixture declares each
  // one it makes on purpose in <page>.notes.json.
  for (const std::string& d : run->note_differences) ADD_FAILURE() << fixture.name << ": " << d;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenTest, ::testing::ValuesIn(AllFixtures()),
                         [](const ::testing::TestParamInfo<FixturePage>& info) {
                           std::string name;
                           for (char c : info.param.name) {
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           }
                           return name;
                         });
// Before the first fixture lands the suite is empty, which is not an error.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenTest);

TEST(SelectorsFolderTest, EveryConfigLoads) {
  auto programs = LoadAllSites(hc::testing::SelectorsDir());
  ASSERT_TRUE(programs.ok()) << programs.status().ToString();
  for (const SelectorProgram& p : *programs) {
    SCOPED_TRACE(p.config().file);
    EXPECT_FALSE(p.config().page_types.empty());
    EXPECT_FALSE(p.config().allowed_domains.empty()) << "a site config should confine the crawl";
    EXPECT_FALSE(p.config().start_urls.empty());
  }
}

TEST(SelectorsFolderTest, EveryFixtureSiteHasAConfig) {
  for (const FixturePage& f : AllFixtures()) {
    SCOPED_TRACE(f.name);
    EXPECT_TRUE(std::filesystem::is_regular_file(hc::testing::SelectorsDir() / (f.site + ".yaml")));
  }
}

}  // namespace
}  // namespace hc::extract
