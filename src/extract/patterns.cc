// Regex support for the extractor. Every pattern of a config (page type url, follow allow/deny, field
// regex) is compiled once by RE2, whose matching takes time linear in the input, with memory bounded by
// RE2::Options::max_mem and no recursion: a 1 MB URL or field text costs one scan, never the stack
// (std::regex's recursive matcher overflowed it on a 40,000-character URL, issue 11). In front of RE2
// sits a literal pre-check: most URLs a crawler tests lack the pattern's required literal text
// ("www.mfk.com/article/"), and a substring search rejects them before RE2 is asked.
#include <algorithm>
#include <cstdint>
#include <memory>

#include "core/text.h"
#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

// RE2's budget per compiled pattern (its program plus the DFA state caches it fills lazily): the
// shipped patterns use a few kilobytes; a pattern too large for it is refused at load, and a DFA
// that fills its cache on a hostile input hands over to RE2's NFA, which stays linear.
constexpr int64_t kPatternMaxMem = 2 << 20;

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Index just past the ']' that closes the class opening at `i`, or npos.
size_t SkipClass(std::string_view p, size_t i) {
  ++i;  // '['
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;  // a ']' first in the class is literal
  while (i < p.size() && p[i] != ']') {
    if (p.substr(i, 2) == "[:") {  // RE2's [[:alpha:]]: the inner ']' does not close the class
      size_t close = p.find(":]", i + 2);
      if (close == std::string_view::npos) return close;
      i = close + 2;
      continue;
    }
    i += (p[i] == '\\') ? 2 : 1;
  }
  return i < p.size() ? i + 1 : std::string_view::npos;
}

// Index just past the ')' that closes the group opening at `i`, or npos.
size_t SkipGroup(std::string_view p, size_t i) {
  int depth = 0;
  while (i < p.size()) {
    char c = p[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '[') {
      i = SkipClass(p, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')' && --depth == 0) return i + 1;
    ++i;
  }
  return std::string_view::npos;
}

// Index past the argument of the escape \<letter> whose argument starts at `i`: \x41, \x{4e00},
// \pN, \p{Han}, \101 (octal). Other escapes take none.
size_t SkipEscapeArgument(std::string_view p, char letter, size_t i) {
  const bool braced_allowed = letter == 'x' || letter == 'p' || letter == 'P';
  if (braced_allowed && i < p.size() && p[i] == '{') {
    size_t close = p.find('}', i);
    return close == std::string_view::npos ? p.size() : close + 1;
  }
  if (letter == 'p' || letter == 'P') return std::min(i + 1, p.size());
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  if (letter == 'x') {
    for (int n = 0; n < 2 && i < p.size() && is_hex(p[i]); ++n) ++i;
  } else if (letter >= '0' && letter <= '7') {
    for (int n = 0; n < 2 && i < p.size() && p[i] >= '0' && p[i] <= '7'; ++n) ++i;
  }
  return i;
}

}  // namespace

LiteralPlan AnalyzeLiterals(std::string_view p) {
  LiteralPlan plan;
  // Flag groups ((?i) makes literal text match other bytes) and \Q...\E quoting (its text may hold
  // ')' or '|') change what the scan below reads; such a pattern gets no pre-check.
  for (size_t at = p.find("(?"); at != std::string_view::npos; at = p.find("(?", at + 2)) {
    if (at + 2 < p.size() && std::string_view("imsU-").find(p[at + 2]) != std::string_view::npos) return plan;
  }
  if (p.find("\\Q") != std::string_view::npos) return plan;
  // RE2 refuses a pattern that is not UTF-8 but reads an encoded surrogate (ED A0 80) as one character,
  // which strict decoding does not: such a pattern gets no pre-check rather than one that could
  // disagree with RE2 about where a character ends.
  if (!IsValidUtf8(p)) return plan;
  size_t i = 0;
  if (!p.empty() && p[0] == '^') {
    plan.anchored_start = true;
    i = 1;
  }
  std::string run;
  bool prefix_open = plan.anchored_start;  // every atom so far was a plain literal
  bool pure = true;
  size_t last_literal_len = 0;  // bytes of the previous atom when it was a literal, else 0
  auto flush = [&] {
    if (!run.empty()) plan.required.push_back(run);
    run.clear();
  };
  auto break_run = [&] {
    if (prefix_open) plan.prefix = run;
    prefix_open = false;
    pure = false;
    flush();
    last_literal_len = 0;
  };

  while (i < p.size()) {
    char c = p[i];
    if (c == '|') return LiteralPlan{};  // a top-level alternative: nothing is required
    if (c == '*' || c == '+' || c == '?' || c == '{') {
      // The quantifier may repeat or drop the previous atom: it is no longer required text.
      run.resize(run.size() - last_literal_len);
      break_run();
      if (c == '{') {
        size_t close = p.find('}', i);
        if (close == std::string_view::npos) return LiteralPlan{};
        i = close + 1;
      } else {
        ++i;
      }
      if (i < p.size() && p[i] == '?') ++i;  // lazy
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= p.size()) return LiteralPlan{};
      char d = p[i + 1];
      i += 2;
      if (IsAsciiAlnum(d)) {  // \d \w \s \b \pN \x41 \101: not plain text here
        break_run();
        i = SkipEscapeArgument(p, d, i);
      } else {
        run.push_back(d);
        last_literal_len = 1;
      }
      continue;
    }
    if (c == '(' || c == '[') {
      size_t next = c == '(' ? SkipGroup(p, i) : SkipClass(p, i);
      if (next == std::string_view::npos) return LiteralPlan{};
      break_run();
      i = next;
      continue;
    }
    if (c == '$' && i + 1 == p.size()) {
      plan.anchored_end = true;
      ++i;
      continue;
    }
    if (c == '.' || c == '^' || c == '$') {
      break_run();
      ++i;
      continue;
    }
    // One character is one atom (the pattern is well-formed UTF-8, checked above).
    const size_t len = DecodeUtf8At(p, i).length;
    run.append(p.substr(i, len));
    last_literal_len = len;
    i += len;
  }
  if (prefix_open) plan.prefix = run;
  flush();
  plan.pure = pure;
  plan.usable = true;
  return plan;
}

