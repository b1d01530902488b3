// Selector::Compile: a recursive-descent parser for the CSS selector subset in html.h (grammar of
// CSS Selectors Level 4 §16, tokens and escapes of CSS Syntax Level 3 §4), producing the flat
// Program that selector_match.cc runs.
#include <algorithm>
#include <string>
#include <utility>

#include "html/element_index_internal.h"
#include "html/gumbo_node_internal.h"
#include "html/selector_internal.h"

namespace hc::html {

using internal::Combinator;
using internal::Complex;
using internal::Compound;
using internal::Simple;
using internal::SimpleKind;

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c) || c == '-'; }

std::vector<int> KmpTable(const std::string& pattern) {
  std::vector<int> fail(pattern.size(), 0);
  for (std::size_t i = 1, k = 0; i < pattern.size(); ++i) {
    while (k > 0 && pattern[i] != pattern[k]) k = fail[k - 1];
    if (pattern[i] == pattern[k]) ++k;
    fail[i] = static_cast<int>(k);
  }
  return fail;
}

// Where a selector list ends: the whole input, or the ')' of a functional pseudo-class.
enum class ListEnd { kInput, kParen };

class SelectorParser {
 public:
  explicit SelectorParser(std::string_view css) : s_(css) {}

  Result<Selector> Run() {
    auto program = std::make_shared<Selector::Program>();
    p_ = program.get();
    p_->source = std::string(s_);
    p_->lists.emplace_back();
    if (!ParseTopLevel()) return Status::InvalidArgument(error_);
    if (auto keys = internal::IndexKeysOf(*p_)) p_->index_keys = std::move(*keys);
    p_->matches_scope = RightmostCompoundHasScope(*p_);
    return Selector(std::move(program));
  }

 private:
  // --- errors ---------------------------------------------------------------------------------------

  bool Fail(std::string_view expected) { return FailAt(pos_, expected); }

  bool FailAt(std::size_t at, std::string_view expected, std::string found = {}) {
    if (!error_.empty()) return false;
    if (found.empty()) found = Describe(at);
    error_ = "column " + std::to_string(ColumnOf(at)) + ": expected " + std::string(expected) + ", found " + found;
    return false;
  }

  std::string Describe(std::size_t at) const {
    if (at >= s_.size()) return "end of input";
    std::size_t len = 1;
    while (at + len < s_.size() && (static_cast<unsigned char>(s_[at + len]) & 0xC0) == 0x80) ++len;
    return "'" + std::string(s_.substr(at, len)) + "'";
  }

  // --- characters -----------------------------------------------------------------------------------

  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek(std::size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }
  bool SkipWhitespace() {
    std::size_t start = pos_;
    while (!AtEnd() && IsAsciiWhitespace(Peek())) ++pos_;
    return pos_ != start;
  }
  bool StartsEscape(std::size_t ahead = 0) const {
    return Peek(ahead) == '\\' && pos_ + ahead + 1 < s_.size() && Peek(ahead + 1) != '\n';
  }
  bool StartsIdent() const {
    if (IsNameStart(Peek()) || StartsEscape()) return true;
    if (Peek() == '-') return IsNameStart(Peek(1)) || Peek(1) == '-' || StartsEscape(1);
    return false;
  }

  // CSS Syntax §4.3.7; pos_ is just past the backslash.
  void ConsumeEscape(std::string& out) {
    if (AtEnd()) {
      AppendUtf8(kReplacementCharacter, out);
      return;
    }
    if (IsHex(Peek())) {
      unsigned long cp = 0;
      for (int n = 0; n < 6 && IsHex(Peek()); ++n, ++pos_) {
        char c = Peek();
        cp = cp * 16 + static_cast<unsigned long>(IsDigit(c) ? c - '0' : AsciiLower(c) - 'a' + 10);
      }
      if (IsAsciiWhitespace(Peek())) ++pos_;
      AppendUtf8(cp == 0 ? kReplacementCharacter : static_cast<char32_t>(cp), out);  // CSS Syntax §4.3.7
      return;
    }
    out += s_[pos_++];
  }

  // A run of name characters and escapes (an ident when StartsIdent() held before it).
  std::string ConsumeName() {
    std::string out;
    while (!AtEnd()) {
      if (StartsEscape()) {
        ++pos_;
        ConsumeEscape(out);
      } else if (IsNameChar(Peek())) {
        out += s_[pos_++];
      } else {
        break;
      }
    }
    return out;
  }

