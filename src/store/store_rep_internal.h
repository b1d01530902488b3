// Internal to src/store: the state behind a SqliteStore, shared by the files that implement it
// (sqlite_store.cc: open, pages, raw archive, runs; sqlite_export.cc: export scans; sqlite_stats.cc).
//
// Thread-safety: as SqliteStore, one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.h"
#include "store/sqlite_internal.h"
#include "store/store.h"

namespace hc::store {

struct SqliteStore::Rep {
  std::unique_ptr<internal::Db> db;
  StoreOptions options;
  SystemClock system_clock;
  const Clock* clock = nullptr;
  std::string path;
  bool in_batch = false;
  int pages_in_batch = 0;
  std::chrono::steady_clock::time_point batch_started{};
};

}  // namespace hc::store
