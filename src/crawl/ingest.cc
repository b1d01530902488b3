// Ingest (saved pages -> store) and reextract (raw archive -> store): the same decode, parse, extract,
// store pipeline as a live crawl, without the network.
#include <spdlog/spdlog.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "core/url.h"
#include "crawl/crawl.h"
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

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

store::PageObservation ObservePage(const extract::SelectorProgram& program, const store::RawResponse& response,
                                   bool archive) {
  // One pipeline for live pages and stored ones: the crawl's ObserveResponse, minus the links.
  return ObserveResponse(program, response, archive).page;
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
    if (Trim(line).empty() || Trim(line)[0] == '#') continue;
    const auto tab = line.find('\t');
    if (tab == std::string::npos) {
      return Status::InvalidArgument(tsv.string() + ":" + std::to_string(number) +
                                     ": expected \"<file>\\t<url>\"");
    }
    std::filesystem::path file = Trim(line.substr(0, tab));
    const std::string url = Trim(line.substr(tab + 1));
    if (file.empty() || url.empty()) {
      return Status::InvalidArgument(tsv.string() + ":" + std::to_string(number) + ": empty file or URL");
    }
    if (file.is_relative()) file = tsv.parent_path() / file;
    map[std::filesystem::weakly_canonical(file)] = url;
  }
  return map;
}

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
  for (const auto& file : files) {
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
      report.problems.push_back(file.string() + ": no URL (--url, --url-map, or a sibling .expected.json)");
      ++report.skipped;
      continue;
    }
    store::RawResponse response;
    response.url = url;
    response.status = 200;
    if (!ReadBytes(file, response.body)) {
      report.problems.push_back(file.string() + ": cannot read");
      ++report.skipped;
      continue;
    }
    response.fetched_at = clock.Now();
    if (options.fetched_at) {
      response.fetched_at = *options.fetched_at;
    } else if (!fetched_text.empty() && !ParseIso8601(fetched_text, &response.fetched_at)) {
      response.fetched_at = clock.Now();
    }
    report.bytes += static_cast<int64_t>(response.body.size());

    store::PageObservation page = ObservePage(program, response, options.archive);
    if (page.page_type.empty()) spdlog::warn("{}: no page type of site {} matches {}", file.string(), page.site, url);
    if (!page.failure_reason.empty()) spdlog::warn("{}: {}", file.string(), page.failure_reason);
    Status s = writer.PutPage(page);
    if (!s.ok()) {
      if (s.code() != StatusCode::kInvalidArgument) return s;  // the store itself is in trouble
      report.problems.push_back(file.string() + ": " + s.message());
      ++report.skipped;
      continue;
    }
    ++report.stored;
    if (!page.failure_reason.empty()) ++report.failed;
    if (warc) {
      Status w = warc->WriteResponse(response);
      if (!w.ok()) return w;
    }
  }
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

Result<ReextractReport> Reextract(const std::vector<const extract::SelectorProgram*>& programs,
                                  store::RawArchive& archive, store::PageWriter& writer,
                                  const store::RawQuery& query, store::RunLog* runs, const Clock* clock) {
  SystemClock system_clock;
  const Clock& now = clock ? *clock : system_clock;
  std::map<std::string, const extract::SelectorProgram*, std::less<>> by_site;
  std::string sites;
  for (const auto* p : programs) {
    by_site[p->config().key] = p;
    sites += (sites.empty() ? "" : ",") + p->config().key;
  }
  int64_t run_id = 0;
  if (runs) {
    auto id = runs->BeginRun({"reextract", sites, now.Now()});
    if (!id.ok()) return id.status();
    run_id = *id;
  }
  auto ids = archive.ListRawResponses(query);
  if (!ids.ok()) return ids.status();
  ReextractReport report;
  for (int64_t id : *ids) {
    auto archived = archive.GetRawResponse(id);
    if (!archived.ok()) return archived.status();
    ++report.responses;
    auto it = by_site.find(archived->site);
    if (it == by_site.end()) {
      ++report.skipped;
      continue;
    }
    store::PageObservation page = ObservePage(*it->second, archived->response, /*archive=*/false);
    Status s = writer.PutPage(page);
    if (!s.ok()) return s;
    ++report.stored;
    if (!page.failure_reason.empty()) ++report.failed;
  }
  Status s = writer.Flush();
  if (!s.ok()) return s;
  if (runs) {
    store::RunStats stats;
    stats.finished_at = now.Now();
    stats.pages_stored = report.stored;
    stats.pages_failed = report.failed;
    stats.extra = {{"responses", report.responses}, {"skipped", report.skipped}};
    s = runs->FinishRun(run_id, stats);
    if (!s.ok()) return s;
  }
  return report;
}

}  // namespace hc::crawl
