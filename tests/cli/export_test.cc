// `healthcrawl export` end to end on the ingested fixtures: every table as CSV loads in Python's csv
// module and the sqlite3 shell, JSONL (flat and nested) in Python's json module; existing files need
// --force; --since-last and --cursor export only changes and write nothing when nothing changed; --out -
// is stdout; the format follows the extension; a read-only, damaged or misplaced database is one
// sentence and exit 3, and a failed export leaves no file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

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
  EXPECT_EQ(check, "15 []\n");  // ExportTables(): 13 tables, record_children and question_views

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

// pandas reads every exported table with no options at all: `read_csv(path)` (BOM or not) and
// `read_json(path, lines=True)`, the same rows and columns as the JSONL export, Chinese intact. Debian's
// pandas is for Debian's python (/usr/bin/python3; scripts/setup installs python3-pandas).
TEST_F(ExportCliTest, EveryTableLoadsInPandasWithNoOptions) {
  std::string out;
  for (const std::string& args : {std::string("--format csv --bom --all --out ") + Quote(tmp_ / "csvbom"),
                                  std::string("--format csv --all --out ") + Quote(tmp_ / "csv"),
                                  std::string("--format jsonl --all --out ") + Quote(tmp_ / "jsonl")}) {
    ASSERT_EQ(RunCommand(Cli("export " + args + " --db " + Quote(db())), &out), 0) << out;
  }
  hc::testing::WriteFile(tmp_ / "pandas_check.py", R"py(
import json, os, sys
import pandas
d = sys.argv[1]
bad = []
tables = sorted(n[:-6] for n in os.listdir(d + '/jsonl'))
for table in tables:
    docs = [json.loads(l) for l in open(d + '/jsonl/' + table + '.jsonl', encoding='utf-8')]
    frames = {'csv': pandas.read_csv(d + '/csv/' + table + '.csv'),
              'csvbom': pandas.read_csv(d + '/csvbom/' + table + '.csv')}
    if docs:
        frames['jsonl'] = pandas.read_json(d + '/jsonl/' + table + '.jsonl', lines=True)
    for kind, df in frames.items():
        if len(df) != len(docs): bad.append(f'{kind} {table}: {len(df)} rows, want {len(docs)}')
        if docs and list(df.columns) != list(docs[0].keys()): bad.append(f'{kind} {table}: columns {list(df.columns)[:3]}')
articles = pandas.read_csv(d + '/csvbom/articles.csv')
doctors = pandas.read_json(d + '/jsonl/doctors.jsonl', lines=True)
print(len(tables), bad[:5], articles['title'][0], '杜俊秋' in set(doctors['name']))
)py");
  ASSERT_EQ(RunCommand("/usr/bin/python3 " + Quote(tmp_ / "pandas_check.py") + " " + Quote(tmp_.path()), &out, true), 0)
      << out;
  EXPECT_EQ(out, "15 [] 大腿肌肉痉挛的主要原因 True\n");
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
  const std::string plain = "export --table articles --out " + Quote(tmp_ / "p.jsonl") + " --db " + Quote(db());
  std::string out;
  ASSERT_EQ(RunCommand(Cli(plain), &out), 0) << out;
  EXPECT_EQ(RunCommand(Cli(plain), &out, true), 3) << out;
  EXPECT_NE(out.find("--force"), std::string::npos);
  ASSERT_EQ(RunCommand(Cli(plain + " --force"), &out), 0) << out;
  // --since-last: the first run exports the article, the next ones find nothing new and leave the
  // file as it is (no 0-byte file over it), with or without --force.
  const std::string base =
      "export --table articles --since-last --out " + Quote(tmp_ / "a.jsonl") + " --db " + Quote(db());
  ASSERT_EQ(RunCommand(Cli(base), &out), 0) << out;
  EXPECT_NE(out.find("\t1\n"), std::string::npos) << out;
  const std::string first = hc::testing::ReadFile(tmp_ / "a.jsonl");
  ASSERT_EQ(RunCommand(Cli(base), &out, true), 0) << out;
  EXPECT_NE(out.find("nothing changed"), std::string::npos) << out;
  ASSERT_EQ(RunCommand(Cli(base + " --force"), &out, true), 0) << out;
  EXPECT_EQ(hc::testing::ReadFile(tmp_ / "a.jsonl"), first);
  // Usage errors.
  EXPECT_EQ(RunCommand(Cli("export --out " + Quote(tmp_ / "x") + " --db " + Quote(db())), &out, true), 2);
  EXPECT_EQ(RunCommand(Cli("export --format csv --nested --out " + Quote(tmp_ / "x") + " --db " + Quote(db())), &out,
                       true),
            2);
  EXPECT_EQ(RunCommand(Cli("export --table nope --out " + Quote(tmp_ / "x") + " --db " + Quote(db())), &out, true), 2);
}

