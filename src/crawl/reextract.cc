// Reextract (raw archive -> store): the archived responses through the crawl's parse workers and single
// writer (parse_pipeline.h), in ordered mode, so that the store sees the pages in the order the archive
// lists them and a run on N workers stores exactly what a run on one stores. This thread reads the
// archive, paced by the pipeline's byte-bounded queues.
#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "crawl/crawl.h"
#include "crawl/parse_pipeline.h"

namespace hc::crawl {
namespace {

struct ArchivedPage {
  const extract::SelectorProgram* program = nullptr;
  store::RawResponse response;
};

using Pipeline = internal::ParsePipeline<ArchivedPage, store::PageObservation>;

}  // namespace

Result<ReextractReport> Reextract(const std::vector<const extract::SelectorProgram*>& programs,
                                  store::RawArchive& archive, store::PageWriter& writer,
                                  const store::RawQuery& query, const ReextractOptions& options) {
  SystemClock system_clock;
  const Clock& now = options.clock ? *options.clock : system_clock;
  std::map<std::string, const extract::SelectorProgram*, std::less<>> by_site;
  std::string sites;
  for (const auto* p : programs) {
    by_site[p->config().key] = p;
    sites += (sites.empty() ? "" : ",") + p->config().key;
  }
  int64_t run_id = 0;
  if (options.runs) {
    auto id = options.runs->BeginRun({"reextract", sites, now.Now()});
    if (!id.ok()) return id.status();
    run_id = *id;
  }
  auto ids = archive.ListRawResponses(query);
  if (!ids.ok()) return ids.status();
  ReextractReport report;

  // The archive and the writer are usually one database connection: this thread reads while the
  // writer thread writes, one call at a time.
  std::mutex store_mu;
  Status fatal;  // the writer's first storage error; nothing is stored after it
  std::atomic<bool> failed{false};
  auto parse = [](int, ArchivedPage& page) -> std::optional<Pipeline::Parsed> {
    // The records and the rest of the observation are estimated at the body's size.
    const std::size_t bytes = page.response.body.size();
    return {{ObservePage(*page.program, std::move(page.response), /*archive=*/false), bytes}};
  };
  auto write = [&](store::PageObservation& page) {
    if (failed) return;
    Status s;
    {
      std::lock_guard lock(store_mu);
      s = writer.PutPage(page);
    }
    if (!s.ok()) {
      fatal = s;
      failed = true;
      return;
    }
    ++report.stored;
    if (!page.failure_reason.empty()) ++report.failed;
  };
  internal::ParsePipelineOptions pipeline_options;
  pipeline_options.ordered = true;
  Pipeline pipeline(pipeline_options, parse, write, [](bool) {});
  pipeline.Start(internal::ParseWorkerCount(options.workers));
  Status read_error;
  for (int64_t id : *ids) {
    if (failed) break;
    Result<store::ArchivedResponse> archived = [&] {
      std::lock_guard lock(store_mu);
      return archive.GetRawResponse(id);
    }();
    if (!archived.ok()) {
      read_error = archived.status();
      break;
    }
    ++report.responses;
    auto it = by_site.find(archived->site);
    if (it == by_site.end()) {
      ++report.skipped;
      continue;
    }
    const std::size_t bytes = archived->response.body.size();
    pipeline.Parse({it->second, std::move(archived->response)}, bytes);
  }
  // What was read before an error is still stored, as a one-thread run would have stored it.
  pipeline.Finish();
  if (!fatal.ok()) return fatal;
  if (!read_error.ok()) return read_error;
  Status s = writer.Flush();
  if (!s.ok()) return s;
  if (options.runs) {
    store::RunStats stats;
    stats.finished_at = now.Now();
    stats.pages_stored = report.stored;
    stats.pages_failed = report.failed;
    stats.extra = {{"responses", report.responses}, {"skipped", report.skipped}};
    s = options.runs->FinishRun(run_id, stats);
    if (!s.ok()) return s;
  }
  return report;
}

}  // namespace hc::crawl
