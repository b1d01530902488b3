// HolderLock (holder_lock.h): an OFD lock on a sidecar file plus a record naming its holder.
#include "store/holder_lock.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <utility>

#include "core/host.h"

namespace hc::store {
namespace {

namespace fs = std::filesystem;

// A record is a short JSON object; anything longer is not one of ours and is read no further.
constexpr std::size_t kMaxRecord = 4096;
constexpr std::size_t kMaxCommand = 1024;
// A holder writes its record right after taking the lock; a reader that finds the lock held and the
// record still empty looks again for this long before calling the holder unnamed.
constexpr int kRecordTries = 20;
constexpr std::chrono::milliseconds kRecordWait{10};

Status ErrnoStatus(const fs::path& path, const char* what) {
  return Status::IoError(path.string() + ": " + what + ": " + std::strerror(errno));
}

struct flock WholeFile(short type) {
  struct flock lock {};
  lock.l_type = type;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0;
  lock.l_len = 0;  // to the end, however long the file grows
  lock.l_pid = 0;  // required for OFD locks
  return lock;
}

// The record in `fd`; a holder with pid 0 when it is empty or not a record.
Result<LockHolder> ReadRecord(int fd, const fs::path& path) {
  std::string text(kMaxRecord, '\0');
  const ssize_t got = pread(fd, text.data(), text.size(), 0);
  if (got < 0) return ErrnoStatus(path, "read");
  text.resize(static_cast<std::size_t>(got));
  LockHolder holder;
  const nlohmann::json record = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!record.is_object()) return holder;
  if (const auto it = record.find("pid"); it != record.end() && it->is_number_integer()) {
    holder.pid = it->get<int64_t>();
  }
  if (const auto it = record.find("host"); it != record.end() && it->is_string()) holder.host = *it;
  if (const auto it = record.find("command"); it != record.end() && it->is_string()) holder.command = *it;
  if (const auto it = record.find("since"); it != record.end() && it->is_string()) {
    if (!ParseIso8601(it->get<std::string>(), &holder.since)) holder.since = TimePoint{};
  }
  return holder;
}

// The record of a holder that has the lock now: waits a moment for one that has only just taken it.
Result<LockHolder> ReadHolderRecord(int fd, const fs::path& path) {
  for (int i = 0;; ++i) {
    auto holder = ReadRecord(fd, path);
    if (!holder.ok() || holder->pid != 0 || i + 1 == kRecordTries) return holder;
    std::this_thread::sleep_for(kRecordWait);
  }
}

// Closes a descriptor on every path out of a function until released.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

fs::path CanonicalDb(const fs::path& db) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(db, ec);
  if (ec) canonical = fs::absolute(db, ec);
  return ec ? db : canonical;
}

std::string SafeName(std::string_view site) {
  std::string name;
  for (char c : site) {
    const bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    name += plain ? c : '_';
  }
  return name;
}

std::string SiteBusy(const fs::path& db, std::string_view site, const LockHolder& holder) {
  return "database busy: site " + std::string(site) + " of " + db.string() + " is being crawled by " +
         DescribeHolder(holder);
}

}  // namespace

std::string DescribeHolder(const LockHolder& holder) {
  if (holder.pid == 0) return "a process that has not written its name yet";
  std::string text = "pid " + std::to_string(holder.pid) + " on host " + holder.host;
  if (holder.since != TimePoint{}) text += " since " + FormatUtc(holder.since);
  if (!holder.command.empty()) text += " (" + holder.command + ")";
  return text;
}

HolderLock::HolderLock(int fd, fs::path path, LockHolder holder)
    : fd_(fd), path_(std::move(path)), holder_(std::move(holder)) {}

HolderLock::~HolderLock() {
  // An empty record tells the next holder that this one let go rather than died.
  if (ftruncate(fd_, 0) != 0)
    spdlog::warn("{}: emptying the lock record: {}", path_.string(), std::strerror(errno));
  ::close(fd_);
}

