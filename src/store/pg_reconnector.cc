#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

#include "store/database.h"
#include "store/pg_reconnector_internal.h"

namespace hc::store::pg {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstWait{250};
constexpr milliseconds kLongestWait{5000};

double Seconds(Steady::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

Result<milliseconds> ReconnectLimit(milliseconds configured) {
  const char* env = std::getenv("HEALTHCRAWL_PG_RECONNECT_SECONDS");
  if (env == nullptr || *env == '\0') return configured;
  char* end = nullptr;
  const double seconds = std::strtod(env, &end);
  if (end == env || *end != '\0' || !(seconds >= 0) || seconds > 86400) {
    return Status::InvalidArgument("HEALTHCRAWL_PG_RECONNECT_SECONDS must be a number of seconds from 0 to 86400");
  }
  return milliseconds(static_cast<int64_t>(seconds * 1000));
}

Status Reconnector::Ready(PgConnection& conn, std::string_view what) {
  if (!gave_up_) return Status::Ok();
  Status s = conn.Reconnect();
  if (!s.ok()) {
    return Status::IoError(where_ + ": still no connection to the server after the reconnect limit (" +
                           s.message() + "); " + std::string(what) +
                           " was not done; run the command again when the server is back: it resumes");
  }
  gave_up_ = false;
  spdlog::info("{}: reconnected", where_);
  return Status::Ok();
}

Status Reconnector::TooManyLosses(std::string_view what, const Status& cause) const {
  return Status::IoError(where_ + ": the connection broke " + std::to_string(kMostLossesPerOperation + 1) +
                         " times while " + std::string(what) + "; giving up (last: " + cause.message() + ")");
}

Status Reconnector::Recover(PgConnection& conn, std::string_view what, const Status& cause,
                            const Pending& pending,
                            const std::function<Status(Steady::time_point deadline)>& resume) {
  const Steady::time_point started = Steady::now();
  const Steady::time_point deadline = started + limit_;
  spdlog::warn("{}: {}: {}; reconnecting (for at most {:.0f} s){}", where_, what, cause.message(), Seconds(limit_),
               pending.redo);
  milliseconds wait = kFirstWait;
  Status last = cause;
  for (int attempt = 1;; ++attempt) {
    Status s = conn.Reconnect();
    if (s.ok()) {
      if (resume) s = resume(deadline);
      if (s.ok()) {
        gave_up_ = false;
        spdlog::warn("{}: reconnected after {:.1f} s ({} attempts)", where_, Seconds(Steady::now() - started),
                     attempt);
        return Status::Ok();
      }
      if (!conn.broken()) return s;  // a real failure of the resume, not the connection
    }
    last = s;
    if (Steady::now() + wait > deadline) {
      gave_up_ = true;
      Status gone = Status::IoError(where_ + ": the connection to the server was lost (" + cause.message() +
                                    ") and could not be re-established within " +
                                    std::to_string(static_cast<int>(Seconds(limit_))) + " s (" +
                                    std::to_string(attempt) + " attempts; last: " + last.message() + ")" +
                                    pending.unstored +
                                    "; run the command again when the server is back: it resumes");
      // Logged here too: the caller may be stopped by a later operation's error first.
      spdlog::error("{}", gone.message());
      return gone;
    }
    spdlog::warn("{}: reconnect attempt {} failed: {}; next in {:.2f} s", where_, attempt, s.message(),
                 Seconds(wait));
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, kLongestWait);
  }
}

Result<Reconnector> SideReconnector(const PgConnection& conn) {
  auto limit = ReconnectLimit(StoreOptions{}.pg_reconnect_limit);
  if (!limit.ok()) return limit.status();
  return Reconnector("postgresql database \"" + std::string(conn.database()) + "\"", *limit);
}

}  // namespace hc::store::pg
