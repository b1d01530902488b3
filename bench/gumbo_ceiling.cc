// gumbo_ceiling: the parse ceiling of a set of pages — plain gumbo_parse with default options on each
// page's UTF-8 bytes, one core, no arena (issue 12, "Speed": "Gumbo's parse alone"). Pages are decoded
// to UTF-8 beforehand (GBK ones too), outside the timing, a chunk at a time so that memory stays small
// however many pages there are.
//
//   gumbo_ceiling DIR...        every *.html under the folders (e.g. a gen_site.py site's www/)
//
// Prints one JSON object: {"pages": N, "bytes": UTF-8 bytes parsed, "cpu_s": thread CPU seconds in
// gumbo_parse + gumbo_destroy_output, "pages_per_cpu_s": N / cpu_s}. With C cores the ceiling of a
// parser bound by Gumbo is C * pages_per_cpu_s.
#include <gumbo.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "html/html.h"

namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: gumbo_ceiling DIR...\n");
    return 2;
  }
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(argv[i], ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file() && it->path().extension() == ".html") files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "gumbo_ceiling: no .html files\n");
    return 1;
  }
  constexpr std::size_t kChunk = 500;
  double cpu = 0;
  long long bytes = 0;
  std::vector<std::string> utf8;
  for (std::size_t start = 0; start < files.size(); start += kChunk) {
    utf8.clear();
    for (std::size_t i = start; i < std::min(files.size(), start + kChunk); ++i) {
      utf8.push_back(hc::html::DecodeToUtf8(Slurp(files[i])).utf8);
      bytes += static_cast<long long>(utf8.back().size());
    }
    const double before = ThreadCpuSeconds();
    for (const std::string& page : utf8) {
      GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, page.data(), page.size());
      gumbo_destroy_output(&kGumboDefaultOptions, out);
    }
    cpu += ThreadCpuSeconds() - before;
  }
  std::printf("{\"pages\": %zu, \"bytes\": %lld, \"cpu_s\": %.3f, \"pages_per_cpu_s\": %.1f}\n", files.size(),
              bytes, cpu, static_cast<double>(files.size()) / cpu);
  return 0;
}
