// Link-filtering cost per page (issue 11): what the crawl does with every link of a page (follow it or
// not, and a followed link's page type), for each shipped config, on its fixture pages and on a generated link-heavy page.
// The links are gathered and made absolute outside the timed loop, so the figure is the filter alone
// (URL parse + normalization + allowed_domains + follow rules + page types), reported per page.
//   cmake -S . -B build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release -DHC_BUILD_BENCH=ON
//   cmake --build build-bench --target link_filter_bench
//   build-bench/bench/link_filter_bench --benchmark_repetitions=7 --benchmark_report_aggregates_only=true
// Only public headers are used, so the same file builds at older commits for before/after figures.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/url.h"
#include "extract/extract.h"
#include "html/html.h"

namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

using Links = std::vector<std::string>;  // the absolute links of one page

// The hrefs of a fixture page, resolved against the page URL its golden file names.
Links PageLinks(const std::filesystem::path& html_file) {
  auto expected = html_file;
  expected.replace_extension(".expected.json");
  auto json = nlohmann::json::parse(Slurp(expected), nullptr, false);
  if (json.is_discarded()) return {};
  auto base = hc::Url::Parse(json.value("url", ""));
  if (!base.ok()) return {};
  auto doc = hc::html::Document::Parse(hc::html::DecodeToUtf8(Slurp(html_file)).utf8);
  auto selector = hc::html::Selector::Compile("a::attr(href)");
  if (!doc.ok() || !selector.ok()) return {};
  Links out;
  for (const std::string& href : hc::html::SelectStrings(doc->document(), *selector)) {
    auto url = hc::Url::Parse(href, &*base);
    if (url.ok()) out.push_back(url->href());
  }
  return out;
}

std::vector<Links> FixturePages(const std::string& site) {
  auto dir = std::filesystem::path(HC_SOURCE_DIR) / "fixtures/sites" / site;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".html") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Links> pages;
  for (const auto& f : files) pages.push_back(PageLinks(f));
  return pages;
}

// A listing page of 5,000 links in the site's own URL forms (followed and not), plus off-site and
// other-product links, as the crawler meets them on a large portal page.
Links LinkHeavyPage(const std::string& site) {
  Links out;
  for (int i = 0; i < 1000; ++i) {
    const std::string n = std::to_string(58000000 + i * 37);
    if (site == "mfk") {
      out.push_back("https://www.mfk.com/article/" + n + ".html");
      out.push_back("https://www.mfk.com/question/" + n + ".html?from=list");
      out.push_back("https://www.mfk.com/list/guke_" + std::to_string(i % 40) + ".html");
      out.push_back("https://www.mfk.com/user/" + n + "/profile");
    } else {
      out.push_back("https://club.xywy.com/static/20260" + std::to_string(100 + i % 28) + "/" + n + ".htm");
      out.push_back("https://club.xywy.com/doc_card/" + n + "/");
      out.push_back("https://club.xywy.com/list_guke_" + std::to_string(i % 40) + ".htm?fromurl=x");
      out.push_back("https://jib.xywy.com/il_sii/gaishu/" + n + ".htm");
    }
    out.push_back("https://www.example.com/ad?id=" + n);
  }
  return out;
}

// What the crawl does with each link of a page: decide whether to follow it and, for a followed link,
// find its page type (its frontier priority). ClassifyLink does both in one pass; a build from before it
// existed does what the crawl did then, ShouldFollow and then MatchPageType for a followed link (the
// requires-expression picks whichever the headers have, so this file measures both commits alike).
template <class Program>
int ClassifyAsTheCrawlDoes(const Program& program, const std::string& url) {
  if constexpr (requires { program.ClassifyLink(url); }) {
    const auto c = program.ClassifyLink(url);
    return c.follow ? (c.page_type ? c.page_type->priority + 1 : 0) : -1;
  } else {
    if (!program.ShouldFollow(url)) return -1;
    const auto* type = program.MatchPageType(url);
    return type ? type->priority + 1 : 0;
  }
}

void FilterLinks(benchmark::State& state, const std::string& site, const std::vector<Links>& pages) {
  auto program = hc::extract::LoadSite(std::filesystem::path(HC_SOURCE_DIR) / "selectors", site);
  if (!program.ok()) {
    state.SkipWithError(program.status().ToString().c_str());
    return;
  }
  int64_t links = 0;
  for (const Links& p : pages) links += static_cast<int64_t>(p.size());
  for (auto _ : state) {
    for (const Links& page : pages) {
      for (const std::string& url : page) {
        benchmark::DoNotOptimize(ClassifyAsTheCrawlDoes(*program, url));
      }
    }
  }
  // Per page: the benchmark's time divided by the pages, which items_per_second inverts.
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(pages.size()));
  state.counters["links_per_page"] = static_cast<double>(links) / static_cast<double>(pages.size());
}

void BM_LinkFilter_MfkFixtures(benchmark::State& state) {
  static const std::vector<Links> pages = FixturePages("mfk");
  FilterLinks(state, "mfk", pages);
}
BENCHMARK(BM_LinkFilter_MfkFixtures)->Unit(benchmark::kMicrosecond);

void BM_LinkFilter_XywyFixtures(benchmark::State& state) {
  static const std::vector<Links> pages = FixturePages("xywy");
  FilterLinks(state, "xywy", pages);
}
BENCHMARK(BM_LinkFilter_XywyFixtures)->Unit(benchmark::kMicrosecond);

void BM_LinkFilter_MfkLinkHeavyPage(benchmark::State& state) {
  static const std::vector<Links> pages = {LinkHeavyPage("mfk")};
  FilterLinks(state, "mfk", pages);
}
BENCHMARK(BM_LinkFilter_MfkLinkHeavyPage)->Unit(benchmark::kMicrosecond);

void BM_LinkFilter_XywyLinkHeavyPage(benchmark::State& state) {
  static const std::vector<Links> pages = {LinkHeavyPage("xywy")};
  FilterLinks(state, "xywy", pages);
}
BENCHMARK(BM_LinkFilter_XywyLinkHeavyPage)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
