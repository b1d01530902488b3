// store/archive.h: the raw archive. Every response the crawler fetched can be kept as received
// (RawResponse: URL, status, headers, decoded body, fetch time), so that `reextract` re-runs the
// selector configs over the archive without fetching, and a WARC file can be written from it.
//
// Thread-safety: a RawArchive is used by one thread at a time (as the backend that implements it).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/page.h"
#include "core/status.h"

namespace hc::store {

using Headers = hc::Headers;  // in received order

// One HTTP response as received: what the raw archive and a WARC file keep. The page value's own
// response (core/page.h), so a crawled page's response reaches the archive without a copy in another
// type.
using RawResponse = hc::Response;

struct RawQuery {
  std::string site{};                // "" for every site
  std::optional<TimePoint> since{};  // only responses fetched at or after
  bool latest_only = true;         // only the newest kept version of each page
};

struct ArchivedResponse {
  int64_t id = 0;
  std::string site{};
  RawResponse response{};
};

class RawArchive {
 public:
  virtual ~RawArchive() = default;
  // Ids of the archived responses that match, oldest fetch first.
  virtual Result<std::vector<int64_t>> ListRawResponses(const RawQuery& query) = 0;
  // One archived response, its body decompressed (with the zstd dictionary its row names, if any).
  // NotFound for an unknown id; Corruption when the stored body does not decompress, or the dictionary
  // it needs is missing or damaged (the error names the response and the dictionary).
  virtual Result<ArchivedResponse> GetRawResponse(int64_t id) = 0;
};

// How the raw archive compresses a site's bodies with a zstd dictionary trained from the site's own
// pages (docs/schema.md, "zstd_dictionaries": the sample, the retraining rule).
struct ArchiveDictionaryOptions {
  bool enabled = true;              // false: every body is a plain zstd frame, as before schema 7
  int sample_pages = 128;           // a site's dictionary is trained from this many of its archived bodies
  int64_t sample_bytes = 8 << 20;   // ... or fewer, once they add up to this (each counts up to 128 KiB)
  int64_t max_dictionary_bytes = 112 << 10;
  // The moving ratio: raw over compressed bytes of the site's latest `window_pages` bodies compressed
  // with its dictionary. Once it falls more than `retrain_drop` below the ratio the dictionary had on
  // held-out sample pages at training time, a new sample is collected and a new dictionary trained.
  int window_pages = 256;
  double retrain_drop = 0.2;
};

}  // namespace hc::store
