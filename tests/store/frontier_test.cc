// store::Database as the crawl Frontier, on both backends (Sqlite/FrontierTest.*, Pg/FrontierTest.*): dedupe,
// lease order and ownership, retries, recovery after a crash, the atomic Complete (page + URL state +
// discovered links), and revisit scheduling; then PostgreSQL's shared frontier (PgSharedFrontierTest):
// processes leasing at once never get the same URL, and an expired lease comes back.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/host.h"
#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::Article;
using testing::At;
using testing::Page;

NewUrl Url(const std::string& path, int priority = 0, int depth = 0,
           const std::string& origin = "https://www.mfk.com") {
  NewUrl u;
  u.site = "mfk";
  u.url = origin + path;
  u.origin = origin;
  u.priority = priority;
  u.depth = depth;
  return u;
}

LeaseRequest Request(int max_urls, TimePoint now, const std::string& owner = "a") {
  LeaseRequest r;
  r.site = "mfk";
  r.owner = owner;
  r.max_urls = max_urls;
  r.now = now;
  r.lease_for = seconds(60);
  return r;
}

std::vector<std::string> Urls(const std::vector<LeasedUrl>& leased) {
  std::vector<std::string> out;
  for (const auto& l : leased) out.push_back(l.url);
  return out;
}

UrlOutcome Done(const LeasedUrl& l, const std::string& owner, TimePoint when) {
  UrlOutcome o;
  o.id = l.id;
  o.owner = owner;
  o.state = UrlState::kDone;
  o.http_status = 200;
  o.finished_at = when;
  return o;
}

class FrontierTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    StoreOptions options;
    options.clock = &clock_;
    // Work stays uncommitted across calls until a batch fills (some cases look at it before Flush): 10
    // pages on PostgreSQL, whose default is one page a transaction; SQLite's default (200).
    if (is_pg()) options.batch_pages = 10;
    auto store = Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }

  FakeClock clock_{At("2026-03-01T00:00:00Z")};
  std::unique_ptr<Database> store_;
  TimePoint t0_ = At("2026-03-01T00:00:00Z");
};

TEST_P(FrontierTest, AddsEachUrlKeyOncePerSite) {
  auto added = store_->AddUrls({Url("/a"), Url("/b"), Url("/a")});
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(*added, 2);
  NewUrl same_key = Url("/a?utm_source=x");
  same_key.url_key = "https://www.mfk.com/a";
  NewUrl other_site = Url("/a");
  other_site.site = "xywy";
  added = store_->AddUrls({same_key, other_site});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 1);  // only the other site's
  auto counts = store_->CountUrls("mfk");
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->queued, 2);
  EXPECT_EQ(counts->total(), 2);
  // A URL without a site is refused and nothing of its batch is added.
  NewUrl bad = Url("/c");
  bad.site.clear();
  EXPECT_EQ(store_->AddUrls({Url("/d"), bad}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CountUrls("mfk")->queued, 2);
}

