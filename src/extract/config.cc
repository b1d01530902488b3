// Compiles selectors/<site>.yaml into a SelectorProgram::Rep: every regex and CSS selector compiled once,
// every key checked. A config author sees each mistake as "file:line:column: what is wrong", pointing
// at the offending node (yaml-cpp marks are 0-based; we print 1-based, as editors and compilers do).
// yaml-cpp reports with exceptions; they are caught here and never leave the module. Regexes are RE2
// (patterns.cc), which returns its errors.
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/request_fields.h"
#include "core/text.h"
#include "core/url.h"
#include "extract/extract_internal.h"
#include "extract/fill_internal.h"

namespace hc::extract {
namespace {

using Keys = std::initializer_list<std::string_view>;

const Keys kTopKeys = {"site",       "name",    "allowed_domains",         "start_urls", "sitemaps",
                           "time_zone",  "user_agent", "cookies", "allow_private_addresses", "limits",
                           "politeness", "url_normalization", "follow", "page_types", "request",
                           "alerts"};
const Keys kPageTypeKeys = {"name",   "url",   "priority", "record",  "revisit",
                            "fields", "extra", "lists",    "children"};
const Keys kFieldKeys = {"css",     "regex",    "group",      "all",        "join",        "required",
                         "default", "type",     "count_word", "epoch_unit", "join_labels", "json",
                         "scope"};
const Keys kJsonKeys = {"script", "pointer", "assign", "regex", "index", "ld_type"};
const Keys kListKeys = {"css", "record", "required", "fields", "extra", "lists", "children"};
const Keys kChildListKeys = {"css", "required", "fields"};
const Keys kLimitsKeys = {"max_depth",          "max_pages",      "max_dataset_pages",
                          "max_links_per_page", "max_url_length", "max_json_bytes"};
const Keys kPolitenessKeys = {"delay", "concurrency"};
const Keys kRequestKeys = {"user_agent", "headers", "cookie_jar", "proxy"};
const Keys kNormalizationKeys = {"strip_params", "sort_query"};
const Keys kFollowKeys = {"allow", "deny"};
const Keys kRevisitKeys = {"interval", "min", "max"};
const Keys kAlertsKeys = {"threshold", "min_pages", "baseline_runs", "fill", "webhook"};
const Keys kWebhookKeys = {"url", "allow_private_addresses"};
// In ValueType's order.
const Keys kTypeNames = {"text",           "int",   "count",      "date", "datetime",       "url",
                         "html",           "epoch", "epoch_date", "bool", "hospital_grade", "clinical_title",
                         "academic_title", "sex",   "age"};

// Optimal-string-alignment distance: "titel" is one transposition from "title".
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

template <typename Names>
std::string DidYouMean(std::string_view word, const Names& candidates) {
  std::string_view best;
  size_t best_distance = 3;  // suggest only close names: at most two edits, and fewer than the word has
  for (std::string_view c : candidates) {
    size_t dist = EditDistance(word, c);
    if (dist < best_distance && dist < std::max<size_t>(word.size(), 2)) {
      best = c;
      best_distance = dist;
    }
  }
  return best.empty() ? std::string() : " (did you mean '" + std::string(best) + "'?)";
}

template <typename Names>
std::string JoinNames(const Names& names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

std::string Describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    default: return "an undefined node";
  }
}

bool IsSiteKey(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Entries {
 public:
  explicit Entries(std::vector<Entry> entries) : entries_(std::move(entries)) {}
  const Entry* Find(std::string_view key) const {
    for (const Entry& e : entries_) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  const std::vector<Entry>& all() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

class ConfigCompiler {
 public:
  ConfigCompiler(std::string_view source, std::string_view file) : source_(source), file_(file) {}

  Result<std::unique_ptr<SelectorProgram::Rep>> Compile();

 private:
  Status Error(const YAML::Mark& mark, const std::string& msg) const {
    int line = mark.line >= 0 ? mark.line + 1 : 1;
    int column = mark.column >= 0 ? mark.column + 1 : 1;
    return Status::ConfigError(file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + msg);
  }
  Status Error(const YAML::Node& node, const std::string& msg) const { return Error(node.Mark(), msg); }

  Status ReadEntries(const YAML::Node& map, const std::string& what, Keys allowed, Entries* out) const;
  Status ReadString(const YAML::Node& n, const std::string& what, std::string* out) const;
  Status ReadBool(const YAML::Node& n, const std::string& what, bool* out) const;
  Status ReadInt(const YAML::Node& n, const std::string& what, int min, int* out) const;
  Status ReadDouble(const YAML::Node& n, const std::string& what, double min, double* out) const;
  Status ReadStringList(const YAML::Node& n, const std::string& what, std::vector<std::string>* out,
                        std::vector<YAML::Node>* nodes = nullptr) const;
  Status ReadDuration(const YAML::Node& n, const std::string& what, std::chrono::seconds* out) const;
  Status CompileUrlPattern(const YAML::Node& n, const std::string& source, std::vector<UrlPattern>* out) const;
  Result<html::Selector> CompileCss(const YAML::Node& n, const std::string& css) const;

  Status CompileRequest(const YAML::Node& node, const Entries& top, SiteConfig* config) const;
  Status CompileSite(const Entries& top, SiteConfig* config, const date::time_zone** zone,
                     std::vector<UrlPattern>* allow, std::vector<UrlPattern>* deny) const;
  Status CompilePageType(const YAML::Node& node, std::vector<PageTypeRule>* out,
                         std::map<std::string, int>* seen_names) const;
  Status CompileRecord(const Entries& owner, const RecordKind& kind, const std::string& where,
                       RecordRule* out) const;
  Result<ListRule> CompileList(const Entry& entry, const ListSpec& spec, const std::string& where) const;
  Result<ChildListRule> CompileChildList(const Entry& entry, const std::string& where) const;
  Result<html::Selector> CompileItemCss(const Entries& e, const Entry& entry, const std::string& what) const;
  Status CompileField(const Entry& entry, const FieldSpec* spec, const std::string& where, FieldRule* out) const;
  Status CompileTypeOptions(const Entries& e, const std::string& what, FieldRule* out) const;
  Result<JsonRule> CompileJson(const Entry& entry, const std::string& what) const;
  Status CheckDefault(const YAML::Node& node, const FieldRule& rule) const;
  Status CompileAlerts(const YAML::Node& node, const std::vector<PageTypeRule>& page_types, FillAlerts* out) const;
  Status CompileFloor(const Entry& entry, const std::vector<PageTypeRule>& page_types, FillFloor* out) const;

  std::string_view source_;
  std::string file_;
  const date::time_zone* zone_ = nullptr;  // for checking date defaults
  // One JsonSource per distinct (script, assign, regex), shared by the fields that name it: the per-page
  // cache of parsed scripts is keyed by it.
  mutable std::map<std::string, std::shared_ptr<const JsonSource>> json_sources_;
};

Status ConfigCompiler::ReadEntries(const YAML::Node& map, const std::string& what, Keys allowed,
                                   Entries* out) const {
  if (!map.IsMap()) return Error(map, what + " must be a mapping, found " + Describe(map));
  std::vector<Entry> entries;
  for (const auto& pair : map) {
    // Copies: a yaml-cpp iterator's -> returns a proxy, so a reference into it would dangle.
    const YAML::Node k = pair.first;
    const YAML::Node value = pair.second;
    if (!k.IsScalar()) return Error(k, "keys of " + what + " must be names, found " + Describe(k));
    std::string key = k.Scalar();
    for (const Entry& e : entries) {
      if (e.key == key) {
        return Error(k, "duplicate key '" + key + "' in " + what + " (first at line " +
                            std::to_string(e.key_node.Mark().line + 1) + ")");
      }
    }
    if (allowed.size() > 0 && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Error(k, "unknown key '" + key + "' in " + what + DidYouMean(key, allowed) +
                          "; known keys: " + JoinNames(allowed));
    }
    entries.push_back({key, k, value});
  }
  *out = Entries(std::move(entries));
  return Status::Ok();
}

Status ConfigCompiler::ReadString(const YAML::Node& n, const std::string& what, std::string* out) const {
  if (!n.IsScalar()) return Error(n, what + " must be a string, found " + Describe(n));
  *out = n.Scalar();
  return Status::Ok();
}

Status ConfigCompiler::ReadBool(const YAML::Node& n, const std::string& what, bool* out) const {
  if (n.IsScalar()) {
    const std::string v = AsciiLowered(n.Scalar());
    if (v == "true" || v == "yes" || v == "on") {
      *out = true;
      return Status::Ok();
    }
    if (v == "false" || v == "no" || v == "off") {
      *out = false;
      return Status::Ok();
    }
  }
  return Error(n, what + " must be true or false, found " + Describe(n));
}

Status ConfigCompiler::ReadInt(const YAML::Node& n, const std::string& what, int min, int* out) const {
  if (n.IsScalar()) {
    const std::string& v = n.Scalar();
    int value = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (ec == std::errc() && end == v.data() + v.size() && !v.empty()) {
      if (value < min) return Error(n, what + " must be at least " + std::to_string(min) + ", found " + v);
      *out = value;
      return Status::Ok();
    }
  }
  return Error(n, what + " must be an integer, found " + Describe(n));
}

Status ConfigCompiler::ReadDouble(const YAML::Node& n, const std::string& what, double min, double* out) const {
  if (n.IsScalar()) {
    const std::string& v = n.Scalar();
    char* end = nullptr;
    double value = std::strtod(v.c_str(), &end);
    if (!v.empty() && end == v.c_str() + v.size() && std::isfinite(value)) {
      if (value < min) return Error(n, what + " must be at least " + std::to_string(min) + ", found " + v);
      *out = value;
      return Status::Ok();
    }
  }
  return Error(n, what + " must be a number, found " + Describe(n));
}

Status ConfigCompiler::ReadStringList(const YAML::Node& n, const std::string& what, std::vector<std::string>* out,
                                      std::vector<YAML::Node>* nodes) const {
  out->clear();
  if (n.IsNull()) return Status::Ok();  // "sitemaps:" with nothing after it is an empty list
  if (!n.IsSequence()) return Error(n, what + " must be a list of strings, found " + Describe(n));
  for (const YAML::Node& item : n) {
    if (!item.IsScalar()) return Error(item, "items of " + what + " must be strings, found " + Describe(item));
    out->push_back(item.Scalar());
    if (nodes) nodes->push_back(item);
  }
  return Status::Ok();
}

Status ConfigCompiler::ReadDuration(const YAML::Node& n, const std::string& what, std::chrono::seconds* out) const {
  std::string text;
  if (Status s = ReadString(n, what, &text); !s.ok()) return s;
  auto d = ParseDuration(text);
  if (!d) {
    return Error(n, "bad duration '" + text + "' for " + what +
                        ": expected a number and a unit (s, m, h, d, w), e.g. 30s, 15m, 12h, 7d, 2w, 1d12h");
  }
  *out = *d;
  return Status::Ok();
}

Status ConfigCompiler::CompileUrlPattern(const YAML::Node& n, const std::string& source,
                                         std::vector<UrlPattern>* out) const {
  auto pattern = UrlPattern::Compile(source);
  if (!pattern.ok()) return Error(n, pattern.status().message());
  out->push_back(std::move(*pattern));
  return Status::Ok();
}

Result<html::Selector> ConfigCompiler::CompileCss(const YAML::Node& n, const std::string& css) const {
  auto compiled = html::Selector::Compile(css);
  if (compiled.ok()) return compiled;
  // The selector reports "column N: ..." within the selector; point at that character in the file
  // when the value sits in the file verbatim (a plain or a quoted scalar without escapes, one line).
  std::string msg = compiled.status().message();
  YAML::Mark mark = n.Mark();
  int column_in_css = 0;
  if (msg.starts_with("column ")) {
    size_t colon = msg.find(':');
    std::string digits = msg.substr(7, colon == std::string::npos ? std::string::npos : colon - 7);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), column_in_css);
    if (ec != std::errc() || end != digits.data() + digits.size() || colon == std::string::npos) {
      column_in_css = 0;
    } else {
      msg = msg.substr(colon + 1);
      if (!msg.empty() && msg[0] == ' ') msg.erase(0, 1);
    }
  }
  if (column_in_css > 0 && mark.pos >= 0 && css.find('\n') == std::string::npos) {
    auto pos = static_cast<size_t>(mark.pos);
    int shift = -1;
    if (source_.substr(pos, css.size()) == css) {
      shift = 0;
    } else if (pos < source_.size() && (source_[pos] == '\'' || source_[pos] == '"') &&
               source_.substr(pos + 1, css.size()) == css) {
      shift = 1;
    }
    if (shift >= 0) {
      // The selector counts characters; yaml-cpp marks (and so our columns) count bytes.
      size_t byte = 0;
      for (int chars = 1; chars < column_in_css && byte < css.size(); ++chars) {
        ++byte;
        while (byte < css.size() && (static_cast<unsigned char>(css[byte]) & 0xC0) == 0x80) ++byte;
      }
      mark.column += shift + static_cast<int>(byte);
      return Error(mark, "bad CSS selector '" + css + "': " + msg);
    }
  }
  if (column_in_css > 0) msg = "column " + std::to_string(column_in_css) + ": " + msg;
  return Error(mark, "bad CSS selector '" + css + "': " + msg);
}

Status ConfigCompiler::CompileSite(const Entries& top, SiteConfig* config, const date::time_zone** zone,
                                   std::vector<UrlPattern>* allow, std::vector<UrlPattern>* deny) const {
  for (const Entry& e : top.all()) {
    const YAML::Node& v = e.value;
    Status s;
    if (e.key == "site") {
      s = ReadString(v, "site", &config->key);
      if (s.ok() && !IsSiteKey(config->key)) {
        s = Error(v, "site must be a key of a-z, 0-9, '_' and '-', found '" + config->key + "'");
      }
      if (s.ok()) {
        std::filesystem::path path(file_);
        std::string ext = path.extension().string();
        if ((ext == ".yaml" || ext == ".yml") && path.stem().string() != config->key) {
          s = Error(v, "site '" + config->key + "' does not match the file name '" + path.filename().string() +
                           "' (expected site: " + path.stem().string() + ")");
        }
      }
    } else if (e.key == "name") {
      s = ReadString(v, "name", &config->name);
    } else if (e.key == "allowed_domains") {
      std::vector<YAML::Node> nodes;
      s = ReadStringList(v, "allowed_domains", &config->allowed_domains, &nodes);
      for (size_t i = 0; s.ok() && i < nodes.size(); ++i) {
        std::string& d = config->allowed_domains[i];
        AsciiLowerInPlace(d);
        if (d.empty() || d.find_first_of("/:?#@ ") != std::string::npos || d.front() == '.') {
          s = Error(nodes[i], "allowed_domains holds host names such as 'mfk.com', found '" + d + "'");
        }
      }
    } else if (e.key == "start_urls" || e.key == "sitemaps") {
      std::vector<YAML::Node> nodes;
      auto* list = e.key == "start_urls" ? &config->start_urls : &config->sitemaps;
      s = ReadStringList(v, e.key, list, &nodes);
      for (size_t i = 0; s.ok() && i < nodes.size(); ++i) {
        auto url = Url::Parse((*list)[i]);
        if (!url.ok() || !url->is_http()) {
          s = Error(nodes[i], e.key + " must hold absolute http(s) URLs, found '" + (*list)[i] + "'" +
                                  (url.ok() ? "" : ": " + url.status().message()));
        }
      }
    } else if (e.key == "time_zone") {
      s = ReadString(v, "time_zone", &config->time_zone);
      if (s.ok()) {
        *zone = LocateZone(config->time_zone);
        if (*zone == nullptr) {
          s = Error(v, "unknown time zone '" + config->time_zone + "' (an IANA name such as Asia/Shanghai)");
        }
      }
    } else if (e.key == "user_agent") {
      s = ReadString(v, "user_agent", &config->user_agent);
    } else if (e.key == "request") {
      s = CompileRequest(v, top, config);
    } else if (e.key == "cookies") {
      s = ReadBool(v, "cookies", &config->cookies);
    } else if (e.key == "allow_private_addresses") {
      s = ReadBool(v, "allow_private_addresses", &config->allow_private_addresses);
    } else if (e.key == "limits") {
      Entries limits({});
      s = ReadEntries(v, "limits", kLimitsKeys, &limits);
      if (const Entry* x = limits.Find("max_depth"); s.ok() && x) s = ReadInt(x->value, "max_depth", 0, &config->max_depth);
      if (const Entry* x = limits.Find("max_pages"); s.ok() && x) s = ReadInt(x->value, "max_pages", 0, &config->max_pages);
      if (const Entry* x = limits.Find("max_dataset_pages"); s.ok() && x) {
        s = ReadInt(x->value, "max_dataset_pages", 0, &config->max_dataset_pages);
      }
      if (const Entry* x = limits.Find("max_links_per_page"); s.ok() && x) {
        s = ReadInt(x->value, "max_links_per_page", 0, &config->max_links_per_page);
      }
      // Below 64 bytes not even a start URL fits; the limit is there against hostile pages, not to filter.
      if (const Entry* x = limits.Find("max_url_length"); s.ok() && x) {
        s = ReadInt(x->value, "max_url_length", 64, &config->max_url_length);
      }
    } else if (e.key == "politeness") {
      Entries p({});
      s = ReadEntries(v, "politeness", kPolitenessKeys, &p);
      if (const Entry* x = p.Find("delay"); s.ok() && x) {
        s = ReadDouble(x->value, "delay", 0.0, &config->politeness.delay_seconds);
      }
      if (const Entry* x = p.Find("concurrency"); s.ok() && x) {
        s = ReadInt(x->value, "concurrency", 1, &config->politeness.concurrency);
      }
    } else if (e.key == "url_normalization") {
      Entries n({});
      s = ReadEntries(v, "url_normalization", kNormalizationKeys, &n);
      if (const Entry* x = n.Find("strip_params"); s.ok() && x) {
        s = ReadStringList(x->value, "strip_params", &config->url_normalization.strip_params);
      }
      if (const Entry* x = n.Find("sort_query"); s.ok() && x) {
        s = ReadBool(x->value, "sort_query", &config->url_normalization.sort_query);
      }
    } else if (e.key == "follow") {
      Entries f({});
      s = ReadEntries(v, "follow", kFollowKeys, &f);
      for (std::string_view which : {"allow", "deny"}) {
        const Entry* x = f.Find(which);
        if (!s.ok() || !x) continue;
        std::vector<YAML::Node> nodes;
        auto* sources = which == "allow" ? &config->follow_allow : &config->follow_deny;
        s = ReadStringList(x->value, "follow." + std::string(which), sources, &nodes);
        for (size_t i = 0; s.ok() && i < nodes.size(); ++i) {
          s = CompileUrlPattern(nodes[i], (*sources)[i], which == "allow" ? allow : deny);
        }
      }
    }
    if (!s.ok()) return s;
  }
  // Checked after the loop: `limits` may come after the lists in the file.
  for (std::string_view key : {"start_urls", "sitemaps"}) {
    const Entry* e = top.Find(key);
    if (!e || !e->value.IsSequence()) continue;
    for (const YAML::Node& n : e->value) {
      if (n.IsScalar() && n.Scalar().size() > static_cast<std::size_t>(config->max_url_length)) {
        return Error(n, std::string(key) + " holds a URL of " + std::to_string(n.Scalar().size()) +
                            " bytes, longer than limits.max_url_length (" + std::to_string(config->max_url_length) +
                            ")");
      }
    }
  }
  return Status::Ok();
}

// The `request:` block (docs/selectors.md): what every request to the site carries. Everything is
// checked here, so a header that would break the request line never reaches libcurl.
Status ConfigCompiler::CompileRequest(const YAML::Node& node, const Entries& top, SiteConfig* config) const {
  Entries r({});
  if (Status s = ReadEntries(node, "request", kRequestKeys, &r); !s.ok()) return s;
  if (const Entry* x = r.Find("user_agent")) {
    if (const Entry* old = top.Find("user_agent")) {
      return Error(x->key_node, "user_agent is set twice, here and at line " +
                                    std::to_string(old->key_node.Mark().line + 1) + "; keep one");
    }
    if (Status s = ReadString(x->value, "request.user_agent", &config->user_agent); !s.ok()) return s;
    if (Status s = CheckHeaderValue("User-Agent", config->user_agent); !s.ok() || config->user_agent.empty()) {
      return Error(x->value, "request.user_agent must be one line of text, such as 'mybot/1.0 (+mailto:me@example.org)'");
    }
  }
  if (const Entry* x = r.Find("headers")) {
    Entries headers({});
    if (Status s = ReadEntries(x->value, "request.headers", {}, &headers); !s.ok()) return s;
    for (const Entry& h : headers.all()) {
      if (!IsHeaderName(h.key)) {
        return Error(h.key_node, "header name '" + h.key + "' is not a token (letters, digits and !#$%&'*+-.^_`|~)");
      }
      std::string value;
      if (Status s = ReadString(h.value, "header " + h.key, &value); !s.ok()) return s;
      if (Status s = CheckHeaderValue(h.key, value); !s.ok()) return Error(h.value, s.message());
      config->headers.emplace_back(h.key, value);
    }
  }
  if (const Entry* x = r.Find("cookie_jar")) {
    if (Status s = ReadString(x->value, "request.cookie_jar", &config->cookie_jar); !s.ok()) return s;
    if (config->cookie_jar.empty()) return Error(x->value, "request.cookie_jar names a file; leave it out for none");
  }
  if (const Entry* x = r.Find("proxy")) {
    std::string proxy;
    if (Status s = ReadString(x->value, "request.proxy", &proxy); !s.ok()) return s;
    if (Status s = CheckProxy(proxy); !s.ok()) return Error(x->value, s.message());
    config->proxy = proxy;
  }
  return Status::Ok();
}

Status ConfigCompiler::CompilePageType(const YAML::Node& node, std::vector<PageTypeRule>* out,
                                       std::map<std::string, int>* seen_names) const {
  Entries e({});
  if (Status s = ReadEntries(node, "a page type", kPageTypeKeys, &e); !s.ok()) return s;
  PageTypeInfo info;
  const Entry* name = e.Find("name");
  if (!name) return Error(node, "page type without a name (every page type needs name and url)");
  if (Status s = ReadString(name->value, "name", &info.name); !s.ok()) return s;
  if (info.name.empty()) return Error(name->value, "page type name is empty");
  if (auto it = seen_names->find(info.name); it != seen_names->end()) {
    return Error(name->value, "duplicate page type '" + info.name + "' (first defined at line " +
                                  std::to_string(it->second) + ")");
  }
  seen_names->emplace(info.name, name->value.Mark().line + 1);
  const std::string where = "page type '" + info.name + "'";

  const Entry* url = e.Find("url");
  if (!url) return Error(node, where + " has no url pattern");
  if (Status s = ReadString(url->value, "url", &info.url_pattern); !s.ok()) return s;
  std::vector<UrlPattern> pattern;
  if (Status s = CompileUrlPattern(url->value, info.url_pattern, &pattern); !s.ok()) return s;

  if (const Entry* p = e.Find("priority")) {
    if (Status s = ReadInt(p->value, "priority", std::numeric_limits<int>::min(), &info.priority); !s.ok()) return s;
  }
  if (const Entry* r = e.Find("revisit")) {
    Entries rv({});
    if (Status s = ReadEntries(r->value, "revisit", kRevisitKeys, &rv); !s.ok()) return s;
    for (const Entry& x : rv.all()) {
      auto* target = x.key == "interval" ? &info.revisit.interval
                                         : (x.key == "min" ? &info.revisit.min : &info.revisit.max);
      if (Status s = ReadDuration(x.value, "revisit." + x.key, target); !s.ok()) return s;
    }
    const auto& rp = info.revisit;
    if (rp.min.count() && rp.max.count() && rp.min > rp.max) return Error(r->value, "revisit min is above max");
    if (rp.interval.count() && rp.min.count() && rp.interval < rp.min) {
      return Error(r->value, "revisit interval is below min");
    }
    if (rp.interval.count() && rp.max.count() && rp.interval > rp.max) {
      return Error(r->value, "revisit interval is above max");
    }
  }

  std::optional<RecordRule> record;
  if (const Entry* r = e.Find("record")) {
    if (Status s = ReadString(r->value, "record", &info.record); !s.ok()) return s;
    const RecordKind* kind = FindRecordKind(info.record);
    if (!kind) {
      std::vector<std::string_view> names;
      for (const RecordKind& k : RecordKinds()) names.push_back(k.name);
      return Error(r->value, "unknown record kind '" + info.record + "'" + DidYouMean(info.record, names) +
                                 "; kinds: " + JoinNames(names));
    }
    record.emplace();
    if (Status s = CompileRecord(e, *kind, "", &*record); !s.ok()) return s;
  } else {
    for (std::string_view k : {"fields", "extra", "lists", "children"}) {
      if (const Entry* x = e.Find(k)) {
        return Error(x->key_node, where + " has " + std::string(k) +
                                      " but no record kind; add `record:` (article, question, ...) or remove them");
      }
    }
  }
  out->push_back(PageTypeRule{std::move(info), std::move(pattern.front()), std::move(record)});
  return Status::Ok();
}

// Fields, extra and lists of one record (a page type's or a list item's), from the mapping `owner`.
Status ConfigCompiler::CompileRecord(const Entries& owner, const RecordKind& kind, const std::string& where,
                                     RecordRule* out) const {
  out->kind = &kind;
  out->fields.assign(kind.fields.size(), std::nullopt);
  out->lists.clear();
  if (const Entry* f = owner.Find("fields")) {
    Entries fields({});
    if (Status s = ReadEntries(f->value, "fields", {}, &fields); !s.ok()) return s;
    for (const Entry& x : fields.all()) {
      auto spec = std::find_if(kind.fields.begin(), kind.fields.end(),
                               [&](const FieldSpec& fs) { return fs.name == x.key; });
      if (spec == kind.fields.end()) {
        std::vector<std::string_view> names;
        for (const FieldSpec& fs : kind.fields) names.push_back(fs.name);
        return Error(x.key_node, "unknown field '" + x.key + "' for record " + std::string(kind.name) +
                                     DidYouMean(x.key, names) + "; its fields: " + JoinNames(names) +
                                     " (put site-specific fields under extra)");
      }
      if (!spec->configurable) {
        return Error(x.key_node, "field '" + x.key + "' of record " + std::string(kind.name) +
                                     " is filled by the type of '" + std::string(spec->filled_by) +
                                     "' (docs/vocabulary.md); configure that field instead");
      }
      FieldRule rule;
      if (Status s = CompileField(x, &*spec, where, &rule); !s.ok()) return s;
      out->fields[spec - kind.fields.begin()] = std::move(rule);
    }
  }
  if (const Entry* f = owner.Find("extra")) {
    Entries extra({});
    if (Status s = ReadEntries(f->value, "extra", {}, &extra); !s.ok()) return s;
    for (const Entry& x : extra.all()) {
      if (x.key.empty()) return Error(x.key_node, "an extra field needs a name");
      FieldRule rule;
      if (Status s = CompileField(x, nullptr, where + "extra.", &rule); !s.ok()) return s;
      out->extra.push_back(std::move(rule));
    }
  }
  if (const Entry* l = owner.Find("lists")) {
    Entries lists({});
    if (Status s = ReadEntries(l->value, "lists", {}, &lists); !s.ok()) return s;
    for (const Entry& x : lists.all()) {
      auto spec = std::find_if(kind.lists.begin(), kind.lists.end(),
                               [&](const ListSpec& ls) { return ls.name == x.key; });
      if (spec == kind.lists.end()) {
        if (kind.lists.empty()) {
          return Error(x.key_node, "unknown list '" + x.key + "': record " + std::string(kind.name) + " has no lists");
        }
        std::vector<std::string_view> names;
        for (const ListSpec& ls : kind.lists) names.push_back(ls.name);
        return Error(x.key_node, "unknown list '" + x.key + "' for record " + std::string(kind.name) +
                                     DidYouMean(x.key, names) + "; its lists: " + JoinNames(names));
      }
      auto list = CompileList(x, *spec, where);
      if (!list.ok()) return list.status();
      out->lists.push_back(std::move(*list));
    }
  }
  out->children.clear();
  if (const Entry* c = owner.Find("children")) {
    Entries children({});
    if (Status s = ReadEntries(c->value, "children", {}, &children); !s.ok()) return s;
    for (const Entry& x : children.all()) {
      if (x.key.empty()) return Error(x.key_node, "a child list needs a name");
      auto list = CompileChildList(x, where);
      if (!list.ok()) return list.status();
      out->children.push_back(std::move(*list));
    }
  }
  return Status::Ok();
}

// The `css` of a list or child list: it selects the item elements, each the scope of its item's fields.
Result<html::Selector> ConfigCompiler::CompileItemCss(const Entries& e, const Entry& entry,
                                                      const std::string& what) const {
  const Entry* css = e.Find("css");
  if (!css) return Error(entry.value, what + " needs css: the selector of one item");
  std::string css_text;
  if (Status s = ReadString(css->value, "css", &css_text); !s.ok()) return s;
  auto selector = CompileCss(css->value, css_text);
  if (!selector.ok()) return selector.status();
  if (selector->output() != html::Selector::Output::kElement) {
    return Error(css->value,
                 "a list's css selects the item elements; drop ::text/::attr from '" + css_text + "'");
  }
  return selector;
}

// One `children:` entry: css, required and free-named fields compiled as `extra` fields are (any type).
Result<ChildListRule> ConfigCompiler::CompileChildList(const Entry& entry, const std::string& where) const {
  const std::string what = "child list '" + where + "children." + entry.key + "'";
  Entries e({});
  if (Status s = ReadEntries(entry.value, what, kChildListKeys, &e); !s.ok()) return s;
  auto css = CompileItemCss(e, entry, what);
  if (!css.ok()) return css.status();
  ChildListRule out{entry.key, std::move(*css), false, {}};
  if (const Entry* r = e.Find("required")) {
    if (Status s = ReadBool(r->value, "required", &out.required); !s.ok()) return s;
  }
  const Entry* f = e.Find("fields");
  if (!f) return Error(entry.value, what + " needs fields: the fields of one item");
  Entries fields({});
  if (Status s = ReadEntries(f->value, "fields", {}, &fields); !s.ok()) return s;
  if (fields.all().empty()) return Error(f->value, what + " has no fields");
  for (const Entry& x : fields.all()) {
    if (x.key.empty()) return Error(x.key_node, "a child field needs a name");
    FieldRule rule;
    if (Status s = CompileField(x, nullptr, where + "children." + entry.key + "[].", &rule); !s.ok())
      return s;
    out.fields.push_back(std::move(rule));
  }
  return out;
}

Result<ListRule> ConfigCompiler::CompileList(const Entry& entry, const ListSpec& spec,
                                             const std::string& where) const {
  Entries e({});
  if (Status s = ReadEntries(entry.value, "list '" + entry.key + "'", kListKeys, &e); !s.ok()) return s;
  const RecordKind* kind = FindRecordKind(spec.kind);
  if (const Entry* r = e.Find("record")) {
    std::string name;
    if (Status s = ReadString(r->value, "record", &name); !s.ok()) return s;
    if (name != spec.kind) {
      return Error(r->value, "list '" + entry.key + "' holds " + std::string(spec.kind) + " records, not '" +
                                 name + "' (drop `record:` or write record: " + std::string(spec.kind) + ")");
    }
  }
  auto selector = CompileItemCss(e, entry, "list '" + entry.key + "'");
  if (!selector.ok()) return selector.status();
  ListRule out{&spec, *selector, false, {}};
  if (const Entry* r = e.Find("required")) {
    if (Status s = ReadBool(r->value, "required", &out.required); !s.ok()) return s;
  }
  if (Status s = CompileRecord(e, *kind, where + entry.key + "[].", &out.record); !s.ok()) return s;
  return out;
}

Status ConfigCompiler::CompileField(const Entry& entry, const FieldSpec* spec, const std::string& where,
                                    FieldRule* out) const {
  out->name = entry.key;
  // `where` leads to the field: "answers[].", "answers[].extra.", "children.schedule[]."
  const std::string what = "field '" + where + entry.key + "'";
  const YAML::Node& node = entry.value;
  Entries e({});
  std::optional<std::string> css_text;
  const YAML::Node* css_node = nullptr;
  if (node.IsScalar()) {  // shorthand: a plain string is a css selector
    css_text = node.Scalar();
    css_node = &node;
  } else if (node.IsMap()) {
    if (Status s = ReadEntries(node, what, kFieldKeys, &e); !s.ok()) return s;
    if (const Entry* c = e.Find("css")) {
      css_text.emplace();
      if (Status s = ReadString(c->value, "css", &*css_text); !s.ok()) return s;
      css_node = &c->value;
    }
  } else {
    return Error(node, what + " must be a css selector string or a mapping of css, regex, ..., found " +
                           Describe(node));
  }
  if (const Entry* sc = e.Find("scope")) {
    std::string scope;
    if (Status s = ReadString(sc->value, "scope", &scope); !s.ok()) return s;
    if (scope != "item" && scope != "page") {
      return Error(sc->value, what + ": scope must be item or page, found '" + scope + "'");
    }
    if (scope == "page" && where.find("[].") == std::string::npos) {  // not inside a list item
      return Error(sc->key_node,
                   what + ": scope: page is for the fields of a list item; here the page is the scope");
    }
    out->page_scope = scope == "page";
  }
  if (css_text) {
    auto selector = CompileCss(*css_node, *css_text);
    if (!selector.ok()) return selector.status();
    out->css = std::move(*selector);
  }
  if (const Entry* r = e.Find("regex")) {
    TextRegex tr;
    if (Status s = ReadString(r->value, "regex", &tr.source); !s.ok()) return s;
    auto re = CompilePattern(tr.source);
    if (!re.ok()) return Error(r->value, re.status().message());
    tr.re = std::move(*re);
    tr.plan = AnalyzeLiterals(tr.source);
    const int groups = tr.re->NumberOfCapturingGroups();
    tr.group = groups > 0 ? 1 : 0;
    if (const Entry* g = e.Find("group")) {
      if (Status s = ReadInt(g->value, "group", 0, &tr.group); !s.ok()) return s;
      if (tr.group > groups) {
        return Error(g->value, "group " + std::to_string(tr.group) + " but the regex has " + std::to_string(groups) +
                                   " capture group" + (groups == 1 ? "" : "s"));
      }
    }
    out->regex = std::move(tr);
  } else if (const Entry* g = e.Find("group")) {
    return Error(g->key_node, what + ": group needs a regex");
  }
  if (const Entry* j = e.Find("json")) {
    if (out->css) {
      return Error(j->key_node, what + ": json reads the value from a script, css from the page; keep one of them");
    }
    auto json = CompileJson(*j, what);
    if (!json.ok()) return json.status();
    out->json = std::move(*json);
  }

  bool all_set = false;
  if (const Entry* a = e.Find("all")) {
    if (Status s = ReadBool(a->value, "all", &out->all); !s.ok()) return s;
    all_set = true;
  }
  if (const Entry* j = e.Find("join")) {
    std::string join;
    if (Status s = ReadString(j->value, "join", &join); !s.ok()) return s;
    if (!out->all) return Error(j->key_node, what + ": join needs all: true (it joins every match)");
    out->join = join;
  }
  if (const Entry* r = e.Find("required")) {
    if (Status s = ReadBool(r->value, "required", &out->required); !s.ok()) return s;
  }

  const Entry* type_entry = e.Find("type");
  bool type_set = false;
  if (type_entry) {
    std::string type;
    if (Status s = ReadString(type_entry->value, "type", &type); !s.ok()) return s;
    auto it = std::find(kTypeNames.begin(), kTypeNames.end(), type);
    if (it == kTypeNames.end()) {
      return Error(type_entry->value, "unknown type '" + type + "'" + DidYouMean(type, kTypeNames) +
                                          "; types: " + JoinNames(kTypeNames));
    }
    out->type = static_cast<ValueType>(it - kTypeNames.begin());
    type_set = true;
  }

  // A canonical field has one JSON shape on every site; its type defaults to that shape.
  const YAML::Node& type_node = type_entry ? type_entry->value : node;
  if (spec) {
    const std::string shape_msg =
        what + " is " + (spec->shape == FieldShape::kInt || spec->shape == FieldShape::kAge ? "an " : "a ") +
        std::string(FieldShapeName(spec->shape)) + " field";
    auto require_type = [&](std::initializer_list<ValueType> allowed, const std::string& names) -> Status {
      if (!type_set) {
        out->type = *allowed.begin();
        return Status::Ok();
      }
      if (std::find(allowed.begin(), allowed.end(), out->type) == allowed.end()) {
        return Error(type_node, shape_msg + ": type must be " + names + ", not " + std::string(ValueTypeName(out->type)));
      }
      return Status::Ok();
    };
    Status s;
    switch (spec->shape) {
      case FieldShape::kText: s = require_type({ValueType::kText, ValueType::kHtml}, "text or html"); break;
      case FieldShape::kInt: s = require_type({ValueType::kCount, ValueType::kInt}, "count or int"); break;
      case FieldShape::kDate:
        s = require_type({ValueType::kDate, ValueType::kDateTime, ValueType::kEpoch, ValueType::kEpochDate},
                         "date, datetime, epoch or epoch_date");
        break;
      case FieldShape::kUrl: s = require_type({ValueType::kUrl}, "url"); break;
      case FieldShape::kTextList: s = require_type({ValueType::kText}, "text"); break;
      // The vocabulary fields (docs/vocabulary.md): canonical on every site, so the one type that fits.
      case FieldShape::kGrade:
        s = require_type({ValueType::kHospitalGrade}, "hospital_grade");
        break;
      case FieldShape::kClinicalTitle:
        s = require_type({ValueType::kClinicalTitle}, "clinical_title");
        break;
      case FieldShape::kAcademicTitle:
        s = require_type({ValueType::kAcademicTitle}, "academic_title");
        break;
      case FieldShape::kSex:
        s = require_type({ValueType::kSex}, "sex");
        break;
      case FieldShape::kAge:
        s = require_type({ValueType::kAge}, "age");
        break;
    }
    if (!s.ok()) return s;
    if (spec->shape == FieldShape::kTextList) {
      if (all_set && !out->all) return Error(e.Find("all")->value, shape_msg + ": it needs all: true");
      if (out->join) return Error(e.Find("join")->key_node, shape_msg + ": drop join (the value is an array)");
      out->all = true;
    } else if (out->all && !out->join) {
      return Error(e.Find("all")->value, shape_msg + " that holds one value: add join, or drop all");
    }
  }
  if (IsVocabularyType(out->type) && out->all) {
    return Error(e.Find("all")->key_node,
                 what + ": type " + std::string(ValueTypeName(out->type)) + " reads one value; drop all");
  }
  if (out->join && out->type != ValueType::kText && out->type != ValueType::kHtml) {
    return Error(e.Find("join")->key_node, what + ": join makes one string, so type must be text or html");
  }
  if (out->type == ValueType::kHtml && out->json) {
    return Error(type_node, what + ": type html selects elements; a json value is text");
  }
  if (out->type == ValueType::kHtml && out->css && out->css->output() != html::Selector::Output::kElement) {
    return Error(*css_node, what + ": type html needs css that selects elements (no ::text or ::attr)");
  }

  if (Status s = CompileTypeOptions(e, what, out); !s.ok()) return s;

  if (const Entry* d = e.Find("default")) {
    if (out->required) {
      return Error(d->key_node, what + ": required with a default can never be missing; drop one of them");
    }
    if (!d->value.IsNull()) {
      std::vector<std::string> values;
      if (d->value.IsScalar()) {
        values.push_back(d->value.Scalar());
      } else if (d->value.IsSequence() && out->all && !out->join) {
        if (Status s = ReadStringList(d->value, "default", &values); !s.ok()) return s;
      } else {
        return Error(d->value, what + ": default must be a " + std::string(out->all && !out->join ? "string or list" : "string") +
                                   ", found " + Describe(d->value));
      }
      out->default_values = std::move(values);
      if (Status s = CheckDefault(d->value, *out); !s.ok()) return s;
    }
  }
  if (!out->css && !out->regex && !out->json && !out->default_values) {
    return Error(node, what + " needs css, regex, json or default");
  }
  return Status::Ok();
}

// `json: {script, pointer, assign | regex, index, ld_type}` (docs/selectors.md, "JSON in scripts").
Result<JsonRule> ConfigCompiler::CompileJson(const Entry& entry, const std::string& what) const {
  Entries e({});
  if (Status s = ReadEntries(entry.value, what + " json", kJsonKeys, &e); !s.ok()) return s;
  const Entry* script = e.Find("script");
  if (!script) return Error(entry.value, what + ": json needs script, the CSS selector of the script element");
  const Entry* pointer = e.Find("pointer");
  if (!pointer) return Error(entry.value, what + ": json needs pointer, the JSON pointer (RFC 6901) of the value");
  std::string css;
  if (Status s = ReadString(script->value, "script", &css); !s.ok()) return s;
  auto selector = CompileCss(script->value, css);
  if (!selector.ok()) return selector.status();
  if (selector->output() != html::Selector::Output::kElement) {
    return Error(script->value, what + ": script selects the script elements; drop ::text/::attr from '" + css + "'");
  }

  JsonRule rule;
  if (Status s = ReadString(pointer->value, "pointer", &rule.pointer_text); !s.ok()) return s;
  auto tokens = ParseJsonPointer(rule.pointer_text);
  if (!tokens.ok()) return Error(pointer->value, tokens.status().message());
  rule.pointer = std::move(*tokens);

  JsonSource source{*selector, {}, std::nullopt};
  const Entry* assign = e.Find("assign");
  const Entry* regex = e.Find("regex");
  if (assign && regex) {
    return Error(regex->key_node, what + ": json takes assign or regex to find the JSON in a script, not both");
  }
  if (assign) {
    if (Status s = ReadString(assign->value, "assign", &source.assign); !s.ok()) return s;
    const bool name_ok = !source.assign.empty() && std::all_of(source.assign.begin(), source.assign.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
    });
    if (!name_ok) {
      return Error(assign->value, what + ": assign names a JavaScript variable such as window.__INITIAL_STATE__, found '" +
                                      source.assign + "'");
    }
  }
  if (regex) {
    TextRegex tr;
    if (Status s = ReadString(regex->value, "regex", &tr.source); !s.ok()) return s;
    auto re = CompilePattern(tr.source);
    if (!re.ok()) return Error(regex->value, re.status().message());
    if ((*re)->NumberOfCapturingGroups() != 1) {
      return Error(regex->value, what + ": json regex needs exactly one capture group, where the JSON value starts; '" +
                                     tr.source + "' has " + std::to_string((*re)->NumberOfCapturingGroups()));
    }
    tr.re = std::move(*re);
    tr.group = 1;
    tr.plan = AnalyzeLiterals(tr.source);
    source.start = std::move(tr);
  }
  if (const Entry* index = e.Find("index")) {
    int i = 0;
    if (Status s = ReadInt(index->value, "index", 0, &i); !s.ok()) return s;
    rule.index = i;
  }
  if (const Entry* ld = e.Find("ld_type")) {
    if (Status s = ReadString(ld->value, "ld_type", &rule.ld_type); !s.ok()) return s;
    if (rule.ld_type.empty()) return Error(ld->value, what + ": ld_type is empty");
  }

  const std::string key = css + '\n' + source.assign + '\n' + (source.start ? source.start->source : std::string());
  auto& shared = json_sources_[key];
  if (!shared) shared = std::make_shared<const JsonSource>(std::move(source));
  rule.source = shared;
  return rule;
}

// The options that belong to one type: count_word (count), epoch_unit (epoch, epoch_date), join_labels
// (text); and how a bool is read.
Status ConfigCompiler::CompileTypeOptions(const Entries& e, const std::string& what, FieldRule* out) const {
  auto misplaced = [&](const Entry& entry, std::string_view types) {
    return Error(entry.key_node, what + ": " + entry.key + " is an option of type " + std::string(types) +
                                     ", not " + std::string(ValueTypeName(out->type)));
  };
  if (const Entry* w = e.Find("count_word")) {
    if (out->type != ValueType::kCount) return misplaced(*w, "count");
    if (Status s = ReadString(w->value, "count_word", &out->count_word); !s.ok()) return s;
    if (out->count_word.empty()) return Error(w->value, what + ": count_word is empty");
  }
  if (const Entry* u = e.Find("epoch_unit")) {
    if (out->type != ValueType::kEpoch && out->type != ValueType::kEpochDate) return misplaced(*u, "epoch or epoch_date");
    std::string unit;
    if (Status s = ReadString(u->value, "epoch_unit", &unit); !s.ok()) return s;
    if (unit == "s") {
      out->epoch_unit = EpochUnit::kSeconds;
    } else if (unit == "ms") {
      out->epoch_unit = EpochUnit::kMilliseconds;
    } else if (unit == "auto") {
      out->epoch_unit = EpochUnit::kAuto;
    } else {
      return Error(u->value, what + ": epoch_unit must be s, ms or auto, found '" + unit + "'");
    }
  }
  if (const Entry* j = e.Find("join_labels")) {
    if (out->type != ValueType::kText) return misplaced(*j, "text");
    if (Status s = ReadBool(j->value, "join_labels", &out->join_labels); !s.ok()) return s;
  }
  if (out->type == ValueType::kBool) {
    if (out->all) return Error(e.Find("all")->key_node, what + ": a bool is one value; drop all");
    // An element's presence, or a regex found: never missing, so required means nothing.
    // A json value is read as a word (JSON true/false, "是"/"否"); matching is for page text.
    out->bool_by_match = !out->json && (out->regex.has_value() ||
                                        (out->css && out->css->output() == html::Selector::Output::kElement));
    if (out->bool_by_match && out->required) {
      return Error(e.Find("required")->key_node,
                   what + ": a bool read from a match is true or false, never missing; drop required");
    }
  }
  return Status::Ok();
}

// A default is converted like an extracted value, so one that could never convert is a config error
// now rather than a null on every page.
Status ConfigCompiler::CheckDefault(const YAML::Node& node, const FieldRule& rule) const {
  for (const std::string& v : *rule.default_values) {
    bool ok = true;
    switch (rule.type) {
      case ValueType::kInt: ok = ParseInt(v).has_value(); break;
      case ValueType::kCount: ok = ReadCount(v, rule.count_word).value.has_value(); break;
      case ValueType::kEpoch:
      case ValueType::kEpochDate: ok = ParseEpochSeconds(v, rule.epoch_unit).has_value(); break;
      case ValueType::kBool: ok = ParseBool(v).has_value(); break;
      case ValueType::kHospitalGrade:
      case ValueType::kClinicalTitle:
      case ValueType::kAcademicTitle:
      case ValueType::kSex:
      case ValueType::kAge:
        ok = !ReadVocabulary(rule.type, v).canonical.is_null();
        break;
      case ValueType::kDate:
      case ValueType::kDateTime:
        ok = ParseDateInZone(v, std::chrono::system_clock::now(), zone_, false).has_value();
        break;
      default: break;
    }
    if (!ok) {
      return Error(node, "default '" + v + "' of field '" + rule.name + "' is not a valid " +
                             std::string(ValueTypeName(rule.type)));
    }
  }
  return Status::Ok();
}

// `alerts:` (docs/drift.md). Field names are checked against the page types' records, so a floor that
// names a field no page type has fails at load rather than never firing.
Status ConfigCompiler::CompileAlerts(const YAML::Node& node, const std::vector<PageTypeRule>& page_types,
                                     FillAlerts* out) const {
  Entries e({});
  if (Status s = ReadEntries(node, "alerts", kAlertsKeys, &e); !s.ok()) return s;
  for (const Entry& x : e.all()) {
    Status s;
    if (x.key == "threshold") {
      s = ReadDouble(x.value, "alerts.threshold", 0, &out->threshold);
      if (s.ok() && out->threshold > 1) {
        s = Error(x.value, "alerts.threshold is a fraction of 1 (0.2 is 20 percentage points), found " + x.value.Scalar());
      }
    } else if (x.key == "min_pages") {
      s = ReadInt(x.value, "alerts.min_pages", 1, &out->min_pages);
    } else if (x.key == "baseline_runs") {
      s = ReadInt(x.value, "alerts.baseline_runs", 1, &out->baseline_runs);
      if (s.ok() && out->baseline_runs > 100) s = Error(x.value, "alerts.baseline_runs must be at most 100");
    } else if (x.key == "fill") {
      Entries fill({});
      s = ReadEntries(x.value, "alerts.fill", {}, &fill);
      for (size_t i = 0; s.ok() && i < fill.all().size(); ++i) {
        FillFloor floor;
        s = CompileFloor(fill.all()[i], page_types, &floor);
        if (s.ok()) out->floors.push_back(std::move(floor));
      }
    } else {  // webhook
      Entries w({});
      s = ReadEntries(x.value, "alerts.webhook", kWebhookKeys, &w);
      if (s.ok() && !w.Find("url")) s = Error(x.value, "alerts.webhook needs a url");
      for (size_t i = 0; s.ok() && i < w.all().size(); ++i) {
        const Entry& y = w.all()[i];
        if (y.key == "allow_private_addresses") {
          s = ReadBool(y.value, "alerts.webhook.allow_private_addresses", &out->webhook_allow_private_addresses);
          continue;
        }
        s = ReadString(y.value, "alerts.webhook.url", &out->webhook_url);
        auto url = Url::Parse(out->webhook_url);
        if (s.ok() && (!url.ok() || (url->scheme() != "http" && url->scheme() != "https"))) {
          s = Error(y.value, "alerts.webhook.url must be an absolute http(s) URL, found '" + out->webhook_url + "'");
        }
      }
    }
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

// One `alerts.fill` entry: `field: rate` for every page type whose record has the field, or
// `page_type/field: rate` for one.
Status ConfigCompiler::CompileFloor(const Entry& entry, const std::vector<PageTypeRule>& page_types,
                                    FillFloor* out) const {
  const size_t slash = entry.key.find('/');
  if (slash != std::string::npos) {
    out->page_type = entry.key.substr(0, slash);
    out->field = entry.key.substr(slash + 1);
  } else {
    out->field = entry.key;
  }
  bool type_found = false, field_found = false;
  std::vector<std::string> known;
  for (const PageTypeRule& pt : page_types) {
    if (!out->page_type.empty() && pt.info.name != out->page_type) continue;
    type_found = true;
    if (!pt.record) continue;
    for (const FillTally::Field& f : FillFieldsOf(*pt.record)) {
      if (f.label == out->field) field_found = true;
      if (std::find(known.begin(), known.end(), f.label) == known.end()) known.push_back(f.label);
    }
  }
  if (!type_found) {
    std::vector<std::string_view> names;
    for (const PageTypeRule& pt : page_types) names.push_back(pt.info.name);
    return Error(entry.key_node, "alerts.fill: unknown page type '" + out->page_type + "'" +
                                     DidYouMean(out->page_type, names) + "; page types: " + JoinNames(names));
  }
  if (!field_found) {
    std::vector<std::string_view> names(known.begin(), known.end());
    const std::string owner = out->page_type.empty() ? std::string("no page type has a field")
                                                     : "page type '" + out->page_type + "' has no field";
    return Error(entry.key_node, "alerts.fill: " + owner + " '" + out->field + "'" + DidYouMean(out->field, names) +
                                     "; fields: " + JoinNames(names));
  }
  if (Status s = ReadDouble(entry.value, "alerts.fill." + entry.key, 0, &out->rate); !s.ok()) return s;
  if (out->rate > 1) return Error(entry.value, "alerts.fill." + entry.key + " is a fill rate from 0 to 1, found " + entry.value.Scalar());
  return Status::Ok();
}

Result<std::unique_ptr<SelectorProgram::Rep>> ConfigCompiler::Compile() {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(source_));
  } catch (const YAML::DeepRecursion& e) {  // its message is only "bad file"
    // The guard throws on reaching depth(), so depth() - 1 levels is the most a config may nest.
    return Error(e.mark, "YAML nesting deeper than " + std::to_string(e.depth() - 1) + " levels");
  } catch (const YAML::ParserException& e) {
    return Error(e.mark, "YAML syntax error: " + e.msg);
  }
  if (root.IsNull()) return Error(YAML::Mark(), "the config is empty (it needs site and page_types)");
  Entries top({});
  if (Status s = ReadEntries(root, "the config", kTopKeys, &top); !s.ok()) return s;
  for (std::string_view key : {"site", "page_types"}) {
    if (!top.Find(key)) return Error(root, "missing required key '" + std::string(key) + "'");
  }

  SiteConfig config;
  config.file = file_;
  std::vector<UrlPattern> allow, deny;
  zone_ = LocateZone(config.time_zone);
  if (!zone_) return Error(root, "the default time zone " + config.time_zone + " is not in the tz database");
  const date::time_zone* zone = zone_;
  if (Status s = CompileSite(top, &config, &zone, &allow, &deny); !s.ok()) return s;
  zone_ = zone;
  if (config.name.empty()) config.name = config.key;
  // limits.max_json_bytes is the extraction's alone (the crawl never reads it), so it stays in the Rep.
  int max_json_bytes = kDefaultMaxJsonBytes;
  if (const Entry* limits = top.Find("limits")) {
    Entries entries({});
    if (Status s = ReadEntries(limits->value, "limits", kLimitsKeys, &entries); !s.ok()) return s;
    if (const Entry* x = entries.Find("max_json_bytes")) {
      if (Status s = ReadInt(x->value, "max_json_bytes", 0, &max_json_bytes); !s.ok()) return s;
    }
  }

  const YAML::Node& types = top.Find("page_types")->value;
  if (!types.IsSequence() || types.size() == 0) {
    return Error(types, "page_types must be a non-empty list of page types, found " + Describe(types));
  }
  std::vector<PageTypeRule> page_types;
  std::map<std::string, int> seen;
  for (const YAML::Node& pt : types) {
    if (Status s = CompilePageType(pt, &page_types, &seen); !s.ok()) return s;
  }
  for (const PageTypeRule& pt : page_types) config.page_types.push_back(pt.info);
  if (const Entry* alerts = top.Find("alerts")) {
    if (Status s = CompileAlerts(alerts->value, page_types, &config.alerts); !s.ok()) return s;
  }

  auto links = html::Selector::Compile("a[href], area[href]");
  auto base = html::Selector::Compile("base[href]");
  if (!links.ok() || !base.ok()) {
    return Status::Internal("the built-in link selectors do not compile: " +
                            (links.ok() ? base.status().message() : links.status().message()));
  }
  std::vector<int> page_type_allow;
  for (const PageTypeRule& pt : page_types) {
    auto same = std::find_if(allow.begin(), allow.end(),
                             [&](const UrlPattern& p) { return p.source() == pt.url.source(); });
    page_type_allow.push_back(same == allow.end() ? -1 : static_cast<int>(same - allow.begin()));
  }
  return std::unique_ptr<SelectorProgram::Rep>(new SelectorProgram::Rep{std::move(config), zone, std::move(page_types),
                                                                        std::move(allow), std::move(deny),
                                                                        std::move(page_type_allow), *links, *base,
                                                                        max_json_bytes});
}

}  // namespace

Result<std::unique_ptr<SelectorProgram::Rep>> CompileConfig(std::string_view yaml, std::string_view file_name) {
  ConfigCompiler compiler(yaml, file_name);
  try {
    return compiler.Compile();
  } catch (const YAML::Exception& e) {
    // Any other yaml-cpp complaint (a bad conversion, an invalid node) still carries a mark.
    int line = e.mark.line >= 0 ? e.mark.line + 1 : 1;
    int column = e.mark.column >= 0 ? e.mark.column + 1 : 1;
    return Status::ConfigError(std::string(file_name) + ":" + std::to_string(line) + ":" + std::to_string(column) +
                               ": " + e.msg);
  } catch (const std::exception& e) {
    return Status::ConfigError(std::string(file_name) + ":1:1: " + e.what());
  }
}

}  // namespace hc::extract
