// An in-memory store::Frontier for the crawl engine's tests: the contract of the Frontier section of
// store.h without SQL, with the stored pages and the call history kept for assertions.
//
// Thread-safety: internally synchronized (the engine serializes its calls anyway).
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/frontier.h"

namespace hc::testing {

class MemoryFrontier final : public store::Frontier {
 public:
  struct Row {
    store::NewUrl url;
    int64_t id = 0;
    store::UrlState state = store::UrlState::kQueued;
    int attempts = 0;
    std::string owner;
    TimePoint lease_expires{};
    std::string detail;  // failure reason, redirect target, or the last retry's error
    int http_status = 0;
    // Revisit state, as the SQL backend keeps it.
    int visits = 0;
    std::string etag, last_modified, body_sha1, last_change;
    std::chrono::milliseconds revisit{0};
    std::optional<TimePoint> next_visit;
    int parse_deaths = 0;
  };

  Result<int64_t> AddUrls(const std::vector<store::NewUrl>& urls) override {
    std::lock_guard lock(mu_);
    int64_t added = 0;
    for (const auto& u : urls) {
      const std::string key = (u.url_key.empty() ? u.url : u.url_key);
      if (by_key_.count({u.site, key})) continue;
      Row row;
      row.url = u;
      row.url.url_key = key;
      row.id = static_cast<int64_t>(rows_.size()) + 1;
      by_key_[{u.site, key}] = row.id;
      rows_.push_back(row);
      ++added;
    }
    return added;
  }

  Result<std::vector<store::LeasedUrl>> Lease(const store::LeaseRequest& request) override {
    std::lock_guard lock(mu_);
    std::vector<Row*> eligible;
    for (auto& row : rows_) {
      if (row.url.site != request.site) continue;
      const bool queued = row.state == store::UrlState::kQueued && row.url.not_before <= request.now;
      const bool expired = row.state == store::UrlState::kInFlight && row.lease_expires <= request.now;
      if (!queued && !expired) continue;
      if (std::find(request.skip_origins.begin(), request.skip_origins.end(), row.url.origin) !=
          request.skip_origins.end()) {
        continue;
      }
      eligible.push_back(&row);
    }
    std::stable_sort(eligible.begin(), eligible.end(), [](const Row* a, const Row* b) {
      return std::tuple(-a->url.priority, a->url.depth, a->id) < std::tuple(-b->url.priority, b->url.depth, b->id);
    });
    std::vector<store::LeasedUrl> out;
    for (Row* row : eligible) {
      if (static_cast<int>(out.size()) >= request.max_urls) break;
      row->state = store::UrlState::kInFlight;
      row->owner = request.owner;
      row->lease_expires = request.now + request.lease_for;
      store::LeasedUrl l = ToLeased(*row);
      out.push_back(l);
      lease_order.push_back(l.url);
    }
    return out;
  }

  Status Complete(const store::UrlOutcome& outcome, const store::PageObservation* page) override {
    std::vector<store::NewUrl> discovered;
    {
      std::lock_guard lock(mu_);
      if (outcome.state == store::UrlState::kQueued || outcome.state == store::UrlState::kInFlight) {
        return Status::InvalidArgument("not a final state");
      }
      Row* row = Leased(outcome.id, outcome.owner);
      if (!row) return Status::Busy("lease lost");
      row->state = outcome.state;
      row->attempts = outcome.attempts;
      row->detail = outcome.detail;
      row->http_status = outcome.http_status;
      if (outcome.change != store::PageChange::kNone) {
        ++row->visits;
        row->last_change = std::string(store::PageChangeName(outcome.change));
      }
      if (!outcome.etag.empty()) row->etag = outcome.etag;
      if (!outcome.last_modified.empty()) row->last_modified = outcome.last_modified;
      if (!outcome.body_sha1.empty()) row->body_sha1 = outcome.body_sha1;
      row->revisit = outcome.revisit;
      row->next_visit.reset();
      if (outcome.revisit.count() > 0) row->next_visit = outcome.finished_at + outcome.revisit;
      outcomes.push_back(outcome);
      if (page) pages.push_back(*page);
      discovered = outcome.discovered;
    }
    return AddUrls(discovered).status();
  }

  Status Retry(int64_t id, std::string_view owner, int attempts, TimePoint not_before,
               std::string_view error) override {
    std::lock_guard lock(mu_);
    Row* row = Leased(id, owner);
    if (!row) return Status::Busy("lease lost");
    row->state = store::UrlState::kQueued;
    row->attempts = attempts;
    row->url.not_before = not_before;
    row->detail = std::string(error);
    ++retries;
    return Status::Ok();
  }

  Status Release(int64_t id, std::string_view owner, TimePoint not_before) override {
    std::lock_guard lock(mu_);
    Row* row = Leased(id, owner);
    if (!row) return Status::Busy("lease lost");
    row->state = store::UrlState::kQueued;
    row->url.not_before = not_before;
    ++releases;
    return Status::Ok();
  }

  Result<int64_t> RequeueDue(std::string_view site, TimePoint now, bool all) override {
    std::lock_guard lock(mu_);
    int64_t n = 0;
    for (auto& row : rows_) {
      if (row.url.site == site && row.state == store::UrlState::kDone && (all || (row.next_visit && *row.next_visit <= now))) {
        row.state = store::UrlState::kQueued;
        row.attempts = 0;
        row.url.not_before = now;
        row.next_visit.reset();
        row.parse_deaths = 0;
        ++n;
      }
    }
    return n;
  }

