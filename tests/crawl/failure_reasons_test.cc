// The one table of exit statuses and failure reasons (docs/RELIABILITY.md, "Exit statuses and failure
// reasons") against the code: every kind of failure reason (FailureReasonKinds, the list FailureCategory
// groups by), every network error name and every CLI exit status has its row, and every reason text the
// code writes (the string literals given to the engine's Fail/RetryOrFail or assigned to a failure
// reason, a frontier detail or a refused origin's reason anywhere in src/) starts with a listed kind's
// prefix. A reason added without a kind, or a kind without its row, fails here.
//
// To add a reason: add a FailureReasonKind to src/crawl/failure_reasons.cc (its `form` as the table
// shows it) and a row whose first cell is that form in backticks. A new place that records reasons
// under another name: add the name to kSinks below.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/crawl.h"
#include "net/fetcher.h"
#include "support/test_env.h"

namespace hc::crawl {
namespace {

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The first cells of the table rows of docs/RELIABILITY.md's section "Exit statuses and failure reasons"
// (up to the next "## " heading), backticks removed.
std::set<std::string> DocumentedFirstCells() {
  const std::string doc = ReadAll(hc::testing::SourceDir() / "docs" / "RELIABILITY.md");
  const std::string heading = "\n## Exit statuses and failure reasons\n";
  const std::size_t begin = doc.find(heading);
  EXPECT_NE(begin, std::string::npos) << "docs/RELIABILITY.md has no section '" << heading << "'";
  if (begin == std::string::npos) return {};
  std::size_t end = doc.find("\n## ", begin + heading.size());
  if (end == std::string::npos) end = doc.size();
  std::set<std::string> cells;
  std::istringstream section(doc.substr(begin, end - begin));
  std::string line;
  while (std::getline(section, line)) {
    if (!line.starts_with("| ")) continue;
    std::string cell = line.substr(2, line.find(" |", 2) - 2);
    std::erase(cell, '`');
    cells.insert(cell);
  }
  return cells;
}

// The string literals (contents, escapes left as written) that make up the expression `code` begins
// with: those at its top level, up to the first top-level ',' or an unbalanced ')'. Literals inside
// nested calls (a default argument, a JSON key) are not part of the reason's text.
std::vector<std::string> Literals(std::string_view code) {
  std::vector<std::string> out;
  int depth = 0;
  for (std::size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (c == '\'' && i + 2 < code.size()) {  // a char literal, such as '"'
      i = code.find('\'', i + (code[i + 1] == '\\' ? 3 : 2));
      if (i == std::string_view::npos) break;
      continue;
    }
    if (c == '(' || c == '{' || c == '[') ++depth;
    if (c == ')' || c == '}' || c == ']') --depth;
    if (depth < 0 || (depth == 0 && c == ',')) break;
    if (c != '"') continue;
    std::string text;
    for (++i; i < code.size() && code[i] != '"'; ++i) {
      if (code[i] == '\\' && i + 1 < code.size()) text += code[i++];
      text += code[i];
    }
    if (depth == 0) out.push_back(text);
  }
  return out;
}

// Where the code hands over a failure reason.
constexpr std::string_view kSinks[] = {"Fail(url, ", "RetryOrFail(url, ", "failure_reason = ", "detail = ",
                                       "refused = "};

struct ReasonText {
  std::string where;  // file:line
  std::string text;
};

// The literals in the statement after each sink, in every .cc file of src/.
std::vector<ReasonText> ReasonTextsInSource() {
  std::vector<ReasonText> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(hc::testing::SourceDir() / "src")) {
    if (!entry.is_regular_file() || entry.path().extension() != ".cc") continue;
    const std::string code = ReadAll(entry.path());
    for (std::string_view sink : kSinks) {
      for (std::size_t at = code.find(sink); at != std::string::npos; at = code.find(sink, at + 1)) {
        const std::size_t end = code.find(';', at);
        const std::string statement = code.substr(at + sink.size(), end - at - sink.size());
        const std::string where = entry.path().filename().string() + ":" +
                                  std::to_string(1 + std::count(code.begin(), code.begin() + at, '\n'));
        for (std::string& literal : Literals(statement)) out.push_back({where, std::move(literal)});
      }
    }
  }
  return out;
}

TEST(FailureReasons, EveryKindHasItsRowInTheTable) {
  const std::set<std::string> cells = DocumentedFirstCells();
  for (const FailureReasonKind& kind : FailureReasonKinds()) {
    SCOPED_TRACE(std::string(kind.form));
    EXPECT_EQ(cells.count(std::string(kind.form)), 1u) << "no row '| `" << kind.form << "` |'";
    EXPECT_TRUE(std::string_view(kind.form).starts_with(kind.prefix.substr(0, kind.prefix.find_last_not_of(' ') + 1)));
  }
}

TEST(FailureReasons, EveryNetworkErrorHasItsRowInTheTable) {
  const std::set<std::string> cells = DocumentedFirstCells();
  for (int e = static_cast<int>(net::FetchError::kBadUrl); e <= static_cast<int>(net::FetchError::kOther); ++e) {
    const auto error = static_cast<net::FetchError>(e);
    if (error == net::FetchError::kTooLarge) continue;  // recorded as "too large"
    const std::string category = "network: " + std::string(net::FetchErrorName(error));
    SCOPED_TRACE(category);
    EXPECT_EQ(cells.count(category), 1u) << "no row '| `" << category << "` |'";
    EXPECT_EQ(FailureCategory(category + ": some detail"), category);
  }
}

TEST(FailureReasons, EveryReasonTextInTheCodeStartsWithAListedKind) {
  const std::vector<ReasonText> texts = ReasonTextsInSource();
  int starts = 0;
  for (const ReasonText& t : texts) {
    SCOPED_TRACE(t.where + ": \"" + t.text + "\"");
    // A piece that continues a reason (" without Location", ": ", ")") starts with no letter.
    if (t.text.empty() || !std::isalpha(static_cast<unsigned char>(t.text[0]))) continue;
    ++starts;
    bool listed = false;
    for (const FailureReasonKind& kind : FailureReasonKinds()) {
      listed = listed || t.text.starts_with(kind.prefix) ||
               (t.text.size() < kind.prefix.size() && kind.prefix.starts_with(t.text));
    }
    EXPECT_TRUE(listed) << "add a FailureReasonKind for it (src/crawl/failure_reasons.cc) and a row to the table";
  }
  // The scan sees the engine's and the observer's reasons (a broken scan would pass vacuously).
  EXPECT_GE(starts, 12);
}

TEST(FailureReasons, CategoriesFollowTheList) {
  struct Case {
    const char* reason;
    const char* category;
  };
  const Case cases[] = {
      {"http 503", "http 503"},
      {"http 301 without Location", "http 301 without Location"},
      {"network: no response", "network: no response"},
      {"network: protocol: Received HTTP/0.9 when not allowed", "network: protocol"},
      {"network: bad_url: the URL carries credentials (user:pass@), which are never sent", "network: bad_url"},
      {"too large", "too large"},
      {"redirect: userinfo in the target", "redirect: userinfo in the target"},
      {"bad url: no host", "bad url"},
      {"store: a record it cannot hold", "store"},
      {"parse: not HTML", "parse"},
      {"something nobody listed", "something nobody listed"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    EXPECT_EQ(FailureCategory(c.reason), c.category);
  }
}

TEST(ExitStatuses, EveryCliExitStatusHasItsRowInTheTable) {
  const std::set<std::string> cells = DocumentedFirstCells();
  const std::string header = ReadAll(hc::testing::SourceDir() / "src" / "cli" / "command.h");
  int found = 0;
  const std::string marker = "inline constexpr int kExit";
  for (std::size_t at = header.find(marker); at != std::string::npos; at = header.find(marker, at + 1)) {
    const std::size_t eq = header.find("= ", at);
    const std::string value = header.substr(eq + 2, header.find(';', eq) - eq - 2);
    SCOPED_TRACE(header.substr(at, header.find(';', at) - at));
    EXPECT_EQ(cells.count(value), 1u) << "no row '| `" << value << "` |'";
    ++found;
  }
  EXPECT_GE(found, 5);
}

}  // namespace
}  // namespace hc::crawl
