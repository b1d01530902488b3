// SqliteStore: opening and migrating the database, storing pages (PutPage) and their records, the raw
// archive and crawl runs. How records map to rows is documented table by table in docs/schema.md.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

#include "core/vocabulary.h"
#include "store/batch_policy_internal.h"
#include "store/digest.h"
#include "store/record_children_internal.h"
#include "store/record_rules_internal.h"
#include "store/schema_internal.h"
#include "store/sqlite_internal.h"
#include "store/sqlite_store_internal.h"
#include "store/store_rep_internal.h"

namespace hc::store {

using internal::Blob;
using internal::Db;
using internal::Execute;
using internal::Query;

namespace {

using records::AnswerCard;
using records::Article;
using records::DiseaseCard;
using records::DoctorProfile;
using records::Question;
using records::Record;
using records::Text;

using internal::DatePrecision;
using internal::ExtraText;
using internal::ListText;

Status ValidateObservation(const PageObservation& page) {
  if (page.site.empty()) return Status::InvalidArgument("page has no site");
  if (page.url.empty()) return Status::InvalidArgument("page has no url");
  if (page.records.size() > 1) {
    return Status::InvalidArgument(page.url + ": a page yields at most one record, got " +
                                   std::to_string(page.records.size()));
  }
  for (const Record& record : page.records) {
    const records::RecordKind& kind = records::KindOf(record);
    if (!kind.page_record) {
      return Status::InvalidArgument(page.url + ": record kind \"" + std::string(kind.name) +
                                     "\" cannot be a page's record");
    }
  }
  return Status::Ok();
}

// Everything one PutPage call writes, with the values every statement shares.
class PageWrite {
 public:
  PageWrite(Db& db, internal::PeopleRows& people, const PageObservation& page, std::string now, int64_t seq)
      : db_(db), people_(people), page_(page), now_(std::move(now)), seq_(seq) {}

  Status Run(int raw_versions, internal::ArchiveCodec& archive);

 private:
  Status UpsertSite();
  Status WriteRecords();
  Status WriteArticle(const Article& article);
  Status WriteQuestion(const Question& question);
  Status WriteDoctor(const DoctorProfile& doctor);
  Result<std::optional<int64_t>> UpsertDisease(const DiseaseCard& disease, std::optional<int64_t> page_id);
  Result<std::optional<int64_t>> UpsertHospital(const Text& name, const Text& grade, const Text& grade_raw);
  // Who answered (a card or an answer) or whose profile it is (with `profile_page_id`).
  struct DoctorFacts {
    const Text& name;
    const Text& title;
    const Text& department;
    const Text& title_raw;
    const Text& academic_title;
    std::optional<std::string> specialties;  // JSON text; profiles only
    std::string extra;                       // JSON text; profiles only ("{}" otherwise)
  };
  Result<std::optional<int64_t>> UpsertDoctor(const DoctorFacts& doctor, std::optional<int64_t> hospital_id,
                                              std::optional<int64_t> profile_page_id);
  Result<int64_t> UpsertQuestionFromCard(const std::string& key, const std::optional<std::string>& title);
  Result<int64_t> UpsertAnswer(std::optional<int64_t> question_id, std::optional<int64_t> doctor_id,
                               int64_t anon_ordinal, const Text& text, const Text& answered_at,
                               const Json& extra, bool from_page);
  Status RecordViews();
  // Notes a record that carries child lists (declared by the config), with the row it was stored in;
  // WriteRecords stores them all at the end (record_children).
  void AddChildOwner(std::string_view table, std::optional<int64_t> id, std::string path,
                     const records::ChildLists& children) {
    child_owners_.Add(table, id, std::move(path), children);
  }
  Status RecordHelpfulVotes(const Record& record);
  Status ArchiveRaw(int raw_versions, internal::ArchiveCodec& archive);
  std::string KeyOf(const std::string& url) const {
    auto it = page_.record_url_keys.find(url);
    return it == page_.record_url_keys.end() ? url : it->second;
  }

