// JSON embedded in pages: cutting the JSON out of a script, parsing it once per page into a tree of
// bounded depth, and walking an RFC 6901 pointer to the value a field wants.
#include "extract/embedded_json.h"

#include <atomic>
#include <cmath>
#include <limits>

namespace hc::extract {
namespace {

using nlohmann::json;

std::atomic<int64_t> g_parses{0};

// nlohmann's SAX interface, building the same tree as json::parse but refusing to nest deeper than
// kMaxJsonDepth: the parser itself keeps its state on the heap, so a 100,000-deep "[[[[" costs
// nothing but this check.
class BoundedTreeBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  bool null() { return Put(nullptr); }
  bool boolean(bool v) { return Put(v); }
  bool number_integer(number_integer_t v) { return Put(v); }
  bool number_unsigned(number_unsigned_t v) { return Put(v); }
  bool number_float(number_float_t v, const string_t& /*text*/) { return Put(v); }
  bool string(string_t& v) { return Put(std::move(v)); }
  bool binary(binary_t& /*v*/) { return false; }  // not produced by the JSON format
  bool start_object(std::size_t /*elements*/) { return Open(json::object()); }
  bool key(string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t /*elements*/) { return Open(json::array()); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/, const json::exception&) {
    error_at_ = position;
    return false;
  }

  json& root() { return root_; }
  bool too_deep() const { return too_deep_; }
  std::size_t error_at() const { return error_at_; }

 private:
  // Where the next value goes: the root, the open array's end or the open object's last key. Only the
  // innermost open container grows, so the pointers on the stack stay valid.
  json* Slot() {
    if (stack_.empty()) return &root_;
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(nullptr);
      return &top.back();
    }
    return &top[key_];
  }
  bool Put(json v) {
    *Slot() = std::move(v);
    return true;
  }
  bool Open(json container) {
    if (stack_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
      too_deep_ = true;
      return false;
    }
    json* slot = Slot();
    *slot = std::move(container);
    stack_.push_back(slot);
    return true;
  }
  bool Close() {
    stack_.pop_back();
    return true;
  }

  json root_;
  std::vector<json*> stack_;
  string_t key_;
  bool too_deep_ = false;
  std::size_t error_at_ = 0;
};

bool IsIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Where the value of `name = ` starts in a script: after a whole-word `name`, spaces, one '=' (not
// '==') and spaces, at a '{' or '['. npos when no occurrence of the name is such an assignment.
std::size_t FindAssignedValue(std::string_view text, std::string_view name) {
  for (std::size_t pos = text.find(name); pos != std::string_view::npos; pos = text.find(name, pos + 1)) {
    if (pos > 0 && (IsIdentifierChar(text[pos - 1]) || text[pos - 1] == '.')) continue;
    std::size_t i = pos + name.size();
    if (i < text.size() && IsIdentifierChar(text[i])) continue;
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    if (i < text.size() && (text[i] == '=' || text[i] == '>')) continue;  // ==, =>
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i < text.size() && (text[i] == '{' || text[i] == '[')) return i;
  }
  return std::string_view::npos;
}

// A script's text: Gumbo keeps it as one text child, so this is normally a view, not a copy.
std::string_view ScriptText(html::Node script, std::string* storage) {
  std::vector<html::Node> children = script.children();
  if (children.size() == 1 && children[0].is_text()) return children[0].text();
  for (html::Node child : children) {
    if (child.is_text()) *storage += child.text();
  }
  return *storage;
}

std::string Describe(const JsonSource& source, std::size_t which, std::size_t of) {
  std::string out = "script '" + source.script.source() + "'";
  if (of > 1) out += " #" + std::to_string(which);
  return out;
}

// The value `pointer` refers to under `root`, or nullptr. An array index is a decimal without leading
// zeros (RFC 6901, section 4); "-" (past the end) refers to nothing.
const json* Resolve(const json& root, const std::vector<std::string>& pointer) {
  const json* at = &root;
  for (const std::string& token : pointer) {
    if (at->is_object()) {
      auto it = at->find(token);
      if (it == at->end()) return nullptr;
      at = &*it;
    } else if (at->is_array()) {
      if (token.empty() || token.size() > 18 || (token.size() > 1 && token[0] == '0')) return nullptr;
      std::size_t index = 0;
      for (char c : token) {
        if (c < '0' || c > '9') return nullptr;
        index = index * 10 + static_cast<std::size_t>(c - '0');
      }
      if (index >= at->size()) return nullptr;
      at = &(*at)[index];
    } else {
      return nullptr;
    }
  }
  return at;
}

