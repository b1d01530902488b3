// PostgreSQL's change sequence (migration 13, docs/schema.md "change_seq and exports"): writers of
// several processes take numbers without queueing on one row, and an export's watermark still never
// passes a number whose rows are not committed yet. Against the test cluster's real server.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include "store/copy.h"
#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using hc::testing::Backend;
using hc::testing::BackendPeek;
using testing::Article;
using testing::At;
using testing::Page;

class PgChangeSeqTest : public hc::testing::PgDatabaseTest {
 protected:
  std::unique_ptr<Database> OpenOk(const std::string& location) {
    // Batches of several pages, as these tests hold a batch open across PutPage calls (the default on
    // PostgreSQL is one page a transaction).
    auto db = OpenDatabase(location, {.batch_pages = 10, .clock = &clock_});
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  static PageObservation ArticlePage(int n) {
    return Page("https://www.mfk.com/article/" + std::to_string(n) + ".html", "2026-03-01T02:00:00Z",
                Article("文章 " + std::to_string(n), 100 + n));
  }
  FakeClock clock_{At("2026-03-01T00:00:00Z")};
};

// Before migration 13 the second writer's first page waited for the first writer's batch to commit
// (the one change_seq row stayed locked): crawlers on one database wrote one batch at a time.
TEST_F(PgChangeSeqTest, TwoWritersWithOpenBatchesDoNotWaitForEachOther) {
  auto first = OpenOk(conninfo());
  auto second = OpenOk(conninfo());
  ASSERT_TRUE(first && second);
  // The site's row exists, as it does after a crawl's first batch (two batches that both insert one
  // new row with the same key do wait: the second for the first's outcome).
  ASSERT_TRUE(first->PutPage(ArticlePage(0)).ok());
  ASSERT_TRUE(first->Flush().ok());
  ASSERT_TRUE(first->PutPage(ArticlePage(1)).ok());  // its batch stays open, holding a number
  auto written = std::async(std::launch::async, [&] {
    Status s = second->PutPage(ArticlePage(2));
    return s.ok() ? second->Flush() : s;
  });
  ASSERT_EQ(written.wait_for(std::chrono::seconds(30)), std::future_status::ready)
      << "the second writer waited for the first writer's open batch";
  ASSERT_TRUE(written.get().ok());
  ASSERT_TRUE(first->Flush().ok());
  BackendPeek peek(Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Int("SELECT count(DISTINCT updated_seq) FROM pages"), 3);
}

// Two crawler processes whose batches both insert the same new rows (the site, a doctor and a hospital
// both pages name): the second INSERT waits for the first batch and then fails on the unique key; the
// page is written again in its savepoint and finds the rows, instead of failing the crawl.
TEST_F(PgChangeSeqTest, TwoWritersInsertingTheSameNewRowsAtOnceBothStoreTheirPages) {
  using testing::Card;
  auto first = OpenOk(conninfo());
  auto second = OpenOk(conninfo());
  ASSERT_TRUE(first && second);
  auto with_card = [](int n) {
    return Page("https://www.mfk.com/article/" + std::to_string(n) + ".html", "2026-03-01T02:00:00Z",
                Article("文章 " + std::to_string(n), 100 + n,
                        Json::array({Card("https://www.mfk.com/question/7.html", "李明", "多喝水")})));
  };
  ASSERT_TRUE(first->PutPage(with_card(1)).ok());  // inserts site, hospital, doctor, question: not committed
  auto written = std::async(std::launch::async, [&] {
    Status s = second->PutPage(with_card(2));  // waits on the first's rows
    return s.ok() ? second->Flush() : s;
  });
  EXPECT_EQ(written.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  ASSERT_TRUE(first->Flush().ok());
  ASSERT_EQ(written.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  Status s = written.get();
  ASSERT_TRUE(s.ok()) << s.ToString();
  BackendPeek peek(Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 2);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM sites"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM doctors"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM hospitals"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM questions"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM article_questions"), 2);
}

TEST_F(PgChangeSeqTest, AnExportWaitsForAnOpenBatchThatHoldsAnOlderNumber) {
  auto slow = OpenOk(conninfo());
  auto fast = OpenOk(conninfo());
  auto exporter = OpenOk(conninfo());
  ASSERT_TRUE(slow && fast && exporter);
  ASSERT_TRUE(slow->PutPage(ArticlePage(0)).ok());  // the site's row, committed
  ASSERT_TRUE(slow->Flush().ok());
  ASSERT_TRUE(slow->PutPage(ArticlePage(1)).ok());  // the older number, not committed
  ASSERT_TRUE(fast->PutPage(ArticlePage(2)).ok());
  ASSERT_TRUE(fast->Flush().ok());                  // the newer number, committed
  auto watermark = std::async(std::launch::async, [&] { return exporter->CurrentChangeSeq(); });
  // An export that took the newest number now would cover the slow batch's number before its rows
  // are visible, and the next increment would start above it: those rows would never be exported.
  EXPECT_EQ(watermark.wait_for(std::chrono::milliseconds(500)), std::future_status::timeout)
      << "the watermark did not wait for the open batch";
  ASSERT_TRUE(slow->Flush().ok());
  ASSERT_EQ(watermark.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  auto upto = watermark.get();
  ASSERT_TRUE(upto.ok()) << upto.status().ToString();
  BackendPeek peek(Backend::kPostgres, conninfo());
  EXPECT_EQ(*upto, peek.Int("SELECT max(updated_seq) FROM pages"));
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages WHERE updated_seq <= " + std::to_string(*upto)), 3);
  // Every later write takes a larger number.
  ASSERT_TRUE(fast->PutPage(ArticlePage(3)).ok());
  ASSERT_TRUE(fast->Flush().ok());
  EXPECT_GT(peek.Int("SELECT updated_seq FROM pages WHERE url LIKE '%/3.html'"), *upto);
}

TEST_F(PgChangeSeqTest, TheSequenceMovesWithACopiedDatasetBothWays) {
  hc::testing::TempDir dir;
  const std::string sqlite = (dir / "crawl.db").string();
  int64_t sqlite_seq = 0;
  {
    auto db = OpenOk(sqlite);
    ASSERT_TRUE(db);
    for (int n = 1; n <= 5; ++n) ASSERT_TRUE(db->PutPage(ArticlePage(n)).ok());
    ASSERT_TRUE(db->Flush().ok());
    auto seq = db->CurrentChangeSeq();
    ASSERT_TRUE(seq.ok());
    sqlite_seq = *seq;
    ASSERT_GE(sqlite_seq, 6);
  }
  auto copied = CopyDataset(sqlite, conninfo(), {});
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  {
    auto db = OpenOk(conninfo());
    ASSERT_TRUE(db);
    auto seq = db->CurrentChangeSeq();
    ASSERT_TRUE(seq.ok()) << seq.status().ToString();
    EXPECT_EQ(*seq, sqlite_seq);
    ASSERT_TRUE(db->PutPage(ArticlePage(6)).ok());
    ASSERT_TRUE(db->Flush().ok());
    BackendPeek peek(Backend::kPostgres, conninfo());
    EXPECT_EQ(peek.Int("SELECT updated_seq FROM pages WHERE url LIKE '%/6.html'"), sqlite_seq + 1);
  }
  // And back: the SQLite copy's change_seq row is the sequence's value, not the row's stale one.
  const std::string back = (dir / "back.db").string();
  auto returned = CopyDataset(conninfo(), back, {});
  ASSERT_TRUE(returned.ok()) << returned.status().ToString();
  auto db = OpenOk(back);
  ASSERT_TRUE(db);
  auto seq = db->CurrentChangeSeq();
  ASSERT_TRUE(seq.ok());
  EXPECT_EQ(*seq, sqlite_seq + 1);
}

}  // namespace
}  // namespace hc::store
