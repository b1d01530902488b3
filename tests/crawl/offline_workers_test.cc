// ingest and reextract on N parse workers store exactly what they store on one (issue 12, point 8): the
// fixture sites' pages, each in several versions fetched out of order, go in through IngestFiles and are
// re-extracted from every archived version, on 1 and on 4 workers; the two databases match table by
// table, row by row (ids included).
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "crawl/crawl.h"
#include "extract/extract.h"
#include "store/database.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

namespace fs = std::filesystem;
using hc::testing::ReadFile;
using hc::testing::TempDir;
using hc::testing::WriteFile;

constexpr int kVersions = 6;

// Every row of every table, in rowid order, as text: "table|col1|col2|...".
std::vector<std::string> DumpTables(const fs::path& db_path) {
  std::vector<std::string> out;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::vector<std::string> tables;
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW)
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  sqlite3_finalize(stmt);
  for (const std::string& table : tables) {
    const std::string sql = "SELECT * FROM \"" + table + "\" ORDER BY 1";
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
      std::string row = table;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        const void* blob = sqlite3_column_blob(stmt, i);
        row += "|" +
               (blob ? std::string(static_cast<const char*>(blob), sqlite3_column_bytes(stmt, i)) : "NULL");
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

// kVersions copies of each fixture page of `site` in folders v0..v5 of `dir`, each with its own
// .expected.json naming the page's URL and a fetch time out of order (v3 is the newest, v0 in the
// middle), each with bytes of its own. The odd versions change the text (every 的 becomes 地), so their
// records differ from the even ones' and the newest version decides what the tables hold.
std::vector<fs::path> WriteVersions(const fs::path& dir, const std::string& site) {
  std::vector<fs::path> files;
  const fs::path fixtures = hc::testing::FixturesDir() / "sites" / site;
  std::vector<fs::path> pages;
  for (const auto& e : fs::directory_iterator(fixtures)) {
    if (e.path().extension() == ".html") pages.push_back(e.path());
  }
  std::sort(pages.begin(), pages.end());
  const int hours[kVersions] = {3, 1, 4, 5, 2, 0};
  for (int v = 0; v < kVersions; ++v) {
    for (const fs::path& page : pages) {
      auto expected = nlohmann::json::parse(ReadFile(fixtures / (page.stem().string() + ".expected.json")));
      std::string html = ReadFile(page);
      // Each version's bytes differ (the archive keeps one row for a body seen before).
      html += "<!-- version " + std::to_string(v) + " -->\n";
      if (v % 2 == 1) {
        for (size_t at = html.find("的"); at != std::string::npos; at = html.find("的", at + 3))
          html.replace(at, 3, "地");
      }
      const fs::path folder = dir / (site + "-v" + std::to_string(v));
      const fs::path file = folder / page.filename();
      WriteFile(file, html);
      nlohmann::json sidecar = {{"url", expected["url"]},
                                {"fetched_at", "2026-03-0" + std::to_string(1 + hours[v]) + "T02:00:00Z"}};
      WriteFile(folder / (page.stem().string() + ".expected.json"), sidecar.dump());
      files.push_back(file);
    }
  }
  return files;
}

struct RunCounts {
  int64_t ingested = 0;
  int64_t reextracted = 0;
};

// Ingests the versions of both fixture sites into `db`, then re-extracts every archived version, all on
// `workers` workers.
RunCounts IngestAndReextract(const fs::path& db, const std::map<std::string, std::vector<fs::path>>& files,
                             int workers) {
  RunCounts counts;
  FakeClock clock(TimePoint(std::chrono::hours(24 * 20600)));
  std::vector<extract::SelectorProgram> programs;
  for (const auto& [site, _] : files) {
    auto program = extract::LoadSite(hc::testing::SelectorsDir(), site);
    EXPECT_TRUE(program.ok()) << program.status().ToString();
    programs.push_back(std::move(*program));
  }
  auto store = store::OpenDatabase(db, {.raw_versions = kVersions, .clock = &clock});
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return counts;
  size_t i = 0;
  for (const auto& [site, site_files] : files) {
    IngestOptions options;
    options.clock = &clock;
    options.workers = workers;
    auto report = IngestFiles(programs[i++], site_files, options, **store, nullptr, store->get());
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    if (!report.ok()) continue;
    EXPECT_EQ(report->skipped, 0);
    counts.ingested += report->stored;
  }
  std::vector<const extract::SelectorProgram*> pointers;
  for (const auto& p : programs) pointers.push_back(&p);
  store::RawQuery query;
  query.latest_only = false;
  auto report = Reextract(pointers, **store, **store, query,
                          {.workers = workers, .runs = store->get(), .clock = &clock});
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  if (report.ok()) counts.reextracted = report->stored;
  return counts;
}

TEST(OfflineWorkersTest, IngestAndReextractStoreTheSameRowsOnOneWorkerAndOnFour) {
  TempDir dir;
  std::map<std::string, std::vector<fs::path>> files;
  size_t total = 0;
  for (const std::string site : {"mfk", "xywy"}) {
    files[site] = WriteVersions(dir.path() / "pages", site);
    total += files[site].size();
  }
  ASSERT_GT(total, 40u);

  const RunCounts one = IngestAndReextract(dir / "one.db", files, 1);
  const RunCounts four = IngestAndReextract(dir / "four.db", files, 4);
  EXPECT_EQ(one.ingested, static_cast<int64_t>(total));
  EXPECT_EQ(one.reextracted, static_cast<int64_t>(total));  // every version was kept and re-extracted
  EXPECT_EQ(four.ingested, one.ingested);
  EXPECT_EQ(four.reextracted, one.reextracted);

  const std::vector<std::string> a = DumpTables(dir / "one.db");
  const std::vector<std::string> b = DumpTables(dir / "four.db");
  ASSERT_GT(a.size(), total);
  EXPECT_EQ(a.size(), b.size());
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) {
      ADD_FAILURE() << "first difference at row " << i << ":\n  1 worker:  " << a[i].substr(0, 300)
                    << "\n  4 workers: " << b[i].substr(0, 300);
      break;
    }
  }
}

// A storage error during a parallel reextract stops it with the error, as on one thread.
TEST(OfflineWorkersTest, AStorageErrorStopsAParallelReextract) {
  TempDir dir;
  std::map<std::string, std::vector<fs::path>> files;
  files["mfk"] = WriteVersions(dir.path() / "pages", "mfk");
  IngestAndReextract(dir / "x.db", files, 2);

  // A writer that fails at its 7th page.
  class FailingWriter : public store::PageWriter {
   public:
    Status PutPage(const store::PageObservation&) override {
      return ++pages_ >= 7 ? Status::IoError("storage: disk full (test)") : Status::Ok();
    }
    Status Flush() override { return Status::Ok(); }
    int pages_ = 0;
  };
  auto program = extract::LoadSite(hc::testing::SelectorsDir(), "mfk");
  ASSERT_TRUE(program.ok());
  auto store = store::OpenDatabase(dir / "x.db", {.raw_versions = kVersions});
  ASSERT_TRUE(store.ok());
  store::RawQuery query;
  query.latest_only = false;
  for (int workers : {1, 3}) {
    SCOPED_TRACE(workers);
    FailingWriter writer;
    auto report = Reextract({&*program}, **store, writer, query, {.workers = workers});
    ASSERT_FALSE(report.ok());
    EXPECT_EQ(report.status().message(), "storage: disk full (test)");
    EXPECT_EQ(writer.pages_, 7);  // nothing is stored after the error
  }
}

}  // namespace
}  // namespace hc::crawl
