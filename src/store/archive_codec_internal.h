// Internal to src/store: how raw_responses bodies are compressed and read back. Each site's bodies are
// compressed with a zstd dictionary trained (ZDICT) from the site's own archived pages, because the
// pages of one portal share most of their bytes (nav, inline CSS, scripts) and a frame per page alone
// cannot see them. docs/schema.md ("zstd_dictionaries") documents the sample and the retraining rule.
//
// Every zstd handle has its RAII owner here, and prepared dictionaries (ZSTD_CDict, ZSTD_DDict) are
// created in one place, DictionaryCache::Get, keyed by the dictionary's row id and checked against the
// row's SHA-1: a row id that a rolled-back transaction used and a later one reused never finds the
// first one's dictionary.
//
// Thread-safety: an ArchiveCodec belongs to one SqliteStore and is used by its thread.
#pragma once

#include <zstd.h>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/sqlite_internal.h"
#include "store/archive.h"

namespace hc::store::internal {

struct ZstdFree {
  void operator()(ZSTD_CCtx* p) const { ZSTD_freeCCtx(p); }
  void operator()(ZSTD_DCtx* p) const { ZSTD_freeDCtx(p); }
  void operator()(ZSTD_CDict* p) const { ZSTD_freeCDict(p); }
  void operator()(ZSTD_DDict* p) const { ZSTD_freeDDict(p); }
};
using CCtxHandle = std::unique_ptr<ZSTD_CCtx, ZstdFree>;
using DCtxHandle = std::unique_ptr<ZSTD_DCtx, ZstdFree>;
using CDictHandle = std::unique_ptr<ZSTD_CDict, ZstdFree>;
using DDictHandle = std::unique_ptr<ZSTD_DDict, ZstdFree>;

// Each sample counts at most this many bytes of a body: ZDICT learns from what pages share, which a
// page's first 128 KiB shows as well as the whole of a larger one.
inline constexpr size_t kMaxSampleBytes = 128 << 10;

// A trained dictionary and how it did on the sample pages held out of its training.
struct TrainedDictionary {
  std::string dict;          // the ZDICT dictionary (zstd's format, with its entropy tables)
  double trained_ratio = 0;  // raw/compressed bytes of the held-out pages with the dictionary
  double plain_ratio = 0;    // ... and with plain zstd at the same level
  double current_ratio = 0;  // ... and with the dictionary it would replace (0: none)
};

// The pages a dictionary is trained from, kept as ZDICT takes them (one buffer and the sizes), so
// training needs no second copy. Every eighth page is held out of training to measure the dictionary
// on pages it has not seen.
class Sample {
 public:
  static constexpr size_t kHoldOutEvery = 8;
  // Reserves the joined buffer once, so a growing sample is never copied into a buffer twice its size
  // (which doubled the sample's share of peak RSS); untouched reserved pages cost no RSS.
  void Reserve(size_t bytes) { joined_.reserve(bytes); }
  void Add(std::string_view body);  // counts the first kMaxSampleBytes
  size_t pages() const { return sizes_.size() + held_out_.size(); }
  int64_t bytes() const { return bytes_; }
  const std::string& joined() const { return joined_; }
  const std::vector<size_t>& sizes() const { return sizes_; }
  const std::vector<std::string>& held_out() const { return held_out_; }
  // The heap bytes the sample holds (buffers' capacities, not their sizes).
  size_t memory() const;
  // Empties the sample and frees its buffers. `sample = {}` did not: std::string's move assignment
  // from an empty (short, in-place) string keeps the target's heap buffer, so the reserved 8 MiB
  // joined buffer stayed allocated, 6-7 MB of it resident, for the rest of the crawl.
  void Release();

