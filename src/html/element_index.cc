// ElementIndex: one walk of a Document's tree that numbers its elements in document order and
// files them under their tag, id and class words (layout in element_index_internal.h).
#include <algorithm>
#include <utility>
#include <vector>

#include "html/element_index_internal.h"
#include "html/gumbo_node_internal.h"

namespace hc::html {

namespace internal {
namespace {

// FNV-1a (32-bit) over a kind byte and the bytes of the value: keys of different kinds with the same
// text ("#a" and ".a") stay apart.
constexpr std::uint32_t kFnvOffset = 2166136261u;
constexpr std::uint32_t kFnvPrime = 16777619u;

std::uint32_t Hash(char kind, std::string_view bytes) {
  std::uint32_t h = (kFnvOffset ^ static_cast<unsigned char>(kind)) * kFnvPrime;
  for (char c : bytes) h = (h ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return h;
}

// The key that an element matching compound `c` must carry: an id, else a class, else a known type.
std::optional<std::uint32_t> KeyOf(const Selector::Program& p, const Compound& c) {
  std::optional<std::uint32_t> by_class, by_tag;
  for (int i = 0; i < c.simple_count; ++i) {
    const Simple& s = p.simples[static_cast<std::size_t>(c.first_simple + i)];
    switch (s.kind) {
      case SimpleKind::kId:
        return IdKey(s.value);
      case SimpleKind::kClass:
        // An empty class word never matches (HasWord), so any key will do; keep it consistent.
        if (!by_class) by_class = ClassKey(s.value);
        break;
      case SimpleKind::kTag:
        if (s.tag != GUMBO_TAG_UNKNOWN && !by_tag) by_tag = TagKey(s.tag);
        break;
      default:
        break;
    }
  }
  return by_class ? by_class : by_tag;
}

// Fibonacci hashing of a node's address; the low bits of a heap address carry no information.
std::size_t AddressHash(const GumboNode* n) {
  return static_cast<std::size_t>((reinterpret_cast<std::uintptr_t>(n) >> 4) * 0x9E3779B97F4A7C15ull >> 20);
}

}  // namespace

std::uint32_t TagKey(GumboTag tag) { return kTagKeyBit | static_cast<std::uint32_t>(tag); }
std::uint32_t IdKey(std::string_view id) { return Hash('#', id) & ~kTagKeyBit; }
std::uint32_t ClassKey(std::string_view word) { return Hash('.', word) & ~kTagKeyBit; }

std::optional<std::vector<std::uint32_t>> IndexKeysOf(const Selector::Program& p) {
  std::vector<std::uint32_t> keys;
  if (p.lists.empty() || p.lists[0].complexes.empty()) return std::nullopt;
  for (int index : p.lists[0].complexes) {
    const Complex& cx = p.complexes[static_cast<std::size_t>(index)];
    if (cx.compound_count == 0) return std::nullopt;
    const Compound& rightmost = p.compounds[static_cast<std::size_t>(cx.first_compound + cx.compound_count - 1)];
    auto key = KeyOf(p, rightmost);
    if (!key) return std::nullopt;
    keys.push_back(*key);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::optional<std::pair<std::uint32_t, std::uint32_t>> ScopeRange(const ElementIndex::Rep& index,
                                                                   const GumboNode* scope) {
  if (scope == index.document) return std::make_pair(std::uint32_t{0}, static_cast<std::uint32_t>(index.elements.size()));
  if (index.position_slots.empty()) return std::nullopt;
  const std::size_t mask = index.position_slots.size() - 1;
  for (std::size_t slot = AddressHash(scope) & mask; index.position_slots[slot] != 0; slot = (slot + 1) & mask) {
    const std::uint32_t position = index.position_slots[slot] - 1;
    if (index.elements[position] == scope) return std::make_pair(position + 1, index.subtree_end[position]);
  }
  return std::nullopt;
}

}  // namespace internal

namespace {

using internal::ChildCount;
using internal::IsElement;

void AddKeys(ElementIndex::Rep& rep, const GumboNode* e, std::uint32_t position) {
  auto add = [&](std::uint32_t key) { rep.postings.push_back(static_cast<std::uint64_t>(key) << 32 | position); };
  // The first attribute of each name, as the matcher reads them (internal::FindAttribute), found in
  // one pass.
  const GumboAttribute* id = nullptr;
  const GumboAttribute* cls = nullptr;
  const GumboVector& attrs = e->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
    const std::string_view n = a->name;
    if (!id && EqualsIgnoringAsciiCase(n, "id")) {
      id = a;
    } else if (!cls && EqualsIgnoringAsciiCase(n, "class")) {
      cls = a;
    }
  }
  if (id) add(internal::IdKey(id->value));
  if (cls) {
    std::string_view s = cls->value;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && IsAsciiWhitespace(s[i])) ++i;
      std::size_t start = i;
      while (i < s.size() && !IsAsciiWhitespace(s[i])) ++i;
      if (i > start) add(internal::ClassKey(s.substr(start, i - start)));
    }
  }
}

std::unique_ptr<const ElementIndex::Rep> Build(const GumboNode* document) {
  auto rep = std::make_unique<ElementIndex::Rep>();
  rep->document = document;
  if (!document) return rep;
  // (node, next child, its position or -1 for the document node); iterative, like every walk here.
  struct Frame {
    const GumboNode* node;
    std::size_t next;
    std::int64_t position;
  };
  // A page has a few thousand elements; one growth of each vector instead of a dozen.
  rep->elements.reserve(1024);
  rep->subtree_end.reserve(1024);
  rep->postings.reserve(1024);
  std::vector<Frame> stack;
  stack.reserve(64);
  stack.push_back({document, 0, -1});
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == ChildCount(top.node)) {
      if (top.position >= 0) {
        rep->subtree_end[static_cast<std::size_t>(top.position)] = static_cast<std::uint32_t>(rep->elements.size());
      }
      stack.pop_back();
      continue;
    }
    const GumboNode* child = internal::Child(top.node, top.next++);
    if (!IsElement(child)) continue;  // text and comments have no children
    auto position = static_cast<std::uint32_t>(rep->elements.size());
    rep->elements.push_back(child);
    rep->subtree_end.push_back(0);
    AddKeys(*rep, child, position);
    stack.push_back({child, 0, position});
  }
  const auto count = static_cast<std::uint32_t>(rep->elements.size());
  // Positions by tag: count, prefix sums, then fill in document order.
  rep->tag_begin.assign(GUMBO_TAG_LAST + 2, 0);
  for (const GumboNode* e : rep->elements) ++rep->tag_begin[static_cast<std::size_t>(e->v.element.tag) + 1];
  for (std::size_t t = 1; t < rep->tag_begin.size(); ++t) rep->tag_begin[t] += rep->tag_begin[t - 1];
  rep->by_tag.resize(count);
  std::vector<std::uint32_t> fill(rep->tag_begin.begin(), rep->tag_begin.end() - 1);
  for (std::uint32_t i = 0; i < count; ++i) rep->by_tag[fill[rep->elements[i]->v.element.tag]++] = i;
  // Address -> position, at most half full.
  std::size_t slots = 16;
  while (slots < 2 * static_cast<std::size_t>(count)) slots *= 2;
  rep->position_slots.assign(slots, 0);
  for (std::uint32_t i = 0; i < count; ++i) {
    std::size_t slot = internal::AddressHash(rep->elements[i]) & (slots - 1);
    while (rep->position_slots[slot] != 0) slot = (slot + 1) & (slots - 1);
    rep->position_slots[slot] = i + 1;
  }
  std::sort(rep->postings.begin(), rep->postings.end());
  // An element whose class attribute repeats a word (or two of whose keys collide) is filed once.
  rep->postings.erase(std::unique(rep->postings.begin(), rep->postings.end()), rep->postings.end());
  return rep;
}

}  // namespace

ElementIndex::ElementIndex(const Document& doc) : rep_(Build(doc.document().raw())) {}
ElementIndex::ElementIndex(ElementIndex&&) noexcept = default;
ElementIndex& ElementIndex::operator=(ElementIndex&&) noexcept = default;
ElementIndex::~ElementIndex() = default;

std::size_t ElementIndex::element_count() const { return rep_->elements.size(); }

}  // namespace hc::html
