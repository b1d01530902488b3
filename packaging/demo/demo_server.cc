// healthcrawl-demo-server: serves the packaged demo site (share/healthcrawl/demo/site) over plain HTTP on
// 127.0.0.1, so that an installed healthcrawl can crawl it with no checkout and no Python:
//
//   demo-server --root DIR --port-file FILE [--idle-exit SECONDS]
//
// GET/HEAD of http://HOST/PATH answers the file DIR/HOST/PATH (a path ending in "/" gets index.html); the
// crawler reaches it through `--connect-to ::127.0.0.1:PORT`, so the pages keep their real host names.
// Anything else is 404. It binds 127.0.0.1 only, on a port the kernel picks, written to FILE (through a
// rename, so a reader never sees half of it) once it listens.
//
// It is deliberately small: one connection at a time, one request per connection ("Connection: close"),
// request heads bounded to 16 KiB and read with a 5-second timeout, files bounded to 8 MiB, no percent-
// decoding and no ".." segments, so it can only ever send files under DIR. It exits on SIGTERM/SIGINT
// (their default action: it holds nothing that needs flushing) or after --idle-exit seconds without a
// connection (default 300), so a demo script that dies uncleanly does not leave it running for ever.
// Exit codes: 0 idle exit; 2 bad arguments; 1 it could not listen or write the port file.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxRequestHead = 16 * 1024;
constexpr std::uintmax_t kMaxFileBytes = 8 * 1024 * 1024;
constexpr int kReadTimeoutSeconds = 5;

// Owns one socket descriptor.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

struct Request {
  std::string method;
  std::string path;  // the target without its query
  std::string host;  // lowercased, without the port
};

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Reads up to the end of the request head. A client that sends anything but an HTTP request line (a TLS
// ClientHello, when a crawl follows an https:// link here) is answered nothing.
std::optional<std::string> ReadHead(int fd) {
  std::string head;
  char buf[4096];
  while (head.find("\r\n\r\n") == std::string::npos) {
    if (head.size() >= kMaxRequestHead) return std::nullopt;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    head.append(buf, static_cast<std::size_t>(n));
    if (!head.empty() && !(head[0] >= 'A' && head[0] <= 'Z')) return std::nullopt;
  }
  return head;
}

std::optional<Request> ParseHead(const std::string& head) {
  std::istringstream lines(head);
  std::string line;
  if (!std::getline(lines, line)) return std::nullopt;
  std::istringstream request_line(line);
  Request req;
  std::string target;
  if (!(request_line >> req.method >> target) || target.empty() || target[0] != '/') return std::nullopt;
  req.path = target.substr(0, target.find_first_of("?#"));
  while (std::getline(lines, line) && line != "\r") {
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = AsciiLower(c);
    if (name != "host") continue;
    std::string value = line.substr(colon + 1);
    std::size_t first = value.find_first_not_of(" \t");
    value = first == std::string::npos ? "" : value.substr(first);
    value = value.substr(0, value.find_first_of(":\r \t"));
    for (char& c : value) c = AsciiLower(c);
    req.host = value;
  }
  return req;
}

// The file a request names, or nothing when it would leave the root or names no regular file.
std::optional<fs::path> Resolve(const fs::path& root, const Request& req) {
  if (req.host.empty() || req.host.find('/') != std::string::npos || req.host.front() == '.') return std::nullopt;
  std::string rel = req.path.substr(1);
  if (rel.empty() || rel.back() == '/') rel += "index.html";
  for (const auto& part : fs::path(rel)) {
    if (part == ".." || part == ".") return std::nullopt;
  }
  fs::path file = root / req.host / rel;
  std::error_code ec;
  if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > kMaxFileBytes || ec) return std::nullopt;
  return file;
}

std::string_view ContentType(const fs::path& file) {
  const std::string ext = file.extension().string();
  // No charset parameter for HTML: the pages declare theirs in <meta>, as many of the portals' do.
  if (ext == ".html" || ext == ".htm") return "text/html";
  if (ext == ".xml") return "application/xml";
  if (ext == ".txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

void SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client went away: nothing to tell it
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void Respond(int fd, const Request& req, const fs::path& root) {
  int status = 404;
  std::string_view type = "text/plain; charset=utf-8";
  std::string body = "not found\n";
  if (req.method != "GET" && req.method != "HEAD") {
    status = 405;
    body = "method not allowed\n";
  } else if (auto file = Resolve(root, req)) {
    std::ifstream in(*file, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in) {
      status = 200;
      type = ContentType(*file);
      body = std::move(bytes).str();
    }
  }
  const char* reason = status == 200 ? "OK" : status == 404 ? "Not Found" : "Method Not Allowed";
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nContent-Type: " +
                     std::string(type) + "\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\nConnection: close\r\nServer: healthcrawl-demo-server\r\n\r\n";
  SendAll(fd, head);
  if (req.method != "HEAD") SendAll(fd, body);
}

void Serve(int client, const fs::path& root) {
  timeval timeout{.tv_sec = kReadTimeoutSeconds, .tv_usec = 0};
  ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  auto head = ReadHead(client);
  if (!head) return;
  auto req = ParseHead(*head);
  if (!req) return;
  Respond(client, *req, root);
  ::shutdown(client, SHUT_WR);
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

  Socket listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener.fd() < 0 || ::bind(listener.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listener.fd(), 64) != 0 ||
      ::getsockname(listener.fd(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    std::fprintf(stderr, "demo-server: cannot listen on 127.0.0.1: %s\n", std::strerror(errno));
    return 1;
  }
  const int port = ntohs(addr.sin_port);
  if (!WritePortFile(port_file, port)) {
    std::fprintf(stderr, "demo-server: cannot write %s\n", port_file.c_str());
    return 1;
  }
  std::fprintf(stderr, "demo-server: %s on http://127.0.0.1:%d\n", root.c_str(), port);

  for (;;) {
    pollfd waiting{.fd = listener.fd(), .events = POLLIN, .revents = 0};
    int ready = ::poll(&waiting, 1, idle_exit_seconds * 1000);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      std::fprintf(stderr, "demo-server: no request for %d s, exiting\n", idle_exit_seconds);
      return 0;
    }
    Socket client(::accept4(listener.fd(), nullptr, nullptr, SOCK_CLOEXEC));
    if (client.fd() >= 0) Serve(client.fd(), root);
  }
}
