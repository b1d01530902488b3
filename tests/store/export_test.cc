// Exports: RFC 4180 CSV, JSONL flat and nested, safe file handling, incremental exports, and files
// that Python's csv and json modules and the sqlite3 shell load back to the same values.
#include "store/export.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "store/database.h"
#include "store/page_builders.h"
#include "support/backend_support.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::Article;
using testing::At;
using testing::Card;
using testing::Disease;
using testing::Page;

TEST(CsvFieldTest, QuotesOnlyWhenRfc4180SaysSo) {
  struct Case {
    std::string name, in, out;
  };
  const std::vector<Case> cases = {
      {"plain", "abc", "abc"},
      {"chinese", "高血压", "高血压"},
      {"comma", "a,b", "\"a,b\""},
      {"quote", "say \"hi\"", "\"say \"\"hi\"\"\""},
      {"lf", "a\nb", "\"a\nb\""},
      {"cr", "a\rb", "\"a\rb\""},
      {"semicolon is not special", "a;b", "a;b"},
      {"empty", "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(CsvField(c.in), c.out);
  }
}

TEST(ExportTablesTest, EveryTableHasAStableUniqueColumnList) {
  std::set<std::string> names;
  for (const auto& t : ExportTables()) {
    SCOPED_TRACE(t.name);
    EXPECT_TRUE(names.insert(t.name).second);
    std::set<std::string> cols;
    for (const auto& c : t.columns) EXPECT_TRUE(cols.insert(c.name).second) << c.name;
    EXPECT_FALSE(t.columns.empty());
  }
  EXPECT_EQ(ExportTables().front().name, "sites");
  EXPECT_EQ(FindExportTable("nope"), nullptr);
}

const std::string kNasty = std::string("引号\"，逗号, 换行\r\n'; DROP TABLE articles;-- 😷 ") + '\t' + "end";

// Every ExportTest runs on SQLite (Sqlite/ExportTest) and on PostgreSQL (Pg/ExportTest).
class ExportTest : public hc::testing::BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto s = Open();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
    Json cards = Json::array({Card("https://www.mfk.com/question/1.html", "李明", kNasty),
                              Card("https://www.mfk.com/question/2.html", "张华", "少吃盐")});
    Put(Page("https://www.mfk.com/article/1.html", "2026-03-01T02:00:00Z",
             Article(kNasty, 100, cards, Json::array({Disease("高血压")}))));
    Put(Page("https://www.mfk.com/article/2.html", "2026-03-01T03:00:00Z", Article("第二篇", std::nullopt)));
    Put(Page("https://www.xywy.com/a/1.html", "2026-03-01T04:00:00Z", Article("寻医问药", 5), "xywy"));
  }
  void Put(const PageObservation& p) {
    ASSERT_TRUE(store_->PutPage(p).ok());
    ASSERT_TRUE(store_->Flush().ok());
  }
  Result<ExportSummary> Export(ExportOptions o) {
    o.now = At("2026-03-02T00:00:00Z");
    return RunExport(*store_, o);
  }
  std::string Python(const std::string& script, const std::filesystem::path& file) {
    hc::testing::WriteFile(dir_ / "check.py", script);
    std::string out;
    int rc =
        hc::testing::RunCommand("python3 " + (dir_ / "check.py").string() + " " + file.string(), &out, true);
    EXPECT_EQ(rc, 0) << out;
    return out;
  }

  const hc::testing::TempDir& dir_ = dir();
  std::unique_ptr<Database> store_;
};

TEST_P(ExportTest, CsvLoadsInPythonWithTheSameValues) {
  auto r =
      Export({.format = ExportFormat::kCsv, .out = dir_ / "articles.csv", .table = "articles", .bom = true});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].second, 3);
  const std::string bytes = hc::testing::ReadFile(dir_ / "articles.csv");
  EXPECT_EQ(bytes.substr(0, 3), "\xEF\xBB\xBF");
  EXPECT_NE(bytes.find("\r\n"), std::string::npos);
  const std::string out = Python(R"py(
import csv, json, sys
with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
    rows = list(csv.DictReader(f))
print(len(rows))
print(list(rows[0].keys()) == ['id','site','url','title','body','published_at','published_at_precision','views','views_observed_at','author','tags','source','extra','first_fetched_at','last_fetched_at','last_changed_at','updated_at'])
print(json.dumps(rows[0]['title'], ensure_ascii=False))
print(rows[0]['views'], repr(rows[1]['views']), json.loads(rows[0]['tags']), rows[2]['site'])
)py",
                                 dir_ / "articles.csv");
  Json title = kNasty;
  EXPECT_EQ(out, "3\nTrue\n" + title.dump(-1, ' ', false) + "\n100 '' ['高血压', '饮食'] xywy\n");
}

