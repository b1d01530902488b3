// WriteAnswers (pg_answers_internal.h): a record's answers, doctors, hospitals and card questions in
// three pipelined round trips, row for row what one statement at a time gave.
#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "store/pg_answers_internal.h"
#include "store/pg_rep_internal.h"
#include "store/record_rules_internal.h"

namespace hc::store::pg {

std::string MergedJson(const std::string& old_text, const std::string& patch_text) {
  Json merged = Json::parse(old_text, nullptr, /*allow_exceptions=*/false);
  if (!merged.is_object()) merged = Json::object();
  Json patch = Json::parse(patch_text, nullptr, /*allow_exceptions=*/false);
  if (patch.is_object()) merged.merge_patch(patch);
  return internal::DumpJson(merged);
}

namespace {

using records::Text;

// One round trip, whether the hospital is new, known or regraded (every answer card names one): found
// by name; a known grade is never erased, and the row keeps the text of the page that last gave a
// grade; a new one is inserted. One per item, in item order, so each sees the ones before it.
constexpr const char* kUpsertHospital =
    "WITH found AS (SELECT id, grade FROM hospitals WHERE name = $1),"
    " regraded AS (UPDATE hospitals h SET grade = $2, grade_raw = $5, updated_at = $3, updated_seq = $4"
    "   FROM found WHERE h.id = found.id AND $2::text IS NOT NULL AND found.grade IS DISTINCT FROM $2::text),"
    " added AS (INSERT INTO hospitals (name, grade, updated_at, updated_seq, grade_raw)"
    "   SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS (SELECT 1 FROM found) RETURNING id)"
    " SELECT id FROM found UNION ALL SELECT id FROM added";
// doctors_identity's expression, one index probe; the hospital by name, upserted just before it in the
// same pipeline.
constexpr const char* kFindDoctor =
    "SELECT id, title, department, specialties, profile_page_id, extra, title_raw, academic_title"
    " FROM doctors WHERE name = $1"
    " AND coalesce(hospital_id, 0) = coalesce((SELECT id FROM hospitals WHERE name = $2), 0)";
constexpr const char* kInsertDoctor =
    "INSERT INTO doctors (name, hospital_id, title, department, specialties, profile_page_id, extra,"
    " updated_at, updated_seq, title_raw, academic_title)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
constexpr const char* kUpdateDoctor =
    "UPDATE doctors SET title = $2, department = $3, specialties = $4, profile_page_id = $5,"
    " extra = $6, updated_at = $7, updated_seq = $8, title_raw = $9, academic_title = $10 WHERE id = $1";
constexpr const char* kFindQuestion = "SELECT id, page_id IS NULL, title FROM questions WHERE url = $1";
constexpr const char* kInsertQuestion =
    "INSERT INTO questions (site_id, url, title, updated_at, updated_seq) VALUES ($1, $2, $3, $4, $5)"
    " RETURNING id";
constexpr const char* kRetitleQuestion =
    "UPDATE questions SET title = $2, updated_at = $3, updated_seq = $4 WHERE id = $1";
// answers_identity's expression: one probe of that index.
constexpr const char* kFindAnswer =
    "SELECT id, text, answered_at, source, extra FROM answers"
    " WHERE question_id = $1 AND coalesce(doctor_id, 0) = coalesce($2::bigint, 0) AND anon_ordinal = $3";
constexpr const char* kInsertAnswer =
    "INSERT INTO answers (question_id, doctor_id, anon_ordinal, text, answered_at, source, extra,"
    " updated_at, updated_seq, answered_at_precision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    " RETURNING id";
constexpr const char* kUpdateAnswer =
    "UPDATE answers SET text = $2, answered_at = $3, source = $4, extra = $5,"
    " updated_at = $6, updated_seq = $7, answered_at_precision = $8 WHERE id = $1";

bool Named(const Text& name) { return name && !name->empty(); }

// A row as the items leave it. `id` is the found row's, or a new row's once inserted; `exists` once it
// was found or an item created it; `is_new` when an item created it; `changed` when an item changed a
// row that existed (then it is written, with every value as the last item left it).
template <typename Row>
struct RowState {
  std::optional<int64_t> id;
  bool exists = false;
  bool is_new = false;
  bool changed = false;
  Row row;
  std::optional<size_t> lookup;  // the lookup's result index, when one was made
  std::optional<size_t> written;  // the insert's result index (RETURNING id)
};

struct DoctorRow {
  Text title, department, specialties;
  std::optional<int64_t> profile_page;
  std::string extra;
  Text title_raw, academic_title;
  bool operator==(const DoctorRow&) const = default;
};

struct QuestionRow {
  bool awaiting_page = true;  // page_id IS NULL: the card's title stands in until the question page is stored
  Text title;
};

using DoctorState = RowState<DoctorRow>;
using QuestionState = RowState<QuestionRow>;
using AnswerState = RowState<internal::StoredAnswer>;

void ApplyDoctor(DoctorState& s, const DoctorFacts& f) {
  if (!s.exists) {
    s.exists = s.is_new = true;
    s.row = {f.title, f.department, f.specialties, f.profile_page_id, f.extra, f.title_raw, f.academic_title};
    return;
  }
  DoctorRow next = s.row;
  if (f.title) next.title = f.title;
  if (f.department) next.department = f.department;
  if (f.specialties) next.specialties = f.specialties;
  if (f.profile_page_id) next.profile_page = f.profile_page_id;
  next.extra = MergedJson(s.row.extra, f.extra);
  if (f.title_raw) next.title_raw = f.title_raw;
  if (f.academic_title) next.academic_title = f.academic_title;
  if (next != s.row) {
    s.row = std::move(next);
    s.changed = true;
  }
}

void ApplyQuestion(QuestionState& s, const Text& title) {
  if (!s.exists) {
    s.exists = s.is_new = true;
    s.row = {true, title};
    return;
  }
  if (s.row.awaiting_page && title && s.row.title != title) {
    s.row.title = title;
    s.changed = true;
  }
}

void ApplyAnswer(AnswerState& s, const AnswerFacts& f) {
  if (!s.exists) {
    s.exists = s.is_new = true;
    s.row = {f.text, f.answered_at, f.from_page ? "page" : "card", internal::ExtraText(*f.extra)};
    return;
  }
  auto merged = internal::MergeAnswer(s.row, f.text, f.answered_at, *f.extra, f.from_page);
  if (merged) {
    s.row = std::move(*merged);
    s.changed = true;
  }
}

Result<int64_t> FirstId(const std::vector<PgResult>& results, size_t index, const char* what) {
  if (index >= results.size() || results[index].rows() < 1)
    return Status::Internal(std::string("postgresql: no row from the ") + what + " statement");
  return Int(results[index], 0, 0);
}

// The ids of the rows that `states` inserted, from the RETURNING id of their statements in `results`.
template <typename State>
Status TakeInsertedIds(std::vector<State>& states, const std::vector<PgResult>& results, const char* what) {
  for (State& s : states) {
    if (!s.written) continue;
    auto id = FirstId(results, *s.written, what);
    if (!id.ok()) return id.status();
    s.id = *id;
  }
  return Status::Ok();
}

// The rows in the order their writes go out: the changed ones first, by id, so that two crawlers'
// pages take the row locks of shared rows in one order; then the new ones, in the order the items first
// named them, which is the order one-at-a-time writes inserted them in (ids as on SQLite).
template <typename State>
std::vector<State*> WriteOrder(std::vector<State>& states) {
  std::vector<State*> order;
  for (State& s : states)
    if (!s.is_new && s.changed) order.push_back(&s);
  std::sort(order.begin(), order.end(), [](const State* a, const State* b) { return *a->id < *b->id; });
  for (State& s : states)
    if (s.is_new) order.push_back(&s);
  return order;
}

}  // namespace

Result<AnswerRows> WriteAnswers(PgConnection& conn, int64_t site_id, const std::string& now, int64_t seq,
                                const std::vector<AnswerFacts>& items) {
  const size_t n = items.size();
  AnswerRows out;
  out.doctor_ids.resize(n);
  out.answer_ids.resize(n);
  if (n == 0) return out;

  // Round 1: each item's hospital (upserted, in item order), then the lookups of the doctors and card
  // questions, one per distinct row. A doctor is known by name and hospital, a hospital by name.
  Pipeline round;
  std::vector<std::optional<size_t>> hospital_result(n), doctor_of(n), question_of(n);
  std::vector<DoctorState> doctors;
  std::vector<QuestionState> questions;
  std::map<std::pair<std::string, std::string>, size_t> doctor_index;
  std::map<std::string, size_t> question_index;
  for (size_t i = 0; i < n; ++i) {
    const AnswerFacts& item = items[i];
    const bool hospital = Named(item.hospital);
    if (hospital) {
      hospital_result[i] = round.Add(
          kUpsertHospital, Params().Add(*item.hospital).Add(item.hospital_grade).Add(now).Add(seq).Add(
                               item.hospital_grade_raw));
    }
    if (Named(item.doctor.name)) {
      auto [at, added] =
          doctor_index.try_emplace({*item.doctor.name, hospital ? *item.hospital : std::string()}, doctors.size());
      if (added) {
        doctors.emplace_back();
        doctors.back().lookup =
            round.Add(kFindDoctor, Params().Add(*item.doctor.name).Add(hospital ? item.hospital : Text()));
      }
      doctor_of[i] = at->second;
    }
    if (item.has_answer && item.question_key) {
      auto [at, added] = question_index.try_emplace(*item.question_key, questions.size());
      if (added) {
        questions.emplace_back();
        questions.back().lookup = round.Add(kFindQuestion, Params().Add(*item.question_key));
      }
      question_of[i] = at->second;
    }
  }
  auto found = round.Run(conn);
  if (!found.ok()) return found.status();

  std::vector<std::optional<int64_t>> hospital_ids(n);
  for (size_t i = 0; i < n; ++i) {
    if (!hospital_result[i]) continue;
    auto id = FirstId(*found, *hospital_result[i], "hospital");
    if (!id.ok()) return id.status();
    hospital_ids[i] = *id;
  }
  for (DoctorState& d : doctors) {
    const PgResult& r = (*found)[*d.lookup];
    if (r.rows() == 0) continue;
    d.id = Int(r, 0, 0);
    d.exists = true;
    d.row = {OptText(r, 0, 1), OptText(r, 0, 2), OptText(r, 0, 3), OptInt(r, 0, 4),
             std::string(r.Text(0, 5)), OptText(r, 0, 6), OptText(r, 0, 7)};
  }
  for (QuestionState& q : questions) {
    const PgResult& r = (*found)[*q.lookup];
    if (r.rows() == 0) continue;
    q.id = Int(r, 0, 0);
    q.exists = true;
    q.row = {r.Text(0, 1) == "t", OptText(r, 0, 2)};
  }
  std::vector<size_t> doctor_first(doctors.size(), n);  // the first item that names each doctor
  for (size_t i = 0; i < n; ++i) {
    if (doctor_of[i]) {
      ApplyDoctor(doctors[*doctor_of[i]], items[i].doctor);
      doctor_first[*doctor_of[i]] = std::min(doctor_first[*doctor_of[i]], i);
    }
    if (question_of[i]) ApplyQuestion(questions[*question_of[i]], items[i].question_title);
  }

  // Round 2: the doctors' and questions' writes, and the lookups of the answers whose question and
  // doctor both existed before this page (an answer to a row this page creates is new).
  for (DoctorState* d : WriteOrder(doctors)) {
    const size_t first = doctor_first[static_cast<size_t>(d - doctors.data())];
    Params p;
    if (d->is_new) {
      p.Add(*items[first].doctor.name).Add(hospital_ids[first]).Add(d->row.title).Add(d->row.department);
      p.Add(d->row.specialties).Add(d->row.profile_page).Add(d->row.extra).Add(now).Add(seq);
      p.Add(d->row.title_raw).Add(d->row.academic_title);
      d->written = round.Add(kInsertDoctor, std::move(p));
    } else {
      p.Add(*d->id).Add(d->row.title).Add(d->row.department).Add(d->row.specialties).Add(d->row.profile_page);
      p.Add(d->row.extra).Add(now).Add(seq).Add(d->row.title_raw).Add(d->row.academic_title);
      round.Add(kUpdateDoctor, std::move(p));
    }
  }
  std::vector<const std::string*> question_keys(questions.size());
  for (const auto& [key, index] : question_index) question_keys[index] = &key;
  for (QuestionState* q : WriteOrder(questions)) {
    if (q->is_new) {
      const std::string& key = *question_keys[static_cast<size_t>(q - questions.data())];
      q->written = round.Add(kInsertQuestion, Params().Add(site_id).Add(key).Add(q->row.title).Add(now).Add(seq));
    } else {
      round.Add(kRetitleQuestion, Params().Add(*q->id).Add(q->row.title).Add(now).Add(seq));
    }
  }
  // Answers by identity: (question, doctor, anonymous ordinal); a card without a question is an answer
  // of its own. A question is the page's (its id) or a card's (its state); a doctor is a state or none.
  using AnswerKey = std::tuple<int64_t, int64_t, int64_t, int64_t>;  // page question, card question, doctor, ordinal
  std::map<AnswerKey, size_t> answer_index;
  std::vector<AnswerState> answers;
  std::vector<std::optional<size_t>> answer_of(n);
  std::vector<size_t> answer_first;  // the first item of each answer
  for (size_t i = 0; i < n; ++i) {
    const AnswerFacts& item = items[i];
    if (!item.has_answer) continue;
    const bool keyed = item.question_id || question_of[i];
    if (!keyed) {
      answer_of[i] = answers.size();
      answers.emplace_back();
      answer_first.push_back(i);
      continue;
    }
    const AnswerKey key{item.question_id.value_or(-1), question_of[i] ? static_cast<int64_t>(*question_of[i]) : -1,
                        doctor_of[i] ? static_cast<int64_t>(*doctor_of[i]) : -1, item.anon_ordinal};
    auto [at, added] = answer_index.try_emplace(key, answers.size());
    answer_of[i] = at->second;
    if (!added) continue;
    answers.emplace_back();
    answer_first.push_back(i);
    const std::optional<int64_t> question = item.question_id ? item.question_id
                                                             : questions[*question_of[i]].is_new
                                                                   ? std::nullopt
                                                                   : questions[*question_of[i]].id;
    const bool doctor_existed = !doctor_of[i] || !doctors[*doctor_of[i]].is_new;
    if (question && doctor_existed) {
      const std::optional<int64_t> doctor = doctor_of[i] ? doctors[*doctor_of[i]].id : std::nullopt;
      answers.back().lookup =
          round.Add(kFindAnswer, Params().Add(*question).Add(doctor).Add(item.anon_ordinal));
    }
  }
  if (!round.empty()) {
    auto written = round.Run(conn);
    if (!written.ok()) return written.status();
    HC_RETURN_IF_ERROR(TakeInsertedIds(doctors, *written, "doctor insert"));
    HC_RETURN_IF_ERROR(TakeInsertedIds(questions, *written, "question insert"));
    for (AnswerState& a : answers) {
      if (!a.lookup) continue;
      const PgResult& r = (*written)[*a.lookup];
      if (r.rows() == 0) continue;
      a.id = Int(r, 0, 0);
      a.exists = true;
      a.row = {OptText(r, 0, 1), OptText(r, 0, 2), std::string(r.Text(0, 3)), std::string(r.Text(0, 4))};
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (doctor_of[i]) out.doctor_ids[i] = doctors[*doctor_of[i]].id;
    if (answer_of[i]) ApplyAnswer(answers[*answer_of[i]], items[i]);
  }

  // Round 3: the answers' writes.
  for (AnswerState* a : WriteOrder(answers)) {
    const size_t first = answer_first[static_cast<size_t>(a - answers.data())];
    const AnswerFacts& item = items[first];
    const auto precision = internal::DatePrecision(a->row.answered_at);
    if (a->is_new) {
      const std::optional<int64_t> question =
          item.question_id ? item.question_id
                           : question_of[first] ? questions[*question_of[first]].id : std::nullopt;
      Params p;
      p.Add(question).Add(out.doctor_ids[first]).Add(item.anon_ordinal).Add(a->row.text).Add(a->row.answered_at);
      p.Add(a->row.source).Add(a->row.extra).Add(now).Add(seq).Add(precision);
      a->written = round.Add(kInsertAnswer, std::move(p));
    } else {
      Params p;
      p.Add(*a->id).Add(a->row.text).Add(a->row.answered_at).Add(a->row.source).Add(a->row.extra).Add(now);
      p.Add(seq).Add(precision);
      round.Add(kUpdateAnswer, std::move(p));
    }
  }
  if (!round.empty()) {
    auto written = round.Run(conn);
    if (!written.ok()) return written.status();
    HC_RETURN_IF_ERROR(TakeInsertedIds(answers, *written, "answer insert"));
  }
  for (size_t i = 0; i < n; ++i)
    if (answer_of[i]) out.answer_ids[i] = answers[*answer_of[i]].id;
  return out;
}

}  // namespace hc::store::pg
