// HTTP/2 against a real server: nginx (Debian's nginx-light, installed by scripts/setup) on 127.0.0.1 with
// TLS and `http2`, a throw-away certificate made with the openssl command. The loopback test server
// speaks HTTP/1.1 only, so this is the one place HTTP/2 is exercised: ALPN negotiates h2, responses report
// http_version "2", and parallel requests to one host share one multiplexed connection (nginx's
// $connection is the same for all of them). Skipped, with the reason, when nginx or openssl is missing.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "net/fetcher.h"
#include "support/parsed_url.h"
#include "support/test_env.h"

namespace hc::net {
namespace {

namespace fs = std::filesystem;

std::string FindProgram(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates) {
    if (access(c.c_str(), X_OK) == 0) return c;
  }
  return "";
}

uint16_t FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// nginx in the foreground (daemon off) as a child process, stopped (SIGQUIT, then SIGKILL) on destruction.
class Nginx {
 public:
  Nginx(const std::string& binary, const fs::path& prefix, const fs::path& conf) {
    pid_ = fork();
    if (pid_ == 0) {
      execl(binary.c_str(), binary.c_str(), "-p", prefix.c_str(), "-c", conf.c_str(), "-e",
            (prefix / "error.log").c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~Nginx() {
    if (pid_ <= 0) return;
    kill(pid_, SIGQUIT);
    for (int i = 0; i < 50; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  Nginx(const Nginx&) = delete;
  Nginx& operator=(const Nginx&) = delete;

 private:
  pid_t pid_ = -1;
};

TEST(Http2Test, NegotiatesH2OverTlsAndMultiplexesOneConnection) {
  const std::string nginx = FindProgram({"/usr/sbin/nginx", "/usr/bin/nginx"});
  const std::string openssl = FindProgram({"/usr/bin/openssl"});
  if (nginx.empty() || openssl.empty()) GTEST_SKIP() << "needs nginx and openssl (scripts/setup installs both)";

  hc::testing::TempDir dir;
  const fs::path root = dir / "www";
  fs::create_directories(root);
  fs::create_directories(dir / "tmp");
  for (int i = 0; i < 8; ++i) {
    std::ofstream(root / ("p" + std::to_string(i) + ".html")) << "<html><body>page " << i << "</body></html>";
  }
  const fs::path cert = dir / "cert.pem";
  const fs::path key = dir / "key.pem";
  const std::string make_cert = openssl + " req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=test" +
                                " -addext subjectAltName=DNS:www.mfk.com -keyout '" + key.string() + "' -out '" +
                                cert.string() + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(make_cert.c_str()), 0);

  const uint16_t port = FreePort();
  const fs::path conf = dir / "nginx.conf";
  {
    std::ofstream out(conf);
    // As root, keep the workers root too: they must read the test's private temporary folder.
    if (geteuid() == 0) out << "user root root;\n";
    out << "worker_processes 1;\ndaemon off;\npid " << (dir / "nginx.pid").string() << ";\n"
        << "events { worker_connections 64; }\n"
        << "http {\n"
        << "  log_format conn '$connection $server_protocol $request_uri $status';\n"
        << "  access_log " << (dir / "access.log").string() << " conn;\n"
        << "  client_body_temp_path " << (dir / "tmp").string() << ";\n"
        << "  proxy_temp_path " << (dir / "tmp").string() << ";\n"
        << "  fastcgi_temp_path " << (dir / "tmp").string() << ";\n"
        << "  uwsgi_temp_path " << (dir / "tmp").string() << ";\n"
        << "  scgi_temp_path " << (dir / "tmp").string() << ";\n"
        << "  server {\n"
        << "    listen 127.0.0.1:" << port << " ssl http2;\n"
        << "    server_name www.mfk.com;\n"
        << "    ssl_certificate " << cert.string() << ";\n"
        << "    ssl_certificate_key " << key.string() << ";\n"
        << "    root " << root.string() << ";\n"
        << "  }\n"
        << "}\n";
  }
  Nginx server(nginx, dir.path(), conf);

  FetcherOptions options;
  options.http2 = true;
  options.ca_file = cert.string();
  options.allow_private_addresses = true;
  options.connect_to = {"www.mfk.com:443:127.0.0.1:" + std::to_string(port)};
  options.connect_timeout = std::chrono::milliseconds(2000);
  options.max_per_host = 8;
  auto fetcher = NewCurlFetcher(options);
  ASSERT_TRUE(fetcher.ok()) << fetcher.status().ToString();

  // nginx needs a moment to listen: one request until it answers.
  FetchResult first;
  for (int attempt = 0; attempt < 50; ++attempt) {
    (*fetcher)->Submit({.url = hc::testing::ParsedUrl("https://www.mfk.com/p0.html"), .context_id = 100});
    std::vector<FetchResult> results;
    while (results.empty()) results = (*fetcher)->Perform(std::chrono::milliseconds(200));
    first = results[0];
    if (first.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(first.ok()) << FetchErrorName(first.error) << ": " << first.error_message << "\n"
                          << hc::testing::ReadFile(dir / "error.log");
  EXPECT_EQ(first.http_version, "2");

  for (uint64_t i = 0; i < 8; ++i) {
    (*fetcher)->Submit(
        {.url = hc::testing::ParsedUrl("https://www.mfk.com/p" + std::to_string(i) + ".html"), .context_id = i + 1});
  }
  std::map<uint64_t, FetchResult> done;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (done.size() < 8 && std::chrono::steady_clock::now() < deadline) {
    for (auto& r : (*fetcher)->Perform(std::chrono::milliseconds(200))) done[r.context_id] = std::move(r);
  }
  ASSERT_EQ(done.size(), 8u);
  for (const auto& [id, r] : done) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(r.ok()) << r.error_message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.http_version, "2");
    EXPECT_EQ(r.body, "<html><body>page " + std::to_string(id - 1) + "</body></html>");
  }
  fetcher->reset();  // closes the connection, so nginx has logged every request

  // Every request came over HTTP/2 on one connection (the first one's, kept alive).
  std::set<std::string> connections;
  int lines = 0;
  for (int i = 0; i < 50 && lines < 9; ++i) {
    std::istringstream log(hc::testing::ReadFile(dir / "access.log"));
    connections.clear();
    lines = 0;
    for (std::string conn, proto, uri, status; log >> conn >> proto >> uri >> status;) {
      ++lines;
      connections.insert(conn);
      EXPECT_EQ(proto, "HTTP/2.0") << uri;
    }
    if (lines < 9) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(lines, 9);
  EXPECT_EQ(connections.size(), 1u);
}

}  // namespace
}  // namespace hc::net
