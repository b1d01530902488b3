// Internal to html/: small inline accessors over Gumbo's node structs, shared by the document,
// selector, text and serializer code. Everything here is allocation-free so the selector matcher can
// use it in its hot path. Not part of the public API (html/html.h is).
//
// Thread-safety: pure functions over an immutable tree.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <string_view>

#include "core/text.h"

namespace hc::html::internal {

inline bool IsElement(const GumboNode* n) {
  return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE;
}
inline bool IsText(const GumboNode* n) {
  return n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA || n->type == GUMBO_NODE_WHITESPACE;
}

// The child list of an element, template or document node; nullptr for other kinds.
inline const GumboVector* ChildVector(const GumboNode* n) {
  if (IsElement(n)) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

inline std::size_t ChildCount(const GumboNode* n) {
  const GumboVector* v = ChildVector(n);
  return v ? v->length : 0;
}
inline const GumboNode* Child(const GumboNode* n, std::size_t i) {
  return static_cast<const GumboNode*>(ChildVector(n)->data[i]);
}

// The lowercase tag name of an element. For tags Gumbo does not know (custom elements, most SVG),
// Document::Parse rewrote original_tag to point at a lowercase copy of the bare name it owns.
inline std::string_view TagName(const GumboNode* n) {
  if (!IsElement(n)) return {};
  const GumboElement& e = n->v.element;
  if (e.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(e.tag);
  return {e.original_tag.data, e.original_tag.length};
}

// The attribute `name` (lowercase expected; Gumbo lowercases HTML attribute names) or nullptr.
inline const GumboAttribute* FindAttribute(const GumboNode* n, std::string_view name) {
  if (!IsElement(n)) return nullptr;
  const GumboVector& attrs = n->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
    if (EqualsIgnoringAsciiCase(a->name, name)) return a;
  }
  return nullptr;
}

}  // namespace hc::html::internal
