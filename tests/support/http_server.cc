#include "support/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/text.h"

namespace hc::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t kMaxRequestHeaderBytes = 64 * 1024;
constexpr std::size_t kChunkSize = 1024;
// The loop never sleeps longer than this, so Stop() is prompt even if a wakeup were lost.
constexpr milliseconds kMaxPollWait{100};
// After the last byte of a response that ends in a close, how long to wait for the client's FIN
// before closing anyway. Closing with unread input would make the kernel send RST instead of FIN.
constexpr milliseconds kDrainWait{2000};
// Between the partial body and the RST of `reset_after`, so the client has read what was sent.
constexpr milliseconds kResetPause{50};

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// IMF-fixdate (RFC 9110 section 5.6.7) <-> time_t. Only the preferred format: test clients send it.
bool ParseHttpDate(const std::string& text, std::time_t* out) {
  std::tm tm{};
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return false;
  *out = ::timegm(&tm);
  return true;
}

std::string FormatHttpDate(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string Compress(std::string_view data, int window_bits) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    ADD_FAILURE() << "deflateInit2 failed";
    return {};
  }
  std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  if (rc != Z_STREAM_END) ADD_FAILURE() << "deflate did not finish: " << rc;
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string Encode(const std::string& body, ContentCoding coding) {
  switch (coding) {
    case ContentCoding::kIdentity: return body;
    case ContentCoding::kGzip: return GzipCompress(body);
    case ContentCoding::kDeflate: return ZlibCompress(body);
    case ContentCoding::kBrokenGzip: {
      // A valid 10-byte gzip member header (RFC 1952 2.3), then bytes that are no deflate stream.
      std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
      out += std::string(std::max<std::size_t>(body.size(), 64), '\xff');
      return out;
    }
  }
  return body;
}

std::string Chunk(std::string_view data) {
  std::ostringstream out;
  out << std::hex << data.size() << "\r\n" << data << "\r\n";
  return out.str();
}

std::string ChunkAll(std::string_view body) {
  std::string out;
  for (std::size_t pos = 0; pos < body.size(); pos += kChunkSize) {
    out += Chunk(body.substr(pos, kChunkSize));
  }
  return out;
}

// Weak comparison of entity-tags (RFC 9110 section 8.8.3.2) against an If-None-Match list.
bool EtagListMatches(std::string_view list, std::string_view etag) {
  auto strip_weak = [](std::string_view t) {
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  std::string_view want = strip_weak(etag);
  std::size_t pos = 0;
  while (pos <= list.size()) {
    std::size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string_view item = TrimAsciiWhitespace(list.substr(pos, comma - pos));
    if (item == "*" || strip_weak(item) == want) return true;
    pos = comma + 1;
  }
  return false;
}

bool NotModified(const HttpRequest& request, const HttpResponse& response) {
  if (request.method != "GET" && request.method != "HEAD") return false;
  std::string inm = request.Header("if-none-match");
  if (!inm.empty()) return !response.etag.empty() && EtagListMatches(inm, response.etag);
  std::string ims = request.Header("if-modified-since");
  if (ims.empty() || response.last_modified.empty()) return false;
  std::time_t since = 0;
  std::time_t modified = 0;
  return ParseHttpDate(ims, &since) && ParseHttpDate(response.last_modified, &modified) && modified <= since;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string ContentTypeFor(const std::filesystem::path& file, const std::string& charset) {
  static const std::map<std::string, std::pair<std::string, bool>> kTypes = {
      {".html", {"text/html", true}},        {".htm", {"text/html", true}},
      {".xml", {"application/xml", true}},   {".txt", {"text/plain", true}},
      {".json", {"application/json", true}}, {".css", {"text/css", true}},
      {".js", {"text/javascript", true}},    {".png", {"image/png", false}},
      {".jpg", {"image/jpeg", false}},       {".jpeg", {"image/jpeg", false}},
      {".gif", {"image/gif", false}},        {".svg", {"image/svg+xml", true}},
      {".gz", {"application/gzip", false}},
  };
  auto it = kTypes.find(AsciiLowered(file.extension().string()));
  if (it == kTypes.end()) return "application/octet-stream";
  const auto& [type, is_text] = it->second;
  return is_text && !charset.empty() ? type + "; charset=" + charset : type;
}

std::optional<HttpResponse> ServeFile(const StaticSite& site, const std::string& path) {
  std::string relative = PercentDecode(path);
  while (!relative.empty() && relative.front() == '/') relative.erase(0, 1);
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  std::filesystem::path rel_path = std::filesystem::path(relative).lexically_normal();
  for (const auto& part : rel_path) {
    if (part == "..") return std::nullopt;  // never leave the root
  }
  std::filesystem::path file = site.root / rel_path;
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    file /= "index.html";
    rel_path /= "index.html";
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();

  auto charset_it = site.charsets.find(rel_path.generic_string());
  const std::string& charset = charset_it != site.charsets.end() ? charset_it->second : site.default_charset;
  HttpResponse response;
  response.body = bytes.str();
  response.headers.emplace_back("Content-Type", ContentTypeFor(file, charset));
  response.etag = "\"" + std::to_string(st.st_size) + "-" + std::to_string(st.st_mtime) + "\"";
  response.last_modified = FormatHttpDate(st.st_mtime);
  return response;
}

struct Connection {
  enum class Phase {
    kReading,       // waiting for (the rest of) a request
    kDelaying,      // a response is planned; `wake` is when to start sending it
    kWriting,       // sending `out`; with trickling, `wake` is when the next slice is due
    kHolding,       // never_answer: swallow input until the client closes
    kDraining,      // sent everything, shut down our side; wait for the client's FIN until `wake`
    kResetPending,  // sent the partial body; reset at `wake`
    kClosed,
  };

  int fd = -1;
  int serial = 0;
  Phase phase = Phase::kReading;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  std::size_t body_start = 0;  // where the body begins in `out`
  std::size_t stop_at = 0;     // send out[0, stop_at)
  std::size_t trickle = 0;     // bytes per second, 0 = unpaced
  bool close_at_end = false;
  bool reset_at_end = false;
  bool request_in_progress = false;
  SteadyClock::time_point wake;
};

}  // namespace

std::string HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoringAsciiCase(key, name)) return value;
  }
  return {};
}