TEST_P(FrontierTest, LeasesByPriorityThenDepthThenAgeAndSkipsBusyOrigins) {
  ASSERT_TRUE(store_
                  ->AddUrls({Url("/list", 0, 0), Url("/q1", 5, 1), Url("/a2", 10, 2), Url("/a1", 10, 1),
                             Url("/other", 10, 0, "https://m.mfk.com")})
                  .ok());
  LeaseRequest request = Request(10, t0_);
  request.skip_origins = {"https://m.mfk.com"};
  auto leased = store_->Lease(request);
  ASSERT_TRUE(leased.ok()) << leased.status().ToString();
  EXPECT_EQ(Urls(*leased), (std::vector<std::string>{"https://www.mfk.com/a1", "https://www.mfk.com/a2",
                                                     "https://www.mfk.com/q1", "https://www.mfk.com/list"}));
  // Leased URLs are not leased again while the lease holds.
  auto again = store_->Lease(Request(10, t0_, "b"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Urls(*again), (std::vector<std::string>{"https://m.mfk.com/other"}));
  EXPECT_EQ(store_->CountUrls("mfk")->in_flight, 5);
}

TEST_P(FrontierTest, NotBeforeDelaysALeaseAndNextEligibleSaysWhen) {
  NewUrl later = Url("/later");
  later.not_before = t0_ + seconds(30);
  ASSERT_TRUE(store_->AddUrls({later}).ok());
  EXPECT_TRUE(store_->Lease(Request(5, t0_))->empty());
  auto next = store_->NextEligible("mfk");
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(**next, t0_ + seconds(30));
  EXPECT_EQ(store_->Lease(Request(5, t0_ + seconds(30)))->size(), 1u);
  EXPECT_FALSE(store_->NextEligible("mfk")->has_value());
}

TEST_P(FrontierTest, OnlyTheLeaseOwnerCanFinishAUrlAndExpiredLeasesGoToOthers) {
  ASSERT_TRUE(store_->AddUrls({Url("/a")}).ok());
  auto mine = store_->Lease(Request(1, t0_, "a"));
  ASSERT_EQ(mine->size(), 1u);
  const LeasedUrl leased = (*mine)[0];
  EXPECT_EQ(store_->Complete(Done(leased, "b", t0_), nullptr).code(), StatusCode::kBusy);
  EXPECT_EQ(store_->Retry(leased.id, "b", 1, t0_, "x").code(), StatusCode::kBusy);
  EXPECT_EQ(store_->Release(leased.id, "b", t0_).code(), StatusCode::kBusy);

  // The lease runs out: another owner takes the URL, and the first one's late answer is refused.
  auto theirs = store_->Lease(Request(1, t0_ + seconds(61), "b"));
  ASSERT_EQ(theirs->size(), 1u);
  EXPECT_EQ((*theirs)[0].id, leased.id);
  EXPECT_EQ(store_->Complete(Done(leased, "a", t0_), nullptr).code(), StatusCode::kBusy);
  EXPECT_TRUE(store_->Complete(Done((*theirs)[0], "b", t0_ + seconds(62)), nullptr).ok());
  EXPECT_EQ(store_->CountUrls("mfk")->done, 1);
}

TEST_P(FrontierTest, RetryCountsAttemptsKeepsTheErrorAndWaits) {
  ASSERT_TRUE(store_->AddUrls({Url("/flaky")}).ok());
  auto leased = store_->Lease(Request(1, t0_));
  ASSERT_EQ(leased->size(), 1u);
  ASSERT_TRUE(store_->Retry((*leased)[0].id, "a", 1, t0_ + seconds(2), "http 503").ok());
  EXPECT_TRUE(store_->Lease(Request(1, t0_ + seconds(1)))->empty());
  auto again = store_->Lease(Request(1, t0_ + seconds(2)));
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 1);
  EXPECT_EQ((*again)[0].last_error, "http 503");
  // Release puts it back as it was (no attempt counted).
  ASSERT_TRUE(store_->Release((*again)[0].id, "a", t0_ + seconds(2)).ok());
  auto third = store_->Lease(Request(1, t0_ + seconds(2)));
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ((*third)[0].attempts, 1);
}

