// Internal to src/store: the rules by which records become rows, shared by both backends
// (sqlite_store.cc, pg_dataset.cc), so that SQLite and PostgreSQL store the same dataset from the same
// pages. Only the statements differ between the backends; what is written, and when, is decided here.
#pragma once

#include <optional>
#include <string>

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

}  // namespace hc::store::internal
