// The HTTP side of `healthcrawl serve`: cpp-httplib (Debian's libcpp-httplib-dev), included here and
// nowhere else in src/. The library parses and bounds requests (8 KiB request line and header
// lines, 5 s read timeout); this file puts the guards of docs/api.md ("Security") in front of the
// routes, in this order: the client's request rate (429), the Host header (403, DNS rebinding), the
// body size (413), and for every method but GET and HEAD the read-only mode (403), a foreign Origin
// (403) and the token (401). No response ever carries Access-Control-Allow-* headers, so a page of
// another origin can neither read an answer nor send the token (a preflight is answered 401).
#include <arpa/inet.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "serve/serve.h"
#include "serve/serve_internal.h"
#include "store/dashboard.h"
#include "store/database.h"

namespace hc::serve {

using internal::ApiRequest;
using internal::ApiResponse;

struct Server::Rep {
  ServeOptions options;
  std::unique_ptr<store::Database> store;
  std::unique_ptr<store::DashboardSource> dashboard;
  std::unique_ptr<internal::RunLauncher> launcher;
  std::unique_ptr<internal::Api> api;
  std::unique_ptr<internal::RateLimiter> limiter;
  httplib::Server http;
  std::thread listener;
  int port = 0;
  std::atomic<bool> stopped{false};
};

namespace {

// Headers every answer carries: the page loads only its own scripts and styles, is never framed, and
// the browser never guesses a type (a raw page is JSON text, never HTML).
void Send(httplib::Response& res, const ApiResponse& answer) {
  res.status = answer.status;
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
  res.set_header(
      "Content-Security-Policy",
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self';"
      " frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  for (const auto& [name, value] : answer.headers) res.set_header(name, value);
  res.set_content(answer.body, answer.content_type.c_str());
}

bool Mutating(const std::string& method) { return method != "GET" && method != "HEAD"; }

// The host part of an Origin header ("http://127.0.0.1:8080" -> "127.0.0.1:8080"); "" when it has none.
std::string OriginHost(std::string_view origin) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return "";
  return std::string(origin.substr(scheme + 3));
}

ApiRequest ToApiRequest(const httplib::Request& req) {
  ApiRequest request;
  request.method = req.method;
  request.path = req.path;
  for (const auto& [name, value] : req.params) request.query.emplace(name, value);
  request.body = req.body;
  request.content_type = req.get_header_value("Content-Type");
  return request;
}

}  // namespace

Result<std::string> GenerateToken() {
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32] = {};
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    return Status::IoError("cannot read /dev/urandom for a token");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 0xf];
  }
  return token;
}

