// archive_bench: the raw archive with and without per-site zstd dictionaries (issue 12 point 7).
//
//   archive_bench size LIST [DIR=/tmp]
//       Stores every page named in LIST (one file path a line) through Database::PutPage (SQLite) with its
//       raw response archived, once with plain zstd frames at level 3 (dictionaries off: the bytes main
//       wrote) and once with the store's defaults (dictionaries, level 1), into
//       DIR/archive-{plain,dict}.db. Prints, per run,
//       the archive's blob bytes (sum of length(body)), the raw bytes, rows, dictionaries trained, the
//       dictionaries' own bytes, and the CPU seconds of the PutPage loop.
//   archive_bench fixtures
//       The fixture sites' pages (fixtures/sites/<site>/*.html): each page compressed plain and with a
//       dictionary trained by ZDICT_trainFromBuffer on the site's *other* pages (leave one out; they are
//       cut into 4 KiB samples, since a fixture site has 4-5 pages where a crawl's sample has 128).
//   archive_bench time LIST [--benchmark_* flags]
//       Google Benchmark, one iteration = one page (the first 2,000 of LIST, in turn): compression as
//       main did it (ZSTD_compress one-shot, level 3), on a reused context without and with the
//       dictionary trained from the first 128 pages (as the store trains it), decompression both ways,
//       and one training. CPU time per iteration is the figure to read (the machine is shared).
//
// Not a test: nothing is asserted.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <zdict.h>
#include <zstd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "store/archive_codec_internal.h"
#include "store/database.h"

namespace {

using namespace hc;
using namespace hc::store;

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> ReadList(const std::string& list, size_t limit) {
  std::ifstream in(list);
  std::vector<std::string> pages;
  std::string line;
  while (pages.size() < limit && std::getline(in, line)) {
    if (line.empty()) continue;
    pages.push_back(ReadAll(line));
  }
  return pages;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int64_t PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int Size(const std::string& list, const std::filesystem::path& dir) {
  // Pages are read one at a time inside the timed loop (from the page cache after the first run), so
  // the peak RSS is the store's, not the pages'.
  std::vector<std::string> names;
  {
    std::ifstream in(list);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) names.push_back(line);
    }
  }
  if (names.empty()) {
    std::fprintf(stderr, "no pages in %s\n", list.c_str());
    return 2;
  }
  for (bool dictionaries : {false, true}) {
    const auto path = dir / (dictionaries ? "archive-dict.db" : "archive-plain.db");
    std::filesystem::remove(path);
    StoreOptions options;
    options.dictionaries.enabled = dictionaries;
    // The plain run stays the baseline of issue 12 point 7: what main wrote before dictionaries, level 3
    // (the store's default is level 1 since session 20; the dictionary run uses the default).
    if (!dictionaries) options.zstd_level = 3;
    auto store = OpenDatabase(path, options);
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().ToString().c_str());
      return 3;
    }
    const double cpu = CpuSeconds();
    for (size_t i = 0; i < names.size(); ++i) {
      PageObservation page;
      page.site = "mfk-bench";
      page.url = "http://bench" + names[i];
      page.http_status = 200;
      page.page_type = "listing";
      page.raw =
          RawResponse{page.url, 200, {{"Content-Type", "text/html"}}, ReadAll(names[i]), SystemClock().Now()};
      page.fetched_at = page.raw->fetched_at;
      Status s = (*store)->PutPage(page);
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 3;
      }
    }
    if (!(*store)->Flush().ok()) return 3;
    const double seconds = CpuSeconds() - cpu;
    store->reset();
    // The figures straight from the file, as sqlite3 would print them.
    const std::string query =
        "sqlite3 " + path.string() +
        " \"SELECT count(*), sum(body_size), sum(length(body)), (SELECT count(*) FROM zstd_dictionaries),"
        " (SELECT coalesce(sum(length(dict)), 0) FROM zstd_dictionaries) FROM raw_responses\"";
    std::string row;
    if (FILE* p = ::popen(query.c_str(), "r")) {
      char buf[256];
      while (std::fgets(buf, sizeof buf, p)) row += buf;
      ::pclose(p);
    }
    std::printf("%s: rows|raw bytes|blob bytes|dictionaries|dictionary bytes = %s",
                dictionaries ? "dict " : "plain", row.c_str());
    std::printf(
        "%s: PutPage CPU %.2f s for %zu pages (%.1f us a page, reading the files included); peak RSS so far"
        " %lld KB\n",
        dictionaries ? "dict " : "plain", seconds, names.size(),
        seconds * 1e6 / static_cast<double>(names.size()), static_cast<long long>(PeakRssKb()));
  }
  return 0;
}

