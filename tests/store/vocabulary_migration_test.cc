// Migration 10 (the record vocabulary, issue #13 point 3 and #14 point 2) on an older database holding
// a question page as version 8 stored it (SQLite at version 8, PostgreSQL at version 9; both backends):
// canonical grades and titles after the upgrade with the stored text kept as raw, the precision of stored
// dates, and the same page revisited with the new fields not counted as changed (its content_hash is the one
// version 8 computed) while its counters are stored.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "store/database.h"
#include "store/digest.h"
#include "store/export.h"
#include "store/page_builders.h"
#include "store/pg_schema_internal.h"
#include "store/schema_internal.h"
#include "store/sqlite_internal.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using internal::Db;
using testing::Page;

constexpr const char* kUrl = "https://ask.39.net/question/1.html";

// The question page as version 8 extracted it: the grade and title as printed, no vocabulary fields.
Json V8Question() {
  Json answer = {{"type", "answer"},
                 {"doctor_name", "杜俊秋"},
                 {"doctor_title", "主任医师 · 教授"},
                 {"department", "骨科"},
                 {"hospital", "淮安市第二人民医院"},
                 {"hospital_grade", "三级甲等"},
                 {"answer_text", "多拉伸。"},
                 {"answered_at", "2026-02-01T08:30:00+08:00"},
                 {"extra", Json::object()}};
  return {{"type", "question"},       {"title", "腿抽筋怎么办"}, {"description", "男，45岁，夜里腿抽筋"},
          {"asked_at", "2026-01-31"}, {"extra", Json::object()}, {"answers", Json::array({answer})}};
}

// The same page as this version extracts it: canonical values beside the page's text, the patient,
// and counters that moved since.
Json V9Question() {
  Json q = V8Question();
  Json& a = q["answers"][0];
  a["doctor_title"] = "主任医师";
  a["doctor_title_raw"] = "主任医师 · 教授";
  a["academic_title"] = "教授";
  a["hospital_grade"] = "三甲";
  a["hospital_grade_raw"] = "三级甲等";
  a["helpful_votes"] = 23;
  q["views"] = 2045;
  return q;
}

// A database before migration 10 (SQLite at version 8, PostgreSQL at 9) with V8Question stored as
// version 8 did, its content_hash the SHA-1 of the compact page JSON.
class VocabularyMigrationTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    BuildOld();
  }
  void BuildOld() {
    const std::string hash = HexLower(Sha1(Json::array({V8Question()}).dump()));
    const std::string sql = R"sql(
      INSERT INTO sites (id, key, first_seen_at) VALUES (1, 'jk39', '2026-02-01T00:00:00Z');
      INSERT INTO pages (id, site_id, url, fetched_url, page_type, http_status, content_hash, first_fetched_at,
                         last_fetched_at, last_changed_at, updated_at)
        VALUES (1, 1, ')sql" +
                            std::string(kUrl) + "', '" + kUrl + "', 'question', 200, '" + hash + R"sql(',
                '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z', '2026-02-01T00:00:00Z');
      INSERT INTO questions (id, site_id, url, title, description, asked_at, page_id, updated_at)
        VALUES (1, 1, ')sql" +
                            kUrl + R"sql(', '腿抽筋怎么办', '男，45岁，夜里腿抽筋', '2026-01-31', 1,
                '2026-02-01T00:00:00Z');
      INSERT INTO hospitals (id, name, grade, updated_at) VALUES (1, '淮安市第二人民医院', '三级甲等', '2026-02-01T00:00:00Z'),
        (2, '民营诊所', '民营', '2026-02-01T00:00:00Z');
      INSERT INTO doctors (id, name, hospital_id, title, department, updated_at)
        VALUES (1, '杜俊秋', 1, '主任医师 · 教授', '骨科', '2026-02-01T00:00:00Z'),
               (2, '胡勇', 2, '副主任医师/硕导', NULL, '2026-02-01T00:00:00Z'),
               (3, '毕连涌', 2, '主任护师', NULL, '2026-02-01T00:00:00Z');
      INSERT INTO answers (id, question_id, doctor_id, text, answered_at, source, updated_at)
        VALUES (1, 1, 1, '多拉伸。', '2026-02-01T08:30:00+08:00', 'page', '2026-02-01T00:00:00Z');
    )sql";
    if (!is_pg()) {
      auto db = Db::Open(location(), false, true);
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      ASSERT_TRUE(internal::Migrate(**db, 8).ok());
      ASSERT_TRUE((*db)->Exec(sql).ok());
      return;
    }
    auto conn = pg::PgConnection::Open(location());
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    Status migrated = pg::MigratePg(*conn, "2026-02-01T00:00:00Z", 9);
    ASSERT_TRUE(migrated.ok()) << migrated.ToString();
    auto ran = conn->ExecScript(sql);
    ASSERT_TRUE(ran.ok()) << ran.status().ToString();
    // The rows above name their ids; the identities go on after them.
    for (const char* table : {"sites", "pages", "questions", "hospitals", "doctors", "answers"}) {
      auto set = conn->ExecScript(std::string("SELECT setval(pg_get_serial_sequence('") + table +
                                  "', 'id'), (SELECT max(id) FROM " + table + "))");
      ASSERT_TRUE(set.ok()) << set.status().ToString();
    }
  }
  int SchemaVersion() {
    return static_cast<int>(
        Peek().Int(is_pg() ? "SELECT max(version) FROM healthcrawl_schema_versions" : "PRAGMA user_version"));
  }
};