// Counts the lines of `text` that are log lines (stderr of the CLI).
int Lines(const std::string& text) {
  int n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

TEST_F(ExportCliTest, CursorRunThreeTimesWritesAllThenNothingThenTheChange) {
  const std::string base = "export --table articles --site mfk --cursor nightly --out " +
                           Quote(tmp_ / "inc" / "mfk-{run}-{seq}.csv") + " --db " + Quote(db());
  fs::create_directories(tmp_ / "inc");
  std::string out;
  // 1: everything (one mfk article), as CSV because of the name.
  ASSERT_EQ(RunCommand(Cli(base), &out), 0) << out;
  EXPECT_NE(out.find("mfk-1-"), std::string::npos) << out;
  EXPECT_NE(out.find("\t1\n"), std::string::npos) << out;
  // 2: nothing changed: no file, the reason on stderr, exit 0, nothing on stdout.
  ASSERT_EQ(RunCommand(Cli(base) + " 2>" + Quote(tmp_ / "err"), &out), 0) << out;
  EXPECT_EQ(out, "");
  EXPECT_NE(hc::testing::ReadFile(tmp_ / "err").find("nothing changed since the last export of cursor 'nightly'"),
            std::string::npos)
      << hc::testing::ReadFile(tmp_ / "err");
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp_ / "inc"), fs::directory_iterator()), 1);
  // 3: the article changed: a second file with just that row; the first stays as it was.
  std::string page = hc::testing::ReadFile(hc::testing::FixturesDir() / "sites" / "mfk" / "article.html");
  const std::string title = "大腿肌肉痉挛的主要原因";
  ASSERT_NE(page.find(title), std::string::npos);
  for (size_t at = page.find(title); at != std::string::npos; at = page.find(title, at + title.size() + 12)) {
    page.insert(at + title.size(), "（修订）");  // 12 bytes of UTF-8
  }
  hc::testing::WriteFile(tmp_ / "article.html", page);
  ASSERT_EQ(RunCommand(Cli("ingest --site mfk --url https://www.mfk.com/article/1620381.html --db " +
                           Quote(db()) + " " + Quote(tmp_ / "article.html")),
                       &out, true),
            0)
      << out;
  ASSERT_EQ(RunCommand(Cli(base), &out), 0) << out;
  EXPECT_NE(out.find("mfk-2-"), std::string::npos) << out;
  EXPECT_NE(out.find("\t1\n"), std::string::npos) << out;
  EXPECT_EQ(std::distance(fs::directory_iterator(tmp_ / "inc"), fs::directory_iterator()), 2);
  // The files read back with Python's csv module, no options: one header and one record each, the
  // second being the changed article.
  const std::string check = Python(R"py(
import csv, glob, sys
for name in sorted(glob.glob(sys.argv[1] + '/mfk-*.csv')):
    with open(name, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    print(len(rows), rows[0]['site'], rows[0]['title'])
)py",
                                   Quote(tmp_ / "inc"));
  EXPECT_EQ(check, "1 mfk 大腿肌肉痉挛的主要原因\n1 mfk 大腿肌肉痉挛的主要原因（修订）\n");
}

TEST_F(ExportCliTest, StdoutAndTheFormatFromTheExtension) {
  std::string out;
  // --out - writes the data to stdout and no file named "-".
  ASSERT_EQ(RunCommand("cd " + Quote(tmp_.path()) + " && " + Cli("export --table doctors --format csv --out - --db " +
                                                                     Quote(db())) +
                           " > " + Quote(tmp_ / "doctors.out"),
                       &out),
            0)
      << out;
  EXPECT_FALSE(fs::exists(tmp_ / "-"));
  // A .csv name gives CSV, a .json or .jsonl name JSONL.
  ASSERT_EQ(RunCommand(Cli("export --table doctors --out " + Quote(tmp_ / "doctors.csv") + " --db " + Quote(db())),
                       &out),
            0)
      << out;
  ASSERT_EQ(RunCommand(Cli("export --table doctors --out " + Quote(tmp_ / "doctors.json") + " --db " + Quote(db())),
                       &out),
            0)
      << out;
  EXPECT_EQ(hc::testing::ReadFile(tmp_ / "doctors.out"), hc::testing::ReadFile(tmp_ / "doctors.csv"));
  // Python's csv and json modules read them with no options, to the same rows.
  const std::string check = Python(R"py(
import csv, json, sys
d = sys.argv[1]
with open(d + '/doctors.csv', newline='', encoding='utf-8') as f:
    rows = list(csv.DictReader(f))
docs = [json.loads(l) for l in open(d + '/doctors.json', encoding='utf-8')]
print(len(rows) == len(docs) > 0, [r['name'] for r in rows] == [j['name'] for j in docs],
      [r['id'] for r in rows] == [str(j['id']) for j in docs])
)py",
                                   Quote(tmp_.path()));
  EXPECT_EQ(check, "True True True\n");
  // An explicit --format that contradicts the name is a usage error, and writes nothing.
  EXPECT_EQ(RunCommand(Cli("export --table doctors --format jsonl --out " + Quote(tmp_ / "clash.csv") + " --db " +
                           Quote(db())),
                       &out, true),
            2)
      << out;
  EXPECT_FALSE(fs::exists(tmp_ / "clash.csv"));
  // --all cannot go to stdout.
  EXPECT_EQ(RunCommand(Cli("export --all --out - --db " + Quote(db())), &out, true), 2) << out;
}