  Db& db_;
  internal::PeopleRows& people_;  // the open batch's hospitals and doctors rows
  const PageObservation& page_;
  std::string now_;
  int64_t seq_;
  int64_t site_id_ = 0;
  int64_t page_id_ = 0;
  std::string fetched_;
  internal::ChildOwners child_owners_;
};

Status PageWrite::Run(int raw_versions, internal::ArchiveCodec& archive) {
  fetched_ = FormatUtc(page_.fetched_at);
  HC_RETURN_IF_ERROR(UpsertSite());
  const std::string key = page_.url_key.empty() ? page_.url : page_.url_key;
  const bool ok = page_.failure_reason.empty();
  const std::string hash = !ok                          ? std::string()
                           : page_.content_hash.empty() ? ContentHash(page_.records)
                                                        : page_.content_hash;
  const std::string notes = internal::DumpJson(Json(page_.limits));

  bool changed = false;
  {
    auto q = db_.Prepare(
        "SELECT id, content_hash, last_fetched_at, failure_reason FROM pages WHERE url = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, key);
    bool exists = q->Step();
    HC_RETURN_IF_ERROR(q->status());
    if (!exists) {
      auto ins = db_.Prepare(
          "INSERT INTO pages (site_id, url, fetched_url, page_type, http_status, content_type, charset,"
          " etag, last_modified, content_hash, first_fetched_at, last_fetched_at, last_changed_at,"
          " failure_reason, updated_at, updated_seq, fetch_count, notes, links_dropped)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15, 1, ?16, ?17)");
      if (!ins.ok()) return ins.status();
      ins->Bind(1, site_id_).Bind(2, key).Bind(3, page_.url).BindOrNull(4, page_.page_type);
      if (page_.http_status > 0) ins->Bind(5, page_.http_status);
      ins->BindOrNull(6, page_.content_type).BindOrNull(7, page_.charset).BindOrNull(8, page_.etag);
      ins->BindOrNull(9, page_.last_modified).BindOrNull(10, hash).Bind(11, fetched_);
      if (ok) ins->Bind(12, fetched_);
      ins->BindOrNull(13, page_.failure_reason).Bind(14, now_).Bind(15, seq_);
      ins->Bind(16, notes).Bind(17, page_.links_dropped);
      HC_RETURN_IF_ERROR(ins->Run());
      page_id_ = db_.LastInsertId();
      changed = ok;
    } else {
      page_id_ = q->Int(0);
      const auto old_hash = q->OptText(1);
      const std::string last_fetched = q->Text(2);
      const auto old_failure = q->OptText(3);
      const bool latest = fetched_ >= last_fetched;
      const std::optional<std::string> new_failure =
          ok ? std::nullopt : std::optional<std::string>(page_.failure_reason);
      changed = ok && latest && old_hash != hash;
      const bool failure_changed = latest && old_failure != new_failure;
      if (latest) {
        auto up = db_.Prepare(
            "UPDATE pages SET site_id = ?2, fetched_url = ?3, page_type = ?4, http_status = ?5,"
            " content_type = ?6, charset = ?7, etag = ?8, last_modified = ?9,"
            " content_hash = coalesce(?10, content_hash), last_fetched_at = ?11,"
            " last_changed_at = CASE WHEN ?12 THEN ?11 ELSE last_changed_at END,"
            " failure_reason = ?13, fetch_count = fetch_count + (?11 > last_fetched_at),"
            " updated_at = CASE WHEN ?12 OR ?14 THEN ?15 ELSE updated_at END,"
            " updated_seq = CASE WHEN ?12 OR ?14 THEN ?16 ELSE updated_seq END,"
            " notes = ?17, links_dropped = ?18"
            " WHERE id = ?1");
        if (!up.ok()) return up.status();
        up->Bind(1, page_id_).Bind(2, site_id_).Bind(3, page_.url).BindOrNull(4, page_.page_type);
        if (page_.http_status > 0) up->Bind(5, page_.http_status);
        up->BindOrNull(6, page_.content_type).BindOrNull(7, page_.charset).BindOrNull(8, page_.etag);
        up->BindOrNull(9, page_.last_modified).BindOrNull(10, hash).Bind(11, fetched_);
        up->Bind(12, changed ? 1 : 0).Bind(13, new_failure).Bind(14, failure_changed ? 1 : 0);
        up->Bind(15, now_).Bind(16, seq_).Bind(17, notes).Bind(18, page_.links_dropped);
        HC_RETURN_IF_ERROR(up->Run());
      } else {
        HC_RETURN_IF_ERROR(Execute(
            db_, // An observation older than every one seen is a fetch not counted yet; one between the
            // first and the last cannot be told from a repeat, and a repeat must change nothing.
            "UPDATE pages SET fetch_count = fetch_count + (?2 < first_fetched_at),"
            " first_fetched_at = min(first_fetched_at, ?2) WHERE id = ?1",
            page_id_, fetched_));
      }
    }
  }

  if (!ok) {
    const std::string detail =
        page_.field_failures.is_array() ? internal::DumpJson(page_.field_failures) : std::string("[]");
    auto q = db_.Prepare(
        "INSERT INTO failures (page_id, failed_at, http_status, reason, detail, updated_seq)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (page_id, failed_at, reason) DO NOTHING");
    if (!q.ok()) return q.status();
    q->Bind(1, page_id_).Bind(2, fetched_).Bind(4, page_.failure_reason).Bind(5, detail).Bind(6, seq_);
    if (page_.http_status > 0) q->Bind(3, page_.http_status);
    HC_RETURN_IF_ERROR(q->Run());
  }
  if (changed) HC_RETURN_IF_ERROR(WriteRecords());
  if (ok) HC_RETURN_IF_ERROR(RecordViews());
  if (page_.raw && raw_versions > 0) HC_RETURN_IF_ERROR(ArchiveRaw(raw_versions, archive));
  return Status::Ok();
}

// The lookups below read before they write: the row nearly always exists already (a site on every
// page, a hospital on most cards), and a SELECT costs less than an INSERT ... ON CONFLICT and the
// SELECT for its id. One writer holds the database (BEGIN IMMEDIATE), so nothing comes in between.
Status PageWrite::UpsertSite() {
  {
    auto id = db_.Prepare("SELECT id FROM sites WHERE key = ?1");
    if (!id.ok()) return id.status();
    id->Bind(1, page_.site);
    if (id->Step()) {
      site_id_ = id->Int(0);
      return Status::Ok();
    }
    HC_RETURN_IF_ERROR(id->status());
  }
  HC_RETURN_IF_ERROR(Execute(db_, "INSERT INTO sites (key, first_seen_at, updated_seq) VALUES (?1, ?2, ?3)",
                             page_.site, now_, seq_));
  site_id_ = db_.LastInsertId();
  return Status::Ok();
}

Status PageWrite::WriteRecords() {
  for (const Record& record : page_.records) {
    if (const auto* article = std::get_if<Article>(&record)) {
      HC_RETURN_IF_ERROR(WriteArticle(*article));
    } else if (const auto* question = std::get_if<Question>(&record)) {
      HC_RETURN_IF_ERROR(WriteQuestion(*question));
    } else if (const auto* doctor = std::get_if<DoctorProfile>(&record)) {
      HC_RETURN_IF_ERROR(WriteDoctor(*doctor));
    } else if (const auto* disease = std::get_if<DiseaseCard>(&record)) {
      auto id = UpsertDisease(*disease, page_id_);
      if (!id.ok()) return id.status();
      AddChildOwner("diseases", *id, "", disease->children);
    }
  }
  // Always: a page that no longer has child items (or no record) loses the ones it had.
  return internal::ReplaceRecordChildren(db_, page_id_, child_owners_, now_, seq_);
}

Status PageWrite::WriteArticle(const Article& a) {
  int64_t article_id = 0;
  {
    auto q = db_.Prepare(
        "INSERT INTO articles (page_id, site_id, title, body, published_at, author, tags, source, extra,"
        " updated_at, updated_seq, published_at_precision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12)"
        " ON CONFLICT (page_id) DO UPDATE SET site_id = excluded.site_id, title = excluded.title,"
        " body = excluded.body, published_at = excluded.published_at, author = excluded.author,"
        " tags = excluded.tags, source = excluded.source, extra = excluded.extra,"
        " updated_at = excluded.updated_at, updated_seq = excluded.updated_seq,"
        " published_at_precision = excluded.published_at_precision RETURNING id");
    if (!q.ok()) return q.status();
    q->Bind(1, page_id_).Bind(2, site_id_).Bind(3, a.title).Bind(4, a.body).Bind(5, a.published_at);
    q->Bind(6, a.author).Bind(7, ListText(a.tags)).Bind(8, a.source).Bind(9, ExtraText(a.extra));
    q->Bind(10, now_).Bind(11, seq_).Bind(12, DatePrecision(a.published_at));
    if (!q->Step()) return q->status().ok() ? Status::Internal("no id from article upsert") : q->status();
    article_id = q->Int(0);
  }
  AddChildOwner("articles", article_id, "", a.children);

  HC_RETURN_IF_ERROR(Execute(db_, "DELETE FROM article_diseases WHERE article_id = ?1", article_id));
  int64_t position = 0;
  for (size_t i = 0; i < a.diseases.size(); ++i) {
    const DiseaseCard& disease = a.diseases[i];
    auto id = UpsertDisease(disease, std::nullopt);
    if (!id.ok()) return id.status();
    AddChildOwner("diseases", *id, internal::ItemPath("diseases", i), disease.children);
    if (!*id) continue;  // a disease without a name cannot be keyed
    HC_RETURN_IF_ERROR(Execute(
        db_, "INSERT INTO article_diseases (article_id, position, disease_id) VALUES (?1, ?2, ?3)",
        article_id, position++, **id));
  }

  // Cards without a question URL have answers of their own (nothing else can find them); they are
  // replaced with the article's cards. Cards with one are keyed by (question, doctor) and survive.
  std::vector<int64_t> own_answers;
  {
    auto q = db_.Prepare(
        "SELECT aq.answer_id FROM article_questions aq JOIN answers a ON a.id = aq.answer_id"
        " WHERE aq.article_id = ?1 AND a.question_id IS NULL");
    if (!q.ok()) return q.status();
    q->Bind(1, article_id);
    while (q->Step()) own_answers.push_back(q->Int(0));
    HC_RETURN_IF_ERROR(q->status());
  }
  HC_RETURN_IF_ERROR(Execute(db_, "DELETE FROM article_questions WHERE article_id = ?1", article_id));
  for (int64_t id : own_answers) HC_RETURN_IF_ERROR(Execute(db_, "DELETE FROM answers WHERE id = ?1", id));

  position = 0;
  for (size_t i = 0; i < a.answers.size(); ++i) {
    const AnswerCard& card = a.answers[i];
    auto hospital = UpsertHospital(card.hospital, card.hospital_grade, card.hospital_grade_raw);
    if (!hospital.ok()) return hospital.status();
    auto doctor = UpsertDoctor({card.doctor_name, card.doctor_title, card.department, card.doctor_title_raw,
                                card.academic_title, std::nullopt, "{}"},
                               *hospital, std::nullopt);
    if (!doctor.ok()) return doctor.status();
    std::optional<int64_t> question_id;
    if (card.question_url) {
      auto q = UpsertQuestionFromCard(KeyOf(*card.question_url), card.question_title);
      if (!q.ok()) return q.status();
      question_id = *q;
    }
    auto answer = UpsertAnswer(question_id, *doctor, 0, card.answer_text, card.answered_at, card.extra,
                               /*from_page=*/false);
    if (!answer.ok()) return answer.status();
    AddChildOwner("answers", *answer, internal::ItemPath("answers", i), card.children);
    HC_RETURN_IF_ERROR(Execute(
        db_, "INSERT INTO article_questions (article_id, position, answer_id) VALUES (?1, ?2, ?3)",
        article_id, position++, *answer));
  }
  return Status::Ok();
}

Status PageWrite::WriteQuestion(const Question& question) {
  const std::string key = page_.url_key.empty() ? page_.url : page_.url_key;
  HC_RETURN_IF_ERROR(Execute(
      db_,
      "INSERT INTO questions (site_id, url, title, description, asked_at, page_id, extra, updated_at,"
      " updated_seq, asked_at_precision, patient_sex, patient_age_years, patient_age_months)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
      " ON CONFLICT (url) DO UPDATE SET site_id = excluded.site_id, title = excluded.title,"
      " description = excluded.description, asked_at = excluded.asked_at, page_id = excluded.page_id,"
      " extra = excluded.extra, updated_at = excluded.updated_at, updated_seq = excluded.updated_seq,"
      " asked_at_precision = excluded.asked_at_precision, patient_sex = excluded.patient_sex,"
      " patient_age_years = excluded.patient_age_years, patient_age_months = excluded.patient_age_months",
      site_id_, key, question.title, question.description, question.asked_at, page_id_,
      ExtraText(question.extra), now_, seq_, DatePrecision(question.asked_at), question.patient_sex,
      question.patient_age_years, question.patient_age_months));
  auto q = db_.Prepare("SELECT id FROM questions WHERE url = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, key);
  if (!q->Step()) return q->status().ok() ? Status::Internal("question row vanished") : q->status();
  const int64_t question_id = q->Int(0);
  AddChildOwner("questions", question_id, "", question.children);

  int64_t anonymous = 0;
  for (size_t i = 0; i < question.answers.size(); ++i) {
    const records::Answer& answer = question.answers[i];
    auto hospital = UpsertHospital(answer.hospital, answer.hospital_grade, answer.hospital_grade_raw);
    if (!hospital.ok()) return hospital.status();
    auto doctor = UpsertDoctor({answer.doctor_name, answer.doctor_title, answer.department,
                                answer.doctor_title_raw, answer.academic_title, std::nullopt, "{}"},
                               *hospital, std::nullopt);
    if (!doctor.ok()) return doctor.status();
    const int64_t ordinal = internal::AnonOrdinal(doctor->has_value(), &anonymous);
    auto id = UpsertAnswer(question_id, *doctor, ordinal, answer.answer_text, answer.answered_at, answer.extra,
                           /*from_page=*/true);
    if (!id.ok()) return id.status();
    AddChildOwner("answers", *id, internal::ItemPath("answers", i), answer.children);
  }
  return Status::Ok();
}

Status PageWrite::WriteDoctor(const DoctorProfile& d) {
  auto hospital = UpsertHospital(d.hospital, d.hospital_grade, d.hospital_grade_raw);
  if (!hospital.ok()) return hospital.status();
  auto doctor = UpsertDoctor({d.name, d.title, d.department, d.title_raw, d.academic_title,
                              ListText(d.specialties), ExtraText(d.extra)},
                             *hospital, page_id_);
  if (!doctor.ok()) return doctor.status();
  AddChildOwner("doctors", *doctor, "", d.children);
  return Status::Ok();
}

Result<std::optional<int64_t>> PageWrite::UpsertDisease(const DiseaseCard& disease,
                                                        std::optional<int64_t> page_id) {
  const Text& name = disease.name;
  if (!name || name->empty()) return std::optional<int64_t>();
  // Shared by every article that names it: a new value fills or replaces a field, a null never
  // erases one, and an unchanged row keeps its updated_seq.
  HC_RETURN_IF_ERROR(Execute(
      db_,
      "INSERT INTO diseases (name, summary, url, page_id, extra, updated_at, updated_seq)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
      " ON CONFLICT (name) DO UPDATE SET summary = coalesce(excluded.summary, summary),"
      " url = coalesce(excluded.url, url), page_id = coalesce(excluded.page_id, page_id),"
      " extra = json_patch(extra, excluded.extra), updated_at = excluded.updated_at,"
      " updated_seq = excluded.updated_seq"
      " WHERE summary IS NOT coalesce(excluded.summary, summary)"
      " OR url IS NOT coalesce(excluded.url, url) OR page_id IS NOT coalesce(excluded.page_id, page_id)"
      " OR extra IS NOT json_patch(extra, excluded.extra)",
      *name, disease.summary, disease.url, page_id, ExtraText(disease.extra), now_, seq_));
  auto q = db_.Prepare("SELECT id FROM diseases WHERE name = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, *name);
  if (!q->Step()) return q->status().ok() ? Status::Internal("disease row vanished") : q->status();
  return std::optional<int64_t>(q->Int(0));
}

Result<std::optional<int64_t>> PageWrite::UpsertHospital(const Text& name, const Text& grade,
                                                         const Text& grade_raw) {
  if (!name || name->empty()) return std::optional<int64_t>();
  // The canonical grade decides: portals printing 三甲 and 三级甲等 agree, and the row keeps the text
  // of the page that last gave a grade. A text outside the vocabulary (grade null, raw set) replaces
  // neither.
  auto cached = people_.hospitals.find(*name);
  if (cached == people_.hospitals.end()) {
    std::optional<internal::HospitalRow> row;
    {
      auto q = db_.Prepare("SELECT id, grade FROM hospitals WHERE name = ?1");
      if (!q.ok()) return q.status();
      q->Bind(1, *name);
      if (q->Step()) row = internal::HospitalRow{q->Int(0), q->OptText(1)};
      HC_RETURN_IF_ERROR(q->status());
    }
    if (!row) {
      HC_RETURN_IF_ERROR(Execute(db_,
                                 "INSERT INTO hospitals (name, grade, grade_raw, updated_at, updated_seq) "
                                 "VALUES (?1, ?2, ?3, ?4, ?5)",
                                 *name, grade, grade_raw, now_, seq_));
      row = internal::HospitalRow{db_.LastInsertId(), grade};
      people_.hospitals.emplace(*name, *row);
      return std::optional<int64_t>(row->id);
    }
    cached = people_.hospitals.emplace(*name, std::move(*row)).first;
  }
  internal::HospitalRow& row = cached->second;
  if (grade && row.grade != grade) {
    HC_RETURN_IF_ERROR(
        Execute(db_,
                "UPDATE hospitals SET grade = ?2, grade_raw = ?3, updated_at = ?4, updated_seq = ?5"
                " WHERE id = ?1",
                row.id, grade, grade_raw, now_, seq_));
    row.grade = grade;
  }
  return std::optional<int64_t>(row.id);
}

Result<std::optional<int64_t>> PageWrite::UpsertDoctor(const DoctorFacts& doctor,
                                                       std::optional<int64_t> hospital_id,
                                                       std::optional<int64_t> profile_page_id) {
  const Text& name = doctor.name;
  if (!name || name->empty()) return std::optional<int64_t>();
  const Text& title = doctor.title;
  const Text& department = doctor.department;
  const std::optional<std::string>& specialties = doctor.specialties;
  const std::string& extra = doctor.extra;

  const std::pair<std::string, int64_t> identity(*name, hospital_id.value_or(0));  // doctors_identity's key
  auto cached = people_.doctors.find(identity);
  if (cached == people_.doctors.end()) {
    std::optional<internal::DoctorRow> row;
    {
      // doctors_identity's expression (see UpsertAnswer): one index probe, not a scan of the hospital.
      auto q = db_.Prepare(
          "SELECT id, title, department, specialties, profile_page_id, title_raw, academic_title FROM doctors"
          " WHERE name = ?1 AND ifnull(hospital_id, 0) = ifnull(?2, 0)");
      if (!q.ok()) return q.status();
      q->Bind(1, *name).Bind(2, hospital_id);
      if (q->Step()) {
        row = internal::DoctorRow{q->Int(0),    q->OptText(1), q->OptText(2), q->OptText(3),
                                  q->OptInt(4), q->OptText(5), q->OptText(6)};
      }
      HC_RETURN_IF_ERROR(q->status());
    }
    if (!row) {
      auto q = db_.Prepare(
          "INSERT INTO doctors (name, hospital_id, title, department, specialties, profile_page_id, extra,"
          " updated_at, updated_seq, title_raw, academic_title)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
      if (!q.ok()) return q.status();
      q->Bind(1, *name).Bind(2, hospital_id).Bind(3, title).Bind(4, department).Bind(5, specialties);
      q->Bind(6, profile_page_id).Bind(7, extra).Bind(8, now_).Bind(9, seq_).Bind(10, doctor.title_raw);
      q->Bind(11, doctor.academic_title);
      HC_RETURN_IF_ERROR(q->Run());
      const int64_t id = db_.LastInsertId();
      people_.doctors.emplace(
          identity, internal::DoctorRow{id, title, department, specialties, profile_page_id, doctor.title_raw,
                                        doctor.academic_title});
      return std::optional<int64_t>(id);
    }
    cached = people_.doctors.emplace(identity, std::move(*row)).first;
  }
  internal::DoctorRow& row = cached->second;
  // A card names a doctor already stored nearly every time and brings nothing new: a value fills
  // or replaces a column only when given and different (the UPDATE's own condition). Extra "{}"
  // (every card) patches nothing; a profile's extra goes to the UPDATE, which json_patch decides.
  const auto differs = [](const Text& given, const std::optional<std::string>& stored) {
    return given && given != stored;
  };
  const bool changes =
      extra != "{}" || differs(title, row.title) || differs(department, row.department) ||
      differs(specialties, row.specialties) || (profile_page_id && profile_page_id != row.profile_page_id) ||
      differs(doctor.title_raw, row.title_raw) || differs(doctor.academic_title, row.academic_title);
  if (!changes) return std::optional<int64_t>(row.id);
  HC_RETURN_IF_ERROR(Execute(
      db_,
      "UPDATE doctors SET title = coalesce(?2, title), department = coalesce(?3, department),"
      " specialties = coalesce(?4, specialties), profile_page_id = coalesce(?5, profile_page_id),"
      " extra = json_patch(extra, ?6), updated_at = ?7, updated_seq = ?8,"
      " title_raw = coalesce(?9, title_raw), academic_title = coalesce(?10, academic_title)"
      " WHERE id = ?1 AND (title IS NOT coalesce(?2, title) OR department IS NOT coalesce(?3, department)"
      " OR specialties IS NOT coalesce(?4, specialties)"
      " OR profile_page_id IS NOT coalesce(?5, profile_page_id) OR extra IS NOT json_patch(extra, ?6)"
      " OR title_raw IS NOT coalesce(?9, title_raw) OR academic_title IS NOT coalesce(?10, academic_title))",
      row.id, title, department, specialties, profile_page_id, extra, now_, seq_, doctor.title_raw,
      doctor.academic_title));
  // The row as the UPDATE's coalesce left it (extra is not kept: see DoctorRow).
  const auto fill = [](std::optional<std::string>& stored, const Text& given) {
    if (given) stored = given;
  };
  fill(row.title, title);
  fill(row.department, department);
  fill(row.specialties, specialties);
  if (profile_page_id) row.profile_page_id = profile_page_id;
  fill(row.title_raw, doctor.title_raw);
  fill(row.academic_title, doctor.academic_title);
  return std::optional<int64_t>(row.id);
}

Result<int64_t> PageWrite::UpsertQuestionFromCard(const std::string& key,
                                                  const std::optional<std::string>& title) {
  // The card's title stands in until the question page itself is stored (page_id set).
  std::optional<int64_t> id;
  bool has_page = false;
  std::optional<std::string> old_title;
  {
    auto q = db_.Prepare("SELECT id, page_id IS NOT NULL, title FROM questions WHERE url = ?1");
    if (!q.ok()) return q.status();
    q->Bind(1, key);
    if (q->Step()) {
      id = q->Int(0);
      has_page = q->Int(1) != 0;
      old_title = q->OptText(2);
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  if (!id) {
    HC_RETURN_IF_ERROR(Execute(
        db_,
        "INSERT INTO questions (site_id, url, title, updated_at, updated_seq) VALUES (?1, ?2, ?3, ?4, ?5)",
        site_id_, key, title, now_, seq_));
    return db_.LastInsertId();
  }
  if (!has_page && title && old_title != title) {
    HC_RETURN_IF_ERROR(
        Execute(db_, "UPDATE questions SET title = ?2, updated_at = ?3, updated_seq = ?4 WHERE id = ?1", *id,
                title, now_, seq_));
  }
  return *id;
}

Result<int64_t> PageWrite::UpsertAnswer(std::optional<int64_t> question_id,
                                        std::optional<int64_t> doctor_id, int64_t anon_ordinal,
                                        const Text& text, const Text& answered_at, const Json& extra,
                                        bool from_page) {
  const char* source = from_page ? "page" : "card";

  std::optional<int64_t> id;
  std::optional<std::string> old_text, old_answered_at;
  std::string old_source, old_extra;
  if (question_id) {
    auto q = db_.Prepare(
        "SELECT id, text, answered_at, source, extra FROM answers"
        // Spelled as answers_identity's expression, so the lookup is one probe of that index: with
        // `doctor_id IS ?2` the planner picked answers_doctor and read every answer of a busy doctor.
        " WHERE question_id = ?1 AND ifnull(doctor_id, 0) = ifnull(?2, 0) AND anon_ordinal = ?3");
    if (!q.ok()) return q.status();
    q->Bind(1, *question_id).Bind(2, doctor_id).Bind(3, anon_ordinal);
    if (q->Step()) {
      id = q->Int(0);
      old_text = q->OptText(1);
      old_answered_at = q->OptText(2);
      old_source = q->Text(3);
      old_extra = q->Text(4);
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  if (!id) {
    auto q = db_.Prepare(
        "INSERT INTO answers (question_id, doctor_id, anon_ordinal, text, answered_at, source, extra,"
        " updated_at, updated_seq, answered_at_precision) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    if (!q.ok()) return q.status();
    q->Bind(1, question_id).Bind(2, doctor_id).Bind(3, anon_ordinal).Bind(4, text);
    q->Bind(5, answered_at).Bind(6, source).Bind(7, ExtraText(extra)).Bind(8, now_).Bind(9, seq_);
    q->Bind(10, DatePrecision(answered_at));
    HC_RETURN_IF_ERROR(q->Run());
    return db_.LastInsertId();
  }

  auto merged = internal::MergeAnswer({old_text, old_answered_at, old_source, old_extra}, text, answered_at,
                                      extra, from_page);
  if (!merged) return *id;
  HC_RETURN_IF_ERROR(Execute(db_,
                             "UPDATE answers SET text = ?2, answered_at = ?3, source = ?4, extra = ?5,"
                             " updated_at = ?6, updated_seq = ?7, answered_at_precision = ?8 WHERE id = ?1",
                             *id, merged->text, merged->answered_at, merged->source, merged->extra, now_,
                             seq_, DatePrecision(merged->answered_at)));
  return *id;
}

// The counters of every visit, changed page or not (docs/schema.md "Time series and counters"): an
// article's and a question's views as observations, and the answers' helpful votes.
Status PageWrite::RecordViews() {
  for (const Record& record : page_.records) {
    HC_RETURN_IF_ERROR(RecordHelpfulVotes(record));
    const auto* article = std::get_if<Article>(&record);
    const auto* question = std::get_if<Question>(&record);
    const records::Int& views = article ? article->views : question ? question->views : records::Int();
    if (!views) continue;
    HC_RETURN_IF_ERROR(
        Execute(db_,
                article ? "INSERT INTO article_views (article_id, observed_at, views, updated_seq)"
                          " SELECT id, ?2, ?3, ?4 FROM articles WHERE page_id = ?1"
                          " ON CONFLICT (article_id, observed_at) DO NOTHING"
                        : "INSERT INTO question_views (question_id, observed_at, views, updated_seq)"
                          " SELECT id, ?2, ?3, ?4 FROM questions WHERE page_id = ?1"
                          " ON CONFLICT (question_id, observed_at) DO NOTHING",
                page_id_, fetched_, *views, seq_));
  }
  return Status::Ok();
}

// Helpful votes are a counter: left out of content_hash, so the answers' rows are found again by the
// identity WriteArticle and WriteQuestion gave them (a card by its article position, a page's answer by
// question, doctor and ordinal) and their votes set; a row whose count moved is exported again.
Status PageWrite::RecordHelpfulVotes(const Record& record) {
  if (const auto* article = std::get_if<Article>(&record)) {
    for (const internal::CardVotes& card : internal::ArticleCardVotes(*article)) {
      HC_RETURN_IF_ERROR(Execute(
          db_,
          "UPDATE answers SET helpful_votes = ?3, updated_at = ?4, updated_seq = ?5"
          " WHERE id = (SELECT aq.answer_id FROM article_questions aq JOIN articles a ON a.id = aq.article_id"
          " WHERE a.page_id = ?1 AND aq.position = ?2) AND helpful_votes IS NOT ?3",
          page_id_, card.position, card.votes, now_, seq_));
    }
    return Status::Ok();
  }
  const auto* question = std::get_if<Question>(&record);
  if (!question) return Status::Ok();
  for (const internal::AnswerVotes& answer : internal::QuestionAnswerVotes(*question)) {
    HC_RETURN_IF_ERROR(Execute(
        db_,
        "UPDATE answers SET helpful_votes = ?5, updated_at = ?6, updated_seq = ?7"
        " WHERE question_id = (SELECT id FROM questions WHERE page_id = ?1)"
        " AND ifnull(doctor_id, 0) = ifnull((SELECT d.id FROM doctors d WHERE d.name = ?2"
        " AND ifnull(d.hospital_id, 0) = ifnull((SELECT h.id FROM hospitals h WHERE h.name = ?3), 0)), 0)"
        " AND anon_ordinal = ?4 AND helpful_votes IS NOT ?5",
        page_id_, answer.doctor_name, answer.hospital, answer.anon_ordinal, answer.votes, now_, seq_));
  }
  return Status::Ok();
}

Status PageWrite::ArchiveRaw(int raw_versions, internal::ArchiveCodec& archive) {
  const RawResponse& raw = *page_.raw;
  const std::string fetched = FormatUtc(raw.fetched_at);
  const std::string sha = page_.body_sha1.empty() ? HexLower(Sha1(raw.body)) : page_.body_sha1;
  Json headers = Json::array();
  for (const auto& [name, value] : raw.headers) headers.push_back({name, value});

  {
    // The same body seen again is one version, last seen at the newer fetch time.
    auto q = db_.Prepare(
        "SELECT id, fetched_at, body_sha1, http_status FROM raw_responses WHERE page_id = ?1"
        " ORDER BY fetched_at DESC, id DESC LIMIT 1");
    if (!q.ok()) return q.status();
    q->Bind(1, page_id_);
    if (q->Step() && q->Text(2) == sha && q->Int(3) == raw.status) {
      const int64_t id = q->Int(0);
      const std::string latest = q->Text(1);
      if (fetched <= latest) return Status::Ok();
      // A different statement: updating while this one is open is allowed in SQLite.
      return Execute(db_, "UPDATE raw_responses SET fetched_at = ?2, url = ?3, headers = ?4 WHERE id = ?1",
                     id, fetched, raw.url, internal::DumpJson(headers));
    }
    HC_RETURN_IF_ERROR(q->status());
  }
  {
    auto q = db_.Prepare("SELECT 1 FROM raw_responses WHERE page_id = ?1 AND fetched_at = ?2");
    if (!q.ok()) return q.status();
    q->Bind(1, page_id_).Bind(2, fetched);
    bool duplicate = q->Step();
    HC_RETURN_IF_ERROR(q->status());
    if (duplicate) return Status::Ok();
  }
  auto compressed = archive.Compress(db_, site_id_, page_.site, raw.body, now_);
  if (!compressed.ok()) return compressed.status();
  HC_RETURN_IF_ERROR(Execute(
      db_,
      "INSERT INTO raw_responses (page_id, url, fetched_at, http_status, headers, body, body_size,"
      " body_sha1, dictionary_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
      page_id_, raw.url, fetched, raw.status, internal::DumpJson(headers), Blob{compressed->frame},
      static_cast<int64_t>(raw.body.size()), sha, compressed->dictionary_id));
  return Execute(db_,
                 "DELETE FROM raw_responses WHERE page_id = ?1 AND id NOT IN (SELECT id FROM raw_responses"
                 " WHERE page_id = ?1 ORDER BY fetched_at DESC, id DESC LIMIT ?2)",
                 page_id_, static_cast<int64_t>(raw_versions));
}

}  // namespace

// ---------------------------------------------------------------------------------------------------

Result<PageObservation> ObservationFromPageJson(const Json& page) {
  if (!page.is_object()) return Status::InvalidArgument("page JSON is not an object");
  auto text = [&](const char* name) -> Result<std::string> {
    auto it = page.find(name);
    if (it == page.end() || !it->is_string()) {
      return Status::InvalidArgument(std::string("page JSON: \"") + name + "\" is missing or not a string");
    }
    return it->get<std::string>();
  };
  PageObservation obs;
  auto url = text("url");
  if (!url.ok()) return url.status();
  auto site = text("site");
  if (!site.ok()) return site.status();
  obs.url = *url;
  obs.site = *site;
  if (page.contains("page_type") && page["page_type"].is_string()) obs.page_type = page["page_type"];
  if (page.contains("fetched_at")) {
    auto fetched = text("fetched_at");
    if (!fetched.ok()) return fetched.status();
    if (!ParseIso8601(*fetched, &obs.fetched_at)) {
      return Status::InvalidArgument("page JSON: fetched_at \"" + *fetched + "\" is not ISO 8601");
    }
  }
  if (page.contains("records")) {
    const Json& json_records = page["records"];
    if (!json_records.is_array()) return Status::InvalidArgument("page JSON: records is not an array");
    for (size_t i = 0; i < json_records.size(); ++i) {
      auto record = records::FromJson(json_records[i], "page JSON: records[" + std::to_string(i) + "]");
      if (!record.ok()) return record.status();
      obs.records.push_back(std::move(*record));
    }
  }
  if (page.contains("failures")) {
    if (!page["failures"].is_array()) return Status::InvalidArgument("page JSON: failures is not an array");
    obs.field_failures = page["failures"];
    if (!obs.field_failures.empty()) {
      const Json& first = obs.field_failures.front();
      obs.failure_reason = "extract: " + first.value("path", std::string("?")) + ": " +
                           first.value("reason", std::string("failed"));
    }
  }
  obs.http_status = 200;
  return obs;
}

SqliteStore::SqliteStore(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

SqliteStore::~SqliteStore() {
  if (rep_ && rep_->in_batch) {
    Status s = Flush();
    if (!s.ok()) spdlog::error("store: closing {}: {}", rep_->path, s.ToString());
  }
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path,
                                                       const StoreOptions& options) {
  std::error_code ec;
  const std::filesystem::path folder = path.parent_path().empty() ? "." : path.parent_path();
  if (!std::filesystem::is_directory(folder, ec)) {
    return Status::IoError("the folder " + folder.string() + " of the database " + path.string() +
                           " does not exist");
  }
  if ((options.read_only || !options.create) && !std::filesystem::exists(path, ec)) {
    return Status::NotFound("no database at " + path.string());
  }
  // A WAL database is read through its -shm file, which a reader creates when it is missing. In a
  // folder the user may not write, with no -shm there (so no writer has it open), the file is read as
  // immutable instead of failing with "attempt to write a readonly database".
  const bool immutable = options.read_only && ::access(folder.c_str(), W_OK) != 0 &&
                         !std::filesystem::exists(path.string() + "-shm", ec);
  auto db = Db::Open(path.string(), options.read_only, options.create, immutable);
  if (!db.ok()) return db.status();
  sqlite3_busy_timeout((*db)->raw(), static_cast<int>(options.busy_timeout.count()));

  const std::string where = path.string();
  // Checked before the first read: a writer must not half-work on a file it cannot change.
  if (!options.read_only && sqlite3_db_readonly((*db)->raw(), "main") == 1) {
    return Status::IoError(where + ": the database file is read-only");
  }
  auto version = internal::InspectSchema(**db);
  if (!version.ok()) {
    // SQLite's damage reports already name the file.
    if (version.status().message().find(path.filename().string()) != std::string::npos) return version.status();
    return internal::WithMessage(version.status(), where + ": " + version.status().message());
  }
  if (options.read_only) {
    if (*version < CurrentSchemaVersion()) {
      return Status::Unsupported(where + ": schema version " + std::to_string(*version) +
                                 " needs an upgrade to " + std::to_string(CurrentSchemaVersion()) +
                                 "; open it once with a command that writes (e.g. ingest)");
    }
  } else {
    // 8 KiB pages for a new file (SQLite ignores this once the file has content, so an existing
    // database keeps its own): the crawl's rows are long (answer texts, archived pages), and with 4 KiB
    // pages a crawl spent about 2% of its CPU in the kernel's pread and pwrite, twice as many calls for
    // the same bytes (docs/BENCHMARKS.md, "CPU per page (session 20)"). The page cache stays 2 MiB.
    Status s = (*db)->Exec("PRAGMA page_size = 8192");
    // WAL: readers (export, stats) run beside the writer; a killed writer leaves a consistent file.
    if (s.ok()) s = (*db)->Exec("PRAGMA journal_mode = WAL");
    if (s.ok()) s = (*db)->Exec("PRAGMA synchronous = NORMAL");
    if (s.ok()) s = internal::Migrate(**db);
    if (!s.ok()) return internal::WithMessage(s, where + ": " + s.message());
  }
  HC_RETURN_IF_ERROR((*db)->Exec("PRAGMA foreign_keys = ON"));
  if (options.max_page_count > 0) {
    HC_RETURN_IF_ERROR((*db)->Exec("PRAGMA max_page_count = " + std::to_string(options.max_page_count)));
  }

  auto rep = std::make_unique<Rep>();
  rep->db = std::move(*db);
  rep->options = options;
  rep->clock = options.clock ? options.clock : &rep->system_clock;
  rep->path = path.string();
  rep->archive = std::make_unique<internal::ArchiveCodec>(options.dictionaries, options.zstd_level);
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(rep)));
  if (!options.read_only && options.reap_dead_runs) {
    // A dead run left unfinished would read as running forever. Not being able to tell is no reason to
    // refuse the database: the next writer tries again.
    auto reaped = store->ReapDeadRuns(store->rep_->clock->Now(), options.dead_run_after);
    if (!reaped.ok()) spdlog::warn("{}: checking for dead runs: {}", where, reaped.status().ToString());
  }
  return store;
}

namespace internal {

Status ValidatePage(const PageObservation& page) { return ValidateObservation(page); }

namespace {

// A batch's savepoint journals in memory, and SQLite's default (a temporary file past 64 KiB) again
// once it ends. Each page of a batch is written inside a SAVEPOINT, whose journal holds every b-tree
// page the page's write changes as it was before (30 to 120 pages of 4 KiB: the answer cards and their
// indexes, the frontier's links), so with SQLite's default nearly every page spilled its journal to a
// temporary file: about 200 pwrite calls a page, 84% of the crawl's writes (docs/BENCHMARKS.md, "The
// existing site: Chinese text runs cut before the parse, savepoint journals in memory"). In memory a journal
// is freed when its page's savepoint is released: a few hundred KiB, bounded by what one page can write.
// SQLite decides where a transaction's journals go when the transaction begins (temp_store: MEMORY keeps them
// in memory), so the setting is made before BEGIN and undone after the batch, and nothing outside a batch (a
// migration's UPDATE of a whole table, a large sort) holds its temporary data in memory. No connection of the
// store has TEMP tables, which changing temp_store would drop. (SQLITE_CONFIG_STMTJRNL_SPILL is no way out:
// it is global, and SQLite 3.40 fails a spill of a journal over 128 KiB with "database or disk is full".)
Status KeepBatchJournalsInMemory(Db& db, bool in_memory) {
  return db.Exec(in_memory ? "PRAGMA temp_store = MEMORY" : "PRAGMA temp_store = DEFAULT");
}

// The batch ended (committed or rolled back): journals back to SQLite's default.
void EndBatch(SqliteStore::Rep& rep) {
  rep.in_batch = false;
  rep.people.Clear();
  rep.pages_in_batch = 0;
  Status s = KeepBatchJournalsInMemory(*rep.db, false);
  if (!s.ok()) spdlog::warn("store: {}: {}", rep.path, s.ToString());
}

}  // namespace

Status BeginBatch(SqliteStore::Rep& rep) {
  if (rep.in_batch) return Status::Ok();
  HC_RETURN_IF_ERROR(KeepBatchJournalsInMemory(*rep.db, true));
  if (Status s = rep.db->Exec("BEGIN IMMEDIATE"); !s.ok()) {
    (void)KeepBatchJournalsInMemory(*rep.db, false);
    return s;
  }
  // For Frontier::UrlIsCommitted: frontier ids only grow, so the rows this batch adds are above it.
  auto max_id = rep.db->QueryInt("SELECT coalesce(max(id), 0) FROM frontier");
  if (!max_id.ok()) {
    (void)rep.db->Exec("ROLLBACK");
    (void)KeepBatchJournalsInMemory(*rep.db, false);
    return max_id.status();
  }
  rep.frontier_max_id_at_begin = *max_id;
  rep.people.Clear();  // another connection may have written since this one's last batch
  rep.in_batch = true;
  rep.pages_in_batch = 0;
  rep.batch_started = std::chrono::steady_clock::now();
  return Status::Ok();
}

Status WritePage(SqliteStore::Rep& rep, const PageObservation& page) {
  auto seq = rep.db->QueryInt("UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value");
  if (!seq.ok()) return seq.status();
  PageWrite write(*rep.db, rep.people, page, FormatUtc(rep.clock->Now()), *seq);
  return write.Run(rep.options.raw_versions, *rep.archive);
}

Status AbandonSavepoint(SqliteStore::Rep& rep, const char* name, const Status& s) {
  Db& db = *rep.db;
  rep.people.Clear();  // rows the failed write inserted or changed are rolled back below
  if (sqlite3_get_autocommit(db.raw())) {
    // SQLite rolled the whole transaction back (disk full, I/O error): the batch is gone.
    const int lost = rep.pages_in_batch;
    EndBatch(rep);
    return WithMessage(s, s.message() + " (the open batch of " + std::to_string(lost) + " pages was rolled back)");
  }
  (void)db.Exec(std::string("ROLLBACK TO ") + name);
  (void)db.Exec(std::string("RELEASE ") + name);
  return s;
}

bool BatchIsFull(const SqliteStore::Rep& rep) {
  return internal::BatchIsDue(rep.options, rep.pages_in_batch, rep.batch_started,
                              internal::kSqliteBatchPages);
}

}  // namespace internal

Status SqliteStore::PutPage(const PageObservation& page) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  HC_RETURN_IF_ERROR(ValidateObservation(page));
  HC_RETURN_IF_ERROR(internal::BeginBatch(*rep_));
  Db& db = *rep_->db;
  HC_RETURN_IF_ERROR(Execute(db, "SAVEPOINT page"));  // prepared once (Db::Prepare): a page each
  Status s = internal::WritePage(*rep_, page);
  if (!s.ok()) return internal::AbandonSavepoint(*rep_, "page", s);
  HC_RETURN_IF_ERROR(Execute(db, "RELEASE page"));
  ++rep_->pages_in_batch;
  if (internal::BatchIsFull(*rep_)) return Flush();
  return Status::Ok();
}

Status SqliteStore::Flush() {
  if (!rep_->in_batch) return Status::Ok();
  Status s = rep_->db->Exec("COMMIT");
  if (!s.ok()) {
    (void)rep_->db->Exec("ROLLBACK");
    const int lost = rep_->pages_in_batch;
    internal::EndBatch(*rep_);
    return internal::WithMessage(s, s.message() + " (" + std::to_string(lost) + " pages were not stored)");
  }
  internal::EndBatch(*rep_);
  return Status::Ok();
}

Result<std::vector<int64_t>> SqliteStore::ListRawResponses(const RawQuery& query) {
  auto q = rep_->db->Prepare(
      "SELECT r.id FROM raw_responses r JOIN pages p ON p.id = r.page_id JOIN sites s ON s.id = p.site_id"
      " WHERE (?1 = '' OR s.key = ?1) AND (?2 IS NULL OR r.fetched_at >= ?2)"
      " AND (?3 = 0 OR r.id = (SELECT r2.id FROM raw_responses r2 WHERE r2.page_id = r.page_id"
      " ORDER BY r2.fetched_at DESC, r2.id DESC LIMIT 1))"
      " ORDER BY r.fetched_at, r.id");
  if (!q.ok()) return q.status();
  q->Bind(1, query.site).Bind(3, query.latest_only ? 1 : 0);
  if (query.since) q->Bind(2, FormatUtc(*query.since));
  std::vector<int64_t> ids;
  while (q->Step()) ids.push_back(q->Int(0));
  if (!q->status().ok()) return q->status();
  return ids;
}

Result<ArchivedResponse> SqliteStore::GetRawResponse(int64_t id) {
  auto q = rep_->db->Prepare(
      "SELECT s.key, r.url, r.fetched_at, r.http_status, r.headers, r.body, r.body_size, r.dictionary_id,"
      " d.dict_sha1 FROM raw_responses r JOIN pages p ON p.id = r.page_id JOIN sites s ON s.id = p.site_id"
      " LEFT JOIN zstd_dictionaries d ON d.id = r.dictionary_id WHERE r.id = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  if (!q->Step()) {
    if (!q->status().ok()) return q->status();
    return Status::NotFound("no archived response " + std::to_string(id));
  }
  ArchivedResponse out;
  out.id = id;
  out.site = q->Text(0);
  out.response.url = q->Text(1);
  if (!ParseIso8601(q->Text(2), &out.response.fetched_at)) {
    return Status::Corruption("archived response " + std::to_string(id) + ": bad fetched_at");
  }
  out.response.status = static_cast<int>(q->Int(3));
  Json headers = Json::parse(q->Text(4), nullptr, /*allow_exceptions=*/false);
  if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        out.response.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  auto body = rep_->archive->Decompress(*rep_->db, id, q->Text(5), q->Int(6), q->OptInt(7), q->OptText(8));
  if (!body.ok()) return body.status();
  out.response.body = std::move(*body);
  return out;
}

Result<int64_t> SqliteStore::BeginRun(const RunInfo& run) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  auto seq = rep_->db->QueryInt("UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value");
  if (!seq.ok()) return seq.status();
  auto q = rep_->db->Prepare(
      "INSERT INTO crawl_runs (command, sites, started_at, updated_seq, job, heartbeat_at, pid, host)"
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
  if (!q.ok()) return q.status();
  q->Bind(1, run.command).Bind(2, run.sites).Bind(3, FormatUtc(run.started_at)).Bind(4, *seq);
  q->BindOrNull(5, run.job);
  if (run.pid != 0) {
    // A run that keeps a heartbeat: its first beat is its start.
    q->Bind(6, std::chrono::duration_cast<std::chrono::milliseconds>(run.started_at.time_since_epoch()).count());
    q->Bind(7, run.pid).Bind(8, run.host);
  }
  if (!q->Step()) return q->status().ok() ? Status::Internal("no id from run insert") : q->status();
  return q->Int(0);
}

Status SqliteStore::FinishRun(int64_t run_id, const RunStats& stats) {
  if (rep_->options.read_only) return Status::IoError(rep_->path + ": opened read-only");
  auto seq = rep_->db->QueryInt("UPDATE change_seq SET value = value + 1 WHERE id = 1 RETURNING value");
  if (!seq.ok()) return seq.status();
  return Execute(*rep_->db,
                 "UPDATE crawl_runs SET finished_at = ?2, outcome = ?3, pages_fetched = ?4,"
                 " pages_stored = ?5, pages_failed = ?6, bytes_fetched = ?7, extra = ?8, updated_seq = ?9,"
                 " pages_new = ?10, pages_changed = ?11, pages_unchanged = ?12, pages_gone = ?13"
                 " WHERE id = ?1",
                 run_id, FormatUtc(stats.finished_at), stats.outcome, stats.pages_fetched,
                 stats.pages_stored, stats.pages_failed, stats.bytes_fetched, internal::DumpJson(stats.extra), *seq,
                 stats.pages_new, stats.pages_changed, stats.pages_unchanged, stats.pages_gone);
}

Status SqliteStore::CheckIntegrity() {
  {
    auto q = rep_->db->Prepare("PRAGMA integrity_check");
    if (!q.ok()) return q.status();
    if (q->Step() && q->Text(0) != "ok") return Status::Corruption("integrity_check: " + q->Text(0));
    HC_RETURN_IF_ERROR(q->status());
  }
  auto q = rep_->db->Prepare("PRAGMA foreign_key_check");
  if (!q.ok()) return q.status();
  if (q->Step()) {
    return Status::Corruption("foreign_key_check: row " + std::to_string(q->Int(1)) + " of " +
                              q->Text(0) + " points to a missing " + q->Text(2));
  }
  return q->status();
}

}  // namespace hc::store
