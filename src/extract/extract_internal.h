// extract internals: the record vocabulary, the compiled form of a selector config (SelectorProgram::Rep)
// and the pieces shared by config.cc (building it), program.cc (running it) and values.cc.
//
// Thread-safety: everything here is immutable once built, except the ExtractionSink a single Extract
// call writes to.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <re2/re2.h>

#include "core/records.h"
#include "extract/extract.h"

namespace date {
class time_zone;
}

namespace hc::extract {

// --- the record vocabulary (core/records.h; docs/selectors.md, "Records") ----------------------------
using records::FieldShape;
using records::FieldShapeName;
using records::FieldSpec;
using records::FindRecordKind;
using records::ListSpec;
using records::RecordKind;
using records::RecordKinds;

// --- regexes (patterns.cc) --------------------------------------------------------------------------
// Every pattern a config holds is RE2 syntax (https://github.com/google/re2/wiki/Syntax), compiled
// once at load with PatternOptions(): UTF-8 (a Chinese character is one character to '.', classes
// and quantifiers), a bounded max_mem, errors returned rather than logged.
RE2::Options PatternOptions();

// Shown with a load error for syntax RE2 lacks.
inline constexpr std::string_view kSyntaxHint =
    "RE2 syntax: no backreferences or lookaround; see docs/selectors.md";

// The compiled pattern, or a ConfigError "bad regex '<source>': <RE2's reason>" (with kSyntaxHint
// when the reason is syntax RE2 does not have) that the caller prefixes with the pattern's place.
Result<std::shared_ptr<const RE2>> CompilePattern(const std::string& source);

// A literal pre-check for a pattern: the text every match must contain.
struct LiteralPlan {
  bool usable = false;          // false when the pattern has a top-level '|' (no literal is required)
  bool pure = false;            // the whole pattern is literal text (plus ^/$ anchors)
  bool anchored_start = false;  // starts with ^
  bool anchored_end = false;    // ends with $ (only meaningful when pure)
  std::string prefix;           // literal text the input must start with (anchored patterns)
  std::vector<std::string> required;  // literal runs the input must contain
};
// Reads a pattern's top level conservatively: a run is recorded only when every match must contain
// it; flag groups such as (?i) and \Q...\E make the plan unusable. Exposed for tests.
LiteralPlan AnalyzeLiterals(std::string_view pattern);

// A URL pattern (page type `url`, follow allow/deny): the literal pre-check, then RE2.
class UrlPattern {
 public:
  // A ConfigError from CompilePattern on a bad pattern.
  static Result<UrlPattern> Compile(std::string source);
  const std::string& source() const { return source_; }
  // Whether the pattern matches anywhere in `text` (RE2::PartialMatch).
  bool Search(std::string_view text) const;

 private:
  UrlPattern() = default;
  std::string source_;
  LiteralPlan plan_;
  std::shared_ptr<const RE2> re_;  // immutable; RE2's const methods may be called from any thread
};

// A field regex: its value is capture `group` (0: the whole match) of the first match, or of every
// match with `all`.
struct TextRegex {
  std::string source;
  std::shared_ptr<const RE2> re;
  int group = 0;  // the capture that is the value
  LiteralPlan plan;  // pre-check for page-source searches

