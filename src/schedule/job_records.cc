// Jobs in the database: the mapping between a JobSpec (what the jobs file and `schedule add` define)
// and a store::JobRecord (a row of the `jobs` table), and the loading of a jobs file into the table.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <set>
#include <string>

#include "core/url.h"
#include "schedule/schedule.h"

namespace hc::schedule {
namespace {

std::filesystem::path Absolute(const std::filesystem::path& path) {
  if (path.empty()) return path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal();
}

}  // namespace

// [A-Za-z0-9][A-Za-z0-9._-]{0,63}, checked by hand: no regex engine for a 64-character name.
bool IsValidJobName(std::string_view name) {
  auto alnum = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (name.empty() || name.size() > 64 || !alnum(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '.' || c == '_' || c == '-'; });
}

Status CheckExportPath(std::string_view path) {
  if (path.empty()) return Status::InvalidArgument("export path is empty");
  size_t pos = 0;
  while ((pos = path.find_first_of("{}", pos)) != std::string_view::npos) {
    const size_t close = path.find('}', pos);
    if (path[pos] == '}' || close == std::string_view::npos) {
      return Status::InvalidArgument("column " + std::to_string(pos + 1) + ": unbalanced brace in export path '" +
                                     std::string(path) + "'");
    }
    const std::string_view name = path.substr(pos + 1, close - pos - 1);
    if (name != "job" && name != "site" && name != "date" && name != "time") {
      return Status::InvalidArgument("column " + std::to_string(pos + 1) + ": unknown placeholder {" +
                                     std::string(name) + "} in export path (known: {job} {site} {date} {time})");
    }
    pos = close + 1;
  }
  return Status::Ok();
}

Status CheckJobUrl(std::string_view url) {
  if (url.size() > 8192) {
    return Status::InvalidArgument("a URL of " + std::to_string(url.size()) + " bytes is longer than 8192 bytes");
  }
  auto parsed = Url::Parse(url);
  if (!parsed.ok() || !parsed->is_http()) {
    return Status::InvalidArgument("'" + std::string(url) + "' is not an absolute http(s) URL");
  }
  if (!parsed->username().empty() || !parsed->password().empty()) {
    return Status::InvalidArgument("'" + std::string(url) + "' carries credentials (user:pass@), which are never sent");
  }
  return Status::Ok();
}

store::JobRecord ToJobRecord(const JobSpec& job, std::string_view source, const std::filesystem::path& source_file) {
  store::JobRecord record;
  record.name = job.name;
  record.site = job.site;
  record.cron = job.schedule.text();
  record.time_zone = job.time_zone;
  record.missed = std::string(ToString(job.missed));
  record.source = std::string(source);
  if (source == "file") {
    record.paused_in_file = job.paused;
    record.source_file = Absolute(source_file).string();
  } else {
    record.paused = job.paused;
  }
  store::Json options = store::Json::object();
  if (job.options.max_pages) options["max_pages"] = *job.options.max_pages;
  options["recrawl"] = std::string(ToString(job.options.recrawl));
  if (job.options.export_to) {
    options["export"] = {{"format", std::string(ToString(job.options.export_to->format))},
                         {"out", Absolute(job.options.export_to->out).string()}};
  }
  if (!job.options.start_urls.empty()) options["start_urls"] = job.options.start_urls;
  if (job.options.delay_seconds) options["delay"] = *job.options.delay_seconds;
  if (job.options.concurrency) options["concurrency"] = *job.options.concurrency;
  if (!job.options.read_sitemaps) {
    options["sitemaps"] = false;
  } else if (job.options.sitemaps) {
    options["sitemaps"] = *job.options.sitemaps;
  }
  const crawl::CrawlOptions::RequestOverrides& request = job.options.request;
  if (request.user_agent || !request.headers.empty() || request.cookie_jar || request.proxy) {
    store::Json r = store::Json::object();
    if (request.user_agent) r["user_agent"] = *request.user_agent;
    if (!request.headers.empty()) r["headers"] = request.headers;  // [[name, value], ...]: order kept
    if (request.cookie_jar) r["cookie_jar"] = Absolute(*request.cookie_jar).string();
    if (request.proxy) r["proxy"] = *request.proxy;
    options["request"] = std::move(r);
  }
  if (!job.options.webhook.url.empty()) {
    options["webhook"] = {{"url", job.options.webhook.url},
                          {"allow_private_addresses", job.options.webhook.allow_private_addresses}};
  }
  record.options = std::move(options);
  return record;
}

Result<JobSpec> FromJobRecord(const store::JobRecord& record) {
  const std::string where = "job '" + record.name + "': ";
  JobSpec job;
  job.name = record.name;
  job.site = record.site;
  auto schedule = CronSchedule::Parse(record.cron);
  if (!schedule.ok()) return Status::InvalidArgument(where + "cron: " + schedule.status().message());
  job.schedule = std::move(*schedule);
  job.time_zone = record.time_zone;
  auto zone = LocateTimeZone(record.time_zone);
  if (!zone.ok()) return Status::InvalidArgument(where + zone.status().message());
  job.zone = *zone;
  if (record.missed == "skip") {
    job.missed = MissedRunPolicy::kSkip;
  } else if (record.missed == "run_once") {
    job.missed = MissedRunPolicy::kRunOnce;
  } else {
    return Status::InvalidArgument(where + "missed must be skip or run_once, not '" + record.missed + "'");
  }
  job.paused = record.paused || record.paused_in_file;
  const store::Json& options = record.options;
  if (auto it = options.find("max_pages"); it != options.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > INT32_MAX) {
      return Status::InvalidArgument(where + "max_pages must be a whole number >= 0");
    }
    job.options.max_pages = it->get<int>();
  }
  const std::string recrawl = options.value("recrawl", std::string("due"));
  if (recrawl == "due") {
    job.options.recrawl = RecrawlPolicy::kDue;
  } else if (recrawl == "all") {
    job.options.recrawl = RecrawlPolicy::kAll;
  } else {
    return Status::InvalidArgument(where + "recrawl must be due or all, not '" + recrawl + "'");
  }
  if (auto it = options.find("export"); it != options.end() && it->is_object()) {
    ExportSpec spec;
    const std::string format = it->value("format", std::string("jsonl"));
    if (format == "jsonl") {
      spec.format = ExportFormat::kJsonl;
    } else if (format == "csv") {
      spec.format = ExportFormat::kCsv;
    } else {
      return Status::InvalidArgument(where + "export format must be jsonl or csv, not '" + format + "'");
    }
    spec.out = it->value("out", std::string());
    Status path_ok = CheckExportPath(spec.out.string());
    if (!path_ok.ok()) return Status::InvalidArgument(where + path_ok.message());
    job.options.export_to = std::move(spec);
  }
  // A list of URLs under `key`, each one usable (the row may come from an older or hand-edited database).
  auto urls = [&](const store::Json& list, const char* key) -> Result<std::vector<std::string>> {
    if (!list.is_array() || list.size() > kMaxJobUrls) return Status::InvalidArgument(where + key + " must be a list of URLs");
    std::vector<std::string> out;
    for (const store::Json& url : list) {
      if (!url.is_string()) return Status::InvalidArgument(where + key + " must be a list of URLs");
      Status usable = CheckJobUrl(url.get<std::string>());
      if (!usable.ok()) return Status::InvalidArgument(where + key + ": " + usable.message());
      out.push_back(url.get<std::string>());
    }
    return out;
  };
  if (auto it = options.find("start_urls"); it != options.end()) {
    auto list = urls(*it, "start_urls");
    if (!list.ok()) return list.status();
    job.options.start_urls = std::move(*list);
  }
  if (auto it = options.find("delay"); it != options.end()) {
    if (!it->is_number() || !(it->get<double>() >= 0 && it->get<double>() <= kMaxJobDelaySeconds)) {
      return Status::InvalidArgument(where + "delay must be a number of seconds from 0 to 3600");
    }
    job.options.delay_seconds = it->get<double>();
  }
  if (auto it = options.find("concurrency"); it != options.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 1 || it->get<int64_t>() > kMaxJobConcurrency) {
      return Status::InvalidArgument(where + "concurrency must be a whole number from 1 to 64");
    }
    job.options.concurrency = it->get<int>();
  }
  if (auto it = options.find("sitemaps"); it != options.end()) {
    if (it->is_boolean()) {
      job.options.read_sitemaps = it->get<bool>();
    } else {
      auto list = urls(*it, "sitemaps");
      if (!list.ok()) return list.status();
      job.options.sitemaps = std::move(*list);
    }
  }
  if (auto it = options.find("request"); it != options.end() && it->is_object()) {
    crawl::CrawlOptions::RequestOverrides& request = job.options.request;
    auto text = [&](const char* key) -> std::optional<std::string> {
      auto v = it->find(key);
      return v != it->end() && v->is_string() ? std::optional(v->get<std::string>()) : std::nullopt;
    };
    request.user_agent = text("user_agent");
    request.cookie_jar = text("cookie_jar");
    request.proxy = text("proxy");
    if (auto h = it->find("headers"); h != it->end() && h->is_array()) {
      for (const auto& pair : *h) {
        if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
          request.headers.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
        }
      }
    }
  }
  if (auto it = options.find("webhook"); it != options.end() && it->is_object()) {
    auto url = it->find("url");
    auto allow = it->find("allow_private_addresses");
    if (url != it->end() && url->is_string()) job.options.webhook.url = url->get<std::string>();
    job.options.webhook.allow_private_addresses = allow != it->end() && allow->is_boolean() && allow->get<bool>();
  }
  return job;
}

