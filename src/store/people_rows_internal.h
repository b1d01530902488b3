// Internal to src/store: the hospitals and doctors rows the open SQLite write batch has read or
// written, as they now are in the database, so that the next answer card naming the same doctor
// needs no SELECT (a page of answer cards names a few doctors again and again; their two index probes
// were 2.3% of a crawl's CPU, docs/BENCHMARKS.md "CPU per page (session 21)").
//
// Valid only while one write transaction is open: SQLite's write lock keeps every other connection
// from changing these rows meanwhile, and nothing else in a batch writes them (the vocabulary
// migration runs at open, outside any batch). So the cache is emptied whenever the database may hold
// something else: when a batch begins or ends (COMMIT or ROLLBACK) and when a savepoint is rolled back
// (a page whose write failed half way may have inserted or changed rows that are gone again).
// Bounded by what one batch's pages name (kSqliteBatchPages pages).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace hc::store::internal {

struct HospitalRow {
  int64_t id = 0;
  std::optional<std::string> grade;
};

// The columns UpsertDoctor compares before it decides to UPDATE (extra aside: any extra but "{}"
// updates, whatever is stored).
struct DoctorRow {
  int64_t id = 0;
  std::optional<std::string> title;
  std::optional<std::string> department;
  std::optional<std::string> specialties;
  std::optional<int64_t> profile_page_id;
  std::optional<std::string> title_raw;
  std::optional<std::string> academic_title;
};

struct PeopleRows {
  std::unordered_map<std::string, HospitalRow> hospitals;  // by name
  // By (name, hospital id or 0): doctors_identity's key.
  std::map<std::pair<std::string, int64_t>, DoctorRow> doctors;

  void Clear() {
    hospitals.clear();
    doctors.clear();
  }
};

}  // namespace hc::store::internal
