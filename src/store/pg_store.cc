// PgStore: opening a PostgreSQL database (connect, check it is healthcrawl's, migrate), the write batch
// that groups pages into transactions, and the small helpers the pg_*.cc files share.
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "store/batch_policy_internal.h"
#include "store/pg_rep_internal.h"
#include "store/pg_schema_internal.h"
#include "store/pg_store_internal.h"

namespace hc::store {

namespace pg {

std::string Params::WithoutNul(std::string_view text) {
  if (text.find('\0') == std::string_view::npos) return std::string(text);
  std::string out;
  out.reserve(text.size() + 2);
  for (char c : text) {
    if (c == '\0') {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out += c;
    }
  }
  return out;
}

Params& Params::Add(const std::vector<int64_t>& values) {
  std::string array = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) array += ',';
    array += std::to_string(values[i]);
  }
  array += '}';
  return Keep(std::move(array), false);
}

Params& Params::Add(const std::vector<std::string>& values) {
  std::string array = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) array += ',';
    array += '"';
    for (char c : WithoutNul(values[i])) {
      if (c == '"' || c == '\\') array += '\\';
      array += c;
    }
    array += '"';
  }
  array += '}';
  return Keep(std::move(array), false);
}

Params::Params(const Params& other) : values_(other.values_) {
  params_.reserve(other.params_.size());
  size_t next = 0;  // values_ holds the non-null parameters' values, in order
  for (const Param& p : other.params_) {
    if (p.is_null()) {
      params_.push_back(Param::Null());
    } else {
      const std::string& value = values_[next++];
      params_.push_back(p.binary() ? Param::Bytes(value) : Param::Text(value));
    }
  }
}

Result<std::vector<PgResult>> Pipeline::Run(PgConnection& conn) {
  std::vector<PgConnection::Statement> statements;
  statements.reserve(sql_.size());
  for (size_t i = 0; i < sql_.size(); ++i) statements.push_back({sql_[i], params_[i].span()});
  auto results = conn.ExecPipeline(statements);
  sql_.clear();
  params_.clear();
  return results;
}

Params& Params::Add(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", value);  // round-trips
  return Keep(buf, false);
}

int64_t Int(const PgResult& r, int row, int column) {
  const std::string_view text = r.Text(row, column);
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<int64_t> OptInt(const PgResult& r, int row, int column) {
  if (r.IsNull(row, column)) return std::nullopt;
  return Int(r, row, column);
}

std::optional<std::string> OptText(const PgResult& r, int row, int column) {
  if (r.IsNull(row, column)) return std::nullopt;
  return std::string(r.Text(row, column));
}

double Real(const PgResult& r, int row, int column) {
  if (r.IsNull(row, column)) return 0;
  return std::strtod(std::string(r.Text(row, column)).c_str(), nullptr);
}

Status NotYetOnPostgres(std::string_view what) {
  return Status::Unsupported(
      "postgresql: " + std::string(what) +
      " is not implemented on PostgreSQL yet (docs/postgresql.md); use a SQLite database");
}

Status BeginBatch(PgStore::Rep& rep) {
  if (rep.batch) return Status::Ok();
  auto txn = PgTransaction::Begin(*rep.conn);
  if (!txn.ok()) return txn.status();
  rep.batch.emplace(std::move(*txn));
  // First, before any row lock (pg_rep_internal.h, HoldChangeSeqShared).
  if (Status held = HoldChangeSeqShared(*rep.conn); !held.ok()) {
    rep.batch.reset();
    return held;
  }
  rep.pages_in_batch = 0;
  rep.urls_added_in_batch.clear();
  rep.batch_started = std::chrono::steady_clock::now();
  return Status::Ok();
}

bool BatchIsFull(const PgStore::Rep& rep) {
  return internal::BatchIsDue(rep.options, rep.pages_in_batch, rep.batch_started,
                              internal::kPostgresBatchPages);
}

Status CommitBatch(PgStore::Rep& rep) {
  if (!rep.batch) return Status::Ok();
  // The transaction's id (none if it wrote nothing), so that when the COMMIT gets no answer (the
  // connection broke) the next session can ask whether it committed (pg_reconnect.cc).
  auto xid = rep.conn->Exec("SELECT pg_current_xact_id_if_assigned()");
  Status s = xid.ok() ? rep.batch->Commit() : xid.status();
  rep.batch.reset();
  const int pages = rep.pages_in_batch;
  rep.pages_in_batch = 0;
  if (!s.ok()) {
    if (rep.conn->broken()) {
      // batch_log stays: a ReconnectingPgStore redoes the batch unless the server says it committed.
      if (xid.ok() && xid->rows() == 1 && !xid->IsNull(0, 0))
        rep.unknown_commit_xid = std::string(xid->Text(0, 0));
      return s;
    }
    rep.batch_log.clear();
    return Status::IoError(s.message() + " (" + std::to_string(pages) + " pages were not stored)");
  }
  rep.batch_log.clear();
  return Status::Ok();
}

Status AbandonSavepoint(PgStore::Rep& rep, std::string_view name, const Status& cause) {
  auto back = rep.conn->Exec("ROLLBACK TO SAVEPOINT " + std::string(name));
  if (!back.ok()) {
    const int lost = rep.pages_in_batch;
    rep.batch.reset();
    rep.pages_in_batch = 0;
    // A lost connection keeps batch_log, to redo the batch on the next session (pg_reconnect.cc).
    if (!rep.conn->broken()) rep.batch_log.clear();
    return Status::IoError(cause.message() + " (the open batch of " + std::to_string(lost) +
                           " pages was rolled back)");
  }
  (void)rep.conn->Exec("RELEASE SAVEPOINT " + std::string(name));
  return cause;
}

Status InSavepointRetryingInsertRaces(PgStore::Rep& rep, std::string_view name,
                                      const std::function<Status()>& body) {
  constexpr int kRaces = 5;
  const std::string savepoint(name);
  auto sp = rep.conn->Exec("SAVEPOINT " + savepoint);
  if (!sp.ok()) return sp.status();
  for (int attempt = 0;; ++attempt) {
    Status s = body();
    if (s.ok()) return rep.conn->Exec("RELEASE SAVEPOINT " + savepoint).status();
    if (!LostInsertRace(s) || attempt + 1 >= kRaces) return AbandonSavepoint(rep, savepoint, s);
    // Back to the savepoint, which stays for the next attempt.
    auto back = rep.conn->Exec("ROLLBACK TO SAVEPOINT " + savepoint);
    if (!back.ok()) return AbandonSavepoint(rep, savepoint, s);
  }
}

Status HoldChangeSeqShared(PgConnection& conn) {
  return conn.Exec("SELECT pg_advisory_xact_lock_shared($1)", {Param::Text(std::to_string(kChangeSeqLockKey))})
      .status();
}

Result<int64_t> NextChangeSeq(PgConnection& conn) {
  auto seq = conn.Exec("SELECT nextval('change_seq_next')");
  if (!seq.ok()) return seq.status();
  if (seq->rows() != 1) return Status::Corruption("postgresql: change_seq_next gave no number");
  return Int(*seq, 0, 0);
}

Result<int64_t> WaitForChangeSeq(PgConnection& conn) {
  // The watermark first, then the wait: a transaction that took a number at or below it held the
  // lock shared before it did, so the exclusive lock is granted only once all of them have ended.
  auto last = conn.Exec("SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM change_seq_next");
  if (!last.ok()) return last.status();
  if (last->rows() != 1) return Status::Corruption("postgresql: change_seq_next has no row");
  const int64_t watermark = Int(*last, 0, 0);
  const std::string key = std::to_string(kChangeSeqLockKey);
  auto locked = conn.Exec("SELECT pg_advisory_lock($1)", {Param::Text(key)});
  if (!locked.ok()) return locked.status();
  auto unlocked = conn.Exec("SELECT pg_advisory_unlock($1)", {Param::Text(key)});
  if (!unlocked.ok()) return unlocked.status();
  return watermark;
}

}  // namespace pg

