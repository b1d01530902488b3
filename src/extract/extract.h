// extract: per-site selector configs (selectors/<site>.yaml) compiled into a SelectorProgram that turns a
// parsed page into canonical records (core/records.h: article, disease, answer_card, question, answer,
// doctor) plus the links to follow, all from the one Gumbo tree.
//
// Errors: a broken config is a Status (kConfigError, message "file:line:column: what is wrong"); a page
// that lacks a required field is not a Status but an ExtractedPage with failures, so one bad page never
// stops a crawl.
//
// Thread-safety: a SelectorProgram is immutable after loading; Extract may run on many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/page.h"
#include "core/records.h"
#include "core/status.h"
#include "core/url.h"
#include "core/version.h"
#include "extract/fill.h"
#include "html/html.h"

namespace hc::extract {

using Json = nlohmann::ordered_json;  // records keep the vocabulary's field order

struct Politeness {
  double delay_seconds = 1.0;   // between two requests to one host
  int concurrency = 2;          // transfers in flight to one host
};

struct RevisitPolicy {
  std::chrono::seconds interval{0};  // 0: never revisit
  std::chrono::seconds min{0};       // adaptive bounds (0: same as interval)
  std::chrono::seconds max{0};
};

struct PageTypeInfo {
  std::string name;          // "article", "question", "listing", ...
  std::string url_pattern;   // RE2 regex searched in the URL
  int priority = 0;          // higher is fetched first
  std::string record;        // record kind it yields ("article", ...), or "" for a links-only page
  RevisitPolicy revisit;
};

// The site-level part of a config, which the crawler and scheduler read.
struct SiteConfig {
  std::string file;   // the file it was loaded from
  std::string key;    // "mfk"
  std::string name;   // "民福康"
  std::vector<std::string> allowed_domains;  // a host matches a domain or any subdomain of it
  std::vector<std::string> start_urls;
  std::vector<std::string> sitemaps;
  std::vector<std::string> follow_allow;  // regex sources; a link must match one (all when empty)
  std::vector<std::string> follow_deny;   // and none of these
  Politeness politeness;
  // `user_agent` or `request.user_agent`: the User-Agent of requests; its product token is the robots.txt
  // agent. Default DefaultUserAgent() (core/version.h).
  std::string user_agent = DefaultUserAgent();
  std::vector<std::pair<std::string, std::string>> headers;  // request.headers, in file order
  std::string cookie_jar;             // request.cookie_jar: a Netscape cookie file; "" = none
  std::optional<std::string> proxy;   // request.proxy; unset: the environment's; "": none
  std::string time_zone = "Asia/Shanghai";  // for dates printed without an offset and relative dates
  bool cookies = false;
  bool allow_private_addresses = false;  // loopback/private targets; tests turn it on
  int max_depth = 0;   // 0: unlimited
  int max_pages = 0;   // pages per run (from the run's start); 0: unlimited
  int max_dataset_pages = 0;  // URLs done or failed in the whole frontier; 0: unlimited
  // Links taken from one page (after filtering); the rest are dropped and counted on the page. A page of
  // 300,000 links otherwise costs the writer 300,000 inserts and the frontier 300,000 rows.
  int max_links_per_page = 10000;
  // Bytes of a URL (an href, a resolved link, a redirect target, a sitemap entry, a start URL); longer
  // ones are dropped and counted, never requested or stored. 8 KiB is what common servers accept.
  int max_url_length = 8192;
  NormalizeOptions url_normalization;
  std::vector<PageTypeInfo> page_types;  // in config order; the first whose pattern matches wins
  FillAlerts alerts;  // `alerts:`: the drift alarm's settings (extract/fill.h, docs/drift.md)
};

struct PageInput {
  std::string url;         // the page's final URL (after redirects)
  TimePoint fetched_at{};  // "3天前" and "昨天 08:10" are resolved against this
  // Fill ExtractedPage::link_fates (`extract --links`); the crawl leaves it off.
  bool explain_links = false;
  // What the caller knows already (the crawl's page value, core/page.h), so that Extract does not
  // compute it again: `url` parsed, and the name of the page type it matched ("" for none). Unset,
  // Extract parses and matches `url` itself.
  const Url* parsed_url = nullptr;
  std::optional<std::string> page_type{};
};

// Why the link extraction of a page did not take a link; kNone: it was followed.
enum class LinkDrop {
  kNone,
  kUnresolvable,  // the href does not parse as a URL against the page's base
  kNotHttp,       // javascript:, mailto:, tel:, ftp: ...
  kOtherHost,     // the host is in none of allowed_domains
  kNotAllowed,    // follow.allow is set and no pattern of it matches
  kDenied,        // a follow.deny pattern matches
  kTooLong,       // the href or the resolved URL is over max_url_length
  kOverCap,       // past max_links_per_page
  kDuplicate,     // an earlier link of the page has the same href or URL
};
// "followed", "unresolvable", "not http", "other host", "not allowed", "denied", "too long",
// "over the per-page cap", "duplicate".
std::string_view LinkDropName(LinkDrop drop);

// One link of a page (an <a href> or <area href>, in document order) and what became of it.
struct LinkFate {
  std::string href;             // as written in the page (cut to max_url_length bytes when too long)
  std::string url;              // resolved and normalized (the frontier key); "" when not computed
  LinkDrop drop = LinkDrop::kNone;
  std::string rule;             // kDenied: the deny pattern that matched; kTooLong, kOverCap: the limit
  std::string page_type;        // followed: the page type its URL matches ("" for none)
  int priority = 0;             // followed: that page type's priority (0 for none)
};

struct FieldFailure {
  std::string path;    // "title", "answers[3].doctor_name"
  std::string reason;  // "required field is missing", "\"abc\" is not a count"
};

// A value a field found but could not convert ("\"1.2\" is not a count"): the field gives null (or
// leaves the value out of its list). Also one of ExtractedPage::notes, as "<path>: <problem>".
struct FieldNote {
  std::string field;    // "article.views", "answers[].answered_at", "article.extra.rank": the path without indices
  std::string problem;  // "\"1.2\" is not a count", with " (default)" when the value was the rule's default
};

struct ExtractedPage {
  std::string url;
  std::string site;
  std::string page_type;  // "" when no page type matched the URL
  std::vector<records::Record> records;  // at most one: the page type's record kind
  std::vector<FieldFailure> failures;  // required fields that are missing: the page failed
  std::vector<std::string> notes;      // optional fields missing or unparsable (stored as null), one each
  std::vector<FieldNote> field_notes;  // the unparsable ones among them (what `extract`/`crawl` summarize)
  // The links to follow: resolved, filtered, deduplicated by key, in order; each parsed once, with its
  // key and page-type priority (PageLink, core/page.h).
  std::vector<PageLink> links;
  // Limits the page hit (nesting depth, links per page, URL length), one sentence each, stored in
  // pages.notes; a page that hit one is extracted as far as the limit allowed, never failed for it.
  std::vector<std::string> limits;
  int64_t links_dropped = 0;           // links not followed because of a limit
  std::vector<LinkFate> link_fates;    // every link's fate, when PageInput::explain_links
  bool ok() const { return failures.empty(); }
};

// {"url","site","page_type","fetched_at","records","failures","links"} (records::ToJson each) — the
// format of the golden fixtures (fixtures/sites/<site>/<page>.expected.json) and of `healthcrawl extract`.
Json ToJson(const ExtractedPage& page, const PageInput& input);

// Conversion notes of many pages, per field: a count and the first note with its page URL, so a
// crawl of any length holds one entry per configured field that failed (bounded by the config).
// Entries in the order their field first failed. Not thread-safe: a crawl's workers share one
// under a mutex.
class NoteTally {
 public:
  struct Entry {
    std::string field;    // FieldNote::field
    int64_t count = 0;    // notes of this field over all pages added
    std::string example;  // the first FieldNote::problem
    std::string url;      // the page the example came from
  };
  void Add(std::string_view url, const std::vector<FieldNote>& notes);
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // {"article.views": {"count": 3, "example": "...", "url": "..."}, ...}: what crawl_runs.extra keeps.
  Json ToJson() const;
  // One line per field: `field article.views: 3 notes, e.g. "1.2" is not a count (https://...)`.
  std::vector<std::string> Lines() const;

