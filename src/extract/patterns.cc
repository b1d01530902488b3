// Regex support for the extractor: the literal pre-check that keeps std::regex off most URLs, and the
// UTF-8 <-> UTF-32 conversion that lets field regexes treat a Chinese character as one character.
#include <bitset>
#include <cstdint>
#include <memory>

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

// --- SimplePattern ------------------------------------------------------------------------------------

// One item of a sequence: a byte class (a literal byte is a class of one) or a group, repeated
// min..max times (max < 0: unbounded).
struct SimplePattern::Node {
  std::bitset<256> bytes;
  std::shared_ptr<const Sequence> group;  // set for a group
  std::string literal;  // set for a run of literal bytes (merged single-byte items), matched once
  int min = 1;
  int max = 1;
};

namespace {

constexpr std::string_view kSpecialBytes = "\\^$.|?*+()[]{}";

class SimplePatternParser {
 public:
  explicit SimplePatternParser(std::string_view p) : p_(p) {}

  // The sequence up to the end of the pattern (depth 0) or the ')' closing a group; nullopt when
  // the pattern leaves the subset.
  std::optional<SimplePattern::Sequence> ParseSequence(int depth) {
    SimplePattern::Sequence seq;
    while (i_ < p_.size()) {
      char c = p_[i_];
      if (c == ')') {
        if (depth == 0) return std::nullopt;
        return seq;
      }
      if (c == '$' && depth == 0 && i_ + 1 == p_.size()) return seq;  // the caller records the anchor
      SimplePattern::Node node;
      if (c == '(') {
        ++i_;
        if (p_.substr(i_, 2) == "?:") {
          i_ += 2;
        } else if (i_ < p_.size() && p_[i_] == '?') {
          return std::nullopt;  // lookarounds
        }
        // Groups do not nest and repeat at most 16 times, which bounds the matcher's recursion
        // (byte classes repeat without recursing).
        if (depth >= 1) return std::nullopt;
        auto inner = ParseSequence(depth + 1);
        if (!inner || i_ >= p_.size() || p_[i_] != ')') return std::nullopt;
        ++i_;
        node.group = std::make_shared<const SimplePattern::Sequence>(std::move(*inner));
      } else if (c == '[') {
        if (!ParseClass(&node.bytes)) return std::nullopt;
      } else if (c == '\\') {
        if (i_ + 1 >= p_.size()) return std::nullopt;
        char e = p_[i_ + 1];
        i_ += 2;
        if (e == 'd' || e == 'D') {
          for (char d = '0'; d <= '9'; ++d) node.bytes.set(static_cast<unsigned char>(d));
          if (e == 'D') node.bytes.flip();
        } else if (IsAsciiAlnum(e) || static_cast<unsigned char>(e) >= 0x80) {
          return std::nullopt;  // \w \s \b \x41 \u... back-references
        } else {
          node.bytes.set(static_cast<unsigned char>(e));
        }
      } else if (kSpecialBytes.find(c) != std::string_view::npos) {
        return std::nullopt;  // '.', '|', a misplaced anchor or quantifier, '{', ']'
      } else {
        node.bytes.set(static_cast<unsigned char>(c));
        ++i_;
      }
      if (!ParseQuantifier(&node)) return std::nullopt;
      if (node.group && (node.max < 0 || node.max > 16)) return std::nullopt;
      if (!node.group && node.min == 1 && node.max == 1 && node.bytes.count() == 1) {
        // One literal byte: extend the run before it ("www.mfk.com" is one memcmp, not 11 items).
        char byte = 0;
        for (unsigned b = 0; b < 256; ++b) {
          if (node.bytes.test(b)) byte = static_cast<char>(b);
        }
        if (seq.empty() || seq.back().literal.empty()) {
          node.literal.assign(1, byte);
          seq.push_back(std::move(node));
        } else {
          seq.back().literal += byte;
        }
        continue;
      }
      seq.push_back(std::move(node));
    }
    if (depth > 0) return std::nullopt;  // an unclosed group
    return seq;
  }

  std::size_t position() const { return i_; }

 private:
  // [abc] [a-z0-9_] [^/?#]: literal bytes and ASCII ranges only.
  bool ParseClass(std::bitset<256>* bytes) {
    ++i_;  // '['
    bool negated = false;
    if (i_ < p_.size() && p_[i_] == '^') {
      negated = true;
      ++i_;
    }
    bool empty = true;
    while (i_ < p_.size() && p_[i_] != ']') {
      char a = p_[i_];
      if (a == '\\' || a == '[') return false;
      if (i_ + 2 < p_.size() && p_[i_ + 1] == '-' && p_[i_ + 2] != ']') {
        char b = p_[i_ + 2];
        if (b == '\\' || b == '[') return false;
        auto lo = static_cast<unsigned char>(a), hi = static_cast<unsigned char>(b);
        if (lo >= 0x80 || hi >= 0x80 || lo > hi) return false;
        for (unsigned x = lo; x <= hi; ++x) bytes->set(x);
        i_ += 3;
      } else {
        bytes->set(static_cast<unsigned char>(a));
        ++i_;
      }
      empty = false;
    }
    if (i_ >= p_.size() || empty) return false;  // unclosed, or [] / [^]
    ++i_;  // ']'
    if (negated) bytes->flip();
    return true;
  }

