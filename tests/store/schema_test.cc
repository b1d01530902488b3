// The schema: migrations from every earlier version, and the databases Open must refuse without
// changing them (locked, read-only, not a database, foreign, newer).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "store/page_builders.h"
#include "store/schema_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/sqlite_internal.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using internal::Db;
using testing::Article;
using testing::Card;
using testing::Page;
using testing::Peek;

// Rows a database at each version could hold, written with that version's SQL.
std::string SeedSql(int version) {
  const std::string v1 = R"sql(
        INSERT INTO sites (id, key, first_seen_at) VALUES (1, 'mfk', '2025-01-01T00:00:00Z');
        INSERT INTO pages (id, site_id, url, fetched_url, page_type, http_status, first_fetched_at,
                           last_fetched_at, failure_reason, updated_at)
          VALUES (1, 1, 'https://www.mfk.com/article/1.html', 'https://www.mfk.com/article/1.html',
                  'article', 200, '2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z', NULL, '2025-01-01T00:00:00Z'),
                 (2, 1, 'https://www.mfk.com/article/2.html', 'https://www.mfk.com/article/2.html',
                  'article', 404, '2025-01-01T00:00:00Z', '2025-01-02T00:00:00Z', 'http 404', '2025-01-02T00:00:00Z');
        INSERT INTO articles (id, page_id, site_id, title, updated_at)
          VALUES (1, 1, 1, '老文章', '2025-01-01T00:00:00Z');
        INSERT INTO article_views (article_id, observed_at, views) VALUES (1, '2025-01-01T00:00:00Z', 42);
      )sql";
  // Version 2 recorded failures as they happened.
  const std::string v2 = v1 + R"sql(
        INSERT INTO failures (page_id, failed_at, http_status, reason)
          VALUES (2, '2025-01-02T00:00:00Z', 404, 'http 404');
      )sql";
  // Version 3 added change sequence numbers (their defaults) and the export log.
  const std::string v3 = v2 + R"sql(
        INSERT INTO exports (target, format, table_name, path, exported_at, upto_seq, rows)
          VALUES ('out/articles.jsonl', 'jsonl', 'articles', 'out/articles.jsonl', '2025-01-03T00:00:00Z', 1, 1);
      )sql";
  switch (version) {
    case 1: return v1;
    case 2: return v2;
    default: return v3;  // later versions added tables of their own (frontier), empty at first
  }
}

Status BuildAtVersion(const std::filesystem::path& path, int version) {
  auto db = Db::Open(path.string(), false, true);
  if (!db.ok()) return db.status();
  HC_RETURN_IF_ERROR(internal::Migrate(**db, version));
  return (*db)->Exec(SeedSql(version));
}

TEST(SchemaTest, MigrationsAreAnOrderedListEndingAtTheCurrentVersion) {
  const auto& migrations = internal::Migrations();
  ASSERT_GE(migrations.size(), 2u);
  EXPECT_EQ(migrations.front().version, 1);
  for (size_t i = 1; i < migrations.size(); ++i) EXPECT_EQ(migrations[i].version, migrations[i - 1].version + 1);
  EXPECT_EQ(CurrentSchemaVersion(), migrations.back().version);
}