HttpResponse HttpResponse::Text(std::string body, std::string content_type) {
  HttpResponse r;
  r.headers.emplace_back("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

HttpResponse HttpResponse::Html(std::string body, std::string charset) {
  return Text(std::move(body), charset.empty() ? "text/html" : "text/html; charset=" + charset);
}

HttpResponse HttpResponse::Redirect(int status, std::string location) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}

std::string GzipCompress(std::string_view data) { return Compress(data, 15 + 16); }
std::string ZlibCompress(std::string_view data) { return Compress(data, 15); }

std::string GzipBombOfZeros(std::size_t expanded_bytes) {
  constexpr std::size_t kBlock = std::size_t{1} << 20;
  const std::size_t blocks = std::max<std::size_t>(1, (expanded_bytes + kBlock - 1) / kBlock);
  const std::string zeros(kBlock, '\0');
  z_stream zs{};
  if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, /*raw deflate*/ -15, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
    ADD_FAILURE() << "deflateInit2 failed";
    return {};
  }
  // Z_SYNC_FLUSH ends the data on a byte boundary with no final block, so the bytes can be repeated.
  std::string block(deflateBound(&zs, kBlock) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
  zs.avail_in = static_cast<uInt>(kBlock);
  zs.next_out = reinterpret_cast<Bytef*>(block.data());
  zs.avail_out = static_cast<uInt>(block.size());
  const int rc = deflate(&zs, Z_SYNC_FLUSH);
  if (rc != Z_OK || zs.avail_in != 0) ADD_FAILURE() << "deflate of the bomb block failed: " << rc;
  block.resize(zs.total_out);
  deflateEnd(&zs);

  uLong crc = 0;
  const uLong block_crc = crc32(0, reinterpret_cast<const Bytef*>(zeros.data()), static_cast<uInt>(kBlock));
  for (std::size_t i = 0; i < blocks; ++i) crc = crc32_combine(crc, block_crc, static_cast<z_off_t>(kBlock));
  const std::uint64_t size = static_cast<std::uint64_t>(blocks) * kBlock;

  std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03", 10);  // RFC 1952 2.3, XFL 2: best
  out.reserve(10 + blocks * block.size() + 10);
  for (std::size_t i = 0; i < blocks; ++i) out += block;
  out += std::string("\x03\x00", 2);  // a final, empty block with fixed codes (RFC 1951 3.2.6)
  auto put32 = [&out](std::uint64_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put32(crc);
  put32(size & 0xffffffffu);  // ISIZE: the size modulo 2^32
  return out;
}

struct HttpServer::State {
  int listen_fd = -1;
  int wake_fd = -1;
  std::uint16_t port = 0;
  std::thread thread;
  std::atomic<bool> stopping{false};

  mutable std::mutex mu;  // guards routes, site, log
  std::map<std::string, HttpHandler> routes;
  std::optional<StaticSite> site;
  std::vector<HttpRequest> log;

  std::atomic<int> accepted{0};
  std::atomic<int> open{0};
  std::atomic<int> peak_open{0};
  std::atomic<int> in_progress{0};
  std::atomic<int> peak_in_progress{0};

  // Owned by the server thread only.
  std::vector<std::unique_ptr<Connection>> connections;

  static void RaisePeak(std::atomic<int>& peak, int value) {
    int seen = peak.load();
    while (value > seen && !peak.compare_exchange_weak(seen, value)) {
    }
  }

  void Loop();
  void AcceptAll();
  void Step(Connection& c, short revents, SteadyClock::time_point now);
  void ReadRequests(Connection& c, SteadyClock::time_point now);
  void WriteSome(Connection& c, SteadyClock::time_point now);
  void Plan(Connection& c, const HttpRequest& request, SteadyClock::time_point now);
  void PlanError(Connection& c, int status, SteadyClock::time_point now);
  HttpResponse Respond(const HttpRequest& request);
  void FinishRequest(Connection& c);
  void Close(Connection& c, bool reset);
};

void HttpServer::State::Loop() {
  std::vector<pollfd> fds;
  while (!stopping.load()) {
    auto now = SteadyClock::now();
    fds.clear();
    fds.push_back({wake_fd, POLLIN, 0});
    fds.push_back({listen_fd, POLLIN, 0});
    auto wait = kMaxPollWait;
    for (const auto& c : connections) {
      short events = 0;
      bool timed = false;
      switch (c->phase) {
        case Connection::Phase::kReading:
        case Connection::Phase::kHolding: events = POLLIN; break;
        case Connection::Phase::kDraining:
          events = POLLIN;
          timed = true;
          break;
        case Connection::Phase::kWriting:
          if (c->wake <= now)
            events = POLLOUT;
          else
            timed = true;
          break;
        case Connection::Phase::kDelaying:
        case Connection::Phase::kResetPending: timed = true; break;
        case Connection::Phase::kClosed: break;
      }
      if (timed) {
        auto left = std::chrono::duration_cast<milliseconds>(c->wake - now) + milliseconds(1);
        wait = std::clamp(left, milliseconds(0), wait);
      }
      fds.push_back({c->fd, events, 0});
    }
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait.count()));
    if (ready < 0 && errno != EINTR) {
      ADD_FAILURE() << "test HTTP server: poll failed: " << std::strerror(errno);
      break;
    }
    if (fds[0].revents & POLLIN) {
      std::uint64_t count = 0;
      [[maybe_unused]] auto n = ::read(wake_fd, &count, sizeof count);
    }
    if (stopping.load()) break;
    now = SteadyClock::now();
    // Connections accepted below are not in `fds`; step only the ones that were polled.
    std::size_t polled = connections.size();
    if (fds[1].revents & POLLIN) AcceptAll();
    for (std::size_t i = 0; i < polled; ++i) Step(*connections[i], fds[i + 2].revents, now);
    std::erase_if(connections, [](const auto& c) { return c->phase == Connection::Phase::kClosed; });
  }
  for (auto& c : connections) Close(*c, /*reset=*/false);
  connections.clear();
}

