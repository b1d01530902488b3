// Frontier::RecordParseDeath on SQLite (docs/RELIABILITY.md, "Poison pages"): how consecutive crawler
// deaths are counted against the pages being parsed, and the lease of the pages that reach the limit.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "store/page_builders.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using std::chrono::seconds;
using testing::At;
using testing::Peek;

TEST(ParseDeaths, CountedPerPageOverConsecutiveDeathsOnly) {
  hc::testing::TempDir dir;
  const std::string path = (dir / "crawl.db").string();
  auto store = OpenDatabase(path);
  ASSERT_TRUE(store.ok());
  Database& db = **store;
  const TimePoint now = At("2026-03-01T00:00:00Z");
  std::vector<NewUrl> urls;
  for (const char* p : {"/a", "/b", "/c"}) {
    NewUrl u;
    u.site = "mfk";
    u.url = std::string("https://www.mfk.com") + p;
    u.origin = "https://www.mfk.com";
    urls.push_back(u);
  }
  ASSERT_TRUE(db.AddUrls(urls).ok());
  ASSERT_TRUE(db.Flush().ok());
  std::map<std::string, int64_t> id;
  for (const char* p : {"/a", "/b", "/c"}) {
    id[p] = std::stoll(Peek(path).Text(std::string("SELECT id FROM frontier WHERE url = 'https://www.mfk.com") + p + "'"));
  }
  const int64_t a = id["/a"], b = id["/b"], c = id["/c"];

  // Each step is one death: the URLs being parsed then, the counts after it, the URLs failed by it.
  struct Step {
    const char* name;
    std::vector<int64_t> being_parsed;
    const char* counts;  // parse_deaths of /a, /b, /c
    std::vector<std::string> poisoned;
  };
  const Step steps[] = {
      {"a and b being parsed", {a, b}, "1|1|0", {}},
      {"a again: b's chain is broken", {a}, "2|0|0", {}},
      {"nothing being parsed breaks every chain", {}, "0|0|0", {}},
      {"a", {a}, "1|0|0", {}},
      {"a and c", {a, c}, "2|0|1", {}},
      {"a a third time in a row: failed", {a}, "3|0|0", {"https://www.mfk.com/a"}},
      {"a is no longer queued: neither counted nor reset", {a, b}, "3|1|0", {}},
  };
  for (const auto& step : steps) {
    SCOPED_TRACE(step.name);
    auto poisoned = db.RecordParseDeath("mfk", step.being_parsed, 3, "crawler", now, seconds(60));
    ASSERT_TRUE(poisoned.ok()) << poisoned.status().ToString();
    ASSERT_TRUE(db.Flush().ok());
    std::vector<std::string> got;
    for (const auto& l : *poisoned) {
      got.push_back(l.url);
      EXPECT_EQ(l.parse_deaths, 3);
    }
    EXPECT_EQ(got, step.poisoned);
    Peek peek(path);
    const std::string counts = peek.Text("SELECT group_concat(parse_deaths, '|') FROM (SELECT parse_deaths FROM frontier ORDER BY url)");
    EXPECT_EQ(counts, step.counts);
  }
  // The failed-to-be URL is leased to the caller, for it to Complete as failed.
  EXPECT_EQ(Peek(path).Text("SELECT state || ' ' || lease_owner FROM frontier WHERE id = " + std::to_string(a)),
            "in_flight crawler");
}

TEST(ParseDeaths, ARevisitStartsAgainFromNone) {
  hc::testing::TempDir dir;
  const std::string path = (dir / "crawl.db").string();
  auto store = OpenDatabase(path);
  ASSERT_TRUE(store.ok());
  Database& db = **store;
  const TimePoint now = At("2026-03-01T00:00:00Z");
  NewUrl u;
  u.site = "mfk";
  u.url = "https://www.mfk.com/a";
  u.origin = "https://www.mfk.com";
  ASSERT_TRUE(db.AddUrls({u}).ok());
  auto first = db.RecordParseDeath("mfk", {1}, 3, "crawler", now, seconds(60));
  ASSERT_TRUE(first.ok());
  LeaseRequest request;
  request.site = "mfk";
  request.owner = "crawler";
  request.now = now;
  auto leased = db.Lease(request);
  ASSERT_TRUE(leased.ok());
  ASSERT_EQ(leased->size(), 1u);
  EXPECT_EQ((*leased)[0].parse_deaths, 1);  // the engine parses it alone (poison_internal.h)
  UrlOutcome done;
  done.id = (*leased)[0].id;
  done.owner = "crawler";
  done.state = UrlState::kDone;
  done.finished_at = now;
  ASSERT_TRUE(db.Complete(done, nullptr).ok());
  auto requeued = db.RequeueDue("mfk", now, /*all=*/true);
  ASSERT_TRUE(requeued.ok());
  ASSERT_TRUE(db.Flush().ok());
  EXPECT_EQ(Peek(path).Text("SELECT parse_deaths FROM frontier"), "0");
}

}  // namespace
}  // namespace hc::store