TEST_P(ExportTest, JsonlFlatAndNestedLoadInPython) {
  ASSERT_TRUE(Export({.out = dir_ / "answers.jsonl", .table = "answers"}).ok());
  std::string out = Python(R"py(
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
print(len(rows), list(rows[0].keys())[:4], rows[0]['doctor'], rows[0]['extra'])
)py",
                           dir_ / "answers.jsonl");
  EXPECT_EQ(out, "2 ['id', 'question_id', 'question_url', 'doctor_id'] 李明 {}\n");

  auto nested = Export({.out = dir_ / "docs.jsonl", .nested = true, .site = "mfk"});
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  out = Python(R"py(
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
d = docs[0]
print(len(docs), d['views'], d['tags'], [x['name'] for x in d['diseases']])
a = d['answers'][1]
print(a['position'], a['question']['url'], a['doctor']['name'], a['doctor']['hospital'], a['text'])
print(d['answers'][0]['text'] == d['title'], docs[1]['answers'], docs[1]['views'])
)py",
               dir_ / "docs.jsonl");
  EXPECT_EQ(out,
            "2 100 ['高血压', '饮食'] ['高血压']\n"
            "1 https://www.mfk.com/question/2.html 张华 协和医院 少吃盐\n"
            "True [] None\n");
}

// A list column is [] in every export, also for rows stored before extraction wrote [] for an empty list
// (their column is NULL) and for doctors known only from answers (no profile, so no specialties).
TEST_P(ExportTest, EmptyListsExportAsEmptyArrays) {
  Json old = Article("旧文章", 7);
  old["tags"] = nullptr;
  Put(Page("https://www.mfk.com/article/3.html", "2026-03-01T05:00:00Z", old));
  ASSERT_TRUE(Export({.format = ExportFormat::kCsv, .out = dir_ / "a.csv", .table = "articles"}).ok());
  ASSERT_TRUE(Export({.out = dir_ / "a.jsonl", .table = "articles"}).ok());
  ASSERT_TRUE(Export({.out = dir_ / "d.jsonl", .table = "doctors"}).ok());
  const std::string csv = Python(R"py(
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='', encoding='utf-8')))
print([r['tags'] for r in rows if r['title'] == '旧文章'])
)py",
                                 dir_ / "a.csv");
  EXPECT_EQ(csv, "['[]']\n");
  const std::string jsonl = Python(R"py(
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
print([r['tags'] for r in rows if r['title'] == '旧文章'])
)py",
                                   dir_ / "a.jsonl");
  EXPECT_EQ(jsonl, "[[]]\n");
  const std::string doctors = Python(R"py(
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
print(len(rows) > 0, all(r['specialties'] == [] for r in rows))
)py",
                                     dir_ / "d.jsonl");
  EXPECT_EQ(doctors, "True True\n");
}

TEST_P(ExportTest, AllTablesImportIntoTheSqliteShell) {
  auto r = Export({.format = ExportFormat::kCsv, .out = dir_ / "all", .all = true});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->files.size(), ExportTables().size());
  std::string script;
  for (const auto& t : ExportTables()) {
    script += ".import --csv " + (dir_ / "all" / (t.name + ".csv")).string() + " " + t.name + "\n";
  }
  script +=
      "SELECT count(*) FROM articles;\nSELECT title FROM articles WHERE id = 1;\n"
      "SELECT count(*) FROM answers;\nSELECT name FROM doctors ORDER BY id;\n";
  hc::testing::WriteFile(dir_ / "import.sql", script);
  std::string out;
  int rc = hc::testing::RunCommand(
      "sqlite3 " + (dir_ / "imported.db").string() + " < " + (dir_ / "import.sql").string(), &out, true);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_EQ(out, "3\n" + kNasty + "\n2\n李明\n张华\n");
}