  bool ConsumeIdent(std::string& out, std::string_view expected) {
    if (!StartsIdent()) return Fail(expected);
    out = ConsumeName();
    return true;
  }

  // A quoted string; pos_ is at the quote.
  bool ConsumeString(std::string& out) {
    std::size_t start = pos_;
    char quote = s_[pos_++];
    while (true) {
      if (AtEnd()) return FailAt(pos_, std::string("closing ") + quote + " of the string at column " +
                                           std::to_string(ColumnOf(start)));
      char c = s_[pos_++];
      if (c == quote) return true;
      if (c == '\\') {
        if (Peek() == '\n') {
          ++pos_;  // an escaped newline continues the string
        } else {
          ConsumeEscape(out);
        }
      } else {
        out += c;
      }
    }
  }

  std::size_t ColumnOf(std::size_t at) const {
    std::size_t column = 1;
    for (std::size_t i = 0; i < at && i < s_.size(); ++i) {
      if ((static_cast<unsigned char>(s_[i]) & 0xC0) != 0x80) ++column;
    }
    return column;
  }

  bool Expect(char c) {
    if (Peek() != c || AtEnd()) return Fail(std::string("'") + c + "'");
    ++pos_;
    return true;
  }

  static bool RightmostCompoundHasScope(const Selector::Program& p) {
    for (int cx : p.lists[0].complexes) {
      const internal::Complex& complex = p.complexes[static_cast<std::size_t>(cx)];
      const internal::Compound& last =
          p.compounds[static_cast<std::size_t>(complex.first_compound + complex.compound_count - 1)];
      for (int i = 0; i < last.simple_count; ++i) {
        const internal::Simple& simple = p.simples[static_cast<std::size_t>(last.first_simple + i)];
        if (simple.kind == internal::SimpleKind::kScope) return true;
      }
    }
    return false;
  }

  // --- grammar --------------------------------------------------------------------------------------

  bool ParseTopLevel() {
    SkipWhitespace();
    if (Peek() == ':' && Peek(1) == ':') {
      // Only a pseudo-element: it applies to the scope node itself (parsel's `::attr(href)`).
      if (!ParsePseudoElement()) return false;
      SkipWhitespace();
      if (!AtEnd()) return Fail("end of input after a lone pseudo-element");
      p_->scope_only = true;
      return true;
    }
    return ParseList(0, /*relative=*/false, ListEnd::kInput);
  }

  // selector-list, or relative-selector-list for :has(). Leaves pos_ at the ')' for kParen.
  bool ParseList(int list, bool relative, ListEnd end) {
    // The parser and the matcher recurse once per nested :not/:is/:has; a bound keeps a hostile
    // selector from exhausting the stack.
    constexpr int kMaxNesting = 32;
    if (nesting_ > kMaxNesting) return Fail("at most 32 nested selector lists");
    ++nesting_;
    bool ok = ParseListBody(list, relative, end);
    --nesting_;
    return ok;
  }

  bool ParseListBody(int list, bool relative, ListEnd end) {
    std::vector<int> complexes;
    bool first = true;
    while (true) {
      int complex = -1;
      if (!ParseComplex(relative, end == ListEnd::kInput, first, complex)) return false;
      complexes.push_back(complex);
      first = false;
      SkipWhitespace();
      if (Peek() == ',' && !AtEnd()) {
        ++pos_;
        continue;
      }
      if (end == ListEnd::kInput ? AtEnd() : (Peek() == ')' && !AtEnd())) break;
      return Fail(end == ListEnd::kInput ? "',', a combinator or end of input" : "',', a combinator or ')'");
    }
    p_->lists[list].complexes = std::move(complexes);
    return true;
  }

  static bool IsCombinatorChar(char c) { return c == '>' || c == '+' || c == '~'; }

  static Combinator CombinatorOf(char c) {
    switch (c) {
      case '>': return Combinator::kChild;
      case '+': return Combinator::kNextSibling;
      default: return Combinator::kSubsequentSibling;
    }
  }