TEST(SchemaTest, UpgradesFromEveryEarlierVersion) {
  for (const internal::Migration& m : internal::Migrations()) {
    const int from = m.version;
    if (from == CurrentSchemaVersion()) break;
    SCOPED_TRACE("from version " + std::to_string(from));
    hc::testing::TempDir dir;
    const auto path = dir / "old.db";
    ASSERT_TRUE(BuildAtVersion(path, from).ok());
    EXPECT_EQ(Peek(path.string()).Int("PRAGMA user_version"), from);
    EXPECT_EQ(Peek(path.string()).Int("PRAGMA page_size"), 4096);  // SQLite's default, as older versions made

    auto store = OpenDatabase(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_TRUE((*store)->CheckIntegrity().ok());
    Peek peek(path.string());
    EXPECT_EQ(peek.Int("PRAGMA user_version"), CurrentSchemaVersion());
    EXPECT_EQ(peek.Int("PRAGMA page_size"), 4096);  // an existing file keeps its page size
    EXPECT_EQ(peek.Text("SELECT title FROM articles"), "老文章");
    EXPECT_EQ(peek.Int("SELECT views FROM article_views"), 42);
    // Version 2 backfilled the failure history from pages.failure_reason.
    EXPECT_EQ(peek.Text("SELECT reason || ' ' || failed_at FROM failures"), "http 404 2025-01-02T00:00:00Z");
    // Version 3: old rows are inside the first incremental export.
    EXPECT_EQ(peek.Int("SELECT min(updated_seq) FROM articles"), 1);
    // Version 4: an empty crawl frontier.
    EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier"), 0);
    // Version 5: no scheduled jobs or locks yet; the old runs are not any job's.
    EXPECT_EQ(peek.Int("SELECT count(*) FROM jobs"), 0);
    EXPECT_EQ(peek.Int("SELECT count(*) FROM job_locks"), 0);
    EXPECT_TRUE((*store)->ListRuns("", false, 10)->empty());
    // Version 6: old pages hit no limit; no URL has killed a crawler.
    EXPECT_EQ(peek.Text("SELECT group_concat(DISTINCT notes) FROM pages"), "[]");
    EXPECT_EQ(peek.Int("SELECT sum(links_dropped) FROM pages"), 0);
    EXPECT_EQ(peek.Int("SELECT count(*) FROM frontier WHERE parse_deaths > 0"), 0);
    // Version 8: no run has fill counts or drift alarms yet (docs/drift.md).
    EXPECT_EQ(peek.Int("SELECT count(*) FROM run_field_fill"), 0);
    EXPECT_EQ(peek.Int("SELECT count(*) FROM run_fill_alarms"), 0);
    // Version 9 (child lists): old records have no child items.
    EXPECT_EQ(peek.Int("SELECT count(*) FROM record_children"), 0);

    // The upgraded database takes new writes and exports them with the old rows.
    auto page = Page("https://www.mfk.com/article/1.html", "2026-03-01T00:00:00Z",
                     Article("新文章", 43, Json::array({Card("https://www.mfk.com/question/1.html", "李明", "答")})));
    ASSERT_TRUE((*store)->PutPage(page).ok());
    ASSERT_TRUE((*store)->Flush().ok());
    EXPECT_EQ(peek.Text("SELECT title FROM articles"), "新文章");
    EXPECT_EQ(peek.Int("SELECT count(*) FROM article_views"), 2);
    int64_t rows = 0;
    ASSERT_TRUE((*store)->ScanTable(*FindExportTable("pages"), {}, [&](const Row&) {
      ++rows;
      return Status::Ok();
    }).ok());
    EXPECT_EQ(rows, 2);
    EXPECT_TRUE((*store)->CheckIntegrity().ok());
  }
}

TEST(SchemaTest, AFreshDatabaseIsWalWithForeignKeysAndTheApplicationId) {
  hc::testing::TempDir dir;
  auto store = OpenDatabase(dir / "new.db");
  ASSERT_TRUE(store.ok());
  Peek peek((dir / "new.db").string());
  EXPECT_EQ(peek.Text("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(peek.Int("PRAGMA page_size"), 8192);  // docs/schema.md: long rows, half the reads and writes
  EXPECT_EQ(peek.Int("PRAGMA application_id"), internal::kApplicationId);
  EXPECT_EQ(peek.Int("PRAGMA user_version"), CurrentSchemaVersion());
  // Opening again migrates nothing and keeps the data.
  store->reset();
  auto again = OpenDatabase(dir / "new.db");
  ASSERT_TRUE(again.ok());
}

// The file's bytes, to show a refused open changed nothing.
std::string Bytes(const std::filesystem::path& p) {
  return std::filesystem::exists(p) ? hc::testing::ReadFile(p) : std::string("<missing>");
}

TEST(SchemaTest, RefusesDatabasesItCannotUseAndChangesNothing) {
  struct Case {
    std::string name;
    std::function<void(const std::filesystem::path&)> make;
    StatusCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"not a database",
       [](const std::filesystem::path& p) { hc::testing::WriteFile(p, std::string(4096, 'x') + "not sqlite"); },
       StatusCode::kCorruption, "file is not a database"},
      {"another application's database",
       [](const std::filesystem::path& p) {
         auto db = Db::Open(p.string(), false, true);
         ASSERT_TRUE((*db)->Exec("CREATE TABLE notes (x); INSERT INTO notes VALUES (1);").ok());
       },
       StatusCode::kCorruption, "not a healthcrawl database"},
      {"newer schema",
       [](const std::filesystem::path& p) {
         ASSERT_TRUE(BuildAtVersion(p, CurrentSchemaVersion()).ok());
         auto db = Db::Open(p.string(), false, true);
         ASSERT_TRUE((*db)->Exec("PRAGMA user_version = " + std::to_string(CurrentSchemaVersion() + 1)).ok());
       },
       StatusCode::kCorruption, "is newer than this healthcrawl understands"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    hc::testing::TempDir dir;
    const auto path = dir / "x.db";
    c.make(path);
    const std::string before = Bytes(path);
    auto store = OpenDatabase(path);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), c.code) << store.status().ToString();
    EXPECT_NE(store.status().message().find(c.message), std::string::npos) << store.status().ToString();
    EXPECT_NE(store.status().message().find(path.string()), std::string::npos);
    EXPECT_EQ(Bytes(path), before);
    EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));
  }
}

