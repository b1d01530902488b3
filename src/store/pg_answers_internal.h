// Internal to src/store: the answers of one record on PostgreSQL (pg_answers.cc) — an article's answer
// cards, a question page's answers, or a doctor's own profile — with the hospitals, doctors and (for
// cards) questions they name, under SQLite's rules for them (sqlite_store.cc; docs/schema.md), in
// three round trips however many there are: the lookups; then the doctors' and questions' writes
// beside the lookups of the answers whose rows may already exist; then the answers' writes. Each round
// is one pipeline (PgConnection::ExecPipeline). Written one statement at a time, a page of 15 cards
// took about 60 round trips, and their client side was most of what a page cost a crawler on
// PostgreSQL over one on SQLite (docs/BENCHMARKS.md, "PostgreSQL: crawler CPU per page").
//
// The result is the one-at-a-time result, row for row: each item is applied to the row as the items
// before it left it (a given value fills or replaces a field, a null never erases one, extra merged
// key by key, answers merged by internal::MergeAnswer), new rows are inserted in the order the items
// first name them (so ids come out as on SQLite), and a row that any item changed is written once,
// with the final values and this page's updated_seq.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/records.h"
#include "store/pg_store_internal.h"

namespace hc::store::pg {

// SQLite's json_patch(old, patch) (RFC 7396) as text: both backends hold the same bytes.
std::string MergedJson(const std::string& old_text, const std::string& patch_text);

// A doctor as one record names them; a null field is one the record does not give.
struct DoctorFacts {
  records::Text name, title, department, title_raw, academic_title;
  std::optional<std::string> specialties;  // JSON array text: a profile page's list
  std::string extra = "{}";                // JSON object text
  std::optional<int64_t> profile_page_id;  // the doctor's own page
};

// One answer of a record (a card or a question page's answer), or a doctor's profile: who, where, and
// what they answered.
struct AnswerFacts {
  records::Text hospital, hospital_grade, hospital_grade_raw;
  DoctorFacts doctor;
  bool has_answer = true;                   // false: a profile page (its doctor and hospital only)
  std::optional<int64_t> question_id;       // a question page's answer: the page's question
  std::optional<std::string> question_key;  // an article's card: the question it links, by URL key
  records::Text question_title;             // and the card's title for it
  int64_t anon_ordinal = 0;                 // internal::AnonOrdinal
  records::Text text, answered_at;
  const records::Json* extra = nullptr;  // required when has_answer
  bool from_page = false;                // a question page's own answer, not a card
};

// The rows the items went to, in the items' order.
struct AnswerRows {
  std::vector<std::optional<int64_t>> doctor_ids;  // nullopt: the item names no doctor
  std::vector<std::optional<int64_t>> answer_ids;  // nullopt: the item has no answer
};

// Writes `items` (all of one record) in the open transaction, with `now` and `seq` as every written
// row's updated_at and updated_seq and `site_id` as a new question's site. The first failed statement's
// Status (a lost insert race, 23505, like the one-at-a-time writes').
Result<AnswerRows> WriteAnswers(PgConnection& conn, int64_t site_id, const std::string& now, int64_t seq,
                                const std::vector<AnswerFacts>& items);

}  // namespace hc::store::pg
