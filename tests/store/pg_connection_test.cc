// The libpq layer (store/pg_connection_internal.h) against a real PostgreSQL 15 server: the run's
// throw-away cluster (support/pg_support.h), one database cloned from hc_template per test. Every suite
// here is named Pg*, which is what gives its tests the ctest fixture pg_cluster (tests/CMakeLists.txt).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/pg_connection_internal.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace hc::store::pg {
namespace {

using ::hc::testing::PgDatabaseTest;
using ::hc::testing::PgTestDatabase;

// Every byte value, NULs included, twice: what a gzip body or a zstd frame may hold.
std::string AllBytes() {
  std::string bytes;
  for (int round = 0; round < 2; ++round) {
    for (int b = 0; b < 256; ++b) bytes.push_back(static_cast<char>(b));
  }
  return bytes;
}

// One value of a one-row, one-column query.
std::string QueryOne(PgConnection& conn, std::string_view sql) {
  Result<PgResult> r = conn.Exec(sql);
  if (!r.ok()) return "error: " + r.status().ToString();
  if (r->rows() != 1 || r->columns() != 1) return "error: not one value";
  return std::string(r->Text(0, 0));
}

class PgClusterTest : public PgDatabaseTest {};

TEST_F(PgClusterTest, ThrowAwayClusterOnAUnixSocketOnly) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_GE(conn->server_version(), 150000);
  EXPECT_LT(conn->server_version(), 160000);
  EXPECT_EQ(QueryOne(*conn, "SHOW listen_addresses"), "");  // no TCP at all
  EXPECT_EQ(QueryOne(*conn, "SHOW unix_socket_directories"), cluster().host);
  EXPECT_EQ(QueryOne(*conn, "SHOW fsync"), "off");
  EXPECT_EQ(QueryOne(*conn, "SHOW server_encoding"), "UTF8");
  EXPECT_EQ(QueryOne(*conn, "SELECT datistemplate::text FROM pg_database WHERE datname = 'hc_template'"), "true");
  // PostgreSQL never runs as root; under root the script hands the folder to an unprivileged user.
  struct stat st {};
  ASSERT_EQ(::stat(QueryOne(*conn, "SHOW data_directory").c_str(), &st), 0);
  EXPECT_NE(st.st_uid, 0u);
  if (::geteuid() == 0) {
    EXPECT_NE(st.st_uid, ::geteuid());
  }
}

class PgConnectionTest : public PgDatabaseTest {};

TEST_F(PgConnectionTest, ConnectsToItsOwnCloneOfTheTemplate) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_EQ(conn->database(), database().name());
  EXPECT_NE(database().name(), "hc_template");
  EXPECT_EQ(QueryOne(*conn, "SELECT current_database()"), database().name());
  EXPECT_EQ(QueryOne(*conn, "SHOW client_encoding"), "UTF8");
}

TEST_F(PgConnectionTest, UriFormAndPgEnvironmentVariables) {
  // A URI with the socket folder as the host parameter.
  const std::string uri = "postgresql:///" + database().name() + "?host=" + cluster().host + "&port=" +
                          cluster().port + "&user=" + cluster().user;
  Result<PgConnection> by_uri = PgConnection::Open(uri);
  ASSERT_TRUE(by_uri.ok()) << by_uri.status().ToString();
  EXPECT_EQ(by_uri->database(), database().name());

  // What the string leaves out comes from PG*, as in psql. The caller's own PG* come back afterwards.
  const std::vector<std::pair<std::string, std::string>> vars = {
      {"PGHOST", cluster().host}, {"PGPORT", cluster().port}, {"PGUSER", cluster().user},
      {"PGDATABASE", database().name()}};
  std::vector<std::optional<std::string>> saved;
  for (const auto& [var, value] : vars) {
    const char* old = std::getenv(var.c_str());
    saved.push_back(old ? std::optional<std::string>(old) : std::nullopt);
    ::setenv(var.c_str(), value.c_str(), 1);
  }
  Result<PgConnection> by_env = PgConnection::Open("");
  for (size_t i = 0; i < vars.size(); ++i) {
    if (saved[i]) {
      ::setenv(vars[i].first.c_str(), saved[i]->c_str(), 1);
    } else {
      ::unsetenv(vars[i].first.c_str());
    }
  }
  ASSERT_TRUE(by_env.ok()) << by_env.status().ToString();
  EXPECT_EQ(by_env->database(), database().name());
}