void HttpServer::State::AcceptAll() {
  for (;;) {
    int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: accepted everything pending (other errors: try again next round)
    // Responses often go out in pieces (headers, then a trickled or partial body); without
    // TCP_NODELAY, Nagle's algorithm and the client's delayed ACK add 40 ms to such exchanges.
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->serial = ++accepted;
    RaisePeak(peak_open, ++open);
    connections.push_back(std::move(c));
  }
}

void HttpServer::State::Step(Connection& c, short revents, SteadyClock::time_point now) {
  using Phase = Connection::Phase;
  switch (c.phase) {
    case Phase::kReading:
      if (revents & (POLLIN | POLLHUP | POLLERR)) ReadRequests(c, now);
      break;
    case Phase::kDelaying:
      if (now >= c.wake) {
        c.phase = Phase::kWriting;
        WriteSome(c, now);
      }
      break;
    case Phase::kWriting:
      if (revents & (POLLHUP | POLLERR)) {
        Close(c, false);
      } else if (now >= c.wake) {
        WriteSome(c, now);
      }
      break;
    case Phase::kHolding:
    case Phase::kDraining: {
      if (revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[4096];
        ssize_t n;
        while ((n = ::recv(c.fd, buf, sizeof buf, 0)) > 0) {
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          Close(c, false);
          break;
        }
      }
      if (c.phase == Phase::kDraining && now >= c.wake) Close(c, false);
      break;
    }
    case Phase::kResetPending:
      if (now >= c.wake) Close(c, /*reset=*/true);
      break;
    case Phase::kClosed: break;
  }
}

