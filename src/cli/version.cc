// `healthcrawl --version`: the program's version, then the versions of the libraries it runs with that
// can say theirs cheaply (the shared ones as loaded at run time, the header-only ones as compiled in).
#include <CLI/Version.hpp>
#include <curl/curl.h>
#include <spdlog/version.h>
#include <sqlite3.h>
#include <unicode/uversion.h>
#include <zstd.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "core/version.h"

namespace hc::cli {

std::string VersionText() {
  std::string text = "healthcrawl " + std::string(Version()) + "\n";
  const curl_version_info_data* curl = curl_version_info(CURLVERSION_NOW);
  UVersionInfo icu{};
  u_getVersion(icu);
  char icu_text[U_MAX_VERSION_STRING_LENGTH] = {};
  u_versionToString(icu, icu_text);
  text += "libcurl " + std::string(curl != nullptr && curl->version != nullptr ? curl->version : "?") +
          (curl != nullptr && curl->ssl_version != nullptr ? " (" + std::string(curl->ssl_version) + ")" : "") +
          ", SQLite " + sqlite3_libversion() + ", zstd " + ZSTD_versionString() + ", ICU " + icu_text +
          ", spdlog " + std::to_string(SPDLOG_VER_MAJOR) + "." + std::to_string(SPDLOG_VER_MINOR) + "." +
          std::to_string(SPDLOG_VER_PATCH) + ", nlohmann/json " + std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
          std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." + std::to_string(NLOHMANN_JSON_VERSION_PATCH) +
          ", CLI11 " + CLI11_VERSION;
  return text;
}

}  // namespace hc::cli
