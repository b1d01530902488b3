// Parse time against element nesting depth (issue 11, point 5): where Gumbo stops being linear in the
// size of its input, which is what html::ParseOptions::max_depth is set from (docs/BENCHMARKS.md,
// "Nesting depth").
//
// Each page is a small article whose body holds DEPTH nested elements of one kind around a paragraph,
// closed again (`<div>` x DEPTH ... `</div>` x DEPTH), so the bytes grow linearly with the depth and a
// linear parser shows a constant time per element. Three kinds, because the tree builder does
// different work per kind: `div` (a special element: each start tag looks for a <p> in button scope),
// `span` (ordinary) and `b` (a formatting element: the list of active formatting elements grows too).
// Rows:
//   gumbo          gumbo_parse with Gumbo's own allocator (its teardown not timed)
//   parse-nolimit  html::Document::Parse with max_depth above the depth (pre-scan, arena, tree pass)
//   parse-limit    html::Document::Parse with the shipped ParseOptions (the page is flattened)
//   extract-nolimit / extract-limit  the same followed by the mfk config's Extract (the crawl's path)
// A row stops growing once one run takes longer than --max-seconds, since the next depth would take
// minutes.
//
//   cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHC_BUILD_BENCH=ON
//   cmake --build build --target nesting_bench
//   build/bench/nesting_bench [--runs 5] [--max-seconds 20] [--kinds div,span,b] [DEPTH...]
// With --total N each page holds N / DEPTH nests instead of one, so that the pages of a series are the
// same size and only their depth differs (the limit is chosen from this series: it shows the cost of
// depth alone, without the fixed cost of a page):
//   build/bench/nesting_bench --total 100000 64 128 256 512 1024 2048 4096 8192
// And how deep real pages go (the deepest element of each, <html> being 1):
//   build/bench/nesting_bench --depth-of fixtures/sites/*/*.html
#include <gumbo.h>
#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "extract/extract.h"
#include "html/html.h"

namespace {

struct Settings {
  int runs = 5;
  double max_seconds = 20;
  std::vector<std::string> kinds = {"div", "span", "b"};
  std::vector<std::size_t> depths = {1000, 2000, 5000, 10000, 20000, 50000, 100000};
  std::size_t total = 0;  // 0: one nest per page; else about this many elements a page
};

// `copies` nests of `depth` elements one after the other: with copies = total / depth every page of a
// series has about the same bytes and elements, and only the depth changes.
std::string DeepPage(const std::string& tag, std::size_t depth, std::size_t copies) {
  std::string page =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>深层嵌套</title></head><body>"
      "<div class=\"article\"><h1>深层嵌套的文章</h1>";
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  page.reserve(page.size() + copies * (depth * (open.size() + close.size()) + 20) + 200);
  for (std::size_t c = 0; c < copies; ++c) {
    for (std::size_t i = 0; i < depth; ++i) page += open;
    page += "<p>正文</p>";
    for (std::size_t i = 0; i < depth; ++i) page += close;
  }
  page += "</div></body></html>";
  return page;
}

using Seconds = std::chrono::duration<double>;

template <typename Work>
double TimeOnce(Work&& work) {
  auto start = std::chrono::steady_clock::now();
  work();
  return Seconds(std::chrono::steady_clock::now() - start).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

struct Row {
  const char* name;
  bool (*run)(const std::string& page, const hc::extract::SelectorProgram& program);  // false: failed
};

bool RunGumbo(const std::string& page, const hc::extract::SelectorProgram&) {
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, page.data(), page.size());
  // gumbo_destroy_output recurses once per level; the bench thread's stack is large enough for it.
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  return out != nullptr;
}

bool RunParse(const std::string& page, std::size_t max_depth) {
  hc::html::ParseOptions options;
  options.max_depth = max_depth;
  return hc::html::Document::Parse(page, options).ok();
}

bool RunExtract(const std::string& page, std::size_t max_depth, const hc::extract::SelectorProgram& program) {
  hc::html::ParseOptions options;
  options.max_depth = max_depth;
  auto doc = hc::html::Document::Parse(page, options);
  if (!doc.ok()) return false;
  hc::extract::ExtractedPage extracted =
      program.Extract(*doc, {"https://www.mfk.com/article/1.html", hc::TimePoint{}});
  return !extracted.page_type.empty();
}

constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

const Row kRows[] = {
    {"gumbo", &RunGumbo},
    {"parse-nolimit", [](const std::string& p, const hc::extract::SelectorProgram&) { return RunParse(p, kNoLimit); }},
    {"parse-limit",
     [](const std::string& p, const hc::extract::SelectorProgram&) { return RunParse(p, hc::html::ParseOptions{}.max_depth); }},
    {"extract-nolimit",
     [](const std::string& p, const hc::extract::SelectorProgram& prog) { return RunExtract(p, kNoLimit, prog); }},
    {"extract-limit",
     [](const std::string& p, const hc::extract::SelectorProgram& prog) {
       return RunExtract(p, hc::html::ParseOptions{}.max_depth, prog);
     }},
};

int Bench(const Settings& settings) {
  auto program = hc::extract::LoadSite(std::string(HC_SOURCE_DIR) + "/selectors", "mfk");
  if (!program.ok()) {
    std::fprintf(stderr, "%s\n", program.status().ToString().c_str());
    return 1;
  }
  std::printf("%-6s %-16s %8s %10s %12s %12s %12s %5s\n", "kind", "row", "depth", "bytes", "median_ms",
              "min_ms", "ns/element", "runs");
  for (const std::string& kind : settings.kinds) {
    for (const Row& row : kRows) {
      for (std::size_t depth : settings.depths) {
        const std::size_t copies = settings.total > depth ? settings.total / depth : 1;
        const std::string page = DeepPage(kind, depth, copies);
        const std::size_t elements = depth * copies;
        std::vector<double> times;
        bool ok = true;
        for (int r = 0; r < settings.runs; ++r) {
          double t = TimeOnce([&] { ok = row.run(page, *program) && ok; });
          times.push_back(t);
          if (t > settings.max_seconds / 4) break;  // one slow run says enough; spare the machine
        }
        double median = Median(times);
        std::printf("%-6s %-16s %8zu %10zu %12.2f %12.2f %12.1f %5zu%s\n", kind.c_str(), row.name, depth,
                    page.size(), median * 1e3, *std::min_element(times.begin(), times.end()) * 1e3,
                    median * 1e9 / static_cast<double>(elements), times.size(), ok ? "" : "  FAILED");
        std::fflush(stdout);
        if (median > settings.max_seconds) {
          std::printf("%-6s %-16s   (deeper pages skipped: over %.0f s)\n", kind.c_str(), row.name,
                      settings.max_seconds);
          break;
        }
      }
    }
  }
  return 0;
}

struct ThreadArgs {
  const Settings* settings;
  int rc;
};

void* BenchThread(void* p) {
  auto* args = static_cast<ThreadArgs*>(p);
  args->rc = Bench(*args->settings);
  return nullptr;
}

}  // namespace

