// ParseMarks and the start of a crawl after a death (poison_internal.h; docs/RELIABILITY.md, "Poison
// pages").
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "crawl/poison_internal.h"

namespace hc::crawl::internal {
namespace {

// Slots read from a file left by an earlier run: bounds the read whatever the file holds (an earlier
// run had at most 256 workers, the CLI's limit).
constexpr int kMaxSlots = 1024;

Status ErrnoStatus(const std::filesystem::path& path, const char* what) {
  return Status::IoError(path.string() + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

std::string PoisonReason() {
  return "parse: the crawler died while parsing this page " + std::to_string(kParseDeathLimit) + " times in a row";
}

Result<std::unique_ptr<ParseMarks>> ParseMarks::Open(const std::filesystem::path& path, int slots, LastRun* last) {
  slots = std::clamp(slots, 1, kMaxSlots);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus(path, "open");
  std::unique_ptr<ParseMarks> marks(new ParseMarks(fd, path, slots));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return Status::Busy(path.string() + ": another crawl of this site holds it");
    return ErrnoStatus(path, "flock");
  }
  std::vector<int64_t> words(1 + kMaxSlots, 0);
  const ssize_t got = pread(fd, words.data(), words.size() * sizeof(int64_t), 0);
  if (got < 0) return ErrnoStatus(path, "read");
  const std::size_t n = static_cast<std::size_t>(got) / sizeof(int64_t);
  *last = LastRun{};
  last->died = n > 0 && words[0] != 0;
  for (std::size_t i = 1; i < n && last->died; ++i) {
    if (words[i] > 0) last->being_parsed.push_back(words[i]);
  }
  // This run's record replaces the last one before the death is counted: a death during the counting
  // then loses that count (the page gets one more try) rather than counting it twice.
  std::vector<int64_t> fresh(1 + static_cast<std::size_t>(slots), 0);
  fresh[0] = 1;
  const auto bytes = static_cast<ssize_t>(fresh.size() * sizeof(int64_t));
  if (ftruncate(fd, bytes) != 0) return ErrnoStatus(path, "truncate");
  if (pwrite(fd, fresh.data(), fresh.size() * sizeof(int64_t), 0) != bytes) return ErrnoStatus(path, "write");
  return marks;
}

Result<std::unique_ptr<ParseMarks>> ParseMarks::OpenShared(const std::string& db, std::string_view site,
                                                           std::string_view owner, int slots, LastRun* last) {
  slots = std::clamp(slots, 1, kMaxSlots);
  store::SharedParseMarks::Left left;
  auto shared = store::OpenSharedParseMarks(db, site, owner, slots, &left);
  if (!shared.ok()) return shared.status();
  std::unique_ptr<ParseMarks> marks(new ParseMarks(-1, std::filesystem::path(), slots));
  marks->shared_ = std::move(*shared);
  *last = LastRun{};
  last->died = !left.owners.empty();
  last->being_parsed = std::move(left.being_parsed);
  return marks;
}

ParseMarks::~ParseMarks() {
  if (shared_) return;  // its destructor deletes this process's rows
  Write(0, 0);
  if (write_failed_) spdlog::warn("{}: some parse marks could not be written", path_.string());
  ::close(fd_);  // releases the lock
}

void ParseMarks::Write(int index, int64_t value) {
  if (index < 0 || index > slots_) return;
  if (shared_) {
    if (index > 0) shared_->Set(index - 1, value);  // [0], the run flag, is the rows' existence
    return;
  }
  const auto offset = static_cast<off_t>(index) * static_cast<off_t>(sizeof value);
  if (pwrite(fd_, &value, sizeof value, offset) != static_cast<ssize_t>(sizeof value)) write_failed_ = true;
}

MarkedParse::MarkedParse(ParseMarks* marks, std::shared_mutex& gate, int slot, const store::LeasedUrl& url)
    : marks_(marks), slot_(slot) {
  if (!marks_) return;
  if (url.parse_deaths > 0) {
    alone_ = std::unique_lock(gate);
  } else {
    beside_others_ = std::shared_lock(gate);
  }
  marks_->Set(slot_, url.id);
}

MarkedParse::~MarkedParse() {
  if (marks_) marks_->Clear(slot_);
}

Result<std::vector<store::LeasedUrl>> StartParseMarks(const ParseMarksAt& at, int slots,
                                                      store::Frontier& frontier, std::string_view site,
                                                      std::string_view owner, TimePoint now,
                                                      std::unique_ptr<ParseMarks>* marks) {
  ParseMarks::LastRun last;
  auto opened = at.db.empty() ? ParseMarks::Open(at.path, slots, &last)
                              : ParseMarks::OpenShared(at.db, site, owner, slots, &last);
  if (!opened.ok()) {
    if (opened.status().code() != StatusCode::kBusy) return opened.status();
    spdlog::warn("crawl {}: {}; this run cannot recognise a page that kills it", site, opened.status().message());
    marks->reset();
    return std::vector<store::LeasedUrl>{};
  }
  *marks = std::move(*opened);
  if (!last.died) return std::vector<store::LeasedUrl>{};
  if (last.being_parsed.empty()) {
    spdlog::info("crawl {}: the last crawl died with no page being parsed", site);
  } else {
    spdlog::warn("crawl {}: the last crawl died while parsing {} page(s); counted against them", site,
                 last.being_parsed.size());
  }
  // Generous: the poison URLs are failed as soon as the writer runs.
  auto poisoned = frontier.RecordParseDeath(site, last.being_parsed, kParseDeathLimit, owner, now,
                                            std::chrono::minutes(10));
  if (!poisoned.ok()) return poisoned.status();
  for (const auto& url : *poisoned) spdlog::error("crawl {}: {}: {}", site, url.url, PoisonReason());
  return poisoned;
}

}  // namespace hc::crawl::internal

namespace hc::crawl {

std::filesystem::path ParseMarksPath(const std::filesystem::path& db, std::string_view site) {
  std::string name = db.filename().string() + ".parsing-";
  for (char c : site) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    name += plain ? c : '_';
  }
  return db.parent_path() / name;
}

}  // namespace hc::crawl
