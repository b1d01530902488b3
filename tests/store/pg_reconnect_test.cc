// The PostgreSQL store after a lost connection (docs/postgresql.md "Faults during a run"): the open
// batch, rolled back with the terminated session, is redone whole on the next one; the frontier's leases
// and a reader reconnects; a statement timeout is reported, not retried. The crawl-level
// cases (a restarted server, one gone past the limit) are tests/cli/pg_reconnect_test.cc.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/pg_support.h"

namespace hc::store {
namespace {

using hc::store::testing::At;
using hc::store::testing::Page;
using hc::testing::Backend;
using hc::testing::BackendPeek;

class PgReconnectTest : public hc::testing::PgDatabaseTest {
 protected:
  // Terminates every other session on the test's database: the store's.
  int TerminateOthers() {
    BackendPeek peek(Backend::kPostgres, conninfo());
    return static_cast<int>(
        peek.Int("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                 " WHERE datname = current_database() AND pid <> pg_backend_pid()"));
  }
};

TEST_F(PgReconnectTest, TheOpenBatchLostWithTheConnectionIsRedoneWhole) {
  StoreOptions options;
  options.batch_pages = 100;
  auto store = OpenDatabase(conninfo(), options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*store)
                    ->PutPage(Page("https://www.mfk.com/list/" + std::to_string(i) + ".html",
                                   "2026-03-02T10:00:00Z", Json()))
                    .ok());
  }
  ASSERT_EQ(TerminateOthers(), 1);
  // The next write finds the connection gone, reconnects, redoes the three pages, then writes its own.
  Status s = (*store)->PutPage(Page("https://www.mfk.com/list/3.html", "2026-03-02T10:00:00Z", Json()));
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(TerminateOthers(), 1);
  // A commit that finds the connection gone: the batch is redone, then committed.
  s = (*store)->Flush();
  ASSERT_TRUE(s.ok()) << s.ToString();
  BackendPeek peek(Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 4);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages WHERE fetch_count <> 1"), 0);
}

TEST_F(PgReconnectTest, LeasesStayValidAcrossAReconnect) {
  auto store = OpenDatabase(conninfo());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  NewUrl url;
  url.site = "mfk";
  url.url = "https://www.mfk.com/list/a.html";
  url.origin = "https://www.mfk.com";
  ASSERT_TRUE((*store)->AddUrls({url}).ok());
  LeaseRequest request;
  request.site = "mfk";
  request.owner = "host:1";
  request.max_urls = 5;
  request.now = At("2026-03-02T10:00:00Z");
  auto leased = (*store)->Lease(request);
  ASSERT_TRUE(leased.ok()) << leased.status().ToString();
  ASSERT_EQ(leased->size(), 1u);
  ASSERT_EQ(TerminateOthers(), 1);
  // Lost while leasing: nothing more to lease, and the URL leased before is still this owner's.
  auto again = (*store)->Lease(request);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->empty());
  UrlOutcome done;
  done.id = (*leased)[0].id;
  done.owner = "host:1";
  done.state = UrlState::kFailed;
  done.detail = "http 404";
  done.finished_at = request.now;
  ASSERT_TRUE((*store)->Complete(done, nullptr).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  BackendPeek peek(Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'failed'"), 1);
}

TEST_F(PgReconnectTest, AReaderReconnects) {
  {
    auto writer = OpenDatabase(conninfo());
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  }
  StoreOptions options;
  options.read_only = true;
  auto reader = OpenDatabase(conninfo(), options);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  ASSERT_EQ(TerminateOthers(), 1);
  // Reconnects, and sets the new session read-only again (SetForSession).
  auto counts = (*reader)->CountUrls("mfk");
  ASSERT_TRUE(counts.ok()) << counts.status().ToString();
  EXPECT_EQ(counts->queued, 0);
}

TEST_F(PgReconnectTest, AStatementTimeoutIsReportedAndNotRetried) {
  {
    auto writer = OpenDatabase(conninfo());
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  }
  std::unique_ptr<PGconn, decltype(&PQfinish)> locker(PQconnectdb(conninfo().c_str()), &PQfinish);
  std::unique_ptr<PGresult, decltype(&PQclear)> locked(
      PQexec(locker.get(), "BEGIN; LOCK TABLE frontier IN ACCESS EXCLUSIVE MODE"), &PQclear);
  ASSERT_EQ(PQresultStatus(locked.get()), PGRES_COMMAND_OK) << PQerrorMessage(locker.get());
  auto store = OpenDatabase(conninfo() + " options='-c statement_timeout=200'");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto counts = (*store)->CountUrls("mfk");
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().code(), StatusCode::kIoError);
  EXPECT_EQ(counts.status().message(),
            "postgresql: statement timeout: ERROR:  canceling statement due to statement timeout"
            " (SQLSTATE 57014)");
}

}  // namespace
}  // namespace hc::store
