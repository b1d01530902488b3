// `healthcrawl ingest`, `reextract` and `stats` end to end: the bundled fixtures go in as if fetched,
// re-ingesting changes nothing, reextract rebuilds from the raw archive, WARC output parses, and a
// database that cannot be used is exit status 3 with nothing changed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "support/cli_command.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::Cli;
using hc::testing::RunCommand;

using hc::testing::Quote;

std::vector<fs::path> FixturePages(const std::string& site) {
  std::vector<fs::path> pages;
  const auto dir = hc::testing::FixturesDir() / "sites" / site;
  if (!fs::is_directory(dir)) return pages;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".html") pages.push_back(e.path());
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

std::string Join(const std::vector<fs::path>& files) {
  std::string out;
  for (const auto& f : files) out += " " + Quote(f);
  return out;
}

nlohmann::json Stats(const fs::path& db) {
  std::string out;
  EXPECT_EQ(RunCommand(Cli("stats --json --db " + Quote(db)), &out), 0);
  return nlohmann::json::parse(out, nullptr, false);
}

// The table counts without crawl_runs (every command adds a run).
nlohmann::json DataTables(const nlohmann::json& stats) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : stats["tables"]) {
    if (t["table"] != "crawl_runs") out.push_back(t);
  }
  return out;
}

int64_t Rows(const nlohmann::json& stats, const std::string& site, const std::string& table) {
  for (const auto& t : stats["tables"]) {
    if (t["site"] == site && t["table"] == table) return t["rows"].get<int64_t>();
  }
  return 0;
}

TEST(IngestCliTest, FixturesGoInOnceAndReextractRebuildsThem) {
  const auto pages = FixturePages("mfk");
  if (pages.empty()) GTEST_SKIP() << "no mfk fixtures";
  hc::testing::TempDir dir;
  const auto db = dir / "crawl.db";
  std::string out;
  int rc = RunCommand(Cli("ingest --site mfk --db " + Quote(db) + " --warc " + Quote(dir / "warc") + Join(pages)),
                      &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find(std::to_string(pages.size()) + " stored (0 as failures), 0 skipped"), std::string::npos) << out;

  nlohmann::json first = Stats(db);
  EXPECT_EQ(Rows(first, "mfk", "pages"), static_cast<int64_t>(pages.size()));
  EXPECT_EQ(Rows(first, "mfk", "articles"), 1);
  EXPECT_EQ(Rows(first, "mfk", "raw_responses"), static_cast<int64_t>(pages.size()));
  // The real article page's 12 doctors at 11 hospitals, one row each (fixtures/sites/mfk/README.md).
  EXPECT_EQ(Rows(first, "*", "doctors"), 12);
  EXPECT_EQ(Rows(first, "*", "hospitals"), 11);
  EXPECT_TRUE(first["failures"].empty());
  EXPECT_EQ(first["newest_fetch"], "2026-03-01T02:00:00Z");  // from the fixtures' expected.json

  // Ingesting the same pages again changes no rows.
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(db) + Join(pages)), &out), 0) << out;
  nlohmann::json again = Stats(db);
  EXPECT_EQ(DataTables(again), DataTables(first));
  EXPECT_EQ(Rows(again, "*", "crawl_runs"), 2);

  // reextract reads the archive: same rows, nothing fetched.
  rc = RunCommand(Cli("reextract --site mfk --db " + Quote(db)), &out);
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("re-extracted " + std::to_string(pages.size()) + " archived responses"), std::string::npos)
      << out;
  EXPECT_EQ(DataTables(Stats(db)), DataTables(first));

  // The WARC file holds one response record per page.
  fs::path warc;
  for (const auto& e : fs::directory_iterator(dir / "warc")) warc = e.path();
  ASSERT_FALSE(warc.empty());
  hc::testing::WriteFile(dir / "count.py", R"py(
import gzip, sys
data = gzip.open(sys.argv[1]).read()
print(data.count(b'WARC-Type: response\r\n'), data.count(b'WARC-Target-URI: https://www.mfk.com/'))
)py");
  ASSERT_EQ(RunCommand("python3 " + Quote(dir / "count.py") + " " + Quote(warc), &out), 0);
  EXPECT_EQ(out, std::to_string(pages.size()) + " " + std::to_string(pages.size()) + "\n");
}

