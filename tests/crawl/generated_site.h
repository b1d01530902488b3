// Generated mfk-like pages for the crawl fault and crash tests: small articles that the shipped
// selectors/mfk.yaml extracts (title, body, date, views), listings that link them, and a site of any
// size built from both on a loopback HttpServer. The pages carry no links but the ones a test puts
// there, so a crawl reaches exactly the URLs the test intends.
#pragma once

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

}  // namespace hc::testing
