// A crawl into PostgreSQL that loses its connection (issue #16, "Bad input and faults"; docs/postgresql.md
// "Faults"): its backend terminated, the server restarted, the server gone past the reconnect limit, a
// statement timeout. Each crawl serves a few dozen mfk pages slowly from a loopback server, so that the
// fault comes in the middle of it; the dataset it leaves is compared with an uninterrupted crawl's. The
// tests that stop the server run a cluster of their own (PrivatePgCluster): the run's cluster serves
// other tests at the same time.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <re2/re2.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "crawl/fixture_site.h"
#include "store/database.h"
#include "support/backend_support.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/pg_cluster_required.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace {

using hc::testing::Backend;
using hc::testing::BackendPeek;
using hc::testing::Cli;
using hc::testing::Quote;
using hc::testing::RunCommand;
using namespace std::chrono_literals;

// Every article and question the mfk fixture pages link to, each served (after `delay`) as a fixture
// page of its kind: a crawl two links deep finds about fifty pages, and every page it finds exists.
void ServeManyMfkPages(hc::testing::HttpServer& server, std::chrono::milliseconds delay) {
  std::set<std::string> paths;
  for (const auto& [path, page] : hc::testing::MfkPages()) {
    paths.insert(path);
    const std::string html = hc::testing::FixtureHtml("mfk", page);
    re2::StringPiece input(html);
    std::string found;
    while (RE2::FindAndConsume(&input, R"(((?:/article|/question)/\d+\.html))", &found)) paths.insert(found);
  }
  for (const std::string& path : paths) {
    std::string page = "question-58213307";
    for (const auto& [known, name] : hc::testing::MfkPages()) {
      if (known == path) page = name;
    }
    if (path.rfind("/article/", 0) == 0 && page == "question-58213307") page = "article";
    auto response = hc::testing::HttpResponse::Html(hc::testing::FixtureHtml("mfk", page));
    response.delay = delay;
    server.Route(path, response);
  }
  server.RobotsTxt("User-agent: *\nAllow: /\n");
}

// One fetch at a time, two links deep: the fault comes in the middle of the crawl.
std::string SiteArgs(const hc::testing::HttpServer& server) {
  return hc::testing::MfkCrawlArgs(server.port(),
                                   "--concurrency 1 --no-progress --allow-private-addresses --max-depth 2");
}

// One statement on its own connection; the first column of the first row, or "error: ...".
std::string Query(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return "error: " + std::string(PQerrorMessage(conn.get()));
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return "error: " + std::string(PQerrorMessage(conn.get()));
  return PQntuples(r.get()) > 0 ? PQgetvalue(r.get(), 0, 0) : "";
}

// Waits until `n` URLs of the crawl are done (committed), at most 60 s.
bool WaitForDone(const std::string& conninfo, int n) {
  for (auto until = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < until;) {
    const std::string done = Query(conninfo, "SELECT count(*) FROM frontier WHERE state <> 'queued'");
    if (done.rfind("error", 0) != 0 && std::atoi(done.c_str()) >= n) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// Terminates every other session on the database (the crawler's).
int TerminateOthers(const std::string& conninfo) {
  return std::atoi(Query(conninfo,
                         "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()")
                       .c_str());
}

// What a crawl decided, without times, row ids or run records: the frontier, the pages and the records.
std::string Dataset(const std::string& conninfo) {
  BackendPeek peek(Backend::kPostgres, conninfo);
  return peek.All(
             "SELECT url_key, state, http_status, depth, attempts, visits FROM frontier ORDER BY url_key") +
         "--\n" + peek.All("SELECT url, page_type, http_status, fetch_count FROM pages ORDER BY url") +
         "--\n" +
         peek.All("SELECT p.url, a.title FROM articles a JOIN pages p ON p.id = a.page_id ORDER BY p.url") +
         "--\n" + peek.All("SELECT name, title FROM doctors ORDER BY name, title") + "--\n" +
         peek.All("SELECT count(*) FROM answers");
}

// Every page once: one row per URL, fetched and stored once, nothing left in flight.
void ExpectEveryPageOnce(const std::string& conninfo) {
  BackendPeek peek(Backend::kPostgres, conninfo);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state IN ('queued', 'in_flight')"), 0);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM pages WHERE fetch_count <> 1"), 0);
  EXPECT_EQ(peek.Int("SELECT count(*) - count(DISTINCT url) FROM pages"), 0);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE state = 'done' AND visits <> 1"), 0);
  EXPECT_GT(peek.Int("SELECT count(*) FROM pages"), 20);
}

