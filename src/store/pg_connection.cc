#include <charconv>
#include <cstdlib>
#include <limits>
#include <optional>
#include <vector>

#include "store/pg_connection_internal.h"

namespace hc::store::pg {
namespace {

// libpq's messages end in a newline and may span lines ("FATAL: ...\nDETAIL: ...", continuation lines
// indented with a tab): one line for a Status.
std::string OneLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : message) out.push_back(c == '\n' || c == '\t' ? ' ' : c);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Server notices (a skipped IF EXISTS, ...) are not failures; libpq would print them on stderr, where
// they would interleave with the crawler's log lines.
void IgnoreNotice(void*, const char*) {}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view PgResult::Text(int row, int column) const {
  return std::string_view(PQgetvalue(result_.get(), row, column),
                          static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

Result<std::string> PgResult::Bytes(int row, int column) const {
  const std::string_view text = Text(row, column);
  // The store's connections never change bytea_output, so the escape format would be a caller's bug.
  if (text.size() < 2 || text[0] != '\\' || text[1] != 'x' || text.size() % 2 != 0) {
    return Status::Corruption("postgresql: column " + std::to_string(column) + " is not a bytea in hex form");
  }
  std::string bytes;
  bytes.reserve((text.size() - 2) / 2);
  for (size_t i = 2; i < text.size(); i += 2) {
    const int hi = HexDigit(text[i]), lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) {
      return Status::Corruption("postgresql: column " + std::to_string(column) + " holds a bad hex digit");
    }
    bytes.push_back(static_cast<char>(hi * 16 + lo));
  }
  return bytes;
}

int64_t PgResult::AffectedRows() const {
  const std::string_view n = PQcmdTuples(result_.get());  // digits, or empty
  int64_t rows = 0;
  std::from_chars(n.data(), n.data() + n.size(), rows);  // leaves 0 when empty
  return rows;
}

namespace {

// A new connection for `conninfo` (already parsed), or libpq's reason. connect_timeout is 10 s unless
// the string or PGCONNECT_TIMEOUT says otherwise: a server that is gone must not hang a reconnect.
Result<PGconn*> Connect(const std::string& conninfo) {
  const char* env_timeout = std::getenv("PGCONNECT_TIMEOUT");
  const bool default_timeout = env_timeout == nullptr || *env_timeout == '\0';
  // Processed in order: the expanded dbname (the whole connection string) overrides the timeout before it.
  const char* keys[] = {"connect_timeout", "dbname", nullptr};
  const char* values[] = {default_timeout ? "10" : env_timeout, conninfo.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (!conn) return Status::IoError("postgresql: out of memory creating a connection");
  if (PQstatus(conn) != CONNECTION_OK) {
    Status s = Status::IoError("postgresql: cannot connect: " + OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return s;
  }
  PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
  if (PQsetClientEncoding(conn, "UTF8") != 0) {
    Status s =
        Status::IoError("postgresql: cannot set client_encoding UTF8: " + OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return s;
  }
  return conn;
}

}  // namespace

Result<PgConnection> PgConnection::Open(const std::string& conninfo) {
  // Parsed first so that a malformed string is the caller's error, not a failed connection. The
  // parse error never quotes the string, which may hold a password.
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (!options) {
    std::string why = parse_error ? OneLine(parse_error) : "out of memory";
    PQfreemem(parse_error);
    return Status::InvalidArgument("postgresql: bad connection string: " + why);
  }
  PQconninfoFree(options);

  auto conn = Connect(conninfo);
  if (!conn.ok()) return conn.status();
  PgConnection opened(*conn);
  opened.conninfo_ = conninfo;
  return opened;
}

Status PgConnection::Reconnect() {
  auto conn = Connect(conninfo_);
  if (!conn.ok()) return conn.status();
  conn_.reset(*conn);
  prepared_.clear();  // prepared statements belong to the session that is gone
  for (const std::string& sql : session_settings_) {
    auto r = Exec(sql);
    if (!r.ok()) return r.status();
  }
  return Status::Ok();
}

Status PgConnection::SetForSession(std::string_view sql) {
  auto r = Exec(sql);
  if (!r.ok()) return r.status();
  session_settings_.emplace_back(sql);
  return Status::Ok();
}

Result<PgResult> PgConnection::Exec(std::string_view sql, std::span<const Param> params) {
  return Run(sql, params, Plan::kPrepared);
}

Result<PgResult> PgConnection::ExecUnprepared(std::string_view sql, std::span<const Param> params) {
  return Run(sql, params, Plan::kEachRun);
}

namespace {

// A statement's parameters as libpq takes them. libpq reads text-format values up to their NUL (it
// ignores their lengths), so each is copied into a string of its own; bytes go in binary format with
// their lengths, NULs and all.
struct Marshalled {
  std::vector<std::string> texts;
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  int count() const { return static_cast<int>(values.size()); }
};

Status Marshal(std::span<const Param> params, Marshalled& out) {
  if (params.size() > 65535) {  // the protocol's limit on parameters per statement
    return Status::InvalidArgument("postgresql: " + std::to_string(params.size()) +
                                   " parameters (at most 65535)");
  }
  const size_t n = params.size();
  out.texts.assign(n, std::string());
  out.values.assign(n, nullptr);
  out.lengths.assign(n, 0);
  out.formats.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Param& p = params[i];
    if (p.value().size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
      return Status::TooLarge("postgresql: parameter $" + std::to_string(i + 1) + " is over 2 GiB");
    }
    if (p.is_null()) continue;  // values[i] stays null: SQL NULL
    if (p.binary()) {
      out.values[i] = p.value().data();
      out.lengths[i] = static_cast<int>(p.value().size());
      out.formats[i] = 1;
    } else {
      if (p.value().find('\0') != std::string_view::npos) {  // PostgreSQL text cannot hold NUL
        return Status::InvalidArgument("postgresql: text parameter $" + std::to_string(i + 1) +
                                       " holds a NUL byte");
      }
      out.texts[i] = std::string(p.value());
      out.values[i] = out.texts[i].c_str();
    }
  }
  return Status::Ok();
}

}  // namespace

Result<PgResult> PgConnection::Run(std::string_view sql, std::span<const Param> params, Plan plan) {
  Marshalled args;
  if (Status marshalled = Marshal(params, args); !marshalled.ok()) return marshalled;
  const std::string statement(sql);  // the SQL needs its terminating NUL
  const int count = args.count();
  auto found = prepared_.find(statement);
  // A bulk statement (db copy's multi-row INSERTs) runs once or twice: its parse is a small part of its
  // cost, and its plan would hold the session's memory.
  const bool bulk = params.size() > kMaxPreparedParams;
  if (found == prepared_.end() && plan != Plan::kEachRun && !bulk && next_statement_ < kMaxPreparedStatements) {
    // The first run of this SQL on this session: prepare it under a name of its own. A failed prepare
    // (a syntax error, an aborted transaction, a lost connection) is the statement's own failure.
    std::string name = "hc_" + std::to_string(++next_statement_);
    auto ready = Checked(PgResult(PQprepare(conn_.get(), name.c_str(), statement.c_str(), count,
                                            /*paramTypes=*/nullptr)));
    if (!ready.ok()) return ready.status();
    found = prepared_.emplace(statement, std::move(name)).first;
  }
  if (found == prepared_.end() || plan == Plan::kEachRun) {  // parsed and planned on this run
    return Checked(PgResult(PQexecParams(conn_.get(), statement.c_str(), count, /*paramTypes=*/nullptr,
                                         args.values.data(), args.lengths.data(), args.formats.data(),
                                         /*resultFormat=*/0)));
  }
  auto result = Checked(PgResult(PQexecPrepared(conn_.get(), found->second.c_str(), count, args.values.data(),
                                                args.lengths.data(), args.formats.data(), /*resultFormat=*/0)));
  // 0A000 "cached plan must not change result type": another session altered a table the statement
  // reads (a migration) since it was prepared. The statement is prepared again under a new name; outside
  // a transaction nothing was lost and it runs again at once, inside one the transaction has failed.
  if (!result.ok() && result.status().message().find("(SQLSTATE 0A000)") != std::string::npos) {
    prepared_.erase(found);
    if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE && plan == Plan::kPrepared)
      return Run(sql, params, Plan::kPreparedAgain);
  }
  return result;
}

Result<std::vector<PgResult>> PgConnection::ExecPipeline(std::span<const Statement> statements) {
  std::vector<PgResult> results;
  if (statements.size() == 1) {  // nothing to save: one round trip either way
    auto r = Exec(statements[0].sql, statements[0].params);
    if (!r.ok()) return r.status();
    results.push_back(std::move(*r));
    return results;
  }
  if (statements.empty()) return results;
  std::vector<Marshalled> args(statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    if (Status marshalled = Marshal(statements[i].params, args[i]); !marshalled.ok()) return marshalled;
  }
  if (PQenterPipelineMode(conn_.get()) != 1) {
    return Status::IoError("postgresql: cannot enter pipeline mode: " + OneLine(PQerrorMessage(conn_.get())));
  }
  std::vector<int> commands;  // per command sent: the statement's index, negative (-1 - index) for its prepare
  std::vector<std::string> prepared_here;  // the SQL of the statements prepared by this call
  bool sent = true;
  for (size_t i = 0; i < statements.size() && sent; ++i) {
    const std::string sql(statements[i].sql);  // the SQL needs its terminating NUL
    const Marshalled& a = args[i];
    auto found = prepared_.find(sql);
    const bool bulk = statements[i].params.size() > kMaxPreparedParams;
    if (found == prepared_.end() && !bulk && next_statement_ < kMaxPreparedStatements) {
      std::string name = "hc_" + std::to_string(++next_statement_);
      sent = PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), a.count(), /*paramTypes=*/nullptr) == 1;
      if (!sent) break;
      commands.push_back(-1 - static_cast<int>(i));
      found = prepared_.emplace(sql, std::move(name)).first;
      prepared_here.push_back(sql);
    }
    sent = found == prepared_.end()
               ? PQsendQueryParams(conn_.get(), sql.c_str(), a.count(), /*paramTypes=*/nullptr, a.values.data(),
                                   a.lengths.data(), a.formats.data(), /*resultFormat=*/0) == 1
               : PQsendQueryPrepared(conn_.get(), found->second.c_str(), a.count(), a.values.data(),
                                     a.lengths.data(), a.formats.data(), /*resultFormat=*/0) == 1;
    if (sent) commands.push_back(static_cast<int>(i));
  }
  // The sync ends the pipeline: the server answers every command sent, then reports the sync.
  const bool synced = PQpipelineSync(conn_.get()) == 1;
  std::optional<Status> failure;
  if (!sent || !synced) {
    failure = Status::IoError((broken() ? "postgresql: connection lost: " : "postgresql: cannot send: ") +
                              OneLine(PQerrorMessage(conn_.get())));
  }
  // Every command's result, then the sync's; a command's results end with a null. After a failure the
  // server skips the rest (PGRES_PIPELINE_ABORTED each), and the first failure is the call's.
  size_t next = 0;
  std::optional<PgResult> failed;  // the first failed command's result, read into a Status at the end
  // Bounded: a broken connection answers null for ever.
  for (int nulls = 0; synced && nulls <= 2 * static_cast<int>(commands.size()) + 2;) {
    PGresult* raw = PQgetResult(conn_.get());
    if (!raw) {
      if (broken()) break;
      ++nulls;
      continue;
    }
    PgResult result(raw);
    const ExecStatusType status = PQresultStatus(raw);
    if (status == PGRES_PIPELINE_SYNC) break;
    if (next >= commands.size()) continue;  // not one of ours: cannot happen; skipped
    const int command = commands[next++];
    if (failure || failed) continue;
    if (status == PGRES_PIPELINE_ABORTED) {
      failure = Status::IoError("postgresql: a pipelined statement was not run (an earlier one failed)");
      continue;
    }
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
      // A failed prepare names nothing; a statement whose plan changed (0A000) is prepared anew next time.
      const size_t index = static_cast<size_t>(command < 0 ? -1 - command : command);
      const char* state = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
      if (command < 0 || (state && std::string_view(state) == "0A000"))
        prepared_.erase(std::string(statements[index].sql));
      failed = std::move(result);
      continue;
    }
    if (command >= 0) results.push_back(std::move(result));
  }
  // Read after the rest, so that a connection the server closed with its error (a terminated backend)
  // is known to be broken by then, and says so.
  if (failed && !failure) failure = Checked(std::move(*failed)).status();
  if (!failure && results.size() != statements.size()) {
    failure = Status::IoError((broken() ? "postgresql: connection lost: " : "postgresql: lost pipeline results: ") +
                              OneLine(PQerrorMessage(conn_.get())));
  }
  if (PQexitPipelineMode(conn_.get()) != 1 && !failure && !broken()) {
    failure = Status::Internal("postgresql: cannot leave pipeline mode: " + OneLine(PQerrorMessage(conn_.get())));
  }
  if (failure) {
    // What this call prepared may not exist on the server (a prepare after the failure was skipped).
    if (!prepared_here.empty()) {
      for (const std::string& sql : prepared_here) prepared_.erase(sql);
    }
    return *failure;
  }
  return results;
}

