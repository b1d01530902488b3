// Killing the writer in the middle of a batch leaves a consistent database: integrity_check passes and
// every page present is whole (all of its cards, diseases and views), because a page is stored inside
// its batch's transaction and WAL recovery drops an uncommitted transaction.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/page_builders.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::Article;
using testing::Card;
using testing::Disease;
using testing::Page;
using testing::Peek;

constexpr int kCards = 15;
constexpr int kDiseases = 3;

PageObservation NumberedPage(int n) {
  Json cards = Json::array();
  for (int i = 0; i < kCards; ++i) {
    cards.push_back(Card("https://www.mfk.com/question/" + std::to_string(n) + "-" + std::to_string(i) + ".html",
                         "医生" + std::to_string(i % 7), std::string(200, 'a' + i % 26)));
  }
  Json diseases = Json::array();
  for (int i = 0; i < kDiseases; ++i) diseases.push_back(Disease("病" + std::to_string((n + i) % 50)));
  auto page = Page("https://www.mfk.com/article/" + std::to_string(n) + ".html", "2026-03-01T00:00:00Z",
                   Article("文章" + std::to_string(n), n, cards, diseases));
  page.raw = RawResponse{page.url, 200, {{"Content-Type", "text/html"}}, std::string(20000, 'x'), page.fetched_at};
  return page;
}

TEST(CrashTest, KillingTheWriterMidBatchLeavesEveryStoredPageWhole) {
  hc::testing::TempDir dir;
  const auto path = dir / "crash.db";
  ASSERT_TRUE(OpenDatabase(path).ok());

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    StoreOptions options;
    options.batch_pages = 25;
    options.batch_max_age = std::chrono::hours(1);  // batches end by size only, for the check below
    auto store = OpenDatabase(path, options);
    if (!store.ok()) ::_exit(2);
    for (int n = 0;; ++n) {
      if (!(*store)->PutPage(NumberedPage(n)).ok()) ::_exit(3);
    }
  }
  // Let it commit a few batches, then kill it wherever it is.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int64_t committed = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    committed = Peek(path.string()).Int("SELECT count(*) FROM articles");
    if (committed >= 60) break;
  }
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with " << WEXITSTATUS(status);
  ASSERT_GE(committed, 25);

  auto store = OpenDatabase(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status integrity = (*store)->CheckIntegrity();
  EXPECT_TRUE(integrity.ok()) << integrity.ToString();
  Peek peek(path.string());
  const int64_t pages = peek.Int("SELECT count(*) FROM pages");
  EXPECT_GE(pages, committed);
  EXPECT_EQ(pages % 25, 0) << "only whole batches are committed";
  EXPECT_EQ(peek.Int("SELECT count(*) FROM articles"), pages);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM articles a WHERE"
                     " (SELECT count(*) FROM article_questions q WHERE q.article_id = a.id) != 15"
                     " OR (SELECT count(*) FROM article_diseases d WHERE d.article_id = a.id) != 3"
                     " OR (SELECT count(*) FROM article_views v WHERE v.article_id = a.id) != 1"
                     " OR (SELECT count(*) FROM raw_responses r WHERE r.page_id = a.page_id) != 1"),
            0);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM answers"), pages * kCards);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM questions"), pages * kCards);

  // And the store goes on from there.
  ASSERT_TRUE((*store)->PutPage(NumberedPage(1000000)).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), pages + 1);
}

}  // namespace
}  // namespace hc::store
