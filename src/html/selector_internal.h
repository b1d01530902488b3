// Internal to html/: the compiled form of a Selector (Selector::Program) and the matcher's entry
// points. A selector list compiles to flat vectors of compounds and simple selectors; matching
// runs right to left over Gumbo nodes with no allocation (CSS Selectors Level 4, the subset listed
// in html.h plus :is/:where/:scope).
//
// Thread-safety: a Program is immutable after Compile and shared by copies of a Selector.
#pragma once

#include <gumbo.h>

#include <cstdint>
#include <string>
#include <vector>

#include "html/html.h"

namespace hc::html {

namespace internal {

enum class SimpleKind : std::uint8_t {
  kTag,            // name (lowercase), tag (GUMBO_TAG_UNKNOWN compares by name)
  kId,             // value
  kClass,          // value
  kAttrExists,     // name
  kAttrEquals,     // name, value, ignore_case
  kAttrIncludes,   // ~=
  kAttrDashMatch,  // |=
  kAttrPrefix,     // ^=
  kAttrSuffix,     // $=
  kAttrSubstring,  // *=
  kNth,            // a, b, from_end, of_type, list (the "of S" list or -1)
  kNot,            // list
  kIs,             // list (:is and :where)
  kHas,            // list (relative selectors)
  kEmpty,
  kRoot,
  kScope,
  kContains,       // value (searched with the KMP table in `kmp`)
};

struct Simple {
  explicit Simple(SimpleKind k) : kind(k) {}
  SimpleKind kind;
  bool ignore_case = false;
  bool from_end = false;
  bool of_type = false;
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  int list = -1;
  long a = 0, b = 0;
  std::string name;
  std::string value;
  std::vector<int> kmp;  // failure function of `value`, for :contains
};

enum class Combinator : std::uint8_t {
  kNone,        // leftmost compound of a complex selector
  kDescendant,  // whitespace
  kChild,       // >
  kNextSibling, // +
  kSubsequentSibling,  // ~
};

struct Compound {
  int first_simple = 0;  // index into Program::simples
  int simple_count = 0;
  // How this compound relates to the one on its left. For the leftmost compound of a relative
  // selector (inside :has) it relates to the :has anchor.
  Combinator combinator = Combinator::kNone;
};

struct Complex {
  int first_compound = 0;  // index into Program::compounds; compounds run left to right
  int compound_count = 0;
  bool relative = false;   // inside :has(): the leftmost combinator is relative to the anchor
};

struct SelectorList {
  std::vector<int> complexes;  // indices into Program::complexes
};

}  // namespace internal

struct Selector::Program {
  std::vector<internal::Simple> simples;
  std::vector<internal::Compound> compounds;
  std::vector<internal::Complex> complexes;
  std::vector<internal::SelectorList> lists;  // lists[0] is the top-level selector list
  Output output = Output::kElement;
  std::string attr_name;
  std::string source;
  // The selector is only a pseudo-element ("::text", "::attr(href)"): it applies to the scope node
  // itself, as in parsel.
  bool scope_only = false;
  // Some selector of lists[0] has :scope in its rightmost compound (":scope::attr(data-aid)",
  // ":scope.ans-item"): only the scope element can match it, so Select tries the scope itself too,
  // which a list item's field needs to read the item's own attributes and text.
  bool matches_scope = false;
  // What an ElementIndex looks a match up by: one key per complex selector of lists[0] (the id, a
  // class or the type its rightmost compound requires; see element_index_internal.h). Empty when
  // some complex selector requires none of them: an indexed select then scans the scope.
  std::vector<std::uint32_t> index_keys;
};

namespace internal {

// Whether `element` matches any selector of lists[list]; `scope` is what :scope and relative
// selectors refer to.
bool MatchesList(const Selector::Program& p, int list, const GumboNode* element, const GumboNode* scope);

}  // namespace internal

}  // namespace hc::html