// `healthcrawl crawl` into `db` on a thread of its own (env: variables for its command line).
class BackgroundCrawl {
 public:
  BackgroundCrawl(const std::string& db, const hc::testing::HttpServer& server, const std::string& env = "")
      : thread_([this, command = env + Cli("crawl --site mfk --db " + Quote(db) + SiteArgs(server))] {
          rc_ = RunCommand(command, &out_, true);
        }) {}
  ~BackgroundCrawl() {
    if (thread_.joinable()) thread_.join();
  }
  // Waits for the crawl to end; its exit status.
  int Wait() {
    thread_.join();
    return rc_;
  }
  const std::string& out() const { return out_; }

 private:
  int rc_ = -1;
  std::string out_;
  std::thread thread_;  // last: started once the members it writes exist
};

class PgReconnectCli : public ::testing::Test {
 protected:
  void SetUp() override {
    HC_REQUIRE_PG_CLUSTER(cluster);
    shared_ = *cluster;
    ServeManyMfkPages(server_, 40ms);
  }

  // The uninterrupted crawl's dataset, in a database of the run's cluster.
  std::string Reference() {
    hc::testing::PgTestDatabase reference;
    EXPECT_TRUE(reference.Create(shared_).ok());
    std::string out;
    EXPECT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(reference.conninfo()) + SiteArgs(server_)),
                         &out, true),
              0)
        << out;
    return Dataset(reference.conninfo());
  }

  hc::testing::PgCluster shared_;
  hc::testing::HttpServer server_;
};

TEST_F(PgReconnectCli, BackendTerminatedMidCrawlReconnectsAndStoresEveryPageOnce) {
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(shared_).ok());
  BackgroundCrawl crawl(database.conninfo(), server_);
  // Twice: once early, once later, each time with pages in the open batch.
  ASSERT_TRUE(WaitForDone(database.conninfo(), 5));
  EXPECT_GE(TerminateOthers(database.conninfo()), 1);
  ASSERT_TRUE(WaitForDone(database.conninfo(), 20));
  EXPECT_GE(TerminateOthers(database.conninfo()), 1);
  const int rc = crawl.Wait();
  const std::string& out = crawl.out();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("connection lost"), std::string::npos) << out;
  EXPECT_NE(out.find("reconnected after"), std::string::npos) << out;
  ExpectEveryPageOnce(database.conninfo());
  EXPECT_EQ(Dataset(database.conninfo()), Reference());
}

TEST_F(PgReconnectCli, ServerRestartedMidCrawlReconnectsAndStoresEveryPageOnce) {
  hc::testing::PrivatePgCluster own;
  ASSERT_TRUE(own.Start().ok());
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(own.cluster()).ok());
  BackgroundCrawl crawl(database.conninfo(), server_);
  ASSERT_TRUE(WaitForDone(database.conninfo(), 8));
  const hc::Status restarted = own.Restart();
  const int rc = crawl.Wait();
  const std::string& out = crawl.out();
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("reconnected after"), std::string::npos) << out;
  ExpectEveryPageOnce(database.conninfo());
  EXPECT_EQ(Dataset(database.conninfo()), Reference());
}

TEST_F(PgReconnectCli, ServerGonePastTheLimitStopsTheCrawlWhichResumesLater) {
  hc::testing::PrivatePgCluster own;
  ASSERT_TRUE(own.Start().ok());
  hc::testing::PgTestDatabase database;
  ASSERT_TRUE(database.Create(own.cluster()).ok());
  const auto started = std::chrono::steady_clock::now();
  BackgroundCrawl crawl(database.conninfo(), server_, "HEALTHCRAWL_PG_RECONNECT_SECONDS=2 ");
  ASSERT_TRUE(WaitForDone(database.conninfo(), 8));
  ASSERT_TRUE(own.Halt().ok());
  const int rc = crawl.Wait();
  const std::string& out = crawl.out();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 60s);
  EXPECT_EQ(rc, 3) << out;  // the database could not be used (docs/RELIABILITY.md, exit statuses)
  EXPECT_NE(out.find("could not be re-established within 2 s"), std::string::npos) << out;
  EXPECT_NE(out.find("run the command again when the server is back"), std::string::npos) << out;

  ASSERT_TRUE(own.Resume().ok());
  std::string resumed;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(database.conninfo()) + SiteArgs(server_)),
                       &resumed, true),
            0)
      << resumed;
  ExpectEveryPageOnce(database.conninfo());
  EXPECT_EQ(Dataset(database.conninfo()), Reference());
}

