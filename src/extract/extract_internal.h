// extract internals: the record vocabulary, the compiled form of a selector config (SelectorProgram::Rep)
// and the pieces shared by config.cc (building it), program.cc (running it) and values.cc.
//
// Thread-safety: everything here is immutable once built, except the ExtractionSink a single Extract
// call writes to.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "extract/extract.h"

namespace date {
class time_zone;
}

namespace hc::extract {

// --- the record vocabulary (docs/selectors.md, "Records") -------------------------------------------
// The JSON shape a canonical field always has, whatever the site; the store's columns follow it.
enum class FieldShape { kText, kInt, kDate, kUrl, kTextList };

struct FieldSpec {
  std::string_view name;
  FieldShape shape;
};
struct ListSpec {
  std::string_view name;  // "answers"
  std::string_view kind;  // the record kind of its items
};
struct RecordKind {
  std::string_view name;
  std::span<const FieldSpec> fields;  // in output order
  std::span<const ListSpec> lists;
};

std::span<const RecordKind> RecordKinds();
const RecordKind* FindRecordKind(std::string_view name);
std::string_view FieldShapeName(FieldShape shape);

// --- regexes ----------------------------------------------------------------------------------------
// A URL pattern (page type `url`, follow allow/deny) compiled once, with a literal pre-check: most
// URLs a crawler tests do not contain the pattern's required literal text ("www.mfk.com/article/"),
// and a substring search rejects them far faster than std::regex. A pattern that is all literal text
// never runs std::regex at all.
struct LiteralPlan {
  bool usable = false;          // false when the pattern has a top-level '|' (no literal is required)
  bool pure = false;            // the whole pattern is literal text (plus ^/$ anchors)
  bool anchored_start = false;  // starts with ^
  bool anchored_end = false;    // ends with $ (only meaningful when pure)
  std::string prefix;           // literal text the input must start with (anchored patterns)
  std::vector<std::string> required;  // literal runs the input must contain
};
// Reads an ECMAScript pattern's top level conservatively: a run is recorded only when every match
// must contain it. Exposed for tests.
LiteralPlan AnalyzeLiterals(std::string_view pattern);

// A backtracking matcher for the regex subset URL patterns are written in, which spares std::regex
// (over a thousand instructions a call) on every link of every page. Compile accepts only patterns whose
// meaning is plain bytes: literal bytes and escaped punctuation, \d and \D, bracket classes of
// literal bytes and ASCII ranges (optionally negated), groups ( ) and (?: ) without alternation, the
// quantifiers ? * + {n} {n,} {n,m} (lazy or not: a yes/no search does not care), '^' first and '$'
// last. Anything else ('|', '.', \w, \s, \b, lookarounds, back-references, escapes inside classes)
// is left to std::regex.
class SimplePattern {
 public:
  static std::optional<SimplePattern> Compile(std::string_view pattern);
  // What std::regex_search (ECMAScript) would answer; nullopt when the backtracking budget runs
  // out (a pathological pattern), and then the caller asks std::regex.
  std::optional<bool> Search(std::string_view text) const;

  struct Node;
  using Sequence = std::vector<Node>;

 private:
  std::shared_ptr<const Sequence> root_;
  bool anchored_start_ = false;
  bool anchored_end_ = false;
};

class UrlPattern {
 public:
  // Throws std::regex_error on a bad pattern (config.cc turns it into a ConfigError).
  explicit UrlPattern(std::string source);
  const std::string& source() const { return source_; }
  bool Search(std::string_view text) const;

 private:
  std::string source_;
  LiteralPlan plan_;
  std::optional<SimplePattern> simple_;
  std::regex re_;
};

// A field regex. It runs over UTF-32 (std::wregex; wchar_t is 32 bits on Linux) so that '.', classes
// such as [年月] and quantifiers see a Chinese character as one character, not three bytes.
struct TextRegex {
  std::string source;
  std::wregex re;
  int group = 0;  // the capture that is the value
  LiteralPlan plan;  // pre-check for page-source searches
};

std::wstring Utf8ToWide(std::string_view utf8);
std::string WideToUtf8(std::wstring_view wide);

// --- the compiled config ----------------------------------------------------------------------------
enum class ValueType { kText, kInt, kCount, kDate, kDateTime, kUrl, kHtml };
std::string_view ValueTypeName(ValueType type);

struct FieldRule {
  std::string name;
  std::optional<html::Selector> css;
  std::optional<TextRegex> regex;
  bool all = false;
  std::optional<std::string> join;
  bool required = false;
  ValueType type = ValueType::kText;
  // The default as written (converted by `type` at extraction, like an extracted value); for `all`
  // fields a list.
  std::optional<std::vector<std::string>> default_values;
};

struct ListRule;

struct RecordRule {
  const RecordKind* kind = nullptr;
  // One slot per field of kind->fields, in the same order; empty when the config does not set it.
  std::vector<std::optional<FieldRule>> fields;
  std::vector<FieldRule> extra;  // config order
  std::vector<ListRule> lists;   // the configured lists (a kind's other lists are output as [])
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
  html::Selector link_selector;  // a[href], area[href]
  html::Selector base_selector;  // base[href]
};

// config.cc: parses and checks a YAML config; every problem is a ConfigError "file:line:col: what".
Result<std::unique_ptr<SelectorProgram::Rep>> CompileConfig(std::string_view yaml, std::string_view file_name);

// values.cc
const date::time_zone* LocateZone(std::string_view name);  // nullptr when unknown
std::optional<std::string> ParseDateInZone(std::string_view text, TimePoint now, const date::time_zone* zone,
                                           bool with_time);
// "7d", "12h", "1d12h", "90s" -> seconds; nullopt when malformed or zero-length.
std::optional<std::chrono::seconds> ParseDuration(std::string_view text);

}  // namespace hc::extract