void HttpServer::State::ReadRequests(Connection& c, SteadyClock::time_point now) {
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      Close(c, false);
      return;
    }
    break;
  }
  // One request at a time: a pipelined successor waits in `in` until this response is sent.
  while (c.phase == Connection::Phase::kReading) {
    std::size_t header_end = c.in.find("\r\n\r\n");
    if (header_end == std::string::npos) {
      if (c.in.size() > kMaxRequestHeaderBytes) PlanError(c, 431, now);
      return;
    }
    HttpRequest request;
    std::string_view head(c.in.data(), header_end);
    std::size_t line_end = head.find("\r\n");
    std::string_view request_line = head.substr(0, line_end);
    std::size_t sp1 = request_line.find(' ');
    std::size_t sp2 = request_line.rfind(' ');
    if (sp1 == std::string_view::npos || sp2 == sp1) {
      PlanError(c, 400, now);
      return;
    }
    request.method = std::string(request_line.substr(0, sp1));
    request.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
    request.version = std::string(request_line.substr(sp2 + 1));
    request.path = request.target.substr(0, request.target.find('?'));
    std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      std::size_t eol = head.find("\r\n", pos);
      if (eol == std::string_view::npos) eol = head.size();
      std::string_view line = head.substr(pos, eol - pos);
      std::size_t colon = line.find(':');
      if (colon != std::string_view::npos) {
        request.headers.emplace_back(AsciiLowered(TrimAsciiWhitespace(line.substr(0, colon))),
                                     std::string(TrimAsciiWhitespace(line.substr(colon + 1))));
      }
      pos = eol + 2;
    }
    std::size_t body_length = 0;
    if (std::string cl = request.Header("content-length"); !cl.empty()) {
      body_length = std::strtoull(cl.c_str(), nullptr, 10);
    }
    std::size_t total = header_end + 4 + body_length;
    if (c.in.size() < total) return;  // the body is still arriving
    request.body = c.in.substr(header_end + 4, body_length);
    c.in.erase(0, total);
    request.arrived = now;
    request.connection = c.serial;
    {
      std::lock_guard lock(mu);
      log.push_back(request);
    }
    c.request_in_progress = true;
    RaisePeak(peak_in_progress, ++in_progress);
    Plan(c, request, now);
  }
}

HttpResponse HttpServer::State::Respond(const HttpRequest& request) {
  HttpHandler handler;
  std::optional<StaticSite> served;
  {
    std::lock_guard lock(mu);
    auto it = routes.find(request.target);
    if (it == routes.end()) it = routes.find(request.path);
    if (it != routes.end())
      handler = it->second;
    else
      served = site;
  }
  // Called outside the lock, so a handler may use the server's own accessors.
  if (handler) return handler(request);
  if (served) {
    if (auto file = ServeFile(*served, request.path)) return *std::move(file);
  }
  HttpResponse not_found = HttpResponse::Text("not found: " + request.path + "\n");
  not_found.status = 404;
  return not_found;
}

