#include <string>

#include "store/schema_internal.h"
#include "store/sqlite_store_internal.h"

namespace hc::store {
namespace internal {
namespace {

// Version 1: the normalized dataset. Timestamps are ISO 8601 UTC text ("2026-03-01T02:00:00Z"), which
// sorts in time order; JSON columns hold JSON text.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE sites (
  id            INTEGER PRIMARY KEY,
  key           TEXT NOT NULL UNIQUE,
  first_seen_at TEXT NOT NULL
);
CREATE TABLE pages (
  id               INTEGER PRIMARY KEY,
  site_id          INTEGER NOT NULL REFERENCES sites(id),
  url              TEXT NOT NULL UNIQUE,
  fetched_url      TEXT NOT NULL,
  page_type        TEXT,
  http_status      INTEGER,
  content_type     TEXT,
  charset          TEXT,
  etag             TEXT,
  last_modified    TEXT,
  content_hash     TEXT,
  first_fetched_at TEXT NOT NULL,
  last_fetched_at  TEXT NOT NULL,
  last_changed_at  TEXT,
  failure_reason   TEXT,
  fetch_count      INTEGER NOT NULL DEFAULT 0,
  updated_at       TEXT NOT NULL
);
CREATE INDEX pages_site ON pages(site_id, page_type);
CREATE INDEX pages_last_fetched ON pages(last_fetched_at);
CREATE INDEX pages_failing ON pages(site_id, failure_reason) WHERE failure_reason IS NOT NULL;

CREATE TABLE articles (
  id           INTEGER PRIMARY KEY,
  page_id      INTEGER NOT NULL UNIQUE REFERENCES pages(id) ON DELETE CASCADE,
  site_id      INTEGER NOT NULL REFERENCES sites(id),
  title        TEXT,
  body         TEXT,
  published_at TEXT,
  author       TEXT,
  tags         TEXT,
  source       TEXT,
  extra        TEXT NOT NULL DEFAULT '{}',
  updated_at   TEXT NOT NULL
);
CREATE INDEX articles_site ON articles(site_id, updated_at);
CREATE INDEX articles_updated ON articles(updated_at);

CREATE TABLE article_views (
  article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  observed_at TEXT NOT NULL,
  views       INTEGER NOT NULL,
  PRIMARY KEY (article_id, observed_at)
) WITHOUT ROWID;
CREATE INDEX article_views_observed ON article_views(observed_at);

CREATE TABLE diseases (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  summary    TEXT,
  url        TEXT,
  page_id    INTEGER REFERENCES pages(id) ON DELETE SET NULL,
  extra      TEXT NOT NULL DEFAULT '{}',
  updated_at TEXT NOT NULL
);
CREATE TABLE article_diseases (
  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  disease_id INTEGER NOT NULL REFERENCES diseases(id),
  PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX article_diseases_disease ON article_diseases(disease_id);

CREATE TABLE hospitals (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  grade      TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE doctors (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  hospital_id     INTEGER REFERENCES hospitals(id),
  title           TEXT,
  department      TEXT,
  specialties     TEXT,
  profile_page_id INTEGER REFERENCES pages(id) ON DELETE SET NULL,
  extra           TEXT NOT NULL DEFAULT '{}',
  updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX doctors_identity ON doctors(name, ifnull(hospital_id, 0));
CREATE INDEX doctors_hospital ON doctors(hospital_id);

CREATE TABLE questions (
  id          INTEGER PRIMARY KEY,
  site_id     INTEGER NOT NULL REFERENCES sites(id),
  url         TEXT NOT NULL UNIQUE,
  title       TEXT,
  description TEXT,
  asked_at    TEXT,
  page_id     INTEGER REFERENCES pages(id) ON DELETE SET NULL,
  extra       TEXT NOT NULL DEFAULT '{}',
  updated_at  TEXT NOT NULL
);
CREATE INDEX questions_site ON questions(site_id, updated_at);

CREATE TABLE answers (
  id           INTEGER PRIMARY KEY,
  question_id  INTEGER REFERENCES questions(id),
  doctor_id    INTEGER REFERENCES doctors(id),
  anon_ordinal INTEGER NOT NULL DEFAULT 0,
  text         TEXT,
  answered_at  TEXT,
  source       TEXT NOT NULL CHECK (source IN ('card', 'page')),
  extra        TEXT NOT NULL DEFAULT '{}',
  updated_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX answers_identity ON answers(question_id, ifnull(doctor_id, 0), anon_ordinal);
CREATE INDEX answers_doctor ON answers(doctor_id);

CREATE TABLE article_questions (
  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  position   INTEGER NOT NULL,
  answer_id  INTEGER NOT NULL REFERENCES answers(id),
  PRIMARY KEY (article_id, position)
) WITHOUT ROWID;
CREATE INDEX article_questions_answer ON article_questions(answer_id);

CREATE TABLE crawl_runs (
  id            INTEGER PRIMARY KEY,
  command       TEXT NOT NULL,
  sites         TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  finished_at   TEXT,
  outcome       TEXT,
  pages_fetched INTEGER NOT NULL DEFAULT 0,
  pages_stored  INTEGER NOT NULL DEFAULT 0,
  pages_failed  INTEGER NOT NULL DEFAULT 0,
  bytes_fetched INTEGER NOT NULL DEFAULT 0,
  extra         TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE raw_responses (
  id          INTEGER PRIMARY KEY,
  page_id     INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
  url         TEXT NOT NULL,
  fetched_at  TEXT NOT NULL,
  http_status INTEGER NOT NULL,
  headers     TEXT NOT NULL DEFAULT '[]',
  body        BLOB NOT NULL,
  body_size   INTEGER NOT NULL,
  body_sha1   TEXT NOT NULL
);
CREATE INDEX raw_responses_page ON raw_responses(page_id, fetched_at);
CREATE INDEX raw_responses_fetched ON raw_responses(fetched_at);
)sql";

// Version 2: a failure history. Version 1 kept only the latest failure in pages.failure_reason; the
// history lets `stats` count failures by reason over time. Backfilled from the pages that fail now.
constexpr std::string_view kV2 = R"sql(
CREATE TABLE failures (
  id          INTEGER PRIMARY KEY,
  page_id     INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
  failed_at   TEXT NOT NULL,
  http_status INTEGER,
  reason      TEXT NOT NULL,
  detail      TEXT NOT NULL DEFAULT '[]',
  UNIQUE (page_id, failed_at, reason)
);
CREATE INDEX failures_reason ON failures(reason);
CREATE INDEX failures_failed_at ON failures(failed_at);
INSERT INTO failures (page_id, failed_at, http_status, reason)
  SELECT id, last_fetched_at, http_status, failure_reason FROM pages WHERE failure_reason IS NOT NULL;
)sql";

// Version 3: incremental exports (`export --since-last`). Every exported row carries the change
// sequence number of the write that last changed it; exports records what each export covered.
// Rows that existed before the upgrade get sequence 1, so the first incremental export includes them.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE change_seq (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  value INTEGER NOT NULL
);
INSERT INTO change_seq (id, value) VALUES (1, 1);
ALTER TABLE sites ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE pages ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE article_views ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE diseases ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE hospitals ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE doctors ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE questions ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE answers ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE failures ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
ALTER TABLE crawl_runs ADD COLUMN updated_seq INTEGER NOT NULL DEFAULT 1;
CREATE INDEX pages_seq ON pages(updated_seq);
CREATE INDEX articles_seq ON articles(updated_seq);
CREATE INDEX article_views_seq ON article_views(updated_seq);
CREATE INDEX questions_seq ON questions(updated_seq);
CREATE INDEX answers_seq ON answers(updated_seq);
CREATE INDEX doctors_seq ON doctors(updated_seq);
CREATE TABLE exports (
  id          INTEGER PRIMARY KEY,
  target      TEXT NOT NULL,
  format      TEXT NOT NULL,
  table_name  TEXT NOT NULL,
  site        TEXT,
  path        TEXT NOT NULL,
  exported_at TEXT NOT NULL,
  upto_seq    INTEGER NOT NULL,
  rows        INTEGER NOT NULL
);
CREATE INDEX exports_target ON exports(target, upto_seq);
)sql";

// Version 4: the crawl frontier (docs/crawling.md). One row per URL of a site, unique on its dedupe
// key; a lease (owner, expiry) instead of a flag so several crawler processes could share it. Times
// that are compared (not_before, lease_expires, next_visit) are milliseconds since the Unix epoch.
// The revisit columns (validators, body hash, adaptive interval, next visit) serve incremental
// recrawls (docs/scheduling.md); crawl runs gain the job that started them and their change counts.
constexpr std::string_view kV4 = R"sql(
CREATE TABLE frontier (
  id              INTEGER PRIMARY KEY,
  site            TEXT NOT NULL,
  url_key         TEXT NOT NULL,
  url             TEXT NOT NULL,
  origin          TEXT NOT NULL,
  state           TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'in_flight', 'done', 'failed', 'redirected')),
  depth           INTEGER NOT NULL DEFAULT 0,
  priority        INTEGER NOT NULL DEFAULT 0,
  redirects       INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  not_before      INTEGER NOT NULL DEFAULT 0,
  discovered_from TEXT,
  lease_owner     TEXT,
  lease_expires   INTEGER,
  detail          TEXT,
  http_status     INTEGER,
  added_at        TEXT NOT NULL,
  finished_at     TEXT,
  etag            TEXT,
  last_modified   TEXT,
  body_sha1       TEXT,
  revisit_ms      INTEGER,
  next_visit      INTEGER,
  visits          INTEGER NOT NULL DEFAULT 0,
  changes         INTEGER NOT NULL DEFAULT 0,
  last_change     TEXT CHECK (last_change IN ('new', 'changed', 'unchanged', 'gone')),
  UNIQUE (site, url_key)
);
CREATE INDEX frontier_lease ON frontier(site, state, priority DESC, depth, id);
CREATE INDEX frontier_due ON frontier(site, state, next_visit);
ALTER TABLE crawl_runs ADD COLUMN job TEXT;
ALTER TABLE crawl_runs ADD COLUMN pages_new INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN pages_changed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN pages_unchanged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE crawl_runs ADD COLUMN pages_gone INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 5: the scheduler's state (docs/scheduling.md). `jobs` holds the job definitions, from jobs
// files (source 'file') and from `schedule add` (source 'cli'), and, per job, the moment up to which its
// fire times were dealt with (checked_through). `job_locks` is the one-run-per-job lock: an owner
// ("host:pid"), its host and pid (so a scheduler on the same host can tell that the holder died) and an
// expiry that the holder's heartbeat keeps moving. Times that are compared are milliseconds since the
// Unix epoch. crawl_runs gains an index for `schedule history`.
constexpr std::string_view kV5 = R"sql(
CREATE TABLE jobs (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL UNIQUE,
  site            TEXT NOT NULL,
  cron            TEXT NOT NULL,
  time_zone       TEXT NOT NULL DEFAULT '',
  missed          TEXT NOT NULL DEFAULT 'skip' CHECK (missed IN ('skip', 'run_once')),
  paused          INTEGER NOT NULL DEFAULT 0,
  paused_in_file  INTEGER NOT NULL DEFAULT 0,
  options         TEXT NOT NULL DEFAULT '{}',
  source          TEXT NOT NULL CHECK (source IN ('file', 'cli')),
  source_file     TEXT,
  checked_through INTEGER,
  created_at      TEXT NOT NULL,
  updated_at      TEXT NOT NULL
);
CREATE TABLE job_locks (
  job           TEXT PRIMARY KEY,
  owner         TEXT NOT NULL,
  host          TEXT NOT NULL,
  pid           INTEGER NOT NULL,
  acquired_at   INTEGER NOT NULL,
  heartbeat_at  INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL,
  run_id        INTEGER,
  scheduled_for INTEGER
);
CREATE INDEX crawl_runs_job ON crawl_runs(job, id);
)sql";

