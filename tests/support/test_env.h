// Test environment: where the sources, fixtures and the built CLI are, and scratch folders that clean
// themselves up.
#pragma once

#include <filesystem>
#include <string>

namespace hc::testing {

std::filesystem::path SourceDir();    // the project's top folder
std::filesystem::path FixturesDir();  // <source>/fixtures
std::filesystem::path SelectorsDir(); // <source>/selectors
std::filesystem::path CliPath();      // the built healthcrawl binary
// ../shared/conformance beside the project, or empty when that folder is absent.
std::filesystem::path ConformanceDir();

std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& bytes);

// A fresh folder under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Runs a command line through /bin/sh, captures stdout (and stderr when merge_stderr), returns the
// exit status. For CLI tests only; the product itself never runs a shell.
int RunCommand(const std::string& command_line, std::string* output, bool merge_stderr = false);

// A path as one word of a RunCommand line (the test paths hold no single quote).
inline std::string Quote(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

}  // namespace hc::testing
