// Holder locks: what keeps a second process from doing the same writing to one SQLite dataset. The
// frontier's leases assume one crawler per site, so two processes crawling one site into one file would
// take each other's leases, overshoot --max-pages and both exit 0; sharing a crawl between processes is
// what a PostgreSQL backend is for (issue #16). So a crawl of a site, and the scheduler daemon, each hold
// a lock for as long as they run, and a second one is refused at its start, naming the first.
//
// A lock is an open file description lock (fcntl F_OFD_SETLK, write lock on the whole file) on a
// sidecar file beside the database: `<db>.crawl-<site>.lock` for crawling a site (`crawl`, and every
// run of a scheduled job), `<db>.scheduler.lock` for the daemon (`scheduler run`); `<db>` is the
// database's canonical path, so a symlink or a relative path names the same lock. The kernel drops the
// lock when its holder's descriptor closes, also when the holder dies (SIGKILL, OOM, a crash): nothing
// stale is left to clear, on this host or (NFS) once the server's lease of a dead client expires.
//
// The file's content only names the holder, for the refusal's message: one JSON object (pid, host,
// since, command), written right after the lock is taken and emptied when it is released. A record found
// by the next holder means the last one died holding the lock; it is logged as taken over.
//
// OFD locks belong to an open file, not to a process: two HolderLocks of one file in one process exclude
// each other as two processes' do (the scheduler's runs are threads of one process), and closing some
// other descriptor of the file never drops them (unlike POSIX record locks).
//
// Thread-safety: a HolderLock is used by one thread at a time; the free functions are reentrant.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"

namespace hc::store {

// Who holds a lock, as its record says.
struct LockHolder {
  int64_t pid = 0;        // 0: not known (a record not written yet, or unreadable)
  std::string host{};     // gethostname()
  TimePoint since{};      // when it took the lock
  std::string command{};  // what holds it, as its user typed it: "healthcrawl crawl --site mfk"
};

// "pid 4711 on host crawler1 since 2026-03-02T19:00:00Z (healthcrawl crawl --site mfk)"; for a holder
// whose record is not (yet) readable, "a process that has not written its name yet".
std::string DescribeHolder(const LockHolder& holder);

class HolderLock {
 public:
  // Takes the lock of `path` without waiting and writes `me` into it; `me.pid` and `me.host` default to
  // this process's and `me.since` to now. The file (not its folder) is created when missing.
  // Busy, with the message "held by <DescribeHolder>", while another open file holds the lock, and then
  // the holder's record in *held_by when given; IoError when the file cannot be opened, locked or written.
  static Result<std::unique_ptr<HolderLock>> Acquire(const std::filesystem::path& path, LockHolder me,
                                                     LockHolder* held_by = nullptr);
  // Who holds the lock of `path` now, without taking it (F_OFD_GETLK): nullopt when nobody does (also
  // when the file does not exist). IoError when the file cannot be read.
  static Result<std::optional<LockHolder>> Holder(const std::filesystem::path& path);

  ~HolderLock();  // empties the record, then closes the file, which releases the lock
  HolderLock(const HolderLock&) = delete;
  HolderLock& operator=(const HolderLock&) = delete;

  const LockHolder& holder() const { return holder_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  HolderLock(int fd, std::filesystem::path path, LockHolder holder);
  int fd_;
  std::filesystem::path path_;
  LockHolder holder_;
};

// The sidecar files (above). `site` is a site key; a character other than a letter, digit, '-' or '_' is
// written as '_'.
std::filesystem::path CrawlLockPath(const std::filesystem::path& db, std::string_view site);
std::filesystem::path SchedulerLockPath(const std::filesystem::path& db);

// The lock of crawling `site` into `db`. Busy: "database busy: site mfk of crawl.db is being crawled by
// <DescribeHolder>".
Result<std::unique_ptr<HolderLock>> LockSiteCrawl(const std::filesystem::path& db, std::string_view site,
                                                  std::string command);
// Who crawls `site` into `db` now, as the sentence LockSiteCrawl's refusal would give; "" when nobody.
Result<std::string> SiteCrawlHolder(const std::filesystem::path& db, std::string_view site);
// The lock of running the scheduler daemon on `db`. Busy: "database busy: crawl.db has a scheduler
// running already: <DescribeHolder>".
Result<std::unique_ptr<HolderLock>> LockScheduler(const std::filesystem::path& db, std::string command);

}  // namespace hc::store