// Version 6: limits and poison pages (docs/RELIABILITY.md). `pages.notes` is a JSON array of the
// limits a page hit when it was last parsed (nesting depth, links per page, URL length), so a limit is
// visible on the page it cut short; `pages.links_dropped` counts the links it lost to them.
// `frontier.parse_deaths` counts the consecutive crawler deaths during which the URL's page was being
// parsed or extracted: at the limit the URL is failed instead of being fetched and parsed again.
constexpr std::string_view kV6 = R"sql(
ALTER TABLE pages ADD COLUMN notes TEXT NOT NULL DEFAULT '[]';
ALTER TABLE pages ADD COLUMN links_dropped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE frontier ADD COLUMN parse_deaths INTEGER NOT NULL DEFAULT 0;
CREATE INDEX frontier_parse_deaths ON frontier(site) WHERE parse_deaths > 0;
)sql";

// Version 7: run heartbeats (docs/RELIABILITY.md, "Run records and heartbeats"). A crawl run records
// where it runs (host, pid) and keeps heartbeat_at (milliseconds since the Unix epoch) and its counts
// current while it runs, so that the next process that opens the database for writing can tell a run
// whose process died (marked `killed`) from one still running. `frontier.run_id` is the run that gave
// the URL its final state: the killed run's real counts are counted from it.
// Also in version 7: a smaller raw archive (issue 12 point 7). Pages of one portal share most of their bytes,
// so each site's bodies are compressed with a zstd dictionary trained from the site's own pages
// (docs/schema.md, "zstd_dictionaries"). A raw_responses row names the dictionary its body needs; NULL
// (every row written before) is a plain zstd frame. The reference without ON DELETE keeps a
// dictionary while any row names it (foreign keys are on); the partial index makes "does a row name
// it" cheap for the clean-up after a retraining.
constexpr std::string_view kV7 = R"sql(
ALTER TABLE crawl_runs ADD COLUMN heartbeat_at INTEGER;
ALTER TABLE crawl_runs ADD COLUMN pid INTEGER;
ALTER TABLE crawl_runs ADD COLUMN host TEXT;
ALTER TABLE frontier ADD COLUMN run_id INTEGER;
CREATE INDEX crawl_runs_running ON crawl_runs(heartbeat_at) WHERE finished_at IS NULL;
CREATE TABLE zstd_dictionaries (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  site_id       INTEGER NOT NULL REFERENCES sites(id),
  created_at    TEXT NOT NULL,
  dict          BLOB NOT NULL,
  dict_sha1     TEXT NOT NULL,
  sample_pages  INTEGER NOT NULL,
  sample_bytes  INTEGER NOT NULL,
  trained_ratio REAL NOT NULL,
  plain_ratio   REAL NOT NULL
);
CREATE INDEX zstd_dictionaries_site ON zstd_dictionaries(site_id, id);
ALTER TABLE raw_responses ADD COLUMN dictionary_id INTEGER REFERENCES zstd_dictionaries(id);
CREATE INDEX raw_responses_dictionary ON raw_responses(dictionary_id) WHERE dictionary_id IS NOT NULL;
)sql";

