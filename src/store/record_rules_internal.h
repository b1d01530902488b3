// Internal to src/store: the rules by which records become rows, shared by both backends
// (sqlite_store.cc, pg_dataset.cc), so that SQLite and PostgreSQL store the same dataset from the same
// pages. Only the statements differ between the backends; what is written, and when, is decided here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/records.h"

namespace hc::store::internal {

// A record's `extra` as stored: the object's JSON, "{}" for anything else.
std::string ExtraText(const records::Json& extra);
// A list of strings as stored: its JSON array.
std::string ListText(const records::TextList& list);
// "date" or "datetime": the precision a stored date has (extraction writes 2026-02-28 or
// 2025-11-03T08:30:00+08:00); null with the date.
std::optional<std::string> DatePrecision(const records::Text& date);

// An answer row's mergeable columns.
struct StoredAnswer {
  std::optional<std::string> text;
  std::optional<std::string> answered_at;
  std::string source;  // "page" or "card"
  std::string extra;   // JSON object text
};

// The merge of a newly seen answer into its stored row: the question page's full text wins; between
// two cards the longer text wins (cards are often cut short with "..."); a known answered_at is never
// erased; extra is merged key by key (RFC 7396). nullopt when the row stays as it is.
std::optional<StoredAnswer> MergeAnswer(const StoredAnswer& old, const records::Text& text,
                                        const records::Text& answered_at, const records::Json& extra,
                                        bool from_page);

// A record of the page that has child lists (core/records.h ChildList), and the row it was stored in.
struct ChildOwner {
  std::string_view parent_table;     // "doctors", "articles", "questions", "diseases", "answers"
  std::optional<int64_t> parent_id;  // nullopt when the record has no row (a doctor without a name)
  std::string record_path;           // "" for the page's record, "answers[1]" for a list item
  const records::ChildLists* children = nullptr;
};

// The record path of the item `index` of the page record's list `list`: "answers[1]".
std::string ItemPath(std::string_view list, size_t index);

// The child records of a page, noted as its records are written (each with the row it went to) and
// stored at the end, so that a page's items are replaced as a whole: a revisit never duplicates an
// item and an item the page no longer shows is gone (docs/schema.md "record_children").
class ChildOwners {
 public:
  // Notes `children` of the record stored in `table`'s row `id` (nothing when it has none).
  void Add(std::string_view table, std::optional<int64_t> id, std::string path,
           const records::ChildLists& children) {
    if (!children.empty()) owners_.push_back({table, id, std::move(path), &children});
  }

  // One record_children row: the owner's columns, the list, the item's position in it and its fields
  // as one JSON object.
  struct Row {
    const ChildOwner* owner;
    const std::string* list;
    int64_t position;
    std::string fields;
  };
  // Every row to store, owners in the order they were noted, each list's items in page order.
  std::vector<Row> Rows() const;
  const std::vector<ChildOwner>& owners() const { return owners_; }

 private:
  std::vector<ChildOwner> owners_;
};

// Helpful votes, a counter stored on every visit (left out of content_hash): the answers of a question
// page are found again by the identity WriteQuestion gives them, the doctor (name and hospital, none
// for an anonymous answer) and the ordinal among the anonymous ones.
struct AnswerVotes {
  records::Text doctor_name;  // null for an anonymous answer
  records::Text hospital;     // null when none is given
  int64_t anon_ordinal = 0;
  int64_t votes = 0;
};
std::vector<AnswerVotes> QuestionAnswerVotes(const records::Question& question);
// The ordinal of a question page's answer among the anonymous ones: 0 for a named doctor's, else the
// running count of anonymous answers before it (both backends number answers so).
inline int64_t AnonOrdinal(bool named, int64_t* anonymous) { return named ? 0 : (*anonymous)++; }

// The cards of an article with helpful votes: their position in the article and the count.
struct CardVotes {
  int64_t position = 0;
  int64_t votes = 0;
};
std::vector<CardVotes> ArticleCardVotes(const records::Article& article);

}  // namespace hc::store::internal
