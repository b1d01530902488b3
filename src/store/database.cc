// OpenDatabase: the one function that picks a backend. Today every location is a SQLite file; the
// PostgreSQL backend of issue #16 is chosen here by its URL scheme, and no caller changes.
#include "store/database.h"

#include <memory>
#include <string>
#include <utility>

#include "store/sqlite_store_internal.h"

namespace hc::store {

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& location, const StoreOptions& options) {
  auto sqlite = SqliteStore::Open(location, options);
  if (!sqlite.ok()) return sqlite.status();
  return std::unique_ptr<Database>(std::move(*sqlite));
}

}  // namespace hc::store
