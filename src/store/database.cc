// OpenDatabase: the one function that picks a backend: a libpq location opens PostgreSQL
// (pg_store_internal.h), anything else is a SQLite file path.
#include "store/database.h"

#include <cctype>
#include <memory>
#include <string>
#include <utility>

#include "store/pg_store_internal.h"
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

}  // namespace hc::store