TEST(IngestCliTest, UrlsComeFromUrlOrAUrlMap) {
  const auto pages = FixturePages("mfk");
  if (pages.empty()) GTEST_SKIP() << "no mfk fixtures";
  hc::testing::TempDir dir;
  const std::string html = hc::testing::ReadFile(hc::testing::FixturesDir() / "sites" / "mfk" / "article.html");
  hc::testing::WriteFile(dir / "a.html", html);
  hc::testing::WriteFile(dir / "b.html", html);
  std::string out;
  // No URL anywhere: the file is skipped, exit 1.
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "x.db") + " " + Quote(dir / "a.html")), &out, true),
            1)
      << out;
  EXPECT_NE(out.find("no URL"), std::string::npos) << out;
  // --url for one file.
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "x.db") + " --fetched-at 2026-03-05T00:00:00Z --url "
                           "https://www.mfk.com/article/1.html " + Quote(dir / "a.html")),
                       &out),
            0)
      << out;
  // --url with two files is a usage error.
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "x.db") + " --url https://www.mfk.com/article/1.html " +
                           Quote(dir / "a.html") + " " + Quote(dir / "b.html")),
                       &out, true),
            2);
  // A TSV map, with a relative path and a comment.
  hc::testing::WriteFile(dir / "urls.tsv", "# file\turl\nb.html\thttps://www.mfk.com/article/2.html\n" +
                                               (dir / "a.html").string() + "\thttps://www.mfk.com/article/3.html\n");
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "x.db") + " --url-map " + Quote(dir / "urls.tsv") +
                           " " + Quote(dir / "a.html") + " " + Quote(dir / "b.html")),
                       &out),
            0)
      << out;
  EXPECT_EQ(Rows(Stats(dir / "x.db"), "mfk", "articles"), 3);
}

TEST(IngestCliTest, UnusableDatabasesExitThreeAndStayUnchanged) {
  const auto pages = FixturePages("mfk");
  if (pages.empty()) GTEST_SKIP() << "no mfk fixtures";
  hc::testing::TempDir dir;
  hc::testing::WriteFile(dir / "junk.db", std::string(8192, 'j'));
  // A healthcrawl database from the future.
  std::string out;
  ASSERT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "future.db") + Join(pages)), &out), 0) << out;
  ASSERT_EQ(RunCommand("sqlite3 " + Quote(dir / "future.db") + " 'PRAGMA user_version = 999'", &out), 0);
  struct Case {
    std::string name;
    std::string command;
    fs::path file;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"ingest into junk", "ingest --site mfk --db " + Quote(dir / "junk.db") + Join(pages), dir / "junk.db",
       "not a database"},
      {"stats of junk", "stats --db " + Quote(dir / "junk.db"), dir / "junk.db", "not a database"},
      {"export of junk", "export --table pages --out " + Quote(dir / "o.jsonl") + " --db " + Quote(dir / "junk.db"),
       dir / "junk.db", "not a database"},
      {"ingest into the future", "ingest --site mfk --db " + Quote(dir / "future.db") + Join(pages),
       dir / "future.db", "newer"},
      {"reextract of the future", "reextract --db " + Quote(dir / "future.db"), dir / "future.db", "newer"},
      {"stats of a missing file", "stats --db " + Quote(dir / "none.db"), dir / "none.db", "no database"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const bool existed = fs::exists(c.file);
    const std::string before = existed ? hc::testing::ReadFile(c.file) : "";
    EXPECT_EQ(RunCommand(Cli(c.command), &out, true), 3) << out;
    EXPECT_NE(out.find(c.message), std::string::npos) << out;
    EXPECT_EQ(fs::exists(c.file), existed);
    if (existed) {
      EXPECT_EQ(hc::testing::ReadFile(c.file), before);
    }
  }
  EXPECT_FALSE(fs::exists(dir / "o.jsonl"));
}

TEST(IngestCliTest, StatsReportsFillRatesAndFailures) {
  const auto pages = FixturePages("mfk");
  if (pages.empty()) GTEST_SKIP() << "no mfk fixtures";
  hc::testing::TempDir dir;
  // A page of the article type without the article's markup: its required title is missing.
  hc::testing::WriteFile(dir / "empty.html", "<html><body><p>nothing here</p></body></html>");
  std::string out;
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "s.db") + Join(pages)), &out), 0) << out;
  EXPECT_EQ(RunCommand(Cli("ingest --site mfk --db " + Quote(dir / "s.db") +
                           " --url https://www.mfk.com/article/999.html " + Quote(dir / "empty.html")),
                       &out),
            1)
      << out;
  nlohmann::json stats = Stats(dir / "s.db");
  ASSERT_EQ(stats["failures"].size(), 1u) << stats.dump(2);
  EXPECT_EQ(stats["failures"][0]["site"], "mfk");
  EXPECT_NE(stats["failures"][0]["reason"].get<std::string>().find("extract: "), std::string::npos);
  bool saw_title = false;
  for (const auto& f : stats["fill_rates"]) {
    if (f["site"] == "mfk" && f["table"] == "articles" && f["field"] == "title") {
      saw_title = true;
      EXPECT_EQ(f["filled"], f["rows"]);
    }
  }
  EXPECT_TRUE(saw_title);
  ASSERT_EQ(RunCommand(Cli("stats --db " + Quote(dir / "s.db")), &out), 0);
  EXPECT_NE(out.find("Fill rate"), std::string::npos);
  EXPECT_NE(out.find("Newest fetch: "), std::string::npos);
}

}  // namespace