  bool ParseComplex(bool relative, bool top_level, bool first_in_list, int& out_index) {
    SkipWhitespace();
    Complex complex;
    std::vector<Compound> compounds;
    Combinator leading = Combinator::kNone;
    if (IsCombinatorChar(Peek()) && !AtEnd()) {
      // "> li" at the top level is relative to the scope, as jQuery's find("> li").
      if (!relative && !top_level) return Fail("selector");
      leading = CombinatorOf(Peek());
      ++pos_;
      SkipWhitespace();
      complex.relative = true;
    } else if (relative) {
      leading = Combinator::kDescendant;
      complex.relative = true;
    }

    Combinator next = leading;
    while (true) {
      Compound compound;
      if (!ParseCompound(compound)) return false;
      compound.combinator = next;
      compounds.push_back(compound);

      if (Peek() == ':' && Peek(1) == ':') {
        if (!top_level) return Fail("')' (a pseudo-element may only end the whole selector)");
        std::size_t at = pos_;
        if (!ParsePseudoElement(first_in_list ? nullptr : &at)) return false;
        SkipWhitespace();
        if (!AtEnd() && Peek() != ',') return Fail("',' or end of input after a pseudo-element");
        break;
      }
      bool had_space = SkipWhitespace();
      char c = Peek();
      if (!AtEnd() && IsCombinatorChar(c)) {
        ++pos_;
        SkipWhitespace();
        next = CombinatorOf(c);
        continue;
      }
      if (had_space && !AtEnd() && c != ',' && c != ')') {
        next = Combinator::kDescendant;
        continue;
      }
      // The list ends here: every selector of a list must end in the same pseudo-element.
      if (top_level && !first_in_list && p_->output != Selector::Output::kElement) {
        return Fail("'" + PseudoElementText() + "' like the first selector of the list");
      }
      break;
    }
    complex.first_compound = static_cast<int>(p_->compounds.size());
    complex.compound_count = static_cast<int>(compounds.size());
    p_->compounds.insert(p_->compounds.end(), compounds.begin(), compounds.end());
    out_index = static_cast<int>(p_->complexes.size());
    p_->complexes.push_back(complex);
    return true;
  }

  std::string PseudoElementText() const {
    return p_->output == Selector::Output::kText ? "::text" : "::attr(" + p_->attr_name + ")";
  }

  // ::text or ::attr(name). `later_at` is set for the second and later selectors of a list, whose
  // pseudo-element must repeat the first one's.
  bool ParsePseudoElement(const std::size_t* later_at = nullptr) {
    std::size_t start = pos_;
    pos_ += 2;
    std::string name;
    if (!StartsIdent()) return Fail("'text' or 'attr(' after '::'");
    name = AsciiLowered(ConsumeName());
    Selector::Output output;
    std::string attr;
    if (name == "text" && Peek() != '(') {
      output = Selector::Output::kText;
    } else if (name == "attr" && Peek() == '(') {
      ++pos_;
      SkipWhitespace();
      if (!ConsumeIdent(attr, "attribute name")) return false;
      attr = AsciiLowered(attr);
      SkipWhitespace();
      if (!Expect(')')) return false;
      output = Selector::Output::kAttr;
    } else {
      return FailAt(start, "'::text' or '::attr(name)'", "'::" + name + (Peek() == '(' ? "('" : "'"));
    }
    if (later_at) {
      if (output != p_->output || attr != p_->attr_name) {
        std::string want = p_->output == Selector::Output::kElement ? "no pseudo-element (as the first selector of the list)"
                                                                    : "'" + PseudoElementText() + "' like the first selector of the list";
        return FailAt(start, want, "'" + std::string(s_.substr(start, pos_ - start)) + "'");
      }
      return true;
    }
    p_->output = output;
    p_->attr_name = attr;
    return true;
  }