// crawl --clear-holds: waiting URLs (a retry backoff, a robots.txt hold) become due now with their
// attempts forgotten; URLs already due, and URLs of other sites, are left as they are.
TEST_P(FrontierTest, ClearWaitsMakesTheSitesWaitingUrlsDueNow) {
  NewUrl other = Url("/elsewhere");
  other.site = "xywy";
  other.not_before = t0_ + hours(1);
  ASSERT_TRUE(store_->AddUrls({Url("/held"), Url("/backoff"), Url("/due"), other}).ok());
  auto leased = store_->Lease(Request(3, t0_));
  ASSERT_EQ(leased->size(), 3u);
  for (const LeasedUrl& l : *leased) {
    Status s;
    if (l.url.ends_with("/held")) s = store_->Release(l.id, "a", t0_ + hours(1));
    if (l.url.ends_with("/backoff")) s = store_->Retry(l.id, "a", 2, t0_ + minutes(5), "network: connect");
    if (l.url.ends_with("/due")) s = store_->Release(l.id, "a", t0_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // (Leased by a process of this host that is gone, so that RecoverLeases takes it back on either backend.)
  EXPECT_TRUE(store_->Lease(Request(3, t0_ + seconds(1), HostName() + ":999999999"))->size() == 1u)
      << "only /due is eligible";
  // The lease just taken goes back, due now.
  ASSERT_TRUE(store_->RecoverLeases("mfk", t0_, /*all=*/true).ok());
  auto cleared = store_->ClearWaits("mfk", t0_ + seconds(1));
  ASSERT_TRUE(cleared.ok()) << cleared.status().ToString();
  EXPECT_EQ(*cleared, 2);
  auto now = store_->Lease(Request(5, t0_ + seconds(1)));
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->size(), 3u);
  for (const LeasedUrl& l : *now) {
    SCOPED_TRACE(l.url);
    EXPECT_EQ(l.attempts, 0);
  }
  auto other_next = store_->NextEligible("xywy");
  ASSERT_TRUE(other_next.ok());
  EXPECT_EQ(**other_next, t0_ + hours(1));
}

TEST_P(FrontierTest, RecoverLeasesAfterACrash) {
  ASSERT_TRUE(store_->AddUrls({Url("/a"), Url("/b"), Url("/c"), Url("/d")}).ok());
  // Owners are "<host>:<pid>": a process of this host that is gone (no pid is this large), this very
  // process, and a process on another host.
  const std::string dead = HostName() + ":999999999";
  const std::string live = HostName() + ":" + std::to_string(::getpid());
  ASSERT_EQ(store_->Lease(Request(2, t0_, dead))->size(), 2u);
  ASSERT_EQ(store_->Lease(Request(1, t0_, live))->size(), 1u);
  ASSERT_EQ(store_->Lease(Request(1, t0_, "elsewhere.example:42"))->size(), 1u);
  ASSERT_TRUE(store_->Flush().ok());
  store_.reset();  // the crawler dies with URLs in flight

  auto reopened = Open();
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->CountUrls("mfk")->in_flight, 4);
  auto expired = (*reopened)->RecoverLeases("mfk", t0_ + seconds(10), /*all=*/false);
  ASSERT_TRUE(expired.ok());
  EXPECT_EQ(*expired, 0);  // still within their lease: another process may hold them
  auto all = (*reopened)->RecoverLeases("mfk", t0_ + seconds(10), /*all=*/true);
  ASSERT_TRUE(all.ok());
  if (is_pg()) {
    // A shared database: only the leases of the process known to be gone come back.
    EXPECT_EQ(*all, 2);
    EXPECT_EQ((*reopened)->CountUrls("mfk")->queued, 2);
    auto later = (*reopened)->RecoverLeases("mfk", t0_ + seconds(61), /*all=*/true);
    ASSERT_TRUE(later.ok());
    EXPECT_EQ(*later, 2);  // expired: whoever held them
  } else {
    EXPECT_EQ(*all, 4);  // one process per SQLite file (the crawl's holder lock): nobody else holds a lease
  }
  EXPECT_EQ((*reopened)->CountUrls("mfk")->queued, 4);
}

TEST_P(FrontierTest, CompleteStoresThePageTheStateAndTheLinksTogether) {
  ASSERT_TRUE(store_->AddUrls({Url("/article/1.html", 10)}).ok());
  auto leased = store_->Lease(Request(1, t0_));
  ASSERT_EQ(leased->size(), 1u);
  UrlOutcome outcome = Done((*leased)[0], "a", t0_ + seconds(1));
  outcome.discovered = {Url("/question/1.html", 5, 1), Url("/article/1.html", 10, 1)};
  outcome.change = PageChange::kNew;
  outcome.etag = "\"v1\"";
  outcome.body_sha1 = "abc";
  auto page = Page("https://www.mfk.com/article/1.html", "2026-03-01T00:00:01Z", Article("标题", 9039));
  ASSERT_TRUE(store_->Complete(outcome, &page).ok());
  ASSERT_TRUE(store_->Flush().ok());

  auto peek = Peek();
  EXPECT_EQ(peek.Text("SELECT title FROM articles"), "标题");
  EXPECT_EQ(peek.All("SELECT url_key, state, http_status, visits, last_change, etag, body_sha1 FROM frontier "
                     "ORDER BY id"),
            "https://www.mfk.com/article/1.html|done|200|1|new|\"v1\"|abc\n"
            "https://www.mfk.com/question/1.html|queued|NULL|0|NULL|NULL|NULL\n");
  EXPECT_EQ(peek.Text("SELECT discovered_from FROM frontier WHERE url_key LIKE '%question%'"), "");
}

