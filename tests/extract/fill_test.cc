// Fill counts for the drift alarm (docs/drift.md): what FillTally counts per page type and field (a
// list field per item), and the `alerts:` block of a config — read with its defaults, and every
// mistake refused at load as file:line:column.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "extract/extract.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

constexpr const char* kFile = "selectors/demo.yaml";

const std::string kConfig = R"(site: demo
page_types:
  - name: listing
    url: '/list'
  - name: question
    url: '/q/'
    record: question
    fields:
      title: h1
    extra:
      category: .cat
    lists:
      answers:
        css: .answer
        fields:
          doctor_name: .doctor
)";

SelectorProgram Load(const std::string& yaml) {
  auto program = SelectorProgram::FromYaml(yaml, kFile);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  return std::move(*program);
}

std::vector<std::string> Describe(const std::vector<FieldFill>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) {
    out.push_back(f.page_type + " " + f.field + " " + std::to_string(f.filled) + "/" +
                  std::to_string(f.total));
  }
  return out;
}

TEST(FillTallyTest, CountsRecordsAndListItems) {
  const SelectorProgram program = Load(kConfig);
  FillTally tally(program);
  using J = nlohmann::ordered_json;
  // Three answers, two with a doctor; "" counts as empty.
  tally.Add("question", J::parse(R"([{"title": "a", "extra": {"category": "骨科"},
      "answers": [{"doctor_name": "杜俊秋"}, {"doctor_name": null}, {"doctor_name": "毕连涌"}]}])"));
  // No answers at all, an empty title.
  tally.Add("question", J::parse(R"([{"title": "", "extra": {}, "answers": []}])"));
  tally.Add("listing", J::array());  // a links-only page type counts nothing
  tally.Add("", J::array());
  const auto types = tally.page_types();
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].page_type, "question");
  EXPECT_EQ(types[0].pages, 2);
  EXPECT_EQ(types[0].records, 2);
  EXPECT_EQ(Describe(tally.fields()), (std::vector<std::string>{
                                          "question title 1/2", "question extra.category 1/2",
                                          "question answers 1/2",              // records with an answer
                                          "question answers.doctor_name 2/3",  // per answer
                                      }));
}

// The crawl tallies the typed records; the counts are those of the page JSON, on every fixture page
// of every bundled config (lists, extra, child lists).
TEST(FillTallyTest, TypedRecordsCountAsTheirJson) {
  std::map<std::string, SelectorProgram> programs;
  std::map<std::string, std::pair<FillTally, FillTally>> tallies;  // site -> (from JSON, typed)
  for (const FixturePage& fixture : FindFixtures(hc::testing::FixturesDir() / "sites")) {
    SCOPED_TRACE(fixture.name);
    if (!programs.count(fixture.site)) {
      auto program = LoadSite(hc::testing::SelectorsDir(), fixture.site);
      ASSERT_TRUE(program.ok()) << program.status().ToString();
      programs.emplace(fixture.site, std::move(*program));
      tallies.emplace(fixture.site,
                      std::pair{FillTally(programs.at(fixture.site)), FillTally(programs.at(fixture.site))});
    }
    auto run = RunFixture(programs.at(fixture.site), fixture);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    nlohmann::ordered_json json = nlohmann::ordered_json::array();
    for (const records::Record& r : run->page.records) json.push_back(records::ToJson(r));
    auto& [from_json, typed] = tallies.at(fixture.site);
    from_json.Add(run->page.page_type, json);
    typed.Add(run->page.page_type, run->page.records);
  }
  ASSERT_FALSE(tallies.empty());
  for (const auto& [site, pair] : tallies) {
    SCOPED_TRACE(site);
    EXPECT_EQ(Describe(pair.second.fields()), Describe(pair.first.fields()));
    EXPECT_FALSE(pair.first.fields().empty());
    ASSERT_EQ(pair.second.page_types().size(), pair.first.page_types().size());
    for (size_t i = 0; i < pair.first.page_types().size(); ++i) {
      EXPECT_EQ(pair.second.page_types()[i].pages, pair.first.page_types()[i].pages);
      EXPECT_EQ(pair.second.page_types()[i].records, pair.first.page_types()[i].records);
    }
  }
}

TEST(FillTallyTest, NoPagesNoCounts) {
  const SelectorProgram program = Load(kConfig);
  FillTally tally(program);
  EXPECT_TRUE(tally.page_types().empty());
  EXPECT_TRUE(tally.fields().empty());
}

