// jobs.yaml: the loader and its checks. yaml-cpp's exceptions stay in here; every problem becomes a
// kConfigError "file:line:column: ..." pointing at the offending key or value (yaml-cpp marks are
// 0-based, messages are 1-based like a compiler's).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/request_fields.h"
#include "schedule/schedule.h"
#include "schedule/schedule_internal.h"

namespace hc::schedule {
namespace {

constexpr std::string_view kTopKeys[] = {"jobs"};
constexpr std::string_view kJobKeys[] = {"name", "site", "schedule", "time_zone", "missed", "options", "paused"};
constexpr std::string_view kOptionKeys[] = {"max_pages", "recrawl",     "export",   "start_urls",
                                            "delay",     "concurrency", "sitemaps", "request", "webhook"};
constexpr std::string_view kWebhookKeys[] = {"url", "allow_private_addresses"};
constexpr std::string_view kRequestKeys[] = {"user_agent", "headers", "cookie_jar", "proxy"};
constexpr std::string_view kExportKeys[] = {"format", "out"};
constexpr std::string_view kPlaceholders[] = {"job", "site", "date", "time"};

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

template <size_t N>
std::string KnownList(const std::string_view (&known)[N]) {
  std::string out;
  for (std::string_view k : known) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

struct ParseFailure {
  Status status;
};

class JobsLoader {
 public:
  JobsLoader(std::string_view yaml, std::string_view file_name) : source_(yaml), file_(file_name) {}

  // Throws ParseFailure (caught in Load) so that the checks below read straight down.
  JobsFile Load() {
    YAML::Node root = YAML::Load(std::string(source_));
    JobsFile result;
    result.file = file_;
    if (!root.IsDefined() || root.IsNull()) Fail(root, "the file is empty; expected a map with a 'jobs' list");
    if (!root.IsMap()) Fail(root, "expected a map with a 'jobs' list");
    std::optional<YAML::Node> found;
    for (const auto& [key, value] : Entries(root)) {
      if (key.Scalar() != "jobs") Fail(key, "unknown key '" + key.Scalar() + "'" + Suggest(key.Scalar(), kTopKeys));
      found = value;
    }
    if (!found) Fail(root, "missing 'jobs'");
    YAML::Node jobs = *found;
    if (jobs.IsNull()) return result;
    if (!jobs.IsSequence()) Fail(jobs, "'jobs' must be a list");
    std::map<std::string, int> first_line;
    for (size_t i = 0; i < jobs.size(); ++i) {
      JobSpec job = LoadJob(jobs[i], i + 1);
      auto [it, inserted] = first_line.emplace(job.name, job.mark.line);
      if (!inserted) {
        Fail(jobs[i]["name"],
             "duplicate job name '" + job.name + "' (first defined at line " + std::to_string(it->second) + ")");
      }
      result.jobs.push_back(std::move(job));
    }
    return result;
  }

 private:
  using Entry = std::pair<YAML::Node, YAML::Node>;

  JobSpec LoadJob(const YAML::Node& node, size_t index) {
    if (!node.IsMap()) Fail(node, "job " + std::to_string(index) + " must be a map");
    JobSpec job;
    job.mark = MarkOf(node);
    std::vector<Entry> entries = Entries(node);
    for (const auto& [key, value] : entries) {
      if (std::find(std::begin(kJobKeys), std::end(kJobKeys), key.Scalar()) == std::end(kJobKeys)) {
        Fail(key, "unknown key '" + key.Scalar() + "' in a job" + Suggest(key.Scalar(), kJobKeys) +
                      " (known: " + KnownList(kJobKeys) + ")");
      }
    }
    // A key given as `key:` with no value counts as absent.
    auto find = [&](std::string_view key) -> std::optional<YAML::Node> {
      for (const auto& [k, v] : entries) {
        if (k.Scalar() == key && !v.IsNull()) return v;
      }
      return std::nullopt;
    };
    auto required = [&](std::string_view key) {
      std::optional<YAML::Node> value = find(key);
      if (!value) Fail(node, "job " + std::to_string(index) + " is missing '" + std::string(key) + "'");
      return *value;
    };

    YAML::Node name = required("name");
    job.name = ScalarOf(name, "name");
    if (!IsValidJobName(job.name)) {
      Fail(name, "job name '" + job.name +
                     "' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }

    YAML::Node site = required("site");
    job.site = ScalarOf(site, "site");
    job.site_mark = MarkOf(site);
    const bool site_key = !job.site.empty() && std::all_of(job.site.begin(), job.site.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!site_key) {
      Fail(site, "site '" + job.site + "' is not a selector config key ([a-z0-9_-]+)");
    }

    YAML::Node schedule = required("schedule");
    std::string expr = ScalarOf(schedule, "schedule");
    CronSyntaxError cron_error;
    std::optional<CronSchedule> parsed = CronParser::Parse(expr, &cron_error);
    if (!parsed) FailInScalar(schedule, expr, cron_error.column, "schedule: " + cron_error.what);
    job.schedule = std::move(*parsed);

    if (std::optional<YAML::Node> zone = find("time_zone")) {
      job.time_zone = ScalarOf(*zone, "time_zone");
      Result<const date::time_zone*> located = LocateTimeZone(job.time_zone);
      if (job.time_zone.empty() || !located.ok()) Fail(*zone, "unknown time zone '" + job.time_zone + "'");
      job.zone = *located;
    } else {
      Result<const date::time_zone*> machine = LocateTimeZone("");
      if (!machine.ok()) Fail(node, machine.status().message() + "; give the job a time_zone");
      job.zone = *machine;
    }

    if (std::optional<YAML::Node> missed = find("missed")) {
      std::string text = ScalarOf(*missed, "missed");
      if (text == "skip") {
        job.missed = MissedRunPolicy::kSkip;
      } else if (text == "run_once") {
        job.missed = MissedRunPolicy::kRunOnce;
      } else {
        Fail(*missed, "missed must be skip or run_once, not '" + text + "'");
      }
    }

    if (std::optional<YAML::Node> paused = find("paused")) job.paused = BoolOf(*paused, "paused");
    if (std::optional<YAML::Node> options = find("options")) job.options = LoadOptions(*options);
    return job;
  }

  JobOptions LoadOptions(const YAML::Node& node) {
    if (!node.IsMap()) Fail(node, "options must be a map (" + KnownList(kOptionKeys) + ")");
    JobOptions options;
    for (const auto& [key, value] : Entries(node)) {
      const std::string& k = key.Scalar();
      if (value.IsNull()) continue;
      if (k == "max_pages") {
        std::string text = ScalarOf(value, "max_pages");
        int n = -1;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size() || n < 0) {
          Fail(value, "max_pages must be a whole number >= 0 (0: unlimited), not '" + text + "'");
        }
        options.max_pages = n;
      } else if (k == "recrawl") {
        std::string text = ScalarOf(value, "recrawl");
        if (text == "due") {
          options.recrawl = RecrawlPolicy::kDue;
        } else if (text == "all") {
          options.recrawl = RecrawlPolicy::kAll;
        } else {
          Fail(value, "recrawl must be due or all, not '" + text + "'");
        }
      } else if (k == "export") {
        options.export_to = LoadExport(value);
      } else if (k == "start_urls") {
        options.start_urls = UrlList(value, "start_urls");
        if (options.start_urls.empty()) Fail(value, "start_urls is empty; leave it out to use the site config's");
      } else if (k == "delay") {
        std::string text = ScalarOf(value, "delay");
        double seconds = -1;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
        if (ec != std::errc() || end != text.data() + text.size() || !(seconds >= 0 && seconds <= kMaxJobDelaySeconds)) {
          Fail(value, "delay must be a number of seconds from 0 to 3600, not '" + text + "'");
        }
        options.delay_seconds = seconds;
      } else if (k == "concurrency") {
        std::string text = ScalarOf(value, "concurrency");
        int n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxJobConcurrency) {
          Fail(value, "concurrency must be a whole number from 1 to 64, not '" + text + "'");
        }
        options.concurrency = n;
      } else if (k == "sitemaps") {
        if (value.IsSequence()) {
          options.sitemaps = UrlList(value, "sitemaps");
        } else if (!value.IsScalar() || (value.Scalar() != "false" && value.Scalar() != "true")) {
          Fail(value, "sitemaps must be a list of sitemap URLs, or false (no sitemaps at all)");
        } else {
          options.read_sitemaps = BoolOf(value, "sitemaps");
        }
      } else if (k == "request") {
        options.request = LoadRequest(value);
      } else if (k == "webhook") {
        options.webhook = LoadWebhook(value);
      } else {
        Fail(key, "unknown key '" + k + "' in options" + Suggest(k, kOptionKeys) +
                      " (known: " + KnownList(kOptionKeys) + ")");
      }
    }
    return options;
  }

  // options.webhook: the drift alarm's webhook for this job's runs, in place of the site config's
  // alerts.webhook (docs/drift.md).
  crawl::CrawlOptions::Webhook LoadWebhook(const YAML::Node& node) {
    if (!node.IsMap()) Fail(node, "webhook must be a map (" + KnownList(kWebhookKeys) + ")");
    crawl::CrawlOptions::Webhook webhook;
    for (const auto& [key, value] : Entries(node)) {
      const std::string& k = key.Scalar();
      if (value.IsNull()) continue;
      if (k == "url") {
        webhook.url = ScalarOf(value, "url");
        if (webhook.url.rfind("http://", 0) != 0 && webhook.url.rfind("https://", 0) != 0) {
          Fail(value, "webhook url must be an absolute http(s) URL, not '" + webhook.url + "'");
        }
      } else if (k == "allow_private_addresses") {
        webhook.allow_private_addresses = BoolOf(value, "allow_private_addresses");
      } else {
        Fail(key, "unknown key '" + k + "' in webhook" + Suggest(k, kWebhookKeys) + " (known: " +
                      KnownList(kWebhookKeys) + ")");
      }
    }
    if (webhook.url.empty()) Fail(node, "webhook needs a url");
    return webhook;
  }

  // options.request: as the site config's request block (docs/scheduling.md), checked the same way.
  crawl::CrawlOptions::RequestOverrides LoadRequest(const YAML::Node& node) {
    if (!node.IsMap()) Fail(node, "request must be a map (" + KnownList(kRequestKeys) + ")");
    crawl::CrawlOptions::RequestOverrides request;
    for (const auto& [key, value] : Entries(node)) {
      const std::string& k = key.Scalar();
      if (value.IsNull()) continue;
      if (k == "user_agent") {
        request.user_agent = ScalarOf(value, "user_agent");
        if (request.user_agent->empty() || !CheckHeaderValue("User-Agent", *request.user_agent).ok()) {
          Fail(value, "user_agent must be one line of text, such as 'mybot/1.0 (+mailto:me@example.org)'");
        }
      } else if (k == "headers") {
        if (!value.IsMap()) Fail(value, "headers must be a map of header name to value");
        for (const auto& [name, text] : Entries(value)) {
          if (!IsHeaderName(name.Scalar())) Fail(name, "header name '" + name.Scalar() + "' is not a token");
          std::string v = text.IsNull() ? std::string() : ScalarOf(text, name.Scalar());
          if (Status s = CheckHeaderValue(name.Scalar(), v); !s.ok()) Fail(text, s.message());
          request.headers.emplace_back(name.Scalar(), std::move(v));
        }
      } else if (k == "cookie_jar") {
        std::filesystem::path jar(ScalarOf(value, "cookie_jar"));
        if (jar.empty()) Fail(value, "cookie_jar names a file; leave it out for none");
        const std::filesystem::path base = std::filesystem::path(file_).parent_path();
        request.cookie_jar = (jar.is_relative() && !base.empty() ? base / jar : jar).string();
      } else if (k == "proxy") {
        request.proxy = ScalarOf(value, "proxy");
        if (Status s = CheckProxy(*request.proxy); !s.ok()) Fail(value, s.message());
      } else {
        Fail(key, "unknown key '" + k + "' in request" + Suggest(k, kRequestKeys) + " (known: " +
                      KnownList(kRequestKeys) + ")");
      }
    }
    return request;
  }

  ExportSpec LoadExport(const YAML::Node& node) {
    if (!node.IsMap()) Fail(node, "export must be a map with 'format' and 'out'");
    ExportSpec spec;
    std::optional<YAML::Node> format;
    std::optional<YAML::Node> out;
    for (const auto& [key, value] : Entries(node)) {
      if (value.IsNull()) continue;
      if (key.Scalar() == "format") {
        format = value;
      } else if (key.Scalar() == "out") {
        out = value;
      } else {
        Fail(key, "unknown key '" + key.Scalar() + "' in export" + Suggest(key.Scalar(), kExportKeys) +
                      " (known: " + KnownList(kExportKeys) + ")");
      }
    }
    if (!out) Fail(node, "export is missing 'out' (the output file)");
    std::string path = ScalarOf(*out, "out");
    if (path.empty()) Fail(*out, "export 'out' is empty");
    CheckPlaceholders(*out, path);

    std::string format_text;
    if (format) {
      format_text = ScalarOf(*format, "format");
    } else if (std::filesystem::path(path).extension() == ".csv") {
      format_text = "csv";
    } else if (std::filesystem::path(path).extension() == ".jsonl") {
      format_text = "jsonl";
    } else {
      Fail(node, "export needs a format (jsonl or csv); it cannot be told from '" + path + "'");
    }
    if (format_text == "jsonl") {
      spec.format = ExportFormat::kJsonl;
    } else if (format_text == "csv") {
      spec.format = ExportFormat::kCsv;
    } else {
      Fail(*format, "export format must be jsonl or csv, not '" + format_text + "'");
    }

    std::filesystem::path out_path(path);
    std::filesystem::path base = std::filesystem::path(file_).parent_path();
    spec.out = out_path.is_relative() && !base.empty() ? base / out_path : out_path;
    return spec;
  }

  // A list of start or sitemap URLs, each checked where it is written.
  std::vector<std::string> UrlList(const YAML::Node& node, const std::string& key) {
    if (!node.IsSequence()) Fail(node, key + " must be a list of http(s) URLs");
    if (node.size() > kMaxJobUrls) Fail(node, key + " holds more than " + std::to_string(kMaxJobUrls) + " URLs");
    std::vector<std::string> urls;
    for (const YAML::Node& item : node) {
      urls.push_back(ScalarOf(item, key + " entry"));
      Status usable = CheckJobUrl(urls.back());
      if (!usable.ok()) Fail(item, key + ": " + usable.message());
    }
    return urls;
  }

  void CheckPlaceholders(const YAML::Node& node, const std::string& path) {
    size_t pos = 0;
    while ((pos = path.find_first_of("{}", pos)) != std::string::npos) {
      size_t close = path.find('}', pos);
      if (path[pos] == '}' || close == std::string::npos) {
        FailInScalar(node, path, static_cast<int>(pos) + 1, "unbalanced brace in export path '" + path + "'");
      }
      std::string name = path.substr(pos + 1, close - pos - 1);
      if (std::find(std::begin(kPlaceholders), std::end(kPlaceholders), name) == std::end(kPlaceholders)) {
        FailInScalar(node, path, static_cast<int>(pos) + 1,
                     "unknown placeholder {" + name + "} in export path (known: {job} {site} {date} {time})");
      }
      pos = close + 1;
    }
  }

  // The entries of a map in order; a key given twice is an error (yaml-cpp would keep both silently).
  std::vector<Entry> Entries(const YAML::Node& map) {
    std::vector<Entry> entries;
    for (auto it = map.begin(); it != map.end(); ++it) {
      YAML::Node key = it->first;
      if (!key.IsScalar()) Fail(key, "a key must be a plain name");
      for (const Entry& seen : entries) {
        if (seen.first.Scalar() == key.Scalar()) {
          Fail(key, "key '" + key.Scalar() + "' given twice (first at line " +
                        std::to_string(seen.first.Mark().line + 1) + ")");
        }
      }
      entries.emplace_back(key, it->second);
    }
    return entries;
  }

  std::string ScalarOf(const YAML::Node& node, std::string_view key) {
    if (!node.IsScalar()) Fail(node, std::string(key) + " must be a single value");
    return node.Scalar();
  }

  bool BoolOf(const YAML::Node& node, std::string_view key) {
    std::string text = ScalarOf(node, key);
    // YAML 1.2 core schema only: "yes"/"on" are strings there, and guessing would hide typos.
    if (text == "true" || text == "True" || text == "TRUE") return true;
    if (text == "false" || text == "False" || text == "FALSE") return false;
    Fail(node, std::string(key) + " must be true or false, not '" + text + "'");
  }

  template <size_t N>
  static std::string Suggest(const std::string& key, const std::string_view (&known)[N]) {
    for (std::string_view k : known) {
      if (EditDistance(key, k) <= 2) return "; did you mean '" + std::string(k) + "'?";
    }
    return "";
  }

  SourceMark MarkOf(const YAML::Node& node) const {
    const YAML::Mark m = node.Mark();
    if (m.is_null()) return {1, 1};
    return {m.line + 1, m.column + 1};
  }

  [[noreturn]] void Fail(const YAML::Node& node, const std::string& what) const {
    SourceMark m = MarkOf(node);
    throw ParseFailure{
        Status::ConfigError(file_ + ":" + std::to_string(m.line) + ":" + std::to_string(m.column) + ": " + what)};
  }

  // An error at `column` (1-based) inside the scalar's value. For a one-line plain or quoted scalar the
  // value starts at the mark (after the opening quote); escapes in double quotes may shift it a little.
  [[noreturn]] void FailInScalar(const YAML::Node& node, const std::string& value, int column,
                                 const std::string& what) const {
    const YAML::Mark m = node.Mark();
    if (m.is_null() || value.find('\n') != std::string::npos || m.pos < 0 ||
        static_cast<size_t>(m.pos) >= source_.size()) {
      Fail(node, what);
    }
    char first = source_[static_cast<size_t>(m.pos)];
    if (first == '|' || first == '>') Fail(node, what);
    int quote = (first == '\'' || first == '"') ? 1 : 0;
    throw ParseFailure{Status::ConfigError(file_ + ":" + std::to_string(m.line + 1) + ":" +
                                           std::to_string(m.column + 1 + quote + column - 1) + ": " + what)};
  }

  std::string_view source_;
  std::string file_;
};

}  // namespace

Result<JobsFile> ParseJobsFile(std::string_view yaml, std::string_view file_name) {
  JobsLoader loader(yaml, file_name);
  try {
    return loader.Load();
  } catch (const ParseFailure& failure) {
    return failure.status;
  } catch (const YAML::Exception& e) {
    return Status::ConfigError(std::string(file_name) + ":" + std::to_string(e.mark.line + 1) + ":" +
                               std::to_string(e.mark.column + 1) + ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::ConfigError(std::string(file_name) + ": " + e.what());
  }
}

Result<JobsFile> LoadJobsFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return Status::NotFound("no jobs file at " + path.string());
    return Status::IoError("cannot read " + path.string());
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return ParseJobsFile(bytes.str(), path.string());
}

const JobSpec* JobsFile::Find(std::string_view name) const {
  for (const JobSpec& job : jobs) {
    if (job.name == name) return &job;
  }
  return nullptr;
}

Status CheckSites(const JobsFile& jobs, const std::vector<std::string>& known_sites) {
  for (const JobSpec& job : jobs.jobs) {
    if (std::find(known_sites.begin(), known_sites.end(), job.site) != known_sites.end()) continue;
    std::string known;
    for (const std::string& s : known_sites) known += (known.empty() ? "" : ", ") + s;
    return Status::ConfigError(jobs.file + ":" + std::to_string(job.site_mark.line) + ":" +
                               std::to_string(job.site_mark.column) + ": job '" + job.name +
                               "': no selector config for site '" + job.site +
                               "' (known: " + (known.empty() ? "none" : known) + ")");
  }
  return Status::Ok();
}

std::filesystem::path ExpandExportPath(const JobSpec& job, TimePoint scheduled_for) {
  if (!job.options.export_to) return {};
  const std::string path = job.options.export_to->out.string();
  if (path.find('{') == std::string::npos) return job.options.export_to->out;
  auto local = date::floor<std::chrono::seconds>(
      job.zone != nullptr ? job.zone->to_local(date::floor<std::chrono::seconds>(scheduled_for))
                          : date::local_seconds(date::floor<std::chrono::seconds>(scheduled_for).time_since_epoch()));
  std::string out;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t open = path.find('{', pos);
    size_t close = open == std::string::npos ? std::string::npos : path.find('}', open);
    if (close == std::string::npos) {
      out += path.substr(pos);
      break;
    }
    out += path.substr(pos, open - pos);
    std::string name = path.substr(open + 1, close - open - 1);
    if (name == "job") {
      out += job.name;
    } else if (name == "site") {
      out += job.site;
    } else if (name == "date") {
      out += date::format("%Y-%m-%d", local);
    } else if (name == "time") {
      out += date::format("%H%M%S", local);
    } else {
      out += path.substr(open, close - open + 1);  // the loader rejects these; keep them visible
    }
    pos = close + 1;
  }
  return out;
}

std::string_view ToString(MissedRunPolicy policy) { return policy == MissedRunPolicy::kSkip ? "skip" : "run_once"; }
std::string_view ToString(RecrawlPolicy policy) { return policy == RecrawlPolicy::kDue ? "due" : "all"; }
std::string_view ToString(ExportFormat format) { return format == ExportFormat::kJsonl ? "jsonl" : "csv"; }

}  // namespace hc::schedule
