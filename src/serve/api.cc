// The API's router (docs/api.md): which handler a method and path reach, and the JSON error shape.
#include <string>
#include <string_view>
#include <vector>

#include "serve/serve_internal.h"

namespace hc::serve::internal {
namespace {

// Splits "/api/v1/jobs/x/run" into {"api", "v1", "jobs", "x", "run"}; empty segments are kept, so
// "/api/v1/jobs//run" matches nothing.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> parts;
  if (path.empty() || path[0] != '/') return parts;
  size_t start = 1;
  while (start <= path.size()) {
    const size_t slash = path.find('/', start);
    const size_t end = slash == std::string_view::npos ? path.size() : slash;
    parts.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

ApiResponse MethodNotAllowed(std::string_view allow) {
  ApiResponse r = Error(405, "method_not_allowed", "this route takes " + std::string(allow));
  r.headers.emplace_back("Allow", std::string(allow));
  return r;
}

}  // namespace

std::string ApiRequest::Param(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? std::string() : it->second;
}

ApiResponse Error(int status, std::string_view code, std::string_view message) {
  json body = {{"error", {{"status", status}, {"code", code}, {"message", message}}}};
  ApiResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

ApiResponse Json(const json& value, int status) {
  ApiResponse r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

ApiResponse StoreError(const Status& s) {
  switch (s.code()) {
    case StatusCode::kBusy:
      return Error(503, "database_busy", s.ToString());
    case StatusCode::kNotFound:
      return Error(404, "not_found", s.message());
    default:
      return Error(500, "storage_error", s.ToString());
  }
}

Api::Api(const ServeOptions& options, store::Database& store, store::DashboardSource& dashboard,
         RunLauncher& launcher)
    : options_(options), store_(store), dashboard_(dashboard), launcher_(launcher) {}

TimePoint Api::Now() const { return options_.clock != nullptr ? options_.clock->Now() : system_clock_.Now(); }

ApiResponse Api::Handle(const ApiRequest& request) {
  try {
    return Route(request);
  } catch (const std::exception& e) {  // nlohmann::json or the standard library: never past this point
    return Error(500, "internal_error", e.what());
  }
}

ApiResponse Api::Route(const ApiRequest& request) {
  const std::string& m = request.method;
  const bool get = m == "GET" || m == "HEAD";
  if (request.path == "/metrics") return get ? Metrics() : MethodNotAllowed("GET");
  if (const Asset* asset = FindAsset(request.path)) {
    if (!get) return MethodNotAllowed("GET");
    ApiResponse r;
    r.content_type = std::string(asset->content_type);
    r.body = std::string(asset->bytes);
    return r;
  }
  const std::vector<std::string> p = Segments(request.path);
  if (p.size() < 3 || p[0] != "api" || p[1] != "v1") {
    return Error(404, "no_such_route", "no route " + request.path + " (see docs/api.md)");
  }
  const std::string& what = p[2];
  const size_t n = p.size();
  if (what == "jobs") {
    if (n == 3) {
      if (get) return ListJobs();
      if (m == "POST") return AddJob(request);
      return MethodNotAllowed("GET, POST");
    }
    if (n == 4 && !p[3].empty()) {
      return m == "DELETE" ? JobAction(p[3], "remove", m) : MethodNotAllowed("DELETE");
    }
    if (n == 5 && !p[3].empty() && (p[4] == "pause" || p[4] == "resume" || p[4] == "run")) {
      return m == "POST" ? JobAction(p[3], p[4], m) : MethodNotAllowed("POST");
    }
  } else if (what == "runs") {
    if (n == 3) return get ? ListRuns(request) : MethodNotAllowed("GET");
    if (n == 4 && !p[3].empty()) return get ? GetRun(p[3]) : MethodNotAllowed("GET");
  } else if (what == "pages") {
    if (n == 3) return get ? ListPages(request) : MethodNotAllowed("GET");
    if (n == 4 && !p[3].empty()) return get ? GetPage(p[3]) : MethodNotAllowed("GET");
    if (n == 6 && p[4] == "raw" && !p[5].empty()) return get ? GetRaw(p[3], p[5]) : MethodNotAllowed("GET");
  } else if (what == "sites") {
    if (n == 3) return get ? ListSites() : MethodNotAllowed("GET");
    if (n == 4 && !p[3].empty()) return get ? GetSite(p[3]) : MethodNotAllowed("GET");
  } else if (what == "dataset") {
    if (n == 3) return get ? Dataset() : MethodNotAllowed("GET");
  }
  return Error(404, "no_such_route", "no route " + request.path + " (see docs/api.md)");
}

}  // namespace hc::serve::internal
