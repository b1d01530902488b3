// healthcrawl-demo-server: serves the packaged demo site (share/healthcrawl/demo/site) over plain HTTP on
// 127.0.0.1, so that an installed healthcrawl can crawl it with no checkout and no Python:
//
//   demo-server --root DIR --port-file FILE [--idle-exit SECONDS]
//
// GET/HEAD of http://HOST/PATH answers the file DIR/HOST/PATH (a path ending in "/" gets index.html); the
// crawler reaches it through `--connect-to ::127.0.0.1:PORT`, so the pages keep their real host names.
// Anything else is 404 (405 for other methods). It binds 127.0.0.1 only, on a port the kernel picks,
// written to FILE (through a rename, so a reader never sees half of it) once it listens.
//
// The HTTP side is cpp-httplib (Debian's libcpp-httplib-dev), not a hand-written server: the library
// parses and bounds requests (8 KiB request line and header lines, 5 s read timeout) and answers
// malformed ones (a TLS ClientHello, when a crawl follows an https:// link here) with 400. This file
// only maps a request to a file: no ".." or "." segments in the (decoded) path, a Host that is one
// plain name, regular files of at most 8 MiB, so it can only ever send files under DIR. It exits on
// SIGTERM/SIGINT (their default action: it holds nothing that needs flushing) or after --idle-exit
// seconds without a request (default 300), so a demo script that dies uncleanly does not leave it
// running for ever.
// Exit codes: 0 idle exit; 2 bad arguments; 1 it could not listen or write the port file.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

namespace {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

constexpr std::uintmax_t kMaxFileBytes = 8 * 1024 * 1024;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The Host header's name, lowercased, without a port; empty when there is none.
std::string HostName(const httplib::Request& req) {
  std::string host = req.get_header_value("Host");
  host = host.substr(0, host.find(':'));
  for (char& c : host) c = AsciiLower(c);
  return host;
}

// The file a request names, or nothing when it would leave the root or names no regular file.
std::optional<fs::path> Resolve(const fs::path& root, const std::string& host, const std::string& path) {
  if (host.empty() || host.find_first_of("/\\") != std::string::npos || host.front() == '.') return std::nullopt;
  if (path.empty() || path.front() != '/') return std::nullopt;
  std::string rel = path.substr(1);
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  for (const auto& part : fs::path(rel)) {
    if (part == ".." || part == ".") return std::nullopt;
  }
  fs::path file = root / host / rel;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > kMaxFileBytes || ec) return std::nullopt;
  return file;
}

const char* ContentType(const fs::path& file) {
  const std::string ext = file.extension().string();
  // No charset parameter for HTML: the pages declare theirs in <meta>, as many of the portals' do.
  if (ext == ".html" || ext == ".htm") return "text/html";
  if (ext == ".xml") return "application/xml";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool WritePortFile(const std::string& path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  return !ec;
}

int Usage() {
  std::fprintf(stderr, "usage: demo-server --root DIR --port-file FILE [--idle-exit SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  fs::path root;
  std::string port_file;
  int idle_exit_seconds = 300;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (i + 1 >= argc) return Usage();
    if (arg == "--root") {
      root = argv[++i];
    } else if (arg == "--port-file") {
      port_file = argv[++i];
    } else if (arg == "--idle-exit") {
      char* end = nullptr;
      long value = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || value < 1 || value > 86400) return Usage();
      idle_exit_seconds = static_cast<int>(value);
    } else {
      return Usage();
    }
  }
  std::error_code ec;
  if (root.empty() || port_file.empty() || !fs::is_directory(root, ec)) return Usage();

  httplib::Server server;
  std::atomic<Steady::rep> last_request{Steady::now().time_since_epoch().count()};
  server.set_payload_max_length(64 * 1024);
  server.set_keep_alive_max_count(1);  // one request per connection, as a demo needs
  server.set_pre_routing_handler([&](const httplib::Request&, httplib::Response&) {
    last_request = Steady::now().time_since_epoch().count();
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // httplib answers HEAD through the GET handler, without the body.
  server.Get(".*", [&](const httplib::Request& req, httplib::Response& res) {
    const auto file = Resolve(root, HostName(req), req.path);
    std::ifstream in;
    std::ostringstream bytes;
    if (file) {
      in.open(*file, std::ios::binary);
      bytes << in.rdbuf();
    }
    if (!file || !in) {
      res.status = 404;
      res.set_content("not found\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_content(std::move(bytes).str(), ContentType(*file));
  });
  const auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_content("method not allowed\n", "text/plain; charset=utf-8");
  };
  server.Post(".*", not_allowed).Put(".*", not_allowed).Patch(".*", not_allowed).Delete(".*", not_allowed)
      .Options(".*", not_allowed);

  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "demo-server: cannot listen on 127.0.0.1\n");
    return 1;
  }
  if (!WritePortFile(port_file, port)) {
    std::fprintf(stderr, "demo-server: cannot write %s\n", port_file.c_str());
    return 1;
  }
  std::fprintf(stderr, "demo-server: %s on http://127.0.0.1:%d\n", root.c_str(), port);

  std::mutex mu;
  std::condition_variable stopped;
  bool done = false;
  std::thread idle_watch([&] {
    const auto idle = std::chrono::seconds(idle_exit_seconds);
    std::unique_lock lock(mu);
    while (!done) {
      const Steady::time_point last{Steady::duration(last_request.load())};
      if (Steady::now() - last >= idle) {
        std::fprintf(stderr, "demo-server: no request for %d s, exiting\n", idle_exit_seconds);
        server.stop();
        return;
      }
      stopped.wait_until(lock, last + idle);
    }
  });
  const bool listened = server.listen_after_bind();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  stopped.notify_all();
  idle_watch.join();
  return listened ? 0 : 1;
}
