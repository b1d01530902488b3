// The drift alarm (issue 14 point 4, docs/drift.md): JudgeFill's rules as a table, then whole crawls of
// a loopback site whose markup changes (a class renamed), stays the same, grows or shrinks between
// runs, and the webhook a degraded run fires.
#include "crawl/drift.h"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "crawl/crawl.h"
#include "crawl/curl_crawl.h"
#include "crawl/drift_site.h"
#include "crawl/fixture_site.h"
#include "store/database.h"
#include "store/page_builders.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

using std::chrono::hours;

store::RunFill FillOf(int64_t id, int64_t pages, std::vector<store::FieldFillCount> fields,
                      std::string outcome = "ok") {
  store::RunFill run;
  run.run_id = id;
  run.site = "demo";
  run.outcome = std::move(outcome);
  run.page_types = {{"question", pages, pages}};
  run.fields = std::move(fields);
  return run;
}

store::FieldFillCount Title(int64_t filled, int64_t total) { return {"question", "title", filled, total}; }

TEST(JudgeFillTest, Rules) {
  extract::FillAlerts defaults;
  extract::FillAlerts floor = defaults;
  floor.floors = {{"", "title", 0.99}};
  extract::FillAlerts typed_floor = defaults;
  typed_floor.floors = {{"question", "title", 0.5}, {"", "title", 0.99}};
  extract::FillAlerts two_runs = defaults;
  two_runs.baseline_runs = 2;
  struct Case {
    const char* name;
    store::RunFill run;
    std::vector<store::RunFill> history;
    const extract::FillAlerts& alerts;
    std::vector<std::string> alarms;  // "field basis"
    bool judged;
  };
  const std::vector<Case> cases = {
      {"no history and no floor: nothing to compare with",
       FillOf(9, 30, {Title(0, 30)}),
       {},
       defaults,
       {},
       true},
      {"a fall of more than 20 points from the median",
       FillOf(9, 30, {Title(20, 30)}),
       {FillOf(8, 30, {Title(30, 30)}), FillOf(7, 30, {Title(29, 30)}), FillOf(6, 30, {Title(10, 30)})},
       defaults,
       {"title median of 3 runs"},
       true},
      {"a fall of exactly 20 points is within the threshold",
       FillOf(9, 25, {Title(20, 25)}),
       {FillOf(8, 25, {Title(25, 25)})},
       defaults,
       {},
       true},
      {"the same rate never alarms",
       FillOf(9, 30, {Title(20, 30)}),
       {FillOf(8, 30, {Title(20, 30)})},
       defaults,
       {},
       true},
      {"a rise never alarms",
       FillOf(9, 30, {Title(30, 30)}),
       {FillOf(8, 30, {Title(3, 30)})},
       defaults,
       {},
       true},
      {"too few pages: not judged",
       FillOf(9, 19, {Title(0, 19)}),
       {FillOf(8, 30, {Title(30, 30)})},
       defaults,
       {},
       false},
      {"history runs with too few pages are no baseline",
       FillOf(9, 30, {Title(0, 30)}),
       {FillOf(8, 10, {Title(10, 10)})},
       defaults,
       {},
       true},
      {"degraded and unfinished runs are no baseline",
       FillOf(9, 30, {Title(0, 30)}),
       {FillOf(8, 30, {Title(30, 30)}, "degraded"), FillOf(7, 30, {Title(30, 30)}, "")},
       defaults,
       {},
       true},
      {"only the newest baseline_runs count",
       FillOf(9, 30, {Title(15, 30)}),
       {FillOf(8, 30, {Title(15, 30)}), FillOf(7, 30, {Title(15, 30)}), FillOf(6, 30, {Title(30, 30)}),
        FillOf(5, 30, {Title(30, 30)}), FillOf(4, 30, {Title(30, 30)})},
       two_runs,
       {},
       true},
      {"a floor alarms below it without history",
       FillOf(9, 30, {Title(29, 30)}),
       {},
       floor,
       {"title floor"},
       true},
      {"a floor replaces the median",
       FillOf(9, 30, {Title(30, 30)}),
       {FillOf(8, 30, {Title(3, 30)})},
       floor,
       {},
       true},
      {"a page type's floor wins over the field's",
       FillOf(9, 30, {Title(20, 30)}),
       {},
       typed_floor,
       {},
       true},
      {"a field without values to count is not judged",
       FillOf(9, 30, {Title(0, 0)}),
       {FillOf(8, 30, {Title(30, 30)})},
       defaults,
       {},
       true},
      {"a list item's field",
       FillOf(9, 30, {{"question", "answers.doctor_name", 0, 90}}),
       {FillOf(8, 30, {{"question", "answers.doctor_name", 60, 90}})},
       defaults,
       {"answers.doctor_name median of 1 run"},
       true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const DriftVerdict verdict = JudgeFill(c.run, c.history, c.alerts);
    std::vector<std::string> got;
    for (const auto& a : verdict.alarms) got.push_back(a.field + " " + a.basis);
    EXPECT_EQ(got, c.alarms);
    EXPECT_EQ(verdict.judged.size() == 1, c.judged);
    EXPECT_EQ(verdict.degraded(), !c.alarms.empty());
  }
}

TEST(JudgeFillTest, AlarmCarriesRateAndBaseline) {
  const DriftVerdict verdict = JudgeFill(
      FillOf(9, 20, {Title(5, 20)}), {FillOf(8, 20, {Title(20, 20)}), FillOf(7, 20, {Title(18, 20)})}, {});
  ASSERT_EQ(verdict.alarms.size(), 1u);
  EXPECT_DOUBLE_EQ(verdict.alarms[0].rate, 0.25);
  EXPECT_DOUBLE_EQ(verdict.alarms[0].baseline, 0.95);  // the median of 1.0 and 0.9
  EXPECT_EQ(DescribeAlarms(verdict.alarms),
            std::vector<std::string>{"question title 25.0% (5/20; baseline 95.0%, median of 2 runs)"});
  const auto payload = DriftWebhookPayload("demo", 9, "nightly", verdict);
  EXPECT_EQ(payload["site"], "demo");
  EXPECT_EQ(payload["run"], 9);
  EXPECT_EQ(payload["fields"][0]["field"], "title");
  EXPECT_DOUBLE_EQ(payload["fields"][0]["rate"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(payload["fields"][0]["baseline"].get<double>(), 0.95);
}

// Whole crawls of the drift site into one database, a day apart, every page fetched again.
class DriftCrawlTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = (dir_ / "crawl.db").string(); }

  extract::SelectorProgram Program(const std::string& alerts = "") {
    auto program =
        extract::SelectorProgram::FromYaml(std::string(hc::testing::kDriftConfig) + alerts, "demo.yaml");
    EXPECT_TRUE(program.ok()) << program.status().ToString();
    return std::move(*program);
  }

  CrawlReport Crawl(int pages, const hc::testing::DriftMarkup& markup, const std::string& alerts = "") {
    hc::testing::ServeDriftSite(server_, pages, markup);
    clock_.Advance(hours(24));
    store::StoreOptions store_options;
    store_options.clock = &clock_;
    auto store = store::OpenDatabase(path_, store_options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    CrawlOptions options = hc::testing::FastOptions(server_, "www.demo.com");
    options.clock = &clock_;
    options.recrawl = CrawlOptions::Recrawl::kAll;
    options.runs = store->get();
    options.fill_history = store->get();
    const extract::SelectorProgram program = Program(alerts);
    auto report = CrawlOverCurl(program, **store, options);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : CrawlReport{};
  }

  std::vector<store::DegradedRun> Degraded() {
    auto store = store::OpenDatabase(path_, {.read_only = true});
    EXPECT_TRUE(store.ok());
    auto runs = (*store)->ListDegradedRuns("demo", 0);
    EXPECT_TRUE(runs.ok());
    return runs.ok() ? *runs : std::vector<store::DegradedRun>{};
  }

  static std::vector<std::string> Fields(const DriftVerdict& verdict) {
    std::vector<std::string> out;
    for (const auto& a : verdict.alarms) out.push_back(a.page_type + " " + a.field);
    return out;
  }

  hc::testing::HttpServer server_;
  hc::testing::TempDir dir_;
  std::string path_;
  FakeClock clock_{store::testing::At("2026-03-01T02:00:00Z")};
};

TEST_F(DriftCrawlTest, RenamedClassRaisesTheAlarmNamingTheField) {
  hc::testing::DriftMarkup before;
  const CrawlReport first = Crawl(25, before);
  EXPECT_EQ(first.stored, 26);
  EXPECT_FALSE(first.drift.degraded());
  EXPECT_EQ(first.drift.judged, std::vector<std::string>{"question"});
  EXPECT_EQ(RunOutcome(first), "ok");

  hc::testing::DriftMarkup after = before;
  after.views = 200;
  after.doctor_class = "doc-name";  // the redesign
  const CrawlReport second = Crawl(25, after);
  EXPECT_EQ(Fields(second.drift), std::vector<std::string>{"question answers.doctor_name"});
  ASSERT_EQ(second.drift.alarms.size(), 1u);
  EXPECT_EQ(second.drift.alarms[0].filled, 0);
  EXPECT_EQ(second.drift.alarms[0].total, 75);  // per answer: three on each of 25 questions
  EXPECT_NEAR(second.drift.alarms[0].baseline, 2.0 / 3.0, 1e-9);
  EXPECT_EQ(RunOutcome(second), "degraded");

  const auto degraded = Degraded();
  ASSERT_EQ(degraded.size(), 1u);
  EXPECT_EQ(degraded[0].run_id, second.run_id);
  ASSERT_EQ(degraded[0].alarms.size(), 1u);
  EXPECT_EQ(degraded[0].alarms[0].field, "answers.doctor_name");

  // The degraded run is no baseline: the next run with the same broken markup still alarms, and the
  // crawl_runs row says degraded.
  after.views = 300;
  EXPECT_EQ(Fields(Crawl(25, after).drift), std::vector<std::string>{"question answers.doctor_name"});
  auto store = store::OpenDatabase(path_, {.read_only = true});
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->ListRuns("", true, 10);
  ASSERT_TRUE(runs.ok());
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_EQ((*runs)[0].stats.outcome, "degraded");
  EXPECT_EQ((*runs)[0].stats.extra["drift"]["fields"][0]["field"], "answers.doctor_name");
  EXPECT_EQ((*runs)[2].stats.outcome, "ok");
  auto fill = (*store)->ListRunFill("demo", /*good_only=*/false, 0);
  ASSERT_TRUE(fill.ok());
  ASSERT_EQ(fill->size(), 3u);
  EXPECT_EQ((*fill)[2].page_types.size(), 1u);  // the listing has no record: not counted
  EXPECT_EQ((*fill)[2].page_types[0].pages, 25);
}

TEST_F(DriftCrawlTest, UnchangedGrowingAndShrinkingSitesNeverAlarm) {
  hc::testing::DriftMarkup markup;
  EXPECT_FALSE(Crawl(30, markup).drift.degraded());
  for (int pages : {30, 60, 21}) {
    SCOPED_TRACE(pages);
    markup.views += 100;
    if (pages < 30) {
      for (int id = pages + 1; id <= 60; ++id) {
        server_.Route("/q/" + std::to_string(id) + ".html",
                      hc::testing::HttpResponse{.status = 404, .body = "gone"});
      }
    }
    const CrawlReport report = Crawl(pages, markup);
    EXPECT_EQ(report.drift.judged, std::vector<std::string>{"question"});
    EXPECT_EQ(Fields(report.drift), std::vector<std::string>{});
    EXPECT_EQ(RunOutcome(report), "ok");
  }
  EXPECT_TRUE(Degraded().empty());
}

TEST_F(DriftCrawlTest, TooFewPagesAreNotJudged) {
  hc::testing::DriftMarkup markup;
  Crawl(10, markup);
  markup.doctor_class = "gone";
  markup.views = 500;
  const CrawlReport report = Crawl(10, markup);
  EXPECT_FALSE(report.drift.degraded());
  EXPECT_EQ(report.drift.too_few_pages, std::vector<std::string>{"question"});
  // With alerts.min_pages lowered to 10 the same run is judged.
  markup.views = 600;
  EXPECT_EQ(Fields(Crawl(10, markup, "alerts: {min_pages: 10}\n").drift),
            std::vector<std::string>{"question answers.doctor_name"});
}

TEST_F(DriftCrawlTest, ConfigFloorsAlarmOnTheFirstRun) {
  hc::testing::DriftMarkup markup;
  const CrawlReport report = Crawl(21, markup, "alerts:\n  fill: {title: 0.99, description: 0.9}\n");
  // Two of three questions have a description: below its 0.9 floor; titles are all there.
  EXPECT_EQ(Fields(report.drift), std::vector<std::string>{"question description"});
  ASSERT_EQ(report.drift.alarms.size(), 1u);
  EXPECT_EQ(report.drift.alarms[0].basis, "floor");
  EXPECT_DOUBLE_EQ(report.drift.alarms[0].baseline, 0.9);
}

// The webhook: one POST of the documented payload per degraded run, to a loopback receiver that the
// config allows; a dead receiver is logged and changes nothing.
TEST_F(DriftCrawlTest, WebhookPostsThePayloadOnce) {
  hc::testing::HttpServer receiver;
  receiver.Route("/hook", hc::testing::HttpResponse{.status = 204});
  const std::string alerts =
      "alerts:\n  webhook: {url: '" + receiver.Url("/hook") + "', allow_private_addresses: true}\n";
  hc::testing::DriftMarkup markup;
  Crawl(20, markup, alerts);
  EXPECT_TRUE(receiver.RequestsFor("/hook").empty());  // not degraded: no POST
  markup.doctor_class = "renamed";
  markup.views = 900;
  const CrawlReport report = Crawl(20, markup, alerts);
  ASSERT_TRUE(report.drift.degraded());
  const auto posts = receiver.RequestsFor("/hook");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].method, "POST");
  EXPECT_EQ(posts[0].Header("content-type"), "application/json");
  const auto body = nlohmann::json::parse(posts[0].body);
  EXPECT_EQ(body["event"], "healthcrawl.fill_drift");
  EXPECT_EQ(body["site"], "demo");
  EXPECT_EQ(body["run"], report.run_id);
  ASSERT_EQ(body["fields"].size(), 1u);
  EXPECT_EQ(body["fields"][0]["field"], "answers.doctor_name");
  EXPECT_EQ(body["fields"][0]["rate"], 0.0);
}