  // The value of each match in `input`, left to right: the first match only unless `all`; matches do
  // not overlap, and after an empty match the search resumes one character later. A capture that
  // did not take part in the match gives "".
  std::vector<std::string_view> Values(std::string_view input, bool all) const;
};

// --- JSON embedded in pages (embedded_json.cc; docs/selectors.md, "JSON in scripts") ----------------
// Where a field's JSON comes from: the elements `script` selects under the scope, and how the JSON is
// cut from each one's text. Fields that name the same script and cut share one JsonSource, and the
// per-page cache is keyed by (element, JsonSource), so each script is parsed once per page.
struct JsonSource {
  html::Selector script;
  std::string assign;                // "window.__INITIAL_STATE__": the value after `NAME =`; "" for none
  std::optional<TextRegex> start;    // or: the JSON value starts where capture 1 of this regex starts
};

struct JsonRule {
  std::shared_ptr<const JsonSource> source;
  std::vector<std::string> pointer;  // RFC 6901 reference tokens, unescaped; empty: the whole value
  std::string pointer_text;          // as written, for notes
  std::optional<int> index;          // read only the index-th script the selector matches (0-based)
  std::string ld_type;               // JSON-LD: the pointer starts at the first node of this @type
};

// RFC 6901: "" or "/token/token..." with ~1 for '/' and ~0 for '~'. InvalidArgument on anything else.
Result<std::vector<std::string>> ParseJsonPointer(std::string_view text);

// Scripts over this many levels of nesting are not read (a note): the tree stays small enough to walk
// and free without deep recursion whatever the page holds.
inline constexpr int kMaxJsonDepth = 512;
inline constexpr int kDefaultMaxJsonBytes = 5 << 20;  // limits.max_json_bytes

// --- the compiled config ----------------------------------------------------------------------------
// The last five read text into a canonical value of docs/vocabulary.md (core/vocabulary.h).
enum class ValueType {
  kText,
  kInt,
  kCount,
  kDate,
  kDateTime,
  kUrl,
  kHtml,
  kEpoch,
  kEpochDate,
  kBool,
  kHospitalGrade,
  kClinicalTitle,
  kAcademicTitle,
  kSex,
  kAge
};
constexpr bool IsVocabularyType(ValueType type) { return type >= ValueType::kHospitalGrade; }
std::string_view ValueTypeName(ValueType type);

struct FieldRule {
  std::string name;
  std::optional<html::Selector> css;
  std::optional<TextRegex> regex;
  std::optional<JsonRule> json;  // the raw value is read from JSON in a script (then `regex`, `type`)
  bool all = false;
  std::optional<std::string> join;
  bool required = false;
  ValueType type = ValueType::kText;
  // The default as written (converted by `type` at extraction, like an extracted value); for `all`
  // fields a list.
  std::optional<std::vector<std::string>> default_values;
  std::string count_word;                    // count: only numbers next to this word (ReadCount)
  EpochUnit epoch_unit = EpochUnit::kAuto;   // epoch, epoch_date
  bool join_labels = false;                  // text: a label-only block ("病情分析：") joins the next block
  // bool: true when `css` matches an element (no regex, css selects elements) or when the regex is found;
  // otherwise the text is read as a word (ParseBool).
  bool bool_by_match = false;
  // scope: page — a list item's field selects (css, a regex without css, json's script) in the whole page
  // instead of inside its item: a value the page prints once for every item (a thread's doctor card).
  bool page_scope = false;
};

struct ListRule;

// A site-declared child list (`children:`, docs/selectors.md "Child lists"): each element `css` selects
// is one records::ChildRecord, its fields the free-named `fields` (the same rules as `extra`).
struct ChildListRule {
  std::string name;
  html::Selector css;
  bool required = false;          // at least one item
  std::vector<FieldRule> fields;  // config order
};

struct RecordRule {
  const RecordKind* kind = nullptr;
  // One slot per field of kind->fields, in the same order; empty when the config does not set it.
  std::vector<std::optional<FieldRule>> fields;
  std::vector<FieldRule> extra;  // config order
  std::vector<ListRule> lists;   // the configured lists (a kind's other lists are output as [])
  std::vector<ChildListRule> children;  // config order; none: the record has no "children"
};

struct ListRule {
  const ListSpec* spec = nullptr;
  html::Selector css;  // each match is one item, and the scope of the item's fields
  bool required = false;  // at least one item
  RecordRule record;
};

struct PageTypeRule {
  PageTypeInfo info;
  UrlPattern url;
  std::optional<RecordRule> record;  // empty for a links-only page type
};

}  // namespace hc::extract

namespace hc::extract {

struct SelectorProgram::Rep {
  SiteConfig config;
  const date::time_zone* zone = nullptr;
  std::vector<PageTypeRule> page_types;
  std::vector<UrlPattern> follow_allow;
  std::vector<UrlPattern> follow_deny;
  // For each page type, the follow.allow rule with the same pattern (-1 when none): configs commonly
  // allow exactly the URLs of their page types, and a link's page type is then known from the scan
  // that decided to follow it, so each distinct pattern runs at most once per link.
  std::vector<int> page_type_allow;
  html::Selector link_selector;  // a[href], area[href]
  html::Selector base_selector;  // base[href]
  // limits.max_json_bytes: bytes of one script's text that a `json` rule parses; a bigger script is not
  // parsed (a note). A parsed JSON tree costs several times its text, so this keeps it near the page's cost.
  int max_json_bytes = kDefaultMaxJsonBytes;
};

// config.cc: parses and checks a YAML config; every problem is a ConfigError "file:line:col: what".
Result<std::unique_ptr<SelectorProgram::Rep>> CompileConfig(std::string_view yaml, std::string_view file_name);

// values.cc
// A vocabulary type's reading of one text (docs/vocabulary.md).
struct VocabularyReading {
  Json canonical;  // a string (an integer of years for age), or null when the text is outside the vocabulary
  Json companion;  // what the type also fills: clinical_title the academic title split from it, age the
                   // age in months (null when none)
  std::string problem;  // why canonical is null: "is not a hospital grade (docs/vocabulary.md)"
};
VocabularyReading ReadVocabulary(ValueType type, std::string_view text);
const date::time_zone* LocateZone(std::string_view name);  // nullptr when unknown
std::optional<std::string> ParseDateInZone(std::string_view text, TimePoint now, const date::time_zone* zone,
                                           bool with_time);
// An epoch second as a date or datetime in `zone` (the `date`/`datetime` formats); nullopt out of range.
std::optional<std::string> FormatEpochInZone(int64_t seconds, const date::time_zone* zone, bool with_time);
// "7d", "12h", "1d12h", "90s" -> seconds; nullopt when malformed or zero-length.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace hc::extract