// Drift alarm (docs/drift.md): each crawl run's pages and records per page type, each field's fill
// counts, and the fields that made a run degraded. Keyed by run and site key (crawl_runs.sites) so that
// the dashboard charts a site's rates without a join.
constexpr std::string_view kV8 = R"sql(
CREATE TABLE run_page_types (
  run_id     INTEGER NOT NULL REFERENCES crawl_runs(id),
  site       TEXT NOT NULL,
  page_type  TEXT NOT NULL,
  pages      INTEGER NOT NULL,
  records    INTEGER NOT NULL,
  PRIMARY KEY (run_id, page_type)
);
CREATE INDEX run_page_types_site ON run_page_types(site, run_id);
CREATE TABLE run_field_fill (
  run_id     INTEGER NOT NULL REFERENCES crawl_runs(id),
  site       TEXT NOT NULL,
  page_type  TEXT NOT NULL,
  field      TEXT NOT NULL,
  filled     INTEGER NOT NULL,
  total      INTEGER NOT NULL,
  PRIMARY KEY (run_id, page_type, field)
);
CREATE INDEX run_field_fill_site ON run_field_fill(site, page_type, field, run_id);
CREATE TABLE run_fill_alarms (
  run_id     INTEGER NOT NULL REFERENCES crawl_runs(id),
  site       TEXT NOT NULL,
  page_type  TEXT NOT NULL,
  field      TEXT NOT NULL,
  filled     INTEGER NOT NULL,
  total      INTEGER NOT NULL,
  rate       REAL NOT NULL,
  baseline   REAL NOT NULL,
  basis      TEXT NOT NULL,
  PRIMARY KEY (run_id, page_type, field)
);
CREATE INDEX run_fill_alarms_site ON run_fill_alarms(site, run_id);
)sql";

