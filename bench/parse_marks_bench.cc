// The per-page cost of the poison-page marks (docs/RELIABILITY.md, "Poison pages"): what a parse worker
// does around every page's parse — internal::MarkedParse, i.e. an uncontended shared lock and two
// 8-byte pwrites into the marks file — against the same scope without marks. Compare with a page's parse
// and extraction (extract_bench: about 1.2 ms per mfk page).
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHC_BUILD_BENCH=ON
//   cmake --build build-bench --target parse_marks_bench
//   build-bench/bench/parse_marks_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
// HC_BENCH_DIR=DIR puts the marks file there (default: the system's temporary folder) — put it on the
// file system the database lives on.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <shared_mutex>
#include <string>

#include "crawl/poison_internal.h"

namespace {

using hc::crawl::internal::MarkedParse;
using hc::crawl::internal::ParseMarks;

std::filesystem::path MarksPath() {
  const char* dir = std::getenv("HC_BENCH_DIR");
  const std::filesystem::path base = dir && *dir ? std::filesystem::path(dir) : std::filesystem::temp_directory_path();
  return base / ("parse_marks_bench." + std::to_string(getpid()));
}

std::shared_mutex gate;

void BM_ParseScopeWithoutMarks(benchmark::State& state) {
  hc::store::LeasedUrl url;
  url.id = 12345;
  for (auto _ : state) {
    MarkedParse marked(nullptr, gate, state.thread_index(), url);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_ParseScopeWithoutMarks)->Threads(1)->Threads(2);

std::unique_ptr<ParseMarks> marks;

void BM_ParseScopeMarked(benchmark::State& state) {
  if (state.thread_index() == 0) {
    ParseMarks::LastRun last;
    auto opened = ParseMarks::Open(MarksPath(), 8, &last);
    if (!opened.ok()) {
      state.SkipWithError(opened.status().ToString().c_str());
    } else {
      marks = std::move(*opened);
    }
  }
  hc::store::LeasedUrl url;
  url.id = 12345 + state.thread_index();
  for (auto _ : state) {
    MarkedParse marked(marks.get(), gate, state.thread_index(), url);
    benchmark::ClobberMemory();
  }
  if (state.thread_index() == 0) {
    marks.reset();
    std::error_code ec;
    std::filesystem::remove(MarksPath(), ec);
  }
}
BENCHMARK(BM_ParseScopeMarked)->Threads(1)->Threads(2);

}  // namespace

BENCHMARK_MAIN();
