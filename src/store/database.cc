// OpenDatabase, OpenDashboard and OpenRunProgress: the one place that picks a backend: a libpq location
// opens PostgreSQL (pg_store_internal.h, dashboard_internal.h), anything else is a SQLite file path.
#include "store/database.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "store/dashboard.h"
#include "store/dashboard_internal.h"
#include "store/pg_store_internal.h"
#include "store/run_progress.h"
#include "store/sqlite_store_internal.h"

namespace hc::store {

bool IsPostgresLocation(std::string_view location) {
  if (location.starts_with("postgresql://") || location.starts_with("postgres://")) return true;
  // A keyword/value string starts with a keyword and '=' ("host=/run/pg dbname=hc", "dbname = hc").
  size_t i = 0;
  while (i < location.size() && std::isspace(static_cast<unsigned char>(location[i]))) ++i;
  const size_t word = i;
  while (i < location.size() && (std::isalpha(static_cast<unsigned char>(location[i])) || location[i] == '_'))
    ++i;
  if (i == word) return false;
  while (i < location.size() && std::isspace(static_cast<unsigned char>(location[i]))) ++i;
  return i < location.size() && location[i] == '=';
}

namespace {

// Masks the value of every `password=` in a URI's query (`&`-separated) or a keyword/value string
// (space-separated, a value possibly 'quoted' with backslash escapes).
std::string MaskPasswordParameters(std::string text, bool uri) {
  size_t from = 0;
  for (;;) {
    const size_t at = text.find("password", from);
    if (at == std::string::npos) return text;
    from = at + 8;
    const bool starts = at == 0 || (uri ? text[at - 1] == '?' || text[at - 1] == '&'
                                        : std::isspace(static_cast<unsigned char>(text[at - 1])) != 0);
    size_t i = at + 8;
    while (!uri && i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (!starts || i >= text.size() || text[i] != '=') continue;
    ++i;
    while (!uri && i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t end = i;
    if (!uri && end < text.size() && text[end] == '\'') {
      for (++end; end < text.size() && text[end] != '\''; ++end) {
        if (text[end] == '\\') ++end;
      }
      if (end < text.size()) ++end;
    } else {
      while (end < text.size() && (uri ? text[end] != '&' && text[end] != '#'
                                       : !std::isspace(static_cast<unsigned char>(text[end])))) {
        ++end;
      }
    }
    text.replace(i, end - i, "***");
    from = i + 3;
  }
}

}  // namespace

std::string PrintableLocation(std::string_view location) {
  if (!IsPostgresLocation(location)) return std::string(location);
  std::string text(location);
  const size_t scheme = text.find("://");
  if (scheme == std::string::npos) return MaskPasswordParameters(std::move(text), /*uri=*/false);
  // The authority runs to the first '/', '?' or '#'; its userinfo to its last '@'.
  const size_t begin = scheme + 3;
  const size_t authority_end = std::min(text.find_first_of("/?#", begin), text.size());
  const size_t at = text.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at != std::string::npos && at >= begin) {
    const size_t colon = text.find(':', begin);
    if (colon != std::string::npos && colon < at) text.replace(colon + 1, at - colon - 1, "***");
  }
  return MaskPasswordParameters(std::move(text), /*uri=*/true);
}

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& location, const StoreOptions& options) {
  if (IsPostgresLocation(location)) {
    auto pg = PgStore::Open(location, options);
    if (!pg.ok()) return pg.status();
    return std::unique_ptr<Database>(std::move(*pg));
  }
  auto sqlite = SqliteStore::Open(location, options);
  if (!sqlite.ok()) return sqlite.status();
  return std::unique_ptr<Database>(std::move(*sqlite));
}

Result<std::unique_ptr<DashboardSource>> OpenDashboard(const std::string& location) {
  if (IsPostgresLocation(location)) return internal::OpenPgDashboard(location);
  return internal::OpenSqliteDashboard(location);
}

Result<std::unique_ptr<RunProgressLog>> OpenRunProgress(const std::string& location,
                                                        std::chrono::milliseconds busy_timeout) {
  if (IsPostgresLocation(location)) return internal::OpenPgRunProgress(location, busy_timeout);
  return internal::OpenSqliteRunProgress(location, busy_timeout);
}

}  // namespace hc::store