TEST(SchemaTest, ReadOnlyOpenNeedsAnExistingCurrentDatabase) {
  hc::testing::TempDir dir;
  StoreOptions ro;
  ro.read_only = true;
  auto missing = OpenDatabase(dir / "none.db", ro);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));

  ASSERT_TRUE(BuildAtVersion(dir / "old.db", 1).ok());
  auto old = OpenDatabase(dir / "old.db", ro);
  EXPECT_EQ(old.status().code(), StatusCode::kUnsupported);
  EXPECT_EQ(Peek((dir / "old.db").string()).Int("PRAGMA user_version"), 1);

  ASSERT_TRUE(OpenDatabase(dir / "new.db").ok());
  auto reader = OpenDatabase(dir / "new.db", ro);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->PutPage(Page("https://a/1", "2026-03-01T00:00:00Z", Article("t", 1))).code(),
            StatusCode::kIoError);
}

TEST(SchemaTest, AReadOnlyFileIsAClearErrorForAWriter) {
  hc::testing::TempDir dir;
  const auto path = dir / "ro.db";
  ASSERT_TRUE(OpenDatabase(path).ok());
  // The store closed cleanly, so the WAL is checkpointed and gone; make the file read-only.
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all | std::filesystem::perms::group_exec |
                                               std::filesystem::perms::others_exec | std::filesystem::perms::others_read |
                                               std::filesystem::perms::group_read);
  const std::string before = Bytes(path);
  // Root ignores permission bits, so the check runs in a child that gives up root when it has it.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(10);
    auto store = OpenDatabase(path);
    if (store.ok()) ::_exit(11);
    if (store.status().code() != StatusCode::kIoError) ::_exit(12);
    if (store.status().message().find("read-only") == std::string::npos) ::_exit(13);
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: cannot drop root, 11: opened, 12: wrong code, 13: wrong message";
  EXPECT_EQ(Bytes(path), before);
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST(SchemaTest, ALockHeldByAnotherProcessIsBusyAfterTheTimeout) {
  hc::testing::TempDir dir;
  const auto path = dir / "locked.db";
  ASSERT_TRUE(OpenDatabase(path).ok());
  int ready[2], release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    int rc = sqlite3_exec(db, "BEGIN EXCLUSIVE; INSERT INTO sites (key, first_seen_at) VALUES ('held', 'x');",
                          nullptr, nullptr, nullptr);
    char byte = rc == SQLITE_OK ? 'y' : 'n';
    (void)!::write(ready[1], &byte, 1);
    (void)!::read(release[0], &byte, 1);  // hold the lock until the parent is done
    ::_exit(0);
  }
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');

  StoreOptions options;
  options.busy_timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  auto store = OpenDatabase(path, options);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kBusy) << store.status().ToString();
  EXPECT_NE(store.status().message().find("locked"), std::string::npos);
  EXPECT_GE(waited, std::chrono::milliseconds(150));

  (void)!::write(release[1], "x", 1);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Once the lock is gone the same call works, and the other process's uncommitted row is not there.
  auto later = OpenDatabase(path, options);
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  EXPECT_EQ(Peek(path.string()).Int("SELECT count(*) FROM sites"), 0);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) ::close(fd);
}

}  // namespace
}  // namespace hc::store
