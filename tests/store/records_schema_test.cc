// The record vocabulary (core/records.h) against the store: every column the declaration names exists in
// the latest schema (PRAGMA table_info), every column of a record table is either declared or one of the
// table's own keys and bookkeeping, and the export columns derived from the declaration are the
// documented ones (docs/schema.md, "Exports"). The released migrations' SQL cannot change, so this is
// how the two stay in agreement.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/records.h"
#include "store/page_builders.h"
#include "store/database.h"
#include "store/export.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::Peek;

std::set<std::string> TableColumns(Peek& peek, std::string_view table) {
  std::set<std::string> out;
  std::istringstream rows(peek.All("SELECT name FROM pragma_table_info('" + std::string(table) + "')"));
  for (std::string line; std::getline(rows, line);) out.insert(line);
  return out;
}

class RecordsSchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenDatabase(dir_ / "latest.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  hc::testing::TempDir dir_;
};

TEST_F(RecordsSchemaTest, EveryDeclaredColumnExistsInTheLatestSchema) {
  Peek peek((dir_ / "latest.db").string());
  for (const records::RecordKind& kind : records::RecordKinds()) {
    SCOPED_TRACE(std::string(kind.name));
    const std::set<std::string> own = TableColumns(peek, kind.table);
    ASSERT_FALSE(own.empty()) << "no table " << kind.table;
    EXPECT_TRUE(own.count("extra")) << kind.table << " has no extra column";
    for (const records::FieldSpec& field : kind.fields) {
      SCOPED_TRACE(std::string(field.name));
      EXPECT_TRUE(TableColumns(peek, field.column.table).count(std::string(field.column.name)))
          << field.column.table << "." << field.column.name;
    }
  }
}

// A column of a record table that no field declares must be one of these: keys and links between
// rows, the extra map, change tracking, and facts the store itself derives.
TEST_F(RecordsSchemaTest, EveryColumnOfARecordTableIsDeclaredOrTheTablesOwn) {
  const std::map<std::string, std::set<std::string>> own = {
      // *_precision: derived by the store from the date's text (docs/schema.md).
      {"articles",
       {"id", "page_id", "site_id", "extra", "updated_at", "updated_seq", "published_at_precision"}},
      {"article_views", {"article_id", "observed_at", "updated_seq"}},
      {"question_views", {"question_id", "observed_at", "updated_seq"}},
      {"diseases", {"id", "page_id", "extra", "updated_at", "updated_seq"}},
      {"questions", {"id", "site_id", "page_id", "extra", "updated_at", "updated_seq", "asked_at_precision"}},
      {"answers",
       {"id", "question_id", "doctor_id", "anon_ordinal", "source", "extra", "updated_at", "updated_seq",
        "answered_at_precision"}},
      {"doctors", {"id", "hospital_id", "profile_page_id", "extra", "updated_at", "updated_seq"}},
      {"hospitals", {"id", "updated_at", "updated_seq"}},
  };
  std::map<std::string, std::set<std::string>> declared;
  for (const records::RecordKind& kind : records::RecordKinds()) {
    for (const records::FieldSpec& field : kind.fields) {
      declared[std::string(field.column.table)].insert(std::string(field.column.name));
    }
  }
  EXPECT_EQ(declared.size(), own.size());  // no record table is left out of `own`
  Peek peek((dir_ / "latest.db").string());
  for (const auto& [table, keys] : own) {
    SCOPED_TRACE(table);
    for (const std::string& column : TableColumns(peek, table)) {
      EXPECT_TRUE(declared[table].count(column) || keys.count(column)) << column << " is neither declared nor own";
    }
  }
}

std::vector<std::string> ExportColumnNames(std::string_view table) {
  std::vector<std::string> out;
  if (const ExportTable* t = FindExportTable(table)) {
    for (const ExportColumn& c : t->columns) out.push_back(c.name);
  }
  return out;
}

// The column lists that docs/schema.md documents and users' scripts read; the canonical fields among
// them derive from the declaration, so this pins the derivation.
TEST(RecordsExportTest, DerivedExportColumnsAreTheDocumentedOnes) {
  struct Case {
    std::string table;
    std::vector<std::string> columns;
  };
  const std::vector<Case> cases = {
      {"articles",
       {"id", "site", "url", "title", "body", "published_at", "published_at_precision", "views",
        "views_observed_at", "author", "tags", "source", "extra", "first_fetched_at", "last_fetched_at",
        "last_changed_at", "updated_at"}},
      {"diseases", {"id", "name", "summary", "url", "extra", "updated_at"}},
      {"doctors",
       {"id", "name", "title", "department", "hospital_id", "hospital", "hospital_grade", "specialties",
        "profile_url", "title_raw", "academic_title", "hospital_grade_raw", "extra", "updated_at"}},
      {"questions",
       {"id", "site", "url", "title", "description", "asked_at", "asked_at_precision", "page_stored", "views",
        "views_observed_at", "patient_sex", "patient_age_years", "patient_age_months", "extra",
        "updated_at"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.table);
    EXPECT_EQ(ExportColumnNames(c.table), c.columns);
  }
  const ExportTable* articles = FindExportTable("articles");
  ASSERT_NE(articles, nullptr);
  std::map<std::string, ColumnKind> kinds;
  for (const ExportColumn& c : articles->columns) kinds[c.name] = c.kind;
  EXPECT_EQ(kinds["views"], ColumnKind::kInteger);
  EXPECT_EQ(kinds["tags"], ColumnKind::kJson);
  EXPECT_EQ(kinds["title"], ColumnKind::kText);
}

}  // namespace
}  // namespace hc::store
