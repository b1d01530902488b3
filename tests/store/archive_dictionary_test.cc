// The raw archive's per-site zstd dictionaries (docs/schema.md, "zstd_dictionaries"): trained once a
// site has a sample, named by each row, retrained when the moving ratio degrades, never deleted while a
// row names it; every body reads back byte for byte, rows with and without a dictionary mixed; a
// missing or damaged dictionary is a Corruption that names it; a writer killed while training leaves
// rows that all read back.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "store/archive_codec_internal.h"
#include "store/database.h"
#include "store/digest.h"
#include "store/page_builders.h"
#include "store/warc.h"
#include "support/captured_log.h"
#include "support/sqlite_exec.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

using testing::At;
using testing::Page;
using testing::Peek;

// A portal page: a layout shared by every page of the site (inline CSS, nav, script: random tokens,
// so a page alone cannot compress it, but the site's other pages hold it; `style` picks one of three
// redesigns) around text of its own, so a dictionary has something to learn and a redesign something to
// lose.
std::string PortalPage(int n, char style) {
  static const char* kWords[] = {"高血压", "糖尿病", "饮食", "运动", "睡眠", "检查", "医生", "建议",
                                 "治疗",   "症状",   "注意", "患者", "药物", "复查", "血糖", "心率"};
  std::mt19937 layout_rng(static_cast<unsigned>(style));
  std::string layout;
  for (int i = 0; i < 400; ++i) {
    layout += ".c" + std::to_string(layout_rng() % 100000) + "{color:#" +
              std::to_string(layout_rng() % 999999) + "}\n";
  }
  std::mt19937 text_rng(static_cast<unsigned>(n) * 7919u + static_cast<unsigned>(style));
  std::string text;
  for (int i = 0; i < 300; ++i) text += kWords[text_rng() % 16] + std::to_string(text_rng() % 100);
  return "<!doctype html><html><head><style>" + layout + "</style></head><body><h1>第" + std::to_string(n) +
         "篇</h1><p>" + text + "</p><script>window.__STATE__={id:" + std::to_string(n) +
         "}</script></body></html>";
}

PageObservation ArchivedPage(const std::string& site, int n, char style, const std::string& when) {
  auto page = Page("https://" + site + ".example/p/" + std::to_string(n) + ".html", when, Json(), site);
  page.raw =
      RawResponse{page.url, 200, {{"Content-Type", "text/html"}}, PortalPage(n, style), page.fetched_at};
  return page;
}

StoreOptions SmallSamples() {
  StoreOptions options;
  options.dictionaries.sample_pages = 16;
  options.dictionaries.window_pages = 16;
  return options;
}