Result<std::unique_ptr<HolderLock>> HolderLock::Acquire(const fs::path& path, LockHolder me,
                                                        LockHolder* held_by) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(path, "open");
  FdCloser closer(fd);
  struct flock lock = WholeFile(F_WRLCK);
  if (fcntl(fd, F_OFD_SETLK, &lock) != 0) {
    if (errno != EAGAIN && errno != EACCES) return ErrnoStatus(path, "lock");
    auto holder = ReadHolderRecord(fd, path);
    if (!holder.ok()) return holder.status();
    if (held_by != nullptr) *held_by = *holder;
    return Status::Busy("held by " + DescribeHolder(*holder));
  }
  auto last = ReadRecord(fd, path);
  if (last.ok() && last->pid != 0) {
    // The lock was free, yet a record was left: its holder ended without releasing (the kernel did).
    spdlog::warn("{}: taking over from {}, which ended without letting go (its process is gone)",
                 path.string(), DescribeHolder(*last));
  }
  if (me.pid == 0) me.pid = static_cast<int64_t>(::getpid());
  if (me.host.empty()) me.host = HostName();
  if (me.since == TimePoint{}) me.since = std::chrono::system_clock::now();
  if (me.command.size() > kMaxCommand) me.command.resize(kMaxCommand);
  const std::string record =
      nlohmann::json{
          {"pid", me.pid}, {"host", me.host}, {"since", FormatUtc(me.since)}, {"command", me.command}}
          .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  if (ftruncate(fd, 0) != 0) return ErrnoStatus(path, "truncate");
  if (pwrite(fd, record.data(), record.size(), 0) != static_cast<ssize_t>(record.size())) {
    return ErrnoStatus(path, "write");
  }
  return std::unique_ptr<HolderLock>(new HolderLock(closer.release(), path, std::move(me)));
}

Result<std::optional<LockHolder>> HolderLock::Holder(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<LockHolder>();
    return ErrnoStatus(path, "open");
  }
  FdCloser closer(fd);
  struct flock lock = WholeFile(F_WRLCK);
  if (fcntl(fd, F_OFD_GETLK, &lock) != 0) return ErrnoStatus(path, "test the lock");
  if (lock.l_type == F_UNLCK) return std::optional<LockHolder>();
  auto holder = ReadHolderRecord(fd, path);
  if (!holder.ok()) return holder.status();
  return std::optional<LockHolder>(std::move(*holder));
}

fs::path CrawlLockPath(const fs::path& db, std::string_view site) {
  const fs::path canonical = CanonicalDb(db);
  return canonical.parent_path() / (canonical.filename().string() + ".crawl-" + SafeName(site) + ".lock");
}

fs::path SchedulerLockPath(const fs::path& db) {
  const fs::path canonical = CanonicalDb(db);
  return canonical.parent_path() / (canonical.filename().string() + ".scheduler.lock");
}

Result<std::unique_ptr<HolderLock>> LockSiteCrawl(const fs::path& db, std::string_view site,
                                                  std::string command) {
  LockHolder holder;
  auto lock = HolderLock::Acquire(CrawlLockPath(db, site), {.command = std::move(command)}, &holder);
  if (lock.ok() || lock.status().code() != StatusCode::kBusy) return lock;
  return Status::Busy(SiteBusy(db, site, holder));
}

Result<std::string> SiteCrawlHolder(const fs::path& db, std::string_view site) {
  auto holder = HolderLock::Holder(CrawlLockPath(db, site));
  if (!holder.ok()) return holder.status();
  if (!*holder) return std::string();
  return SiteBusy(db, site, **holder);
}

Result<std::unique_ptr<HolderLock>> LockScheduler(const fs::path& db, std::string command) {
  LockHolder holder;
  auto lock = HolderLock::Acquire(SchedulerLockPath(db), {.command = std::move(command)}, &holder);
  if (lock.ok() || lock.status().code() != StatusCode::kBusy) return lock;
  return Status::Busy("database busy: " + db.string() +
                      " has a scheduler running already: " + DescribeHolder(holder));
}

}  // namespace hc::store
