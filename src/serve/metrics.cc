// GET /metrics: the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Every figure is read from the
// database at scrape time, so it counts the work of every process that writes it: crawls started from
// the CLI, the scheduler daemon's runs and this server's "run now".
#include <cstdio>
#include <string>
#include <string_view>

#include "serve/serve_internal.h"

namespace hc::serve::internal {
namespace {

// A label value: backslash, double quote and line feed escaped, as the format requires.
std::string Label(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(const json& value) {
  if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
  if (value.is_number()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", value.get<double>());
    return buf;
  }
  return "0";
}

void Family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

ApiResponse Api::Metrics() {
  std::lock_guard lock(store_mu_);
  auto m = dashboard_.Metrics();
  if (!m.ok()) return StoreError(m.status());
  std::string out;
  const json& runs = (*m)["runs"];
  struct Counter {
    const char* name;
    const char* column;
    const char* help;
  };
  const Counter counters[] = {
      {"healthcrawl_pages_fetched_total", "pages_fetched",
       "Pages fetched by the recorded runs, by site and run outcome."},
      {"healthcrawl_pages_stored_total", "pages_stored",
       "Pages stored by the recorded runs, by site and run outcome."},
      {"healthcrawl_pages_failed_total", "pages_failed",
       "Pages that failed in the recorded runs, by site and run outcome."},
      {"healthcrawl_bytes_fetched_total", "bytes_fetched",
       "Bytes fetched by the recorded runs, by site and run outcome."},
      {"healthcrawl_runs_total", "runs", "Recorded runs, by site and outcome (running: not finished)."},
  };
  for (const Counter& c : counters) {
    Family(out, c.name, "counter", c.help);
    for (const json& row : runs) {
      out += std::string(c.name) + "{site=\"" + Label(row["site"].get<std::string>()) + "\",outcome=\"" +
             Label(row["outcome"].get<std::string>()) + "\"} " + Number(row[c.column]) + "\n";
    }
  }
  Family(out, "healthcrawl_failed_urls", "gauge",
         "URLs of the frontier whose last visit failed, by site and reason.");
  for (const json& row : (*m)["failures"]) {
    out += "healthcrawl_failed_urls{site=\"" + Label(row["site"].get<std::string>()) + "\",reason=\"" +
           Label(row["reason"].get<std::string>()) + "\"} " + Number(row["urls"]) + "\n";
  }
  Family(out, "healthcrawl_last_run_duration_seconds", "gauge",
         "Duration of the latest finished run of each site and job (job \"\": crawls run by hand).");
  for (const json& row : (*m)["last_runs"]) {
    out += "healthcrawl_last_run_duration_seconds{site=\"" + Label(row["site"].get<std::string>()) +
           "\",job=\"" + Label(row["job"].get<std::string>()) + "\"} " + Number(row["seconds"]) + "\n";
  }
  Family(out, "healthcrawl_frontier_urls", "gauge", "URLs of the crawl frontier, by site and state.");
  for (const json& row : (*m)["frontier"]) {
    out += "healthcrawl_frontier_urls{site=\"" + Label(row["site"].get<std::string>()) + "\",state=\"" +
           Label(row["state"].get<std::string>()) + "\"} " + Number(row["urls"]) + "\n";
  }
  Family(out, "healthcrawl_drift_alarm_runs_total", "counter", "Runs that raised a drift alarm, by site.");
  for (const json& row : (*m)["alarms"]) {
    out += "healthcrawl_drift_alarm_runs_total{site=\"" + Label(row["site"].get<std::string>()) + "\"} " +
           Number(row["runs"]) + "\n";
  }
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  return r;
}

}  // namespace hc::serve::internal