void HttpServer::State::Plan(Connection& c, const HttpRequest& request, SteadyClock::time_point now) {
  HttpResponse r = Respond(request);
  if (r.never_answer) {
    c.phase = Connection::Phase::kHolding;
    return;
  }
  if (r.raw) {
    c.out = *std::move(r.raw);
    c.body_start = c.stop_at = c.out.size();
    c.sent = 0;
    c.trickle = 0;
    c.close_at_end = true;
    c.reset_at_end = false;
    c.wake = now;
    c.phase = Connection::Phase::kWriting;
    WriteSome(c, now);
    return;
  }
  if (NotModified(request, r)) {
    r.status = 304;
    r.body.clear();
    r.coding = ContentCoding::kIdentity;
    r.framing = BodyFraming::kContentLength;
    r.announced_length.reset();
    r.reset_after.reset();
  }

  std::string connection_header = AsciiLowered(request.Header("connection"));
  bool client_closes =
      connection_header == "close" || (request.version == "HTTP/1.0" && connection_header != "keep-alive");
  bool bodiless = r.status < 200 || r.status == 204 || r.status == 304;
  bool head = request.method == "HEAD";

  std::string body = bodiless ? std::string() : Encode(r.body, r.coding);
  std::string framed;
  std::ostringstream headers;
  headers << "HTTP/1.1 " << r.status << ' ' << ReasonPhrase(r.status) << "\r\n";
  for (const auto& [name, value] : r.headers) headers << name << ": " << value << "\r\n";
  if (!r.etag.empty()) headers << "ETag: " << r.etag << "\r\n";
  if (!r.last_modified.empty()) headers << "Last-Modified: " << r.last_modified << "\r\n";
  if (!bodiless && r.coding != ContentCoding::kIdentity) {
    headers << "Content-Encoding: " << (r.coding == ContentCoding::kDeflate ? "deflate" : "gzip") << "\r\n";
  }
  bool must_close = r.close || client_closes || r.reset_after.has_value();
  if (!bodiless) {
    switch (r.framing) {
      case BodyFraming::kContentLength: {
        std::size_t announced = r.announced_length.value_or(body.size());
        headers << "Content-Length: " << announced << "\r\n";
        framed = body;
        if (announced != body.size()) must_close = true;
        break;
      }
      case BodyFraming::kChunked:
        headers << "Transfer-Encoding: chunked\r\n";
        framed = ChunkAll(body) + "0\r\n\r\n";
        break;
      case BodyFraming::kChunkedBadSize:
        headers << "Transfer-Encoding: chunked\r\n";
        framed = "zz\r\n" + body + "\r\n0\r\n\r\n";
        must_close = true;
        break;
      case BodyFraming::kChunkedUnterminated:
        headers << "Transfer-Encoding: chunked\r\n";
        framed = ChunkAll(body);
        must_close = true;
        break;
      case BodyFraming::kCloseDelimited:
        framed = body;
        must_close = true;
        break;
    }
  }
  if (must_close) headers << "Connection: close\r\n";
  headers << "\r\n";
  if (head) framed.clear();

  c.out = headers.str();
  c.body_start = c.out.size();
  c.out += framed;
  c.sent = 0;
  c.stop_at = c.out.size();
  c.reset_at_end = false;
  if (r.reset_after && !head) {
    c.stop_at = std::min(c.out.size(), c.body_start + *r.reset_after);
    c.reset_at_end = true;
  }
  c.close_at_end = must_close;
  c.trickle = r.trickle_bytes_per_second;
  c.wake = now + r.delay;
  c.phase = r.delay.count() > 0 ? Connection::Phase::kDelaying : Connection::Phase::kWriting;
  if (c.phase == Connection::Phase::kWriting) WriteSome(c, now);
}

void HttpServer::State::PlanError(Connection& c, int status, SteadyClock::time_point now) {
  c.out = "HTTP/1.1 " + std::to_string(status) + " " + std::string(ReasonPhrase(status)) +
          "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  c.in.clear();
  c.body_start = c.stop_at = c.out.size();
  c.sent = 0;
  c.trickle = 0;
  c.close_at_end = true;
  c.reset_at_end = false;
  c.wake = now;
  c.phase = Connection::Phase::kWriting;
  WriteSome(c, now);
}

