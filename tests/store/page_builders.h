// Builders for the page observations the store tests write: records shaped exactly as the page JSON
// contract says (every canonical field present, "extra" and child lists always there).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/clock.h"
#include "core/records.h"
#include "store/dataset.h"
#include "store/frontier.h"

namespace hc::store::testing {

inline TimePoint At(const std::string& iso) {
  TimePoint t{};
  ParseIso8601(iso, &t);
  return t;
}

inline Json Card(const std::string& question_url, const std::string& doctor, const std::string& text,
                 const std::string& hospital = "协和医院") {
  Json c = Json::object();
  c["type"] = "answer_card";
  c["question_title"] = "问题 " + question_url;
  c["question_url"] = question_url;
  c["doctor_name"] = doctor;
  c["doctor_title"] = "主任医师";
  c["department"] = "心内科";
  c["hospital"] = hospital;
  c["hospital_grade"] = "三甲";
  c["answer_text"] = text;
  c["answered_at"] = "2026-02-01";
  c["extra"] = Json::object();
  return c;
}

inline Json Article(const std::string& title, std::optional<int64_t> views, Json cards = Json::array(),
                    Json diseases = Json::array()) {
  Json a = Json::object();
  a["type"] = "article";
  a["title"] = title;
  a["body"] = "正文 " + title;
  a["published_at"] = "2026-02-28";
  a["views"] = views ? Json(*views) : Json(nullptr);
  a["author"] = "王医生";
  a["tags"] = Json::array({"高血压", "饮食"});
  a["source"] = "民福康";
  a["extra"] = {{"category", "心血管"}};
  a["diseases"] = std::move(diseases);
  a["answers"] = std::move(cards);
  return a;
}

inline Json Disease(const std::string& name) {
  return {{"type", "disease"}, {"name", name}, {"summary", name + "是一种常见病"},
          {"url", "https://www.mfk.com/disease/" + name}, {"extra", Json::object()}};
}

// A record in its page JSON form as the typed record the store takes (fails the test when it is not one).
inline records::Record Typed(const Json& record) {
  auto typed = records::FromJson(record);
  EXPECT_TRUE(typed.ok()) << typed.status().ToString();
  return typed.ok() ? std::move(*typed) : records::Record();
}

inline PageObservation Page(const std::string& url, const std::string& when, Json record,
                            const std::string& site = "mfk") {
  PageObservation p;
  p.site = site;
  p.url = url;
  p.page_type = record.is_null() ? "listing" : record.value("type", std::string());
  p.http_status = 200;
  p.content_type = "text/html; charset=utf-8";
  p.charset = "UTF-8";
  p.fetched_at = At(when);
  if (!record.is_null()) p.records.push_back(Typed(record));
  return p;
}

// A frontier URL of the mfk site: https://www.mfk.com/ + `path`.
inline NewUrl MfkUrl(const std::string& path) {
  NewUrl url;
  url.site = "mfk";
  url.url = "https://www.mfk.com/" + path;
  url.origin = "https://www.mfk.com";
  return url;
}

// `n` listing pages (list/0.html, list/1.html, ...) written into the store's open batch.
inline void PutListPages(PageWriter& store, int n) {
  for (int i = 0; i < n; ++i) {
    Status s = store.PutPage(Page("https://www.mfk.com/list/" + std::to_string(i) + ".html",
                                  "2026-03-02T10:00:00Z", Json()));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
}

// Reads the database with a separate plain connection, as a user's tool would.
class Peek {
 public:
  explicit Peek(const std::string& path) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    db_.reset(db);
  }
  // The first column of the first row as text ("" for NULL or no row).
  std::string Text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      const void* p = sqlite3_column_blob(s, 0);
      out.assign(static_cast<const char*>(p ? p : ""), static_cast<size_t>(sqlite3_column_bytes(s, 0)));
    }
    sqlite3_finalize(s);
    return out;
  }
  // Every row of a query, columns separated by '|' and rows by newlines (NULL as "NULL").
  std::string All(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK) return "error";
    while (sqlite3_step(s) == SQLITE_ROW) {
      for (int i = 0; i < sqlite3_column_count(s); ++i) {
        if (i) out += '|';
        const void* p = sqlite3_column_blob(s, i);
        if (sqlite3_column_type(s, i) == SQLITE_NULL) {
          out += "NULL";
        } else {
          out.append(static_cast<const char*>(p ? p : ""), static_cast<size_t>(sqlite3_column_bytes(s, i)));
        }
      }
      out += '\n';
    }
    sqlite3_finalize(s);
    return out;
  }
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    int64_t out = -1;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
      out = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return out;
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace hc::store::testing