TEST_F(DriftCrawlTest, WebhookToAPrivateAddressIsRefusedUnlessAllowed) {
  hc::testing::HttpServer receiver;
  receiver.Route("/hook", hc::testing::HttpResponse{.status = 204});
  const std::string alerts = "alerts:\n  webhook: {url: '" + receiver.Url("/hook") + "'}\n";
  hc::testing::DriftMarkup markup;
  Crawl(20, markup, alerts);
  markup.doctor_class = "renamed";
  markup.views = 900;
  const CrawlReport report = Crawl(20, markup, alerts);
  EXPECT_TRUE(report.drift.degraded());
  EXPECT_TRUE(receiver.RequestsFor("/hook").empty());
}

TEST_F(DriftCrawlTest, DeadWebhookNeitherFailsNorChangesTheRun) {
  hc::testing::RefusingPort dead;
  const std::string alerts =
      "alerts:\n  webhook: {url: '" + dead.Url("/hook") + "', allow_private_addresses: true}\n";
  hc::testing::DriftMarkup markup;
  Crawl(20, markup, alerts);
  markup.doctor_class = "renamed";
  markup.views = 900;
  const CrawlReport report = Crawl(20, markup, alerts);
  EXPECT_EQ(RunOutcome(report), "degraded");
}

}  // namespace
}  // namespace hc::crawl