void HttpServer::State::WriteSome(Connection& c, SteadyClock::time_point now) {
  while (c.sent < c.stop_at) {
    std::size_t n = c.stop_at - c.sent;
    bool paced = c.trickle > 0 && c.sent >= c.body_start;
    std::size_t slice = std::max<std::size_t>(1, c.trickle / 20);
    if (c.trickle > 0 && c.sent < c.body_start)
      n = c.body_start - c.sent;  // headers at once
    else if (paced)
      n = std::min(n, slice);
    ssize_t w = ::send(c.fd, c.out.data() + c.sent, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // poll for POLLOUT
      Close(c, false);
      return;
    }
    c.sent += static_cast<std::size_t>(w);
    if (paced) {
      // The next slice is due when the rate allows: slice / rate seconds later.
      c.wake = now + std::chrono::microseconds(static_cast<std::int64_t>(w) * 1'000'000 /
                                               static_cast<std::int64_t>(c.trickle));
      if (c.sent < c.stop_at) return;
    }
  }
  if (c.reset_at_end) {
    c.phase = Connection::Phase::kResetPending;
    c.wake = now + kResetPause;
    return;
  }
  FinishRequest(c);
  if (c.close_at_end) {
    ::shutdown(c.fd, SHUT_WR);
    c.phase = Connection::Phase::kDraining;
    c.wake = now + kDrainWait;
    return;
  }
  c.phase = Connection::Phase::kReading;
  if (!c.in.empty()) ReadRequests(c, now);
}

void HttpServer::State::FinishRequest(Connection& c) {
  if (c.request_in_progress) {
    c.request_in_progress = false;
    --in_progress;
  }
}

void HttpServer::State::Close(Connection& c, bool reset) {
  if (c.phase == Connection::Phase::kClosed) return;
  FinishRequest(c);
  if (reset) {
    linger abort_on_close{1, 0};  // close() now sends RST instead of FIN
    ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  }
  ::close(c.fd);
  c.fd = -1;
  c.phase = Connection::Phase::kClosed;
  --open;
}

HttpServer::HttpServer() : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.listen_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  s.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s.listen_fd < 0 || s.wake_fd < 0) {
    ADD_FAILURE() << "test HTTP server: socket/eventfd: " << std::strerror(errno);
    return;
  }
  int one = 1;
  ::setsockopt(s.listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (::bind(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(s.listen_fd, SOMAXCONN) != 0 ||
      ::getsockname(s.listen_fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "test HTTP server: bind/listen on 127.0.0.1: " << std::strerror(errno);
    return;
  }
  s.port = ntohs(addr.sin_port);
  s.thread = std::thread([&s] { s.Loop(); });
}

HttpServer::~HttpServer() {
  Stop();
  if (state_->listen_fd >= 0) ::close(state_->listen_fd);
  if (state_->wake_fd >= 0) ::close(state_->wake_fd);
}

void HttpServer::Stop() {
  State& s = *state_;
  s.stopping.store(true);
  if (s.wake_fd >= 0) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(s.wake_fd, &one, sizeof one);
  }
  if (s.thread.joinable()) s.thread.join();
}

std::uint16_t HttpServer::port() const { return state_->port; }

std::string HttpServer::Origin() const { return "http://127.0.0.1:" + std::to_string(port()); }

std::string HttpServer::Url(std::string_view target) const { return Origin() + std::string(target); }

void HttpServer::Route(std::string target, HttpResponse response) {
  Route(std::move(target), [response = std::move(response)](const HttpRequest&) { return response; });
}

void HttpServer::Route(std::string target, HttpHandler handler) {
  std::lock_guard lock(state_->mu);
  state_->routes[std::move(target)] = std::move(handler);
}

void HttpServer::RobotsTxt(std::string body) { Route("/robots.txt", HttpResponse::Text(std::move(body))); }

void HttpServer::ServeDirectory(StaticSite site) {
  std::lock_guard lock(state_->mu);
  state_->site = std::move(site);
}

std::vector<HttpRequest> HttpServer::Requests() const {
  std::lock_guard lock(state_->mu);
  return state_->log;
}

std::vector<HttpRequest> HttpServer::RequestsFor(std::string_view path) const {
  std::lock_guard lock(state_->mu);
  std::vector<HttpRequest> out;
  for (const auto& r : state_->log) {
    if (r.path == path) out.push_back(r);
  }
  return out;
}

int HttpServer::ConnectionsAccepted() const { return state_->accepted.load(); }
int HttpServer::PeakOpenConnections() const { return state_->peak_open.load(); }
int HttpServer::PeakRequestsInProgress() const { return state_->peak_in_progress.load(); }

RefusingPort::RefusingPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "RefusingPort: cannot bind 127.0.0.1: " << std::strerror(errno);
    return;
  }
  port_ = ntohs(addr.sin_port);
}

RefusingPort::~RefusingPort() {
  if (fd_ >= 0) ::close(fd_);
}

std::string RefusingPort::Url(std::string_view target) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
}

}  // namespace hc::testing
