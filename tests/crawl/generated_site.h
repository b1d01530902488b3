// Generated mfk-like pages for the crawl fault and crash tests: small articles that the shipped
// selectors/mfk.yaml extracts (title, body, date, views), listings that link them, and a site of any
// size built from both on a loopback HttpServer. The pages carry no links but the ones a test puts
// there, so a crawl reaches exactly the URLs the test intends.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "support/http_server.h"

namespace hc::testing {

// An article page at www.mfk.com/article/<id>.html. `title` empty leaves the required title out, so
// extraction fails ("extract: title: ...").
inline std::string GeneratedArticleHtml(int id, const std::string& title) {
  std::string html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>文章</title></head><body>"
      "<div class=\"crumbs\">首页 > 骨科 > 正文</div><div class=\"article\">";
  if (!title.empty()) html += "<h1 class=\"article-title\">" + title + "</h1>";
  html += "<div class=\"article-meta\"><span class=\"time\">发布于 2026-02-" + std::to_string(10 + id % 18) +
          "</span><span class=\"views\">" + std::to_string(100 + id) +
          "次浏览</span><span class=\"source\">来源：民福康</span></div>"
          "<div class=\"article-body\"><p>第 " + std::to_string(id) + " 篇文章的正文，讲颈椎病的预防。</p>"
          "<p>第二段：注意坐姿，适当运动。</p></div></div></body></html>";
  return html;
}

inline std::string GeneratedTitle(int id) { return "颈椎病的预防 第" + std::to_string(id) + "篇"; }

inline std::string GeneratedArticlePath(int id) { return "/article/" + std::to_string(id) + ".html"; }

// A listing page linking `hrefs` (site-relative paths).
inline std::string GeneratedListingHtml(const std::vector<std::string>& hrefs) {
  std::string html = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>列表</title></head><body><ul>";
  for (const auto& href : hrefs) html += "<li><a href=\"" + href + "\">文章</a></li>";
  html += "</ul></body></html>";
  return html;
}

inline HttpResponse GeneratedArticle(int id) { return HttpResponse::Html(GeneratedArticleHtml(id, GeneratedTitle(id))); }

// The site of the kill -9 tests (crash_test.cc, pg_cluster_crash_test.cc): `articles` articles from
// `first_article` on, in listings of `per_listing` at /list/guke.html, /list/guke_2.html, ..., each
// listing linking the next and one article that is not there (`missing_from` + n: a 404 failure); every
// `untitled_every`-th article lacks its required title (an extraction failure), so failures and failed
// pages are compared too.
struct KillTestSite {
  int per_listing = 50;
  int first_article = 100000;
  int untitled_every = 101;
  int missing_from = 8000000;
};

inline std::string KillTestListingPath(int n) {
  return n == 1 ? "/list/guke.html" : "/list/guke_" + std::to_string(n) + ".html";
}

inline void ServeKillTestSite(HttpServer& server, int articles, const KillTestSite& shape) {
  server.RobotsTxt("User-agent: *\nAllow: /\n");
  const int listings = (articles + shape.per_listing - 1) / shape.per_listing;
  for (int n = 1; n <= listings; ++n) {
    std::vector<std::string> hrefs;
    for (int i = (n - 1) * shape.per_listing; i < std::min(articles, n * shape.per_listing); ++i) {
      const int id = shape.first_article + i;
      hrefs.push_back(GeneratedArticlePath(id));
      const std::string title = id % shape.untitled_every == 0 ? std::string() : GeneratedTitle(id);
      server.Route(GeneratedArticlePath(id), HttpResponse::Html(GeneratedArticleHtml(id, title)));
    }
    hrefs.push_back(GeneratedArticlePath(shape.missing_from + n));  // not routed: 404
    if (n < listings) hrefs.push_back(KillTestListingPath(n + 1));
    server.Route(KillTestListingPath(n), HttpResponse::Html(GeneratedListingHtml(hrefs)));
  }
}

}  // namespace hc::testing
