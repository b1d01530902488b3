// store_bench: the SQLite store's throughput and footprint.
//
//   store_bench [ARTICLES=100000] [SIZE_PAGES=10000] [DIR=/tmp]
//
//  1. insert: ARTICLES article pages, each with 15 answer cards (15 questions, doctors from a pool of
//     2,000 at 300 hospitals) and 3 diseases, through PutPage in batches of 200; records/s counts the
//     article plus its cards (16 records a page).
//  2. export: the articles and answers tables of that database as JSONL and as CSV; MB/s of output.
//  3. size: SIZE_PAGES pages stored twice, without and with the raw archive (the body is the bundled
//     fixtures/sites/mfk/article.html with the page number spliced in, zstd level 3), bytes per 10,000
//     pages after a checkpoint.
//
// Prints one line per figure. Not a test: nothing is asserted.
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "store/database.h"
#include "store/export.h"

namespace {

using namespace hc;
using namespace hc::store;
using Stopwatch = std::chrono::steady_clock;

double Seconds(Stopwatch::time_point start) { return std::chrono::duration<double>(Stopwatch::now() - start).count(); }

Json ArticleRecord(int n) {
  Json cards = Json::array();
  for (int i = 0; i < 15; ++i) {
    const int doctor = (n * 7 + i * 13) % 2000;
    cards.push_back({{"type", "answer_card"},
                     {"question_title", "问题标题 " + std::to_string(n) + "-" + std::to_string(i)},
                     {"question_url", "https://www.mfk.com/question/" + std::to_string(n * 15 + i) + ".html"},
                     {"doctor_name", "医生" + std::to_string(doctor)},
                     {"doctor_title", doctor % 2 ? "主任医师" : "副主任医师"},
                     {"department", "科室" + std::to_string(doctor % 40)},
                     {"hospital", "医院" + std::to_string(doctor % 300)},
                     {"hospital_grade", "三甲"},
                     {"answer_text", "您好，根据您的描述，建议注意休息，规律作息，必要时到医院就诊。" + std::to_string(n)},
                     {"answered_at", "2026-02-20"},
                     {"extra", {{"doctor_url", "https://www.mfk.com/doctor/" + std::to_string(doctor) + ".html"}}}});
  }
  Json diseases = Json::array();
  for (int i = 0; i < 3; ++i) {
    const std::string name = "疾病" + std::to_string((n + i * 17) % 500);
    diseases.push_back({{"type", "disease"}, {"name", name}, {"summary", name + "的简介"}, {"url", nullptr},
                        {"extra", Json::object()}});
  }
  return {{"type", "article"},
          {"title", "文章标题 " + std::to_string(n)},
          {"body", std::string(30, 'x') + " 正文段落。正文段落。正文段落。正文段落。正文段落。" + std::to_string(n)},
          {"published_at", "2026-02-28"},
          {"views", n % 10000},
          {"author", "作者"},
          {"tags", Json::array({"标签一", "标签二"})},
          {"source", "民福康"},
          {"extra", {{"category", "骨科"}}},
          {"diseases", diseases},
          {"answers", cards}};
}

PageObservation ArticlePage(int n, TimePoint when) {
  PageObservation p;
  p.site = "mfk";
  p.url = "https://www.mfk.com/article/" + std::to_string(n) + ".html";
  p.page_type = "article";
  p.http_status = 200;
  p.content_type = "text/html; charset=utf-8";
  p.charset = "UTF-8";
  p.fetched_at = when;
  p.records.push_back(ArticleRecord(n));
  return p;
}

std::string Template() {
  std::ifstream in(std::string(HC_SOURCE_DIR) + "/fixtures/sites/mfk/article.html", std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s.empty() ? std::string(60000, 'x') : s;
}

uint64_t FileSize(const std::filesystem::path& p) {
  std::error_code ec;
  uint64_t n = std::filesystem::file_size(p, ec);
  auto wal = std::filesystem::file_size(p.string() + "-wal", ec);
  return n + (ec ? 0 : wal);
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each figure as soon as it is measured
  const int articles = argc > 1 ? std::atoi(argv[1]) : 100000;
  const int size_pages = argc > 2 ? std::atoi(argv[2]) : 10000;
  const std::filesystem::path dir = std::filesystem::path(argc > 3 ? argv[3] : "/tmp") /
                                    ("store_bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  utsname u{};
  ::uname(&u);
  std::printf("machine: %s %s, %ld cores; date: %s\n", u.sysname, u.machine, ::sysconf(_SC_NPROCESSORS_ONLN),
              FormatUtc(std::chrono::system_clock::now()).c_str());
  const TimePoint when = std::chrono::system_clock::now();

  // 1. insert
  {
    auto store = OpenDatabase(dir / "insert.db", {.raw_versions = 0});
    if (!store.ok()) return std::fprintf(stderr, "%s\n", store.status().ToString().c_str()), 1;
    auto start = Stopwatch::now();
    for (int n = 0; n < articles; ++n) {
      Status s = (*store)->PutPage(ArticlePage(n, when));
      if (!s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
    }
    if (!(*store)->Flush().ok()) return 1;
    const double secs = Seconds(start);
    std::printf("insert: %d articles x 15 cards in %.1f s: %.0f pages/s, %.0f records/s (article + cards)\n",
                articles, secs, articles / secs, articles * 16.0 / secs);

    // 2. export
    for (auto format : {ExportFormat::kJsonl, ExportFormat::kCsv}) {
      for (const char* table : {"articles", "answers"}) {
        ExportOptions o;
        o.format = format;
        o.table = table;
        o.out = dir / (std::string(table) + (format == ExportFormat::kCsv ? ".csv" : ".jsonl"));
        o.force = true;
        start = Stopwatch::now();
        auto r = RunExport(**store, o);
        if (!r.ok()) return std::fprintf(stderr, "%s\n", r.status().ToString().c_str()), 1;
        const double s = Seconds(start);
        std::printf("export %-5s %-8s: %lld rows, %.1f MB in %.2f s: %.1f MB/s, %.0f rows/s\n",
                    format == ExportFormat::kCsv ? "csv" : "jsonl", table,
                    static_cast<long long>(r->files[0].second), r->bytes / 1e6, s, r->bytes / 1e6 / s,
                    r->files[0].second / s);
      }
    }
    std::printf("insert db: %.1f MB for %d articles\n", FileSize(dir / "insert.db") / 1e6, articles);
  }

  // 3. size per 10,000 pages
  const std::string body = Template();
  for (int keep : {0, 1}) {
    const auto path = dir / (keep ? "with_raw.db" : "without_raw.db");
    {
      auto store = OpenDatabase(path, {.raw_versions = keep});
      if (!store.ok()) return 1;
      for (int n = 0; n < size_pages; ++n) {
        PageObservation p = ArticlePage(n, when);
        std::string b = body;
        b.insert(b.size() / 2, "<!-- page " + std::to_string(n) + " -->");
        p.raw = RawResponse{p.url, 200, {{"Content-Type", "text/html; charset=utf-8"}}, std::move(b), when};
        if (!(*store)->PutPage(p).ok()) return 1;
      }
      if (!(*store)->Flush().ok()) return 1;
    }  // closing checkpoints the WAL into the file
    std::printf("size %s raw archive: %.1f MB per 10,000 pages (page body %zu bytes)\n", keep ? "with   " : "without",
                FileSize(path) / 1e6 * 10000.0 / size_pages, body.size());
  }
  std::filesystem::remove_all(dir);
  return 0;
}
