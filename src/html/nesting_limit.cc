// The nesting pre-scan; see nesting_limit_internal.h for why it exists and what it approximates.
#include <gumbo.h>

#include <algorithm>
#include <array>
#include <map>
#include <utility>
#include <vector>

#include "core/text.h"
#include "html/gumbo_node_internal.h"
#include "html/nesting_limit_internal.h"

namespace hc::html::internal {
namespace {

// A set of known tags, tested in constant time (the scan runs once per tag of every page).
class TagSet {
 public:
  TagSet(std::initializer_list<const char*> names) {
    for (const char* n : names) {
      GumboTag t = gumbo_tag_enum(n);
      if (t != GUMBO_TAG_UNKNOWN) bits_[t] = true;
    }
  }
  bool contains(GumboTag t) const { return t != GUMBO_TAG_UNKNOWN && bits_[t]; }

 private:
  std::array<bool, GUMBO_TAG_LAST + 1> bits_{};
};

// WHATWG HTML 13.1.2: elements that never have content (plus the obsolete ones Gumbo treats so).
const TagSet kVoid = {"area",  "base",  "br",       "col",    "embed",  "hr",   "img",
                      "input", "link",  "meta",     "source", "track",  "wbr",  "basefont",
                      "bgsound", "frame", "keygen", "param",  "image", "isindex"};

// Elements whose content the tokenizer reads as text up to the matching end tag.
const TagSet kRawText = {"script", "style",   "textarea", "title",   "xmp",
                         "iframe", "noembed", "noframes", "noscript"};

// Start tags that close an open <p> (the "close a p element" steps of the in-body insertion mode).
const TagSet kClosesParagraph = {
    "address", "article", "aside",  "blockquote", "center", "details", "dialog", "dir",
    "div",     "dl",      "fieldset", "figcaption", "figure", "footer", "header", "hgroup",
    "main",    "menu",    "nav",    "ol",         "p",      "section", "summary", "ul",
    "h1",      "h2",      "h3",     "h4",         "h5",     "h6",      "pre",     "listing",
    "form",    "table",   "hr",     "li",         "dd",     "dt",      "plaintext"};

// WHATWG HTML 13.2.4.2: the "special" category.
const TagSet kSpecial = {
    "address", "applet",  "area",     "article",  "aside",    "base",       "basefont", "bgsound",
    "blockquote", "body", "br",       "button",   "caption",  "center",     "col",      "colgroup",
    "dd",      "details", "dir",      "div",      "dl",       "dt",         "embed",    "fieldset",
    "figcaption", "figure", "footer", "form",     "frame",    "frameset",   "h1",       "h2",
    "h3",      "h4",      "h5",       "h6",       "head",     "header",     "hgroup",   "hr",
    "html",    "iframe",  "img",      "input",    "keygen",   "li",         "link",     "listing",
    "main",    "marquee", "menu",     "meta",     "nav",      "noembed",    "noframes", "noscript",
    "object",  "ol",      "p",        "param",    "plaintext", "pre",       "script",   "section",
    "select",  "source",  "style",    "summary",  "table",    "tbody",      "td",       "template",
    "textarea", "tfoot",  "th",       "thead",    "title",    "tr",         "track",    "ul",
    "wbr",     "xmp",     "foreignobject", "desc", "mi",      "mo",         "mn",       "ms",
    "mtext"};

// WHATWG HTML 13.2.4.2: "has an element in scope" stops at these.
const TagSet kDefaultScope = {"applet", "caption", "html", "table", "td", "th", "marquee", "object",
                              "template", "foreignobject", "desc", "mi", "mo", "mn", "ms", "mtext"};
const TagSet kTableScope = {"html", "table", "template"};
// The list-item steps of the in-body insertion mode stop at a special element except these.
const TagSet kListItemPassThrough = {"address", "div", "p"};

// Byte classes for the scan's inner loops, one table lookup a byte.
constexpr std::array<bool, 256> ByteSet(std::string_view bytes) {
  std::array<bool, 256> set{};
  for (char c : bytes) set[static_cast<unsigned char>(c)] = true;
  return set;
}
constexpr std::array<bool, 256> kEndsName = ByteSet(" \t\n\r\f/>");         // a tag name
constexpr std::array<bool, 256> kEndsAttributeRun = ByteSet("\"'>");  // unquoted attribute text

struct OpenElement {
  GumboTag tag;
  std::string_view name;  // as written; compared ignoring ASCII case when the tag is unknown
};

bool SameElement(const OpenElement& a, const OpenElement& b) {
  if (a.tag != b.tag) return false;
  return a.tag != GUMBO_TAG_UNKNOWN || EqualsIgnoringAsciiCase(a.name, b.name);
}

class NestingScanner {
 public:
  NestingScanner(std::string_view html, std::size_t max_depth) : s_(html), max_depth_(max_depth) {}