PgStore::PgStore(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

PgStore::~PgStore() {
  if (rep_ && rep_->batch) {
    Status s = Flush();
    if (!s.ok()) spdlog::error("store: closing {}: {}", rep_->where, s.ToString());
  }
}

Result<std::unique_ptr<PgStore>> PgStore::Open(const std::string& conninfo, const StoreOptions& options) {
  auto conn = pg::PgConnection::Open(conninfo);
  if (!conn.ok()) return conn.status();
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  rep->clock = options.clock ? options.clock : &rep->system_clock;
  rep->where = "postgresql database \"" + std::string(conn->database()) + "\"";
  rep->conn.emplace(std::move(*conn));
  rep->archive = std::make_unique<internal::ArchiveCodec>(options.dictionaries, options.zstd_level);
  pg::PgConnection& c = *rep->conn;

  auto version = pg::InspectPgSchema(c);
  if (!version.ok()) return version.status();
  if (*version == 0 && (options.read_only || !options.create)) {
    return Status::NotFound("no healthcrawl dataset in " + rep->where);
  }
  if (options.read_only) {
    if (*version < pg::PgSchemaVersion()) {
      return Status::Unsupported(rep->where + ": schema version " + std::to_string(*version) +
                                 " needs an upgrade to " + std::to_string(pg::PgSchemaVersion()) +
                                 "; open it once with a command that writes (e.g. ingest)");
    }
    // Every later transaction of this session is read-only: a write is refused by the server.
    Status ro = c.SetForSession("SET default_transaction_read_only = on");  // again after a reconnect
    if (!ro.ok()) return ro;
  } else if (*version < pg::PgSchemaVersion()) {
    Status s = pg::MigratePg(c, FormatUtc(rep->clock->Now()));
    if (!s.ok()) return s;
  }

  auto limit = pg::ReconnectLimit(options.pg_reconnect_limit);
  if (!limit.ok()) return limit.status();
  rep->reconnect = pg::Reconnector(rep->where, *limit);
  std::unique_ptr<PgStore> store = pg::NewReconnectingPgStore(std::move(rep));
  if (!options.read_only && options.reap_dead_runs) {
    auto reaped = store->ReapDeadRuns(store->rep().clock->Now(), options.dead_run_after);
    if (!reaped.ok())
      spdlog::warn("{}: checking for dead runs: {}", store->rep().where, reaped.status().ToString());
  }
  return store;
}

Status PgStore::Flush() { return pg::CommitBatch(*rep_); }

Status PgStore::CheckIntegrity() {
  HC_RETURN_IF_ERROR(Flush());
  auto version = pg::InspectPgSchema(*rep_->conn);
  if (!version.ok()) return version.status();
  if (*version != pg::PgSchemaVersion()) {
    return Status::Corruption(rep_->where + ": schema version " + std::to_string(*version) + ", expected " +
                              std::to_string(pg::PgSchemaVersion()));
  }
  return Status::Ok();
}

}  // namespace hc::store