class ArchiveDictionaryTest : public ::testing::Test {
 protected:
  void Open(StoreOptions options = SmallSamples()) {
    store_.reset();
    options.clock = &clock_;
    auto s = OpenDatabase(path(), options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  std::string path() const { return (dir_ / "archive.db").string(); }
  void Put(const PageObservation& page) {
    Status s = store_->PutPage(page);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  // Every archived body read back, by URL, checked against what was put.
  void ExpectEveryBodyReadsBack(const std::map<std::string, std::string>& put) {
    auto ids = store_->ListRawResponses({.site = "", .since = std::nullopt, .latest_only = false});
    ASSERT_TRUE(ids.ok()) << ids.status().ToString();
    ASSERT_EQ(ids->size(), put.size());
    for (int64_t id : *ids) {
      auto got = store_->GetRawResponse(id);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      SCOPED_TRACE(got->response.url);
      EXPECT_EQ(got->response.body, put.at(got->response.url));
    }
  }
  // Runs SQL on a writable connection of its own, as a user's sqlite3 shell would.
  void Sql(const std::string& sql) { hc::testing::ExecuteSqlite(path(), sql); }

  hc::testing::TempDir dir_;
  FakeClock clock_{At("2026-03-01T00:00:00Z")};
  std::unique_ptr<Database> store_;
};

TEST_F(ArchiveDictionaryTest, TrainsOnceTheSampleIsCompleteAndEveryRowNamesWhatItNeeds) {
  Open();
  std::map<std::string, std::string> put;
  for (int n = 0; n < 60; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  Peek peek(path());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries"), 1);
  EXPECT_EQ(peek.Int("SELECT sample_pages FROM zstd_dictionaries"), 16);
  EXPECT_LE(peek.Int("SELECT length(dict) FROM zstd_dictionaries"), 112 << 10);
  EXPECT_EQ(peek.Text("SELECT dict_sha1 FROM zstd_dictionaries"),
            HexLower(Sha1(peek.Text("SELECT dict FROM zstd_dictionaries"))));
  // The 16th page completed the sample and is the first one compressed with the dictionary.
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id IS NULL"), 15);
  EXPECT_EQ(
      peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id = (SELECT id FROM zstd_dictionaries)"),
      45);
  EXPECT_EQ(peek.Int("SELECT min(id) FROM raw_responses WHERE dictionary_id IS NOT NULL"), 16);
  // The dictionary pays: its rows are far smaller than plain frames of pages of the same size.
  const int64_t plain = peek.Int(
      "SELECT sum(length(body)) * 1000 / sum(body_size) FROM raw_responses"
      " WHERE dictionary_id IS NULL");
  const int64_t with_dict = peek.Int(
      "SELECT sum(length(body)) * 1000 / sum(body_size) FROM raw_responses"
      " WHERE dictionary_id IS NOT NULL");
  EXPECT_LT(with_dict * 2, plain) << "per mille of the raw size: " << with_dict << " against " << plain;
  EXPECT_EQ(peek.Int("SELECT trained_ratio > 2 * plain_ratio FROM zstd_dictionaries"), 1)
      << peek.All("SELECT trained_ratio, plain_ratio FROM zstd_dictionaries");
  ExpectEveryBodyReadsBack(put);
}

TEST_F(ArchiveDictionaryTest, OldRowsAndDictionaryRowsReadBackMixed) {
  // Rows written without dictionaries (as every row before schema 7 was), then with them, then read by
  // a fresh store (nothing cached) and by a read-only one.
  StoreOptions plain = SmallSamples();
  plain.dictionaries.enabled = false;
  Open(plain);
  std::map<std::string, std::string> put;
  for (int n = 0; n < 30; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  Open();
  for (int n = 30; n < 60; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T02:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  Peek peek(path());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id IS NULL"), 45);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id IS NOT NULL"), 15);
  ExpectEveryBodyReadsBack(put);
  Open();
  ExpectEveryBodyReadsBack(put);
  StoreOptions read_only;
  read_only.read_only = true;
  Open(read_only);
  ExpectEveryBodyReadsBack(put);
}

TEST_F(ArchiveDictionaryTest, RowsOfEveryLevelAndSizeReadBackMixed) {
  // Level 3 was the default before session 20: its frames, plain and with a dictionary, read back beside
  // the default level's. Bodies of every size go through Compress's reused buffer or, above 1 MiB of
  // bound, a buffer of their own: a tiny body right after a large one must come back as itself.
  EXPECT_EQ(StoreOptions().zstd_level, 1);
  StoreOptions old_level = SmallSamples();
  old_level.zstd_level = 3;
  Open(old_level);
  std::map<std::string, std::string> put;
  const auto put_page = [&](int n, const char* when) {
    auto page = ArchivedPage("mfk", n, 'A', when);
    if (n % 10 == 4) page.raw->body += std::string(3 << 19, static_cast<char>('a' + n % 26));  // 1.5 MiB
    if (n % 10 == 5) page.raw->body = "<p>" + std::to_string(n) + "</p>";
    put[page.url] = page.raw->body;
    Put(page);
  };
  for (int n = 0; n < 30; ++n) put_page(n, "2026-03-01T01:00:00Z");
  ASSERT_TRUE(store_->Flush().ok());
  Open();
  for (int n = 30; n < 60; ++n) put_page(n, "2026-03-01T02:00:00Z");
  ASSERT_TRUE(store_->Flush().ok());
  Peek peek(path());
  EXPECT_GT(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id IS NOT NULL"), 0);
  EXPECT_GT(peek.Int("SELECT count(*) FROM raw_responses WHERE body_size > 1048576"), 5);
  ExpectEveryBodyReadsBack(put);
  Open();
  ExpectEveryBodyReadsBack(put);
}

TEST_F(ArchiveDictionaryTest, EachSiteHasItsOwnDictionary) {
  Open();
  std::map<std::string, std::string> put;
  for (int n = 0; n < 40; ++n) {
    for (const char* site : {"mfk", "xywy"}) {
      auto page = ArchivedPage(site, n, site[0] == 'm' ? 'A' : 'B', "2026-03-01T01:00:00Z");
      put[page.url] = page.raw->body;
      Put(page);
    }
  }
  ASSERT_TRUE(store_->Flush().ok());
  Peek peek(path());
  EXPECT_EQ(peek.Int("SELECT count(DISTINCT site_id) FROM zstd_dictionaries"), 2);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses r JOIN pages p ON p.id = r.page_id"
                     " JOIN zstd_dictionaries d ON d.id = r.dictionary_id WHERE d.site_id != p.site_id"),
            0);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id IS NOT NULL"), 2 * 25);
  ExpectEveryBodyReadsBack(put);
}

TEST_F(ArchiveDictionaryTest, RetrainsWhenTheMovingRatioFallsAndKeepsEveryDictionaryARowNames) {
  Open();
  std::map<std::string, std::string> put;
  // A dictionary learns layout A; then the site is redesigned (layout B): after a window of 16 pages
  // compressed worse, a new sample of 16 pages gives a second dictionary.
  for (int n = 0; n < 40; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  for (int n = 40; n < 120; ++n) {
    auto page = ArchivedPage("mfk", n, 'B', "2026-03-01T02:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  Peek peek(path());
  ASSERT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries"), 2);
  const int64_t first = peek.Int("SELECT min(id) FROM zstd_dictionaries");
  const int64_t second = peek.Int("SELECT max(id) FROM zstd_dictionaries");
  // Page n is row n + 1. Layout B starts at page 40; the window sees the drop within 16 pages of B, the
  // next 16 pages are the new sample (still compressed with the first dictionary), and the page that
  // completes it is the first with the second.
  const int64_t switched =
      peek.Int("SELECT min(id) FROM raw_responses WHERE dictionary_id = " + std::to_string(second));
  EXPECT_GE(switched, 41 + 16);
  EXPECT_LE(switched, 41 + 16 + 15);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id = " + std::to_string(first)),
            switched - 16);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE id >= " + std::to_string(switched) +
                     " AND dictionary_id IS NOT " + std::to_string(second)),
            0);
  ExpectEveryBodyReadsBack(put);

  // The foreign key refuses to delete a dictionary a row names.
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path().c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA foreign_keys = ON", nullptr, nullptr, nullptr);
  EXPECT_EQ(sqlite3_exec(db, ("DELETE FROM zstd_dictionaries WHERE id = " + std::to_string(first)).c_str(),
                         nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT);
  sqlite3_close(db);

  // Once no row names the first dictionary, the next training deletes it; the second, still named, stays.
  Sql("DELETE FROM raw_responses WHERE dictionary_id = " + std::to_string(first));
  for (auto it = put.begin(); it != put.end();) {
    it = Peek(path()).Int("SELECT count(*) FROM raw_responses WHERE url = '" + it->first + "'")
             ? std::next(it)
             : put.erase(it);
  }
  Open();
  for (int n = 120; n < 200; ++n) {  // another redesign: a third dictionary
    auto page = ArchivedPage("mfk", n, 'C', "2026-03-01T03:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries WHERE id = " + std::to_string(first)), 0);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries WHERE id = " + std::to_string(second)), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries"), 2);
  ExpectEveryBodyReadsBack(put);
}

// zstd_dictionaries as a map in memory: the codec's own rules, without a database.
class DictionaryRows final : public internal::DictionarySource {
 public:
  Result<std::optional<internal::DictionaryRow>> Latest(int64_t site_id) override {
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
      if (it->second.site_id == site_id) {
        return std::optional<internal::DictionaryRow>(
            internal::DictionaryRow{it->first, it->second.sha1, it->second.ratio});
      }
    }
    return std::optional<internal::DictionaryRow>();
  }
  Result<std::optional<internal::DictionaryBytes>> Load(int64_t id) override {
    ++loads;
    auto it = rows_.find(id);
    if (it == rows_.end()) return std::optional<internal::DictionaryBytes>();
    return std::optional<internal::DictionaryBytes>(
        internal::DictionaryBytes{it->second.dict, it->second.sha1});
  }
  Result<int64_t> Store(const internal::NewDictionary& d) override {
    const int64_t id = static_cast<int64_t>(rows_.size()) + 1;
    rows_[id] = {d.site_id, std::string(d.dict), d.sha1, d.trained_ratio};
    return id;
  }
  std::string Sha1Of(int64_t id) const { return rows_.at(id).sha1; }
  size_t size() const { return rows_.size(); }
  int loads = 0;

 private:
  struct Row {
    int64_t site_id;
    std::string dict, sha1;
    double ratio;
  };
  std::map<int64_t, Row> rows_;
};

// A long crawl retrains as a site's pages change; the writer's codec keeps the current dictionary ready
// and lets a superseded one go (its compression tables are most of a megabyte), so its memory does not
// grow with the number of retrainings. A row compressed with an old dictionary still reads back: the
// dictionary is loaded again.
TEST(ArchiveCodecMemory, ARetrainedSiteKeepsOnlyItsCurrentDictionaryReady) {
  ArchiveDictionaryOptions options;
  options.sample_pages = 16;
  options.window_pages = 16;
  internal::ArchiveCodec codec(options, 3);
  DictionaryRows rows;
  struct Stored {
    std::string body, frame;
    std::optional<int64_t> dictionary_id;
  };
  std::vector<Stored> stored;
  const char layouts[] = {'A', 'B', 'C'};
  for (int round = 0; round < 3; ++round) {
    for (int n = 0; n < 60; ++n) {
      std::string body = PortalPage(round * 100 + n, layouts[round]);
      auto out = codec.Compress(rows, 1, "mfk", body, "2026-03-01T00:00:00Z");
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      stored.push_back({body, out->frame, out->dictionary_id});
    }
    // Each layout gets a dictionary of its own; only the newest is held.
    ASSERT_EQ(rows.size(), static_cast<size_t>(round + 1));
    EXPECT_EQ(codec.cached_dictionaries(), 1u) << "after layout " << layouts[round];
    EXPECT_EQ(stored.back().dictionary_id, std::optional<int64_t>(round + 1));
  }
  EXPECT_EQ(rows.loads, 0);  // training put each dictionary in the cache; nothing was read back yet

  // Every body reads back, old dictionaries loaded again on demand.
  std::set<int64_t> used;
  for (size_t i = 0; i < stored.size(); ++i) {
    const Stored& s = stored[i];
    std::optional<std::string> sha1;
    if (s.dictionary_id) sha1 = rows.Sha1Of(*s.dictionary_id), used.insert(*s.dictionary_id);
    auto body = codec.Decompress(rows, static_cast<int64_t>(i) + 1, s.frame,
                                 static_cast<int64_t>(s.body.size()), s.dictionary_id, sha1);
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    EXPECT_EQ(*body, s.body);
  }
  EXPECT_EQ(used, (std::set<int64_t>{1, 2, 3}));
  EXPECT_EQ(rows.loads, 2);  // dictionaries 1 and 2, once each
  EXPECT_EQ(codec.cached_dictionaries(), 3u);

  // Another writer's training (a newer row for the site, here with dictionary 1's bytes): the next
  // body uses it, and dictionary 3 is let go as well, so reading a row of it loads it once more.
  auto bytes = rows.Load(1);
  ASSERT_TRUE(bytes.ok() && *bytes);
  auto fourth = rows.Store({.site_id = 1,
                            .created_at = "2026-03-01T00:00:00Z",
                            .dict = (*bytes)->dict,
                            .sha1 = (*bytes)->sha1,
                            .sample_pages = 16,
                            .sample_bytes = 1,
                            .trained_ratio = 5,
                            .plain_ratio = 1});
  ASSERT_TRUE(fourth.ok());
  const int loads_before = rows.loads;
  auto next = codec.Compress(rows, 1, "mfk", PortalPage(999, 'A'), "2026-03-01T00:00:00Z");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->dictionary_id, std::optional<int64_t>(*fourth));
  EXPECT_EQ(rows.loads, loads_before + 1);     // dictionary 4
  EXPECT_EQ(codec.cached_dictionaries(), 3u);  // 1, 2 and 4
  const Stored& last = stored.back();
  ASSERT_EQ(last.dictionary_id, std::optional<int64_t>(3));
  auto body = codec.Decompress(rows, static_cast<int64_t>(stored.size()), last.frame,
                               static_cast<int64_t>(last.body.size()), last.dictionary_id, rows.Sha1Of(3));
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, last.body);
  EXPECT_EQ(rows.loads, loads_before + 2);  // dictionary 3 again
}