 private:
  std::string joined_;
  std::vector<size_t> sizes_;
  std::vector<std::string> held_out_;
  int64_t bytes_ = 0;
};

// Trains a dictionary of at most `max_bytes` from the sample's training pages (ZDICT's fastCover with
// kTrainingHashLog) and measures it on the held-out ones, and `current` (the dictionary it would
// replace, if any) on the same pages. InvalidArgument with fewer than 8 pages; Internal with ZDICT's
// error when it cannot train (too little or too uniform data).
Result<TrainedDictionary> TrainDictionary(const Sample& sample, size_t max_bytes, int level,
                                          const ZSTD_CDict* current = nullptr);

// fastCover's frequency table has 2^f entries: ZDICT_trainFromBuffer's f = 20 took 13 MB of working
// memory a training, most of a crawl's peak RSS above its steady state; f = 16 takes under 1 MB and
// its dictionaries compress the heavy bench pages 3% less (26.7x against 27.6x; BENCHMARKS.md).
inline constexpr unsigned kTrainingHashLog = 16;

// zstd compression with and without a prepared dictionary, on contexts reused from page to page.
class ZstdCoder {
 public:
  ZstdCoder();
  // One zstd frame of `body` (plain when `dict` is null). The frame records the content size and,
  // with a dictionary, the dictionary's zstd id.
  Result<std::string> Compress(std::string_view body, int level, const ZSTD_CDict* dict);
  // The `size` bytes that `frame` holds, into `out`; false when it does not decompress to exactly that
  // (the caller words the error).
  bool Decompress(std::string_view frame, size_t size, const ZSTD_DDict* dict, std::string* out);

 private:
  CCtxHandle cctx_;
  DCtxHandle dctx_;
  // Compress's output buffer, reused: a page's bound is about its size, and a fresh zero-filled
  // std::string of it for every page cost a memset and an allocation of ~60 KB for a ~3 KB frame.
  // Bodies whose bound is above kMaxScratch get a buffer of their own, so it stays small.
  static constexpr size_t kMaxScratch = size_t{1} << 20;
  std::unique_ptr<char[]> scratch_;
  size_t scratch_size_ = 0;
};

// The zstd_dictionaries rows as a backend keeps them: the one interface through which the codec reads
// and writes dictionaries, implemented by SqliteDictionaries (below) and by the PostgreSQL backend
// (pg_archive.cc), so that both backends compress with the same dictionaries and the same rules.
struct DictionaryRow {
  int64_t id = 0;
  std::string sha1;
  double trained_ratio = 0;
};
struct DictionaryBytes {
  std::string dict;
  std::string sha1;
};
struct NewDictionary {
  int64_t site_id = 0;
  std::string created_at;
  std::string_view dict;
  std::string sha1;
  int64_t sample_pages = 0;
  int64_t sample_bytes = 0;
  double trained_ratio = 0;
  double plain_ratio = 0;
};
class DictionarySource {
 public:
  virtual ~DictionarySource() = default;
  // The site's newest dictionary row, if any.
  virtual Result<std::optional<DictionaryRow>> Latest(int64_t site_id) = 0;
  // Row `id`'s bytes and dict_sha1; nullopt when there is no such row.
  virtual Result<std::optional<DictionaryBytes>> Load(int64_t id) = 0;
  // Writes a new row (in the caller's transaction) and deletes the site's older rows that no
  // raw_responses row names; returns the new row's id.
  virtual Result<int64_t> Store(const NewDictionary& dictionary) = 0;
};

class SqliteDictionaries final : public DictionarySource {
 public:
  explicit SqliteDictionaries(Db& db) : db_(db) {}
  Result<std::optional<DictionaryRow>> Latest(int64_t site_id) override;
  Result<std::optional<DictionaryBytes>> Load(int64_t id) override;
  Result<int64_t> Store(const NewDictionary& dictionary) override;

 private:
  Db& db_;
};

// Prepared dictionaries by row id, at most kMaxEntries (the least recently used goes).
class DictionaryCache {
 public:
  static constexpr size_t kMaxEntries = 8;
  struct Entry {
    std::string sha1;  // hex SHA-1 of the dictionary bytes (zstd_dictionaries.dict_sha1)
    std::string dict;  // the bytes, for a CDict created on first compression
    DDictHandle ddict;
    CDictHandle cdict;  // created at `cdict_level` when first needed
    int cdict_level = 0;
    uint64_t last_used = 0;
  };
  // The dictionary of row `id`, whose dict_sha1 is `sha1`, loaded from `rows` when not cached (or cached
  // under another SHA-1). Corruption when the row is missing, or its bytes do not match its SHA-1 or
  // are not a dictionary zstd takes.
  Result<Entry*> Get(DictionarySource& rows, int64_t id, std::string_view sha1);
  // The entry's CDict at `level`, created on first use.
  Result<const ZSTD_CDict*> CDict(Entry& entry, int level);
  // Adds a dictionary just written as row `id` (so the page that completed its sample uses it at once).
  Result<Entry*> Put(int64_t id, std::string sha1, std::string dict);
  // Forgets row `id`'s dictionary (Get loads it again when a read needs it).
  void Drop(int64_t id);
  size_t size() const { return entries_.size(); }