TEST_P(VocabularyMigrationTest, StoredGradesAndTitlesBecomeCanonicalWithTheirTextKept) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto peek = Peek();
  EXPECT_EQ(SchemaVersion(), internal::Migrations().back().version);
  EXPECT_EQ(peek.All("SELECT name, grade, grade_raw FROM hospitals ORDER BY id"),
            "淮安市第二人民医院|三甲|三级甲等\n"
            "民营诊所|NULL|民营\n");
  EXPECT_EQ(peek.All("SELECT name, title, academic_title, title_raw FROM doctors ORDER BY id"),
            "杜俊秋|主任医师|教授|主任医师 · 教授\n"
            "胡勇|副主任医师|硕士生导师|副主任医师/硕导\n"
            "毕连涌|NULL|NULL|主任护师\n");
  EXPECT_EQ(peek.Text("SELECT asked_at_precision FROM questions"), "date");
  EXPECT_EQ(peek.Text("SELECT answered_at_precision FROM answers"), "datetime");
  EXPECT_EQ(peek.Text("SELECT title FROM questions"), "腿抽筋怎么办");
}

TEST_P(VocabularyMigrationTest, AnUnchangedPageRevisitedAfterTheUpgradeIsNotChanged) {
  auto peek = Peek();
  const std::string hash_before = peek.Text("SELECT content_hash FROM pages");
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();

  ASSERT_TRUE((*store)->PutPage(Page(kUrl, "2026-03-01T00:00:00Z", V9Question(), "jk39")).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(peek.Text("SELECT content_hash FROM pages"), hash_before);
  EXPECT_EQ(peek.Text("SELECT last_changed_at FROM pages"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(peek.Text("SELECT last_fetched_at FROM pages"), "2026-03-01T00:00:00Z");
  // The counters of the visit are stored all the same.
  EXPECT_EQ(peek.All("SELECT observed_at, views FROM question_views"), "2026-03-01T00:00:00Z|2045\n");
  EXPECT_EQ(peek.Int("SELECT helpful_votes FROM answers"), 23);

  // Votes that move again: stored, the page still unchanged.
  Json later = V9Question();
  later["answers"][0]["helpful_votes"] = 30;
  later["views"] = 2100;
  ASSERT_TRUE((*store)->PutPage(Page(kUrl, "2026-03-02T00:00:00Z", later, "jk39")).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(peek.Text("SELECT last_changed_at FROM pages"), "2026-02-01T00:00:00Z");
  EXPECT_EQ(peek.Int("SELECT helpful_votes FROM answers"), 30);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM question_views"), 2);

  // A real change of content is still seen, and writes the new fields.
  Json changed = later;
  changed["description"] = "女，8个月，夜里哭闹";
  changed["patient_sex"] = "女";
  changed["patient_age_years"] = 0;
  changed["patient_age_months"] = 8;
  ASSERT_TRUE((*store)->PutPage(Page(kUrl, "2026-03-03T00:00:00Z", changed, "jk39")).ok());
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_EQ(peek.Text("SELECT last_changed_at FROM pages"), "2026-03-03T00:00:00Z");
  EXPECT_EQ(peek.All("SELECT patient_sex, patient_age_years, patient_age_months FROM questions"), "女|0|8\n");
}

// The exports carry the new columns, with the values stored.
TEST_P(VocabularyMigrationTest, ExportsCarryTheVocabularyColumns) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Json changed = V9Question();
  changed["description"] = "男，45岁，夜里腿抽筋，三天了";
  changed["patient_sex"] = "男";
  changed["patient_age_years"] = 45;
  ASSERT_TRUE((*store)->PutPage(Page(kUrl, "2026-03-01T00:00:00Z", changed, "jk39")).ok());
  ASSERT_TRUE((*store)->Flush().ok());

  // column name -> value, of the first row of `table`.
  auto first_row = [&](const std::string& table) {
    const ExportTable* t = FindExportTable(table);
    EXPECT_NE(t, nullptr) << table;
    Json out = Json::object();
    if (!t) return out;
    bool first = true;
    Status s = (*store)->ScanTable(*t, {}, [&](const Row& row) {
      if (!first) return Status::Ok();
      first = false;
      for (size_t i = 0; i < row.size(); ++i) {
        std::visit(
            [&](const auto& v) {
              using V = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<V, std::nullptr_t>) {
                out[t->columns[i].name] = nullptr;
              } else {
                out[t->columns[i].name] = v;
              }
            },
            row[i]);
      }
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  Json hospital = first_row("hospitals");
  EXPECT_EQ(hospital["grade"], "三甲");
  EXPECT_EQ(hospital["grade_raw"], "三级甲等");
  Json doctor = first_row("doctors");
  EXPECT_EQ(doctor["title"], "主任医师");
  EXPECT_EQ(doctor["title_raw"], "主任医师 · 教授");
  EXPECT_EQ(doctor["academic_title"], "教授");
  EXPECT_EQ(doctor["hospital_grade_raw"], "三级甲等");
  Json question = first_row("questions");
  EXPECT_EQ(question["asked_at_precision"], "date");
  EXPECT_EQ(question["views"], 2045);
  EXPECT_EQ(question["views_observed_at"], "2026-03-01T00:00:00Z");
  EXPECT_EQ(question["patient_sex"], "男");
  EXPECT_EQ(question["patient_age_years"], 45);
  EXPECT_TRUE(question["patient_age_months"].is_null());
  Json answer = first_row("answers");
  EXPECT_EQ(answer["answered_at_precision"], "datetime");
  EXPECT_EQ(answer["helpful_votes"], 23);
  Json views = first_row("question_views");
  EXPECT_EQ(views["url"], kUrl);
  EXPECT_EQ(views["views"], 2045);
}

HC_INSTANTIATE_BACKEND_TEST(VocabularyMigrationTest);

}  // namespace
}  // namespace hc::store
