// ComputeStats' per-field conversion notes: read from crawl_runs.extra.field_notes of each site's latest
// finished crawl run, never from an older run, an unfinished one or another command's. How `stats`
// shows them is tested in tests/cli/stats_format_test.cc.
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::At;

class FieldNotesStatsTest : public hc::testing::BackendTest {
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
  // A run of `command` for `site`, finished (with `extra`) unless `finish` is false.
  void Run(const std::string& command, const std::string& site, const Json& extra, bool finish = true) {
    auto id = store_->BeginRun({command, site, At("2026-03-01T00:00:00Z")});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    if (!finish) return;
    RunStats stats;
    stats.finished_at = At("2026-03-01T00:05:00Z");
    stats.extra = extra;
    ASSERT_TRUE(store_->FinishRun(*id, stats).ok());
  }
  static Json Notes(int64_t count, const std::string& example) {
    return {{"field_notes",
             {{"article.views", {{"count", count}, {"example", example}, {"url", "https://a/1"}}}}}};
  }

  FakeClock clock_{At("2026-03-01T00:00:00Z")};
  std::unique_ptr<Database> store_;
};

TEST_P(FieldNotesStatsTest, LatestFinishedCrawlPerSite) {
  Run("crawl", "mfk", Notes(7, "\"old\" is not a count"));  // run 1: superseded by run 2
  Run("crawl", "mfk", Notes(3, "\"1.2\" is not a count"));  // run 2: the latest finished
  Run("crawl", "mfk", Notes(9, "\"running\" is not a count"), /*finish=*/false);
  Run("reextract", "mfk", Notes(5, "\"re\" is not a count"));  // not a crawl
  Run("crawl", "xywy", Json::object());                        // run 5: a crawl without notes
  Run("crawl", "jk39", {{"field_notes", "not an object"}});    // a damaged member is skipped

  auto stats = store_->ComputeStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_EQ(stats->field_notes.size(), 1u);
  const auto& n = stats->field_notes[0];
  EXPECT_EQ(n.site, "mfk");
  EXPECT_EQ(n.run_id, 2);
  EXPECT_EQ(n.field, "article.views");
  EXPECT_EQ(n.notes, 3);
  EXPECT_EQ(n.example, "\"1.2\" is not a count");
  EXPECT_EQ(n.url, "https://a/1");
}

TEST_P(FieldNotesStatsTest, NoneSaidSo) {
  auto stats = store_->ComputeStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(stats->field_notes.empty());
}

HC_INSTANTIATE_BACKEND_TEST(FieldNotesStatsTest);

}  // namespace
}  // namespace hc::store
