#include "cli/selectors_dir.h"

#include <cstdlib>
#include <system_error>

#ifndef HC_DATADIR
#error "HC_DATADIR is set by CMakeLists.txt on this file (<install datadir>/healthcrawl)"
#endif

namespace hc::cli {
namespace {

std::filesystem::path FromEnv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::filesystem::path(value) : std::filesystem::path();
}

}  // namespace

std::vector<std::filesystem::path> SelectorsDirCandidates() {
  std::vector<std::filesystem::path> dirs = {"selectors"};
  // The XDG Base Directory spec ignores a relative $XDG_CONFIG_HOME as well as an empty one.
  std::filesystem::path config = FromEnv("XDG_CONFIG_HOME");
  if (config.empty() || config.is_relative()) {
    const std::filesystem::path home = FromEnv("HOME");
    config = home.empty() ? std::filesystem::path() : home / ".config";
  }
  if (!config.empty()) dirs.push_back(config / "healthcrawl" / "selectors");
  dirs.push_back("/etc/healthcrawl/selectors");
  dirs.push_back(std::filesystem::path(HC_DATADIR) / "selectors");
  return dirs;
}

std::filesystem::path FindSelectorsDir() {
  for (const auto& dir : SelectorsDirCandidates()) {
    std::error_code ec;
    if (std::filesystem::is_directory(dir, ec)) return dir;
  }
  return "selectors";
}

}  // namespace hc::cli