TEST_P(ExportTest, RefusesToOverwriteWithoutForceAndNeverFollowsSymlinks) {
  const auto target = dir_ / "out.csv";
  hc::testing::WriteFile(target, "keep me");
  auto refused = Export({.format = ExportFormat::kCsv, .out = target, .table = "pages"});
  EXPECT_EQ(refused.status().code(), StatusCode::kIoError);
  EXPECT_NE(refused.status().message().find("--force"), std::string::npos);
  EXPECT_EQ(hc::testing::ReadFile(target), "keep me");
  ASSERT_TRUE(Export({.format = ExportFormat::kCsv, .out = target, .table = "pages", .force = true}).ok());
  EXPECT_NE(hc::testing::ReadFile(target), "keep me");

  // A symlink pointing out of the folder is replaced, not written through, even with --force.
  hc::testing::TempDir outside;
  hc::testing::WriteFile(outside / "precious", "secret");
  std::filesystem::create_symlink(outside / "precious", dir_ / "link.jsonl");
  auto via_link = Export({.out = dir_ / "link.jsonl", .table = "sites"});
  EXPECT_FALSE(via_link.ok());
  ASSERT_TRUE(Export({.out = dir_ / "link.jsonl", .table = "sites", .force = true}).ok());
  EXPECT_EQ(hc::testing::ReadFile(outside / "precious"), "secret");
  EXPECT_FALSE(std::filesystem::is_symlink(dir_ / "link.jsonl"));
  // No temporary files are left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

// --all writes one file per table into a folder: a symlink planted at one of those names is refused
// without force and replaced (never written through) with it, and a folder that is itself a symlink is
// refused, so the export cannot be steered out of the folder it was given.
TEST_P(ExportTest, AllFolderNeverWritesThroughSymlinks) {
  hc::testing::TempDir outside;
  hc::testing::WriteFile(outside / "precious", "secret");
  const auto folder = dir_ / "all";
  std::filesystem::create_directories(folder);
  std::filesystem::create_symlink(outside / "precious", folder / "articles.jsonl");
  auto refused = Export({.out = folder, .all = true});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("--force"), std::string::npos) << refused.status().ToString();
  EXPECT_EQ(hc::testing::ReadFile(outside / "precious"), "secret");
  ASSERT_TRUE(Export({.out = folder, .all = true, .force = true}).ok());
  EXPECT_EQ(hc::testing::ReadFile(outside / "precious"), "secret");
  EXPECT_FALSE(std::filesystem::is_symlink(folder / "articles.jsonl"));
  EXPECT_TRUE(std::filesystem::is_regular_file(folder / "articles.jsonl"));

  std::filesystem::create_symlink(outside.path(), dir_ / "linked-folder");
  auto via_link = Export({.out = dir_ / "linked-folder", .all = true, .force = true});
  ASSERT_FALSE(via_link.ok());
  EXPECT_EQ(via_link.status().code(), StatusCode::kIoError);
  for (const auto& e : std::filesystem::directory_iterator(outside.path())) {
    EXPECT_EQ(e.path().filename(), "precious") << "written through the folder link: " << e.path();
  }
}

TEST_P(ExportTest, BadRequestsAreInvalidArguments) {
  struct Case {
    std::string name;
    ExportOptions options;
  };
  const std::vector<Case> cases = {
      {"unknown table", {.out = dir_ / "x", .table = "secrets"}},
      {"nested csv", {.format = ExportFormat::kCsv, .out = dir_ / "x", .nested = true}},
      {"no out", {.table = "pages"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Export(c.options).status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_P(ExportTest, SinceLastExportsOnlyWhatChanged) {
  const auto out = dir_ / "inc.jsonl";
  auto first = Export({.out = out, .table = "articles", .force = true, .since_last = true});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->files[0].second, 3);
  // Nothing changed: nothing written (the previous increment stays), nothing recorded.
  auto none = Export({.out = out, .table = "articles", .force = true, .since_last = true});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->unchanged);
  EXPECT_TRUE(none->files.empty());
  EXPECT_NE(hc::testing::ReadFile(out), "");
  // An unchanged re-fetch is not a change; a changed article is.
  Put(Page("https://www.mfk.com/article/2.html", "2026-03-05T00:00:00Z", Article("第二篇", 7)));
  EXPECT_TRUE(Export({.out = out, .table = "articles", .force = true, .since_last = true})->unchanged);
  Put(Page("https://www.mfk.com/article/2.html", "2026-03-06T00:00:00Z", Article("第二篇 改", 8)));
  auto changed = Export({.out = out, .table = "articles", .force = true, .since_last = true});
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->files[0].second, 1);
  EXPECT_NE(hc::testing::ReadFile(out).find("第二篇 改"), std::string::npos);
  // A different target has its own history; the view observations count as changes of their table.
  EXPECT_EQ(Export({.out = dir_ / "other.jsonl", .table = "articles", .since_last = true})->files[0].second,
            3);
  EXPECT_EQ(
      Export({.out = dir_ / "views.jsonl", .table = "article_views", .since_last = true})->files[0].second,
      4);
}

TEST_P(ExportTest, NamedCursorIsIndependentOfTheOutputNameAndNeverOverwrites) {
  // Three runs of one cursor into "inc-{seq}.jsonl": everything, then nothing (no file), then the change.
  const std::string pattern = (dir_ / "inc-{run}-{seq}.jsonl").string();
  auto first = Export({.out = pattern, .table = "articles", .cursor = "daily"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->files.size(), 1u);
  EXPECT_EQ(first->files[0].second, 3);
  const auto first_file = first->files[0].first;
  EXPECT_EQ(first_file.filename().string().rfind("inc-1-", 0), 0u) << first_file;

  auto second = Export({.out = pattern, .table = "articles", .cursor = "daily"});
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(second->unchanged);
  EXPECT_TRUE(second->files.empty());

  Put(Page("https://www.mfk.com/article/2.html", "2026-03-06T00:00:00Z", Article("第二篇 改", 8)));
  auto third = Export({.out = pattern, .table = "articles", .cursor = "daily"});
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  ASSERT_EQ(third->files.size(), 1u);
  EXPECT_EQ(third->files[0].second, 1);
  EXPECT_EQ(third->files[0].first.filename().string().rfind("inc-2-", 0), 0u) << third->files[0].first;
  EXPECT_NE(third->files[0].first, first_file);
  EXPECT_NE(hc::testing::ReadFile(first_file).find("第二篇"), std::string::npos);  // the first stays whole
  EXPECT_NE(hc::testing::ReadFile(third->files[0].first).find("第二篇 改"), std::string::npos);

  // Another cursor (or the same one with another table) starts from the beginning.
  EXPECT_EQ(Export({.out = dir_ / "weekly.jsonl", .table = "articles", .cursor = "weekly"})->files[0].second,
            3);
  // A fixed name is never overwritten by the next increment.
  Put(Page("https://www.mfk.com/article/2.html", "2026-03-07T00:00:00Z", Article("第二篇 再改", 9)));
  auto clash = Export({.out = dir_ / "weekly.jsonl", .table = "articles", .cursor = "weekly"});
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), StatusCode::kIoError);
  EXPECT_NE(clash.status().message().find("{seq}"), std::string::npos) << clash.status().message();
}

