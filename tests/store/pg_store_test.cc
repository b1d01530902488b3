// The PostgreSQL backend's opening: which locations are PostgreSQL, the schema (the same tables and
// columns as SQLite's, the version table, the marker, migrations under an advisory lock) and the
// faults a user meets first (a wrong password, no server, a database of another application), each a
// clear Status, against the test cluster's real server.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/database.h"
#include "store/page_builders.h"
#include "store/pg_connection_internal.h"
#include "store/pg_schema_internal.h"
#include "store/schema_internal.h"
#include "store/sqlite_store_internal.h"
#include "support/backend_support.h"
#include "support/pg_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using hc::testing::Backend;
using hc::testing::BackendPeek;

TEST(PostgresLocationTest, UrisAndKeywordStringsArePostgresEverythingElseIsAFile) {
  for (const char* pg : {"postgresql://hc@db.example/crawl", "postgres://localhost/hc", "postgresql:///hc",
                         "host=/run/postgresql dbname=hc", "dbname=hc", "  service = crawl"}) {
    EXPECT_TRUE(IsPostgresLocation(pg)) << pg;
  }
  for (const char* file : {"crawl.db", "/var/lib/hc/crawl.db", "./a=b.db", "data/x.db", "", "=x",
                           "postgresql:/not-a-uri.db", "my crawl.db"}) {
    EXPECT_FALSE(IsPostgresLocation(file)) << file;
  }
}

TEST(PostgresLocationTest, BothBackendsWriteTheSameSchemaVersion) {
  EXPECT_EQ(pg::PgSchemaVersion(), CurrentSchemaVersion());
  ASSERT_EQ(pg::PgMigrations().size(), internal::Migrations().size());
  for (size_t i = 0; i < pg::PgMigrations().size(); ++i)
    EXPECT_EQ(pg::PgMigrations()[i].version, internal::Migrations()[i].version);
}

