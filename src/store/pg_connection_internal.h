// Internal to src/store: the PostgreSQL connection under the PostgreSQL backend (issue #16). One
// RAII owner per libpq handle (PgConnection owns a PGconn*, PgResult a PGresult*; nothing else calls
// PQfinish or PQclear), parameterised statements only (values never spliced into SQL), a transaction
// guard, and every libpq failure as a Status carrying the server's own message, never an exception.
//
// Exec prepares each distinct statement once per session (PQprepare, then PQexecPrepared): the write
// path runs the same few dozen statements for every page, and the server's parse and plan of each was
// a large part of its CPU per page (docs/SCALING.md). A session prepares at most
// kMaxPreparedStatements; SQL past that, and bulk statements of over kMaxPreparedParams parameters, run
// unprepared (PQexecParams). Prepared statements are per session, so a pooler in transaction mode must
// support them (PgBouncer 1.21+ with max_prepared_statements; docs/postgresql.md).
//
// Connection strings are libpq's: a URI (postgresql://user@host/db?...) or keyword/value pairs
// ("host=/run/pg dbname=hc"); whatever they leave out comes from the standard PG* environment variables
// (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGCONNECT_TIMEOUT, ...), as in psql. The client
// encoding is always UTF8, whatever PGCLIENTENCODING says, because every string in the store is UTF-8.
//
// Thread-safety: a PgConnection (and the results and transaction made from it) is used by one thread
// at a time; separate connections are independent.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace hc::store::pg {

// A serialization failure or a deadlock (SQLSTATE 40001, 40P01): the statement lost to another
// transaction and was undone, and running it again may succeed (a NOWAIT failure, 55P03, is Busy too
// but not this: its caller chose not to wait).
bool LostToAnotherTransaction(const Status& status);
// A unique key that another transaction inserted first (SQLSTATE 23505) after both looked for it and
// found nothing: once that transaction has committed, the same lookup finds its row.
bool LostInsertRace(const Status& status);

// One statement parameter ($1, $2, ...): text in the server's text input form, raw bytes for a bytea
// (sent in binary format, so no escaping and any byte is allowed), or SQL NULL. Text holds no NUL byte
// (PostgreSQL's text types cannot store one).
class Param {
 public:
  static Param Text(std::string_view value) { return Param(value, false); }
  static Param Bytes(std::string_view value) { return Param(value, true); }
  static Param Null() { return Param(); }

  bool is_null() const { return !value_.has_value(); }
  bool binary() const { return binary_; }
  std::string_view value() const { return value_.value_or(std::string_view()); }

 private:
  Param() = default;
  Param(std::string_view value, bool binary) : value_(value), binary_(binary) {}
  std::optional<std::string_view> value_;  // a view: the caller's string outlives the Exec call
  bool binary_ = false;
};

// The rows of one successful statement, in text form. Row and column indexes must be in range.
class PgResult {
 public:
  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  // The column's index by name, or -1.
  int ColumnIndex(const std::string& name) const { return PQfnumber(result_.get(), name.c_str()); }
  // The column's name (as the statement's AS gives it) and the OID of its type (pg_type: 20 bigint,
  // 701 double precision, 17 bytea, ...).
  std::string_view ColumnName(int column) const { return PQfname(result_.get(), column); }
  Oid ColumnType(int column) const { return PQftype(result_.get(), column); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // The value's text form; empty for NULL (check IsNull). Valid while this PgResult lives.
  std::string_view Text(int row, int column) const;
  // A bytea column's bytes, decoded from its text form (hex, PostgreSQL's default bytea_output).
  Result<std::string> Bytes(int row, int column) const;
  // Rows that an INSERT, UPDATE, DELETE, MERGE, COPY, ... touched; 0 for other statements.
  int64_t AffectedRows() const;
  // The command tag: "INSERT 0 1", "SELECT 3", "ROLLBACK", ...
  std::string_view CommandTag() const { return PQcmdStatus(result_.get()); }

 private:
  friend class PgConnection;
  struct Clear {
    void operator()(PGresult* r) const { PQclear(r); }
  };
  explicit PgResult(PGresult* r) : result_(r) {}
  std::unique_ptr<PGresult, Clear> result_;
};

class PgConnection {
 public:
  // Connects (blocking; the string's connect_timeout or PGCONNECT_TIMEOUT bounds it, 10 s when neither
  // is given). InvalidArgument for a connection string libpq cannot parse, IoError with libpq's message
  // for every other failure (no server on that socket, no such database, authentication failed, ...).
  // Messages never repeat a password.
  static Result<PgConnection> Open(const std::string& conninfo);

  // The server closed the connection or it broke (a terminated backend, a server restart, a network
  // failure): every statement fails until Reconnect. libpq only notices when a statement is sent, so a
  // connection is found broken by the statement that fails, never before.
  bool broken() const { return PQstatus(conn_.get()) == CONNECTION_BAD; }
  // Replaces the connection with a new one from the same connection string, with the client encoding
  // and every SetForSession setting applied again; statements are prepared again on their next run.
  // Open's errors; the connection stays broken on failure. Whatever transaction the old session had
  // open is gone.
  Status Reconnect();
  // Runs a SET that must hold for the whole session, and again after every Reconnect.
  Status SetForSession(std::string_view sql);