TEST_P(ExportTest, OutputNamePlaceholders) {
  struct Case {
    std::string name, pattern, want;  // want: the file name, or "" for InvalidArgument
  };
  const std::vector<Case> cases = {
      {"date and time are UTC", "a-{date}T{time}.csv", "a-2026-03-09T013005.csv"},
      {"run counts exports of the target", "b-{run}.csv", "b-1.csv"},
      {"no placeholder", "plain.csv", "plain.csv"},
      {"unknown", "c-{job}.csv", ""},
      {"unbalanced", "d-{date.csv", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = RunExport(*store_, {.format = ExportFormat::kCsv,
                                 .out = dir_ / c.pattern,
                                 .table = "sites",
                                 .now = At("2026-03-09T01:30:05Z")});
    if (c.want.empty()) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->files[0].first.filename().string(), c.want);
  }
  // {seq} is the change sequence the export covers: the same one as the database's counter.
  auto seq = store_->CurrentChangeSeq();
  ASSERT_TRUE(seq.ok());
  auto r = Export({.out = dir_ / "s-{seq}.jsonl", .table = "sites"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->files[0].first.filename().string(), "s-" + std::to_string(*seq) + ".jsonl");
}

TEST_P(ExportTest, IncrementalAllWritesOnlyChangedTablesAndNothingWhenNothingChanged) {
  const auto out = dir_ / "all-{seq}";
  auto first = Export({.out = out, .all = true, .cursor = "c"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const size_t tables_with_rows = first->files.size();
  EXPECT_GT(tables_with_rows, 5u);
  auto again = Export({.out = out, .all = true, .cursor = "c"});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->unchanged);
  // Only the first folder exists: the unchanged run created none.
  int folders = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
    folders += e.path().filename().string().rfind("all-", 0) == 0;
  }
  EXPECT_EQ(folders, 1);
}

TEST_P(ExportTest, SiteAndSinceFilter) {
  struct Case {
    std::string name;
    std::string table;
    std::string site;
    std::optional<TimePoint> since;
    int64_t rows;
  };
  const std::vector<Case> cases = {
      {"pages of mfk", "pages", "mfk", std::nullopt, 2},
      {"pages of xywy", "pages", "xywy", std::nullopt, 1},
      {"doctors of mfk", "doctors", "mfk", std::nullopt, 2},
      {"doctors of xywy", "doctors", "xywy", std::nullopt, 0},
      {"hospitals of mfk", "hospitals", "mfk", std::nullopt, 1},
      {"diseases of mfk", "diseases", "mfk", std::nullopt, 1},
      {"answers of mfk", "answers", "mfk", std::nullopt, 2},
      {"views since", "article_views", "", At("2026-03-01T03:00:00Z"), 1},
      {"everything later", "articles", "", At("2030-01-01T00:00:00Z"), 0},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = Export({.out = dir_ / ("f" + std::to_string(n++) + ".jsonl"),
                     .table = c.table,
                     .site = c.site,
                     .since = c.since});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->files[0].second, c.rows);
  }
}

HC_INSTANTIATE_BACKEND_TEST(ExportTest);

}  // namespace
}  // namespace hc::store
