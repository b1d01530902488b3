// Document: parsing with Gumbo under the ParseOptions limits, and the Node accessors.
#include <gumbo.h>

#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "html/gumbo_node_internal.h"
#include "html/html.h"
#include "html/nesting_limit_internal.h"
#include "html/parse_arena_internal.h"
#include "html/raw_text_elision_internal.h"

namespace hc::html {

using internal::ChildCount;
using internal::ChildVector;
using internal::IsElement;

// --- Node ------------------------------------------------------------------------------------------

bool Node::is_element() const { return n_ && IsElement(n_); }
bool Node::is_text() const { return n_ && internal::IsText(n_); }
std::string_view Node::tag() const { return n_ ? internal::TagName(n_) : std::string_view{}; }

std::optional<std::string_view> Node::attr(std::string_view name) const {
  if (!n_) return std::nullopt;
  const GumboAttribute* a = internal::FindAttribute(n_, name);
  if (!a) return std::nullopt;
  return std::string_view(a->value);
}

std::string_view Node::text() const { return is_text() ? std::string_view(n_->v.text.text) : std::string_view{}; }

Node Node::parent() const {
  if (!n_ || !n_->parent) return Node();
  return Node(n_->parent);
}

std::vector<Node> Node::children() const {
  std::vector<Node> out;
  if (!n_) return out;
  std::size_t count = ChildCount(n_);
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const GumboNode* c = internal::Child(n_, i);
    if (IsElement(c) || internal::IsText(c)) out.emplace_back(c);
  }
  return out;
}

// --- Document --------------------------------------------------------------------------------------

namespace {

GumboOptions MakeGumboOptions() {
  GumboOptions o = kGumboDefaultOptions;
  // Every byte of the tree comes from the Document's ParseArena (userdata is set per parse).
  o.allocator = &internal::ParseArena::GumboAllocate;
  o.deallocator = &internal::ParseArena::GumboFree;
  // Parse errors are not reported to anyone; recording them only costs memory.
  o.max_errors = 0;
  return o;
}

const GumboOptions& GumboParseOptions() {
  static const GumboOptions options = MakeGumboOptions();
  return options;
}

// Collects the descendants of `top` in document order, without recursion. `*element_depth` is set to
// how many levels of elements lie below `top` (0 when it has no element descendants).
std::vector<GumboNode*> Descendants(GumboNode* top, std::size_t* element_depth) {
  std::vector<GumboNode*> out;
  *element_depth = 0;
  std::vector<std::pair<GumboNode*, std::size_t>> stack{{top, 0}};
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    const GumboVector* kids = ChildVector(node);
    if (!kids || next >= kids->length) {
      stack.pop_back();
      continue;
    }
    auto* child = static_cast<GumboNode*>(kids->data[next++]);
    out.push_back(child);
    if (IsElement(child)) *element_depth = std::max(*element_depth, stack.size());
    stack.emplace_back(child, 0);
  }
  return out;
}

// Makes every descendant of `top` a direct child of it, in document order, so that the tree is no
// deeper than `top`'s depth + 1. Each moved node keeps its own child array, empty; the new array comes
// from the arena that holds the rest of the tree. Returns how many levels of elements were below `top`.
std::size_t Flatten(GumboNode* top, internal::ParseArena& arena) {
  std::size_t element_depth = 0;
  std::vector<GumboNode*> all = Descendants(top, &element_depth);
  auto** data = static_cast<void**>(arena.Allocate(sizeof(void*) * (all.empty() ? 1 : all.size())));
  if (!data) return element_depth;  // out of memory: keep the deep tree rather than lose it
  for (std::size_t i = 0; i < all.size(); ++i) {
    GumboNode* n = all[i];
    if (GumboVector* kids = const_cast<GumboVector*>(ChildVector(n))) kids->length = 0;
    n->parent = top;
    n->index_within_parent = i;
    data[i] = n;
  }
  GumboVector& v = top->v.element.children;
  v.data = data;
  v.length = static_cast<unsigned>(all.size());
  v.capacity = static_cast<unsigned>(all.size() ? all.size() : 1);
  return element_depth;
}

// ASCII-lowercased, with invalid UTF-8 replaced by U+FFFD: Gumbo sanitizes the text it decodes but
// original_tag points at the raw bytes.
std::string LowercaseValidUtf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  AppendReplacingInvalidUtf8(s, out);
  AsciiLowerInPlace(out);
  return out;
}

}  // namespace