// --depth-of FILE...: how deep real pages nest (Document::nesting()), to set the limit against.
int PrintDepths(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::FILE* f = std::fopen(argv[i], "rb");
    if (!f) {
      std::perror(argv[i]);
      return 1;
    }
    std::string bytes;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) bytes.append(buf, n);
    std::fclose(f);
    auto doc = hc::html::Document::Parse(hc::html::DecodeToUtf8(bytes).utf8);
    if (!doc.ok()) {
      std::fprintf(stderr, "%s: %s\n", argv[i], doc.status().ToString().c_str());
      return 1;
    }
    std::printf("%6zu  %s\n", doc->nesting().depth, argv[i]);
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--depth-of") return PrintDepths(argc, argv, 2);
  Settings settings;
  std::vector<std::size_t> depths;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runs" && i + 1 < argc) {
      settings.runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--max-seconds" && i + 1 < argc) {
      settings.max_seconds = std::atof(argv[++i]);
    } else if (a == "--total" && i + 1 < argc) {
      settings.total = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--kinds" && i + 1 < argc) {
      settings.kinds.clear();
      std::string list = argv[++i];
      for (std::size_t from = 0; from <= list.size();) {
        std::size_t comma = std::min(list.find(',', from), list.size());
        if (comma > from) settings.kinds.push_back(list.substr(from, comma - from));
        from = comma + 1;
      }
    } else if (!a.empty() && a[0] != '-') {
      depths.push_back(std::strtoull(a.c_str(), nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: %s [--runs N] [--max-seconds S] [--total ELEMENTS] [--kinds div,span,b] [DEPTH...]\n", argv[0]);
      return 2;
    }
  }
  if (!depths.empty()) settings.depths = depths;

  // Gumbo's teardown recurses once per level of the tree: 100,000 levels need more than the main
  // thread's 8 MiB, so the bench runs on a thread with a 1 GiB stack (reserved, touched only as used).
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, std::size_t{1} << 30);
  ThreadArgs args{&settings, 1};
  pthread_t thread;
  if (pthread_create(&thread, &attr, &BenchThread, &args) != 0) {
    std::perror("pthread_create");
    return 1;
  }
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attr);
  return args.rc;
}