TEST(AlertsConfigTest, DefaultsAndEveryKey) {
  const FillAlerts defaults = Load(kConfig).config().alerts;
  EXPECT_DOUBLE_EQ(defaults.threshold, 0.20);
  EXPECT_EQ(defaults.min_pages, 20);
  EXPECT_EQ(defaults.baseline_runs, 5);
  EXPECT_TRUE(defaults.floors.empty());
  EXPECT_EQ(defaults.webhook_url, "");
  EXPECT_FALSE(defaults.webhook_allow_private_addresses);

  const FillAlerts a = Load(kConfig + R"(alerts:
  threshold: 0.1
  min_pages: 50
  baseline_runs: 3
  fill: {title: 0.99, answers.doctor_name: 0.95, question/extra.category: 0.5}
  webhook: {url: 'https://hooks.example.org/drift', allow_private_addresses: true}
)")
                           .config()
                           .alerts;
  EXPECT_DOUBLE_EQ(a.threshold, 0.1);
  EXPECT_EQ(a.min_pages, 50);
  EXPECT_EQ(a.baseline_runs, 3);
  ASSERT_EQ(a.floors.size(), 3u);
  EXPECT_EQ(a.floors[0].field, "title");
  EXPECT_EQ(a.floors[0].page_type, "");
  EXPECT_DOUBLE_EQ(a.floors[0].rate, 0.99);
  EXPECT_EQ(a.floors[1].field, "answers.doctor_name");
  EXPECT_EQ(a.floors[2].page_type, "question");
  EXPECT_EQ(a.floors[2].field, "extra.category");
  EXPECT_EQ(a.webhook_url, "https://hooks.example.org/drift");
  EXPECT_TRUE(a.webhook_allow_private_addresses);
}

TEST(AlertsConfigTest, MistakesAreRefusedAtTheirPlace) {
  // kConfig has 16 lines; `alerts:` is line 17, its first entry line 18 at column 3.
  struct Case {
    const char* name;
    std::string alerts;
    std::string location;
    std::string message;
  };
  const Case cases[] = {
      {"not a mapping", "alerts: yes\n", "17:9", "alerts must be a mapping"},
      {"unknown key", "alerts:\n  treshold: 0.2\n", "18:3",
       "unknown key 'treshold' in alerts (did you mean 'threshold'?)"},
      {"threshold not a number", "alerts:\n  threshold: high\n", "18:14",
       "alerts.threshold must be a number"},
      {"threshold in points", "alerts:\n  threshold: 20\n", "18:14",
       "a fraction of 1 (0.2 is 20 percentage points)"},
      {"min_pages not an integer", "alerts:\n  min_pages: 2.5\n", "18:14",
       "alerts.min_pages must be an integer"},
      {"min_pages zero", "alerts:\n  min_pages: 0\n", "18:14", "alerts.min_pages must be at least 1"},
      {"baseline_runs a list", "alerts:\n  baseline_runs: [5]\n", "18:18",
       "alerts.baseline_runs must be an integer"},
      {"fill not a mapping", "alerts:\n  fill: [title]\n", "18:9", "alerts.fill must be a mapping"},
      {"fill names a missing field", "alerts:\n  fill: {titel: 0.9}\n", "18:10",
       "no page type has a field 'titel' (did you mean 'title'?)"},
      {"fill names a field the page type lacks", "alerts:\n  fill: {question/answers.hospital: 0.9}\n",
       "18:10", "page type 'question' has no field 'answers.hospital'"},
      {"fill names a missing page type", "alerts:\n  fill: {article/title: 0.9}\n", "18:10",
       "unknown page type 'article'"},
      {"fill rate a string", "alerts:\n  fill: {title: high}\n", "18:17",
       "alerts.fill.title must be a number"},
      {"fill rate above 1", "alerts:\n  fill: {title: 99}\n", "18:17", "is a fill rate from 0 to 1"},
      {"webhook without url", "alerts:\n  webhook: {allow_private_addresses: true}\n", "18:12",
       "alerts.webhook needs a url"},
      {"webhook url not http", "alerts:\n  webhook: {url: 'ftp://x.org/'}\n", "18:18",
       "must be an absolute http(s) URL"},
      {"webhook flag not a bool",
       "alerts:\n  webhook: {url: 'https://x.org/', allow_private_addresses: maybe}\n", "18:61",
       "must be true or false"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto program = SelectorProgram::FromYaml(kConfig + c.alerts, kFile);
    ASSERT_FALSE(program.ok());
    EXPECT_EQ(program.status().code(), StatusCode::kConfigError);
    const std::string& msg = program.status().message();
    EXPECT_TRUE(msg.starts_with(std::string(kFile) + ":" + c.location + ": ")) << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace hc::extract
