// Extraction throughput over the bundled mfk fixtures, beside Gumbo's parse alone on the same bytes
// (issue 2): the selectors and record assembly should add under 25% to the parse.
// With HC_BENCH_SITE=DIR (a bench/gen_site.py site's www/ folder) two more rows run the same on a
// sample of that site's pages (the crawl benchmark's pages: the Gumbo ceiling for bench/crawl_bench.sh).
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHC_BUILD_BENCH=ON
//   cmake --build build-bench --target extract_bench
//   build-bench/bench/extract_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>
#include <gumbo.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "extract/extract.h"
#include "html/html.h"

namespace {

struct Page {
  std::string url;
  std::string utf8;
};

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::vector<Page>& MfkPages() {
  static const std::vector<Page> pages = [] {
    std::vector<Page> out;
    auto dir = std::filesystem::path(HC_SOURCE_DIR) / "fixtures/sites/mfk";
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".html") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto expected = f;
      expected.replace_extension(".expected.json");
      auto json = nlohmann::json::parse(Slurp(expected), nullptr, false);
      if (json.is_discarded()) continue;
      out.push_back({json.value("url", ""), hc::html::DecodeToUtf8(Slurp(f)).utf8});
    }
    return out;
  }();
  return pages;
}

int64_t TotalBytes(const std::vector<Page>& pages) {
  int64_t n = 0;
  for (const auto& p : pages) n += static_cast<int64_t>(p.utf8.size());
  return n;
}

// Gumbo alone, the ceiling: parse and free.
void GumboParseOnly(benchmark::State& state, const std::vector<Page>& pages) {
  for (auto _ : state) {
    for (const auto& p : pages) {
      GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, p.utf8.data(), p.utf8.size());
      benchmark::DoNotOptimize(out->root);
      gumbo_destroy_output(&kGumboDefaultOptions, out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pages.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes(pages));
}

// What the crawler does per page: Document::Parse (Gumbo) + the site's SelectorProgram (fields, lists,
// links) + JSON assembly.
void ParseAndExtract(benchmark::State& state, const std::vector<Page>& pages, const std::filesystem::path& dir,
                     const std::string& site) {
  auto program = hc::extract::LoadSite(dir, site);
  if (!program.ok()) {
    state.SkipWithError(program.status().ToString().c_str());
    return;
  }
  for (auto _ : state) {
    for (const auto& p : pages) {
      auto doc = hc::html::Document::Parse(p.utf8);
      hc::extract::PageInput in{p.url, {}};
      auto page = program->Extract(*doc, in);
      auto json = hc::extract::ToJson(page, in);
      benchmark::DoNotOptimize(json);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pages.size()));
  state.SetBytesProcessed(state.iterations() * TotalBytes(pages));
}

void BM_GumboParseOnly(benchmark::State& state) { GumboParseOnly(state, MfkPages()); }
BENCHMARK(BM_GumboParseOnly)->Unit(benchmark::kMillisecond);

void BM_ParseAndExtract(benchmark::State& state) {
  ParseAndExtract(state, MfkPages(), std::filesystem::path(HC_SOURCE_DIR) / "selectors", "mfk");
}
BENCHMARK(BM_ParseAndExtract)->Unit(benchmark::kMillisecond);

// Up to 120 articles, 40 question pages and 40 listings of a generated site, decoded as the crawler
// decodes them (about 10% of them are GBK).
std::vector<Page> SitePages(const std::filesystem::path& www) {
  std::vector<Page> out;
  for (auto [folder, limit] : {std::pair{"article", 120}, std::pair{"question", 40}, std::pair{"list", 40}}) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(www / folder, ec))
      if (e.path().extension() == ".html") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    if (files.size() > static_cast<std::size_t>(limit)) files.resize(limit);
    for (const auto& f : files) {
      out.push_back({"http://www.mfk.com/" + std::string(folder) + "/" + f.filename().string(),
                     hc::html::DecodeToUtf8(Slurp(f)).utf8});
    }
  }
  return out;
}

void RegisterSiteBenchmarks(const char* www) {
  static const std::vector<Page> pages = SitePages(www);
  if (pages.empty()) return;
  benchmark::RegisterBenchmark("BM_GumboParseOnly_SitePages", [](benchmark::State& state) {
    GumboParseOnly(state, pages);
  })->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("BM_ParseAndExtract_SitePages", [](benchmark::State& state) {
    ParseAndExtract(state, pages, std::filesystem::path(HC_SOURCE_DIR) / "bench", "mfk-bench");
  })->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  if (const char* www = std::getenv("HC_BENCH_SITE")) RegisterSiteBenchmarks(www);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