// The sample a dictionary is trained from (its buffer reserved for up to 8 MiB) is freed once the
// dictionary is trained, and again after a retraining: a crawl used to hold the first sample's buffer
// for its whole length (std::string's move assignment from an empty string keeps the target's buffer).
TEST(ArchiveCodecMemory, TheSampleIsFreedOnceItsDictionaryIsTrained) {
  ArchiveDictionaryOptions options;
  options.sample_pages = 16;
  options.window_pages = 16;
  internal::ArchiveCodec codec(options, 3);
  DictionaryRows rows;
  EXPECT_LT(codec.sample_memory(), 64u);  // nothing collected yet
  const char layouts[] = {'A', 'B'};
  for (int round = 0; round < 2; ++round) {
    size_t most = 0;
    for (int n = 0; n < 60; ++n) {
      auto out =
          codec.Compress(rows, 1, "mfk", PortalPage(round * 100 + n, layouts[round]), "2026-03-01T00:00:00Z");
      ASSERT_TRUE(out.ok()) << out.status().ToString();
      most = std::max(most, codec.sample_memory());
    }
    ASSERT_EQ(rows.size(), static_cast<size_t>(round + 1))
        << "layout " << layouts[round] << " was not trained";
    // While collecting, the sample held the pages (16 of about 30 KB, in a buffer reserved for more).
    EXPECT_GT(most, 16u * 20000u) << "layout " << layouts[round];
    EXPECT_LT(codec.sample_memory(), 64u) << "after layout " << layouts[round];
  }
}