// Child lists (issue 13 point 6; docs/schema.md "record_children"): one row per item of a site-declared
// child list of any record (a doctor's consultations, an answer's follow-ups). The fields are free names
// that differ by site and list, so an item is one JSON object in config order (typed as the config's
// types made it) rather than columns. An item belongs to the page whose record carries it (a revisit
// replaces the page's items; deleting the page deletes them) and names its parent's row; a parent table
// cannot be a foreign key, so triggers delete the items of a deleted parent row.
constexpr std::string_view kV9RecordChildren = R"sql(
CREATE TABLE record_children (
  id           INTEGER PRIMARY KEY,
  page_id      INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
  parent_table TEXT NOT NULL CHECK (parent_table IN ('articles', 'questions', 'doctors', 'diseases', 'answers')),
  parent_id    INTEGER,
  record_path  TEXT NOT NULL DEFAULT '',
  list         TEXT NOT NULL,
  position     INTEGER NOT NULL,
  fields       TEXT NOT NULL DEFAULT '{}',
  updated_at   TEXT NOT NULL,
  updated_seq  INTEGER NOT NULL DEFAULT 1,
  UNIQUE (page_id, record_path, list, position)
);
CREATE INDEX record_children_parent ON record_children(parent_table, parent_id);
CREATE INDEX record_children_seq ON record_children(updated_seq);
CREATE TRIGGER record_children_articles AFTER DELETE ON articles BEGIN
  DELETE FROM record_children WHERE parent_table = 'articles' AND parent_id = OLD.id;