 private:
  std::vector<Entry> entries_;
};

struct FillRate;
class SelectorProgram;
std::vector<FillRate> ComputeFillRates(const SelectorProgram& program, const std::vector<ExtractedPage>& pages);

class SelectorProgram {
 public:
  // Compiles a config (docs/selectors.md). Every problem is a ConfigError "file:line:column: message"
  // (1-based; columns count bytes) at the offending node. `file_name` names the config in messages; when
  // it ends in .yaml/.yml its stem must equal the config's `site`. Load fails with IoError when the file
  // cannot be read.
  static Result<SelectorProgram> Load(const std::filesystem::path& yaml_file);
  static Result<SelectorProgram> FromYaml(std::string_view yaml, std::string_view file_name);

  const SiteConfig& config() const;
  // The first page type whose url pattern matches, or nullptr.
  const PageTypeInfo* MatchPageType(std::string_view url) const;
  // True when the link passes allowed_domains and the follow rules.
  bool ShouldFollow(std::string_view absolute_url) const;
  // ShouldFollow and, for a followed link, MatchPageType of its normalized URL, in one pass that runs
  // each distinct pattern at most once (what the crawl does with every link of a page).
  struct LinkClass {
    bool follow = false;
    const PageTypeInfo* page_type = nullptr;  // nullptr when not followed or no page type matches
    LinkDrop drop = LinkDrop::kNone;          // why not followed (kUnresolvable .. kDenied)
    std::string_view deny_rule;               // kDenied: the follow.deny pattern (lives as the program)
  };
  LinkClass ClassifyLink(std::string_view absolute_url) const;
  // Never fails: missing required values become failures, missing optional ones nulls and notes.
  ExtractedPage Extract(const html::Document& doc, const PageInput& input) const;

