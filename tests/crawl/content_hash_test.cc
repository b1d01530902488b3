// content_hash survives typed records (issue #12 point 2): each golden page, extracted and stored the
// way a crawl does it (the typed records handed straight to PutPage), gets the hash that main computed
// over its JSON records before the records were typed. A stored page must not show as changed after an
// upgrade, so these values are pinned, never regenerated.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "extract/extract.h"
#include "store/page_builders.h"
#include "store/store.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

// url -> pages.content_hash, from main at d17967c (every fixture extracted with its site's bundled
// config and stored with SqliteStore::PutPage).
const std::map<std::string, std::string> kHashesBeforeTypedRecords = {
    // HASHES
};

TEST(ContentHashTest, GoldenPagesKeepTheHashesComputedBeforeRecordsWereTyped) {
  const auto fixtures = extract::FindFixtures(hc::testing::FixturesDir() / "sites");
  ASSERT_EQ(fixtures.size(), kHashesBeforeTypedRecords.size());
  hc::testing::TempDir dir;
  auto store = store::SqliteStore::Open(dir / "hash.db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (const extract::FixturePage& fixture : fixtures) {
    SCOPED_TRACE(fixture.name);
    auto program = extract::LoadSite(hc::testing::SelectorsDir(), fixture.site);
    ASSERT_TRUE(program.ok()) << program.status().ToString();
    auto run = extract::RunFixture(*program, fixture);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    store::PageObservation page;
    page.site = run->page.site;
    page.url = run->page.url;
    page.page_type = run->page.page_type;
    page.http_status = 200;
    page.fetched_at = run->input.fetched_at;
    page.records = run->page.records;
    ASSERT_TRUE((*store)->PutPage(page).ok());
  }
  ASSERT_TRUE((*store)->Flush().ok());
  store::testing::Peek peek((dir / "hash.db").string());
  for (const auto& [url, hash] : kHashesBeforeTypedRecords) {
    SCOPED_TRACE(url);
    EXPECT_EQ(peek.Text("SELECT content_hash FROM pages WHERE url = '" + url + "'"), hash);
  }
}

}  // namespace
}  // namespace hc::crawl