bool HasLdType(const json& node, const std::string& type) {
  if (!node.is_object()) return false;
  auto it = node.find("@type");
  if (it == node.end()) return false;
  if (it->is_string()) return *it == type;
  if (it->is_array()) {
    for (const json& t : *it) {
      if (t.is_string() && t == type) return true;
    }
  }
  return false;
}

// JSON-LD puts its nodes at the top, in a top-level array, or in "@graph": the first of @type `type`,
// in that order, or nullptr.
const json* FindLdNode(const json& root, const std::string& type) {
  std::vector<const json*> tops;
  if (root.is_array()) {
    for (const json& item : root) tops.push_back(&item);
  } else {
    tops.push_back(&root);
  }
  for (const json* top : tops) {
    if (HasLdType(*top, type)) return top;
    if (!top->is_object()) continue;
    auto graph = top->find("@graph");
    if (graph == top->end() || !graph->is_array()) continue;
    for (const json& node : *graph) {
      if (HasLdType(node, type)) return &node;
    }
  }
  return nullptr;
}

// A JSON scalar as the text the field's type converts: strings as they are, numbers in decimal, true
// and false. Integers are exact up to the 64-bit range; a number nlohmann had to read as a double (a
// fraction, an exponent, an integer beyond 64 bits) keeps only 53 bits, so an integral one past 2^53
// is refused rather than rounded.
bool ScalarText(const json& v, std::string* out, std::string* problem) {
  switch (v.type()) {
    case json::value_t::string:
      *out = v.get_ref<const std::string&>();
      return true;
    case json::value_t::boolean:
      *out = v.get<bool>() ? "true" : "false";
      return true;
    case json::value_t::number_integer:
      *out = std::to_string(v.get<int64_t>());
      return true;
    case json::value_t::number_unsigned: {
      const uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *problem = std::to_string(u) + " is beyond the 64-bit integer range";
        return false;
      }
      *out = std::to_string(u);
      return true;
    }
    case json::value_t::number_float: {
      const double d = v.get<double>();
      constexpr double kExact = 9007199254740992.0;  // 2^53
      if (std::isfinite(d) && std::trunc(d) == d) {
        if (std::fabs(d) > kExact) {
          *problem = v.dump() + " is beyond 2^53, where a JSON number stops being an exact integer";
          return false;
        }
        *out = std::to_string(static_cast<int64_t>(d));
        return true;
      }
      *out = v.dump();
      return true;
    }
    case json::value_t::object:
      *problem = "is an object, not a value";
      return false;
    case json::value_t::array:
      *problem = "is an array, not a value (all: true reads its items)";
      return false;
    default:
      *problem = "is not a value";
      return false;
  }
}

}  // namespace

int64_t JsonParseCount() { return g_parses.load(std::memory_order_relaxed); }