  Result<int64_t> ClearWaits(std::string_view site, TimePoint now) override {
    std::lock_guard lock(mu_);
    int64_t n = 0;
    for (auto& row : rows_) {
      if (row.url.site == site && row.state == store::UrlState::kQueued && row.url.not_before > now) {
        row.url.not_before = now;
        row.attempts = 0;
        ++n;
      }
    }
    return n;
  }

  Result<std::vector<store::LeasedUrl>> RecordParseDeath(std::string_view site,
                                                         const std::vector<int64_t>& being_parsed, int limit,
                                                         std::string_view owner, TimePoint now,
                                                         std::chrono::milliseconds lease_for) override {
    std::lock_guard lock(mu_);
    std::vector<store::LeasedUrl> out;
    for (auto& row : rows_) {
      if (row.url.site != site) continue;
      const bool parsing = std::find(being_parsed.begin(), being_parsed.end(), row.id) != being_parsed.end();
      if (!parsing) {
        row.parse_deaths = 0;
        continue;
      }
      if (row.state != store::UrlState::kQueued || ++row.parse_deaths < std::max(1, limit)) continue;
      row.state = store::UrlState::kInFlight;
      row.owner = std::string(owner);
      row.lease_expires = now + lease_for;
      out.push_back(ToLeased(row));
    }
    return out;
  }

  Result<int64_t> ReleaseLeases(std::string_view site, std::string_view owner) override {
    std::lock_guard lock(mu_);
    int64_t n = 0;
    for (auto& row : rows_) {
      if (row.url.site == site && row.state == store::UrlState::kInFlight && row.owner == owner) {
        row.state = store::UrlState::kQueued;
        row.owner.clear();
        ++n;
      }
    }
    return n;
  }
  Result<int64_t> RecoverLeases(std::string_view site, TimePoint now, bool all) override {
    std::lock_guard lock(mu_);
    int64_t n = 0;
    for (auto& row : rows_) {
      if (row.url.site == site && row.state == store::UrlState::kInFlight && (all || row.lease_expires <= now)) {
        row.state = store::UrlState::kQueued;
        ++n;
      }
    }
    return n;
  }

  Result<store::FrontierCounts> CountUrls(std::string_view site) override {
    std::lock_guard lock(mu_);
    store::FrontierCounts c;
    for (const auto& row : rows_) {
      if (row.url.site != site) continue;
      switch (row.state) {
        case store::UrlState::kQueued: ++c.queued; break;
        case store::UrlState::kInFlight: ++c.in_flight; break;
        case store::UrlState::kDone: ++c.done; break;
        case store::UrlState::kFailed: ++c.failed; break;
        case store::UrlState::kRedirected: ++c.redirected; break;
      }
    }
    return c;
  }

  Result<std::optional<TimePoint>> NextEligible(std::string_view site) override {
    std::lock_guard lock(mu_);
    std::optional<TimePoint> next;
    for (const auto& row : rows_) {
      if (row.url.site == site && row.state == store::UrlState::kQueued) {
        if (!next || row.url.not_before < *next) next = row.url.not_before;
      }
    }
    return next;
  }

  bool UrlIsCommitted(int64_t) override { return true; }  // nothing to lose: no crash in memory

  Status Flush() override {
    ++flushes;
    return Status::Ok();
  }

  // A copy of the row with this URL key, if any.
  std::optional<Row> Find(const std::string& key) const {
    std::lock_guard lock(mu_);
    for (const auto& row : rows_) {
      if (row.url.url_key == key) return row;
    }
    return std::nullopt;
  }
  std::vector<Row> Rows() const {
    std::lock_guard lock(mu_);
    return rows_;
  }

  // What the engine did, for assertions (read after RunCrawl returned).
  std::vector<store::PageObservation> pages;
  std::vector<store::UrlOutcome> outcomes;
  std::vector<std::string> lease_order;
  int retries = 0;
  int releases = 0;
  int flushes = 0;

 private:
  static store::LeasedUrl ToLeased(const Row& row) {
    store::LeasedUrl l;
    l.id = row.id;
    l.site = row.url.site;
    l.url = row.url.url;
    l.url_key = row.url.url_key;
    l.origin = row.url.origin;
    l.depth = row.url.depth;
    l.priority = row.url.priority;
    l.redirects = row.url.redirects;
    l.attempts = row.attempts;
    l.discovered_from = row.url.discovered_from;
    l.last_error = row.detail;
    l.visits = row.visits;
    l.etag = row.etag;
    l.last_modified = row.last_modified;
    l.body_sha1 = row.body_sha1;
    l.revisit = row.revisit;
    l.parse_deaths = row.parse_deaths;
    return l;
  }

  Row* Leased(int64_t id, std::string_view owner) {
    if (id < 1 || id > static_cast<int64_t>(rows_.size())) return nullptr;
    Row& row = rows_[static_cast<size_t>(id - 1)];
    if (row.state != store::UrlState::kInFlight || row.owner != owner) return nullptr;
    return &row;
  }

  mutable std::mutex mu_;
  std::vector<Row> rows_;
  std::map<std::pair<std::string, std::string>, int64_t> by_key_;
};

}  // namespace hc::testing