TEST_P(FrontierTest, ARefusedPageLeavesNoTraceOfTheOutcome) {
  ASSERT_TRUE(store_->AddUrls({Url("/article/1.html")}).ok());
  auto leased = store_->Lease(Request(1, t0_));
  ASSERT_EQ(leased->size(), 1u);
  UrlOutcome outcome = Done((*leased)[0], "a", t0_);
  outcome.discovered = {Url("/question/9.html")};
  auto page = Page("https://www.mfk.com/article/1.html", "2026-03-01T00:00:00Z", Article("标题", 1));
  page.records.push_back(page.records[0]);  // two records: invalid
  EXPECT_EQ(store_->Complete(outcome, &page).code(), StatusCode::kInvalidArgument);
  UrlOutcome not_final = outcome;
  not_final.state = UrlState::kQueued;
  EXPECT_EQ(store_->Complete(not_final, nullptr).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(store_->Flush().ok());
  auto peek = Peek();
  EXPECT_EQ(peek.All("SELECT state FROM frontier"), "in_flight\n");
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 0);
}

TEST_P(FrontierTest, UncommittedWorkIsLostAsAWholeWhenTheProcessDies) {
  ASSERT_TRUE(store_->AddUrls({Url("/article/1.html")}).ok());
  ASSERT_TRUE(store_->Flush().ok());
  auto leased = store_->Lease(Request(1, t0_));
  ASSERT_EQ(leased->size(), 1u);
  UrlOutcome outcome = Done((*leased)[0], "a", t0_);
  outcome.discovered = {Url("/question/1.html")};
  auto page = Page("https://www.mfk.com/article/1.html", "2026-03-01T00:00:00Z", Article("标题", 1));
  ASSERT_TRUE(store_->Complete(outcome, &page).ok());
  // A second connection sees nothing of it until the batch commits: a kill -9 now loses the page,
  // its URL state and its links together, and the URL is fetched again after the restart.
  {
    auto peek = Peek();
    // (PostgreSQL commits a lease at once, so that other processes see it.)
    EXPECT_EQ(peek.All("SELECT state FROM frontier"), is_pg() ? "in_flight\n" : "queued\n");
    EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 0);
  }
  ASSERT_TRUE(store_->Flush().ok());
  auto peek = Peek();
  EXPECT_EQ(peek.All("SELECT state FROM frontier ORDER BY id"), "done\nqueued\n");
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 1);
}

TEST_P(FrontierTest, DueUrlsAreRequeuedWithTheirValidators) {
  ASSERT_TRUE(store_->AddUrls({Url("/article/1.html"), Url("/list")}).ok());
  auto leased = store_->Lease(Request(2, t0_));
  ASSERT_EQ(leased->size(), 2u);
  for (const auto& l : *leased) {
    UrlOutcome o = Done(l, "a", t0_);
    o.change = PageChange::kNew;
    if (l.url.find("article") != std::string::npos) {
      o.revisit = hours(24);
      o.etag = "\"e1\"";
      o.last_modified = "Sun, 01 Mar 2026 00:00:00 GMT";
      o.body_sha1 = "sha";
    }
    ASSERT_TRUE(store_->Complete(o, nullptr).ok());
  }
  auto early = store_->RequeueDue("mfk", t0_ + hours(23), /*all=*/false);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early, 0);
  auto due = store_->RequeueDue("mfk", t0_ + hours(24), /*all=*/false);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, 1);  // the listing has no revisit interval
  auto again = store_->Lease(Request(5, t0_ + hours(24)));
  ASSERT_EQ(again->size(), 1u);
  const LeasedUrl& l = (*again)[0];
  EXPECT_EQ(l.url, "https://www.mfk.com/article/1.html");
  EXPECT_EQ(l.visits, 1);
  EXPECT_EQ(l.etag, "\"e1\"");
  EXPECT_EQ(l.last_modified, "Sun, 01 Mar 2026 00:00:00 GMT");
  EXPECT_EQ(l.body_sha1, "sha");
  EXPECT_EQ(l.revisit, hours(24));

  // A 304: the visit is recorded, the validators stay, the next one is scheduled further out.
  UrlOutcome unchanged = Done(l, "a", t0_ + hours(24));
  unchanged.http_status = 304;
  unchanged.change = PageChange::kUnchanged;
  unchanged.revisit = hours(36);
  ASSERT_TRUE(store_->Complete(unchanged, nullptr).ok());
  ASSERT_TRUE(store_->Flush().ok());
  auto peek = Peek();
  EXPECT_EQ(
      peek.All(
          "SELECT visits, changes, last_change, etag, revisit_ms FROM frontier WHERE url LIKE '%article%'"),
      "2|1|unchanged|\"e1\"|129600000\n");
}

