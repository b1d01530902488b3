// The raw archive's zstd compression with per-site dictionaries (archive_codec_internal.h).
#include <spdlog/spdlog.h>
// fastCover's parameters are in zdict.h's "static linking only" part; Debian's shared libzstd exports
// them (ZDICT_optimizeTrainFromBuffer_fastCover is what ZDICT_trainFromBuffer itself calls).
#define ZDICT_STATIC_LINKING_ONLY
#include <zdict.h>

#include <algorithm>
#include <string>
#include <utility>

#include "store/archive_codec_internal.h"
#include "store/digest.h"

namespace hc::store::internal {
namespace {

// A dictionary is kept only when it beats plain zstd on the held-out pages by this factor: a site
// whose pages share nothing is not worth a dictionary's lookups.
constexpr double kMinGain = 1.05;

double Ratio(int64_t raw, int64_t compressed) {
  return compressed > 0 ? static_cast<double>(raw) / static_cast<double>(compressed) : 0.0;
}

}  // namespace

void Sample::Add(std::string_view body) {
  body = body.substr(0, kMaxSampleBytes);
  bytes_ += static_cast<int64_t>(body.size());
  if (pages() % kHoldOutEvery == kHoldOutEvery - 1) {
    held_out_.emplace_back(body);
    return;
  }
  joined_.append(body);
  sizes_.push_back(body.size());
}

size_t Sample::memory() const {
  size_t bytes =
      joined_.capacity() + sizes_.capacity() * sizeof(size_t) + held_out_.capacity() * sizeof(std::string);
  for (const std::string& page : held_out_) bytes += page.capacity();
  return bytes;
}

void Sample::Release() {
  std::string().swap(joined_);
  std::vector<size_t>().swap(sizes_);
  std::vector<std::string>().swap(held_out_);
  bytes_ = 0;
}

Result<TrainedDictionary> TrainDictionary(const Sample& sample, size_t max_bytes, int level,
                                          const ZSTD_CDict* current) {
  if (sample.pages() < Sample::kHoldOutEvery) {
    return Status::InvalidArgument("a dictionary needs at least " + std::to_string(Sample::kHoldOutEvery) +
                                   " sample pages, got " + std::to_string(sample.pages()));
  }
  TrainedDictionary out;
  out.dict.resize(max_bytes);
  // ZDICT_trainFromBuffer's parameters (d 8, 4 steps of k, the default level) but a smaller f.
  ZDICT_fastCover_params_t params{};
  params.d = 8;
  params.f = kTrainingHashLog;
  params.steps = 4;
  params.zParams.compressionLevel = level;
  const size_t n = ZDICT_optimizeTrainFromBuffer_fastCover(out.dict.data(), out.dict.size(), sample.joined().data(),
                                                           sample.sizes().data(),
                                                           static_cast<unsigned>(sample.sizes().size()), &params);
  if (ZDICT_isError(n)) return Status::Internal(std::string("zdict: ") + ZDICT_getErrorName(n));
  out.dict.resize(n);

  CDictHandle cdict(ZSTD_createCDict(out.dict.data(), out.dict.size(), level));
  if (!cdict) return Status::Internal("zstd: the trained dictionary does not load");
  ZstdCoder coder;
  int64_t raw = 0, with_dict = 0, plain = 0, with_current = 0;
  for (const std::string& body : sample.held_out()) {
    auto a = coder.Compress(body, level, cdict.get());
    if (!a.ok()) return a.status();
    auto b = coder.Compress(body, level, nullptr);
    if (!b.ok()) return b.status();
    raw += static_cast<int64_t>(body.size());
    with_dict += static_cast<int64_t>(a->size());
    plain += static_cast<int64_t>(b->size());
    if (current) {
      auto c = coder.Compress(body, level, current);
      if (!c.ok()) return c.status();
      with_current += static_cast<int64_t>(c->size());
    }
  }
  out.trained_ratio = Ratio(raw, with_dict);
  out.plain_ratio = Ratio(raw, plain);
  out.current_ratio = Ratio(raw, with_current);
  return out;
}

// ---------------------------------------------------------------------------------------------------

ZstdCoder::ZstdCoder() : cctx_(ZSTD_createCCtx()), dctx_(ZSTD_createDCtx()) {}

Result<std::string> ZstdCoder::Compress(std::string_view body, int level, const ZSTD_CDict* dict) {
  if (!cctx_) return Status::Internal("zstd: no compression context");
  const size_t bound = ZSTD_compressBound(body.size());
  std::unique_ptr<char[]> own;
  char* buffer = nullptr;
  if (bound > kMaxScratch) {
    own = std::make_unique_for_overwrite<char[]>(bound);
    buffer = own.get();
  } else {
    if (scratch_size_ < bound) {
      scratch_ = std::make_unique_for_overwrite<char[]>(bound);
      scratch_size_ = bound;
    }
    buffer = scratch_.get();
  }
  // The plain frame is byte for byte what ZSTD_compress wrote before dictionaries.
  const size_t n = dict ? ZSTD_compress_usingCDict(cctx_.get(), buffer, bound, body.data(), body.size(), dict)
                        : ZSTD_compressCCtx(cctx_.get(), buffer, bound, body.data(), body.size(), level);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  return std::string(buffer, n);
}

bool ZstdCoder::Decompress(std::string_view frame, size_t size, const ZSTD_DDict* dict, std::string* out) {
  if (!dctx_) return false;
  out->resize(size);
  const size_t n =
      dict ? ZSTD_decompress_usingDDict(dctx_.get(), out->data(), out->size(), frame.data(), frame.size(),
                                        dict)
           : ZSTD_decompressDCtx(dctx_.get(), out->data(), out->size(), frame.data(), frame.size());
  return !ZSTD_isError(n) && n == size;
}

// ---------------------------------------------------------------------------------------------------

Result<DictionaryCache::Entry*> DictionaryCache::Get(DictionarySource& rows, int64_t id, std::string_view sha1) {
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.sha1 == sha1) {
    it->second.last_used = ++clock_;
    return &it->second;
  }
  auto row = rows.Load(id);
  if (!row.ok()) return row.status();
  if (!*row) return Status::Corruption("zstd dictionary " + std::to_string(id) + " is missing");
  std::string dict = std::move((*row)->dict);
  const std::string row_sha1 = std::move((*row)->sha1);
  if (row_sha1 != sha1 || HexLower(Sha1(dict)) != row_sha1) {
    return Status::Corruption("zstd dictionary " + std::to_string(id) +
                              " is damaged (its bytes do not match its SHA-1)");
  }
  return Insert(id, row_sha1, std::move(dict));
}