// A page of layout A whose text is random hex: no dictionary can learn it, so its pages compress worse
// than the sample's with any dictionary.
PageObservation NoisyPage(int n) {
  auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
  std::mt19937 rng(static_cast<unsigned>(n) * 104729u);
  std::string noise;
  for (int i = 0; i < 3000; ++i) noise += std::to_string(rng());
  page.raw->body.insert(page.raw->body.find("</body>"), "<p>" + noise + "</p>");
  return page;
}

TEST_F(ArchiveDictionaryTest, ARetrainingThatIsNoBetterKeepsTheDictionaryAndItsMeasuredRatio) {
  // The moving ratio falls (the pages carry text no dictionary learns), so a new sample is taken; the
  // dictionary trained from it does no better on its held-out pages than the current one: the current
  // one stays, and its ratio on those pages, not its training ratio, is what the next drop is measured
  // against, so the same pages do not start a sample again.
  hc::testing::CapturedLog log;
  Open();
  std::map<std::string, std::string> put;
  for (int n = 0; n < 24; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  for (int n = 24; n < 160; ++n) {
    auto page = NoisyPage(n);
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  Peek peek(path());
  EXPECT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries"), 1);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM raw_responses WHERE dictionary_id IS NOT NULL"), 160 - 15);
  const std::string text = log.text();
  auto count = [&](const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
  };
  // One sample after the drop (pages 24-39 fill the window, 40-55 the sample), then 104 more noisy pages
  // (6 more windows) with no new sample.
  EXPECT_EQ(count("collecting a sample for a new one"), 1) << text;
  EXPECT_EQ(count(": kept dictionary 1"), 1) << text;
  ExpectEveryBodyReadsBack(put);
}

