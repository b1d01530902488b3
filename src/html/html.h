// html: the parsed page. A Document owns the page's UTF-8 bytes and Gumbo's tree (one parse per page);
// Selector is a compiled CSS selector (Gumbo has none) with parsel's ::text and ::attr(name)
// pseudo-elements; Text() is the whitespace-normalized, block-aware text a data team wants in a column.
// DecodeToUtf8 turns fetched bytes in any charset into the UTF-8 a Document is parsed from.
//
// Thread-safety: a Document is immutable after Parse and may be read from many threads; Selector is an
// immutable, cheaply copyable value. Nodes are valid only while their Document lives.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

struct GumboInternalNode;  // Gumbo's GumboNode; only html/*.cc sees its definition

namespace hc::html {

// A non-owning handle to an element, text or document node in a Document.
class Node {
 public:
  Node() = default;
  explicit Node(const GumboInternalNode* n) : n_(n) {}

  bool valid() const { return n_ != nullptr; }
  bool is_element() const;
  bool is_text() const;          // text, CDATA or whitespace node
  std::string_view tag() const;  // lowercase tag name of an element; "" otherwise
  std::optional<std::string_view> attr(std::string_view name) const;  // name matched case-insensitively
  std::string_view text() const;  // the character data of a text node; "" otherwise
  Node parent() const;            // invalid at the document node
  std::vector<Node> children() const;  // elements and text nodes, in document order
  const GumboInternalNode* raw() const { return n_; }
  friend bool operator==(Node a, Node b) { return a.n_ == b.n_; }

 private:
  const GumboInternalNode* n_ = nullptr;
};

struct ParseOptions {
  // Pages larger than this are refused with TooLarge rather than parsed (Gumbo's tree costs ~10x the
  // bytes).
  std::size_t max_bytes = 64u << 20;
  // How deep elements may nest (<html> is depth 1, <body> 2, an element directly in <body> 3).
  // Gumbo's tree builder does work proportional to the depth for every start tag (scope checks walk
  // the stack of open elements), so parse time is quadratic in the depth: bench/nesting_bench puts
  // 50,000 nested <div> at 6 s. Up to about 1,000 levels the depth adds at most as much again as a
  // shallow page of the same size costs (1.4x at 512, 2x at 1,024); from about 1,500 the cost per
  // element grows in proportion to the depth (3x at 2,048, 6x at 4,096; docs/BENCHMARKS.md, "Nesting
  // depth"). So 1,024: parse time stays linear in the page's size, at most about twice that of a
  // shallow page, whatever the page.
  // Deeper content is kept but flattened: everything inside an element at depth max_depth becomes
  // its direct children, in document order (elements keep their attributes; their content follows
  // them instead of being inside them). Selectors that rely on the lost nesting may then miss;
  // Document::nesting() says when this happened. Values below 4 are taken as 4.
  std::size_t max_depth = 1024;
  // Cut the contents of <script> and <style>, and long runs of non-ASCII text, out before Gumbo's parse
  // and put them back into the tree as text after it: the same tree, at about a third of Gumbo's time
  // on pages heavy with inline CSS and scripts and about a fifth less on pages of Chinese text
  // (html/raw_text_elision_internal.h says why it is exact). Off only to compare.
  bool elide_raw_text = true;
  // The caller vouches that the input is valid UTF-8 (DecodeToUtf8's output always is), so the cut
  // need not check its runs of non-ASCII text again. With invalid input and this set, the invalid
  // bytes of a cut run would reach the tree as they are instead of as U+FFFD: leave it off then.
  bool valid_utf8 = false;
};

class Document {
 public:
  // Parses UTF-8 HTML. Malformed markup is repaired as browsers do (Gumbo implements the HTML5 tree
  // builder); invalid UTF-8 is replaced with U+FFFD. Fails only on the limits in ParseOptions.
  static Result<Document> Parse(std::string utf8, const ParseOptions& options = {});

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

  Node document() const;  // the document node (parent of <html>)
  Node root() const;      // the <html> element
  const std::string& source() const;  // the bytes given to Parse (before any flattening)

  // The page's element nesting against ParseOptions::max_depth, depths counted with <html> as 1.
  // `depth` is the deepest element of the page as given: exact when Gumbo built the whole depth (the
  // tree is measured before it is flattened); an estimate when the pre-scan flattened the page before
  // Gumbo saw it (counting elements as written: it may miss an <html> or <body> the page leaves out,
  // and overstate once past the limit when flattened elements are never closed).
  struct Nesting {
    std::size_t limit = 0;  // the max_depth applied
    std::size_t depth = 0;
    // True when an element was deeper than the limit: the content under the element at the limit
    // was flattened (see ParseOptions::max_depth).
    bool limited() const { return depth > limit; }
  };
  const Nesting& nesting() const;