int Fixtures() {
  const std::filesystem::path root = std::filesystem::path(HC_SOURCE_DIR) / "fixtures" / "sites";
  for (const auto& site : std::filesystem::directory_iterator(root)) {
    std::vector<std::string> pages;
    for (const auto& f : std::filesystem::directory_iterator(site.path())) {
      if (f.path().extension() == ".html") pages.push_back(ReadAll(f.path()));
    }
    int64_t raw = 0, plain = 0, with_dict = 0;
    internal::ZstdCoder coder;
    for (size_t leave = 0; leave < pages.size(); ++leave) {
      std::string joined;
      std::vector<size_t> sizes;
      for (size_t i = 0; i < pages.size(); ++i) {
        if (i == leave) continue;
        for (size_t at = 0; at < pages[i].size(); at += 4096) {
          const size_t n = std::min<size_t>(4096, pages[i].size() - at);
          joined.append(pages[i], at, n);
          sizes.push_back(n);
        }
      }
      std::string dict(112 << 10, '\0');
      const size_t n = ZDICT_trainFromBuffer(dict.data(), dict.size(), joined.data(), sizes.data(),
                                             static_cast<unsigned>(sizes.size()));
      if (ZDICT_isError(n)) {
        std::printf("%s: no dictionary: %s\n", site.path().filename().c_str(), ZDICT_getErrorName(n));
        break;
      }
      dict.resize(n);
      internal::CDictHandle cdict(ZSTD_createCDict(dict.data(), dict.size(), 3));
      raw += static_cast<int64_t>(pages[leave].size());
      plain += static_cast<int64_t>(coder.Compress(pages[leave], 3, nullptr)->size());
      with_dict += static_cast<int64_t>(coder.Compress(pages[leave], 3, cdict.get())->size());
    }
    std::printf(
        "%s: %zu pages, %lld bytes; plain zstd -3 %lld bytes (%.2fx); leave-one-out dictionary %lld bytes"
        " (%.2fx)\n",
        site.path().filename().c_str(), pages.size(), static_cast<long long>(raw),
        static_cast<long long>(plain), static_cast<double>(raw) / static_cast<double>(plain),
        static_cast<long long>(with_dict), static_cast<double>(raw) / static_cast<double>(with_dict));
  }
  return 0;
}

// --- time ------------------------------------------------------------------------------------------

std::vector<std::string> g_pages;
std::string g_dict;

void SetRatio(benchmark::State& state, int64_t raw, int64_t compressed) {
  state.counters["ratio"] = compressed ? static_cast<double>(raw) / static_cast<double>(compressed) : 0;
  state.SetBytesProcessed(raw);
}

void BM_CompressOneShot(benchmark::State& state) {  // what main does per page
  size_t i = 0;
  int64_t raw = 0, out = 0;
  std::string buf;
  for (auto _ : state) {
    const std::string& page = g_pages[i++ % g_pages.size()];
    buf.resize(ZSTD_compressBound(page.size()));
    const size_t n = ZSTD_compress(buf.data(), buf.size(), page.data(), page.size(), 3);
    benchmark::DoNotOptimize(n);
    raw += static_cast<int64_t>(page.size());
    out += static_cast<int64_t>(n);
  }
  SetRatio(state, raw, out);
}

void BM_CompressPlain(benchmark::State& state) {  // a reused context, no dictionary
  internal::ZstdCoder coder;
  size_t i = 0;
  int64_t raw = 0, out = 0;
  for (auto _ : state) {
    const std::string& page = g_pages[i++ % g_pages.size()];
    auto frame = coder.Compress(page, 3, nullptr);
    raw += static_cast<int64_t>(page.size());
    out += static_cast<int64_t>(frame->size());
  }
  SetRatio(state, raw, out);
}