  bool ParseNumber(int* n) {
    std::size_t start = i_;
    long v = 0;
    while (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9' && v < 100000) v = v * 10 + (p_[i_++] - '0');
    *n = static_cast<int>(v);
    return i_ > start && v < 100000;
  }

  bool ParseQuantifier(SimplePattern::Node* node) {
    if (i_ >= p_.size()) return true;
    char c = p_[i_];
    if (c == '?' || c == '*' || c == '+') {
      node->min = c == '+' ? 1 : 0;
      node->max = c == '?' ? 1 : -1;
      ++i_;
    } else if (c == '{') {
      ++i_;
      int lo = 0, hi = 0;
      if (!ParseNumber(&lo)) return false;
      hi = lo;
      if (i_ < p_.size() && p_[i_] == ',') {
        ++i_;
        hi = -1;
        if (i_ < p_.size() && p_[i_] != '}' && (!ParseNumber(&hi) || hi < lo)) return false;
      }
      if (i_ >= p_.size() || p_[i_] != '}') return false;
      ++i_;
      node->min = lo;
      node->max = hi;
    } else {
      return true;
    }
    if (i_ < p_.size() && p_[i_] == '?') ++i_;  // lazy: the same yes/no
    return i_ >= p_.size() || (p_[i_] != '?' && p_[i_] != '*' && p_[i_] != '+' && p_[i_] != '{');
  }

  std::string_view p_;
  std::size_t i_ = 0;
};

// Backtracking over the pattern tree with an explicit continuation (what must match after the
// current sequence), following ECMAScript's RepeatMatcher: greedy, and an optional iteration of a
// group that matches the empty string fails.
class SimpleMatcher {
 public:
  SimpleMatcher(std::string_view text, bool anchored_end) : text_(text), anchored_end_(anchored_end) {}

  // nullopt when the budget is spent.
  std::optional<bool> MatchAt(const SimplePattern::Sequence& root, std::size_t pos) {
    bool matched = MatchSequence(root, 0, pos, nullptr);
    if (steps_ > kBudget) return std::nullopt;
    return matched;
  }

 private:
  static constexpr long kBudget = 200000;

  struct Continuation {
    const SimplePattern::Sequence* seq;  // continue with seq[index...] ...
    std::size_t index;
    const SimplePattern::Node* group;    // ... or with another iteration check of this group
    int iterations;
    std::size_t iteration_start;
    const Continuation* next;
  };

  bool Continue(const Continuation* k, std::size_t pos) {
    if (!k) return !anchored_end_ || pos == text_.size();
    if (k->group) {
      // The end of one iteration of k->group.
      if (k->iterations > k->group->min && pos == k->iteration_start) return false;
      return MatchGroup(*k->group, k->iterations, pos, k->next);
    }
    return MatchSequence(*k->seq, k->index, pos, k->next);
  }

  bool MatchSequence(const SimplePattern::Sequence& seq, std::size_t index, std::size_t pos, const Continuation* k) {
    if (++steps_ > kBudget) return false;
    if (index == seq.size()) return Continue(k, pos);
    const SimplePattern::Node& node = seq[index];
    const Continuation after{&seq, index + 1, nullptr, 0, 0, k};
    if (node.group) return MatchGroup(node, 0, pos, &after);
    if (!node.literal.empty()) {
      return text_.substr(pos, node.literal.size()) == node.literal && MatchSequence(seq, index + 1, pos + node.literal.size(), k);
    }
    // A byte class: take as many as allowed, then give back one at a time.
    std::size_t limit = node.max < 0 ? text_.size() - pos : std::min<std::size_t>(node.max, text_.size() - pos);
    std::size_t n = 0;
    while (n < limit && node.bytes.test(static_cast<unsigned char>(text_[pos + n]))) ++n;
    for (std::size_t take = n + 1; take-- > static_cast<std::size_t>(node.min);) {
      if (MatchSequence(seq, index + 1, pos + take, k)) return true;
      if (steps_ > kBudget) return false;
    }
    return false;
  }

  // `done` iterations of `group` have matched, ending at `pos`; `after` is what follows the group.
  bool MatchGroup(const SimplePattern::Node& group, int done, std::size_t pos, const Continuation* after) {
    if (++steps_ > kBudget) return false;
    if (group.max < 0 || done < group.max) {
      const Continuation end_of_iteration{nullptr, 0, &group, done + 1, pos, after};
      if (MatchSequence(*group.group, 0, pos, &end_of_iteration)) return true;
    }
    return done >= group.min && Continue(after, pos);
  }

  std::string_view text_;
  bool anchored_end_;
  long steps_ = 0;
};

}  // namespace

std::optional<SimplePattern> SimplePattern::Compile(std::string_view pattern) {
  SimplePattern out;
  if (!pattern.empty() && pattern.front() == '^') {
    out.anchored_start_ = true;
    pattern.remove_prefix(1);
  }
  SimplePatternParser parser(pattern);
  auto seq = parser.ParseSequence(0);
  if (!seq) return std::nullopt;
  if (parser.position() < pattern.size()) {
    // Only a final '$' stops the top-level sequence early.
    if (parser.position() + 1 != pattern.size() || pattern.back() != '$') return std::nullopt;
    out.anchored_end_ = true;
  }
  out.root_ = std::make_shared<const Sequence>(std::move(*seq));
  return out;
}

std::optional<bool> SimplePattern::Search(std::string_view text) const {
  SimpleMatcher matcher(text, anchored_end_);
  const std::size_t last_start = anchored_start_ ? 0 : text.size();
  for (std::size_t start = 0; start <= last_start; ++start) {
    auto matched = matcher.MatchAt(*root_, start);
    if (!matched) return std::nullopt;
    if (*matched) return true;
  }
  return false;
}

// --- UrlPattern ---------------------------------------------------------------------------------------

UrlPattern::UrlPattern(std::string source)
    : source_(std::move(source)),
      plan_(AnalyzeLiterals(source_)),
      simple_(SimplePattern::Compile(source_)),
      re_(source_, std::regex::ECMAScript | std::regex::optimize) {}

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
  if (simple_) {
    if (auto matched = simple_->Search(text)) return *matched;
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