Result<PgResult> PgConnection::ExecScript(std::string_view sql) {
  const std::string script(sql);
  return Checked(PgResult(PQexec(conn_.get(), script.c_str())));
}

Result<PgResult> PgConnection::Checked(PgResult result) {
  if (!result.result_) {
    return Status::IoError((broken() ? "postgresql: connection lost: " : "postgresql: ") +
                           OneLine(PQerrorMessage(conn_.get())));
  }
  const ExecStatusType status = PQresultStatus(result.result_.get());
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY) {
    return result;
  }
  const char* state = PQresultErrorField(result.result_.get(), PG_DIAG_SQLSTATE);
  const std::string sqlstate = state ? state : "";
  const std::string reason = OneLine(PQresultErrorMessage(result.result_.get()));
  std::string message = "postgresql: ";
  if (broken()) {
    // A terminated backend (57P01), a server shutting down, a broken socket, ...
    message += "connection lost: ";
  } else if (sqlstate == "57014" && reason.find("statement timeout") != std::string::npos) {
    message += "statement timeout: ";
  }
  message += reason;
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";
  // serialization_failure, deadlock_detected, lock_not_available: another session won; retrying may work.
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03")
    return Status::Busy(std::move(message));
  return Status::IoError(std::move(message));
}

bool LostToAnotherTransaction(const Status& status) {
  if (status.code() != StatusCode::kBusy) return false;
  const std::string& m = status.message();
  return m.find("(SQLSTATE 40001)") != std::string::npos || m.find("(SQLSTATE 40P01)") != std::string::npos;
}

