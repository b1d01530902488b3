// A small Q&A site for the drift alarm's tests (docs/drift.md): a listing of N question pages, each
// with a title, a description on two pages of three, and three answers of which two name their
// doctor. The markup's class names are parameters, so a test can "redesign" the site between crawls.
#pragma once

#include <string>
#include <vector>

#include "support/http_server.h"

namespace hc::testing {

inline constexpr const char* kDriftConfig = R"(site: demo
name: Demo Q&A
allowed_domains: [demo.com]
start_urls: ['http://www.demo.com/list.html']
page_types:
  - name: listing
    url: '/list\.html$'
  - name: question
    url: '/q/\d+\.html$'
    record: question
    fields:
      title: h1.title
      description: .desc
    lists:
      answers:
        css: .answer
        fields:
          doctor_name: .doctor
          answer_text: .text
)";

struct DriftMarkup {
  std::string doctor_class = "doctor";  // the class a redesign renames
  std::string text_class = "text";
  int views = 100;  // varies between crawls so that pages change and are extracted again
};

inline std::string DriftQuestionHtml(int id, const DriftMarkup& m) {
  std::string html =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>问题</title></head><body>"
      "<h1 class=\"title\">问题 " +
      std::to_string(id) + "</h1>";
  if (id % 3 != 0) html += "<p class=\"desc\">描述 " + std::to_string(id) + "</p>";
  html += "<span class=\"views\">" + std::to_string(m.views + id) + "人看过</span>";
  for (int a = 0; a < 3; ++a) {
    html += "<div class=\"answer\">";
    if (a != 2) html += "<b class=\"" + m.doctor_class + "\">医生" + std::to_string(a) + "</b>";
    html += "<p class=\"" + m.text_class + "\">回答 " + std::to_string(a) + "</p></div>";
  }
  return html + "</body></html>";
}

// Serves the listing and questions 1..count (and robots.txt) with markup `m`.
inline void ServeDriftSite(HttpServer& server, int count, const DriftMarkup& m) {
  std::string links;
  for (int id = 1; id <= count; ++id) links += "<a href=\"/q/" + std::to_string(id) + ".html\">q</a>";
  server.Route("/list.html", HttpResponse::Html("<html><body>" + links + "</body></html>"));
  for (int id = 1; id <= count; ++id) {
    server.Route("/q/" + std::to_string(id) + ".html", HttpResponse::Html(DriftQuestionHtml(id, m)));
  }
  server.RobotsTxt("User-agent: *\nAllow: /\n");
}

}  // namespace hc::testing