TEST_F(ArchiveDictionaryTest, AMissingOrDamagedDictionaryIsACorruptionThatNamesIt) {
  Open();
  std::map<std::string, std::string> put;
  for (int n = 0; n < 20; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  store_.reset();
  const int64_t named = Peek(path()).Int("SELECT max(id) FROM raw_responses");
  const int64_t plain = Peek(path()).Int("SELECT min(id) FROM raw_responses");

  struct Case {
    const char* name;
    const char* damage;
    const char* message;
  } cases[] = {
      {"damaged bytes", "UPDATE zstd_dictionaries SET dict = CAST(substr(dict, 2) AS BLOB)",
       "is damaged (its bytes do not match its SHA-1)"},
      {"missing row", "PRAGMA foreign_keys = OFF; DELETE FROM zstd_dictionaries", "which is missing"},
  };
  const std::string pristine = hc::testing::ReadFile(path());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    hc::testing::WriteFile(path(), pristine);
    Sql(c.damage);
    Open();
    auto got = store_->GetRawResponse(named);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kCorruption);
    EXPECT_NE(got.status().message().find("archived response " + std::to_string(named)), std::string::npos)
        << got.status().ToString();
    EXPECT_NE(got.status().message().find("zstd dictionary "), std::string::npos) << got.status().ToString();
    EXPECT_NE(got.status().message().find(c.message), std::string::npos) << got.status().ToString();
    // Rows without a dictionary still read, and the site's next pages still store (plain frames until a
    // new dictionary is trained) and read back.
    auto old = store_->GetRawResponse(plain);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    EXPECT_EQ(old->response.body, put.at(old->response.url));
    std::map<std::string, std::string> later;
    for (int n = 100; n < 140; ++n) {
      auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T02:00:00Z");
      later[page.url] = page.raw->body;
      Put(page);
    }
    ASSERT_TRUE(store_->Flush().ok());
    for (const auto& [url, body] : later) {
      const int64_t id = Peek(path()).Int("SELECT id FROM raw_responses WHERE url = '" + url + "'");
      auto back = store_->GetRawResponse(id);
      ASSERT_TRUE(back.ok()) << back.status().ToString();
      EXPECT_EQ(back->response.body, body);
    }
    EXPECT_GE(Peek(path()).Int("SELECT count(*) FROM raw_responses WHERE id > " + std::to_string(named) +
                               " AND dictionary_id IS NOT NULL"),
              1)
        << "a new dictionary replaces the unusable one";
    store_.reset();
  }
}