void BM_CompressDictionary(benchmark::State& state) {  // what the store does once a site has a dictionary
  internal::ZstdCoder coder;
  internal::CDictHandle cdict(ZSTD_createCDict(g_dict.data(), g_dict.size(), 3));
  size_t i = 0;
  int64_t raw = 0, out = 0;
  for (auto _ : state) {
    const std::string& page = g_pages[i++ % g_pages.size()];
    auto frame = coder.Compress(page, 3, cdict.get());
    raw += static_cast<int64_t>(page.size());
    out += static_cast<int64_t>(frame->size());
  }
  SetRatio(state, raw, out);
}

void Decompress(benchmark::State& state, bool with_dict) {
  internal::ZstdCoder coder;
  internal::CDictHandle cdict(ZSTD_createCDict(g_dict.data(), g_dict.size(), 3));
  internal::DDictHandle ddict(ZSTD_createDDict(g_dict.data(), g_dict.size()));
  std::vector<std::string> frames;
  for (const auto& page : g_pages)
    frames.push_back(*coder.Compress(page, 3, with_dict ? cdict.get() : nullptr));
  size_t i = 0;
  std::string out;
  for (auto _ : state) {
    const size_t k = i++ % g_pages.size();
    benchmark::DoNotOptimize(
        coder.Decompress(frames[k], g_pages[k].size(), with_dict ? ddict.get() : nullptr, &out));
  }
}
void BM_DecompressPlain(benchmark::State& state) { Decompress(state, false); }
void BM_DecompressDictionary(benchmark::State& state) { Decompress(state, true); }

void BM_TrainDictionary(benchmark::State& state) {  // one training from the store's default sample
  internal::Sample sample;
  for (size_t i = 0; i < 128; ++i) sample.Add(g_pages[i]);
  for (auto _ : state) {
    auto trained = internal::TrainDictionary(sample, 112 << 10, 3);
    benchmark::DoNotOptimize(trained.ok());
  }
}

int Time(const std::string& list, int argc, char** argv) {
  g_pages = ReadList(list, 2000);
  if (g_pages.size() < 128) {
    std::fprintf(stderr, "need at least 128 pages in %s\n", list.c_str());
    return 2;
  }
  internal::Sample sample;
  for (size_t i = 0; i < 128; ++i) sample.Add(g_pages[i]);
  auto trained = internal::TrainDictionary(sample, 112 << 10, 3);
  if (!trained.ok()) {
    std::fprintf(stderr, "%s\n", trained.status().ToString().c_str());
    return 3;
  }
  g_dict = trained->dict;
  std::printf("dictionary: %zu bytes, held-out ratio %.2fx (plain %.2fx)\n", g_dict.size(),
              trained->trained_ratio, trained->plain_ratio);
  benchmark::RegisterBenchmark("BM_CompressOneShot", BM_CompressOneShot);
  benchmark::RegisterBenchmark("BM_CompressPlain", BM_CompressPlain);
  benchmark::RegisterBenchmark("BM_CompressDictionary", BM_CompressDictionary);
  benchmark::RegisterBenchmark("BM_DecompressPlain", BM_DecompressPlain);
  benchmark::RegisterBenchmark("BM_DecompressDictionary", BM_DecompressDictionary);
  benchmark::RegisterBenchmark("BM_TrainDictionary", BM_TrainDictionary)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "size" && argc >= 3) return Size(argv[2], argc > 3 ? argv[3] : "/tmp");
  if (mode == "fixtures") return Fixtures();
  if (mode == "time" && argc >= 3) {
    // Google Benchmark sees the program name and the flags after LIST.
    std::vector<char*> rest = {argv[0]};
    for (int i = 3; i < argc; ++i) rest.push_back(argv[i]);
    int n = static_cast<int>(rest.size());
    return Time(argv[2], n, rest.data());
  }
  std::fprintf(stderr, "usage: archive_bench size LIST [DIR] | fixtures | time LIST [--benchmark_* flags]\n");
  return 2;
}