Result<DictionaryCache::Entry*> DictionaryCache::Put(int64_t id, std::string sha1, std::string dict) {
  return Insert(id, std::move(sha1), std::move(dict));
}

void DictionaryCache::Drop(int64_t id) { entries_.erase(id); }

Result<DictionaryCache::Entry*> DictionaryCache::Insert(int64_t id, std::string sha1, std::string dict) {
  entries_.erase(id);
  while (entries_.size() >= kMaxEntries) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.last_used < b.second.last_used;
    });
    entries_.erase(oldest);
  }
  DDictHandle ddict(ZSTD_createDDict(dict.data(), dict.size()));
  if (!ddict) {
    return Status::Corruption("zstd dictionary " + std::to_string(id) + " is not a dictionary zstd can load");
  }
  Entry& e = entries_[id];
  e.sha1 = std::move(sha1);
  e.dict = std::move(dict);
  e.ddict = std::move(ddict);
  e.last_used = ++clock_;
  return &e;
}

Result<const ZSTD_CDict*> DictionaryCache::CDict(Entry& entry, int level) {
  if (!entry.cdict || entry.cdict_level != level) {
    entry.cdict.reset(ZSTD_createCDict(entry.dict.data(), entry.dict.size(), level));
    entry.cdict_level = level;
    if (!entry.cdict) return Status::Corruption("a zstd dictionary does not load for compression");
  }
  return static_cast<const ZSTD_CDict*>(entry.cdict.get());
}

// ---------------------------------------------------------------------------------------------------

ArchiveCodec::ArchiveCodec(const ArchiveDictionaryOptions& options, int level)
    : options_(options), level_(level) {
  options_.sample_pages = std::max(options_.sample_pages, static_cast<int>(Sample::kHoldOutEvery));
  options_.window_pages = std::max(options_.window_pages, 1);
}