TEST_P(FrontierTest, AnUnchangedVisitUpdatesTheStoredPageButNotItsRecords) {
  auto page = Page("https://www.mfk.com/article/1.html", "2026-03-01T00:00:00Z", Article("标题", 5));
  ASSERT_TRUE(store_->PutPage(page).ok());
  ASSERT_TRUE(store_->AddUrls({Url("/article/1.html")}).ok());
  auto leased = store_->Lease(Request(1, t0_));
  ASSERT_EQ(leased->size(), 1u);
  UrlOutcome o = Done((*leased)[0], "a", At("2026-03-08T00:00:00Z"));
  o.http_status = 304;
  o.change = PageChange::kUnchanged;
  ASSERT_TRUE(store_->Complete(o, nullptr).ok());
  ASSERT_TRUE(store_->Flush().ok());
  auto peek = Peek();
  EXPECT_EQ(peek.All("SELECT last_fetched_at, fetch_count FROM pages"), "2026-03-08T00:00:00Z|2\n");
  EXPECT_EQ(peek.Int("SELECT count(*) FROM article_views"), 1);
}

HC_INSTANTIATE_BACKEND_TEST(FrontierTest);

// PostgreSQL's frontier shared by processes: each store here is a connection of its own, as a crawler
// process would have.
class PgSharedFrontierTest : public FrontierTest {};

TEST_P(PgSharedFrontierTest, ConnectionsLeasingAtOnceNeverGetTheSameUrl) {
  std::vector<NewUrl> urls;
  for (int i = 0; i < 200; ++i) urls.push_back(Url("/page/" + std::to_string(i)));
  ASSERT_EQ(*store_->AddUrls(urls), 200);
  ASSERT_TRUE(store_->Flush().ok());
  store_.reset();
  constexpr int kWorkers = 4;
  std::vector<std::vector<std::string>> got(kWorkers);
  std::vector<std::string> errors(kWorkers);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      auto store = Open();
      if (!store.ok()) {
        errors[w] = store.status().ToString();
        return;
      }
      const std::string owner = "worker" + std::to_string(w);
      for (;;) {
        auto leased = (*store)->Lease(Request(7, t0_, owner));
        if (!leased.ok()) {
          errors[w] = leased.status().ToString();
          return;
        }
        if (leased->empty()) return;
        for (const auto& l : *leased) {
          got[w].push_back(l.url);
          Status s = (*store)->Complete(Done(l, owner, t0_), nullptr);
          if (!s.ok()) {
            errors[w] = s.ToString();
            return;
          }
        }
        Status s = (*store)->Flush();
        if (!s.ok()) {
          errors[w] = s.ToString();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::multiset<std::string> all;
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(errors[w], "") << "worker " << w;
    all.insert(got[w].begin(), got[w].end());
  }
  EXPECT_EQ(all.size(), 200u);
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), 200u);  // each URL once
  auto peek = Peek();
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'done'"), 200);
}

TEST_P(PgSharedFrontierTest, AnExpiredLeaseComesBackToAnotherProcess) {
  ASSERT_TRUE(store_->AddUrls({Url("/a"), Url("/b")}).ok());
  ASSERT_TRUE(store_->Flush().ok());
  auto other = Open();
  ASSERT_TRUE(other.ok());
  auto first = store_->Lease(Request(1, t0_, "crashed.example:1"));
  ASSERT_EQ(first->size(), 1u);
  // Within the lease, the other process gets only the other URL, and cannot finish the leased one.
  auto second = (*other)->Lease(Request(5, t0_ + seconds(30), "b"));
  ASSERT_EQ(second->size(), 1u);
  EXPECT_NE((*second)[0].id, (*first)[0].id);
  EXPECT_EQ((*other)->Complete(Done((*first)[0], "b", t0_), nullptr).code(), StatusCode::kBusy);
  EXPECT_EQ((*other)->Retry((*first)[0].id, "b", 1, t0_, "x").code(), StatusCode::kBusy);
  EXPECT_EQ((*other)->Release((*first)[0].id, "b", t0_).code(), StatusCode::kBusy);
  // Past its expiry (60 s), it is the other process's.
  auto expired = (*other)->Lease(Request(5, t0_ + seconds(61), "b"));
  ASSERT_TRUE(expired.ok());
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].id, (*first)[0].id);
  ASSERT_TRUE((*other)->Complete(Done((*expired)[0], "b", t0_ + seconds(62)), nullptr).ok());
  ASSERT_TRUE((*other)->Flush().ok());
  // The crashed owner comes back too late: its lease is gone.
  EXPECT_EQ(store_->Complete(Done((*first)[0], "crashed.example:1", t0_ + seconds(63)), nullptr).code(),
            StatusCode::kBusy);
}

