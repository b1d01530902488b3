// The cost of reading a count (issue 13, point 1): ReadCount scans every number of the text and what
// stands around it, where ParseCount once read the first number only. Short texts as portals print them,
// and one long text to show the scan stays linear (docs/BENCHMARKS.md, "Counts").
//
//   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHC_BUILD_BENCH=ON
//   cmake --build build --target values_bench && build/bench/values_bench
#include <benchmark/benchmark.h>

#include <string>

#include "extract/extract.h"

namespace {

void ReadOne(benchmark::State& state, const std::string& text, const std::string& word) {
  for (auto _ : state) benchmark::DoNotOptimize(hc::extract::ReadCount(text, word));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}

void BM_Plain(benchmark::State& state) { ReadOne(state, "9039次浏览", ""); }
void BM_DateAndCount(benchmark::State& state) { ReadOne(state, "2026-05-06 09:12:37\xE3\x80\x80" "3184人阅读", ""); }
void BM_TwoCounts(benchmark::State& state) { ReadOne(state, "1.2万次浏览 35条评论", ""); }
void BM_CountWord(benchmark::State& state) { ReadOne(state, "1.2万次浏览 35条评论", "评论"); }
// A megabyte of "12 " (349,526 numbers): the worst a selected element's text can hold.
void BM_MegabyteOfNumbers(benchmark::State& state) {
  std::string text;
  while (text.size() < (1 << 20)) text += "12 ";
  ReadOne(state, text, "");
}

BENCHMARK(BM_Plain);
BENCHMARK(BM_DateAndCount);
BENCHMARK(BM_TwoCounts);
BENCHMARK(BM_CountWord);
BENCHMARK(BM_MegabyteOfNumbers)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