bool LostInsertRace(const Status& status) {
  return status.code() == StatusCode::kIoError &&
         status.message().find("(SQLSTATE 23505)") != std::string::npos;
}

Result<PgTransaction> PgTransaction::Begin(PgConnection& conn) {
  Result<PgResult> begun = conn.Exec("BEGIN");
  if (!begun.ok()) return begun.status();
  return PgTransaction(&conn);
}

Status PgTransaction::Commit() {
  PgConnection* conn = conn_;
  conn_ = nullptr;  // committed or not, the transaction is over: the destructor must not roll back
  if (!conn) return Status::Internal("postgresql: Commit on a transaction that is already over");
  Result<PgResult> committed = conn->Exec("COMMIT");
  if (!committed.ok()) return committed.status();
  // COMMIT of a transaction that an earlier statement aborted succeeds and answers ROLLBACK.
  if (committed->CommandTag() == "ROLLBACK") {
    return Status::IoError("postgresql: the transaction was rolled back (an earlier statement in it failed)");
  }
  return Status::Ok();
}

PgTransaction::~PgTransaction() {
  if (conn_) {
    // A failure here (the connection is gone) leaves nothing to undo: the server ends the transaction.
    (void)conn_->Exec("ROLLBACK");
  }
}

}  // namespace hc::store::pg
