// Issue 15, point 5: Unix conventions of the healthcrawl command. --version; the global options
// (--selectors, --log-level, --log-format) accepted after every subcommand as well as before it;
// HEALTHCRAWL_DB and HEALTHCRAWL_SELECTORS (a flag wins over the environment); the documented search
// for selector configs ($XDG_CONFIG_HOME, ~/.config, ...); --log-level in any case; NO_COLOR and no
// colour off a terminal; log lines never glued onto the progress line on a terminal (run under
// script(1) for a pseudo-terminal); one debug line per URL; --log-format json; `crawl --summary json`.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "crawl/fixture_site.h"
#include "support/cli_command.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace {

namespace fs = std::filesystem;
using hc::testing::CliPath;
using hc::testing::RunCommand;
using Json = nlohmann::json;

using hc::testing::Quote;
std::string Hc() { return Quote(CliPath()); }

// Every host goes to the loopback server. No --no-progress: some tests look at the progress line.
std::string SiteArgs(const hc::testing::HttpServer& server) {
  return hc::testing::MfkCrawlArgs(server.port(), "--allow-private-addresses");
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The JSON objects among the lines of `text` (stderr with --log-format json).
std::vector<Json> JsonLines(const std::string& text) {
  std::vector<Json> out;
  for (const std::string& line : Lines(text)) {
    Json j = Json::parse(line, nullptr, false);
    if (j.is_object()) out.push_back(std::move(j));
  }
  return out;
}

TEST(UnixConventions, VersionPrintsTheProjectVersionAndTheLibraries) {
  std::string out;
  ASSERT_EQ(RunCommand(Hc() + " --version", &out), 0) << out;
  const auto lines = Lines(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_TRUE(std::regex_match(lines[0], std::regex(R"(healthcrawl \d+\.\d+\.\d+)"))) << lines[0];
  for (const char* lib : {"libcurl ", "SQLite ", "zstd ", "ICU ", "spdlog ", "CLI11 "}) {
    EXPECT_NE(lines[1].find(lib), std::string::npos) << lib << " in " << lines[1];
  }
}

// Each row: a subcommand line that succeeds (exit status `status`) without the network. The global
// options go after it; the debug line the CLI logs about the selectors folder shows that --log-level,
// --log-format and --selectors all took effect.
TEST(UnixConventions, GlobalOptionsAreAcceptedAfterEverySubcommand) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  const fs::path db = dir / "t.db";
  const fs::path page = hc::testing::FixturesDir() / "sites" / "mfk" / "article.html";
  const fs::path robots = dir / "robots.txt";
  std::ofstream(robots) << "User-agent: *\nDisallow: /private/\n";
  // A database with one page, for the commands that read one.
  std::string out;
  ASSERT_EQ(RunCommand(Hc() + " --selectors " + Quote(hc::testing::SelectorsDir()) + " ingest --site mfk --db " +
                           Quote(db) + " " + Quote(page),
                       &out, true),
            0)
      << out;

  struct Row {
    const char* name;
    std::string args;
    int status;
  };
  const std::string selectors = hc::testing::SelectorsDir().string();
  const std::vector<Row> rows = {
      {"crawl", "crawl --site mfk --db " + Quote(dir / "crawl.db") + " --max-pages 1 --no-progress" + SiteArgs(server), 0},
      {"extract", "extract --site mfk " + Quote(page), 0},
      {"selectors check", "selectors check mfk", 0},
      {"ingest", "ingest --site mfk --db " + Quote(dir / "ingest.db") + " " + Quote(page), 0},
      {"reextract", "reextract --db " + Quote(db) + " --site mfk", 0},
      {"export", "export --db " + Quote(db) + " --table articles --out -", 0},
      {"stats", "stats --db " + Quote(db), 0},
      {"schedule list", "schedule list --db " + Quote(db), 0},
      {"schedule next", "schedule next --db " + Quote(db), 0},
      {"schedule history", "schedule history --db " + Quote(db), 0},
      {"scheduler run", "scheduler run --db " + Quote(db) + " --once", 0},
      {"select", "select h1 " + Quote(page), 0},
      {"robots check", "robots check " + Quote(robots) + " bot http://a.example/index.html", 0},
      {"url parse", "url parse http://example.com/a", 0},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    ASSERT_EQ(RunCommand(Hc() + " " + row.args + " --selectors " + Quote(selectors) +
                             " --log-level DEBUG --log-format json 2>" + Quote(dir / "err.txt"),
                         &out),
              row.status)
        << out << hc::testing::ReadFile(dir / "err.txt");
    const std::string err = hc::testing::ReadFile(dir / "err.txt");
    bool seen = false;
    for (const Json& line : JsonLines(err)) {
      if (line.value("message", "") == "selector configs: " + selectors) seen = line.value("level", "") == "debug";
    }
    EXPECT_TRUE(seen) << err;
    for (const std::string& line : Lines(err)) EXPECT_TRUE(Json::parse(line, nullptr, false).is_object()) << line;
  }
  // Before the subcommand they work as they always did.
  ASSERT_EQ(RunCommand(Hc() + " --log-level debug --selectors " + Quote(selectors) + " stats --db " + Quote(db), &out,
                       true),
            0)
      << out;
  EXPECT_NE(out.find("debug selector configs: " + selectors), std::string::npos) << out;
}

TEST(UnixConventions, LogLevelIsCaseInsensitiveAndCheckedAndLogFormatToo) {
  hc::testing::TempDir dir;
  std::string out;
  for (const char* level : {"DEBUG", "Debug", "debug"}) {
    SCOPED_TRACE(level);
    ASSERT_EQ(RunCommand(Hc() + " url parse http://a.example/ --log-level " + level, &out, true), 0) << out;
    EXPECT_NE(out.find(" debug selector configs: "), std::string::npos) << out;
  }
  ASSERT_EQ(RunCommand(Hc() + " url parse http://a.example/ --log-level WARN --log-format JSON", &out, true), 0) << out;
  EXPECT_EQ(out.find("selector configs"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(Hc() + " url parse http://a.example/ --log-level loud", &out, true), 2) << out;
  EXPECT_NE(out.find("'loud' is not one of"), std::string::npos) << out;
  EXPECT_EQ(RunCommand(Hc() + " url parse http://a.example/ --log-format xml", &out, true), 2) << out;
}

TEST(UnixConventions, EnvironmentVariablesStandInForDbAndSelectorsAndFlagsWin) {
  hc::testing::TempDir dir;
  const fs::path page = hc::testing::FixturesDir() / "sites" / "mfk" / "article.html";
  const std::string env = "HEALTHCRAWL_SELECTORS=" + Quote(hc::testing::SelectorsDir()) +
                          " HEALTHCRAWL_DB=" + Quote(dir / "env.db") + " ";
  std::string out;
  // Run from an empty folder: no ./selectors there, so the configs come from the environment.
  ASSERT_EQ(RunCommand("cd " + Quote(dir.path()) + " && " + env + Hc() + " ingest --site mfk " + Quote(page), &out,
                       true),
            0)
      << out;
  EXPECT_TRUE(fs::exists(dir / "env.db"));
  EXPECT_FALSE(fs::exists(dir / "healthcrawl.db"));
  ASSERT_EQ(RunCommand(env + Hc() + " stats --json", &out), 0) << out;
  EXPECT_NE(out.find("\"articles\""), std::string::npos) << out;
  // A flag wins over the environment: --db names a database that does not exist (read-only open fails).
  EXPECT_EQ(RunCommand(env + Hc() + " stats --db " + Quote(dir / "missing.db"), &out, true), 3) << out;
  EXPECT_NE(out.find("missing.db"), std::string::npos) << out;
  // And --selectors over HEALTHCRAWL_SELECTORS: an empty folder has no mfk config.
  fs::create_directories(dir / "empty");
  EXPECT_EQ(RunCommand(env + Hc() + " extract --site mfk " + Quote(page) + " --selectors " + Quote(dir / "empty"), &out,
                       true),
            2)
      << out;
}

// The documented order: ./selectors, $XDG_CONFIG_HOME/healthcrawl/selectors (else ~/.config/...),
// /etc/healthcrawl/selectors, <datadir>/healthcrawl/selectors. The project's fixtures are named, since a
// site without fixtures fails `selectors check` (exit 1).
TEST(UnixConventions, SelectorConfigsAreFoundInTheDocumentedOrder) {
  hc::testing::TempDir dir;
  const std::string mfk = hc::testing::ReadFile(hc::testing::SelectorsDir() / "mfk.yaml");
  auto install = [&](const fs::path& folder) {
    fs::create_directories(folder);
    hc::testing::WriteFile(folder / "mfk.yaml", mfk);
  };
  const fs::path work = dir / "work";
  const fs::path home = dir / "home";
  const fs::path xdg = dir / "xdg";
  fs::create_directories(work);
  fs::create_directories(home);
  auto found = [&](const std::string& env) {
    std::string out;
    const int rc = RunCommand("cd " + Quote(work) + " && env -u HEALTHCRAWL_SELECTORS -u XDG_CONFIG_HOME " + env +
                                  " " + Hc() + " selectors check mfk --fixtures " +
                                  Quote(hc::testing::FixturesDir() / "sites") + " --log-level debug",
                              &out, true);
    std::smatch m;
    const std::regex line(R"(debug selector configs: (.*))");
    return std::regex_search(out, m, line) ? std::to_string(rc) + " " + m[1].str() : "no line in: " + out;
  };
  struct Step {
    const char* name;
    fs::path create;  // made before the run (cumulative)
    std::string env;
    std::string expect;
  };
  const std::vector<Step> steps = {
      {"~/.config without XDG_CONFIG_HOME", home / ".config" / "healthcrawl" / "selectors", "HOME=" + Quote(home),
       "0 " + (home / ".config" / "healthcrawl" / "selectors").string()},
      {"a relative XDG_CONFIG_HOME is ignored", xdg / "healthcrawl" / "selectors",
       "HOME=" + Quote(home) + " XDG_CONFIG_HOME=relative/dir",
       "0 " + (home / ".config" / "healthcrawl" / "selectors").string()},
      {"XDG_CONFIG_HOME before ~/.config", xdg / "healthcrawl" / "selectors",
       "HOME=" + Quote(home) + " XDG_CONFIG_HOME=" + Quote(xdg), "0 " + (xdg / "healthcrawl" / "selectors").string()},
      {"./selectors first", work / "selectors", "HOME=" + Quote(home) + " XDG_CONFIG_HOME=" + Quote(xdg),
       "0 selectors"},
  };
  for (const Step& step : steps) {
    SCOPED_TRACE(step.name);
    install(step.create);
    EXPECT_EQ(found(step.env), step.expect);
  }
}

// Lines as a terminal shows them: what remains of each line after its last "erase line" sequence.
std::vector<std::string> VisibleLines(const std::string& pty_output) {
  std::vector<std::string> out;
  for (std::string line : Lines(pty_output)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t erase = line.rfind("\r\033[K");
    out.push_back(erase == std::string::npos ? line : line.substr(erase + 4));
  }
  return out;
}

TEST(UnixConventions, OnATerminalLogLinesAreColouredUnlessNoColorAndNeverGluedToTheProgressLine) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  const std::string crawl = Hc() + " crawl --site mfk --selectors " + Quote(hc::testing::SelectorsDir()) +
                            " --max-depth 2 --log-level debug" + SiteArgs(server);
  // script(1) runs the command on a pseudo-terminal and copies what it wrote to stdout.
  auto on_tty = [&](const std::string& env, const fs::path& db) {
    std::string out;
    const std::string inner = env + " " + crawl + " --db " + Quote(db);
    RunCommand("script -qec " + hc::testing::ShellQuote(inner) + " /dev/null", &out);
    return out;
  };
  const std::string coloured = on_tty("env -u NO_COLOR TERM=xterm", dir / "a.db");
  EXPECT_NE(coloured.find("\033[36mdebug\033[m"), std::string::npos) << coloured;
  // The progress line was shown, and no visible line holds both progress text and a log line.
  EXPECT_NE(coloured.find("pages ("), std::string::npos) << coloured;
  int url_lines = 0;
  for (const std::string& line : VisibleLines(coloured)) {
    const bool progress = line.find(" pages (") != std::string::npos;
    const bool log = std::regex_search(line, std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} )"));
    EXPECT_FALSE(progress && log) << line;
    if (line.find("crawl mfk url=http://www.mfk.com/") != std::string::npos) ++url_lines;
  }
  EXPECT_GE(url_lines, 5) << coloured;

  const std::string plain = on_tty("NO_COLOR=1 TERM=xterm", dir / "b.db");
  EXPECT_NE(plain.find(" debug "), std::string::npos) << plain;
  EXPECT_EQ(plain.find("\033[3"), std::string::npos) << plain;
  // Off a terminal there is no colour either (and no progress line to clear).
  std::string out;
  ASSERT_EQ(RunCommand("env -u NO_COLOR TERM=xterm " + crawl + " --db " + Quote(dir / "c.db"), &out, true), 0) << out;
  EXPECT_EQ(out.find('\033'), std::string::npos) << out;
}

