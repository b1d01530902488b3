// Internal to src/store: when a backend commits its open write batch (StoreOptions::batch_pages and
// batch_max_age), one rule for SQLite and PostgreSQL, which differ only in their default batch size.
#pragma once

#include <chrono>

#include "store/database.h"

namespace hc::store::internal {

// StoreOptions::batch_pages when it is 0. SQLite: one process writes, and a batch saves a commit each
// page. PostgreSQL: the crawlers of one crawl wait for each other's open batches on the frontier rows
// of links they both find, so batches stay small (docs/SCALING.md).
inline constexpr int kSqliteBatchPages = 200;
inline constexpr int kPostgresBatchPages = 10;

// The open batch, `pages` pages begun at `started`, has reached the batch size (`backend_default` when
// options.batch_pages is 0) or batch_max_age: time to commit.
inline bool BatchIsDue(const StoreOptions& options, int pages, std::chrono::steady_clock::time_point started,
                       int backend_default) {
  const int batch_pages = options.batch_pages > 0 ? options.batch_pages : backend_default;
  return pages >= batch_pages || std::chrono::steady_clock::now() - started >= options.batch_max_age;
}

}  // namespace hc::store::internal
