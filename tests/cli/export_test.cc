// `healthcrawl export` end to end on the ingested fixtures: every table as CSV loads in Python's csv
// module and the sqlite3 shell, JSONL (flat and nested) in Python's json module; existing files need
// --force; --since-last exports only changes.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::CliPath;
using hc::testing::RunCommand;

std::string Quote(const fs::path& p) { return "'" + p.string() + "'"; }

std::string Cli(const std::string& args) {
  return Quote(CliPath()) + " --selectors " + Quote(hc::testing::SelectorsDir()) + " " + args;
}

class ExportCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = hc::testing::FixturesDir() / "sites";
    std::string files;
    for (const std::string site : {"mfk", "xywy"}) {
      if (!fs::is_directory(dir / site)) GTEST_SKIP() << "no fixtures";
      files.clear();
      for (const auto& e : fs::directory_iterator(dir / site)) {
        if (e.path().extension() == ".html") files += " " + Quote(e.path());
      }
      std::string out;
      ASSERT_EQ(RunCommand(Cli("ingest --site " + site + " --db " + Quote(db()) + files), &out, true), 0) << out;
    }
  }
  fs::path db() const { return tmp_ / "e.db"; }
  std::string Python(const std::string& script, const std::string& args) {
    hc::testing::WriteFile(tmp_ / "check.py", script);
    std::string out;
    EXPECT_EQ(RunCommand("python3 " + Quote(tmp_ / "check.py") + " " + args, &out, true), 0) << out;
    return out;
  }
  hc::testing::TempDir tmp_;
};

TEST_F(ExportCliTest, EveryTableAsCsvLoadsInPythonAndTheSqliteShell) {
  std::string out;
  ASSERT_EQ(RunCommand(Cli("export --format csv --bom --all --out " + Quote(tmp_ / "csv") + " --db " + Quote(db())),
                       &out),
            0)
      << out;
  // Each CSV has a header and as many records as the flat JSONL export of the same table.
  ASSERT_EQ(RunCommand(Cli("export --format jsonl --all --out " + Quote(tmp_ / "jsonl") + " --db " + Quote(db())),
                       &out),
            0)
      << out;
  const std::string check = Python(R"py(
import csv, json, os, sys
d = sys.argv[1]
bad = []
for name in sorted(os.listdir(d + '/csv')):
    table = name[:-4]
    with open(d + '/csv/' + name, newline='', encoding='utf-8-sig') as f:
        rows = list(csv.reader(f))
    docs = [json.loads(l) for l in open(d + '/jsonl/' + table + '.jsonl', encoding='utf-8')]
    if rows[0] != (list(docs[0].keys()) if docs else rows[0]): bad.append(table + ' header')
    if len(rows) - 1 != len(docs): bad.append(table + ' count')
    for r, j in zip(rows[1:], docs):
        for k, v in zip(rows[0], r):
            x = j[k]
            want = '' if x is None else (json.dumps(x, ensure_ascii=False, separators=(',', ':')) if isinstance(x, (dict, list)) else str(x))
            if v != want: bad.append(f'{table}.{k}: {v!r} != {want!r}')
print(len(os.listdir(d + '/csv')), bad[:5])
)py",
                                   Quote(tmp_.path()));
  EXPECT_EQ(check, "13 []\n");

  std::string script;
  for (const auto& e : fs::directory_iterator(tmp_ / "csv")) {
    // The shell's .import does not skip a BOM, so import a BOM-less export of the same table.
    const std::string table = e.path().stem().string();
    ASSERT_EQ(RunCommand(Cli("export --format csv --table " + table + " --out " + Quote(tmp_ / (table + ".csv")) +
                             " --db " + Quote(db())),
                         &out),
              0);
    script += ".import --csv " + (tmp_ / (table + ".csv")).string() + " " + table + "\n";
  }
  script += "SELECT count(*) FROM articles;\nSELECT count(*) > 0 FROM answers;\n"
            "SELECT count(*) FROM pages WHERE site = 'xywy';\n";
  hc::testing::WriteFile(tmp_ / "import.sql", script);
  ASSERT_EQ(RunCommand("sqlite3 " + Quote(tmp_ / "imported.db") + " < " + Quote(tmp_ / "import.sql"), &out, true), 0)
      << out;
  EXPECT_EQ(out, "1\n1\n4\n");
}

TEST_F(ExportCliTest, NestedDocumentsCarryAnswersDoctorsAndDiseases) {
  std::string out;
  ASSERT_EQ(RunCommand(Cli("export --nested --site mfk --out " + Quote(tmp_ / "docs.jsonl") + " --db " + Quote(db())),
                       &out),
            0)
      << out;
  const std::string check = Python(R"py(
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1], encoding='utf-8')]
d = docs[0]
full = [a for a in d['answers'] if a['source'] == 'page']
print(len(docs), len(d['answers']) > 0, len(d['diseases']) > 0, all(a['doctor']['hospital'] for a in d['answers']),
      len(full) > 0, all(a['question']['title'] for a in d['answers']))
)py",
                                   Quote(tmp_ / "docs.jsonl"));
  EXPECT_EQ(check, "1 True True True True True\n");
}

TEST_F(ExportCliTest, RefusesToOverwriteWithoutForceAndExportsOnlyChangesSinceLast) {
  const std::string base = "export --table articles --since-last --out " + Quote(tmp_ / "a.jsonl") + " --db " + Quote(db());
  std::string out;
  ASSERT_EQ(RunCommand(Cli(base), &out), 0) << out;
  EXPECT_NE(out.find("\t1\n"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(Cli(base), &out, true), 3) << out;
  EXPECT_NE(out.find("--force"), std::string::npos);
  ASSERT_EQ(RunCommand(Cli(base + " --force"), &out), 0) << out;
  EXPECT_NE(out.find("\t0\n"), std::string::npos) << out;
  EXPECT_EQ(hc::testing::ReadFile(tmp_ / "a.jsonl"), "");
  // Usage errors.
  EXPECT_EQ(RunCommand(Cli("export --out " + Quote(tmp_ / "x") + " --db " + Quote(db())), &out, true), 2);
  EXPECT_EQ(RunCommand(Cli("export --format csv --nested --out " + Quote(tmp_ / "x") + " --db " + Quote(db())), &out,
                       true),
            2);
  EXPECT_EQ(RunCommand(Cli("export --table nope --out " + Quote(tmp_ / "x") + " --db " + Quote(db())), &out, true), 2);
}

}  // namespace