TEST_F(PgConnectionTest, EachConnectFailureSaysWhy) {
  const hc::testing::TempDir no_server;  // a folder with no socket in it
  struct Case {
    std::string name, conninfo;
    StatusCode code;
    std::string says;
  };
  const std::string host = "host=" + cluster().host + " port=" + cluster().port;
  const std::vector<Case> cases = {
      {"wrong password", host + " user=hc_password_check password=not-the-password dbname=postgres",
       StatusCode::kIoError, "password authentication failed for user \"hc_password_check\""},
      {"no such database", host + " user=" + cluster().user + " dbname=hc_no_such_database", StatusCode::kIoError,
       "database \"hc_no_such_database\" does not exist"},
      {"server not running", "host=" + no_server.path().string() + " port=5432 user=hc_test dbname=postgres",
       StatusCode::kIoError, no_server.path().string() + "/.s.PGSQL.5432\" failed: No such file or directory"},
      {"malformed keyword/value string", "host=" + cluster().host + " password", StatusCode::kInvalidArgument,
       "bad connection string: missing \"=\" after \"password\""},
      {"malformed URI", "postgresql://[::1", StatusCode::kInvalidArgument, "bad connection string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<PgConnection> conn = PgConnection::Open(c.conninfo);
    ASSERT_FALSE(conn.ok());
    EXPECT_EQ(conn.status().code(), c.code) << conn.status().ToString();
    EXPECT_NE(conn.status().message().find(c.says), std::string::npos) << conn.status().message();
    EXPECT_EQ(conn.status().message().find("not-the-password"), std::string::npos) << conn.status().message();
    EXPECT_EQ(conn.status().message().find('\n'), std::string::npos) << conn.status().message();
  }
  // The same role with its right password gets in: the failure above was the password.
  Result<PgConnection> right =
      PgConnection::Open(host + " user=hc_password_check password=hc-right-password dbname=postgres");
  EXPECT_TRUE(right.ok()) << right.status().ToString();
}

TEST_F(PgConnectionTest, ParametersRoundTripChineseTextBytesAndNull) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (id int PRIMARY KEY, body text, raw bytea)").ok());
  struct Case {
    std::string name;
    std::optional<std::string> body, raw;
  };
  const std::vector<Case> cases = {
      {"Chinese text and bytes", "高血压患者应该低盐饮食，每日食盐摄入量不超过5克。", AllBytes()},
      {"SQL in the value stays a value", "'); DROP TABLE t; --", std::string("\0\x01'\\x", 5)},
      {"4-byte UTF-8 and a lone backslash", "𠮷野家 \\ 😷", std::string("\\x00")},
      {"empty, not NULL", std::string(), std::string()},
      {"NULL", std::nullopt, std::nullopt},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].name);
    const Case& c = cases[i];
    const std::string id = std::to_string(i);
    Result<PgResult> inserted =
        conn->Exec("INSERT INTO t (id, body, raw) VALUES ($1, $2, $3)",
                   {Param::Text(id), c.body ? Param::Text(*c.body) : Param::Null(),
                    c.raw ? Param::Bytes(*c.raw) : Param::Null()});
    ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
    EXPECT_EQ(inserted->AffectedRows(), 1);
    Result<PgResult> row = conn->Exec("SELECT body, raw, octet_length(raw) FROM t WHERE id = $1", {Param::Text(id)});
    ASSERT_TRUE(row.ok()) << row.status().ToString();
    ASSERT_EQ(row->rows(), 1);
    EXPECT_EQ(row->IsNull(0, 0), !c.body.has_value());
    EXPECT_EQ(row->IsNull(0, 1), !c.raw.has_value());
    if (c.body) {
      EXPECT_EQ(row->Text(0, 0), *c.body);
    }
    if (c.raw) {
      Result<std::string> bytes = row->Bytes(0, 1);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      EXPECT_EQ(*bytes, *c.raw);
      EXPECT_EQ(row->Text(0, 2), std::to_string(c.raw->size()));  // the server stored every byte
    }
  }
  EXPECT_EQ(QueryOne(*conn, "SELECT count(*) FROM t"), std::to_string(cases.size()));
  EXPECT_EQ(QueryOne(*conn, "SELECT length(body) FROM t WHERE id = 0"), "25");  // characters, not bytes
}