END;
CREATE TRIGGER record_children_questions AFTER DELETE ON questions BEGIN
  DELETE FROM record_children WHERE parent_table = 'questions' AND parent_id = OLD.id;
END;
CREATE TRIGGER record_children_doctors AFTER DELETE ON doctors BEGIN
  DELETE FROM record_children WHERE parent_table = 'doctors' AND parent_id = OLD.id;
END;
CREATE TRIGGER record_children_diseases AFTER DELETE ON diseases BEGIN
  DELETE FROM record_children WHERE parent_table = 'diseases' AND parent_id = OLD.id;
END;
CREATE TRIGGER record_children_answers AFTER DELETE ON answers BEGIN
  DELETE FROM record_children WHERE parent_table = 'answers' AND parent_id = OLD.id;
END;
)sql";

// The record vocabulary (docs/vocabulary.md) and the Q&A fields of issue 14: canonical grades and titles
// beside the page's own text, a doctor's academic title, a question's patient and views (a time series
// like article_views), an answer's helpful votes (a counter, kept out of the change check), and the
// precision of every date. Existing rows keep their data: their grades and titles are canonicalized
// with the stored text moved to *_raw (CanonicalizeStoredVocabulary, after the SQL: the readings of
// core/vocabulary.h; a text outside the vocabulary keeps its raw text and a null canonical value), and
// their dates get the precision their text shows.
constexpr std::string_view kV10 = R"sql(
ALTER TABLE hospitals ADD COLUMN grade_raw TEXT;
ALTER TABLE doctors ADD COLUMN title_raw TEXT;
ALTER TABLE doctors ADD COLUMN academic_title TEXT;
ALTER TABLE questions ADD COLUMN patient_sex TEXT;
ALTER TABLE questions ADD COLUMN patient_age_years INTEGER;
ALTER TABLE questions ADD COLUMN patient_age_months INTEGER;
ALTER TABLE questions ADD COLUMN asked_at_precision TEXT CHECK (asked_at_precision IN ('date', 'datetime'));
ALTER TABLE articles ADD COLUMN published_at_precision TEXT
  CHECK (published_at_precision IN ('date', 'datetime'));
ALTER TABLE answers ADD COLUMN answered_at_precision TEXT CHECK (answered_at_precision IN ('date', 'datetime'));
ALTER TABLE answers ADD COLUMN helpful_votes INTEGER;
CREATE TABLE question_views (
  question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
  observed_at TEXT NOT NULL,
  views       INTEGER NOT NULL,
  updated_seq INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (question_id, observed_at)
) WITHOUT ROWID;
CREATE INDEX question_views_observed ON question_views(observed_at);
CREATE INDEX question_views_seq ON question_views(updated_seq);
CREATE INDEX doctors_academic_title ON doctors(academic_title) WHERE academic_title IS NOT NULL;
CREATE INDEX hospitals_grade ON hospitals(grade);

