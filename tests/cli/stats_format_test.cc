// How `healthcrawl stats` shows a report (cli/stats_format.h), on reports that the store computed:
// the conversion notes of each site's latest crawl, "none" when there are none, and each failure
// reason. What ComputeStats counts is tested in tests/store (field_notes_stats_test.cc).
#include "cli/stats_format.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "core/clock.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::cli {
namespace {

using store::Json;

TimePoint At(const std::string& iso) {
  TimePoint t{};
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

class StatsFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.clock = &clock_;
    auto s = store::OpenDatabase((dir_ / "crawl.db").string(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  // A finished run of `command` for `site` with `extra`.
  void Run(const std::string& command, const std::string& site, const Json& extra) {
    auto id = store_->BeginRun({command, site, At("2026-03-01T00:00:00Z")});
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    store::RunStats stats;
    stats.finished_at = At("2026-03-01T00:05:00Z");
    stats.extra = extra;
    ASSERT_TRUE(store_->FinishRun(*id, stats).ok());
  }
  static Json Notes(int64_t count, const std::string& example) {
    return {{"field_notes",
             {{"article.views", {{"count", count}, {"example", example}, {"url", "https://a/1"}}}}}};
  }

  hc::testing::TempDir dir_;
  FakeClock clock_{At("2026-03-01T00:00:00Z")};
  std::unique_ptr<store::Database> store_;
};

TEST_F(StatsFormatTest, LatestCrawlsConversionNotesInTextAndJson) {
  Run("crawl", "mfk", Notes(7, "\"old\" is not a count"));  // run 1: superseded by run 2
  Run("crawl", "mfk", Notes(3, "\"1.2\" is not a count"));  // run 2: the latest finished

  auto stats = store_->ComputeStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  ASSERT_EQ(stats->field_notes.size(), 1u);

  const std::string text = FormatStats(*stats);
  EXPECT_NE(text.find("Conversion notes per field"), std::string::npos) << text;
  EXPECT_NE(text.find("article.views, e.g. \"1.2\" is not a count (https://a/1)"), std::string::npos) << text;
  EXPECT_EQ(text.find("old"), std::string::npos) << text;
  const Json j = StatsToJson(*stats);
  ASSERT_EQ(j["field_notes"].size(), 1u);
  EXPECT_EQ(j["field_notes"][0]["notes"], 3);
  EXPECT_EQ(j["field_notes"][0]["run_id"], 2);
}

TEST_F(StatsFormatTest, NoConversionNotesSaidSo) {
  auto stats = store_->ComputeStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_TRUE(stats->field_notes.empty());
  const std::string text = FormatStats(*stats);
  EXPECT_NE(
      text.find(
          "Conversion notes per field in each site's latest crawl (values found but unreadable)\n  none\n"),
      std::string::npos)
      << text;
}

// The poison-page test (tests/crawl/poison_test.cc) checks the failure in ComputeStats; this checks
// that the text report and the JSON name it.
TEST_F(StatsFormatTest, FailureReasonShown) {
  const std::string reason = "parse: the crawler died 3 times while parsing this page";
  store::PageObservation page;
  page.site = "mfk";
  page.url = "https://www.mfk.com/a/1.html";
  page.fetched_at = At("2026-03-01T00:01:00Z");
  page.failure_reason = reason;
  ASSERT_TRUE(store_->PutPage(page).ok());
  ASSERT_TRUE(store_->Flush().ok());

  auto stats = store_->ComputeStats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  const std::string text = FormatStats(*stats);
  EXPECT_NE(text.find("Failures by reason"), std::string::npos) << text;
  EXPECT_NE(text.find(reason), std::string::npos) << text;
  const Json j = StatsToJson(*stats);
  ASSERT_EQ(j["failures"].size(), 1u);
  EXPECT_EQ(j["failures"][0]["reason"], reason);
  EXPECT_EQ(j["failures"][0]["pages"], 1);
  EXPECT_EQ(j["failures"][0]["events"], 1);
}

}  // namespace
}  // namespace hc::cli