  struct Rep;
  SelectorProgram(SelectorProgram&&) noexcept;
  SelectorProgram& operator=(SelectorProgram&&) noexcept;
  ~SelectorProgram();

 private:
  friend std::vector<FillRate> ComputeFillRates(const SelectorProgram&, const std::vector<ExtractedPage>&);
  friend class FillTally;
  explicit SelectorProgram(std::unique_ptr<const Rep> rep);
  std::unique_ptr<const Rep> rep_;
};

// Loads <dir>/<key>.yaml (NotFound when absent, InvalidArgument when key is not [a-z0-9_-]+), or every
// *.yaml in `dir`, sorted by file name (the first broken one is the error).
Result<SelectorProgram> LoadSite(const std::filesystem::path& dir, std::string_view key);
Result<std::vector<SelectorProgram>> LoadAllSites(const std::filesystem::path& dir);

// --- value parsing (exposed for tests and the store) ------------------------------------------------
// "9039次浏览" -> 9039, "1.2万" -> 12000, "3亿" -> 300000000, "10w+" -> 100000, "2.5k" -> 2500,
// "1,234" -> 1234. nullopt when the text holds no count, or several (below).
//
// A text may hold dates, times and several numbers ("2026-05-06 09:12:37　3184人阅读"): ReadCount takes the
// number that a count word or unit binds (阅读, 浏览, 人看过, 次, 条, 赞 … after it, 阅读/浏览量/访问 … before it,
// 万/亿/w/k/+ right after it) over the pieces of dates and times, and gives no value but a problem when
// several candidates remain with different values (never a guess). With `count_word` only the numbers
// next to that word count ("3184人阅读" or "阅读 3184" for 阅读). ParseCount is ReadCount(text).value.
struct CountReading {
  std::optional<int64_t> value;
  std::string problem;  // when !value: what follows the quoted text in a note ("is not a count", ...)
};
CountReading ReadCount(std::string_view text, std::string_view count_word = {});
std::optional<int64_t> ParseCount(std::string_view text);
// Seconds since 1970-01-01T00:00:00Z from "1714960357" or "1714960357123": the whole text is the number
// (an optional fraction is dropped); kAuto reads values from 10^11 up as milliseconds. nullopt when the
// text is anything else or beyond the year 9999.
enum class EpochUnit { kAuto, kSeconds, kMilliseconds };
std::optional<int64_t> ParseEpochSeconds(std::string_view text, EpochUnit unit);
// true/yes/y/on/1/是/有/对 and false/no/n/off/0/否/无/没有/不是 (ASCII case-insensitive, trimmed); nullopt for
// anything else.
std::optional<bool> ParseBool(std::string_view text);
std::optional<int64_t> ParseInt(std::string_view text);
// Chinese-portal dates: "发布于 2026-02-28", "2026年2月28日", "2026/02/28 14:30", "02-28", "3天前",
// "5分钟前", "昨天 08:10", "前天", "刚刚". Relative and year-less ones are resolved against `now` in
// `time_zone`. Returns "YYYY-MM-DD" when !with_time, else "YYYY-MM-DDTHH:MM:SS+08:00" (the zone's
// offset). nullopt when no date is found or it is impossible (2026-02-30).
std::optional<std::string> ParseDate(std::string_view text, TimePoint now, std::string_view time_zone,
                                     bool with_time);

// --- golden fixtures and fill rates (the golden test and `healthcrawl selectors check`) -------------
// A fixture is fixtures/sites/<site>/<page>.html with its <page>.expected.json beside it; the expected
// JSON is what ToJson must print, and its "url" and "fetched_at" are the PageInput.
struct FixturePage {
  std::string site;                // the folder name, which is the site key
  std::string name;                // "<site>/<page>"
  std::filesystem::path html;      // the page bytes as fetched (any charset)
  std::filesystem::path expected;  // <page>.expected.json
  // <page>.notes.json, when there: a JSON array of the conversion notes the page is expected to make,
  // each "<field>: <problem>" (FieldNote); without it the page must make none.
  std::filesystem::path expected_notes;
};
// Every fixture of `site` (or of every site when `site` is empty), sorted by name. An .html without an
// .expected.json is not a fixture. A missing folder yields none.
std::vector<FixturePage> FindFixtures(const std::filesystem::path& fixtures_dir, std::string_view site = {});

struct FixtureRun {
  PageInput input;
  ExtractedPage page;
  Json actual;                           // ToJson(page, input)
  Json expected;                         // the parsed .expected.json
  std::vector<std::string> differences;  // readable, one per JSON-patch operation; empty when equal
  // Conversion notes made but not listed in <page>.notes.json ("unexpected note: ...") and listed but
  // not made ("expected note not made: ..."); empty when they agree. A fixture with either fails.
  std::vector<std::string> note_differences;
  bool ok() const { return differences.empty() && note_differences.empty(); }
};
// Reads, decodes, parses and extracts one fixture and compares the JSON (object key order is ignored)
// and the conversion notes with <page>.notes.json (as multisets). Fails (InvalidArgument/IoError) when a
// file is unreadable, the expected JSON is malformed or lacks "url"/"fetched_at", the notes file is not
// an array of strings, or the page cannot be parsed.
Result<FixtureRun> RunFixture(const SelectorProgram& program, const FixturePage& fixture);
// One line per difference: "/records/0/title: expected \"a\", got \"b\"", "/links/3: unexpected ...".
std::vector<std::string> DescribeDifferences(const Json& expected, const Json& actual);

struct FillRate {
  std::string page_type;
  std::string field;  // "article.title", "article.extra.category", "answers[].doctor_name"
  int filled = 0;     // values that are not null, "" or []
  int total = 0;      // records (or list items) that could hold one
};
// For every field that the page types configure (canonical and extra, top level and in lists), how
// often the pages' records carry a value. Ordered by page type (config order), then field order.
std::vector<FillRate> ComputeFillRates(const SelectorProgram& program, const std::vector<ExtractedPage>& pages);

}  // namespace hc::extract