Result<std::unique_ptr<Server>> Server::Start(ServeOptions options) {
  in6_addr any6;
  in_addr any4;
  if (inet_pton(AF_INET, options.listen_host.c_str(), &any4) != 1 &&
      inet_pton(AF_INET6, options.listen_host.c_str(), &any6) != 1) {
    return Status::InvalidArgument("--listen: '" + options.listen_host + "' is not an IP address");
  }
  if (!options.read_only && options.token.size() < 16) {
    return Status::InvalidArgument("a token of at least 16 characters is needed (or --read-only)");
  }
  // A SQLite file must exist (serve never creates one); a PostgreSQL database is checked by opening it,
  // whose messages never repeat the connection string (it may hold a password).
  std::error_code ec;
  if (!store::IsPostgresLocation(options.db.string()) && !std::filesystem::is_regular_file(options.db, ec)) {
    return Status::IoError(options.db.string() + ": no such database");
  }
  auto rep = std::make_unique<Rep>();
  rep->options = std::move(options);
  ServeOptions& o = rep->options;
  o.runner.db = o.db;
  o.runner.selectors_dir = o.selectors_dir;
  store::StoreOptions store_options;
  store_options.create = false;
  store_options.read_only = o.read_only;
  store_options.clock = o.clock;
  auto store = store::OpenDatabase(o.db.string(), store_options);
  if (!store.ok()) return store.status();
  rep->store = std::move(*store);
  auto dashboard = store::OpenDashboard(o.db.string());
  if (!dashboard.ok()) return dashboard.status();
  rep->dashboard = std::move(*dashboard);
  rep->launcher = std::make_unique<internal::RunLauncher>(o.runner);
  rep->api = std::make_unique<internal::Api>(o, *rep->store, *rep->dashboard, *rep->launcher);
  rep->limiter = std::make_unique<internal::RateLimiter>(o.requests_per_second, o.burst);

  Rep* r = rep.get();
  httplib::Server& http = rep->http;
  http.set_payload_max_length(o.max_body_bytes);
  http.set_pre_routing_handler([r](const httplib::Request& req, httplib::Response& res) {
    const ServeOptions& opt = r->options;
    auto refuse = [&res](ApiResponse answer) {
      Send(res, answer);
      return httplib::Server::HandlerResponse::Handled;
    };
    if (!r->limiter->Allow(req.remote_addr, std::chrono::steady_clock::now())) {
      ApiResponse answer =
          internal::Error(429, "too_many_requests", "too many requests from this address; slow down");
      answer.headers.emplace_back("Retry-After", "1");
      return refuse(answer);
    }
    if (!internal::HostAllowed(req.get_header_value("Host"), opt.listen_host, opt.allowed_hosts)) {
      return refuse(internal::Error(
          403, "host_not_allowed",
          "Host '" + req.get_header_value("Host") + "' is not one this server answers to (--allowed-host)"));
    }
    if (req.has_header("Content-Length")) {
      const std::string length = req.get_header_value("Content-Length");
      if (length.size() > 12 ||
          std::stoull("0" + length.substr(0, length.find_first_not_of("0123456789"))) > opt.max_body_bytes) {
        return refuse(internal::Error(
            413, "body_too_large",
            "request bodies are limited to " + std::to_string(opt.max_body_bytes) + " bytes"));
      }
    }
    if (Mutating(req.method)) {
      if (opt.read_only)
        return refuse(internal::Error(403, "read_only", "this server was started with --read-only"));
      if (req.has_header("Origin")) {
        const std::string origin = req.get_header_value("Origin");
        if (!internal::HostAllowed(OriginHost(origin), opt.listen_host, opt.allowed_hosts)) {
          return refuse(
              internal::Error(403, "cross_origin", "requests from " + origin + " are not accepted"));
        }
      }
      const std::string auth = req.get_header_value("Authorization");
      constexpr std::string_view kBearer = "Bearer ";
      if (auth.empty()) {
        ApiResponse answer =
            internal::Error(401, "token_required", "send the token as Authorization: Bearer TOKEN");
        answer.headers.emplace_back("WWW-Authenticate", "Bearer");
        return refuse(answer);
      }
      if (auth.rfind(kBearer, 0) != 0 || !internal::TokenMatches(auth.substr(kBearer.size()), opt.token)) {
        ApiResponse answer = internal::Error(401, "bad_token", "the token is not this server's");
        answer.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
        return refuse(answer);
      }
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  auto handle = [r](const httplib::Request& req, httplib::Response& res) {
    Send(res, r->api->Handle(ToApiRequest(req)));
  };
  http.Get(".*", handle);
  http.Post(".*", handle);
  http.Put(".*", handle);
  http.Patch(".*", handle);
  http.Delete(".*", handle);
  http.Options(".*", handle);
  // What the library answers by itself (a body over the limit, a request it cannot parse) as JSON too.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 413) {
      Send(res, internal::Error(413, "body_too_large", "the request body is over the server's limit"));
    } else if (res.status == 404) {
      Send(res, internal::Error(404, "no_such_route", "no such route (see docs/api.md)"));
    } else {
      Send(res, internal::Error(res.status, "bad_request", "the request could not be read as HTTP/1.1"));
    }
  });
  http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    Send(res, internal::Error(500, "internal_error", "the request failed inside the server"));
  });

  if (o.port == 0) {
    rep->port = http.bind_to_any_port(o.listen_host);
    if (rep->port <= 0) return Status::IoError("cannot listen on " + o.listen_host);
  } else {
    if (!http.bind_to_port(o.listen_host, o.port)) {
      return Status::IoError("cannot listen on " + o.listen_host + ":" + std::to_string(o.port) +
                             " (in use, or not an address of this machine)");
    }
    rep->port = o.port;
  }
  rep->listener = std::thread([r] { r->http.listen_after_bind(); });
  return std::unique_ptr<Server>(new Server(std::move(rep)));
}

Server::Server(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Server::~Server() { Stop(); }

int Server::port() const { return rep_->port; }

void Server::Stop() {
  if (rep_->stopped.exchange(true)) return;
  rep_->http.stop();
  if (rep_->listener.joinable()) rep_->listener.join();
  rep_->launcher->StopAll();
}

}  // namespace hc::serve