UPDATE articles SET published_at_precision =
  CASE WHEN instr(published_at, 'T') > 0 THEN 'datetime' ELSE 'date' END WHERE published_at IS NOT NULL;
UPDATE questions SET asked_at_precision =
  CASE WHEN instr(asked_at, 'T') > 0 THEN 'datetime' ELSE 'date' END WHERE asked_at IS NOT NULL;
UPDATE answers SET answered_at_precision =
  CASE WHEN instr(answered_at, 'T') > 0 THEN 'datetime' ELSE 'date' END WHERE answered_at IS NOT NULL;

UPDATE hospitals SET grade_raw = grade WHERE grade IS NOT NULL;
UPDATE doctors SET title_raw = title WHERE title IS NOT NULL;
)sql";

// The drift alarm's rows in the order they were written, by a key of their own (`position` within the
// run) rather than SQLite's rowid, which PostgreSQL has not: existing rows are numbered in rowid order.
// And the poison-page marks of crawls that share a database (PostgreSQL; docs/RELIABILITY.md "Poison
// pages"): one row per parse worker of a running crawler process, the frontier id it is parsing.
constexpr std::string_view kV12 = R"sql(
ALTER TABLE run_page_types ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_field_fill ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
ALTER TABLE run_fill_alarms ADD COLUMN position INTEGER NOT NULL DEFAULT 0;
UPDATE run_page_types SET position = (SELECT count(*) FROM run_page_types o
  WHERE o.run_id = run_page_types.run_id AND o.rowid < run_page_types.rowid);
UPDATE run_field_fill SET position = (SELECT count(*) FROM run_field_fill o
  WHERE o.run_id = run_field_fill.run_id AND o.rowid < run_field_fill.rowid);
UPDATE run_fill_alarms SET position = (SELECT count(*) FROM run_fill_alarms o
  WHERE o.run_id = run_fill_alarms.run_id AND o.rowid < run_fill_alarms.rowid);
CREATE TABLE parse_marks (
  site        TEXT NOT NULL,
  owner       TEXT NOT NULL,
  slot        INTEGER NOT NULL,
  frontier_id INTEGER NOT NULL DEFAULT 0,
  started_at  TEXT NOT NULL,
  PRIMARY KEY (site, owner, slot)
);
)sql";

// Politeness for a crawl shared by several processes (store/host_pace.h). Only PostgreSQL writes these
// rows; SQLite has them so that both backends have the same tables (one crawl per SQLite file paces
// itself in process). Times are seconds since 1970 by the database server's clock.
constexpr std::string_view kV11 = R"sql(
CREATE TABLE host_pace (
  origin          TEXT PRIMARY KEY,
  next_allowed_at REAL NOT NULL,
  delay_seconds   REAL NOT NULL,
  reservations    INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE robots_cache (
  origin         TEXT PRIMARY KEY,
  status         INTEGER,
  body           BLOB,
  fetched_at     TEXT,
  expires_at     REAL,
  fetching_owner TEXT,
  fetching_until REAL
);
)sql";

