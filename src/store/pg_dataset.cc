// PgStore::PutPage: one observation into the dataset's tables with SqliteStore's identity and merge
// rules (sqlite_store.cc; docs/schema.md): pages by URL key, doctors by name and hospital, answers by
// question, doctor and anonymous ordinal and merged with their cards, diseases and hospitals shared,
// idempotent writes, revisits (an older observation never overwrites newer data), the view-count time
// series and counters (question and article views, helpful votes), the child lists (record_children),
// the failure history and the raw archive. JSON merges (extra) are done here, with the same
// merge-patch and the same JSON text as SQLite's json_patch, so both backends hold the same bytes.
#include <string>
#include <vector>

#include "store/digest.h"
#include "store/pg_answers_internal.h"
#include "store/pg_rep_internal.h"
#include "store/record_rules_internal.h"
#include "store/store_rep_internal.h"  // ValidatePage: the same checks as SQLite

namespace hc::store {

namespace {

using pg::Int;
using pg::OptInt;
using pg::OptText;
using pg::Params;
using pg::PgConnection;
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

using pg::MergedJson;

class PgPageWrite {
 public:
  PgPageWrite(PgConnection& conn, const PageObservation& page, std::string now, int64_t seq)
      : conn_(conn), page_(page), now_(std::move(now)), seq_(seq) {}

  Status Run(int raw_versions, internal::ArchiveCodec& archive);

 private:
  Result<pg::PgResult> Exec(std::string_view sql, const Params& p) { return conn_.Exec(sql, p.span()); }
  Status Do(std::string_view sql, const Params& p) { return Exec(sql, p).status(); }
  Result<int64_t> Id(std::string_view sql, const Params& p) {
    auto r = Exec(sql, p);
    if (!r.ok()) return r.status();
    if (r->rows() < 1) return Status::Internal("postgresql: no row from: " + std::string(sql.substr(0, 40)));
    return Int(*r, 0, 0);
  }
  // The site's id from its lookup (`found`), inserting the site when there is none.
  Status UpsertSite(const pg::PgResult& found);
  Status WriteRecords();
  Status WriteArticle(const Article& article);
  Status WriteQuestion(const Question& question);
  Status WriteDoctor(const DoctorProfile& doctor);
  Result<std::optional<int64_t>> UpsertDisease(const DiseaseCard& disease, std::optional<int64_t> page_id);
  // A record's answers (and a profile's doctor) through WriteAnswers, with this page's seq and time.
  Result<pg::AnswerRows> Answers(const std::vector<pg::AnswerFacts>& items) {
    return pg::WriteAnswers(conn_, site_id_, now_, seq_, items);
  }
  Status RecordViews();
  void QueueHelpfulVotes(const Record& record, pg::Pipeline& round);
  Status ReplaceRecordChildren();
  Status InsertPositioned(std::string_view table, std::string_view column, int64_t article_id,
                          const std::vector<int64_t>& ids);
  Status ArchiveRaw(int raw_versions, internal::ArchiveCodec& archive);
  std::string KeyOf(const std::string& url) const {
    auto it = page_.record_url_keys.find(url);
    return it == page_.record_url_keys.end() ? url : it->second;
  }