class PgSchemaTest : public hc::testing::PgDatabaseTest {
 protected:
  std::unique_ptr<Database> OpenOk(const StoreOptions& options = {}) {
    auto db = OpenDatabase(conninfo(), options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  BackendPeek Peek() { return BackendPeek(Backend::kPostgres, conninfo()); }
  void Sql(const std::string& sql) {
    auto conn = pg::PgConnection::Open(conninfo());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    auto r = conn->ExecScript(sql);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
};

TEST_F(PgSchemaTest, BothBackendsHaveTheSameTablesAndColumns) {
  hc::testing::TempDir dir;
  const std::string file = (dir / "crawl.db").string();
  { ASSERT_TRUE(OpenDatabase(file).ok()); }
  ASSERT_TRUE(OpenOk() != nullptr);
  const std::string sqlite =
      BackendPeek(Backend::kSqlite, file)
          .All(
              "SELECT m.name, p.name FROM sqlite_schema m, pragma_table_info(m.name) p"
              " WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite%' ORDER BY m.name, p.cid");
  const std::string postgres = Peek().All(
      "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
      " AND table_name <> 'healthcrawl_schema_versions' ORDER BY table_name COLLATE \"C\", ordinal_position");
  EXPECT_GT(sqlite.size(), 1000u);
  EXPECT_EQ(postgres, sqlite);
}

TEST_F(PgSchemaTest, AFreshDatabaseIsMigratedMarkedAndLeftAloneWhenCurrent) {
  ASSERT_TRUE(OpenOk() != nullptr);
  auto peek = Peek();
  EXPECT_EQ(peek.Int("SELECT count(*) FROM healthcrawl_schema_versions"),
            static_cast<int64_t>(pg::PgMigrations().size()));
  EXPECT_EQ(peek.Int("SELECT max(version) FROM healthcrawl_schema_versions"), CurrentSchemaVersion());
  EXPECT_EQ(peek.Text("SELECT obj_description('healthcrawl_schema_versions'::regclass, 'pg_class')"),
            "healthcrawl dataset");
  EXPECT_EQ(peek.Int("SELECT value FROM change_seq"), 1);
  EXPECT_EQ(peek.Int("SELECT last_value FROM change_seq_next"), 1);  // migration 13: the sequence goes on from the row
  const std::string applied =
      peek.All("SELECT version, applied_at FROM healthcrawl_schema_versions ORDER BY 1");
  ASSERT_TRUE(OpenOk() != nullptr);
  ASSERT_TRUE(OpenOk({.read_only = true}) != nullptr);
  EXPECT_EQ(Peek().All("SELECT version, applied_at FROM healthcrawl_schema_versions ORDER BY 1"), applied);
  auto db = OpenOk();
  ASSERT_TRUE(db != nullptr);
  EXPECT_TRUE(db->CheckIntegrity().ok());
}

TEST_F(PgSchemaTest, ProcessesOpeningAFreshDatabaseAtOnceMigrateItOnce) {
  std::vector<std::thread> openers;
  std::vector<Status> results(4);
  for (size_t i = 0; i < results.size(); ++i) {
    openers.emplace_back([&, i] { results[i] = OpenDatabase(conninfo()).status(); });
  }
  for (auto& t : openers) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Peek().Int("SELECT count(*) FROM healthcrawl_schema_versions"),
            static_cast<int64_t>(pg::PgMigrations().size()));
}

TEST_F(PgSchemaTest, ADatabaseOfAnotherApplicationIsRefusedAndLeftUntouched) {
  Sql("CREATE TABLE invoices (id bigint PRIMARY KEY, total numeric)");
  auto db = OpenDatabase(conninfo());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption);
  EXPECT_NE(db.status().message().find("is not a healthcrawl database"), std::string::npos)
      << db.status().message();
  EXPECT_NE(db.status().message().find("invoices"), std::string::npos) << db.status().message();
  EXPECT_EQ(Peek().Int("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), 1);
}

TEST_F(PgSchemaTest, AVersionTableWithoutTheMarkerOrFromANewerBuildIsRefused) {
  Sql("CREATE TABLE healthcrawl_schema_versions (version bigint)");
  auto foreign = OpenDatabase(conninfo());
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("not healthcrawl's"), std::string::npos)
      << foreign.status().message();

  Sql("DROP TABLE healthcrawl_schema_versions");
  ASSERT_TRUE(OpenOk() != nullptr);
  Sql("INSERT INTO healthcrawl_schema_versions VALUES (99, 'from the future', '2030-01-01T00:00:00Z')");
  auto newer = OpenDatabase(conninfo());
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), StatusCode::kCorruption);
  EXPECT_NE(newer.status().message().find("schema version 99 is newer"), std::string::npos)
      << newer.status().message();
}

TEST_F(PgSchemaTest, ReadingAnEmptyDatabaseIsNotFoundAndReadOnlyRefusesWrites) {
  auto empty = OpenDatabase(conninfo(), {.read_only = true});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kNotFound);
  EXPECT_NE(empty.status().message().find("no healthcrawl dataset"), std::string::npos);
  auto no_create = OpenDatabase(conninfo(), {.create = false});
  EXPECT_EQ(no_create.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Peek().Int("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"), 0);

  ASSERT_TRUE(OpenOk() != nullptr);
  auto reader = OpenOk({.read_only = true});
  ASSERT_TRUE(reader != nullptr);
  EXPECT_FALSE(reader->BeginRun({.command = "crawl", .sites = "mfk"}).ok());
}

TEST_F(PgSchemaTest, ConnectFaultsAreClearMessages) {
  const std::string host = "host='" + cluster().host + "' port=" + cluster().port;
  struct Case {
    std::string what, location;
    StatusCode code;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"wrong password", host + " user=hc_password_check password=not-the-password dbname=postgres",
       StatusCode::kIoError, "password authentication failed for user \"hc_password_check\""},
      {"no server", "host=/nonexistent-hc-socket-dir dbname=hc connect_timeout=2", StatusCode::kIoError,
       "cannot connect"},
      {"refused port", "postgresql://127.0.0.1:1/hc?connect_timeout=2", StatusCode::kIoError,
       "cannot connect"},
      {"no such database", host + " user=" + cluster().user + " dbname=hc_no_such_database",
       StatusCode::kIoError, "database \"hc_no_such_database\" does not exist"},
      {"bad string", "host=x dbnme=hc", StatusCode::kInvalidArgument, "bad connection string"},
  };
  for (const Case& c : cases) {
    auto db = OpenDatabase(c.location);
    ASSERT_FALSE(db.ok()) << c.what;
    EXPECT_EQ(db.status().code(), c.code) << c.what << ": " << db.status().ToString();
    EXPECT_NE(db.status().message().find(c.says), std::string::npos)
        << c.what << ": " << db.status().message();
    EXPECT_EQ(db.status().message().find("not-the-password"), std::string::npos) << c.what;
  }
}