TEST_F(PgConnectionTest, StatementFailuresCarryTheServersMessage) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  struct Case {
    std::string name, sql;
    std::vector<Param> params;
    StatusCode code;
    std::string says;
  };
  const std::string with_nul("a\0b", 3);
  const std::vector<Case> cases = {
      {"no such table", "SELECT * FROM no_such_table", {}, StatusCode::kIoError,
       "relation \"no_such_table\" does not exist"},
      {"syntax", "SELEC 1", {}, StatusCode::kIoError, "(SQLSTATE 42601)"},
      {"bad parameter text", "SELECT $1::int", {Param::Text("十二")}, StatusCode::kIoError,
       "invalid input syntax for type integer"},
      {"text with a NUL byte", "SELECT $1::text", {Param::Text(with_nul)}, StatusCode::kInvalidArgument,
       "text parameter $1 holds a NUL byte"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Result<PgResult> r = conn->Exec(c.sql, std::span<const Param>(c.params));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), c.code) << r.status().ToString();
    EXPECT_NE(r.status().message().find(c.says), std::string::npos) << r.status().message();
  }
  // The connection is still good after each failure.
  EXPECT_EQ(QueryOne(*conn, "SELECT 1 + 1"), "2");
}

// How many statements this session has prepared under the given SQL text.
std::string PreparedCount(PgConnection& conn, std::string_view sql) {
  Result<PgResult> r =
      conn.Exec("SELECT count(*) FROM pg_prepared_statements WHERE statement = $1", {Param::Text(sql)});
  if (!r.ok()) return "error: " + r.status().ToString();
  return std::string(r->Text(0, 0));
}

// Exec prepares a statement on its first run and reuses it (the write path's parse and plan, once per
// session); a reconnect, a table changed under it, a failed prepare and a bulk statement each behave.
TEST_F(PgConnectionTest, EachStatementIsPreparedOncePerSession) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  Result<PgConnection> other = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok() && other.ok());
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (id int PRIMARY KEY, name text)").ok());
  const std::string insert = "INSERT INTO t (id, name) VALUES ($1::int, $2)";
  for (int i = 1; i <= 3; ++i) {
    auto r = conn->Exec(insert, {Param::Text(std::to_string(i)), Param::Text("医生" + std::to_string(i))});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->AffectedRows(), 1);
  }
  EXPECT_EQ(PreparedCount(*conn, insert), "1");
  EXPECT_EQ(QueryOne(*conn, "SELECT string_agg(name, ',' ORDER BY id) FROM t"), "医生1,医生2,医生3");

  // A failed prepare is the statement's own error, and nothing is kept for it.
  auto bad = conn->Exec("SELEC $1", {Param::Text("1")});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("(SQLSTATE 42601)"), std::string::npos) << bad.status().message();
  EXPECT_EQ(PreparedCount(*conn, "SELEC $1"), "0");

  // Another session adds a column: `SELECT *` prepared before would change its result type. Outside a
  // transaction the statement is prepared again and answers with the new column.
  const std::string star = "SELECT * FROM t WHERE id = $1::int";
  ASSERT_TRUE(conn->Exec(star, {Param::Text("1")}).ok());
  ASSERT_TRUE(other->Exec("ALTER TABLE t ADD COLUMN hospital text").ok());
  auto after = conn->Exec(star, {Param::Text("1")});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->columns(), 3);
  // Inside a transaction that change fails the transaction (its earlier work cannot be redone here);
  // the statement's next run, in a new transaction, works.
  ASSERT_TRUE(other->Exec("ALTER TABLE t ADD COLUMN title text").ok());
  {
    Result<PgTransaction> tx = PgTransaction::Begin(*conn);
    ASSERT_TRUE(tx.ok());
    auto stale = conn->Exec(star, {Param::Text("1")});
    ASSERT_FALSE(stale.ok());
    EXPECT_NE(stale.status().message().find("(SQLSTATE 0A000)"), std::string::npos) << stale.status().message();
  }
  auto fresh = conn->Exec(star, {Param::Text("1")});
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_EQ(fresh->columns(), 4);

  // ExecUnprepared plans each run for its values and keeps nothing.
  const std::string once = "SELECT count(*) FROM t WHERE id = ANY($1::int[])";
  for (int i = 0; i < 7; ++i) {
    auto r = conn->ExecUnprepared(once, {Param::Text("{1,2,9}")});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->Text(0, 0), "2");
  }
  EXPECT_EQ(PreparedCount(*conn, once), "0");

  // A bulk statement (over 64 parameters) runs unprepared.
  std::string bulk = "SELECT $1::int";
  std::vector<Param> many = {Param::Text("0")};
  for (int i = 2; i <= 70; ++i) bulk += " + $" + std::to_string(i) + "::int";
  for (int i = 2; i <= 70; ++i) many.push_back(Param::Text("1"));
  auto sum = conn->Exec(bulk, std::span<const Param>(many));
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->Text(0, 0), "69");
  EXPECT_EQ(PreparedCount(*conn, bulk), "0");

  // A new session after the old one was killed prepares again; the statement works there too.
  const std::string pid = QueryOne(*conn, "SELECT pg_backend_pid()");
  ASSERT_TRUE(other->Exec("SELECT pg_terminate_backend($1::int)", {Param::Text(pid)}).ok());
  EXPECT_FALSE(conn->Exec(insert, {Param::Text("4"), Param::Text("x")}).ok());
  ASSERT_TRUE(conn->broken());
  ASSERT_TRUE(conn->Reconnect().ok());
  auto again = conn->Exec(insert, {Param::Text("4"), Param::Text("医生4")});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(PreparedCount(*conn, insert), "1");
}