  PgConnection& conn_;
  const PageObservation& page_;
  std::string now_;
  int64_t seq_;
  int64_t site_id_ = 0;
  int64_t page_id_ = 0;
  std::string fetched_;
  internal::ChildOwners child_owners_;
};

Status PgPageWrite::Run(int raw_versions, internal::ArchiveCodec& archive) {
  fetched_ = FormatUtc(page_.fetched_at);
  const std::string key = page_.url_key.empty() ? page_.url : page_.url_key;
  const bool ok = page_.failure_reason.empty();
  const std::string hash = !ok                          ? std::string()
                           : page_.content_hash.empty() ? store::ContentHash(page_.records)
                                                        : page_.content_hash;
  const std::string notes = internal::DumpJson(Json(page_.limits));
  const std::optional<int64_t> http_status =
      page_.http_status > 0 ? std::optional<int64_t>(page_.http_status) : std::nullopt;

  bool changed = false;
  // The site's row and the page's, in one round trip.
  pg::Pipeline round;
  round.Add("SELECT id FROM sites WHERE key = $1", Params().Add(page_.site));
  round.Add("SELECT id, content_hash, last_fetched_at, failure_reason FROM pages WHERE url = $1",
            Params().Add(key));
  auto found = round.Run(conn_);
  if (!found.ok()) return found.status();
  HC_RETURN_IF_ERROR(UpsertSite((*found)[0]));
  const pg::PgResult* existing = &(*found)[1];
  if (existing->rows() == 0) {
    Params p;
    p.Add(site_id_).Add(key).Add(page_.url).AddOrNull(page_.page_type).Add(http_status);
    p.AddOrNull(page_.content_type).AddOrNull(page_.charset).AddOrNull(page_.etag);
    p.AddOrNull(page_.last_modified).AddOrNull(hash).Add(fetched_);
    if (ok) {
      p.Add(fetched_);
    } else {
      p.Null();
    }
    p.AddOrNull(page_.failure_reason).Add(now_).Add(seq_).Add(notes).Add(page_.links_dropped);
    auto id =
        Id("INSERT INTO pages (site_id, url, fetched_url, page_type, http_status, content_type, charset,"
           " etag, last_modified, content_hash, first_fetched_at, last_fetched_at, last_changed_at,"
           " failure_reason, updated_at, updated_seq, fetch_count, notes, links_dropped)"
           " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12, $13, $14, $15, 1, $16, $17)"
           " RETURNING id",
           p);
    if (!id.ok()) return id.status();
    page_id_ = *id;
    changed = ok;
  } else {
    page_id_ = Int(*existing, 0, 0);
    const auto old_hash = OptText(*existing, 0, 1);
    const std::string last_fetched(existing->Text(0, 2));
    const auto old_failure = OptText(*existing, 0, 3);
    const bool latest = fetched_ >= last_fetched;
    const std::optional<std::string> new_failure =
        ok ? std::nullopt : std::optional<std::string>(page_.failure_reason);
    changed = ok && latest && old_hash != hash;
    const bool failure_changed = latest && old_failure != new_failure;
    if (latest) {
      Params p;
      p.Add(page_id_).Add(site_id_).Add(page_.url).AddOrNull(page_.page_type).Add(http_status);
      p.AddOrNull(page_.content_type).AddOrNull(page_.charset).AddOrNull(page_.etag);
      p.AddOrNull(page_.last_modified).AddOrNull(hash).Add(fetched_);
      p.Add(changed ? "true" : "false").Add(new_failure).Add(failure_changed ? "true" : "false");
      p.Add(now_).Add(seq_).Add(notes).Add(page_.links_dropped);
      HC_RETURN_IF_ERROR(
          Do("UPDATE pages SET site_id = $2, fetched_url = $3, page_type = $4, http_status = $5,"
             " content_type = $6, charset = $7, etag = $8, last_modified = $9,"
             " content_hash = coalesce($10, content_hash), last_fetched_at = $11,"
             " last_changed_at = CASE WHEN $12::boolean THEN $11 ELSE last_changed_at END,"
             " failure_reason = $13,"
             " fetch_count = fetch_count + CASE WHEN $11 > last_fetched_at THEN 1 ELSE 0 END,"
             " updated_at = CASE WHEN $12::boolean OR $14::boolean THEN $15 ELSE updated_at END,"
             " updated_seq = CASE WHEN $12::boolean OR $14::boolean THEN $16::bigint ELSE updated_seq END,"
             " notes = $17, links_dropped = $18"
             " WHERE id = $1",
             p));
    } else {
      // An observation older than every one seen is a fetch not counted yet; one between the first and
      // the last cannot be told from a repeat, and a repeat must change nothing.
      HC_RETURN_IF_ERROR(
          Do("UPDATE pages SET fetch_count = fetch_count + CASE WHEN $2 < first_fetched_at THEN 1 ELSE 0 END,"
             " first_fetched_at = least(first_fetched_at, $2) WHERE id = $1",
             Params().Add(page_id_).Add(fetched_)));
    }
  }

  if (!ok) {
    const std::string detail =
        page_.field_failures.is_array() ? internal::DumpJson(page_.field_failures) : std::string("[]");
    HC_RETURN_IF_ERROR(
        Do("INSERT INTO failures (page_id, failed_at, http_status, reason, detail, updated_seq)"
           " SELECT $1, $2, $3, $4, $5, $6 WHERE NOT EXISTS (SELECT 1 FROM failures"
           " WHERE page_id = $1 AND failed_at = $2 AND reason = $4)",  // ON CONFLICT would use up an id
           Params()
               .Add(page_id_)
               .Add(fetched_)
               .Add(http_status)
               .Add(page_.failure_reason)
               .Add(detail)
               .Add(seq_)));
  }
  if (changed) HC_RETURN_IF_ERROR(WriteRecords());
  if (ok) HC_RETURN_IF_ERROR(RecordViews());
  if (page_.raw && raw_versions > 0) HC_RETURN_IF_ERROR(ArchiveRaw(raw_versions, archive));
  return Status::Ok();
}

Status PgPageWrite::UpsertSite(const pg::PgResult& found) {
  // Looked up first: PostgreSQL's identity advances on every INSERT attempt, even one that ON CONFLICT
  // turns into an update or nothing (SQLite's does not), and ids must come out the same on both.
  if (found.rows() > 0) {
    site_id_ = Int(found, 0, 0);
    return Status::Ok();
  }
  auto id = Id("INSERT INTO sites (key, first_seen_at, updated_seq) VALUES ($1, $2, $3) RETURNING id",
               Params().Add(page_.site).Add(now_).Add(seq_));
  if (!id.ok()) return id.status();
  site_id_ = *id;
  return Status::Ok();
}

Status PgPageWrite::WriteRecords() {
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
      child_owners_.Add("diseases", *id, "", disease->children);
    }
  }
  // Always: a page that no longer has child items (or no record) loses the ones it had.
  return ReplaceRecordChildren();
}