// Processes that discover the same URLs at once, each batch in its own order: no batch fails (each
// insert locks its keys in one order, and one that loses anyway is run again), every URL is added once.
TEST_P(PgSharedFrontierTest, ConnectionsAddingOverlappingShuffledBatchesAtOnceAllSucceed) {
  store_.reset();
  constexpr int kWorkers = 4, kBatches = 15, kBatchSize = 60, kPool = 200;
  std::vector<int64_t> added(kWorkers, 0);
  std::vector<std::string> errors(kWorkers);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w) {
    threads.emplace_back([&, w] {
      auto store = Open();
      if (!store.ok()) {
        errors[w] = store.status().ToString();
        return;
      }
      std::mt19937 random(static_cast<unsigned>(w + 1));
      std::vector<int> pool(kPool);
      for (int i = 0; i < kPool; ++i) pool[i] = i;
      for (int b = 0; b < kBatches; ++b) {
        std::shuffle(pool.begin(), pool.end(), random);
        std::vector<NewUrl> batch;
        for (int i = 0; i < kBatchSize; ++i) batch.push_back(Url("/hub/" + std::to_string(pool[i])));
        auto n = (*store)->AddUrls(batch);
        if (!n.ok()) {
          errors[w] = n.status().ToString();
          return;
        }
        added[w] += *n;
        Status s = (*store)->Flush();
        if (!s.ok()) {
          errors[w] = s.ToString();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  int64_t total = 0;
  for (int w = 0; w < kWorkers; ++w) {
    EXPECT_EQ(errors[w], "") << "worker " << w;
    total += added[w];
  }
  auto peek = Peek();
  const int64_t rows = peek.Int("SELECT count(*) FROM frontier");
  EXPECT_EQ(peek.Int("SELECT count(DISTINCT url_key) FROM frontier"), rows);
  EXPECT_EQ(total, rows);  // each URL counted by the one insert that added it
  EXPECT_GT(rows, kBatchSize);
}

INSTANTIATE_TEST_SUITE_P(Pg, PgSharedFrontierTest, ::testing::Values(hc::testing::Backend::kPostgres),
                         hc::testing::BackendName);

TEST(PrintableLocationTest, MasksPasswordsOfPostgresLocationsOnly) {
  EXPECT_EQ(PrintableLocation("postgresql://hc:s3cret@db.example:5432/crawl?sslmode=require"),
            "postgresql://hc:***@db.example:5432/crawl?sslmode=require");
  EXPECT_EQ(PrintableLocation("postgres://hc@db/crawl?password=s3cret&sslmode=require"),
            "postgres://hc@db/crawl?password=***&sslmode=require");
  EXPECT_EQ(PrintableLocation("host=/run/pg password = 'a b\\'c' dbname=hc"),
            "host=/run/pg password = *** dbname=hc");
  EXPECT_EQ(PrintableLocation("postgresql://hc@db/crawl"), "postgresql://hc@db/crawl");
  EXPECT_EQ(PrintableLocation("data/user:pw@x.db"), "data/user:pw@x.db");  // a SQLite path
}

TEST(PageChangeTest, NamesAreTheStoredValues) {
  EXPECT_EQ(PageChangeName(PageChange::kNew), "new");
  EXPECT_EQ(PageChangeName(PageChange::kChanged), "changed");
  EXPECT_EQ(PageChangeName(PageChange::kUnchanged), "unchanged");
  EXPECT_EQ(PageChangeName(PageChange::kGone), "gone");
  EXPECT_EQ(PageChangeName(PageChange::kNone), "");
  EXPECT_EQ(UrlStateName(UrlState::kInFlight), "in_flight");
}

}  // namespace
}  // namespace hc::store
