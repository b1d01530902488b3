// The drift alarm's tables (store/drift.h, docs/schema.md): a run's fill counts and alarms written and
// read back, good runs told from the rest, newest first, per site; on both backends.
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::At;

class DriftStoreTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    StoreOptions options;
    options.clock = &clock_;
    auto s = Open(options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // A crawl run of `site` with fill counts, finished with `outcome` ("" leaves it running).
  int64_t Run(const std::string& site, const std::string& outcome, int64_t filled) {
    auto id = store_->BeginRun({"crawl", site, At("2026-03-01T00:00:00Z")});
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    RunFill fill;
    fill.run_id = *id;
    fill.site = site;
    fill.page_types = {{"question", 30, 30}};
    fill.fields = {{"question", "title", filled, 30}, {"question", "answers.doctor_name", filled, 90}};
    EXPECT_TRUE(store_->PutRunFill(fill).ok());
    if (!outcome.empty()) {
      RunStats stats;
      stats.finished_at = At("2026-03-01T00:05:00Z");
      stats.outcome = outcome;
      EXPECT_TRUE(store_->FinishRun(*id, stats).ok());
    }
    return *id;
  }

  FakeClock clock_{At("2026-03-01T00:00:00Z")};
  std::unique_ptr<Database> store_;
};

TEST_P(DriftStoreTest, RunFillRoundTripsNewestFirst) {
  const int64_t a = Run("demo", "ok", 30);
  const int64_t b = Run("demo", "degraded", 0);
  const int64_t c = Run("demo", "interrupted", 29);
  const int64_t d = Run("demo", "", 28);
  Run("other", "ok", 1);
  const int64_t e = Run("demo", "ok", 27);

  auto all = store_->ListRunFill("demo", /*good_only=*/false, 0);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  std::vector<int64_t> ids;
  for (const auto& r : *all) ids.push_back(r.run_id);
  EXPECT_EQ(ids, (std::vector<int64_t>{e, d, c, b, a}));
  EXPECT_EQ((*all)[3].outcome, "degraded");
  ASSERT_EQ((*all)[0].fields.size(), 2u);
  EXPECT_EQ((*all)[0].fields[1].field, "answers.doctor_name");
  EXPECT_EQ((*all)[0].fields[1].filled, 27);
  EXPECT_EQ((*all)[0].fields[1].total, 90);
  ASSERT_EQ((*all)[0].page_types.size(), 1u);
  EXPECT_EQ((*all)[0].page_types[0].pages, 30);

  auto good = store_->ListRunFill("demo", /*good_only=*/true, 0);
  ASSERT_TRUE(good.ok());
  ids.clear();
  for (const auto& r : *good) ids.push_back(r.run_id);
  EXPECT_EQ(ids, (std::vector<int64_t>{e, a}));

  auto newest = store_->ListRunFill("demo", /*good_only=*/false, 2);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->size(), 2u);

  // Writing a run's counts again replaces them.
  RunFill again;
  again.run_id = e;
  again.site = "demo";
  again.page_types = {{"question", 5, 5}};
  ASSERT_TRUE(store_->PutRunFill(again).ok());
  auto replaced = store_->ListRunFill("demo", false, 1);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE((*replaced)[0].fields.empty());
  EXPECT_EQ((*replaced)[0].page_types[0].pages, 5);
}

TEST_P(DriftStoreTest, AlarmsListedPerDegradedRun) {
  const int64_t first = Run("demo", "degraded", 0);
  Run("demo", "ok", 30);
  const int64_t other = Run("other", "degraded", 0);
  ASSERT_TRUE(store_
                  ->PutFillAlarms(first, "demo",
                                  {{"question", "title", 0, 30, 0.0, 1.0, "median of 1 run"},
                                   {"question", "answers.doctor_name", 0, 90, 0.0, 0.9, "floor"}})
                  .ok());
  ASSERT_TRUE(
      store_->PutFillAlarms(other, "other", {{"question", "title", 3, 30, 0.1, 1.0, "median of 2 runs"}})
          .ok());

  auto demo = store_->ListDegradedRuns("demo", 0);
  ASSERT_TRUE(demo.ok()) << demo.status().ToString();
  ASSERT_EQ(demo->size(), 1u);
  EXPECT_EQ((*demo)[0].run_id, first);
  EXPECT_EQ((*demo)[0].site, "demo");
  ASSERT_EQ((*demo)[0].alarms.size(), 2u);
  EXPECT_EQ((*demo)[0].alarms[1].field, "answers.doctor_name");
  EXPECT_DOUBLE_EQ((*demo)[0].alarms[1].baseline, 0.9);
  EXPECT_EQ((*demo)[0].alarms[1].basis, "floor");

  auto every = store_->ListDegradedRuns("", 0);
  ASSERT_TRUE(every.ok());
  ASSERT_EQ(every->size(), 2u);
  EXPECT_EQ((*every)[0].run_id, other);  // newest first
  auto one = store_->ListDegradedRuns("", 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
}

HC_INSTANTIATE_BACKEND_TEST(DriftStoreTest);

}  // namespace
}  // namespace hc::store