Result<std::vector<std::string>> ParseJsonPointer(std::string_view text) {
  std::vector<std::string> tokens;
  if (text.empty()) return tokens;
  if (text[0] != '/') {
    return Status::InvalidArgument("a JSON pointer is empty or starts with '/' (RFC 6901), found '" +
                                   std::string(text) + "'");
  }
  std::string token;
  for (std::size_t i = 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (text[i] == '~') {
      if (i + 1 < text.size() && (text[i + 1] == '0' || text[i + 1] == '1')) {
        token += text[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return Status::InvalidArgument("bad JSON pointer '" + std::string(text) + "': '~' at byte " +
                                       std::to_string(i) +
                                       " must be followed by 0 or 1 (RFC 6901: ~0 is '~', ~1 is '/')");
      }
    } else {
      token += text[i];
    }
  }
  return tokens;
}

const EmbeddedJson::Parsed& EmbeddedJson::Parse(html::Node script, const JsonSource& source) {
  auto key = std::make_pair(static_cast<const void*>(script.raw()), &source);
  if (auto it = parsed_.find(key); it != parsed_.end()) return it->second;
  Parsed& out = parsed_[key];

  std::string storage;
  const std::string_view text = ScriptText(script, &storage);
  if (static_cast<int64_t>(text.size()) > max_bytes_) {
    out.problem = "holds " + std::to_string(text.size()) + " bytes, over limits.max_json_bytes (" +
                  std::to_string(max_bytes_) + "); not parsed";
    return out;
  }
  std::size_t start = 0;
  bool whole = true;  // the JSON is the script's whole text; else a prefix of the rest
  if (!source.assign.empty()) {
    start = FindAssignedValue(text, source.assign);
    if (start == std::string_view::npos) {
      out.problem = "has no assignment '" + source.assign + " = {' or '['";
      return out;
    }
    whole = false;
  } else if (source.start) {
    re2::StringPiece capture;
    if (!RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *source.start->re, &capture) ||
        capture.data() == nullptr) {
      out.problem = "does not match the regex '" + source.start->source + "'";
      return out;
    }
    start = static_cast<std::size_t>(capture.data() - text.data());
    whole = false;
  }

  g_parses.fetch_add(1, std::memory_order_relaxed);
  BoundedTreeBuilder builder;
  bool ok = false;
  try {
    // strict=false stops after the first value: an assignment's value is followed by more script.
    ok = json::sax_parse(text.data() + start, text.data() + text.size(), &builder, json::input_format_t::json,
                         /*strict=*/whole);
  } catch (const json::exception&) {
    ok = false;
  }
  if (ok) {
    out.ok = true;
    out.value = std::move(builder.root());
  } else if (builder.too_deep()) {
    out.problem = "nests JSON deeper than " + std::to_string(kMaxJsonDepth) + " levels; not read";
  } else {
    // nlohmann counts the characters read, the bad one included: the byte's 0-based offset is one less.
    const std::size_t at = start + (builder.error_at() > 0 ? builder.error_at() - 1 : 0);
    out.problem = "is not JSON (syntax error at byte " + std::to_string(at) +
                  "; JavaScript such as unquoted keys, 'single quotes', functions or undefined is not read)";
  }
  return out;
}

EmbeddedJson::Reading EmbeddedJson::Read(const JsonRule& rule, html::Node scope, bool all) {
  Reading out;
  const JsonSource& source = *rule.source;
  std::vector<html::Node> scripts = html::Select(scope, source.script, index_);
  if (scripts.empty()) {
    out.missing = "no element matches script '" + source.script.source() + "'";
    return out;
  }
  std::size_t first = 0, last = scripts.size();
  if (rule.index) {
    if (static_cast<std::size_t>(*rule.index) >= scripts.size()) {
      out.missing = "script '" + source.script.source() + "' has no index " + std::to_string(*rule.index) +
                    " (" + std::to_string(scripts.size()) + " match)";
      return out;
    }
    first = static_cast<std::size_t>(*rule.index);
    last = first + 1;
  }
  const std::string at = "JSON pointer '" + rule.pointer_text + "'" +
                         (rule.ld_type.empty() ? "" : " under @type " + rule.ld_type);
  std::string first_problem;
  for (std::size_t i = first; i < last; ++i) {
    const Parsed& parsed = Parse(scripts[i], source);
    if (!parsed.ok) {
      if (first_problem.empty()) first_problem = Describe(source, i, scripts.size()) + " " + parsed.problem;
      continue;
    }
    const json* base = &parsed.value;
    if (!rule.ld_type.empty()) base = FindLdNode(parsed.value, rule.ld_type);
    const json* value = base ? Resolve(*base, rule.pointer) : nullptr;
    if (!value || value->is_null()) continue;  // JSON-LD: the next script may have it

    const std::string where = at + " in " + Describe(source, i, scripts.size());
    std::string text, problem;
    if (all && value->is_array()) {
      for (const json& item : *value) {
        if (item.is_null()) continue;
        if (!ScalarText(item, &text, &problem)) {
          out.values.clear();
          out.problem = where + ": an item " + problem;
          return out;
        }
        out.values.push_back(std::move(text));
      }
      return out;
    }
    if (!ScalarText(*value, &text, &problem)) {
      out.problem = where + ": " + (problem.starts_with("is ") ? problem : "the number " + problem);
      return out;
    }
    out.values.push_back(std::move(text));
    return out;
  }
  if (!first_problem.empty()) {
    out.problem = first_problem;
  } else {
    const std::size_t tried = last - first;
    out.missing = tried == 1 ? at + " is not in " + Describe(source, first, scripts.size())
                             : at + " is in none of the " + std::to_string(tried) + " scripts matching '" +
                                   source.script.source() + "'";
  }
  return out;
}

}  // namespace hc::extract
