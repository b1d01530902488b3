// The crawl tests' site: the saved mfk (and xywy) pages served by a loopback HttpServer at the paths of
// their real URLs, reached through FetcherOptions::connect_to ("www.mfk.com:80" -> 127.0.0.1:port), so
// the selector configs of selectors/ apply unchanged. The pages' absolute https links are rewritten to
// http (the test server speaks plain HTTP); relative links already resolve against http.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crawl/crawl.h"
#include "extract/extract.h"
#include "support/http_server.h"
#include "support/test_env.h"

namespace hc::testing {

inline std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

// The page bytes with https://<host> links turned into http://<host>.
inline std::string HttpOnly(std::string html) {
  for (const char* host : {"www.mfk.com", "WWW.MFK.COM", "club.xywy.com"}) {
    html = ReplaceAll(std::move(html), std::string("https://") + host, std::string("http://") + host);
    html = ReplaceAll(std::move(html), std::string("HTTPS://") + host, std::string("http://") + host);
  }
  return html;
}

inline std::string FixtureHtml(const std::string& site, const std::string& page) {
  return HttpOnly(ReadFile(FixturesDir() / "sites" / site / (page + ".html")));
}

// Paths of the mfk fixture pages.
inline constexpr const char* kArticlePath = "/article/1620381.html";
inline constexpr const char* kListPath = "/list/guke.html";
inline const std::vector<std::pair<std::string, std::string>>& MfkPages() {
  static const std::vector<std::pair<std::string, std::string>> pages = {
      {"/article/1620381.html", "article"},
      {"/list/guke.html", "list-guke"},
      {"/question/58213307.html", "question-58213307"},
      {"/question/58190462.html", "question-58190462"},
      {"/question/58176015.html", "question-58176015"},
  };
  return pages;
}

// Serves the five mfk pages and an allow-all robots.txt.
inline void ServeMfk(HttpServer& server) {
  for (const auto& [path, page] : MfkPages()) server.Route(path, HttpResponse::Html(FixtureHtml("mfk", page)));
  server.RobotsTxt("User-agent: *\nAllow: /\n");
}

inline std::string MfkUrl(const std::string& path) { return "http://www.mfk.com" + path; }

// Options for a fast crawl of www.mfk.com on `server`.
inline crawl::CrawlOptions FastOptions(const HttpServer& server, const std::string& host = "www.mfk.com") {
  crawl::CrawlOptions options;
  // Every host and port goes to the loopback server (the second, catch-all entry), so nothing a test
  // crawls can reach the internet.
  options.fetcher.connect_to = {host + ":80:127.0.0.1:" + std::to_string(server.port()),
                                "::127.0.0.1:" + std::to_string(server.port())};
  options.fetcher.allow_private_addresses = true;
  options.fetcher.connect_timeout = std::chrono::milliseconds(1000);
  options.fetcher.total_timeout = std::chrono::milliseconds(3000);
  options.delay_seconds = 0;
  options.retry_base_delay = std::chrono::milliseconds(20);
  options.workers = 2;
  options.commit_interval = std::chrono::milliseconds(100);
  options.lease_owner = "test";
  options.read_sitemaps = false;  // the config's sitemap is an https URL; the sitemap test opts in
  return options;
}

// Writes `dir`/mfk.yaml: the shipped mfk config started from a page ServeMfk has (the list page), without
// its https sitemap, for the tests that run the scheduler's crawls (serve's "run now").
inline void WriteLoopbackMfkConfig(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::string yaml = ReadFile(SelectorsDir() / "mfk.yaml");
  yaml = ReplaceAll(yaml, "start_urls: ['https://www.mfk.com/list/zixun.html']",
                    "start_urls: ['http://www.mfk.com/list/guke.html']");
  yaml = ReplaceAll(yaml, "sitemaps: ['https://www.mfk.com/sitemap.xml']", "sitemaps: []");
  WriteFile(dir / "mfk.yaml", yaml);
}

// selectors/<site>.yaml with its `sitemaps:` line replaced (the shipped configs name https URLs).
inline extract::SelectorProgram LoadProgramWithSitemaps(const std::string& site, const std::string& sitemaps) {
  std::string yaml = ReadFile(SelectorsDir() / (site + ".yaml"));
  const size_t at = yaml.find("\nsitemaps:");
  if (at != std::string::npos) yaml.erase(at + 1, yaml.find('\n', at + 1) - at);
  yaml = ReplaceAll(std::move(yaml), "\nallowed_domains:", "\nsitemaps: " + sitemaps + "\nallowed_domains:");
  auto program = extract::SelectorProgram::FromYaml(yaml, site + ".yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  return std::move(*program);
}

inline extract::SelectorProgram LoadProgram(const std::string& site) {
  auto program = extract::LoadSite(SelectorsDir(), site);
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  return std::move(*program);
}

}  // namespace hc::testing