using PgConnHandle = std::unique_ptr<PGconn, decltype(&PQfinish)>;

// Makes the database's schema, then has another session (`locker`) hold `table` in ACCESS EXCLUSIVE
// mode in an open transaction, so that a crawl's statements on it wait past a statement timeout.
void CreateAndLock(hc::testing::PgTestDatabase& database, const hc::testing::PgCluster& shared,
                   const std::string& table, PgConnHandle& locker) {
  ASSERT_TRUE(database.Create(shared).ok());
  {
    auto store = hc::store::OpenDatabase(database.conninfo());  // the schema, before the table is locked
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  locker.reset(PQconnectdb(database.conninfo().c_str()));
  ASSERT_EQ(PQstatus(locker.get()), CONNECTION_OK);
  std::unique_ptr<PGresult, decltype(&PQclear)> locked(
      PQexec(locker.get(), ("BEGIN; LOCK TABLE " + table + " IN ACCESS EXCLUSIVE MODE").c_str()), &PQclear);
  ASSERT_EQ(PQresultStatus(locked.get()), PGRES_COMMAND_OK) << PQerrorMessage(locker.get());
}

TEST_F(PgReconnectCli, StatementTimeoutStopsTheCrawlWithAClearMessage) {
  // Another session holds the frontier locked: the crawl's first statement on it waits past the timeout.
  hc::testing::PgTestDatabase database;
  PgConnHandle locker(nullptr, &PQfinish);
  ASSERT_NO_FATAL_FAILURE(CreateAndLock(database, shared_, "frontier", locker));

  std::string out;
  const std::string db = database.conninfo() + " options='-c statement_timeout=300'";
  // In double quotes: the connection string quotes its values in single ones.
  EXPECT_EQ(RunCommand(Cli("crawl --site mfk --db \"" + db + "\"" + SiteArgs(server_)), &out, true), 3)
      << out;
  EXPECT_NE(out.find("postgresql: statement timeout: ERROR:  canceling statement due to statement timeout"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("reconnect"), std::string::npos) << out;  // not a lost connection, not retried
}

TEST_F(PgReconnectCli, AStorageErrorPutsThisProcesssLeasesBackInTheQueue) {
  // A crawl that stops on a storage error rolls back its open batch, and with it the completions of
  // URLs it had leased: it puts them back in the queue as it exits, so the other crawlers of a shared
  // frontier need not wait for the leases to expire. Here every page write waits past the statement
  // timeout (another session holds the pages table), so the crawl has URLs leased when it stops.
  hc::testing::PgTestDatabase database;
  PgConnHandle locker(nullptr, &PQfinish);
  ASSERT_NO_FATAL_FAILURE(CreateAndLock(database, shared_, "pages", locker));

  std::string out;
  const std::string db = database.conninfo() + " options='-c statement_timeout=1000'";
  EXPECT_EQ(RunCommand(Cli("crawl --site mfk --db \"" + db + "\"" + SiteArgs(server_)), &out, true), 3) << out;
  EXPECT_NE(out.find("statement timeout"), std::string::npos) << out;
  EXPECT_NE(out.find("URLs leased to this process are back in the queue"), std::string::npos) << out;
  std::unique_ptr<PGresult, decltype(&PQclear)> unlocked(PQexec(locker.get(), "ROLLBACK"), &PQclear);
  ASSERT_EQ(PQresultStatus(unlocked.get()), PGRES_COMMAND_OK) << PQerrorMessage(locker.get());

  std::unique_ptr<PGresult, decltype(&PQclear)> counts(
      PQexec(locker.get(),
             "SELECT count(*) FILTER (WHERE state = 'in_flight'), count(*) FILTER (WHERE state = 'queued')"
             " FROM frontier"),
      &PQclear);
  ASSERT_EQ(PQresultStatus(counts.get()), PGRES_TUPLES_OK) << PQerrorMessage(locker.get());
  EXPECT_STREQ(PQgetvalue(counts.get(), 0, 0), "0");
  EXPECT_STRNE(PQgetvalue(counts.get(), 0, 1), "0");

  std::string resumed;
  ASSERT_EQ(RunCommand(Cli("crawl --site mfk --db " + Quote(database.conninfo()) + SiteArgs(server_)),
                       &resumed, true),
            0)
      << resumed;
  ExpectEveryPageOnce(database.conninfo());
  EXPECT_EQ(Dataset(database.conninfo()), Reference());
}

}  // namespace