TEST(UnixConventions, DebugLogsOneLinePerUrlAndJsonLogsAndSummaryParse) {
  hc::testing::HttpServer server;
  hc::testing::ServeMfk(server);
  hc::testing::TempDir dir;
  std::string out;
  const fs::path err = dir / "err.txt";
  ASSERT_EQ(RunCommand(Hc() + " crawl --site mfk --selectors " + Quote(hc::testing::SelectorsDir()) + " --db " +
                           Quote(dir / "a.db") + " --max-depth 2 --no-progress --log-level debug --log-format json" +
                           " --summary json" + SiteArgs(server) + " 2>" + Quote(err),
                       &out),
            0)
      << out;
  // stdout: the summary, one JSON object.
  const Json summary = Json::parse(out, nullptr, false);
  ASSERT_TRUE(summary.is_object()) << out;
  EXPECT_EQ(summary.value("site", ""), "mfk");
  EXPECT_EQ(summary.value("outcome", ""), "ok");
  EXPECT_EQ(summary["stored"], 5) << out;
  for (const char* key : {"pages", "failed", "requests", "bytes", "visits", "frontier", "failures", "seconds"}) {
    EXPECT_TRUE(summary.contains(key)) << key;
  }
  // stderr: JSON lines only; one per URL with its fields, the robots.txt excluded.
  std::map<std::string, Json> by_url;
  for (const Json& line : JsonLines(hc::testing::ReadFile(err))) {
    ASSERT_TRUE(line.contains("time") && line.contains("level") && line.contains("message")) << line;
    EXPECT_TRUE(std::regex_match(line["time"].get<std::string>(),
                                 std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << line;
    if (line.contains("url")) by_url[line["url"]] = line;
  }
  for (const auto& [path, page] : hc::testing::MfkPages()) {
    SCOPED_TRACE(path);
    auto it = by_url.find("http://www.mfk.com" + path);
    ASSERT_NE(it, by_url.end()) << hc::testing::ReadFile(err);
    const Json& line = it->second;
    EXPECT_EQ(line["level"], "debug");
    EXPECT_EQ(line["message"], "crawl mfk");
    EXPECT_EQ(line["status"], 200);
    EXPECT_GT(line["bytes"].get<int64_t>(), 1000);
    EXPECT_GE(line["ms"].get<int64_t>(), 0);
    EXPECT_EQ(line["outcome"], "stored");
  }
  // A URL that failed says why (a 404 linked from the pages).
  bool failed_with_reason = false;
  for (const auto& [url, line] : by_url) {
    if (line.value("outcome", "") == "failed") failed_with_reason = line.value("why", "") == "http 404";
    if (failed_with_reason) break;
  }
  EXPECT_TRUE(failed_with_reason) << hc::testing::ReadFile(err);

  // In text, the same line reads as name=value pairs.
  ASSERT_EQ(RunCommand(Hc() + " crawl --site mfk --selectors " + Quote(hc::testing::SelectorsDir()) + " --db " +
                           Quote(dir / "b.db") + " --max-pages 1 --no-progress --log-level debug" + SiteArgs(server),
                       &out, true),
            0)
      << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(debug crawl mfk url=http://www\.mfk\.com/list/guke\.html status=200 bytes=\d+ ms=\d+ outcome=stored)")))
      << out;
}

}  // namespace
