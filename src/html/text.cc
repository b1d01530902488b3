// Text(), NormalizeWhitespace() and OuterHtml(): turning a subtree back into strings. All walks are
// iterative (a Document's depth is capped, but nothing here relies on that).
#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "core/text.h"
#include "html/gumbo_node_internal.h"
#include "html/html.h"

namespace hc::html {

using internal::Child;
using internal::ChildCount;
using internal::IsElement;
using internal::IsText;

namespace {

// Bytes that can begin a Unicode White_Space character (see hc::UnicodeWhitespaceLength): any other
// byte is text, which lets the scan over a run of text skip the full test for almost every byte.
constexpr std::array<bool, 256> MayStartWhitespaceTable() {
  std::array<bool, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[c] = true;
  for (unsigned c : {0xC2u, 0xE1u, 0xE2u, 0xE3u}) t[c] = true;
  return t;
}
constexpr std::array<bool, 256> kMayStartWhitespace = MayStartWhitespaceTable();

bool IsWhitespaceAt(std::string_view s, std::size_t i) {
  return kMayStartWhitespace[static_cast<unsigned char>(s[i])] && UnicodeWhitespaceLength(s, i) != 0;
}

// Elements whose content is not text a reader sees.
bool IsDropped(GumboTag t) {
  return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_TEMPLATE;
}

// Elements rendered as blocks (WHATWG HTML 15.3 "Rendering": display: block, list-item, table...),
// which Text() separates by a paragraph break.
bool IsBlock(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_ADDRESS: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_ASIDE: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BODY: case GUMBO_TAG_CAPTION: case GUMBO_TAG_CENTER: case GUMBO_TAG_DD:
    case GUMBO_TAG_DETAILS: case GUMBO_TAG_DIR: case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_FIELDSET: case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE: case GUMBO_TAG_FOOTER: case GUMBO_TAG_FORM: case GUMBO_TAG_H1:
    case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER: case GUMBO_TAG_HGROUP: case GUMBO_TAG_HR: case GUMBO_TAG_HTML:
    case GUMBO_TAG_LEGEND: case GUMBO_TAG_LI: case GUMBO_TAG_LISTING: case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MENU: case GUMBO_TAG_NAV: case GUMBO_TAG_OL: case GUMBO_TAG_OPTION:
    case GUMBO_TAG_P: case GUMBO_TAG_PRE: case GUMBO_TAG_SECTION: case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_TABLE: case GUMBO_TAG_TBODY: case GUMBO_TAG_THEAD: case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TR: case GUMBO_TAG_UL: case GUMBO_TAG_TITLE: case GUMBO_TAG_XMP:
    case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_FRAMESET: case GUMBO_TAG_OPTGROUP:
      return true;
    default:
      return false;
  }
}

// Accumulates text with whitespace and breaks pending until the next visible character, so that
// the result is trimmed and never has a space next to a break or more than one blank line.
class TextBuilder {
 public:
  void Space() { pending_space_ = true; }
  void ParagraphBreak() { pending_breaks_ = 2; }
  void LineBreak() { pending_breaks_ = std::min(pending_breaks_ + 1, 2); }

  // Appends character data, collapsing whitespace; inside <pre> newlines are line breaks.
  void Append(std::string_view s, bool preformatted) {
    std::size_t i = 0;
    while (i < s.size()) {
      if (std::size_t ws = UnicodeWhitespaceLength(s, i)) {
        if (preformatted && s[i] == '\n') {
          LineBreak();
        } else {
          Space();
        }
        i += ws;
        continue;
      }
      std::size_t start = i;
      while (i < s.size() && !IsWhitespaceAt(s, i)) ++i;
      Flush();
      out_.append(s.substr(start, i - start));
    }
  }

  std::string Take() { return std::move(out_); }

 private:
  void Flush() {
    if (!out_.empty()) {
      if (pending_breaks_ > 0) {
        out_.append(static_cast<std::size_t>(pending_breaks_), '\n');
      } else if (pending_space_) {
        out_ += ' ';
      }
    }
    pending_breaks_ = 0;
    pending_space_ = false;
  }

  std::string out_;
  int pending_breaks_ = 0;
  bool pending_space_ = false;
};

// --- serialization (WHATWG HTML 13.3 "Serializing HTML fragments") ----------------------------------

bool IsVoidElement(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_AREA: case GUMBO_TAG_BASE: case GUMBO_TAG_BASEFONT: case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_BR: case GUMBO_TAG_COL: case GUMBO_TAG_EMBED: case GUMBO_TAG_FRAME:
    case GUMBO_TAG_HR: case GUMBO_TAG_IMG: case GUMBO_TAG_INPUT: case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_LINK: case GUMBO_TAG_META: case GUMBO_TAG_PARAM: case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK: case GUMBO_TAG_WBR:
      return true;
    default:
      return false;
  }
}

// Text children of these are serialized as they are, not escaped.
bool HasRawTextChildren(const GumboNode* n) {
  if (!n || !IsElement(n) || n->v.element.tag_namespace != GUMBO_NAMESPACE_HTML) return false;
  switch (n->v.element.tag) {
    case GUMBO_TAG_STYLE: case GUMBO_TAG_SCRIPT: case GUMBO_TAG_XMP: case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_NOEMBED: case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_PLAINTEXT: case GUMBO_TAG_NOSCRIPT:
      return true;
    default:
      return false;
  }
}