 private:
  Result<Entry*> Insert(int64_t id, std::string sha1, std::string dict);
  std::map<int64_t, Entry> entries_;
  uint64_t clock_ = 0;
};

// A compressed body and the dictionary row it needs (nullopt: a plain frame).
struct CompressedBody {
  std::string frame;
  std::optional<int64_t> dictionary_id;
};

// The raw archive's compression: per site, no dictionary until a sample of its pages is collected,
// then its latest dictionary, retrained when the moving ratio degrades. Training and the dictionary
// row happen inside the caller's transaction (the page's savepoint in the writer's batch), so the row
// commits with the first page that names it, or neither does.
class ArchiveCodec {
 public:
  // Options out of range are brought in: a sample of at least 8 pages, a window of at least 1.
  ArchiveCodec(const ArchiveDictionaryOptions& options, int level);

  // Compresses a body of site `site_id` (key `site`, for the log) for a raw_responses row written now (`now`:
  // created_at of a dictionary trained on the way). Writes a zstd_dictionaries row when this body completes a
  // sample.
  Result<CompressedBody> Compress(DictionarySource& rows, int64_t site_id, std::string_view site,
                                  std::string_view body, const std::string& now);
  Result<CompressedBody> Compress(Db& db, int64_t site_id, std::string_view site, std::string_view body,
                                  const std::string& now) {
    SqliteDictionaries rows(db);
    return Compress(rows, site_id, site, body, now);
  }
  // The body of raw_responses row `row_id`: `frame` holding `size` bytes, compressed with dictionary
  // `dictionary_id` (nullopt: none) whose row's dict_sha1 is `dictionary_sha1` (nullopt: no such row).
  Result<std::string> Decompress(DictionarySource& rows, int64_t row_id, std::string_view frame, int64_t size,
                                 std::optional<int64_t> dictionary_id,
                                 const std::optional<std::string>& dictionary_sha1);
  Result<std::string> Decompress(Db& db, int64_t row_id, std::string_view frame, int64_t size,
                                 std::optional<int64_t> dictionary_id,
                                 const std::optional<std::string>& dictionary_sha1) {
    SqliteDictionaries rows(db);
    return Decompress(rows, row_id, frame, size, dictionary_id, dictionary_sha1);
  }
  // Dictionaries held ready (bytes, DDict, CDict once compressed with): the sites' current ones, and
  // superseded ones only while reads load them back.
  size_t cached_dictionaries() const { return cache_.size(); }
  // The heap bytes the sites' samples hold (0 but for a few bytes once no sample is being collected).
  size_t sample_memory() const;

 private:
  // What the writer knows of one site; rebuilt from the site's latest zstd_dictionaries row whenever
  // that row is not the one the state was built on (after a restart or a rolled-back training).
  struct SiteState {
    int64_t dictionary_id = 0;  // 0: none
    std::string dictionary_sha1;
    double trained_ratio = 0;
    bool collecting = true;  // gathering a sample to train a (new) dictionary from
    Sample sample;
    int64_t pause_pages = 0;   // after a training that failed or did not help: pages before the next
    int failed_trainings = 0;  // in a row; each one doubles the pause
    std::deque<std::pair<int64_t, int64_t>> window;  // (raw, compressed) of the latest dictionary pages
    int64_t window_raw = 0;
    int64_t window_compressed = 0;
    bool warned_unusable = false;
  };
  void Rebase(SiteState& state, const std::optional<DictionaryRow>& latest);
  // Trains from the state's sample and, when the dictionary helps, writes its row and returns its id.
  Result<std::optional<int64_t>> TrainAndStore(DictionarySource& rows, int64_t site_id, std::string_view site,
                                               SiteState& state, const std::string& now);
  // Adds a page compressed with the site's dictionary to the moving ratio; starts a new sample when
  // the ratio has degraded.
  void Measure(SiteState& state, std::string_view site, size_t raw, size_t compressed);

  ArchiveDictionaryOptions options_;
  int level_;
  ZstdCoder coder_;
  DictionaryCache cache_;
  std::map<int64_t, SiteState> sites_;
};

}  // namespace hc::store::internal