// Run records on both backends (the store's run log; reaping dead runs).
class RunRecordTest : public hc::testing::BackendTest {};

TEST_P(RunRecordTest, BeginHeartbeatFinishAndReapADeadRun) {
  auto db = Open();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  RunInfo info{
      .command = "crawl", .sites = "mfk", .started_at = TimePoint(std::chrono::seconds(1'770'000'000))};
  auto run = (*db)->BeginRun(info);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  RunStats so_far;
  so_far.pages_fetched = 3;
  ASSERT_TRUE((*db)->Heartbeat(*run, info.started_at + std::chrono::seconds(5), so_far).ok());
  RunStats done;
  done.finished_at = info.started_at + std::chrono::seconds(9);
  done.pages_fetched = 4;
  done.pages_stored = 2;
  done.extra = {{"note", "公告"}};
  ASSERT_TRUE((*db)->FinishRun(*run, done).ok());

  // A run on another host whose heartbeat stopped long ago is marked killed.
  RunInfo other{
      .command = "crawl", .sites = "xywy", .started_at = info.started_at, .host = "elsewhere", .pid = 42};
  auto dead = (*db)->BeginRun(other);
  ASSERT_TRUE(dead.ok());
  auto reaped = (*db)->ReapDeadRuns(info.started_at + std::chrono::hours(1), std::chrono::minutes(1));
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(*reaped, std::vector<int64_t>{*dead});
  db->reset();

  EXPECT_EQ(Peek().All("SELECT command, sites, started_at, finished_at, outcome, pages_fetched, pages_stored,"
                       " extra, heartbeat_at FROM crawl_runs ORDER BY id"),
            "crawl|mfk|2026-02-02T02:40:00Z|2026-02-02T02:40:09Z|ok|4|2|{\"note\":\"公告\"}|1770000005000\n"
            "crawl|xywy|2026-02-02T02:40:00Z|2026-02-02T02:40:00Z|killed|0|0|{}|1770000000000\n");
}

HC_INSTANTIATE_BACKEND_TEST(RunRecordTest);

// The same observations into both backends export the same bytes, table by table, as CSV and JSONL, and
// as nested documents, and give the same stats.
TEST_F(PgSchemaTest, BothBackendsExportTheSameBytes) {
  using testing::Article;
  using testing::At;
  using testing::Card;
  using testing::Disease;
  using testing::Page;
  hc::testing::TempDir dir;
  FakeClock clock{At("2026-03-01T00:00:00Z")};
  const std::string nasty = std::string("引号\"，逗号, 换行\r\n'; DROP TABLE x;-- 😷 ") + '\t' + "end";
  std::vector<PageObservation> pages;
  pages.push_back(Page("https://www.mfk.com/article/1.html", "2026-03-01T02:00:00Z",
                       Article(nasty, 100,
                               Json::array({Card("https://www.mfk.com/question/1.html", "李明", nasty),
                                            Card("https://www.mfk.com/question/2.html", "张华", "少吃盐")}),
                               Json::array({Disease("高血压"), Disease("糖尿病")}))));
  pages.push_back(Page("https://www.mfk.com/article/1.html", "2026-03-02T02:00:00Z",
                       Article(nasty, 130,
                               Json::array({Card("https://www.mfk.com/question/1.html", "李明", nasty),
                                            Card("https://www.mfk.com/question/2.html", "张华", "少吃盐")}),
                               Json::array({Disease("高血压"), Disease("糖尿病")}))));
  pages.push_back(Page("https://www.xywy.com/a/1.html", "2026-03-01T04:00:00Z",
                       Article("寻医问药", std::nullopt), "xywy"));
  PageObservation failed = Page("https://www.mfk.com/article/2.html", "2026-03-01T05:00:00Z", Json());
  failed.http_status = 404;
  failed.failure_reason = "http 404";
  pages.push_back(failed);
  // Sites with child lists (record_children), views and helpful votes: the records their fixtures'
  // golden files hold, as extraction gives them (a doctor's consultations, an answer's follow-ups).
  for (const char* fixture : {"haodf/doctor-4876", "haodf/wenda-8876519024", "haodf/wenda-8876543210",
                              "profiles/doctor-301", "profiles/question-9001"}) {
    const Json golden = Json::parse(hc::testing::ReadFile(hc::testing::FixturesDir() / "sites" /
                                                          (std::string(fixture) + ".expected.json")));
    const Json& record = golden["records"][0];
    pages.push_back(Page(golden["url"], golden["fetched_at"], record, golden["site"]));
    // A revisit a day later, the page unchanged but for its counters, then one whose lists changed.
    Json counters = record;
    if (counters.contains("views")) counters["views"] = 1000;
    if (counters.contains("answers") && !counters["answers"].empty())
      counters["answers"][0]["helpful_votes"] = 7;
    pages.push_back(Page(golden["url"], "2026-03-04T00:00:00Z", counters, golden["site"]));
  }

  // One page naming the same rows several times (PostgreSQL writes a page's answers in pipelined
  // rounds, pg_answers.cc; SQLite one at a time): a doctor on four cards whose title changes and comes
  // back, two cards of one question with different titles, one question-and-doctor pair twice (the
  // longer text wins), a card of a doctor and a question stored by the pages above (its answer merged),
  // a new doctor at a new hospital, an anonymous card without a question; then a revisit that changes
  // them again; then a question page answering twice by one doctor and twice anonymously.
  {
    auto card = [](const std::string& q, const std::string& doctor, const std::string& text,
                   const std::string& hospital = "协和医院") {
      return Card(q.empty() ? q : "https://www.mfk.com/question/" + q + ".html", doctor, text, hospital);
    };
    // The anonymous card comes first: its answer is deleted and inserted again on the revisit, and
    // SQLite gives a new row the highest id + 1 where PostgreSQL's identity never reuses one, so the
    // ids agree only while that answer is not the newest row.
    Json anonymous = card("", "", "无名");
    anonymous["question_url"] = nullptr;
    anonymous["question_title"] = nullptr;
    anonymous["doctor_name"] = nullptr;
    Json cards = Json::array({anonymous});
    cards.push_back(card("7", "李明", "短"));
    cards.push_back(card("7", "李明", "这是更长的一条回答"));
    cards.back()["question_title"] = "问题七的新标题";
    cards.push_back(card("8", "李明", "八"));
    cards.back()["doctor_title"] = "副主任医师";
    cards.push_back(card("8", "王芳", "九", "人民医院"));
    cards.push_back(card("1", "李明", "补"));
    cards.push_back(card("2", "张华", "少吃盐，多运动，定期复查血压"));
    cards.push_back(card("9", "李明", "十"));
    cards.back()["doctor_title"] = "主任医师";
    cards.back()["extra"] = {{"badge", "金牌"}};
    pages.push_back(Page("https://www.mfk.com/article/3.html", "2026-03-01T06:00:00Z",
                         Article("同一位医生", 5, cards, Json::array({Disease("高血压")}))));
    Json revisit = cards;
    revisit[1]["doctor_title"] = nullptr;
    revisit[3]["doctor_title"] = "主治医师";
    revisit[4]["hospital_grade"] = "三乙";
    revisit[7]["answer_text"] = "十，补充了很多内容";
    revisit.erase(2);
    pages.push_back(Page("https://www.mfk.com/article/3.html", "2026-03-02T06:00:00Z",
                         Article("同一位医生", 6, revisit, Json::array({Disease("高血压")}))));
    const Json golden = Json::parse(
        hc::testing::ReadFile(hc::testing::FixturesDir() / "sites" / "profiles/question-9001.expected.json"));
    Json question = golden["records"][0];
    Json twice = question["answers"][0];
    twice["answer_text"] = "第二次回答，比第一次长得多的文本";
    twice["doctor_title"] = "主任医师";
    Json nameless = question["answers"][1];
    nameless["doctor_name"] = nullptr;
    question["answers"].push_back(twice);
    question["answers"].push_back(nameless);
    question["answers"].push_back(nameless);
    pages.push_back(Page("https://www.mfk.com/question/7.html", "2026-03-02T07:00:00Z", question));
  }

  std::vector<std::string> exported;
  for (const std::string& location : {(dir / "crawl.db").string(), conninfo()}) {
    auto db = OpenDatabase(location, {.clock = &clock});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto run =
        (*db)->BeginRun({.command = "ingest", .sites = "mfk,xywy", .started_at = At("2026-03-01T01:00:00Z")});
    ASSERT_TRUE(run.ok());
    for (const PageObservation& page : pages) ASSERT_TRUE((*db)->PutPage(page).ok());
    ASSERT_TRUE((*db)->Flush().ok());
    RunStats stats;
    stats.finished_at = At("2026-03-01T06:00:00Z");
    stats.pages_stored = 3;
    ASSERT_TRUE((*db)->FinishRun(*run, stats).ok());
    std::string all;
    for (ExportFormat format : {ExportFormat::kCsv, ExportFormat::kJsonl}) {
      const auto out = dir / (std::string(IsPostgresLocation(location) ? "pg" : "sqlite") +
                              (format == ExportFormat::kCsv ? "-csv" : "-jsonl"));
      auto summary = RunExport(
          **db,
          {.format = format, .out = out, .all = true, .now = At("2026-03-03T00:00:00Z"), .record = false});
      ASSERT_TRUE(summary.ok()) << summary.status().ToString();
      for (const auto& [file, rows] : summary->files) {
        all += file.filename().string() + " (" + std::to_string(rows) + " rows):\n" +
               hc::testing::ReadFile(file);
      }
    }
    // The nested export: one document per article.
    const auto nested = dir / (std::string(IsPostgresLocation(location) ? "pg" : "sqlite") + "-nested.jsonl");
    auto summary =
        RunExport(**db, {.out = nested, .nested = true, .now = At("2026-03-03T00:00:00Z"), .record = false});
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    all += "nested:\n" + hc::testing::ReadFile(nested);
    // The numbers of `stats`.
    auto report = (*db)->ComputeStats();
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    all += "stats:\n";
    for (const auto& t : report->tables) all += t.site + "|" + t.table + "|" + std::to_string(t.rows) + "\n";
    for (const auto& f : report->fill_rates) {
      all += f.site + "|" + f.table + "|" + f.field + "|" + std::to_string(f.filled) + "/" +
             std::to_string(f.total) + "\n";
    }
    for (const auto& f : report->failures) {
      all += f.site + "|" + f.reason + "|" + std::to_string(f.pages) + "|" + std::to_string(f.events) + "\n";
    }
    all += report->oldest_fetch.value_or("-") + " " + report->newest_fetch.value_or("-") + "\n";
    // The shared rows as stored, with the change sequence each was last written at.
    BackendPeek peek(IsPostgresLocation(location) ? Backend::kPostgres : Backend::kSqlite, location);
    all += "rows:\n" + peek.All("SELECT id, name, grade, grade_raw, updated_seq FROM hospitals ORDER BY id");
    all += peek.All(
        "SELECT id, name, hospital_id, title, department, extra, profile_page_id, updated_seq FROM doctors"
        " ORDER BY id");
    all += peek.All("SELECT id, url, title, page_id, updated_seq FROM questions ORDER BY id");
    all += peek.All(
        "SELECT id, question_id, doctor_id, anon_ordinal, text, answered_at, source, extra, helpful_votes,"
        " updated_seq FROM answers ORDER BY id");
    exported.push_back(all);
  }
  EXPECT_NE(exported[0].find("\"diseases\":[{\"name\""), std::string::npos) << exported[0];
  EXPECT_NE(exported[0].find("mfk|articles|title|2/2"), std::string::npos) << exported[0];
  EXPECT_NE(exported[0].find("record_children.csv ("), std::string::npos) << exported[0];
  EXPECT_NE(exported[0].find("consultations"), std::string::npos) << exported[0];
  EXPECT_NE(exported[0].find("followups"), std::string::npos) << exported[0];
  EXPECT_NE(exported[0].find("question_views.jsonl ("), std::string::npos) << exported[0];
  EXPECT_GT(exported[0].size(), 2000u);
  EXPECT_EQ(exported[1], exported[0]);
}

}  // namespace
}  // namespace hc::store
