// The hostile-configuration cases: tests/hostile/<kind>/<name>.yaml, each a broken selector config or
// jobs file, beside <name>.expected, which says where the loader must point and what it must say:
//
//   # Why the file is broken (comment lines start with '#'; they become the docs' table).
//   LINE:COLUMN: a fragment of the message
//
// The loader's message must start with "<path>:LINE:COLUMN: " and contain the fragment. Adding a case
// is adding a file pair; no C++ changes. Used by tests/extract, tests/schedule and tests/cli.
#pragma once

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace hc::testing {

struct HostileCase {
  std::string name;             // the file's stem: "bad-regex-url"
  std::filesystem::path file;   // the broken config
  int line = 0;                 // where the error must point (1-based)
  int column = 0;
  std::string fragment;         // text the message must contain
  std::string why;              // the comment lines, joined
  std::string problem;          // non-empty when the .expected file itself is malformed
};

inline std::filesystem::path HostileDir(const std::string& kind) { return SourceDir() / "tests" / "hostile" / kind; }

// Every case of `kind` ("selectors" or "jobs"), sorted by name.
inline std::vector<HostileCase> HostileCases(const std::string& kind) {
  std::vector<HostileCase> cases;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(HostileDir(kind), ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".yaml") continue;
    HostileCase c;
    c.name = it->path().stem().string();
    c.file = it->path();
    std::filesystem::path expected = it->path();
    expected.replace_extension(".expected");
    std::ifstream in(expected);
    if (!in) {
      c.problem = "no " + expected.filename().string() + " beside " + c.file.filename().string();
    } else {
      static const std::regex kLine(R"(^(\d+):(\d+): (.+)$)");
      std::string text;
      bool found = false;
      while (std::getline(in, text)) {
        if (text.empty()) continue;
        if (text[0] == '#') {
          c.why += (c.why.empty() ? "" : " ") + text.substr(text.find_first_not_of("# ") == std::string::npos
                                                                 ? text.size()
                                                                 : text.find_first_not_of("# "));
          continue;
        }
        std::smatch m;
        if (found || !std::regex_match(text, m, kLine)) {
          c.problem = expected.filename().string() + ": expected one line 'LINE:COLUMN: fragment', found '" + text + "'";
          break;
        }
        c.line = std::stoi(m[1]);
        c.column = std::stoi(m[2]);
        c.fragment = m[3];
        found = true;
      }
      if (!found && c.problem.empty()) c.problem = expected.filename().string() + " has no 'LINE:COLUMN: fragment' line";
    }
    cases.push_back(std::move(c));
  }
  std::sort(cases.begin(), cases.end(), [](const HostileCase& a, const HostileCase& b) { return a.name < b.name; });
  return cases;
}

// GoogleTest prints a failing case by its name rather than as bytes.
inline void PrintTo(const HostileCase& c, std::ostream* os) { *os << c.name; }

// "bad-regex-url" -> "bad_regex_url": a GoogleTest parameter name.
inline std::string TestNameOf(const std::string& case_name) {
  std::string out;
  for (char c : case_name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

// A file of `lines` comment lines of 80 bytes each (8 MB for 100,000), then `tail`: a huge config whose
// mistake is at its end, so the line count in the message is checked at scale.
inline std::string HugeYaml(const std::string& head, int lines, const std::string& tail) {
  std::string text = head;
  const std::string filler = "# " + std::string(77, 'x') + "\n";
  text.reserve(text.size() + filler.size() * static_cast<size_t>(lines) + tail.size());
  for (int i = 0; i < lines; ++i) text += filler;
  return text + tail;
}

}  // namespace hc::testing
