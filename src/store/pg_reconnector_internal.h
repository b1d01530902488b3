// Internal to src/store: the reconnect policy every PostgreSQL connection of the store shares
// (docs/postgresql.md "Faults during a run"): after a lost connection, reconnect with backoff (0.25 s,
// doubling, at most 5 s between attempts) for at most a limit (StoreOptions::pg_reconnect_limit, 60 s
// by default; HEALTHCRAWL_PG_RECONNECT_SECONDS overrides it), then fail with one message; once it has
// failed, each later operation tries to reconnect once instead of waiting for the limit again.
//
// The Database's connection (ReconnectingPgStore, pg_reconnect.cc) adds its batch redo through the
// `resume` step; the side connections (the poison-page marks, the dashboard's reader, the run progress
// writer) run each operation through Retried, which redoes it whole: each of their operations is a
// read, an idempotent write, or one transaction of its own.
//
// Thread-safety: as the connection it serves, one thread at a time.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "store/pg_connection_internal.h"

namespace hc::store::pg {

// HEALTHCRAWL_PG_RECONNECT_SECONDS (0 to 86400, fractions allowed) when set, else `configured`;
// InvalidArgument for any other value of the variable.
Result<std::chrono::milliseconds> ReconnectLimit(std::chrono::milliseconds configured);

class Reconnector;
// The policy of a side connection (the pace, the parse marks, the dashboard's reader, run progress):
// the default limit (or the variable's), messages naming `conn`'s database.
Result<Reconnector> SideReconnector(const PgConnection& conn);

class Reconnector {
 public:
  // An operation whose connection breaks this many times more after reconnecting is given up on.
  static constexpr int kMostLossesPerOperation = 5;

  Reconnector() = default;
  // `where` names the database in messages ("postgresql database \"x\""), never the connection string.
  Reconnector(std::string where, std::chrono::milliseconds limit) : where_(std::move(where)), limit_(limit) {}

  const std::string& where() const { return where_; }
  std::chrono::milliseconds limit() const { return limit_; }
  // The last reconnect ran out of time (cleared by a later successful one).
  bool gave_up() const { return gave_up_; }

  // Before an operation: after a reconnect that ran out of time, one quick try to reconnect; IoError
  // "... still no connection to the server after the reconnect limit ...; <what> was not done; ..."
  // when it fails. Ok otherwise (a connection known to be broken is the caller's to Recover).
  Status Ready(PgConnection& conn, std::string_view what);

  // What a caller adds to Recover's messages about work the lost session held.
  struct Pending {
    std::string redo;     // the warning's tail while reconnecting: ", then redoing ..."
    std::string unstored; // the failure's tail when the limit passes: "; the open batch (...) was not stored"
  };

  // The connection broke while doing `what` (`cause`): logs it and reconnects with backoff until
  // the limit. After each new session, `resume(deadline)` prepares it (the store redoes its batch);
  // a resume that fails with the connection broken again counts as a failed attempt, one that fails
  // otherwise is returned as it is, the connection kept. Past the limit: IoError "<where>: the
  // connection to the server was lost (...) and could not be re-established within N s (M attempts;
  // last: ...)<unstored>; run the command again when the server is back: it resumes", also logged as
  // an error, and gave_up() is true.
  Status Recover(PgConnection& conn, std::string_view what, const Status& cause, const Pending& pending = {},
                 const std::function<Status(std::chrono::steady_clock::time_point deadline)>& resume = {});

  // IoError: the connection broke kMostLossesPerOperation + 1 times during `what`.
  Status TooManyLosses(std::string_view what, const Status& cause) const;

  // Runs `op` (a read, an idempotent write, or a whole transaction of its own), and again on a new
  // session each time the connection breaks under it; a connection found broken before is reconnected
  // first. Returns op's result, or Recover's error when the server stays away.
  template <typename Op>
  auto Retried(PgConnection& conn, std::string_view what, Op op) -> decltype(op()) {
    if (Status ready = Ready(conn, what); !ready.ok()) return ready;
    if (conn.broken()) {
      Status back = Recover(conn, what, Status::IoError("postgresql: connection lost"));
      if (!back.ok()) return back;
    }
    for (int lost = 0;; ++lost) {
      auto out = op();
      if (StatusOf(out).ok() || !conn.broken()) return out;
      if (lost == kMostLossesPerOperation) return TooManyLosses(what, StatusOf(out));
      Status back = Recover(conn, what, StatusOf(out));
      if (!back.ok()) return back;
    }
  }

 private:
  static const Status& StatusOf(const Status& s) { return s; }
  template <typename T>
  static const Status& StatusOf(const Result<T>& r) {
    return r.status();
  }

  std::string where_;
  std::chrono::milliseconds limit_{60'000};
  bool gave_up_ = false;
};

}  // namespace hc::store::pg
