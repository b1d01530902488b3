// Selector matching: right to left over Gumbo nodes, iterative over the tree (only the compounds of
// a selector recurse), no allocation per node. Select/SelectFirst/Matches/SelectStrings live here,
// with and without an ElementIndex.
#include <algorithm>
#include <string>
#include <vector>

#include "html/element_index_internal.h"
#include "html/gumbo_node_internal.h"
#include "html/selector_internal.h"

namespace hc::html {

namespace internal {
namespace {

using Program = Selector::Program;

const GumboNode* ParentElement(const GumboNode* n) {
  const GumboNode* p = n->parent;
  return (p && IsElement(p)) ? p : nullptr;
}

const GumboNode* SiblingElement(const GumboNode* n, bool forward) {
  const GumboNode* parent = n->parent;
  if (!parent) return nullptr;
  std::size_t count = ChildCount(parent);
  std::size_t i = n->index_within_parent;
  while (forward ? i + 1 < count : i > 0) {
    i = forward ? i + 1 : i - 1;
    const GumboNode* c = Child(parent, i);
    if (IsElement(c)) return c;
  }
  return nullptr;
}

// The next node after `n` in document order within the subtree of `root` (exclusive), descending
// into `n`'s children when `descend`.
const GumboNode* NextInSubtree(const GumboNode* n, const GumboNode* root, bool descend = true) {
  if (descend && ChildCount(n) > 0) return Child(n, 0);
  while (n != root) {
    const GumboNode* parent = n->parent;
    if (!parent) return nullptr;
    std::size_t next = n->index_within_parent + 1;
    if (next < ChildCount(parent)) return Child(parent, next);
    n = parent;
  }
  return nullptr;
}

bool SameType(const GumboNode* a, const GumboNode* b) {
  if (a->v.element.tag != b->v.element.tag) return false;
  return a->v.element.tag != GUMBO_TAG_UNKNOWN || TagName(a) == TagName(b);
}

bool EqualsCase(std::string_view a, std::string_view b, bool ignore_case) {
  return ignore_case ? EqualsIgnoringAsciiCase(a, b) : a == b;
}

bool StartsWithCase(std::string_view s, std::string_view prefix, bool ignore_case) {
  return s.size() >= prefix.size() && EqualsCase(s.substr(0, prefix.size()), prefix, ignore_case);
}

bool EndsWithCase(std::string_view s, std::string_view suffix, bool ignore_case) {
  return s.size() >= suffix.size() && EqualsCase(s.substr(s.size() - suffix.size()), suffix, ignore_case);
}

bool ContainsCase(std::string_view s, std::string_view needle, bool ignore_case) {
  if (!ignore_case) return s.find(needle) != std::string_view::npos;
  for (std::size_t i = 0; i + needle.size() <= s.size(); ++i) {
    if (EqualsIgnoringAsciiCase(s.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// Whether the whitespace-separated list `s` has the word `word` (class, [a~=v]).
bool HasWord(std::string_view s, std::string_view word, bool ignore_case) {
  if (word.empty()) return false;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsAsciiWhitespace(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !IsAsciiWhitespace(s[i])) ++i;
    if (i > start && EqualsCase(s.substr(start, i - start), word, ignore_case)) return true;
  }
  return false;
}

bool MatchesNth(long a, long b, long position) {
  if (a == 0) return position == b;
  long diff = position - b;
  return diff % a == 0 && diff / a >= 0;
}

// Whether the concatenated text of `e`'s subtree contains the pattern (Knuth-Morris-Pratt over
// the text nodes in order, so no string is built).
bool SubtreeTextContains(const GumboNode* e, const Simple& s) {
  const std::string& pat = s.value;
  if (pat.empty()) return true;
  std::size_t k = 0;
  for (const GumboNode* n = NextInSubtree(e, e); n; n = NextInSubtree(n, e)) {
    if (!IsText(n)) continue;
    for (const char* c = n->v.text.text; *c; ++c) {
      while (k > 0 && *c != pat[k]) k = static_cast<std::size_t>(s.kmp[k - 1]);
      if (*c == pat[k] && ++k == pat.size()) return true;
    }
  }
  return false;
}

bool MatchesComplex(const Program& p, const Complex& cx, const GumboNode* e, const GumboNode* scope);

// :has(): whether some element in the region the relative selector can reach from `anchor`
// matches it.
bool HasRelative(const Program& p, const Complex& cx, const GumboNode* anchor) {
  const Compound* compounds = &p.compounds[static_cast<std::size_t>(cx.first_compound)];
  Combinator leading = compounds[0].combinator;
  bool sibling_start = leading == Combinator::kNextSibling || leading == Combinator::kSubsequentSibling;
  // Later combinators that go down widen the region to the subtrees of the start elements.
  bool goes_down = leading == Combinator::kDescendant;
  bool only_children = leading == Combinator::kChild;
  for (int i = 1; i < cx.compound_count; ++i) {
    Combinator c = compounds[i].combinator;
    if (c == Combinator::kDescendant || c == Combinator::kChild) goes_down = true;
    if (c != Combinator::kChild) only_children = false;
  }
  if (!sibling_start) {
    if (only_children && cx.compound_count == 1) {
      for (std::size_t i = 0, n = ChildCount(anchor); i < n; ++i) {
        const GumboNode* c = Child(anchor, i);
        if (IsElement(c) && MatchesComplex(p, cx, c, anchor)) return true;
      }
      return false;
    }
    for (const GumboNode* n = NextInSubtree(anchor, anchor); n; n = NextInSubtree(n, anchor)) {
      if (IsElement(n) && MatchesComplex(p, cx, n, anchor)) return true;
    }
    return false;
  }
  for (const GumboNode* sib = SiblingElement(anchor, true); sib; sib = SiblingElement(sib, true)) {
    if (MatchesComplex(p, cx, sib, anchor)) return true;
    if (!goes_down) continue;
    for (const GumboNode* n = NextInSubtree(sib, sib); n; n = NextInSubtree(n, sib)) {
      if (IsElement(n) && MatchesComplex(p, cx, n, anchor)) return true;
    }
  }
  return false;
}

bool MatchesSimple(const Program& p, const Simple& s, const GumboNode* e, const GumboNode* scope) {
  switch (s.kind) {
    case SimpleKind::kTag:
      if (s.tag != GUMBO_TAG_UNKNOWN) return e->v.element.tag == s.tag;
      return e->v.element.tag == GUMBO_TAG_UNKNOWN && TagName(e) == s.name;
    case SimpleKind::kId: {
      const GumboAttribute* a = FindAttribute(e, "id");
      return a && s.value == a->value;
    }
    case SimpleKind::kClass: {
      const GumboAttribute* a = FindAttribute(e, "class");
      return a && HasWord(a->value, s.value, false);
    }
    case SimpleKind::kAttrExists:
      return FindAttribute(e, s.name) != nullptr;
    case SimpleKind::kAttrEquals:
    case SimpleKind::kAttrIncludes:
    case SimpleKind::kAttrDashMatch:
    case SimpleKind::kAttrPrefix:
    case SimpleKind::kAttrSuffix:
    case SimpleKind::kAttrSubstring: {
      const GumboAttribute* a = FindAttribute(e, s.name);
      if (!a) return false;
      std::string_view v = a->value;
      bool ic = s.ignore_case;
      switch (s.kind) {
        case SimpleKind::kAttrEquals: return EqualsCase(v, s.value, ic);
        case SimpleKind::kAttrIncludes: return HasWord(v, s.value, ic);
        case SimpleKind::kAttrDashMatch:
          return EqualsCase(v, s.value, ic) ||
                 (v.size() > s.value.size() && v[s.value.size()] == '-' && StartsWithCase(v, s.value, ic));
        case SimpleKind::kAttrPrefix: return !s.value.empty() && StartsWithCase(v, s.value, ic);
        case SimpleKind::kAttrSuffix: return !s.value.empty() && EndsWithCase(v, s.value, ic);
        default: return !s.value.empty() && ContainsCase(v, s.value, ic);
      }
    }
    case SimpleKind::kNth: {
      if (s.list >= 0 && !MatchesList(p, s.list, e, scope)) return false;
      long position = 1;
      // Count the siblings before `e` (after it for the -last- forms).
      for (const GumboNode* sib = SiblingElement(e, s.from_end); sib; sib = SiblingElement(sib, s.from_end)) {
        if (s.of_type ? SameType(sib, e) : (s.list < 0 || MatchesList(p, s.list, sib, scope))) ++position;
        // With a <= 0 the positions that can match are at most b: stop counting past it, so that
        // :first-child or :nth-child(2) stay cheap in a list of 100,000 items.
        if (s.a <= 0 && position > s.b) return false;
      }
      return MatchesNth(s.a, s.b, position);
    }
    case SimpleKind::kNot:
      return !MatchesList(p, s.list, e, scope);
    case SimpleKind::kIs:
      return MatchesList(p, s.list, e, scope);
    case SimpleKind::kHas:
      for (int cx : p.lists[static_cast<std::size_t>(s.list)].complexes) {
        if (HasRelative(p, p.complexes[static_cast<std::size_t>(cx)], e)) return true;
      }
      return false;
    case SimpleKind::kEmpty:
      for (std::size_t i = 0, n = ChildCount(e); i < n; ++i) {
        const GumboNode* c = Child(e, i);
        if (IsElement(c) || (IsText(c) && c->v.text.text[0] != '\0')) return false;
      }
      return true;
    case SimpleKind::kRoot:
      return e->parent && e->parent->type == GUMBO_NODE_DOCUMENT;
    case SimpleKind::kScope:
      return e == scope;
    case SimpleKind::kContains:
      return SubtreeTextContains(e, s);
  }
  return false;
}

bool MatchesCompound(const Program& p, const Compound& c, const GumboNode* e, const GumboNode* scope) {
  for (int i = 0; i < c.simple_count; ++i) {
    if (!MatchesSimple(p, p.simples[static_cast<std::size_t>(c.first_simple + i)], e, scope)) return false;
  }
  return true;
}

bool IsAncestor(const GumboNode* ancestor, const GumboNode* n) {
  for (const GumboNode* a = n->parent; a; a = a->parent) {
    if (a == ancestor) return true;
  }
  return false;
}

// Why a complex selector failed, so that a descendant or sibling combinator knows whether trying
// its next candidate can help. Without this, "div div div div p" on a deep page would try every
// combination of ancestors. This is the scheme of Servo's selectors crate (and of WebKit's
// SelectorChecker).
enum class MatchResult {
  kMatched,
  kRestartFromClosestLaterSibling,  // the plain failure: try the next candidate
  kRestartFromClosestDescendant,    // no later sibling candidate can help
  kNotMatchedGlobally,              // no candidate anywhere can help
};

// Whether `e` matches compound `index` of `cx` and the compounds left of it match the right
// relatives of `e`. For a relative complex, the leftmost compound relates to `scope` instead.
MatchResult MatchComplexAt(const Program& p, const Complex& cx, int index, const GumboNode* e,
                           const GumboNode* scope) {
  const Compound& c = p.compounds[static_cast<std::size_t>(cx.first_compound + index)];
  if (!MatchesCompound(p, c, e, scope)) return MatchResult::kRestartFromClosestLaterSibling;
  if (index == 0) {
    if (!cx.relative) return MatchResult::kMatched;
    bool related = false;
    if (scope) {
      switch (c.combinator) {
        case Combinator::kChild: related = e->parent == scope; break;
        case Combinator::kDescendant: related = IsAncestor(scope, e); break;
        case Combinator::kNextSibling: related = SiblingElement(e, false) == scope; break;
        case Combinator::kSubsequentSibling:
          for (const GumboNode* s = SiblingElement(e, false); s && !related; s = SiblingElement(s, false)) {
            related = s == scope;
          }
          break;
        case Combinator::kNone: related = true; break;
      }
    }
    // A failed relation to the anchor is a plain failure: another candidate may relate.
    return related ? MatchResult::kMatched : MatchResult::kRestartFromClosestLaterSibling;
  }
  const Combinator comb = c.combinator;
  const bool upward = comb == Combinator::kChild || comb == Combinator::kDescendant;
  auto next = [&](const GumboNode* n) { return upward ? ParentElement(n) : SiblingElement(n, false); };
  for (const GumboNode* candidate = next(e); candidate; candidate = next(candidate)) {
    MatchResult r = MatchComplexAt(p, cx, index - 1, candidate, scope);
    if (r == MatchResult::kMatched || r == MatchResult::kNotMatchedGlobally || comb == Combinator::kNextSibling) {
      return r;
    }
    if (comb == Combinator::kChild) return MatchResult::kRestartFromClosestDescendant;
    if (r == MatchResult::kRestartFromClosestDescendant && comb == Combinator::kSubsequentSibling) return r;
    // A descendant combinator, or a subsequent-sibling one after a plain failure: next candidate.
  }
  return upward ? MatchResult::kNotMatchedGlobally : MatchResult::kRestartFromClosestDescendant;
}

bool MatchesComplex(const Program& p, const Complex& cx, const GumboNode* e, const GumboNode* scope) {
  return MatchComplexAt(p, cx, cx.compound_count - 1, e, scope) == MatchResult::kMatched;
}

}  // namespace

bool MatchesList(const Program& p, int list, const GumboNode* element, const GumboNode* scope) {
  for (int cx : p.lists[static_cast<std::size_t>(list)].complexes) {
    if (MatchesComplex(p, p.complexes[static_cast<std::size_t>(cx)], element, scope)) return true;
  }
  return false;
}

}  // namespace internal

namespace {

// Calls `visit` on each matching element under `scope` in document order; stops when it returns
// false. With an index that covers `scope`, only the elements filed under the selector's index keys
// are matched (or, without keys, the scope's elements from the flat array); the matcher decides as
// in the plain walk, so the result is the same.
template <typename Visit>
void ForEachMatch(Node scope, const Selector& selector, const ElementIndex* index, Visit visit) {
  const GumboNode* root = scope.raw();
  if (!root) return;
  const Selector::Program& p = selector.program();
  if (p.scope_only) {
    if (internal::IsElement(root)) visit(root);
    return;
  }
  // The scope comes first in document order; the walks below see only its descendants.
  if (p.matches_scope && internal::IsElement(root) && internal::MatchesList(p, 0, root, root) && !visit(root)) {
    return;
  }
  if (index) {
    const ElementIndex::Rep& rep = index->rep();
    if (auto range = internal::ScopeRange(rep, root)) {
      auto [begin, end] = *range;
      auto try_position = [&](std::uint32_t i) {
        const GumboNode* n = rep.elements[i];
        return !internal::MatchesList(p, 0, n, root) || visit(n);
      };
      if (p.index_keys.empty()) {
        for (std::uint32_t i = begin; i < end; ++i) {
          if (!try_position(i)) return;
        }
      } else if (p.index_keys.size() == 1) {
        internal::ForEachPosting(rep, p.index_keys[0], begin, end, try_position);
      } else {
        // A selector list: the union of its keys' elements, in document order, each once.
        std::vector<std::uint32_t> positions;
        for (std::uint32_t key : p.index_keys) {
          internal::ForEachPosting(rep, key, begin, end, [&](std::uint32_t i) {
            positions.push_back(i);
            return true;
          });
        }
        std::sort(positions.begin(), positions.end());
        positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
        for (std::uint32_t i : positions) {
          if (!try_position(i)) return;
        }
      }
      return;
    }
  }
  for (const GumboNode* n = internal::NextInSubtree(root, root); n; n = internal::NextInSubtree(n, root)) {
    if (internal::IsElement(n) && internal::MatchesList(p, 0, n, root) && !visit(n)) return;
  }
}

// What SelectStrings appends for one matched element.
void AppendStrings(const GumboNode* n, const Selector& selector, std::vector<std::string>& out) {
  switch (selector.output()) {
    case Selector::Output::kElement:
      out.push_back(Text(Node(n)));
      break;
    case Selector::Output::kText:
      for (std::size_t i = 0, count = internal::ChildCount(n); i < count; ++i) {
        const GumboNode* c = internal::Child(n, i);
        if (!internal::IsText(c)) continue;
        std::string text = NormalizeWhitespace(c->v.text.text);
        if (!text.empty()) out.push_back(std::move(text));
      }
      break;
    case Selector::Output::kAttr:
      if (const GumboAttribute* a = internal::FindAttribute(n, selector.attr_name())) out.emplace_back(a->value);
      break;
  }
}

std::vector<Node> SelectWith(Node scope, const Selector& selector, const ElementIndex* index) {
  std::vector<Node> out;
  ForEachMatch(scope, selector, index, [&](const GumboNode* n) {
    out.emplace_back(n);
    return true;
  });
  return out;
}

std::optional<Node> SelectFirstWith(Node scope, const Selector& selector, const ElementIndex* index) {
  std::optional<Node> out;
  ForEachMatch(scope, selector, index, [&](const GumboNode* n) {
    out = Node(n);
    return false;
  });
  return out;
}

std::vector<std::string> SelectStringsWith(Node scope, const Selector& selector, const ElementIndex* index) {
  std::vector<std::string> out;
  ForEachMatch(scope, selector, index, [&](const GumboNode* n) {
    AppendStrings(n, selector, out);
    return true;
  });
  return out;
}

}  // namespace

std::vector<Node> Select(Node scope, const Selector& selector) { return SelectWith(scope, selector, nullptr); }
std::vector<Node> Select(Node scope, const Selector& selector, const ElementIndex& index) {
  return SelectWith(scope, selector, &index);
}

std::optional<Node> SelectFirst(Node scope, const Selector& selector) {
  return SelectFirstWith(scope, selector, nullptr);
}
std::optional<Node> SelectFirst(Node scope, const Selector& selector, const ElementIndex& index) {
  return SelectFirstWith(scope, selector, &index);
}

bool Matches(Node element, const Selector& selector) {
  if (!element.is_element()) return false;
  const Selector::Program& p = selector.program();
  if (p.scope_only) return true;
  return internal::MatchesList(p, 0, element.raw(), element.raw());
}

std::vector<std::string> SelectStrings(Node scope, const Selector& selector) {
  return SelectStringsWith(scope, selector, nullptr);
}
std::vector<std::string> SelectStrings(Node scope, const Selector& selector, const ElementIndex& index) {
  return SelectStringsWith(scope, selector, &index);
}

}  // namespace hc::html