Result<SyncReport> SyncJobsFile(const JobsFile& file, const std::filesystem::path& path, store::JobStore& jobs,
                                TimePoint now) {
  const std::string source_file = Absolute(path).string();
  auto existing = jobs.ListJobs();
  if (!existing.ok()) return existing.status();
  // Every conflict is found before anything is written.
  std::set<std::string> known;
  for (const JobSpec& job : file.jobs) {
    auto it = std::find_if(existing->begin(), existing->end(),
                           [&](const store::JobRecord& r) { return r.name == job.name; });
    if (it == existing->end()) continue;
    known.insert(job.name);
    if (it->source == "file" && it->source_file == source_file) continue;
    const std::string owner = it->source == "cli" ? "added with `healthcrawl schedule add`"
                                                  : "loaded from " + it->source_file;
    return Status::ConfigError(file.file + ":" + std::to_string(job.mark.line) + ":" + std::to_string(job.mark.column) +
                               ": job '" + job.name + "' already exists in the database (" + owner +
                               "); remove it with `healthcrawl schedule remove " + job.name + "` or rename it");
  }
  SyncReport report;
  for (const JobSpec& job : file.jobs) {
    Status put = jobs.PutJob(ToJobRecord(job, "file", path), now);
    if (!put.ok()) return put;
    if (known.count(job.name)) {
      ++report.updated;
    } else {
      ++report.added;
    }
  }
  for (const store::JobRecord& record : *existing) {
    if (record.source != "file" || record.source_file != source_file) continue;
    if (file.Find(record.name) != nullptr) continue;
    auto removed = jobs.RemoveJob(record.name);
    if (!removed.ok()) return removed.status();
    if (*removed) ++report.removed;
  }
  return report;
}

}  // namespace hc::schedule