  NestingScan Run() {
    std::size_t i = 0;
    while (i < s_.size()) {
      std::size_t lt = s_.find('<', i);
      if (lt == std::string_view::npos) break;
      i = ScanMarkup(lt);
    }
    NestingScan scan;
    // The tree builder adds the <html> and <body> a page leaves out, and they count as levels.
    scan.depth = deepest_ + (wrote_html_ ? 0 : 1) + (wrote_body_ ? 0 : 1);
    if (edits_.empty()) return scan;
    std::string out;
    out.reserve(s_.size() + s_.size() / 8);
    std::size_t from = 0;
    for (const Edit& e : edits_) {
      out.append(s_.substr(from, e.begin - from));
      out.append(e.insert);
      from = e.end;
    }
    out.append(s_.substr(from));
    scan.flattened = std::move(out);
    return scan;
  }

 private:
  // Scans the markup starting at s_[lt] == '<'; returns the position after it.
  std::size_t ScanMarkup(std::size_t lt) {
    std::string_view rest = s_.substr(lt);
    if (rest.starts_with("<!--")) return SkipPast(lt + 4, "-->");
    if (rest.size() >= 2 && (rest[1] == '!' || rest[1] == '?')) return SkipPast(lt + 2, ">");
    if (rest.size() >= 3 && rest[1] == '/' && IsAsciiAlpha(rest[2])) return ScanEndTag(lt);
    if (rest.size() >= 2 && IsAsciiAlpha(rest[1])) return ScanStartTag(lt);
    return lt + 1;  // a literal '<'
  }

  std::size_t SkipPast(std::size_t from, std::string_view terminator) const {
    std::size_t p = s_.find(terminator, from);
    return p == std::string_view::npos ? s_.size() : p + terminator.size();
  }

  // The tag name at `from`. When it is `likely`'s name (ignoring ASCII case, as Gumbo's lookup does)
  // it has `likely`'s tag, and Gumbo's tag lookup is skipped.
  OpenElement NameAt(std::size_t from, const OpenElement* likely = nullptr) const {
    std::size_t p = from;
    while (p < s_.size() && !kEndsName[static_cast<unsigned char>(s_[p])]) ++p;
    std::string_view name = s_.substr(from, p - from);
    if (likely && EqualsIgnoringAsciiCase(likely->name, name)) return {likely->tag, name};
    return {gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size())), name};
  }

  std::size_t ScanEndTag(std::size_t lt) {
    // Most end tags close the innermost open element.
    OpenElement e = NameAt(lt + 2, open_.empty() ? nullptr : &open_.back());
    std::size_t end = SkipPast(lt + 2 + e.name.size(), ">");
    if (!suppressed_.empty()) {
      auto it = suppressed_.find(AsciiLowered(e.name));
      if (it != suppressed_.end() && it->second > 0) {
        // Elements removed for depth are inside every open one, so their end tags come first.
        --it->second;
        --suppressed_open_;
        edits_.push_back({lt, end, {}});
        return end;
      }
    }
    CloseElement(e);
    return end;
  }

  std::size_t ScanStartTag(std::size_t lt) {
    OpenElement e = NameAt(lt + 1);
    // Attributes: quoted values may contain '>'.
    std::size_t p = lt + 1 + e.name.size();
    bool self_closing = false;
    while (p < s_.size() && s_[p] != '>') {
      char c = s_[p];
      if (c == '"' || c == '\'') {
        std::size_t q = s_.find(c, p + 1);
        p = q == std::string_view::npos ? s_.size() : q + 1;
        self_closing = false;
        continue;
      }
      // Up to the next quote or '>' (this runs over every byte of every tag): only the last byte
      // before it can make the tag self-closing.
      std::size_t stop = p + 1;
      while (stop < s_.size() && !kEndsAttributeRun[static_cast<unsigned char>(s_[stop])]) ++stop;
      self_closing = (s_[stop - 1] == '/');
      p = stop;
    }
    std::size_t end = p < s_.size() ? p + 1 : s_.size();

    if (e.tag == GUMBO_TAG_HTML) wrote_html_ = true;
    if (e.tag == GUMBO_TAG_BODY) wrote_body_ = true;
    if (e.tag == GUMBO_TAG_PLAINTEXT) return s_.size();  // everything after it is text
    if (kRawText.contains(e.tag)) return SkipRawText(end, e.name);
    if (kVoid.contains(e.tag)) return end;
    if (self_closing && foreign_depth_ > 0) return end;  // <path/> inside <svg> or <math>

    ApplyImpliedEndTags(e.tag);
    if (open_.size() >= max_depth_) {
      // Flatten: the element is closed at once (keeping its attributes), its content follows it as
      // siblings, and its own end tag is dropped later.
      ++suppressed_[AsciiLowered(e.name)];
      ++suppressed_open_;
      deepest_ = std::max(deepest_, open_.size() + suppressed_open_);
      edits_.push_back({end, end, "</" + std::string(e.name) + ">"});
      return end;
    }
    open_.push_back(e);
    deepest_ = std::max(deepest_, open_.size() + suppressed_open_);
    if (IsForeignRoot(e.tag)) ++foreign_depth_;
    return end;
  }

