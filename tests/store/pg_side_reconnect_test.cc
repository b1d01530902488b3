// The store's side connections to PostgreSQL after a lost connection (docs/postgresql.md "Faults
// during a run"): the poison-page marks, the dashboard's reader and the run progress writer reconnect
// with the Database's backoff and limit (pg::Reconnector) and do the lost statement again. Each test
// terminates the backend while the statement runs (it waits on a lock another session holds), so the
// connection breaks mid-statement, not between two.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "store/dashboard.h"
#include "store/database.h"
#include "store/frontier.h"
#include "store/page_builders.h"
#include "store/run_progress.h"
#include "support/backend_support.h"
#include "support/pg_support.h"

namespace hc::store {
namespace {

using hc::testing::Backend;
using hc::testing::BackendPeek;

using PgConn = std::unique_ptr<PGconn, decltype(&PQfinish)>;

bool RunSql(PGconn* conn, const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn, sql.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(r.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

class PgSideReconnectTest : public hc::testing::PgDatabaseTest {
 protected:
  void SetUp() override {
    PgDatabaseTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto writer = OpenDatabase(conninfo());  // creates the tables
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  }

  // Runs `op` on a thread while another session holds a lock (`lock_sql`, in an open transaction) that
  // op's statement (its text starting with `statement`) waits for; terminates that statement's backend
  // while it waits, then releases the lock. Returns how many backends were terminated.
  int TerminateMidStatement(const std::string& lock_sql, const std::string& statement,
                            const std::function<void()>& op) {
    PgConn locker(PQconnectdb(conninfo().c_str()), &PQfinish);
    EXPECT_TRUE(RunSql(locker.get(), "BEGIN")) << PQerrorMessage(locker.get());
    EXPECT_TRUE(RunSql(locker.get(), lock_sql)) << PQerrorMessage(locker.get());
    std::thread worker(op);
    BackendPeek peek(Backend::kPostgres, conninfo());
    const std::string waiting =
        " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        " AND wait_event_type = 'Lock' AND starts_with(query, '" + statement + "')";
    int terminated = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < give_up) {
      if (peek.Int("SELECT count(*)" + waiting) > 0) {
        terminated = static_cast<int>(peek.Int("SELECT count(pg_terminate_backend(pid))" + waiting));
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(RunSql(locker.get(), "COMMIT")) << PQerrorMessage(locker.get());
    worker.join();
    return terminated;
  }
};

TEST_F(PgSideReconnectTest, ParseMarksAreWrittenAcrossALostConnection) {
  SharedParseMarks::Left left;
  auto marks = OpenSharedParseMarks(conninfo(), "mfk", "host:1", 2, &left);
  ASSERT_TRUE(marks.ok()) << marks.status().ToString();
  BackendPeek peek(Backend::kPostgres, conninfo());
  ASSERT_EQ(peek.Int("SELECT count(*) FROM parse_marks WHERE owner = 'host:1'"), 2);
  EXPECT_EQ(TerminateMidStatement("SELECT * FROM parse_marks FOR UPDATE", "UPDATE parse_marks",
                                  [&] { (*marks)->Set(1, 42); }),
            1);
  EXPECT_EQ(peek.All("SELECT slot, frontier_id FROM parse_marks ORDER BY slot"), "0|0\n1|42\n");
  // Closed on a lost connection too: its rows go. The sessions this test ended (the locker's, the
  // terminated one) can stay in pg_stat_activity a moment after they close: wait for them to go, so
  // that only the marks' session is terminated.
  ASSERT_TRUE(hc::testing::WaitForOtherSessions(peek, 1));
  ASSERT_EQ(peek.Int("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                     " WHERE datname = current_database() AND pid <> pg_backend_pid()"),
            1);
  marks->reset();
  EXPECT_EQ(peek.Int("SELECT count(*) FROM parse_marks"), 0);
}

TEST_F(PgSideReconnectTest, TheDashboardReadsAcrossALostConnection) {
  {
    auto store = OpenDatabase(conninfo());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->AddUrls({hc::store::testing::MfkUrl("list/a.html")}).ok());
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto dashboard = OpenDashboard(conninfo());
  ASSERT_TRUE(dashboard.ok()) << dashboard.status().ToString();
  Result<nlohmann::json> sites = Status::Internal("not run");
  EXPECT_EQ(TerminateMidStatement("LOCK TABLE frontier IN ACCESS EXCLUSIVE MODE", "SELECT k.site",
                                  [&] { sites = (*dashboard)->ListSites(); }),
            1);
  ASSERT_TRUE(sites.ok()) << sites.status().ToString();
  ASSERT_EQ(sites->size(), 1u);
  EXPECT_EQ((*sites)[0]["site"], "mfk");
  // The next read runs on the new session.
  auto metrics = (*dashboard)->Metrics();
  ASSERT_TRUE(metrics.ok()) << metrics.status().ToString();
}

TEST_F(PgSideReconnectTest, RunProgressIsRecordedAcrossALostConnection) {
  int64_t run_id = 0;
  {
    auto store = OpenDatabase(conninfo());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    RunInfo run;
    run.command = "crawl";
    run.sites = "mfk";
    auto begun = (*store)->BeginRun(run);
    ASSERT_TRUE(begun.ok()) << begun.status().ToString();
    run_id = *begun;
    ASSERT_TRUE((*store)->Flush().ok());
  }
  auto progress = OpenRunProgress(conninfo(), std::chrono::seconds(30));
  ASSERT_TRUE(progress.ok()) << progress.status().ToString();
  RunProgress so_far;
  so_far.pages_fetched = 7;
  so_far.pages_stored = 6;
  Status recorded = Status::Internal("not run");
  EXPECT_EQ(TerminateMidStatement("SELECT * FROM crawl_runs FOR UPDATE", "SELECT extra FROM crawl_runs",
                                  [&] {
                                    recorded = (*progress)->RecordRunProgress(
                                        run_id, std::chrono::system_clock::now(), so_far);
                                  }),
            1);
  ASSERT_TRUE(recorded.ok()) << recorded.ToString();
  BackendPeek peek(Backend::kPostgres, conninfo());
  EXPECT_EQ(peek.Text("SELECT pages_fetched || ':' || pages_stored FROM crawl_runs WHERE id = " +
                      std::to_string(run_id)),
            "7:6");
  EXPECT_EQ(peek.Int("SELECT count(*) FROM crawl_runs WHERE extra LIKE '%progress_at%'"), 1);
}

// The server stays away past the limit: the dashboard's read fails with the Database's message, and
// the next one tries once, without waiting for the limit again.
TEST(PgSideReconnectCluster, TheDashboardFailsClearlyWhenTheServerStaysAway) {
  hc::testing::PrivatePgCluster server;
  Status started = server.Start();
  if (started.code() == StatusCode::kNotFound && std::getenv("CI") == nullptr) GTEST_SKIP() << started.ToString();
  ASSERT_TRUE(started.ok()) << started.ToString();
  const std::string db = server.cluster().Conninfo("postgres");
  {
    auto writer = OpenDatabase(db);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  }
  ::setenv("HEALTHCRAWL_PG_RECONNECT_SECONDS", "1", 1);
  auto dashboard = OpenDashboard(db);
  ::unsetenv("HEALTHCRAWL_PG_RECONNECT_SECONDS");
  ASSERT_TRUE(dashboard.ok()) << dashboard.status().ToString();
  ASSERT_TRUE(server.Halt().ok());
  const auto before = std::chrono::steady_clock::now();
  auto sites = (*dashboard)->ListSites();
  ASSERT_FALSE(sites.ok());
  EXPECT_EQ(sites.status().code(), StatusCode::kIoError);
  EXPECT_NE(sites.status().message().find(
                "postgresql database \"postgres\": the connection to the server was lost (postgresql: "
                "connection lost: "),
            std::string::npos)
      << sites.status().message();
  EXPECT_NE(sites.status().message().find(
                ") and could not be re-established within 1 s ("),
            std::string::npos)
      << sites.status().message();
  EXPECT_NE(sites.status().message().find("run the command again when the server is back: it resumes"),
            std::string::npos);
  EXPECT_GE(std::chrono::steady_clock::now() - before, std::chrono::milliseconds(700));
  auto again = (*dashboard)->Metrics();
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find(
                "still no connection to the server after the reconnect limit"),
            std::string::npos)
      << again.status().message();
  // Back: the next read reconnects and succeeds.
  ASSERT_TRUE(server.Resume().ok());
  auto back = (*dashboard)->ListSites();
  ASSERT_TRUE(back.ok()) << back.status().ToString();
}

}  // namespace
}  // namespace hc::store
