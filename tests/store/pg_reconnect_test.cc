// The PostgreSQL store after a lost connection (docs/postgresql.md "Faults during a run"): the open
// batch, rolled back with the terminated session, is redone whole on the next one; the frontier's leases
// and a reader reconnects; a statement timeout is reported, not retried. The crawl-level
// cases (a restarted server, one gone past the limit) are tests/cli/pg_reconnect_test.cc.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/pg_support.h"

namespace hc::store {
namespace {

using hc::store::testing::At;
using hc::store::testing::MfkUrl;
using hc::store::testing::Page;
using hc::store::testing::PutListPages;
using hc::testing::Backend;
using hc::testing::BackendPeek;

class PgReconnectTest : public hc::testing::PgDatabaseTest {
 protected:
  // Terminates every other session on the test's database: the store's (once the sessions closed
  // before it have left pg_stat_activity).
  int TerminateOthers() {
    BackendPeek peek(Backend::kPostgres, conninfo());
    if (!hc::testing::WaitForOtherSessions(peek, 1)) return -1;
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
  ASSERT_NO_FATAL_FAILURE(PutListPages(**store, 3));
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
  ASSERT_TRUE((*store)->AddUrls({MfkUrl("list/a.html")}).ok());
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

bool RunSql(PGconn* conn, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn, sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(r.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Two processes' open batches deadlock across their statements: each holds a URL from an earlier
// statement that the other's next statement inserts too. Retrying the statement cannot help the
// victim (the other still waits for its earlier row); rolling its batch back and redoing it does, so
// both succeed and each URL is stored once (docs/postgresql.md, AddUrls).
TEST_F(PgReconnectTest, BatchesThatDeadlockAcrossStatementsBothSucceed) {
  // A short deadlock_timeout: each lost statement retry costs one (1 s by default).
  const std::string db = conninfo() + " options='-c deadlock_timeout=50'";
  StoreOptions options;
  options.batch_pages = 100;
  auto a = OpenDatabase(db, options);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = OpenDatabase(db, options);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE((*a)->AddUrls({MfkUrl("x.html")}).ok());
  ASSERT_TRUE((*b)->AddUrls({MfkUrl("y.html")}).ok());
  Result<int64_t> a_second = Status::Internal("not run");
  Status a_flushed = Status::Internal("not run");
  std::thread first([&] {
    a_second = (*a)->AddUrls({MfkUrl("y.html")});  // waits for b's batch
    a_flushed = (*a)->Flush();
  });
  BackendPeek peek(Backend::kPostgres, conninfo());
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (peek.Int("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                  " AND wait_event_type = 'Lock'") == 0 &&
         std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  auto b_second = (*b)->AddUrls({MfkUrl("x.html")});  // waits for a's batch: a deadlock
  Status b_flushed = (*b)->Flush();
  first.join();
  ASSERT_TRUE(a_second.ok()) << a_second.status().ToString();
  ASSERT_TRUE(a_flushed.ok()) << a_flushed.ToString();
  ASSERT_TRUE(b_second.ok()) << b_second.status().ToString();
  ASSERT_TRUE(b_flushed.ok()) << b_flushed.ToString();
  EXPECT_EQ(peek.All("SELECT url FROM frontier ORDER BY url"),
            "https://www.mfk.com/x.html\nhttps://www.mfk.com/y.html\n");
}

// The answer to a batch's COMMIT is lost, and the batch had committed: the new session learns so
// from pg_xact_status and does not redo the batch (no page stored twice, none lost). Provoked for
// real: the server waits for a synchronous standby that never comes after the commit is durable, and
// the backend terminated during that wait ends without answering (PostgreSQL warns "the transaction
// has already committed locally"). The setting is the whole cluster's, so a cluster of the test's own.
TEST(PgLostCommit, ABatchThatCommittedIsNotRedone) {
  hc::testing::PrivatePgCluster server;
  Status started = server.Start();
  if (started.code() == StatusCode::kNotFound && std::getenv("CI") == nullptr) GTEST_SKIP() << started.ToString();
  ASSERT_TRUE(started.ok()) << started.ToString();
  const std::string admin_db = server.cluster().Conninfo("postgres");
  // The cluster's synchronous_commit is off (pg-test-cluster); the store's session waits for standbys.
  const std::string db = admin_db + " options='-c synchronous_commit=on'";
  StoreOptions options;
  options.batch_pages = 100;
  auto store = OpenDatabase(db, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_NO_FATAL_FAILURE(PutListPages(**store, 3));
  std::unique_ptr<PGconn, decltype(&PQfinish)> admin(PQconnectdb(admin_db.c_str()), &PQfinish);
  ASSERT_TRUE(RunSql(admin.get(), "ALTER SYSTEM SET synchronous_standby_names = 'nobody'"));
  ASSERT_TRUE(RunSql(admin.get(), "SELECT pg_reload_conf()"));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the server's processes reload it

  Status flushed = Status::Internal("not run");
  std::thread committing([&] { flushed = (*store)->Flush(); });
  BackendPeek peek(Backend::kPostgres, admin_db);
  const std::string waiting =
      " FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'SyncRep'";
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (peek.Int("SELECT count(*)" + waiting) == 0 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string xid = peek.Text("SELECT backend_xid" + waiting);
  // A transaction id after the batch's and its savepoints': a redo would write the pages again with a
  // later one. (A fresh cluster: epoch 0, so xid8 = xid.)
  const int64_t next_xid = peek.Int("SELECT pg_current_xact_id()::text::bigint");
  const int64_t terminated = peek.Int("SELECT count(pg_terminate_backend(pid))" + waiting);
  // Later sessions commit without waiting.
  EXPECT_TRUE(RunSql(admin.get(), "ALTER SYSTEM RESET synchronous_standby_names"));
  EXPECT_TRUE(RunSql(admin.get(), "SELECT pg_reload_conf()"));
  committing.join();
  ASSERT_EQ(terminated, 1);
  ASSERT_FALSE(xid.empty());
  ASSERT_TRUE(flushed.ok()) << flushed.ToString();
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 3);
  // Written by the batch whose answer was lost (its id, or its savepoints' after it), by no redo.
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages WHERE xmin::text::bigint >= " + xid +
                     " AND xmin::text::bigint < " + std::to_string(next_xid)),
            3)
      << "pages' xmin: " << peek.All("SELECT xmin FROM pages") << "batch: " << xid << ", next: " << next_xid;
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages WHERE fetch_count <> 1"), 0);
  // The store goes on on its new session.
  ASSERT_TRUE((*store)->PutPage(Page("https://www.mfk.com/list/3.html", "2026-03-02T10:00:00Z", Json())).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages"), 4);
}

}  // namespace
}  // namespace hc::store