// The request slots of store/host_pace.h (at most `concurrency` requests in flight to an origin across
// a crawl's processes), each leased to its owner until lease_until (seconds since 1970, by the database
// server's clock); and the sitemaps read by one of the processes (sitemap_reads: claimed by `owner` at
// claimed_at, the others skip them for a while). Only PostgreSQL writes them, as host_pace.
constexpr std::string_view kV14 = R"sql(
CREATE TABLE host_slots (
  origin      TEXT NOT NULL,
  slot        INTEGER NOT NULL,
  owner       TEXT NOT NULL,
  lease_until REAL NOT NULL,
  PRIMARY KEY (origin, slot)
);
CREATE TABLE sitemap_reads (
  url        TEXT PRIMARY KEY,
  owner      TEXT NOT NULL,
  claimed_at REAL NOT NULL
);
)sql";

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> migrations = {
      {1,
       "normalized dataset: sites, pages, articles, views, diseases, hospitals, doctors, questions, "
       "answers, crawl runs, raw archive",
       kV1},
      {2, "failure history (failures), backfilled from pages.failure_reason", kV2},
      {3, "incremental exports: updated_seq columns, change_seq, exports", kV3},
      {4, "crawl frontier with revisit state; crawl_runs: job and change counts", kV4},
      {5, "scheduler: jobs, job_locks; crawl_runs indexed by job", kV5},
      {6, "limits and poison pages: pages.notes, pages.links_dropped, frontier.parse_deaths", kV6},
      {7,
       "run heartbeats (crawl_runs.heartbeat_at, pid, host; frontier.run_id) and per-site zstd dictionaries "
       "of the raw archive (zstd_dictionaries, raw_responses.dictionary_id)",
       kV7},
      {8,
       "drift alarm: per-run fill counts (run_page_types, run_field_fill) and the alarms of degraded runs "
       "(run_fill_alarms)",
       kV8},
      {9, "child lists of records (record_children, with triggers that delete a deleted parent's items)",
       kV9RecordChildren},
      {10,
       "record vocabulary: canonical grades and titles beside their raw text (hospitals.grade_raw, "
       "doctors.title_raw, doctors.academic_title), questions' patient and views (question_views), "
       "answers.helpful_votes, *_precision of dates",
       kV10, CanonicalizeStoredVocabulary},
      {11, "politeness shared by a crawl's processes: host_pace (next start per origin), robots_cache", kV11},
      {12,
       "drift rows in written order by a key (run_page_types, run_field_fill, run_fill_alarms: position) "
       "and the poison-page marks of crawls sharing a database (parse_marks)",
       kV12},
      // PostgreSQL's migration 13 turns its change sequence into a SEQUENCE (pg_schema.cc); one SQLite
      // crawl writes a file at a time, so its change_seq row never queues writers. Nothing changes here;
      // the number keeps the two backends' versions equal.
      {13, "nothing on SQLite (PostgreSQL's change sequence became a SEQUENCE)", "-- no change on SQLite"},
      {14, "cluster politeness: host_slots (request slots per origin), sitemap_reads (each sitemap read by one "
       "process)", kV14},
  };
  return migrations;
}

Result<int> InspectSchema(Db& db) {
  // The first read of the file: a file that is not a database fails here with SQLITE_NOTADB.
  auto app_id = db.QueryInt("PRAGMA application_id");
  if (!app_id.ok()) return app_id.status();
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  auto tables = db.QueryInt("SELECT count(*) FROM sqlite_schema");
  if (!tables.ok()) return tables.status();
  const bool fresh = *app_id == 0 && *version == 0 && *tables == 0;
  if (!fresh && *app_id != kApplicationId) {
    return Status::Corruption("not a healthcrawl database (PRAGMA application_id is " +
                              std::to_string(*app_id) + ")");
  }
  const int latest = Migrations().back().version;
  if (*version > latest) {
    return Status::Corruption("database schema version " + std::to_string(*version) +
                              " is newer than this healthcrawl understands (" + std::to_string(latest) +
                              "); use a newer healthcrawl");
  }
  return static_cast<int>(*version);
}

Status Migrate(Db& db, int target_version) {
  const int latest = Migrations().back().version;
  if (target_version < 0) target_version = latest;
  // IMMEDIATE takes the write lock now, so a database locked by another writer fails here (after
  // the busy timeout) with Busy, before anything changed.
  Status s = db.Exec("BEGIN IMMEDIATE");
  if (!s.ok()) return s;
  auto version = InspectSchema(db);  // again, under the lock: another process may have migrated
  if (!version.ok()) {
    (void)db.Exec("ROLLBACK");
    return version.status();
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= *version || m.version > target_version) continue;
    s = db.Exec(m.sql);
    if (!s.ok()) break;
    if (m.then) s = m.then(db);
    if (!s.ok()) break;
    s = db.Exec("PRAGMA user_version = " + std::to_string(m.version));
    if (!s.ok()) break;
  }
  if (s.ok() && *version == 0) s = db.Exec("PRAGMA application_id = " + std::to_string(kApplicationId));
  if (s.ok()) s = db.Exec("COMMIT");
  if (!s.ok()) (void)db.Exec("ROLLBACK");
  return s;
}

}  // namespace internal

int CurrentSchemaVersion() { return internal::Migrations().back().version; }

}  // namespace hc::store