  bool ParseCompound(Compound& compound) {
    std::vector<Simple> simples;
    bool any = false;
    if (Peek() == '*' && !AtEnd()) {
      ++pos_;
      any = true;
    } else if (StartsIdent()) {
      Simple s{SimpleKind::kTag};
      s.name = AsciiLowered(ConsumeName());
      s.tag = gumbo_tagn_enum(s.name.data(), static_cast<unsigned>(s.name.size()));
      simples.push_back(std::move(s));
      any = true;
    }
    while (!AtEnd()) {
      char c = Peek();
      if (c == '#') {
        ++pos_;
        if (!IsNameChar(Peek()) && !StartsEscape()) return Fail("an id after '#'");
        Simple s{SimpleKind::kId};
        s.value = ConsumeName();
        simples.push_back(std::move(s));
      } else if (c == '.') {
        ++pos_;
        Simple s{SimpleKind::kClass};
        if (!ConsumeIdent(s.value, "a class name after '.'")) return false;
        simples.push_back(std::move(s));
      } else if (c == '[') {
        if (!ParseAttribute(simples)) return false;
      } else if (c == ':' && Peek(1) != ':') {
        if (!ParsePseudoClass(simples)) return false;
      } else {
        break;
      }
      any = true;
    }
    if (!any) return Fail("selector");
    compound.first_simple = static_cast<int>(p_->simples.size());
    compound.simple_count = static_cast<int>(simples.size());
    for (Simple& s : simples) p_->simples.push_back(std::move(s));
    return true;
  }

  bool ParseAttribute(std::vector<Simple>& simples) {
    ++pos_;  // '['
    SkipWhitespace();
    Simple s{SimpleKind::kAttrExists};
    if (!ConsumeIdent(s.name, "attribute name")) return false;
    s.name = AsciiLowered(s.name);
    SkipWhitespace();
    if (Peek() == ']' && !AtEnd()) {
      ++pos_;
      simples.push_back(std::move(s));
      return true;
    }
    char op = Peek();
    if (op == '=') {
      s.kind = SimpleKind::kAttrEquals;
      ++pos_;
    } else if ((op == '~' || op == '|' || op == '^' || op == '$' || op == '*') && Peek(1) == '=') {
      s.kind = op == '~'   ? SimpleKind::kAttrIncludes
               : op == '|' ? SimpleKind::kAttrDashMatch
               : op == '^' ? SimpleKind::kAttrPrefix
               : op == '$' ? SimpleKind::kAttrSuffix
                           : SimpleKind::kAttrSubstring;
      pos_ += 2;
    } else {
      return Fail("']' or an attribute operator (=, ~=, |=, ^=, $=, *=)");
    }
    SkipWhitespace();
    if ((Peek() == '"' || Peek() == '\'') && !AtEnd()) {
      if (!ConsumeString(s.value)) return false;
    } else if (StartsIdent() || IsNameChar(Peek())) {
      // Unquoted: an ident in CSS; digits first ([data-id=5]) are accepted too, as jQuery does.
      s.value = ConsumeName();
    } else {
      return Fail("attribute value");
    }
    SkipWhitespace();
    if (StartsIdent()) {
      std::size_t at = pos_;
      std::string flag = AsciiLowered(ConsumeName());
      if (flag == "i") {
        s.ignore_case = true;
      } else if (flag != "s") {
        return FailAt(at, "']' or the flag i or s", "'" + flag + "'");
      }
      SkipWhitespace();
    }
    if (!Expect(']')) return false;
    if (s.ignore_case) s.value = AsciiLowered(s.value);
    simples.push_back(std::move(s));
    return true;
  }