TEST_F(ArchiveDictionaryTest, WarcOfAnArchivedBodyCarriesTheExactBytes) {
  Open();
  std::map<std::string, std::string> put;
  for (int n = 0; n < 20; ++n) {
    auto page = ArchivedPage("mfk", n, 'A', "2026-03-01T01:00:00Z");
    page.raw->body += std::string("\0\r\n\r\n", 5);  // bytes a text path would lose
    put[page.url] = page.raw->body;
    Put(page);
  }
  ASSERT_TRUE(store_->Flush().ok());
  const int64_t id = Peek(path()).Int("SELECT max(id) FROM raw_responses WHERE dictionary_id IS NOT NULL");
  ASSERT_GT(id, 0);
  auto got = store_->GetRawResponse(id);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  WarcOptions options;
  options.dir = dir_ / "warc";
  options.gzip = false;
  auto warc = WarcWriter::Create(options);
  ASSERT_TRUE(warc.ok()) << warc.status().ToString();
  ASSERT_TRUE((*warc)->WriteResponse(got->response).ok());
  const auto file = (*warc)->current_file();
  ASSERT_TRUE((*warc)->Close().ok());
  const std::string text = hc::testing::ReadFile(file);
  const std::string& body = put.at(got->response.url);
  EXPECT_NE(text.find("WARC-Payload-Digest: sha1:" + Base32(Sha1(body))), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\n" + body + "\r\n\r\n"), std::string::npos) << "the payload is the body as put";
}

// A writer killed anywhere — in a training, just after one, between batches — leaves a database whose
// every row reads back: a dictionary row commits with the first rows that name it or neither does.
TEST(ArchiveDictionaryCrashTest, KillingTheWriterWhileTrainingLeavesEveryRowReadable) {
  hc::testing::TempDir dir;
  const auto path = dir / "crash.db";
  ASSERT_TRUE(OpenDatabase(path).ok());
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    StoreOptions options = SmallSamples();
    options.batch_pages = 7;  // batches end at every point of a site's sample
    auto store = OpenDatabase(path, options);
    if (!store.ok()) ::_exit(2);
    // A new site every 20 pages: a training every 20 pages.
    for (int n = 0;; ++n) {
      auto page =
          ArchivedPage("site" + std::to_string(n / 20), n, n / 20 % 2 ? 'A' : 'B', "2026-03-01T01:00:00Z");
      if (!(*store)->PutPage(page).ok()) ::_exit(3);
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Peek(path.string()).Int("SELECT count(*) FROM zstd_dictionaries") >= 5) break;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(37));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself with " << WEXITSTATUS(status);

  auto store = OpenDatabase(path, SmallSamples());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status integrity = (*store)->CheckIntegrity();  // also foreign_key_check: no row names a missing dictionary
  EXPECT_TRUE(integrity.ok()) << integrity.ToString();
  Peek peek(path.string());
  EXPECT_GE(peek.Int("SELECT count(*) FROM zstd_dictionaries"), 5);
  EXPECT_EQ(peek.Int("SELECT count(*) FROM zstd_dictionaries d WHERE NOT EXISTS"
                     " (SELECT 1 FROM raw_responses r WHERE r.dictionary_id = d.id)"),
            0)
      << "a dictionary commits with the page that completed its sample";
  auto ids = (*store)->ListRawResponses({.site = "", .since = std::nullopt, .latest_only = false});
  ASSERT_TRUE(ids.ok());
  for (int64_t id : *ids) {
    auto got = (*store)->GetRawResponse(id);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    const int n = std::stoi(got->response.url.substr(got->response.url.rfind('/') + 1));
    EXPECT_EQ(got->response.body, PortalPage(n, n / 20 % 2 ? 'A' : 'B'));
  }
  // And the writer goes on from there, training the cut-off site's dictionary again if it was lost.
  const int64_t last =
      peek.Int("SELECT max(CAST(substr(url, instr(url, '/p/') + 3) AS INTEGER)) FROM raw_responses");
  for (int n = static_cast<int>(last) + 1; n < static_cast<int>(last) + 41; ++n) {
    ASSERT_TRUE((*store)
                    ->PutPage(ArchivedPage("site" + std::to_string(n / 20), n, 'A', "2026-03-01T01:00:00Z"))
                    .ok());
  }
  ASSERT_TRUE((*store)->Flush().ok());
  EXPECT_TRUE((*store)->CheckIntegrity().ok());
}

}  // namespace
}  // namespace hc::store