 private:
  struct Rep;
  explicit Document(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

// A compiled CSS selector list (Selectors Level 4 subset, see docs/selectors.md), optionally ending in
// a pseudo-element as in Scrapy's parsel:
//   ::text        each direct text child of the matched elements
//   ::attr(name)  the attribute's value on each matched element that has it
// Supported: type (ASCII case-insensitive), *, #id, .class, [a] [a=v] [a~=v] [a|=v] [a^=v] [a$=v]
// [a*=v] with the i/s flags, quoted or unquoted values and CSS escapes; combinators (space) > + ~;
// lists; :first-child :last-child :only-child :nth-child(An+B [of S]) :nth-last-child(An+B [of S])
// :nth-of-type :nth-last-of-type :first-of-type :last-of-type :only-of-type :not(list) :is(list)
// :where(list) :has(relative list) :empty :root :scope :contains("text") (the element's text content
// contains it, as parsel/jQuery). Two extensions for scoped extraction: a selector that starts with a
// combinator ("> li", "+ p") is relative to the scope of Select, and a selector that is only a
// pseudo-element ("::attr(href)", "::text") applies to the scope element itself, as does a selector
// whose rightmost compound holds :scope (":scope::attr(data-aid)", ":scope.ans-item"). In a list every
// selector must end in the same pseudo-element (or none).
class Selector {
 public:
  enum class Output { kElement, kText, kAttr };

  // On a syntax error returns InvalidArgument with "column N: expected X, found Y" (1-based column).
  static Result<Selector> Compile(std::string_view css);

  Output output() const;
  const std::string& attr_name() const;  // for kAttr
  const std::string& source() const;     // the text it was compiled from

  struct Program;  // the compiled form; defined in html/selector_internal.h

  explicit Selector(std::shared_ptr<const Program> p) : p_(std::move(p)) {}
  const Program& program() const { return *p_; }

 private:
  std::shared_ptr<const Program> p_;
};

// The elements under `scope` (its descendants, not `scope` itself, as querySelectorAll: combinators
// may look at ancestors outside the scope) that match, in document order, each once. The
// pseudo-element, if any, is ignored here, except that a lone pseudo-element selects `scope`, and a
// selector with :scope in its rightmost compound may select `scope` (first, when it matches).
std::vector<Node> Select(Node scope, const Selector& selector);
std::optional<Node> SelectFirst(Node scope, const Selector& selector);
bool Matches(Node element, const Selector& selector);

// What a selector yields as strings: for kElement the Text() of each match, for kText each direct
// text child (whitespace-normalized, empty ones skipped), for kAttr each attribute value.
std::vector<std::string> SelectStrings(Node scope, const Selector& selector);

// An index of one Document's elements by tag, id and class word, built in one walk of the tree.
// Selecting through it visits only the elements that carry the key of each selector's rightmost
// compound (its #id, else a .class, else its type) instead of every element under the scope; the
// matches are the same, in the same order. A selector whose rightmost compound has none of these
// ("*", "[href]", ":not(p)") scans the scope's elements in a flat array. Worth it when several
// selectors run over one page, as a SelectorProgram does (dozens per page): building costs about
// what one Select over the whole document does.
//
// Thread-safety: immutable once built; many threads may select through one index. It points into
// the Document's tree, so it is valid only while that Document lives. A scope that is not a node of
// the indexed Document (or is a text node) is served by the plain walk.
class ElementIndex {
 public:
  explicit ElementIndex(const Document& doc);
  ElementIndex(ElementIndex&&) noexcept;
  ElementIndex& operator=(ElementIndex&&) noexcept;
  ElementIndex(const ElementIndex&) = delete;
  ElementIndex& operator=(const ElementIndex&) = delete;
  ~ElementIndex();

  std::size_t element_count() const;  // elements under the document node

  struct Rep;  // defined in html/element_index_internal.h
  const Rep& rep() const { return *rep_; }

 private:
  std::unique_ptr<const Rep> rep_;
};

// Select, SelectFirst and SelectStrings through an index of the scope's Document: same results.
std::vector<Node> Select(Node scope, const Selector& selector, const ElementIndex& index);
std::optional<Node> SelectFirst(Node scope, const Selector& selector, const ElementIndex& index);
std::vector<std::string> SelectStrings(Node scope, const Selector& selector, const ElementIndex& index);

// The element's text as a reader sees it: script/style/noscript/template dropped, runs of whitespace
// (including U+00A0 and the ideographic space U+3000) collapsed to one space, a paragraph break "\n\n"
// between block elements (p, div, li, h1-h6, tr, ...) and "\n" for <br>, trimmed; never more than
// one blank line; table cells apart by a space; line breaks inside <pre> kept. The dropping applies
// inside `node`: Text() of a <script> itself is its (normalized) text, e.g. for JSON-LD.
std::string Text(Node node);
// The node serialized back to HTML (attributes in source order, text escaped).
std::string OuterHtml(Node node);
// Collapses whitespace runs (ASCII, U+00A0, U+3000 and other Unicode spaces) to one ASCII space, trims.
std::string NormalizeWhitespace(std::string_view text);

// --- charsets --------------------------------------------------------------------------------------
struct DecodedText {
  std::string utf8;     // the page as valid UTF-8; invalid sequences replaced by U+FFFD
  std::string charset;  // the charset actually used, canonical name ("UTF-8", "GB18030", "Big5", ...)
  std::string source;   // what decided it: "bom", "header", "meta", "detected" or "default"
};

// Decodes fetched bytes to UTF-8. Order: BOM, the Content-Type header's charset, <meta charset> or
// http-equiv near the top of the page, then detection (uchardet) when none is declared or the declared
// one does not decode cleanly. gb2312 and gbk are decoded as GB18030, their superset (portals declare
// gb2312 and serve GBK). Never fails.
DecodedText DecodeToUtf8(std::string_view bytes, std::string_view content_type_header = {});

}  // namespace hc::html
