// reextract over a raw archive that mixes rows written before per-site zstd dictionaries (plain frames,
// dictionary_id NULL) with rows compressed with a site's dictionaries (docs/schema.md,
// "zstd_dictionaries"): every archived response is read back and extracted again, with the records it
// gave when it was stored.
#include <gtest/gtest.h>

#include <string>

#include "crawl/crash_support.h"  // QueryInt, QueryOne
#include "crawl/crawl.h"
#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

TEST(ReextractDictionaryTest, EveryArchivedPageIsReadBackWithAndWithoutDictionaries) {
  auto program = hc::testing::LoadProgram("mfk");
  const std::string article =
      hc::testing::ReadFile(hc::testing::FixturesDir() / "sites" / "mfk" / "article.html");
  hc::testing::TempDir dir;
  const auto db = dir / "archive.db";
  TimePoint fetched{};
  ASSERT_TRUE(ParseIso8601("2026-03-01T02:00:00Z", &fetched));
  // The real article page under 90 URLs, each copy with bytes of its own.
  auto page_of = [&](int n) {
    store::RawResponse response;
    response.url = "https://www.mfk.com/article/" + std::to_string(1000 + n) + ".html";
    response.status = 200;
    response.headers = {{"Content-Type", "text/html; charset=utf-8"}};
    response.body = article + "<!-- copy " + std::to_string(n) + " -->";
    response.fetched_at = fetched;
    return ObservePage(program, response, /*archive=*/true);
  };
  auto put = [&](const store::StoreOptions& options, int from, int to) {
    auto store = store::OpenDatabase(db, options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int n = from; n < to; ++n) {
      auto page = page_of(n);
      ASSERT_TRUE(page.failure_reason.empty()) << page.failure_reason;
      ASSERT_TRUE((*store)->PutPage(page).ok());
    }
    ASSERT_TRUE((*store)->Flush().ok());
  };
  store::StoreOptions plain;
  plain.dictionaries.enabled = false;  // the rows an older healthcrawl wrote
  put(plain, 0, 30);
  store::StoreOptions with_dictionaries;
  with_dictionaries.dictionaries.sample_pages = 16;
  put(with_dictionaries, 30, 90);

  using hc::testing::QueryInt;
  using hc::testing::QueryOne;
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM raw_responses WHERE dictionary_id IS NULL"), 30 + 15);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM raw_responses WHERE dictionary_id IS NOT NULL"), 45);
  const std::string kArticles =
      "SELECT group_concat(page_id || '|' || title || '|' || body || '|' || ifnull(published_at, ''), ';')"
      " FROM (SELECT * FROM articles ORDER BY page_id)";
  const std::string articles = QueryOne(db, kArticles);
  ASSERT_EQ(QueryInt(db, "SELECT count(*) FROM articles"), 90);

  auto store = store::OpenDatabase(db, with_dictionaries);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto report = Reextract({&program}, **store, **store, store::RawQuery{.site = "mfk"},
                          ReextractOptions{.workers = 2, .runs = store->get()});
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->responses, 90);
  EXPECT_EQ(report->stored, 90);
  EXPECT_EQ(report->failed, 0);
  EXPECT_EQ(report->skipped, 0);
  EXPECT_EQ(QueryOne(db, kArticles), articles);
  EXPECT_EQ(QueryInt(db, "SELECT count(*) FROM articles"), 90);
}

}  // namespace
}  // namespace hc::crawl
