// Internal to html/: the layout of an ElementIndex and the keys selectors are looked up by.
//
// Elements are numbered in document order (preorder over the same child vectors the plain walk
// follows), so the descendants of element i are exactly positions i+1 .. subtree_end[i]-1, and any
// subset of positions kept sorted is in document order. Two kinds of key:
//  - a known type (GumboTag): TagKey(t) = kTagKeyBit | t. Its elements are one slice of by_tag,
//    tag_begin[t] .. tag_begin[t+1], in document order (a counting sort, no comparisons);
//  - an id or a class word: a 31-bit hash of ("#" or ".", value). postings packs
//    (key << 32 | position) into one sorted vector, so the elements under a scope carrying a key are
//    one contiguous range of it. A hash collision only adds candidates, because every candidate is
//    still matched against the full selector.
//
// Thread-safety: a Rep is immutable once built.
#pragma once

#include <gumbo.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "html/html.h"
#include "html/selector_internal.h"

namespace hc::html {

struct ElementIndex::Rep {
  const GumboNode* document = nullptr;
  std::vector<const GumboNode*> elements;  // document order
  std::vector<std::uint32_t> subtree_end;  // per element: one past its last descendant's position
  // Open addressing from node address to position + 1 (0 = empty); size a power of two.
  std::vector<std::uint32_t> position_slots;
  std::vector<std::uint32_t> tag_begin;  // GUMBO_TAG_LAST + 1 offsets into by_tag
  std::vector<std::uint32_t> by_tag;     // positions grouped by tag, each group in document order
  std::vector<std::uint64_t> postings;   // sorted, unique (id/class key << 32 | position)
};

namespace internal {

inline constexpr std::uint32_t kTagKeyBit = 0x80000000u;

std::uint32_t TagKey(GumboTag tag);
std::uint32_t IdKey(std::string_view id);
std::uint32_t ClassKey(std::string_view word);

// The index keys of a compiled selector, one per complex selector of its top-level list (see
// Selector::Program::index_keys); nullopt when some complex selector's rightmost compound requires
// no id, class or known type.
std::optional<std::vector<std::uint32_t>> IndexKeysOf(const Selector::Program& p);

// The positions [begin, end) of the elements strictly inside `scope`; nullopt when `scope` is not
// the indexed document node or one of its elements.
std::optional<std::pair<std::uint32_t, std::uint32_t>> ScopeRange(const ElementIndex::Rep& index,
                                                                   const GumboNode* scope);

// Calls visit(position) for each element in [begin, end) that carries `key`, in document order,
// until visit returns false; returns false when stopped.
template <typename Visit>
bool ForEachPosting(const ElementIndex::Rep& index, std::uint32_t key, std::uint32_t begin, std::uint32_t end,
                    Visit visit) {
  if (key & kTagKeyBit) {
    const std::uint32_t tag = key & ~kTagKeyBit;
    if (tag + 1 >= index.tag_begin.size()) return true;
    auto first = index.by_tag.begin() + index.tag_begin[tag];
    auto last = index.by_tag.begin() + index.tag_begin[tag + 1];
    for (auto it = std::lower_bound(first, last, begin); it != last && *it < end; ++it) {
      if (!visit(*it)) return false;
    }
    return true;
  }
  const std::uint64_t high = static_cast<std::uint64_t>(key) << 32;
  auto it = std::lower_bound(index.postings.begin(), index.postings.end(), high | begin);
  for (; it != index.postings.end() && *it < (high | end); ++it) {
    if (!visit(static_cast<std::uint32_t>(*it))) return false;
  }
  return true;
}

}  // namespace internal

}  // namespace hc::html
