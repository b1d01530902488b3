// Regex support for the extractor: the literal pre-check that keeps std::regex off most URLs, and the
// UTF-8 <-> UTF-32 conversion that lets field regexes treat a Chinese character as one character.
#include <cstdint>

#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

size_t Utf8SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead >> 5) == 0x6) return 2;
  if ((lead >> 4) == 0xE) return 3;
  if ((lead >> 3) == 0x1E) return 4;
  return 1;  // a stray continuation byte: one byte, one atom
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Index just past the ']' that closes the class opening at `i`, or npos.
size_t SkipClass(std::string_view p, size_t i) {
  ++i;  // '['
  if (i < p.size() && p[i] == '^') ++i;
  if (i < p.size() && p[i] == ']') ++i;  // a ']' first in the class is literal
  while (i < p.size() && p[i] != ']') i += (p[i] == '\\') ? 2 : 1;
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

}  // namespace

LiteralPlan AnalyzeLiterals(std::string_view p) {
  LiteralPlan plan;
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
      if (IsAsciiAlnum(d)) {  // \d \w \s \b, back-references, \x41: not plain text here
        break_run();
      } else {
        run.push_back(d);
        last_literal_len = 1;
      }
      i += 2;
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
    size_t len = std::min(Utf8SequenceLength(static_cast<unsigned char>(c)), p.size() - i);
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

UrlPattern::UrlPattern(std::string source)
    : source_(std::move(source)),
      plan_(AnalyzeLiterals(source_)),
      re_(source_, std::regex::ECMAScript | std::regex::optimize) {}

bool UrlPattern::Search(std::string_view text) const {
  if (plan_.usable) {
    if (plan_.pure) {
      const std::string literal = plan_.required.empty() ? std::string() : plan_.required.front();
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
  return std::regex_search(text.begin(), text.end(), re_);
}

std::wstring Utf8ToWide(std::string_view s) {
  std::wstring out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = Utf8SequenceLength(c);
    uint32_t cp = 0xFFFD;
    if (len == 1) {
      cp = c < 0x80 ? c : 0xFFFD;
    } else if (i + len <= s.size()) {
      cp = c & (0xFF >> (len + 1));
      bool ok = true;
      for (size_t k = 1; k < len; ++k) {
        unsigned char cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
          ok = false;
          len = k;  // resynchronize at the byte that broke the sequence
          break;
        }
        cp = (cp << 6) | (cc & 0x3F);
      }
      if (!ok || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    } else {
      len = s.size() - i;
    }
    out.push_back(static_cast<wchar_t>(cp));
    i += len;
  }
  return out;
}

std::string WideToUtf8(std::wstring_view w) {
  std::string out;
  out.reserve(w.size());
  for (wchar_t wc : w) {
    auto cp = static_cast<uint32_t>(wc);
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

}  // namespace hc::extract
