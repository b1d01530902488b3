// The SQLite writer keeps the hospitals and doctors rows of its open batch in memory
// (store/people_rows_internal.h): the rows must come out as they would with a SELECT before every
// upsert. Pages in one batch or a batch each give the same database; a page whose write failed half
// way leaves nothing behind in memory; a batch begins from what another connection wrote.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/sqlite_exec.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::Article;
using testing::At;
using testing::Card;
using testing::Page;

class BatchPeopleRowsTest : public hc::testing::BackendTest {
 protected:
  std::unique_ptr<Database> OpenAt(const std::string& location) {
    StoreOptions options;
    options.clock = &clock_;
    auto s = OpenDatabase(location, options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string People(const std::string& location) {
    auto peek = Peek(location);
    return "hospitals:\n" +
           peek.All("SELECT id, name, grade, grade_raw, updated_at, updated_seq FROM hospitals ORDER BY id") +
           "doctors:\n" +
           peek.All(
               "SELECT id, name, hospital_id, title, department, specialties, profile_page_id, extra, "
               "title_raw,"
               " academic_title, updated_at, updated_seq FROM doctors ORDER BY id") +
           "answers:\n" + peek.All("SELECT id, question_id, doctor_id, text FROM answers ORDER BY id");
  }

  FakeClock clock_{At("2026-03-01T00:00:00Z")};
};

Json CardOf(const std::string& q, const std::string& doctor, const std::optional<std::string>& title,
            const std::optional<std::string>& department, const std::string& hospital,
            const std::optional<std::string>& grade) {
  Json c = Card("https://www.mfk.com/question/" + q + ".html", doctor, "答" + q, hospital);
  c["doctor_title"] = title ? Json(*title) : Json(nullptr);
  c["department"] = department ? Json(*department) : Json(nullptr);
  c["hospital_grade"] = grade ? Json(*grade) : Json(nullptr);
  return c;
}

Json Profile(const std::string& name, const std::string& title, const std::string& hospital, Json extra) {
  return {{"type", "doctor"},
          {"name", name},
          {"title", title},
          {"department", "心内科"},
          {"hospital", hospital},
          {"hospital_grade", "三级甲等"},
          {"specialties", Json::array({"高血压"})},
          {"extra", std::move(extra)}};
}

// Pages naming the same doctors and hospitals again and again: titles and departments filled in,
// replaced, left out; grades changed; a profile page in between; the same name at two hospitals.
std::vector<PageObservation> Pages() {
  std::vector<PageObservation> pages;
  int n = 0;
  auto article = [&](Json cards) {
    ++n;
    pages.push_back(Page("https://www.mfk.com/article/" + std::to_string(n) + ".html", "2026-03-01T00:00:00Z",
                         Article("文" + std::to_string(n), n, std::move(cards))));
  };
  article({CardOf("1", "李明", "主治医师", std::nullopt, "协和医院", "三甲"),
           CardOf("2", "王芳", "副主任医师", "儿科", "协和医院", std::nullopt)});
  article({CardOf("3", "李明", std::nullopt, std::nullopt, "协和医院", std::nullopt),
           CardOf("4", "李明", "主治医师", "心内科", "协和医院", "三甲")});
  article({CardOf("5", "李明", "主任医师", std::nullopt, "协和医院", "三乙"),
           CardOf("6", "李明", std::nullopt, std::nullopt, "同仁医院", "二甲")});
  pages.push_back(Page("https://www.mfk.com/doctor/1.html", "2026-03-01T00:00:00Z",
                       Profile("李明", "主任医师", "协和医院", {{"rating", "4.9"}})));
  article({CardOf("7", "李明", "主任医师", "心内科", "协和医院", "三甲"),
           CardOf("8", "王芳", "副主任医师", "儿科", "协和医院", "三甲")});
  pages.push_back(Page("https://www.mfk.com/doctor/1.html", "2026-03-01T01:00:00Z",
                       Profile("李明", "主任医师", "协和医院", {{"rating", "5.0"}})));
  article({CardOf("9", "李明", "主任医师", "心内科", "协和医院", "三甲"),
           CardOf("10", "王芳", "副主任医师", "儿科", "协和医院", "三甲")});
  // A title and a grade changed and changed back: the second change is to what the row held before
  // the first, so it is lost if memory kept the row as it was before the first.
  article({CardOf("11", "王芳", "主任医师", "儿科", "协和医院", "三甲"),
           CardOf("12", "张伟", std::nullopt, std::nullopt, "同仁医院", "三甲")});
  article({CardOf("13", "王芳", "副主任医师", "儿科", "协和医院", "三甲"),
           CardOf("14", "张伟", std::nullopt, std::nullopt, "同仁医院", "二甲")});
  return pages;
}

// Every page in one batch (the rows read from memory after their first SELECT) against a batch a
// page (a SELECT before every upsert): the same rows, ids and change sequence numbers.
TEST_P(BatchPeopleRowsTest, OneBatchAndABatchAPageStoreTheSameRows) {
  const std::string each = AnotherDatabase("each.db");
  const std::string one = AnotherDatabase("one.db");
  {
    auto store = OpenAt(each);
    ASSERT_TRUE(store);
    for (const PageObservation& page : Pages()) {
      ASSERT_TRUE(store->PutPage(page).ok());
      ASSERT_TRUE(store->Flush().ok());
    }
  }
  {
    auto store = OpenAt(one);
    ASSERT_TRUE(store);
    for (const PageObservation& page : Pages()) ASSERT_TRUE(store->PutPage(page).ok());
    ASSERT_TRUE(store->Flush().ok());
  }
  const std::string rows = People(each);
  EXPECT_EQ(People(one), rows);
  // What the pages say, so that the comparison is of something: 李明 at two hospitals, his title
  // replaced and department filled in, his profile's extra patched; 王芳's title and 同仁医院's grade
  // changed and changed back; 协和医院 regraded twice.
  auto peek = Peek(one);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM doctors"), 4);
  EXPECT_EQ(peek.Text("SELECT title || '|' || department || '|' || extra FROM doctors d JOIN hospitals h"
                      " ON h.id = d.hospital_id WHERE d.name = '李明' AND h.name = '协和医院'"),
            R"(主任医师|心内科|{"rating":"5.0"})");
  EXPECT_EQ(peek.Text("SELECT title || '|' || department FROM doctors WHERE name = '王芳'"),
            "副主任医师|儿科");
  EXPECT_EQ(peek.Text("SELECT grade FROM hospitals WHERE name = '协和医院'"), "三甲");
  EXPECT_EQ(peek.Text("SELECT grade FROM hospitals WHERE name = '同仁医院'"), "二甲");
  EXPECT_EQ(peek.Int("SELECT count(*) FROM answers a JOIN doctors d ON d.id = a.doctor_id"), 14);
}

// A page whose write fails after it inserted a doctor and a hospital (a trigger refuses its second
// answer) is rolled back to its savepoint: the next page of the same batch naming them inserts them
// again instead of pointing its answer at rows that are gone.
TEST_P(BatchPeopleRowsTest, APageRolledBackLeavesNoRowsInMemory) {
  if (is_pg()) GTEST_SKIP() << "the SQLite writer's batch";
  {
    auto store = OpenAt(location());  // creates the schema
    ASSERT_TRUE(store);
  }
  hc::testing::ExecuteSqlite(location(),
                             "CREATE TRIGGER refuse BEFORE INSERT ON answers WHEN NEW.text = '拒绝'"
                             " BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  auto store = OpenAt(location());
  ASSERT_TRUE(store);
  Json refused = CardOf("2", "新医生", "主任医师", "心内科", "新医院", "三甲");
  refused["answer_text"] = "拒绝";
  Status s = store->PutPage(Page(
      "https://www.mfk.com/article/1.html", "2026-03-01T00:00:00Z",
      Article(
          "文", 1,
          Json::array({CardOf("1", "新医生", "主任医师", "心内科", "新医院", "三甲"), std::move(refused)}))));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.ToString().find("refused by the test"), std::string::npos) << s.ToString();
  ASSERT_TRUE(
      store
          ->PutPage(Page(
              "https://www.mfk.com/article/2.html", "2026-03-01T00:00:00Z",
              Article("文", 2, Json::array({CardOf("3", "新医生", "主任医师", "心内科", "新医院", "三甲")}))))
          .ok());
  ASSERT_TRUE(store->Flush().ok());
  auto peek = Peek();
  EXPECT_EQ(peek.Int("SELECT count(*) FROM doctors WHERE name = '新医生'"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM hospitals WHERE name = '新医院'"), 1);
  EXPECT_EQ(
      peek.Int("SELECT count(*) FROM answers a JOIN doctors d ON d.id = a.doctor_id"
               " JOIN hospitals h ON h.id = d.hospital_id WHERE d.name = '新医生' AND h.name = '新医院'"),
      1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM answers"), 1);
  EXPECT_TRUE(store->CheckIntegrity().ok());
}

// Between two batches another connection changes a doctor and a hospital: the next batch compares
// the next card with what is stored now, not with what the last batch left, and puts the values back.
TEST_P(BatchPeopleRowsTest, ABatchBeginsFromWhatAnotherConnectionWrote) {
  if (is_pg()) GTEST_SKIP() << "the SQLite writer's batch";
  auto store = OpenAt(location());
  ASSERT_TRUE(store);
  auto article = [](int n) {
    return Page(
        "https://www.mfk.com/article/" + std::to_string(n) + ".html", "2026-03-01T00:00:00Z",
        Article("文", n,
                Json::array({CardOf(std::to_string(n), "李明", "主任医师", "心内科", "协和医院", "三甲")})));
  };
  ASSERT_TRUE(store->PutPage(article(1)).ok());
  ASSERT_TRUE(store->Flush().ok());
  hc::testing::ExecuteSqlite(
      location(),
      "UPDATE doctors SET title = '住院医师', department = NULL; UPDATE hospitals SET grade = '二甲'");
  ASSERT_TRUE(store->PutPage(article(2)).ok());
  ASSERT_TRUE(store->Flush().ok());
  auto peek = Peek();
  EXPECT_EQ(peek.Text("SELECT title || '|' || department FROM doctors"), "主任医师|心内科");
  EXPECT_EQ(peek.Text("SELECT grade FROM hospitals"), "三甲");
  EXPECT_EQ(peek.Int("SELECT count(*) FROM doctors"), 1);
}

HC_INSTANTIATE_BACKEND_TEST(BatchPeopleRowsTest);

}  // namespace
}  // namespace hc::store