// --- compiling ------------------------------------------------------------------------------------------

RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingUTF8);
  options.set_log_errors(false);  // a bad pattern is reported once, as a ConfigError with its place
  options.set_max_mem(kPatternMaxMem);
  return options;
}

Result<std::shared_ptr<const RE2>> CompilePattern(const std::string& source) {
  auto re = std::make_shared<const RE2>(source, PatternOptions());
  if (re->ok()) return re;
  std::string msg = "bad regex '" + source + "': " + re->error();
  switch (re->error_code()) {
    case RE2::ErrorBadEscape:          // \1 (a back-reference), \Z, \G
    case RE2::ErrorBadPerlOp:          // (?= (?! (?<= (?<! (?>
    case RE2::ErrorRepeatOp:           // a++ (possessive), a**
    case RE2::ErrorBadNamedCapture:    // (?<name>...) before RE2 2023
      msg += std::string(" (") + std::string(kSyntaxHint) + ")";
      break;
    default:
      break;
  }
  return Status::ConfigError(std::move(msg));
}

// --- TextRegex -------------------------------------------------------------------------------------

std::vector<std::string_view> TextRegex::Values(std::string_view input, bool all) const {
  std::vector<std::string_view> values;
  const re2::StringPiece text(input.data(), input.size());
  std::vector<re2::StringPiece> captures(static_cast<size_t>(group) + 1);
  size_t pos = 0;
  while (pos <= input.size() &&
         re->Match(text, pos, input.size(), RE2::UNANCHORED, captures.data(), static_cast<int>(captures.size()))) {
    const re2::StringPiece& value = captures[static_cast<size_t>(group)];
    values.emplace_back(value.data() == nullptr ? std::string_view() : std::string_view(value.data(), value.size()));
    if (!all) break;
    const re2::StringPiece& whole = captures[0];
    size_t end = static_cast<size_t>(whole.data() - text.data()) + whole.size();
    if (whole.empty()) {
      if (end >= input.size()) break;
      // Step over one character, or over one maximal subpart of ill-formed bytes (an overlong C0 80
      // is two, as it is two U+FFFD when decoded): never past a well-formed character.
      end += DecodeUtf8At(input, end).length;
    }
    pos = end;
  }
  return values;
}

// --- UrlPattern ---------------------------------------------------------------------------------------

Result<UrlPattern> UrlPattern::Compile(std::string source) {
  auto re = CompilePattern(source);
  if (!re.ok()) return re.status();
  UrlPattern out;
  out.plan_ = AnalyzeLiterals(source);
  out.source_ = std::move(source);
  out.re_ = std::move(*re);
  return out;
}

bool UrlPattern::Search(std::string_view text) const {
  if (plan_.usable) {
    if (plan_.pure) {
      const std::string_view literal = plan_.required.empty() ? std::string_view() : plan_.required.front();
      if (plan_.anchored_start && plan_.anchored_end) return text == literal;
      if (plan_.anchored_start) return text.starts_with(literal);
      if (plan_.anchored_end) return text.ends_with(literal);
      return text.find(literal) != std::string_view::npos;
    }
    if (!text.starts_with(plan_.prefix)) return false;
    for (const std::string& r : plan_.required) {
      if (text.find(r) == std::string_view::npos) return false;
    }
  }
  // No submatches asked: RE2 answers from its DFA alone. A pattern that starts with '^' is matched
  // anchored directly, which spares RE2's unanchored search set-up on every link.
  return re_->Match(re2::StringPiece(text.data(), text.size()), 0, text.size(),
                    plan_.anchored_start ? RE2::ANCHOR_START : RE2::UNANCHORED, nullptr, 0);
}

}  // namespace hc::extract