void AppendEscaped(std::string& out, std::string_view s, bool attribute) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '&') {
      out += "&amp;";
    } else if (c == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
      out += "&nbsp;";
      ++i;
    } else if (c == '"' && attribute) {
      out += "&quot;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
}

void AppendStartTag(std::string& out, const GumboNode* n) {
  out += '<';
  out += internal::TagName(n);
  const GumboVector& attrs = n->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
    out += ' ';
    std::string_view name = a->name;
    switch (a->attr_namespace) {
      case GUMBO_ATTR_NAMESPACE_XLINK: out += "xlink:"; break;
      case GUMBO_ATTR_NAMESPACE_XML: out += "xml:"; break;
      case GUMBO_ATTR_NAMESPACE_XMLNS:
        if (name != "xmlns") out += "xmlns:";
        break;
      case GUMBO_ATTR_NAMESPACE_NONE: break;
    }
    out += name;
    out += "=\"";
    AppendEscaped(out, a->value, /*attribute=*/true);
    out += '"';
  }
  out += '>';
}

void AppendLeaf(std::string& out, const GumboNode* n) {
  switch (n->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
      if (HasRawTextChildren(n->parent)) {
        out += n->v.text.text;
      } else {
        AppendEscaped(out, n->v.text.text, /*attribute=*/false);
      }
      break;
    case GUMBO_NODE_CDATA:
      out += "<![CDATA[";
      out += n->v.text.text;
      out += "]]>";
      break;
    case GUMBO_NODE_COMMENT:
      out += "<!--";
      out += n->v.text.text;
      out += "-->";
      break;
    default:
      break;
  }
}

}  // namespace

std::string NormalizeWhitespace(std::string_view text) {
  TextBuilder b;
  b.Append(text, /*preformatted=*/false);
  return b.Take();
}

std::string Text(Node node) {
  const GumboNode* root = node.raw();
  if (!root) return {};
  if (IsText(root)) return NormalizeWhitespace(root->v.text.text);
  TextBuilder b;
  int pre_depth = 0;
  // (node, next child); an element is "entered" when pushed and "left" when popped.
  std::vector<std::pair<const GumboNode*, std::size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto& [n, next] = stack.back();
    if (next == ChildCount(n)) {
      if (IsElement(n) && n != root) {
        GumboTag t = n->v.element.tag;
        if (IsBlock(t)) b.ParagraphBreak();
        if (t == GUMBO_TAG_PRE || t == GUMBO_TAG_LISTING || t == GUMBO_TAG_TEXTAREA) --pre_depth;
      }
      stack.pop_back();
      continue;
    }
    const GumboNode* c = Child(n, next++);
    if (IsText(c)) {
      b.Append(c->v.text.text, pre_depth > 0);
      continue;
    }
    if (!IsElement(c)) continue;  // comments
    GumboTag t = c->v.element.tag;
    if (IsDropped(t)) continue;
    if (t == GUMBO_TAG_BR) {
      b.LineBreak();
      continue;
    }
    if (IsBlock(t)) b.ParagraphBreak();
    if (t == GUMBO_TAG_TD || t == GUMBO_TAG_TH) b.Space();  // cells of a row stay apart
    if (t == GUMBO_TAG_PRE || t == GUMBO_TAG_LISTING || t == GUMBO_TAG_TEXTAREA) ++pre_depth;
    stack.emplace_back(c, 0);
  }
  return b.Take();
}

std::string OuterHtml(Node node) {
  const GumboNode* root = node.raw();
  std::string out;
  if (!root) return out;
  if (!IsElement(root) && root->type != GUMBO_NODE_DOCUMENT) {
    AppendLeaf(out, root);
    return out;
  }
  if (root->type == GUMBO_NODE_DOCUMENT && root->v.document.has_doctype) {
    out += "<!DOCTYPE ";
    out += root->v.document.name ? root->v.document.name : "html";
    out += '>';
  }
  std::vector<std::pair<const GumboNode*, std::size_t>> stack;
  auto enter = [&](const GumboNode* n) {
    if (n->type == GUMBO_NODE_DOCUMENT) {
      stack.emplace_back(n, 0);
      return;
    }
    AppendStartTag(out, n);
    if (IsVoidElement(n->v.element.tag) && n->v.element.tag_namespace == GUMBO_NAMESPACE_HTML) return;
    GumboTag t = n->v.element.tag;
    if ((t == GUMBO_TAG_PRE || t == GUMBO_TAG_TEXTAREA || t == GUMBO_TAG_LISTING) && ChildCount(n) > 0) {
      // The parser drops one newline after these start tags; write one so a leading newline of the
      // content survives a round trip.
      const GumboNode* first = Child(n, 0);
      if (IsText(first) && first->v.text.text[0] == '\n') out += '\n';
    }
    stack.emplace_back(n, 0);
  };
  enter(root);
  while (!stack.empty()) {
    auto& [n, next] = stack.back();
    if (next == ChildCount(n)) {
      if (IsElement(n)) {
        out += "</";
        out += internal::TagName(n);
        out += '>';
      }
      stack.pop_back();
      continue;
    }
    const GumboNode* c = Child(n, next++);
    if (IsElement(c)) {
      enter(c);
    } else {
      AppendLeaf(out, c);
    }
  }
  return out;
}

}  // namespace hc::html