// ---------------------------------------------------------------------------------------------------
// The SQLite backend's dictionary rows.

Result<std::optional<DictionaryRow>> SqliteDictionaries::Latest(int64_t site_id) {
  auto q = db_.Prepare(
      "SELECT id, dict_sha1, trained_ratio FROM zstd_dictionaries WHERE site_id = ?1 ORDER BY id DESC LIMIT "
      "1");
  if (!q.ok()) return q.status();
  q->Bind(1, site_id);
  if (!q->Step()) {
    if (!q->status().ok()) return q->status();
    return std::optional<DictionaryRow>();
  }
  return std::optional<DictionaryRow>(DictionaryRow{q->Int(0), q->Text(1), q->Real(2)});
}

Result<std::optional<DictionaryBytes>> SqliteDictionaries::Load(int64_t id) {
  auto q = db_.Prepare("SELECT dict, dict_sha1 FROM zstd_dictionaries WHERE id = ?1");
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  if (!q->Step()) {
    if (!q->status().ok()) return q->status();
    return std::optional<DictionaryBytes>();
  }
  return std::optional<DictionaryBytes>(DictionaryBytes{q->Text(0), q->Text(1)});
}

Result<int64_t> SqliteDictionaries::Store(const NewDictionary& d) {
  int64_t id = 0;
  {
    auto q = db_.Prepare(
        "INSERT INTO zstd_dictionaries (site_id, created_at, dict, dict_sha1, sample_pages, sample_bytes,"
        " trained_ratio, plain_ratio) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!q.ok()) return q.status();
    q->Bind(1, d.site_id).Bind(2, d.created_at).Bind(3, Blob{d.dict}).Bind(4, d.sha1).Bind(5, d.sample_pages);
    q->Bind(6, d.sample_bytes).Bind(7, d.trained_ratio).Bind(8, d.plain_ratio);
    if (!q->Step()) return q->status().ok() ? Status::Internal("no id from dictionary insert") : q->status();
    id = q->Int(0);
  }  // the Query resets its statement here, before the next one runs
  // Superseded dictionaries of the site that no row names any more; one that a row names stays (and
  // the foreign key would refuse its deletion anyway).
  HC_RETURN_IF_ERROR(Execute(db_,
                             "DELETE FROM zstd_dictionaries WHERE site_id = ?1 AND id < ?2 AND NOT EXISTS"
                             " (SELECT 1 FROM raw_responses r WHERE r.dictionary_id = zstd_dictionaries.id)",
                             d.site_id, id));
  return id;
}

size_t ArchiveCodec::sample_memory() const {
  size_t bytes = 0;
  for (const auto& [site_id, state] : sites_) bytes += state.sample.memory();
  return bytes;
}

void ArchiveCodec::Rebase(SiteState& state, const std::optional<DictionaryRow>& latest) {
  // The dictionary this site compressed with is superseded: only reads of the rows that name it need it
  // now, and Get loads it again for them. Kept, each retraining of a long crawl would leave its
  // compression tables behind (about 0.8 MB a dictionary of 112 KiB at level 3: the bytes, the DDict's
  // copy, the CDict), which made a crawl's memory grow with its length (docs/BENCHMARKS.md, "Peak RSS
  // flat from 5,000 to 50,000 pages").
  if (state.dictionary_id != 0 && (!latest || latest->id != state.dictionary_id)) {
    cache_.Drop(state.dictionary_id);
  }
  state.dictionary_id = latest ? latest->id : 0;
  state.dictionary_sha1 = latest ? latest->sha1 : std::string();
  state.trained_ratio = latest ? latest->trained_ratio : 0.0;
  state.collecting = !latest;
  state.sample.Release();
  state.window.clear();
  state.window_raw = state.window_compressed = 0;
  state.warned_unusable = false;
}

Result<std::optional<int64_t>> ArchiveCodec::TrainAndStore(DictionarySource& rows, int64_t site_id, std::string_view site,
                                                           SiteState& state, const std::string& now) {
  const int64_t pages = static_cast<int64_t>(state.sample.pages());
  const int64_t bytes = state.sample.bytes();
  // A retraining measures the dictionary it would replace on the same held-out pages: the held-out pages
  // come from the run of pages the sample was taken from, so a new dictionary's ratio on them is
  // optimistic, and on the heavy bench site a crawl of 10,001 pages retrained six times, each new
  // dictionary no better than the one before.
  const ZSTD_CDict* current = nullptr;
  if (state.dictionary_id != 0 && !state.warned_unusable) {
    auto entry = cache_.Get(rows, state.dictionary_id, state.dictionary_sha1);
    Result<const ZSTD_CDict*> prepared = entry.ok() ? cache_.CDict(**entry, level_) : entry.status();
    if (prepared.ok()) current = *prepared;
  }
  auto trained =
      TrainDictionary(state.sample, static_cast<size_t>(options_.max_dictionary_bytes), level_, current);
  state.sample.Release();
  if (trained.ok() && current && trained->trained_ratio < trained->current_ratio * kMinGain) {
    // Keep the current dictionary, measured afresh: that ratio, not the one of its training, is what the
    // moving ratio must fall below to start another sample.
    spdlog::info(
        "archive: site {}: a new zstd dictionary from {} pages compresses {:.2f}x, dictionary {} {:.2f}x on"
        " the same pages: kept dictionary {}",
        site, pages, trained->trained_ratio, state.dictionary_id, trained->current_ratio, state.dictionary_id);
    state.trained_ratio = trained->current_ratio;
    state.collecting = false;
    state.window.clear();
    state.window_raw = state.window_compressed = 0;
    return std::optional<int64_t>();
  }
  if (!trained.ok() || trained->trained_ratio < trained->plain_ratio * kMinGain) {
    // Wait longer after each failure, so a site whose pages share nothing is not trained on forever.
    state.pause_pages = (static_cast<int64_t>(options_.sample_pages) * 8)
                        << std::min(state.failed_trainings, 6);
    ++state.failed_trainings;
    if (!trained.ok()) {
      spdlog::warn("archive: site {}: no zstd dictionary from {} pages: {}", site, pages,
                   trained.status().ToString());
    } else {
      spdlog::info(
          "archive: site {}: a zstd dictionary from {} pages compresses {:.2f}x, plain zstd {:.2f}x: not "
          "kept",
          site, pages, trained->trained_ratio, trained->plain_ratio);
    }
    return std::optional<int64_t>();
  }
  const std::string sha1 = HexLower(Sha1(trained->dict));
  auto stored = rows.Store({site_id, now, trained->dict, sha1, pages, bytes, trained->trained_ratio,
                            trained->plain_ratio});
  if (!stored.ok()) return stored.status();
  const int64_t id = *stored;
  auto entry = cache_.Put(id, sha1, std::move(trained->dict));
  if (!entry.ok()) return entry.status();
  spdlog::info(
      "archive: site {}: zstd dictionary {} trained from {} pages ({} bytes): {:.2f}x on held-out pages,"
      " plain zstd {:.2f}x",
      site, id, pages, bytes, trained->trained_ratio, trained->plain_ratio);
  Rebase(state, DictionaryRow{id, sha1, trained->trained_ratio});
  state.failed_trainings = 0;
  return std::optional<int64_t>(id);
}

void ArchiveCodec::Measure(SiteState& state, std::string_view site, size_t raw, size_t compressed) {
  state.window.emplace_back(static_cast<int64_t>(raw), static_cast<int64_t>(compressed));
  state.window_raw += static_cast<int64_t>(raw);
  state.window_compressed += static_cast<int64_t>(compressed);
  while (state.window.size() > static_cast<size_t>(options_.window_pages)) {
    state.window_raw -= state.window.front().first;
    state.window_compressed -= state.window.front().second;
    state.window.pop_front();
  }
  if (state.window.size() < static_cast<size_t>(options_.window_pages)) return;
  const double ratio = Ratio(state.window_raw, state.window_compressed);
  if (ratio >= state.trained_ratio * (1.0 - options_.retrain_drop)) return;
  spdlog::info(
      "archive: site {}: the latest {} pages compress {:.2f}x with zstd dictionary {}, trained at {:.2f}x:"
      " collecting a sample for a new one",
      site, state.window.size(), ratio, state.dictionary_id, state.trained_ratio);
  state.collecting = true;
  state.window.clear();
  state.window_raw = state.window_compressed = 0;
}

Result<CompressedBody> ArchiveCodec::Compress(DictionarySource& rows, int64_t site_id, std::string_view site,
                                              std::string_view body, const std::string& now) {
  CompressedBody out;
  if (!options_.enabled) {
    auto frame = coder_.Compress(body, level_, nullptr);
    if (!frame.ok()) return frame.status();
    out.frame = std::move(*frame);
    return out;
  }
  auto latest = rows.Latest(site_id);
  if (!latest.ok()) return latest.status();
  SiteState& state = sites_[site_id];
  const int64_t latest_id = *latest ? (*latest)->id : 0;
  if (latest_id != state.dictionary_id || (*latest && (*latest)->sha1 != state.dictionary_sha1)) {
    Rebase(state, *latest);
  }

  if (state.collecting && !body.empty()) {
    if (state.pause_pages > 0) {
      --state.pause_pages;
    } else {
      if (state.sample.pages() == 0) {
        // The sample ends at sample_bytes or one body (counted up to kMaxSampleBytes) past them.
        state.sample.Reserve(static_cast<size_t>(
            std::min<int64_t>(options_.sample_bytes, int64_t{options_.sample_pages} * int64_t{kMaxSampleBytes}) +
            int64_t{kMaxSampleBytes}));
      }
      state.sample.Add(body);
      const int64_t count = static_cast<int64_t>(state.sample.pages());
      if (count >= options_.sample_pages || (state.sample.bytes() >= options_.sample_bytes &&
                                             count >= static_cast<int64_t>(Sample::kHoldOutEvery))) {
        auto trained = TrainAndStore(rows, site_id, site, state, now);
        if (!trained.ok()) return trained.status();
      }
    }
  }

  const ZSTD_CDict* cdict = nullptr;
  if (state.dictionary_id != 0) {
    auto entry = cache_.Get(rows, state.dictionary_id, state.dictionary_sha1);
    Result<const ZSTD_CDict*> prepared = entry.ok() ? cache_.CDict(**entry, level_) : entry.status();
    if (prepared.ok()) {
      cdict = *prepared;
    } else if (!state.warned_unusable) {
      // A damaged dictionary row: its pages still store (plain), and a sample is collected for a new one.
      spdlog::error("archive: site {}: {}; storing plain zstd frames until a new dictionary is trained", site,
                    prepared.status().message());
      state.warned_unusable = true;
      state.collecting = true;
    }
  }
  auto frame = coder_.Compress(body, level_, cdict);
  if (!frame.ok()) return frame.status();
  if (cdict) {
    out.dictionary_id = state.dictionary_id;
    if (!state.collecting) Measure(state, site, body.size(), frame->size());
  }
  out.frame = std::move(*frame);
  return out;
}

Result<std::string> ArchiveCodec::Decompress(DictionarySource& rows, int64_t row_id, std::string_view frame, int64_t size,
                                             std::optional<int64_t> dictionary_id,
                                             const std::optional<std::string>& dictionary_sha1) {
  const std::string what = "archived response " + std::to_string(row_id);
  // Checked before allocating: a damaged body_size must not become a huge allocation.
  const unsigned long long content = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size < 0 || content != static_cast<unsigned long long>(size)) {
    return Status::Corruption(what + " does not decompress");
  }
  const ZSTD_DDict* ddict = nullptr;
  if (dictionary_id) {
    if (!dictionary_sha1) {
      return Status::Corruption(what + " names zstd dictionary " + std::to_string(*dictionary_id) +
                                ", which is missing");
    }
    auto entry = cache_.Get(rows, *dictionary_id, *dictionary_sha1);
    if (!entry.ok()) return Status::Corruption(what + ": " + entry.status().message());
    ddict = (*entry)->ddict.get();
  }
  std::string out;
  if (!coder_.Decompress(frame, static_cast<size_t>(size), ddict, &out)) {
    return Status::Corruption(
        what + " does not decompress" +
        (dictionary_id ? " with zstd dictionary " + std::to_string(*dictionary_id) : ""));
  }
  return out;
}

}  // namespace hc::store::internal