  // Runs one statement with $1.. bound to params; results come back in text form. IoError with the
  // server's message and SQLSTATE on failure (Busy for a serialization failure, a deadlock or a lock
  // not available, which a caller may retry). A statement that broke the connection is IoError
  // "postgresql: connection lost: ..." (and broken() is then true); one cancelled by statement_timeout
  // is IoError "postgresql: statement timeout: ...".
  Result<PgResult> Exec(std::string_view sql, std::span<const Param> params = {});
  Result<PgResult> Exec(std::string_view sql, std::initializer_list<Param> params) {
    return Exec(sql, std::span<const Param>(params.begin(), params.size()));
  }

  // Exec without preparing: parsed and planned on every run (a custom plan for these values), for a
  // statement whose best plan depends on them. The frontier's insert of a JSON list of URLs is one: its
  // generic plan, after five runs of a prepared statement, took 3.7 ms a run against under 1 ms.
  Result<PgResult> ExecUnprepared(std::string_view sql, std::span<const Param> params = {});
  Result<PgResult> ExecUnprepared(std::string_view sql, std::initializer_list<Param> params) {
    return ExecUnprepared(sql, std::span<const Param>(params.begin(), params.size()));
  }

  // Runs the statements back to back in one round trip (libpq's pipeline mode) and returns their
  // results in order: for a page's many small writes, whose cost on both sides was the round trip (a
  // send, a wait and a receive per statement), not the statement. Each statement is prepared as Exec's
  // are. The statements run in order, each seeing the ones before it, but none can use an earlier one's
  // result, so only statements that do not depend on each other's answers go in one call. The first
  // statement that fails is the call's Status (as Exec's); the ones after it do not run. In a
  // transaction the failure aborts it, as a failed Exec does; outside one, the pipeline is one
  // transaction of its own (the protocol's implicit one, up to its sync), so a failure undoes the
  // statements before it too. No statement may be BEGIN, COMMIT or a script.
  struct Statement {
    std::string_view sql;
    std::span<const Param> params;
  };
  Result<std::vector<PgResult>> ExecPipeline(std::span<const Statement> statements);

  // Runs a script of several statements without parameters (PQexec: the simple protocol), such as a
  // schema migration; the result is the last statement's.
  Result<PgResult> ExecScript(std::string_view sql);

  // The server's version as PQserverVersion gives it (150018 for 15.18).
  int server_version() const { return PQserverVersion(conn_.get()); }
  // The database this connection is on.
  std::string_view database() const { return PQdb(conn_.get()); }

 private:
  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  explicit PgConnection(PGconn* c) : conn_(c) {}
  // kPreparedAgain: a statement prepared anew after 0A000, not retried a second time.
  enum class Plan { kPrepared, kPreparedAgain, kEachRun };
  Result<PgResult> Run(std::string_view sql, std::span<const Param> params, Plan plan);
  // ExecPipeline's reading side: the result of every sent command in order (`kinds`: true for a
  // statement's own result, false for the prepare before it), then the sync; the first failure.
  Result<std::vector<PgResult>> ReadPipeline(const std::vector<bool>& kinds,
                                            const std::vector<std::string>& prepared_here,
                                            std::span<const Statement> statements);
  // The result, or the Status its failure maps to (Busy for 40001, 40P01, 55P03).
  Result<PgResult> Checked(PgResult result);
  std::unique_ptr<PGconn, Finish> conn_;
  // Statement SQL -> its prepared name on this session (hc_1, hc_2, ...). Emptied on Reconnect.
  static constexpr int kMaxPreparedStatements = 1000;
  static constexpr size_t kMaxPreparedParams = 64;  // statements with more parameters run unprepared
  std::unordered_map<std::string, std::string> prepared_;
  int next_statement_ = 0;
  std::string conninfo_;                       // for Reconnect; may hold a password: never in a message
  std::vector<std::string> session_settings_;  // SetForSession's statements, applied again on Reconnect
};

// BEGIN on Begin, COMMIT on Commit, ROLLBACK when destroyed uncommitted (a failed statement, an early
// return). The connection must outlive the guard; one guard per connection at a time.
class PgTransaction {
 public:
  static Result<PgTransaction> Begin(PgConnection& conn);
  PgTransaction(PgTransaction&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }
  PgTransaction& operator=(PgTransaction&&) = delete;
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  ~PgTransaction();

  // COMMIT; on failure the server has rolled the transaction back.
  Status Commit();

 private:
  explicit PgTransaction(PgConnection* conn) : conn_(conn) {}
  PgConnection* conn_;  // null once committed, rolled back or moved from
};

}  // namespace hc::store::pg
