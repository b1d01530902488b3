// record_children (issue 13 point 6): the child lists a site declares on a record are stored one row
// per item, replaced on a revisit, deleted with their parent, and exported; on both backends.
#include <gtest/gtest.h>

#include "store/database.h"
#include "store/export.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::At;
using testing::Page;

// A doctor profile with `consultations` (one item per title) and an empty `schedule`.
Json Doctor(const std::vector<std::string>& titles) {
  Json items = Json::array();
  for (size_t i = 0; i < titles.size(); ++i) {
    items.push_back({{"title", titles[i]},
                     {"messages", i == 0 ? Json(12) : Json(nullptr)},
                     {"full", true},
                     {"tags", Json::array({"a"})}});
  }
  return {{"type", "doctor"},
          {"name", "李文华"},
          {"hospital", "协和医院"},
          {"extra", Json::object()},
          {"children", {{"consultations", items}, {"schedule", Json::array()}}}};
}

class RecordChildrenTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void Put(const PageObservation& p) {
    Status s = store_->PutPage(p);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(store_->Flush().ok());
  }
  std::string Rows() {
    return Peek().All(
        "SELECT parent_table, CASE WHEN parent_id IS NULL THEN 0 ELSE 1 END, record_path, list, position,"
        " fields FROM record_children ORDER BY page_id, record_path, list, position");
  }
  // Runs `sql` on the database with a connection of its own, SQLite's foreign keys on.
  void Exec(const std::string& sql) {
    if (!is_pg()) {
      sqlite3* raw = nullptr;
      ASSERT_EQ(sqlite3_open(location().c_str(), &raw), SQLITE_OK);
      const std::string with_keys = "PRAGMA foreign_keys = ON; " + sql;
      EXPECT_EQ(sqlite3_exec(raw, with_keys.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
          << sqlite3_errmsg(raw);
      sqlite3_close(raw);
      return;
    }
    PGconn* conn = PQconnectdb(location().c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(conn);
  }
  const hc::testing::TempDir& dir_ = dir();
  std::unique_ptr<Database> store_;
};

TEST_P(RecordChildrenTest, OneRowPerItemWithItsTypedFieldsAndNullsInPlace) {
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-01T00:00:00Z", Doctor({"腰疼", "颈椎"})));
  EXPECT_EQ(
      Rows(),
      "doctors|1||consultations|0|{\"title\":\"腰疼\",\"messages\":12,\"full\":true,\"tags\":[\"a\"]}\n"
      "doctors|1||consultations|1|{\"title\":\"颈椎\",\"messages\":null,\"full\":true,\"tags\":[\"a\"]}\n");
  EXPECT_EQ(Peek().Text("SELECT count(*) FROM record_children c JOIN doctors d ON d.id = c.parent_id"
                        " WHERE c.parent_table = 'doctors' AND d.name = '李文华'"),
            "2");
}

TEST_P(RecordChildrenTest, ARevisitReplacesTheItemsAndNeverDuplicatesThem) {
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-01T00:00:00Z", Doctor({"腰疼", "颈椎"})));
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-02T00:00:00Z",
           Doctor({"腰疼", "颈椎"})));  // unchanged
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-03T00:00:00Z", Doctor({"膝盖"})));
  EXPECT_EQ(
      Rows(),
      "doctors|1||consultations|0|{\"title\":\"膝盖\",\"messages\":12,\"full\":true,\"tags\":[\"a\"]}\n");
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-04T00:00:00Z", Doctor({})));
  EXPECT_EQ(Rows(), "");
}

TEST_P(RecordChildrenTest, ListItemsCarryTheirOwnChildrenByPath) {
  Json question = {
      {"type", "question"},
      {"title", "腰疼"},
      {"answers", Json::array({{{"type", "answer"},
                                {"doctor_name", "李文华"},
                                {"answer_text", "休息"},
                                {"children", {{"followups", Json::array({{{"asked", "要住院吗"}}})}}}}})}};
  Put(Page("https://www.mfk.com/question/1.html", "2026-03-01T00:00:00Z", question));
  EXPECT_EQ(Rows(), "answers|1|answers[0]|followups|0|{\"asked\":\"要住院吗\"}\n");
}

TEST_P(RecordChildrenTest, DeletingTheParentRowOrThePageDeletesTheItems) {
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-01T00:00:00Z", Doctor({"腰疼"})));
  Put(Page("https://www.mfk.com/doctor/2.html", "2026-03-01T00:00:00Z",
           Json{{"type", "doctor"},
                {"name", "王建国"},
                {"children", {{"consultations", Json::array({{{"t", "x"}}})}}}}));
  store_.reset();
  Exec(
      "DELETE FROM doctors WHERE name = '李文华';"
      " DELETE FROM pages WHERE url = 'https://www.mfk.com/doctor/2.html';");
  EXPECT_EQ(Rows(), "");
}

TEST_P(RecordChildrenTest, ExportedAsATableAndInAll) {
  Put(Page("https://www.mfk.com/doctor/1.html", "2026-03-01T00:00:00Z", Doctor({"腰疼"})));
  auto r = RunExport(*store_, {.format = ExportFormat::kJsonl,
                               .out = dir_ / "c.jsonl",
                               .table = "record_children",
                               .now = At("2026-03-02T00:00:00Z")});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].second, 1);
  Json row = Json::parse(hc::testing::ReadFile(dir_ / "c.jsonl"));
  EXPECT_EQ(row["site"], "mfk");
  EXPECT_EQ(row["url"], "https://www.mfk.com/doctor/1.html");
  EXPECT_EQ(row["parent_table"], "doctors");
  EXPECT_EQ(row["list"], "consultations");
  EXPECT_EQ(row["position"], 0);
  EXPECT_EQ(row["fields"]["title"], "腰疼");
  EXPECT_EQ(row["fields"]["messages"], 12);

  auto all = RunExport(
      *store_,
      {.format = ExportFormat::kCsv, .out = dir_ / "all", .all = true, .now = At("2026-03-02T00:00:00Z")});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(dir_ / "all" / "record_children.csv"));
}

HC_INSTANTIATE_BACKEND_TEST(RecordChildrenTest);

}  // namespace
}  // namespace hc::store
