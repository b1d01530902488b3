// Ingest (saved pages -> store): the same decode, parse, extract, store pipeline as a live crawl, without
// the network. This thread reads the files; the parse workers and the writer are the crawl's
// (parse_pipeline.h), in ordered mode, so the store sees the pages in the order of the files.
#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "core/text.h"
#include "core/url.h"
#include "crawl/crawl.h"
#include "crawl/parse_pipeline.h"
#include "html/html.h"

namespace hc::crawl {
namespace {

bool ReadBytes(const std::filesystem::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// The "url" and "fetched_at" members of <stem>.expected.json beside `file`, where present.
void FromExpectedJson(const std::filesystem::path& file, std::string& url, std::string& fetched_at) {
  const auto expected = file.parent_path() / (file.stem().string() + ".expected.json");
  std::string text;
  if (!std::filesystem::is_regular_file(expected) || !ReadBytes(expected, text)) return;
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return;
  if (json.contains("url") && json["url"].is_string()) url = json["url"].get<std::string>();
  if (json.contains("fetched_at") && json["fetched_at"].is_string()) {
    fetched_at = json["fetched_at"].get<std::string>();
  }
}

}  // namespace

store::PageObservation ObservePage(const extract::SelectorProgram& program, store::RawResponse response,
                                   bool archive) {
  // One pipeline for live pages and stored ones: the crawl's ObserveResponse, minus the links.
  Page page;
  auto parsed = Url::Parse(response.url);
  if (parsed.ok()) {
    auto key = NormalizeUrl(*parsed, program.config().url_normalization);
    page.url_key = key.ok() ? *std::move(key) : response.url;
    page.url = *std::move(parsed);
  } else {
    page.url_key = response.url;  // Extract notes that relative URLs cannot be resolved
  }
  page.response = std::move(response);
  return ObserveResponse(program, page, archive);
}

Result<UrlMap> LoadUrlMap(const std::filesystem::path& tsv) {
  std::string text;
  if (!ReadBytes(tsv, text)) return Status::IoError("cannot read " + tsv.string());
  UrlMap map;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string_view trimmed = TrimAsciiWhitespace(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      return Status::InvalidArgument(tsv.string() + ":" + std::to_string(number) +
                                     ": expected \"<file>\\t<url>\"");
    }
    std::filesystem::path file = TrimAsciiWhitespace(std::string_view(line).substr(0, tab));
    const std::string url(TrimAsciiWhitespace(std::string_view(line).substr(tab + 1)));
    if (file.empty() || url.empty()) {
      return Status::InvalidArgument(tsv.string() + ":" + std::to_string(number) + ": empty file or URL");
    }
    if (file.is_relative()) file = tsv.parent_path() / file;
    map[std::filesystem::weakly_canonical(file)] = url;
  }
  return map;
}

namespace {

// A file read, on its way to a parse worker.
struct IngestPage {
  std::filesystem::path file;
  store::RawResponse response;
};

// What the writer does for one file: store its page (and write its WARC record), or note why it was
// skipped.
struct IngestItem {
  std::filesystem::path file;
  std::optional<store::PageObservation> page;
  std::optional<store::RawResponse> warc;  // kept for the WARC writer only
  std::string problem;                     // a file skipped before parsing
};

}  // namespace

Result<IngestReport> IngestFiles(const extract::SelectorProgram& program,
                                 const std::vector<std::filesystem::path>& files, const IngestOptions& options,
                                 store::PageWriter& writer, store::WarcWriter* warc, store::RunLog* runs) {
  SystemClock system_clock;
  const Clock& clock = options.clock ? *options.clock : system_clock;
  if (!options.url.empty() && files.size() != 1) {
    return Status::InvalidArgument("--url names the URL of one file; use --url-map for several");
  }
  int64_t run_id = 0;
  if (runs) {
    auto id = runs->BeginRun({"ingest", program.config().key, clock.Now()});
    if (!id.ok()) return id.status();
    run_id = *id;
  }
  IngestReport report;
  // The writer's: the first storage error, after which nothing more is stored (and reading stops).
  Status fatal;
  std::atomic<bool> failed{false};
  auto parse = [&](int, IngestPage& in) -> std::optional<internal::ParsePipeline<IngestPage, IngestItem>::Parsed> {
    IngestItem item;
    item.file = std::move(in.file);
    const std::size_t body_bytes = in.response.body.size();
    const std::string url = in.response.url;
    store::PageObservation page =
        ObservePage(program, warc ? in.response : std::move(in.response), options.archive);
    if (page.page_type.empty()) {
      spdlog::warn("{}: no page type of site {} matches {}", item.file.string(), page.site, url);
    }
    if (!page.failure_reason.empty()) spdlog::warn("{}: {}", item.file.string(), page.failure_reason);
    // The records and the rest of the observation are estimated at the body's size (and its archived copy).
    std::size_t bytes = body_bytes * (options.archive ? 2 : 1);
    if (warc) {
      bytes += body_bytes;
      item.warc = std::move(in.response);
    }
    item.page = std::move(page);
    return {{std::move(item), bytes}};
  };
  auto write = [&](IngestItem& item) {
    if (failed) return;
    if (!item.page) {
      report.problems.push_back(item.file.string() + ": " + item.problem);
      ++report.skipped;
      return;
    }
    Status s = writer.PutPage(*item.page);
    if (!s.ok()) {
      if (s.code() != StatusCode::kInvalidArgument) {  // the store itself is in trouble
        fatal = s;
        failed = true;
        return;
      }
      report.problems.push_back(item.file.string() + ": " + s.message());
      ++report.skipped;
      return;
    }
    ++report.stored;
    if (!item.page->failure_reason.empty()) ++report.failed;
    if (warc) {
      Status w = warc->WriteResponse(*item.warc);
      if (!w.ok()) {
        fatal = w;
        failed = true;
      }
    }
  };
  internal::ParsePipelineOptions pipeline_options;
  pipeline_options.ordered = true;
  internal::ParsePipeline<IngestPage, IngestItem> pipeline(pipeline_options, parse, write, [](bool) {});
  pipeline.Start(internal::ParseWorkerCount(options.workers));
  auto skip = [&](const std::filesystem::path& file, std::string problem) {
    IngestItem item;
    item.file = file;
    item.problem = std::move(problem);
    pipeline.Write(std::move(item), 0);
  };
  for (const auto& file : files) {
    if (failed) break;
    ++report.files;
    std::string url = options.url;
    std::string fetched_text;
    if (url.empty() && options.url_map) {
      auto it = options.url_map->find(std::filesystem::weakly_canonical(file));
      if (it != options.url_map->end()) url = it->second;
    }
    std::string expected_url;
    FromExpectedJson(file, expected_url, fetched_text);
    if (url.empty()) url = expected_url;
    if (url.empty()) {
      skip(file, "no URL (--url, --url-map, or a sibling .expected.json)");
      continue;
    }
    IngestPage page;
    page.file = file;
    store::RawResponse& response = page.response;
    response.url = url;
    response.status = 200;
    if (!ReadBytes(file, response.body)) {
      skip(file, "cannot read");
      continue;
    }
    response.fetched_at = clock.Now();
    if (options.fetched_at) {
      response.fetched_at = *options.fetched_at;
    } else if (!fetched_text.empty() && !ParseIso8601(fetched_text, &response.fetched_at)) {
      response.fetched_at = clock.Now();
    }
    const std::size_t bytes = response.body.size();
    report.bytes += static_cast<int64_t>(bytes);
    pipeline.Parse(std::move(page), bytes);
  }
  pipeline.Finish();
  if (!fatal.ok()) return fatal;
  Status s = writer.Flush();
  if (!s.ok()) return s;
  if (runs) {
    store::RunStats stats;
    stats.finished_at = clock.Now();
    stats.outcome = report.skipped ? "partial" : "ok";
    stats.pages_fetched = report.files;
    stats.pages_stored = report.stored;
    stats.pages_failed = report.failed;
    stats.bytes_fetched = report.bytes;
    stats.extra = {{"skipped", report.skipped}};
    s = runs->FinishRun(run_id, stats);
    if (!s.ok()) return s;
  }
  return report;
}

}  // namespace hc::crawl