Status PgPageWrite::ReplaceRecordChildren() {
  pg::Pipeline round;  // the delete, then the rows: one round trip
  round.Add("DELETE FROM record_children WHERE page_id = $1", Params().Add(page_id_));
  for (const internal::ChildOwners::Row& row : child_owners_.Rows()) {
    Params p;
    p.Add(page_id_).Add(std::string(row.owner->parent_table)).Add(row.owner->parent_id);
    p.Add(row.owner->record_path).Add(*row.list).Add(row.position).Add(row.fields).Add(now_).Add(seq_);
    round.Add(
        "INSERT INTO record_children (page_id, parent_table, parent_id, record_path, list, position,"
        " fields, updated_at, updated_seq) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        std::move(p));
  }
  return round.Run(conn_).status();
}

Status PgPageWrite::WriteArticle(const Article& a) {
  auto existing = Exec("SELECT id FROM articles WHERE page_id = $1", Params().Add(page_id_));
  if (!existing.ok()) return existing.status();
  Params p;
  p.Add(page_id_)
      .Add(site_id_)
      .Add(a.title)
      .Add(a.body)
      .Add(a.published_at)
      .Add(a.author)
      .Add(ListText(a.tags));
  p.Add(a.source).Add(ExtraText(a.extra)).Add(now_).Add(seq_).Add(DatePrecision(a.published_at));
  auto article =
      existing->rows() > 0
          ? Id("UPDATE articles SET site_id = $2, title = $3, body = $4, published_at = $5, author = $6, "
               "tags = $7,"
               " source = $8, extra = $9, updated_at = $10, updated_seq = $11, published_at_precision = $12"
               " WHERE page_id = $1 RETURNING "
               "id",
               p)
          : Id("INSERT INTO articles (page_id, site_id, title, body, published_at, author, tags, source, "
               "extra,"
               " updated_at, updated_seq, published_at_precision)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
               p);
  if (!article.ok()) return article.status();
  const int64_t article_id = *article;
  child_owners_.Add("articles", article_id, "", a.children);

  HC_RETURN_IF_ERROR(Do("DELETE FROM article_diseases WHERE article_id = $1", Params().Add(article_id)));
  std::vector<int64_t> disease_ids;  // in position order: 0, 1, ...
  for (size_t i = 0; i < a.diseases.size(); ++i) {
    const DiseaseCard& disease = a.diseases[i];
    auto id = UpsertDisease(disease, std::nullopt);
    if (!id.ok()) return id.status();
    child_owners_.Add("diseases", *id, internal::ItemPath("diseases", i), disease.children);
    if (*id) disease_ids.push_back(**id);  // a disease without a name cannot be keyed
  }
  HC_RETURN_IF_ERROR(InsertPositioned("article_diseases", "disease_id", article_id, disease_ids));

  // Cards without a question URL have answers of their own; they are replaced with the article's
  // cards. Cards with one are keyed by (question, doctor) and survive.
  pg::Pipeline round;
  const size_t own_at = round.Add(
      "SELECT aq.answer_id FROM article_questions aq JOIN answers a ON a.id = aq.answer_id"
      " WHERE aq.article_id = $1 AND a.question_id IS NULL",
      Params().Add(article_id));
  round.Add("DELETE FROM article_questions WHERE article_id = $1", Params().Add(article_id));
  auto own = round.Run(conn_);
  if (!own.ok()) return own.status();
  std::vector<int64_t> own_answers;
  for (int i = 0; i < (*own)[own_at].rows(); ++i) own_answers.push_back(Int((*own)[own_at], i, 0));
  if (!own_answers.empty())
    HC_RETURN_IF_ERROR(Do("DELETE FROM answers WHERE id = ANY($1::bigint[])", Params().Add(own_answers)));

  std::vector<pg::AnswerFacts> cards(a.answers.size());
  for (size_t i = 0; i < a.answers.size(); ++i) {
    const AnswerCard& card = a.answers[i];
    pg::AnswerFacts& f = cards[i];
    f.hospital = card.hospital;
    f.hospital_grade = card.hospital_grade;
    f.hospital_grade_raw = card.hospital_grade_raw;
    f.doctor = {card.doctor_name, card.doctor_title, card.department, card.doctor_title_raw, card.academic_title,
                std::nullopt, "{}", std::nullopt};
    if (card.question_url) f.question_key = KeyOf(*card.question_url);
    f.question_title = card.question_title;
    f.text = card.answer_text;
    f.answered_at = card.answered_at;
    f.extra = &card.extra;
  }
  auto rows = Answers(cards);
  if (!rows.ok()) return rows.status();
  std::vector<int64_t> answer_ids;  // in position order: 0, 1, ...
  for (size_t i = 0; i < a.answers.size(); ++i) {
    child_owners_.Add("answers", rows->answer_ids[i], internal::ItemPath("answers", i), a.answers[i].children);
    answer_ids.push_back(*rows->answer_ids[i]);
  }
  return InsertPositioned("article_questions", "answer_id", article_id, answer_ids);
}

// An article's list (article_diseases, article_questions) in one statement: (article_id, position,
// `column`) for each of `ids`, positions 0, 1, ... in list order.
Status PgPageWrite::InsertPositioned(std::string_view table, std::string_view column, int64_t article_id,
                                     const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  return Do("INSERT INTO " + std::string(table) + " (article_id, position, " + std::string(column) +
                ") SELECT $1, u.n - 1, u.id FROM unnest($2::bigint[]) WITH ORDINALITY AS u(id, n)",
            Params().Add(article_id).Add(ids));
}

Status PgPageWrite::WriteQuestion(const Question& question) {
  const std::string key = page_.url_key.empty() ? page_.url : page_.url_key;
  auto existing = Exec("SELECT id FROM questions WHERE url = $1", Params().Add(key));
  if (!existing.ok()) return existing.status();
  Params p;
  p.Add(site_id_).Add(key).Add(question.title).Add(question.description).Add(question.asked_at).Add(page_id_);
  p.Add(ExtraText(question.extra)).Add(now_).Add(seq_).Add(DatePrecision(question.asked_at));
  p.Add(question.patient_sex).Add(question.patient_age_years).Add(question.patient_age_months);
  auto question_id =
      existing->rows() > 0
          ? Id("UPDATE questions SET site_id = $1, title = $3, description = $4, asked_at = $5, page_id = $6,"
               " extra = $7, updated_at = $8, updated_seq = $9, asked_at_precision = $10, patient_sex = $11,"
               " patient_age_years = $12, patient_age_months = $13 WHERE url = $2 RETURNING id",
               p)
          : Id("INSERT INTO questions (site_id, url, title, description, asked_at, page_id, extra, "
               "updated_at,"
               " updated_seq, asked_at_precision, patient_sex, patient_age_years, patient_age_months)"
               " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
               p);
  if (!question_id.ok()) return question_id.status();
  child_owners_.Add("questions", *question_id, "", question.children);

  int64_t anonymous = 0;
  std::vector<pg::AnswerFacts> answers(question.answers.size());
  for (size_t i = 0; i < question.answers.size(); ++i) {
    const records::Answer& answer = question.answers[i];
    pg::AnswerFacts& f = answers[i];
    f.hospital = answer.hospital;
    f.hospital_grade = answer.hospital_grade;
    f.hospital_grade_raw = answer.hospital_grade_raw;
    f.doctor = {answer.doctor_name, answer.doctor_title,   answer.department, answer.doctor_title_raw,
                answer.academic_title, std::nullopt, "{}", std::nullopt};
    f.question_id = *question_id;
    const bool named = answer.doctor_name && !answer.doctor_name->empty();
    f.anon_ordinal = internal::AnonOrdinal(named, &anonymous);
    f.text = answer.answer_text;
    f.answered_at = answer.answered_at;
    f.extra = &answer.extra;
    f.from_page = true;
  }
  auto rows = Answers(answers);
  if (!rows.ok()) return rows.status();
  for (size_t i = 0; i < question.answers.size(); ++i) {
    child_owners_.Add("answers", rows->answer_ids[i], internal::ItemPath("answers", i),
                      question.answers[i].children);
  }
  return Status::Ok();
}

Status PgPageWrite::WriteDoctor(const DoctorProfile& d) {
  pg::AnswerFacts profile;
  profile.hospital = d.hospital;
  profile.hospital_grade = d.hospital_grade;
  profile.hospital_grade_raw = d.hospital_grade_raw;
  profile.doctor = {d.name, d.title, d.department, d.title_raw, d.academic_title, ListText(d.specialties),
                    ExtraText(d.extra), page_id_};
  profile.has_answer = false;
  auto rows = Answers({profile});
  if (!rows.ok()) return rows.status();
  child_owners_.Add("doctors", rows->doctor_ids[0], "", d.children);
  return Status::Ok();
}

Result<std::optional<int64_t>> PgPageWrite::UpsertDisease(const DiseaseCard& disease,
                                                          std::optional<int64_t> page_id) {
  const Text& name = disease.name;
  if (!name || name->empty()) return std::optional<int64_t>();
  const std::string extra = ExtraText(disease.extra);
  // Shared by every article that names it: a new value fills or replaces a field, a null never erases
  // one, and an unchanged row keeps its updated_seq (as SQLite's upsert with json_patch).
  auto row =
      Exec("SELECT id, summary, url, page_id, extra FROM diseases WHERE name = $1", Params().Add(*name));
  if (!row.ok()) return row.status();
  if (row->rows() == 0) {
    Params p;
    p.Add(*name).Add(disease.summary).Add(disease.url).Add(page_id).Add(extra).Add(now_).Add(seq_);
    auto id =
        Id("INSERT INTO diseases (name, summary, url, page_id, extra, updated_at, updated_seq)"
           " VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
           p);
    if (!id.ok()) return id.status();
    return std::optional<int64_t>(*id);
  }
  const int64_t id = Int(*row, 0, 0);
  const std::optional<std::string> summary = disease.summary ? disease.summary : OptText(*row, 0, 1);
  const std::optional<std::string> url = disease.url ? disease.url : OptText(*row, 0, 2);
  const std::optional<int64_t> page = page_id ? page_id : OptInt(*row, 0, 3);
  const std::string old_extra(row->Text(0, 4));
  const std::string new_extra = MergedJson(old_extra, extra);
  if (summary != OptText(*row, 0, 1) || url != OptText(*row, 0, 2) || page != OptInt(*row, 0, 3) ||
      new_extra != old_extra) {
    HC_RETURN_IF_ERROR(
        Do("UPDATE diseases SET summary = $2, url = $3, page_id = $4, extra = $5, updated_at = $6,"
           " updated_seq = $7 WHERE id = $1",
           Params().Add(id).Add(summary).Add(url).Add(page).Add(new_extra).Add(now_).Add(seq_)));
  }
  return std::optional<int64_t>(id);
}

// The counters of every visit, changed page or not (docs/schema.md "Time series and counters"): an
// article's and a question's views as observations, and the answers' helpful votes.
Status PgPageWrite::RecordViews() {
  pg::Pipeline round;  // none needs another's answer: one round trip
  for (const Record& record : page_.records) {
    QueueHelpfulVotes(record, round);
    const auto* article = std::get_if<Article>(&record);
    const auto* question = std::get_if<Question>(&record);
    const records::Int& views = article ? article->views : question ? question->views : records::Int();
    if (!views) continue;
    round.Add(article ? "INSERT INTO article_views (article_id, observed_at, views, updated_seq)"
                        " SELECT id, $2, $3, $4 FROM articles WHERE page_id = $1"
                        " ON CONFLICT (article_id, observed_at) DO NOTHING"
                      : "INSERT INTO question_views (question_id, observed_at, views, updated_seq)"
                        " SELECT id, $2, $3, $4 FROM questions WHERE page_id = $1"
                        " ON CONFLICT (question_id, observed_at) DO NOTHING",
              Params().Add(page_id_).Add(fetched_).Add(*views).Add(seq_));
  }
  return round.Run(conn_).status();
}

// SqliteStore's rule (internal::ArticleCardVotes, QuestionAnswerVotes): the answers' rows found again by
// the identity WriteArticle and WriteQuestion gave them; a row whose count moved is exported again.
void PgPageWrite::QueueHelpfulVotes(const Record& record, pg::Pipeline& round) {
  if (const auto* article = std::get_if<Article>(&record)) {
    for (const internal::CardVotes& card : internal::ArticleCardVotes(*article)) {
      round.Add(
          "UPDATE answers SET helpful_votes = $3, updated_at = $4, updated_seq = $5"
          " WHERE id = (SELECT aq.answer_id FROM article_questions aq JOIN articles a ON a.id = aq.article_id"
          " WHERE a.page_id = $1 AND aq.position = $2) AND helpful_votes IS DISTINCT FROM $3::bigint",
          Params().Add(page_id_).Add(card.position).Add(card.votes).Add(now_).Add(seq_));
    }
    return;
  }
  const auto* question = std::get_if<Question>(&record);
  if (!question) return;
  for (const internal::AnswerVotes& answer : internal::QuestionAnswerVotes(*question)) {
    Params p;
    p.Add(page_id_).Add(answer.doctor_name).Add(answer.hospital).Add(answer.anon_ordinal).Add(answer.votes);
    p.Add(now_).Add(seq_);
    round.Add(
        "UPDATE answers SET helpful_votes = $5, updated_at = $6, updated_seq = $7"
        " WHERE question_id = (SELECT id FROM questions WHERE page_id = $1)"
        " AND coalesce(doctor_id, 0) = coalesce((SELECT d.id FROM doctors d WHERE d.name = $2"
        " AND coalesce(d.hospital_id, 0) = coalesce((SELECT h.id FROM hospitals h WHERE h.name = $3), 0)), 0)"
        " AND anon_ordinal = $4 AND helpful_votes IS DISTINCT FROM $5::bigint",
        std::move(p));
  }
}

Status PgPageWrite::ArchiveRaw(int raw_versions, internal::ArchiveCodec& archive) {
  const RawResponse& raw = *page_.raw;
  const std::string fetched = FormatUtc(raw.fetched_at);
  const std::string sha = HexLower(Sha1(raw.body));
  Json headers = Json::array();
  for (const auto& [name, value] : raw.headers) headers.push_back({name, value});
  // The newest version and any version of this fetch time, in one round trip.
  pg::Pipeline round;
  round.Add(
      "SELECT id, fetched_at, body_sha1, http_status FROM raw_responses WHERE page_id = $1"
      " ORDER BY fetched_at DESC, id DESC LIMIT 1",
      Params().Add(page_id_));
  round.Add("SELECT 1 FROM raw_responses WHERE page_id = $1 AND fetched_at = $2", Params().Add(page_id_).Add(fetched));
  auto found = round.Run(conn_);
  if (!found.ok()) return found.status();
  {
    // The same body seen again is one version, last seen at the newer fetch time.
    const pg::PgResult& r = (*found)[0];
    if (r.rows() > 0 && r.Text(0, 2) == sha && Int(r, 0, 3) == raw.status) {
      if (fetched <= r.Text(0, 1)) return Status::Ok();
      return Do("UPDATE raw_responses SET fetched_at = $2, url = $3, headers = $4 WHERE id = $1",
                Params().Add(Int(r, 0, 0)).Add(fetched).Add(raw.url).Add(internal::DumpJson(headers)));
    }
  }
  if ((*found)[1].rows() > 0) return Status::Ok();
  pg::PgDictionaries dictionaries(conn_);
  auto compressed = archive.Compress(dictionaries, site_id_, page_.site, raw.body, now_);
  if (!compressed.ok()) return compressed.status();
  Params p;
  p.Add(page_id_)
      .Add(raw.url)
      .Add(fetched)
      .Add(raw.status)
      .Add(internal::DumpJson(headers))
      .Bytes(compressed->frame);
  p.Add(static_cast<int64_t>(raw.body.size())).Add(sha).Add(compressed->dictionary_id);
  round.Add(
      "INSERT INTO raw_responses (page_id, url, fetched_at, http_status, headers, body, body_size,"
      " body_sha1, dictionary_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
      std::move(p));
  round.Add(
      "DELETE FROM raw_responses WHERE page_id = $1 AND id NOT IN (SELECT id FROM raw_responses"
      " WHERE page_id = $1 ORDER BY fetched_at DESC, id DESC LIMIT $2)",
      Params().Add(page_id_).Add(static_cast<int64_t>(raw_versions)));
  return round.Run(conn_).status();
}

Status Validate(const PageObservation& page) { return internal::ValidatePage(page); }

}  // namespace

namespace pg {

Status WritePage(PgStore::Rep& rep, const PageObservation& page) {
  auto seq = NextChangeSeq(*rep.conn);
  if (!seq.ok()) return seq.status();
  PgPageWrite write(*rep.conn, page, FormatUtc(rep.clock->Now()), *seq);
  return write.Run(rep.options.raw_versions, *rep.archive);
}

}  // namespace pg

Status PgStore::PutPage(const PageObservation& page) {
  if (rep_->options.read_only) return Status::IoError(rep_->where + ": opened read-only");
  HC_RETURN_IF_ERROR(Validate(page));
  HC_RETURN_IF_ERROR(pg::BeginBatch(*rep_));
  // On failure only this page is undone; the batch's earlier pages stay (as on SQLite).
  HC_RETURN_IF_ERROR(
      pg::InSavepointRetryingInsertRaces(*rep_, "page", [&] { return pg::WritePage(*rep_, page); }));
  ++rep_->pages_in_batch;
  if (pg::BatchIsFull(*rep_)) return Flush();
  return Status::Ok();
}

}  // namespace hc::store