// As root, file permissions do not stop the process, so the read-only case runs the CLI as "nobody"
// (setpriv, util-linux), for whom they do; as any other user they stop the user running the tests.
std::string AsUnprivileged(const std::string& command) {
  return ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " + command : command;
}

TEST_F(ExportCliTest, ReadOnlyDatabaseIsReadForStatsAndExport) {
  const fs::path ro = tmp_ / "ro";
  fs::create_directories(ro);
  fs::copy_file(db(), ro / "e.db");
  fs::create_directories(tmp_ / "out");
  ASSERT_EQ(::chmod(tmp_.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod((tmp_ / "out").c_str(), 0777), 0);
  ASSERT_EQ(::chmod((ro / "e.db").c_str(), 0444), 0);
  ASSERT_EQ(::chmod(ro.c_str(), 0555), 0);  // not even a -shm file can be made beside it
  std::string out;
  EXPECT_EQ(RunCommand(AsUnprivileged(Cli("stats --db " + Quote(ro / "e.db"))), &out, true), 0) << out;
  EXPECT_NE(out.find("articles"), std::string::npos) << out;
  EXPECT_EQ(out.find("readonly"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(AsUnprivileged(Cli("export --table articles --out " + Quote(tmp_ / "out" / "a.jsonl") +
                                          " --db " + Quote(ro / "e.db"))),
                       &out, true),
            0)
      << out;
  EXPECT_NE(out.find("read-only"), std::string::npos) << out;
  EXPECT_NE(hc::testing::ReadFile(tmp_ / "out" / "a.jsonl").find("\"site\":\"mfk\""), std::string::npos);
  // A cursor cannot be kept in a file the user may not write: said in one sentence, exit 3, no file.
  EXPECT_EQ(RunCommand(AsUnprivileged(Cli("export --table articles --cursor c --out " +
                                          Quote(tmp_ / "out" / "c.jsonl") + " --db " + Quote(ro / "e.db"))),
                       &out, true),
            3)
      << out;
  EXPECT_EQ(Lines(out), 1) << out;
  EXPECT_NE(out.find("read-only for you"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(tmp_ / "out" / "c.jsonl"));
  ASSERT_EQ(::chmod(ro.c_str(), 0755), 0);  // so that TempDir can clean up as a non-root user
}

TEST_F(ExportCliTest, DamagedDatabaseIsOneSentenceAndLeavesNoFiles) {
  // Random bytes over pages 3..22: the header and schema read, the tables do not.
  std::string bytes = hc::testing::ReadFile(db());
  ASSERT_GT(bytes.size(), 22u * 4096);
  uint32_t x = 12345;
  for (size_t i = 2 * 4096; i < 22 * 4096; ++i) {
    x = x * 1103515245u + 12345u;
    bytes[i] = static_cast<char>(x >> 16);
  }
  hc::testing::WriteFile(tmp_ / "damaged.db", bytes);
  hc::testing::WriteFile(tmp_ / "noise.db", std::string(8192, '\x5a'));
  for (const std::string name : {"damaged.db", "noise.db"}) {
    SCOPED_TRACE(name);
    std::string out;
    EXPECT_EQ(RunCommand(Cli("stats --db " + Quote(tmp_ / name)), &out, true), 3) << out;
    EXPECT_EQ(Lines(out), 1) << out;
    EXPECT_NE(out.find(name), std::string::npos) << out;
    EXPECT_TRUE(out.find("damaged") != std::string::npos || out.find("not a SQLite database") != std::string::npos)
        << out;
    const fs::path folder = tmp_ / ("out-" + name);
    EXPECT_EQ(RunCommand(Cli("export --all --format csv --out " + Quote(folder) + " --db " + Quote(tmp_ / name)), &out,
                         true),
              3)
        << out;
    EXPECT_EQ(Lines(out), 1) << out;
    EXPECT_FALSE(fs::exists(folder)) << "the export left its folder behind";
    // Into an existing folder: nothing left in it, not even a temporary file.
    fs::create_directories(folder);
    EXPECT_EQ(RunCommand(Cli("export --all --out " + Quote(folder) + " --db " + Quote(tmp_ / name)), &out, true), 3);
    EXPECT_TRUE(fs::is_empty(folder)) << fs::directory_iterator(folder)->path();
  }
}

TEST_F(ExportCliTest, DatabaseInAMissingFolderNamesTheFolder) {
  const fs::path missing = tmp_ / "no-such-folder";
  const std::vector<std::string> commands = {
      "stats", "export --table sites --out " + Quote(tmp_ / "s.csv"),
      "ingest --site mfk --url https://www.mfk.com/article/1.html " +
          Quote(hc::testing::FixturesDir() / "sites" / "mfk" / "article.html")};
  for (const std::string& command : commands) {
    SCOPED_TRACE(command);
    std::string out;
    EXPECT_EQ(RunCommand(Cli(command + " --db " + Quote(missing / "x.db")), &out, true), 3) << out;
    EXPECT_NE(out.find("the folder " + missing.string() + " of the database"), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(missing));
  }
}

}  // namespace
