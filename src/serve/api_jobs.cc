// /api/v1/jobs: list, add, pause, resume, remove, run now (docs/api.md, "Jobs"). A job added here is
// checked by the jobs file loader itself (the body is a jobs file entry in JSON, which is YAML), so
// the API accepts exactly what `schedule add` and jobs.yaml accept, minus the keys that name files
// on the server.
#include <chrono>
#include <string>
#include <string_view>

#include "serve/serve_internal.h"

namespace hc::serve::internal {
namespace {

json RunSummary(const store::RunRecord& run) {
  json out = {{"id", run.id},
              {"command", run.info.command},
              {"started_at", FormatUtc(run.info.started_at)},
              {"finished_at", nullptr},
              {"outcome", nullptr},
              {"pages_fetched", run.stats.pages_fetched},
              {"pages_stored", run.stats.pages_stored},
              {"pages_failed", run.stats.pages_failed}};
  if (run.finished) {
    out["finished_at"] = FormatUtc(run.stats.finished_at);
    out["outcome"] = run.stats.outcome;
  }
  return out;
}

json JobJson(const store::JobRecord& job) {
  return {{"name", job.name},
          {"site", job.site},
          {"schedule", job.cron},
          {"time_zone", job.time_zone},
          {"missed", job.missed},
          {"paused", job.paused},
          {"paused_in_file", job.paused_in_file},
          {"source", job.source},
          {"options", json::parse(job.options.dump())}};
}

// Keys that would make the server read or write a file the request names: refused over HTTP.
std::string FileKeyIn(const json& body) {
  const auto options = body.find("options");
  if (options == body.end() || !options->is_object()) return "";
  if (options->contains("export")) return "options.export";
  const auto request = options->find("request");
  if (request != options->end() && request->is_object() && request->contains("cookie_jar")) {
    return "options.request.cookie_jar";
  }
  return "";
}

}  // namespace

ApiResponse Api::ListJobs() {
  std::lock_guard lock(store_mu_);
  auto jobs = store_.ListJobs();
  if (!jobs.ok()) return StoreError(jobs.status());
  auto locks = store_.ListJobLocks();
  if (!locks.ok()) return StoreError(locks.status());
  const TimePoint now = Now();
  json out = json::array();
  for (const store::JobRecord& record : *jobs) {
    json job = JobJson(record);
    job["next_run"] = nullptr;
    job["state"] = record.paused ? "paused" : (record.paused_in_file ? "paused (in file)" : "active");
    auto spec = schedule::FromJobRecord(record);
    if (!spec.ok()) {
      job["state"] = "broken";
      job["error"] = spec.status().message();
    } else if (!spec->paused) {
      // As the scheduler sees it: fire times after the later of now and what it dealt with.
      TimePoint from = now;
      if (record.checked_through && *record.checked_through > from) from = *record.checked_through;
      const TimePoint next = spec->NextAfter(from);
      if (next != schedule::kNever) job["next_run"] = FormatUtc(next);
    }
    job["running"] = nullptr;
    for (const store::JobLock& held : *locks) {
      if (held.job != record.name) continue;
      job["state"] = "running";
      job["running"] = {{"owner", held.owner},
                        {"run_id", held.run_id},
                        {"since", FormatUtc(held.acquired_at)},
                        {"heartbeat_at", FormatUtc(held.heartbeat_at)}};
    }
    auto last = store_.ListRuns(record.name, /*include_manual=*/false, 1);
    if (!last.ok()) return StoreError(last.status());
    job["last_run"] = last->empty() ? json(nullptr) : RunSummary(last->front());
    out.push_back(std::move(job));
  }
  return Json({{"jobs", out}});
}

ApiResponse Api::AddJob(const ApiRequest& request) {
  if (request.content_type.rfind("application/json", 0) != 0) {
    return Error(415, "unsupported_media_type", "send the job as Content-Type: application/json");
  }
  const json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return Error(400, "bad_json",
                 "the body must be a JSON object (a jobs file entry: name, site, schedule, ...)");
  }
  if (const std::string key = FileKeyIn(body); !key.empty()) {
    return Error(
        400, "invalid_job",
        key + " names a file on the server and is not accepted over HTTP; use `healthcrawl schedule add`");
  }
  // A jobs file of this one job, in JSON (YAML 1.2 is a superset): the loader checks names, sites,
  // cron, zone, policies and options exactly as for jobs.yaml.
  const json file = {{"jobs", json::array({body})}};
  auto parsed = schedule::ParseJobsFile(file.dump(-1, ' ', false, json::error_handler_t::replace), "request");
  if (!parsed.ok()) return Error(400, "invalid_job", parsed.status().message());
  if (parsed->jobs.size() != 1) return Error(400, "invalid_job", "the body must describe one job");
  Status sites = schedule::CheckSites(*parsed, ConfiguredSites());
  if (!sites.ok()) return Error(400, "unknown_site", sites.message());
  const schedule::JobSpec& spec = parsed->jobs.front();

  std::lock_guard lock(store_mu_);
  auto existing = store_.GetJob(spec.name);
  if (!existing.ok()) return StoreError(existing.status());
  if (existing->has_value()) {
    return Error(409, "job_exists", "a job named '" + spec.name + "' exists already (remove it first)");
  }
  Status put = store_.PutJob(schedule::ToJobRecord(spec, "cli", {}), Now());
  if (!put.ok()) return StoreError(put);
  auto added = store_.GetJob(spec.name);
  if (!added.ok()) return StoreError(added.status());
  if (!added->has_value()) return Error(500, "storage_error", "the job was not stored");
  return Json({{"job", JobJson(**added)}}, 201);
}

ApiResponse Api::JobAction(const std::string& name, std::string_view action, const std::string& method) {
  (void)method;
  if (!schedule::IsValidJobName(name)) return Error(404, "no_such_job", "no job named '" + name + "'");
  if (action == "run") {
    // Not under store_mu_: the run has a connection of its own, and the wait for it to be recorded
    // must not hold up other requests.
    auto run = launcher_.Launch(name, std::chrono::seconds(30));
    if (run.ok()) return Json({{"job", name}, {"run_id", *run}}, 202);
    switch (run.status().code()) {
      case StatusCode::kNotFound:
        return Error(404, "no_such_job", run.status().message());
      case StatusCode::kBusy:
        return Error(409, "job_running", run.status().message());
      case StatusCode::kInvalidArgument:
        return Error(422, "job_broken", run.status().message());
      default:
        return StoreError(run.status());
    }
  }
  std::lock_guard lock(store_mu_);
  Result<bool> done = false;
  if (action == "remove") {
    done = store_.RemoveJob(name);
  } else {
    done = store_.SetJobPaused(name, action == "pause", Now());
  }
  if (!done.ok()) return StoreError(done.status());
  if (!*done) return Error(404, "no_such_job", "no job named '" + name + "'");
  if (action == "remove") return Json({{"removed", name}});
  auto job = store_.GetJob(name);
  if (!job.ok()) return StoreError(job.status());
  if (!job->has_value()) return Error(404, "no_such_job", "no job named '" + name + "'");
  return Json({{"job", JobJson(**job)}});
}

}  // namespace hc::serve::internal