struct Document::Rep {
  std::string source;
  std::string parsed;             // the page after LimitNesting, when it removed tags; else empty
  std::string elided;             // what Gumbo parsed when script and style contents were cut out
  std::deque<std::string> names;  // lowercase names of elements Gumbo does not know
  // Owns all of Gumbo's memory, `output` included: the tree is released with the arena, so
  // gumbo_destroy_output is never called.
  internal::ParseArena arena;
  GumboOutput* output = nullptr;
  Nesting nesting;
};

Document::Document(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;
Document::~Document() = default;

Result<Document> Document::Parse(std::string utf8, const ParseOptions& options) {
  if (utf8.size() > options.max_bytes) {
    return Status::TooLarge("page is " + std::to_string(utf8.size()) + " bytes, over the limit of " +
                            std::to_string(options.max_bytes));
  }
  // <html> and <body> take two levels on every page; a smaller limit would flatten the page away.
  const std::size_t max_depth = options.max_depth < 4 ? 4 : options.max_depth;

  auto rep = std::make_unique<Rep>();
  rep->source = std::move(utf8);
  rep->nesting.limit = max_depth;
  internal::NestingScan scan = internal::LimitNesting(rep->source, max_depth);
  if (scan.flattened) {
    rep->parsed = std::move(*scan.flattened);
    rep->nesting.depth = scan.depth;
  }
  const std::string& input = rep->parsed.empty() ? rep->source : rep->parsed;

  GumboOptions gumbo_options = GumboParseOptions();
  gumbo_options.userdata = &rep->arena;
  GumboOutput* out = nullptr;
  if (options.elide_raw_text) {
    // Gumbo parses the page without its script and style contents, which then go back into the tree
    // as text (raw_text_elision_internal.h); when a cut turns out not to be an element's content, the
    // page is parsed whole.
    if (std::optional<internal::RawTextElision> elision = internal::ElideRawText(input, options.valid_utf8)) {
      out = gumbo_parse_with_options(&gumbo_options, elision->html.data(), elision->html.size());
      if (out && internal::RestoreElidedText(out, *elision, input, rep->arena)) {
        rep->elided = std::move(elision->html);  // the tree's tag names and positions point into it
      } else {
        out = nullptr;
        rep->arena.Clear();
      }
    }
  }
  if (!out) out = gumbo_parse_with_options(&gumbo_options, input.data(), input.size());
  if (!out) return Status::Internal("the HTML parser returned no document");
  rep->output = out;

  // One iterative pass over the tree: enforce the depth limit exactly (the document node is depth 0,
  // <html> depth 1: an element at the limit gets its whole subtree flattened into it), measure the
  // deepest element (before flattening), and give unknown elements a lowercase name that
  // Node::tag() can return as a view.
  std::vector<std::pair<GumboNode*, std::size_t>> stack{{out->document, 0}};
  stack.reserve(64);
  std::size_t deepest = 0;
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    if (IsElement(n)) deepest = std::max(deepest, depth);
    if (IsElement(n) && depth >= max_depth && ChildCount(n) > 0) {
      deepest = std::max(deepest, depth + Flatten(n, rep->arena));
    }
    if (IsElement(n) && n->v.element.tag == GUMBO_TAG_UNKNOWN) {
      // "<my-Tag a=b>" -> "my-tag". Done by hand: gumbo_tag_from_original_text asserts on a tag
      // cut off by the end of the page.
      std::string_view original(n->v.element.original_tag.data ? n->v.element.original_tag.data : "",
                                n->v.element.original_tag.length);
      if (!original.empty() && original.front() == '<') original.remove_prefix(1);
      std::size_t len = 0;
      while (len < original.size() && !IsAsciiWhitespace(original[len]) &&
             original[len] != '/' && original[len] != '>') {
        ++len;
      }
      std::string& name = rep->names.emplace_back(LowercaseValidUtf8(original.substr(0, len)));
      n->v.element.original_tag = {name.data(), name.size()};
    }
    std::size_t count = ChildCount(n);
    for (std::size_t i = count; i-- > 0;) {
      stack.emplace_back(const_cast<GumboNode*>(internal::Child(n, i)), depth + 1);
    }
  }
  rep->nesting.depth = std::max(rep->nesting.depth, deepest);
  return Document(std::move(rep));
}

Node Document::document() const { return Node(rep_->output->document); }
Node Document::root() const { return Node(rep_->output->root); }
const std::string& Document::source() const { return rep_->source; }
const Document::Nesting& Document::nesting() const { return rep_->nesting; }

}  // namespace hc::html