  std::size_t SkipRawText(std::size_t from, std::string_view name) const {
    std::size_t p = from;
    while (true) {
      p = s_.find("</", p);
      if (p == std::string_view::npos) return s_.size();
      std::size_t name_end = p + 2 + name.size();
      if (name_end <= s_.size() && EqualsIgnoringAsciiCase(s_.substr(p + 2, name.size()), name) &&
          (name_end == s_.size() || IsAsciiWhitespace(s_[name_end]) || s_[name_end] == '/' ||
           s_[name_end] == '>')) {
        return SkipPast(name_end, ">");
      }
      p += 2;
    }
  }

  static bool IsForeignRoot(GumboTag t) { return t == GUMBO_TAG_SVG || t == GUMBO_TAG_MATH; }

  void ApplyImpliedEndTags(GumboTag tag) {
    if (open_.empty()) return;
    if (tag == GUMBO_TAG_BODY) CloseHead();  // a <head> left open ends where <body> starts
    if (kClosesParagraph.contains(tag) && open_.back().tag == GUMBO_TAG_P) open_.pop_back();
    auto stops_list_item = [](GumboTag t) {
      return kSpecial.contains(t) && !kListItemPassThrough.contains(t);
    };
    auto table_scope = [](GumboTag t) { return kTableScope.contains(t); };
    switch (tag) {
      case GUMBO_TAG_LI:
        PopThrough(GUMBO_TAG_LI, GUMBO_TAG_LI, stops_list_item);
        break;
      case GUMBO_TAG_DT:
      case GUMBO_TAG_DD:
        PopThrough(GUMBO_TAG_DT, GUMBO_TAG_DD, stops_list_item);
        break;
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
        PopThrough(GUMBO_TAG_TD, GUMBO_TAG_TH, table_scope);
        break;
      case GUMBO_TAG_TR:
        PopThrough(GUMBO_TAG_TD, GUMBO_TAG_TH, table_scope);
        PopThrough(GUMBO_TAG_TR, GUMBO_TAG_TR, table_scope);
        break;
      case GUMBO_TAG_OPTION:
      case GUMBO_TAG_OPTGROUP:
        if (!open_.empty() && open_.back().tag == GUMBO_TAG_OPTION) open_.pop_back();
        break;
      default:
        break;
    }
  }

  // An end tag pops through its open element as the tree builder would: a special element's end
  // tag looks through the default scope, any other end tag stops at the first special element. End
  // tags of html and body close nothing (the tree builder keeps those open); </head> closes an open
  // <head>, which is otherwise counted as an extra level around everything after it.
  void CloseElement(const OpenElement& e) {
    if (e.tag == GUMBO_TAG_HEAD) {
      CloseHead();
      return;
    }
    if (e.tag == GUMBO_TAG_HTML || e.tag == GUMBO_TAG_BODY) return;
    bool special = kSpecial.contains(e.tag);
    for (std::size_t k = open_.size(); k-- > 0;) {
      if (SameElement(open_[k], e)) {
        PopTo(k);
        return;
      }
      GumboTag t = open_[k].tag;
      if (special ? kDefaultScope.contains(t) : kSpecial.contains(t)) return;
    }
  }

  void CloseHead() {
    if (!open_.empty() && open_.back().tag == GUMBO_TAG_HEAD) open_.pop_back();
  }

  // Pops through the innermost open element tagged `a` or `b`, unless one for which `stop` holds
  // comes first.
  template <typename Stop>
  void PopThrough(GumboTag a, GumboTag b, Stop stop) {
    for (std::size_t k = open_.size(); k-- > 0;) {
      GumboTag t = open_[k].tag;
      if (t == a || t == b) {
        PopTo(k);
        return;
      }
      if (stop(t)) return;
    }
  }

  void PopTo(std::size_t k) {
    for (std::size_t j = k; j < open_.size(); ++j) {
      if (IsForeignRoot(open_[j].tag) && foreign_depth_ > 0) --foreign_depth_;
    }
    open_.resize(k);
  }

  std::string_view s_;
  std::size_t max_depth_;
  std::vector<OpenElement> open_;
  std::size_t foreign_depth_ = 0;
  std::map<std::string, std::size_t> suppressed_;  // removed start tags awaiting their end tags
  // How many of them there are, and the deepest nesting seen (open plus suppressed): how deep the
  // page would have gone. A suppressed element whose end tag never comes (implied, or left out)
  // keeps counting, so past the limit this can overstate the depth; below it, it is exact.
  std::size_t suppressed_open_ = 0;
  std::size_t deepest_ = 0;
  bool wrote_html_ = false, wrote_body_ = false;
  // Replace s_[begin, end) by `insert`; ascending and disjoint.
  struct Edit {
    std::size_t begin, end;
    std::string insert;
  };
  std::vector<Edit> edits_;
};

}  // namespace

NestingScan LimitNesting(std::string_view html, std::size_t max_depth) {
  return NestingScanner(html, max_depth).Run();
}

}  // namespace hc::html::internal