// ExecPipeline runs statements in order in one round trip; each sees the ones before it; results come
// back in order, parameters (text, bytes, NULL) as Exec's; statements are prepared once per session.
TEST_F(PgConnectionTest, APipelineRunsItsStatementsInOrderAndAnswersEach) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (id int PRIMARY KEY, name text, body bytea)").ok());
  const std::string bytes = AllBytes();
  const std::string insert = "INSERT INTO t (id, name, body) VALUES ($1::int, $2, $3) RETURNING id";
  const std::vector<Param> first = {Param::Text("1"), Param::Text("主任医师"), Param::Bytes(bytes)};
  const std::vector<Param> second = {Param::Text("2"), Param::Null(), Param::Null()};
  const std::vector<Param> count = {};
  const std::vector<PgConnection::Statement> statements = {
      {insert, first},
      {insert, second},
      {"SELECT count(*), string_agg(coalesce(name, '-'), ',' ORDER BY id) FROM t", count},
      {"UPDATE t SET name = 'x' WHERE id > 5", count},
  };
  auto results = conn->ExecPipeline(statements);
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 4u);
  EXPECT_EQ((*results)[0].Text(0, 0), "1");
  EXPECT_EQ((*results)[1].Text(0, 0), "2");
  EXPECT_EQ((*results)[2].Text(0, 0), "2");  // the third sees the first two
  EXPECT_EQ((*results)[2].Text(0, 1), "主任医师,-");
  EXPECT_EQ((*results)[3].AffectedRows(), 0);
  auto body = conn->Exec("SELECT body FROM t WHERE id = 1");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->Bytes(0, 0).value(), bytes);
  EXPECT_EQ(PreparedCount(*conn, insert), "1");  // prepared once, in the pipeline, for both
  // The session is out of pipeline mode: plain statements work, and so does another pipeline, whose
  // statements are already prepared.
  EXPECT_EQ(QueryOne(*conn, "SELECT 40 + 2"), "42");
  const std::vector<Param> third = {Param::Text("3"), Param::Text("医生"), Param::Null()};
  const std::vector<Param> fourth = {Param::Text("4"), Param::Text("医生"), Param::Null()};
  auto again = conn->ExecPipeline(std::vector<PgConnection::Statement>{{insert, third}, {insert, fourth}});
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ((*again)[1].Text(0, 0), "4");
  EXPECT_EQ(PreparedCount(*conn, insert), "1");
  // None, and one, are fine.
  auto none = conn->ExecPipeline({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// The first statement that fails is the pipeline's Status, with the server's message; the ones after it
// do not run. In a transaction the failure aborts it (as a failed Exec does); outside one, the pipeline
// is one implicit transaction, all or nothing. A failed prepare keeps nothing; the session stays usable.
TEST_F(PgConnectionTest, APipelineStopsAtItsFirstFailure) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (id int PRIMARY KEY)").ok());
  const std::string insert = "INSERT INTO t (id) VALUES ($1::int)";
  const std::vector<Param> one = {Param::Text("1")}, two = {Param::Text("2")}, three = {Param::Text("3")};
  const std::vector<Param> none = {};
  {
    // Outside a transaction: the duplicate fails, 3 never runs, and the first insert is undone with it.
    auto r = conn->ExecPipeline(
        std::vector<PgConnection::Statement>{{insert, one}, {insert, one}, {insert, three}});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kIoError);
    EXPECT_NE(r.status().message().find("(SQLSTATE 23505)"), std::string::npos) << r.status().message();
    EXPECT_TRUE(LostInsertRace(r.status()));
    EXPECT_EQ(QueryOne(*conn, "SELECT count(*) FROM t"), "0");
    ASSERT_TRUE(conn->Exec(insert, std::span<const Param>(one)).ok());
  }
  {
    // In a transaction: the failure aborts it; COMMIT reports the rollback.
    Result<PgTransaction> tx = PgTransaction::Begin(*conn);
    ASSERT_TRUE(tx.ok());
    auto r = conn->ExecPipeline(
        std::vector<PgConnection::Statement>{{insert, two}, {"SELEC 1", none}, {insert, three}});
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("(SQLSTATE 42601)"), std::string::npos) << r.status().message();
    EXPECT_FALSE(tx->Commit().ok());
  }
  EXPECT_EQ(QueryOne(*conn, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"), "1");
  EXPECT_EQ(PreparedCount(*conn, "SELEC 1"), "0");
  // A NUL byte in a text parameter is refused before anything is sent.
  const std::string with_nul("a\0b", 3);
  const std::vector<Param> bad = {Param::Text(with_nul)};
  auto refused = conn->ExecPipeline(std::vector<PgConnection::Statement>{{insert, two}, {"SELECT $1::text", bad}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(QueryOne(*conn, "SELECT count(*) FROM t"), "1");
  // A lost connection is "connection lost", as for Exec, and Reconnect makes the session usable again.
  Result<PgConnection> other = PgConnection::Open(conninfo());
  ASSERT_TRUE(other.ok());
  const std::string pid = QueryOne(*conn, "SELECT pg_backend_pid()");
  ASSERT_TRUE(other->Exec("SELECT pg_terminate_backend($1::int)", {Param::Text(pid)}).ok());
  auto lost = conn->ExecPipeline(std::vector<PgConnection::Statement>{{insert, two}, {insert, three}});
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.status().message().find("connection lost"), std::string::npos) << lost.status().message();
  EXPECT_TRUE(conn->broken());
  ASSERT_TRUE(conn->Reconnect().ok());
  auto after = conn->ExecPipeline(std::vector<PgConnection::Statement>{{insert, two}, {insert, three}});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(QueryOne(*conn, "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"), "1,2,3");
}

TEST_F(PgConnectionTest, LockNotAvailableIsBusy) {
  Result<PgConnection> holder = PgConnection::Open(conninfo());
  Result<PgConnection> waiter = PgConnection::Open(conninfo());
  ASSERT_TRUE(holder.ok() && waiter.ok());
  ASSERT_TRUE(holder->Exec("CREATE TABLE leases (id int PRIMARY KEY)").ok());
  ASSERT_TRUE(holder->Exec("INSERT INTO leases VALUES (1)").ok());
  Result<PgTransaction> tx = PgTransaction::Begin(*holder);
  ASSERT_TRUE(tx.ok()) << tx.status().ToString();
  ASSERT_TRUE(holder->Exec("SELECT id FROM leases WHERE id = 1 FOR UPDATE").ok());
  Result<PgResult> r = waiter->Exec("SELECT id FROM leases WHERE id = 1 FOR UPDATE NOWAIT");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBusy) << r.status().ToString();
  EXPECT_NE(r.status().message().find("SQLSTATE 55P03"), std::string::npos) << r.status().message();
}

TEST_F(PgConnectionTest, TransactionGuardCommitsOrRollsBack) {
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  ASSERT_TRUE(conn->Exec("CREATE TABLE t (id int PRIMARY KEY)").ok());
  {  // destroyed uncommitted: rolled back
    Result<PgTransaction> tx = PgTransaction::Begin(*conn);
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (1)").ok());
  }
  EXPECT_EQ(QueryOne(*conn, "SELECT count(*) FROM t"), "0");
  {  // committed
    Result<PgTransaction> tx = PgTransaction::Begin(*conn);
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (2)").ok());
    const Status committed = tx->Commit();
    EXPECT_TRUE(committed.ok()) << committed.ToString();
    EXPECT_FALSE(tx->Commit().ok());  // once only
  }
  EXPECT_EQ(QueryOne(*conn, "SELECT string_agg(id::text, ',') FROM t"), "2");
  {  // a statement failed inside: COMMIT reports the rollback instead of pretending
    Result<PgTransaction> tx = PgTransaction::Begin(*conn);
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (3)").ok());
    EXPECT_FALSE(conn->Exec("INSERT INTO t VALUES (2)").ok());  // duplicate key
    const Status committed = tx->Commit();
    ASSERT_FALSE(committed.ok());
    EXPECT_NE(committed.message().find("rolled back"), std::string::npos) << committed.message();
  }
  EXPECT_EQ(QueryOne(*conn, "SELECT string_agg(id::text, ',') FROM t"), "2");
  {  // a guard moved out of the Result still owns the transaction
    Result<PgTransaction> begun = PgTransaction::Begin(*conn);
    ASSERT_TRUE(begun.ok());
    PgTransaction tx = std::move(begun).value();
    ASSERT_TRUE(conn->Exec("INSERT INTO t VALUES (4)").ok());
  }
  EXPECT_EQ(QueryOne(*conn, "SELECT count(*) FROM t"), "1");
}

class PgTemplateTest : public PgDatabaseTest {};

// Two tests' databases at once, on two threads: each a clone of hc_template, neither sees the other's
// tables or rows. (ctest -j runs the Pg* tests of the suite in parallel processes as well.)
TEST_F(PgTemplateTest, ParallelTestsEachHaveTheirOwnDatabase) {
  constexpr int kRows = 200;
  struct Outcome {
    std::string name, error, sum, tables;
  };
  std::vector<Outcome> outcomes(2);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Outcome& out = outcomes[t];
      PgTestDatabase db;
      if (Status s = db.Create(cluster()); !s.ok()) {
        out.error = s.ToString();
        return;
      }
      out.name = db.name();
      Result<PgConnection> conn = PgConnection::Open(db.conninfo());
      if (!conn.ok()) {
        out.error = conn.status().ToString();
        return;
      }
      const std::string table = "rows_of_" + std::to_string(t);
      if (!conn->Exec("CREATE TABLE " + table + " (n int)").ok()) out.error = "create";
      for (int i = 1; i <= kRows && out.error.empty(); ++i) {
        const std::string n = std::to_string(i * (t + 1));
        if (!conn->Exec("INSERT INTO " + table + " VALUES ($1)", {Param::Text(n)}).ok()) out.error = "insert " + n;
      }
      out.sum = QueryOne(*conn, "SELECT sum(n) FROM " + table);
      out.tables = QueryOne(*conn,
                            "SELECT string_agg(tablename, ',') FROM pg_tables WHERE schemaname = 'public'");
    });
  }
  for (auto& th : threads) th.join();
  const int base = kRows * (kRows + 1) / 2;
  for (int t = 0; t < 2; ++t) {
    SCOPED_TRACE(t);
    EXPECT_EQ(outcomes[t].error, "");
    EXPECT_EQ(outcomes[t].sum, std::to_string(base * (t + 1)));
    EXPECT_EQ(outcomes[t].tables, "rows_of_" + std::to_string(t));  // its own table only
  }
  EXPECT_NE(outcomes[0].name, outcomes[1].name);
  EXPECT_NE(outcomes[0].name, database().name());
  // This test's own clone is still the empty template.
  Result<PgConnection> conn = PgConnection::Open(conninfo());
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  EXPECT_EQ(QueryOne(*conn, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"), "0");
}

TEST_F(PgTemplateTest, ClonesAreDroppedWithTheirTestEvenWhenAConnectionIsLeft) {
  Result<PgConnection> admin = PgConnection::Open(cluster().Conninfo("postgres"));
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  auto clones_named = [&](const std::string& name) {
    Result<PgResult> r = admin->Exec("SELECT count(*) FROM pg_database WHERE datname = $1", {Param::Text(name)});
    return r.ok() ? std::string(r->Text(0, 0)) : r.status().ToString();
  };
  std::optional<PgTestDatabase> db;
  db.emplace();
  ASSERT_TRUE(db->Create(cluster()).ok());
  const std::string name = db->name();
  Result<PgConnection> left_open = PgConnection::Open(db->conninfo());
  ASSERT_TRUE(left_open.ok()) << left_open.status().ToString();
  EXPECT_EQ(clones_named(name), "1");
  db.reset();
  EXPECT_EQ(clones_named(name), "0");
}

}  // namespace
}  // namespace hc::store::pg
