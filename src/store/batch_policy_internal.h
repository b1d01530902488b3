// Internal to src/store: when a backend commits its open write batch (StoreOptions::batch_pages and
// batch_max_age), one rule for SQLite and PostgreSQL, which differ only in their default batch size.
#pragma once

#include <chrono>

#include "store/database.h"

namespace hc::store::internal {

// StoreOptions::batch_pages when it is 0. SQLite: one process writes, and a batch saves a commit each
// page. PostgreSQL: a page a transaction. The crawlers of one crawl write the same rows (the frontier
// rows of links they both find, the doctors and hospitals of answer cards), and two open batches of
// several pages each lock some of them in opposite orders: 27 deadlocks in one 4-crawler run of 1,000
// pages with 10 pages a batch, each a 1 s wait and a batch redone, against 2 with one page
// (docs/BENCHMARKS.md, "Fourth figures"; docs/SCALING.md).
inline constexpr int kSqliteBatchPages = 200;
inline constexpr int kPostgresBatchPages = 1;

// The open batch, `pages` pages begun at `started`, has reached the batch size (`backend_default` when
// options.batch_pages is 0) or batch_max_age: time to commit.
inline bool BatchIsDue(const StoreOptions& options, int pages, std::chrono::steady_clock::time_point started,
                       int backend_default) {
  const int batch_pages = options.batch_pages > 0 ? options.batch_pages : backend_default;
  return pages >= batch_pages || std::chrono::steady_clock::now() - started >= options.batch_max_age;
}

}  // namespace hc::store::internal