  bool ParsePseudoClass(std::vector<Simple>& simples) {
    std::size_t start = pos_;
    ++pos_;  // ':'
    if (!StartsIdent()) return Fail("pseudo-class name after ':'");
    std::string name = AsciiLowered(ConsumeName());
    bool functional = Peek() == '(' && !AtEnd();
    auto unknown = [&] {
      return FailAt(start, "a supported pseudo-class", "':" + name + (functional ? "('" : "'"));
    };
    if (!functional) {
      Simple s{SimpleKind::kNth};
      s.a = 0;
      s.b = 1;
      if (name == "first-child") {
      } else if (name == "last-child") {
        s.from_end = true;
      } else if (name == "first-of-type") {
        s.of_type = true;
      } else if (name == "last-of-type") {
        s.of_type = true;
        s.from_end = true;
      } else if (name == "only-child" || name == "only-of-type") {
        s.of_type = name == "only-of-type";
        simples.push_back(s);
        s.from_end = true;
      } else if (name == "empty") {
        s = Simple{SimpleKind::kEmpty};
      } else if (name == "root") {
        s = Simple{SimpleKind::kRoot};
      } else if (name == "scope") {
        s = Simple{SimpleKind::kScope};
      } else {
        return unknown();
      }
      simples.push_back(std::move(s));
      return true;
    }
    ++pos_;  // '('
    SkipWhitespace();
    Simple s{SimpleKind::kNth};
    if (name == "nth-child" || name == "nth-last-child" || name == "nth-of-type" || name == "nth-last-of-type") {
      s.from_end = name.find("last") != std::string::npos;
      s.of_type = name.ends_with("of-type");
      if (!ParseAnPlusB(s)) return false;
      if (!s.of_type && StartsIdent()) {
        std::size_t at = pos_;
        std::string word = AsciiLowered(ConsumeName());
        if (word != "of" || !IsAsciiWhitespace(Peek())) return FailAt(at, "')' or 'of'", "'" + word + "'");
        s.list = NewList();
        if (!ParseList(s.list, false, ListEnd::kParen)) return false;
      }
    } else if (name == "not" || name == "is" || name == "where" || name == "has") {
      s.kind = name == "not" ? SimpleKind::kNot : name == "has" ? SimpleKind::kHas : SimpleKind::kIs;
      s.list = NewList();
      if (!ParseList(s.list, name == "has", ListEnd::kParen)) return false;
    } else if (name == "contains") {
      s.kind = SimpleKind::kContains;
      if ((Peek() == '"' || Peek() == '\'') && !AtEnd()) {
        if (!ConsumeString(s.value)) return false;
      } else if (!ConsumeIdent(s.value, "a string")) {
        return false;
      }
      s.kmp = KmpTable(s.value);
      SkipWhitespace();
    } else {
      return unknown();
    }
    if (!Expect(')')) return false;
    simples.push_back(std::move(s));
    return true;
  }

  int NewList() {
    p_->lists.emplace_back();
    return static_cast<int>(p_->lists.size() - 1);
  }

  bool ConsumeNumber(long& out) {
    if (!IsDigit(Peek())) return false;
    out = 0;
    while (IsDigit(Peek())) {
      if (out < 100000000) out = out * 10 + (Peek() - '0');  // saturate: no sibling index is that large
      ++pos_;
    }
    return true;
  }

  bool MatchesKeyword(std::string_view word) const {
    if (!EqualsIgnoringAsciiCase(s_.substr(pos_, word.size()), word)) return false;
    return !IsNameChar(Peek(word.size()));
  }

  // CSS Syntax §6 (An+B), with whitespace around the binary sign as the spec allows; leaves pos_
  // past trailing whitespace.
  bool ParseAnPlusB(Simple& s) {
    const char* kExpected = "an+b, odd or even";
    if (MatchesKeyword("odd")) {
      pos_ += 3;
      s.a = 2;
      s.b = 1;
    } else if (MatchesKeyword("even")) {
      pos_ += 4;
      s.a = 2;
      s.b = 0;
    } else {
      long sign = 1;
      if (Peek() == '+' || Peek() == '-') {
        sign = Peek() == '-' ? -1 : 1;
        ++pos_;
      }
      long number = 0;
      bool has_number = ConsumeNumber(number);
      if (Peek() == 'n' || Peek() == 'N') {
        ++pos_;
        s.a = sign * (has_number ? number : 1);
        std::size_t before_space = pos_;
        SkipWhitespace();
        if (Peek() == '+' || Peek() == '-') {
          long b_sign = Peek() == '-' ? -1 : 1;
          ++pos_;
          SkipWhitespace();
          long b = 0;
          if (!ConsumeNumber(b)) return Fail("a number after the sign in an+b");
          s.b = b_sign * b;
        } else {
          pos_ = before_space;
          s.b = 0;
        }
      } else {
        if (!has_number) return Fail(kExpected);
        s.a = 0;
        s.b = sign * number;
      }
    }
    if (IsNameChar(Peek()) && !AtEnd()) return Fail("')' after an+b");
    SkipWhitespace();
    return true;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  Selector::Program* p_ = nullptr;
  std::string error_;
  int nesting_ = 0;
};

}  // namespace

Result<Selector> Selector::Compile(std::string_view css) { return SelectorParser(css).Run(); }

Selector::Output Selector::output() const { return p_->output; }
const std::string& Selector::attr_name() const { return p_->attr_name; }
const std::string& Selector::source() const { return p_->source; }

}  // namespace hc::html
