// Cutting script and style contents and long runs of non-ASCII text out before Gumbo's parse and
// putting them back after it; see raw_text_elision_internal.h for why and for why the result equals a
// parse of the whole page.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include <unicode/utf8.h>

#include "core/text.h"
#include "html/gumbo_node_internal.h"
#include "html/raw_text_elision_internal.h"

namespace hc::html::internal {
namespace {

constexpr std::size_t kNone = std::string_view::npos;
// Below this in all, the copy of the page costs about what Gumbo would spend on the contents.
constexpr std::size_t kMinElidedTotal = 1024;

// The tokenizer's whitespace is IsAsciiWhitespace: CR counts, as the input stream turns it into LF
// before the tokenizer sees it.

// Where a tag ends, the tag name starting at `at` (just after "<" or "</"): the position after its '>'
// as the tokenizer's tag, attribute and self-closing states find it (a '>' inside a quoted attribute
// value does not end it), or kNone when the page ends first (the tokenizer then drops the tag).
// `*name_end` is set to where the tag name ends.
std::size_t TagEnd(std::string_view s, std::size_t at, std::size_t* name_end) {
  enum State { kName, kBeforeName, kAttrName, kAfterAttrName, kBeforeValue, kUnquoted, kAfterQuoted, kSelfClosing };
  State state = kName;
  *name_end = s.size();
  for (std::size_t i = at; i < s.size(); ++i) {
    const char c = s[i];
    switch (state) {
      case kName:
        if (IsAsciiWhitespace(c) || c == '/' || c == '>') {
          *name_end = i;
          if (c == '>') return i + 1;
          state = c == '/' ? kSelfClosing : kBeforeName;
        }
        break;
      case kBeforeName:
      case kAfterAttrName:
        if (c == '>') return i + 1;
        if (c == '/') {
          state = kSelfClosing;
        } else if (c == '=' && state == kAfterAttrName) {
          state = kBeforeValue;
        } else if (!IsAsciiWhitespace(c)) {
          state = kAttrName;
        }
        break;
      case kAttrName:
        if (c == '>') return i + 1;
        if (IsAsciiWhitespace(c)) state = kAfterAttrName;
        if (c == '/') state = kSelfClosing;
        if (c == '=') state = kBeforeValue;
        break;
      case kBeforeValue:
        if (c == '>') return i + 1;
        if (c == '"' || c == '\'') {
          const std::size_t close = s.find(c, i + 1);
          if (close == kNone) return kNone;
          i = close;
          state = kAfterQuoted;
        } else if (!IsAsciiWhitespace(c)) {
          state = kUnquoted;
        }
        break;
      case kUnquoted:
        if (c == '>') return i + 1;
        if (IsAsciiWhitespace(c)) state = kBeforeName;
        break;
      case kAfterQuoted:
      case kSelfClosing:
        // "Anything else" in both is a parse error that reconsumes in the before-attribute-name state.
        if (c == '>') return i + 1;
        state = c == '/' ? kSelfClosing : IsAsciiWhitespace(c) ? kBeforeName : kAttrName;
        break;
    }
  }
  return kNone;
}

// The first "</name" (ASCII case-insensitive) at or after `from` that is followed by whitespace, '/'
// or '>': the end tag that ends an RCDATA, RAWTEXT or script data content (the "appropriate end tag").
// kNone when there is none before the page ends.
std::size_t FindEndTag(std::string_view s, std::size_t from, std::string_view name) {
  for (std::size_t i = from; (i = s.find("</", i)) != kNone; i += 2) {
    const std::size_t after = i + 2 + name.size();
    if (after >= s.size()) return kNone;
    if (EqualsIgnoringAsciiCase(s.substr(i + 2, name.size()), name) &&
        (IsAsciiWhitespace(s[after]) || s[after] == '/' || s[after] == '>')) {
      return i;
    }
  }
  return kNone;
}

// A non-ASCII code point that Gumbo's utf8 iterator keeps (it replaces C1 controls, U+FDD0..U+FDEF,
// U+xFFFE and U+xFFFF with U+FFFD).
constexpr bool GumboKeeps(char32_t cp) { return cp > 0x9F && !(cp >= 0xFDD0 && cp <= 0xFDEF) && (cp & 0xFFFE) != 0xFFFE; }

// True when Gumbo's input stream passes `content` through as it is (apart from CR): valid UTF-8 with
// no NUL and none of the code points its utf8 iterator replaces with U+FFFD (C0 controls other than
// tab, LF, FF and CR; DEL; C1 controls; U+FDD0..U+FDEF; U+xFFFE and U+xFFFF). `*whitespace_only` says
// whether every character is ASCII whitespace.
bool PassesThroughGumbo(std::string_view content, bool* whitespace_only) {
  bool blank = true;
  for (std::size_t i = 0; i < content.size();) {
    const auto c = static_cast<unsigned char>(content[i]);
    if (c < 0x80) {
      if (c < 0x20 ? !IsAsciiWhitespace(static_cast<char>(c)) : c == 0x7F) return false;
      blank = blank && IsAsciiWhitespace(static_cast<char>(c));
      ++i;
      continue;
    }
    const Utf8Char u = DecodeUtf8At(content, i);
    if (!u.valid || !GumboKeeps(u.code_point)) return false;
    blank = false;
    i += u.length;
  }
  *whitespace_only = blank;
  return true;
}

// Placeholders are unambiguous only when nothing else in the page can become one of their code points:
// no raw character of plane 16 (lead byte F4) and no numeric character reference to one ("&#x100000;",
// "&#1048576;" and up; Gumbo turns a reference above U+10FFFF into U+FFFD). A named reference never
// names a plane-16 character.
bool PlaceholdersAreUnambiguous(std::string_view page) {
  if (page.find('\xF4') != kNone) return false;
  for (std::size_t at = 0; (at = page.find("&#", at)) != kNone;) {
    at += 2;
    const bool hex = at < page.size() && (page[at] == 'x' || page[at] == 'X');
    if (hex) ++at;
    std::uint64_t value = 0;
    for (; at < page.size(); ++at) {
      const char c = page[at];
      int digit = -1;
      if (c >= '0' && c <= '9') digit = c - '0';
      if (hex && c >= 'a' && c <= 'f') digit = c - 'a' + 10;
      if (hex && c >= 'A' && c <= 'F') digit = c - 'A' + 10;
      if (digit < 0) break;
      value = value * (hex ? 16 : 10) + static_cast<unsigned>(digit);
      if (value >= kFirstPlaceholder) return false;
    }
  }
  return true;
}

// The length of the longest prefix of `run` (bytes >= 0x80 only) that is whole characters Gumbo passes
// through as they are (GumboKeeps) and that are not placeholders. Stops at the first that is not.
// The whole characters `run` starts with, when it is a piece of a valid UTF-8 page: what
// ValidUtf8Prefix would say, without reading every character. A run of bytes >= 0x80 of such a page is
// whole characters except where it was cut off: it may start inside one (nothing) and end inside one.
std::size_t WholeCharactersOfValidRun(std::string_view run) {
  const auto* s = reinterpret_cast<const std::uint8_t*>(run.data());
  if (run.empty() || U8_IS_TRAIL(s[0])) return 0;
  // Pages are at most ParseOptions::max_bytes (64 MiB by default), within ICU's int32_t lengths.
  auto length = static_cast<std::int32_t>(run.size());
  U8_TRUNCATE_IF_INCOMPLETE(s, 0, length);
  return static_cast<std::size_t>(length);
}

std::size_t PassingNonAsciiPrefix(std::string_view run, bool valid_utf8) {
  const std::size_t valid = valid_utf8 ? WholeCharactersOfValidRun(run) : ValidUtf8Prefix(run);
  std::size_t i = 0;
  while (i < valid) {
    const auto lead = static_cast<unsigned char>(run[i]);
    // Only C2 (C1 controls), EF (U+FDD0..U+FDEF, U+FFFE, U+FFFF) and F0..F4 (U+xFFFE, U+xFFFF, plane
    // 16) can start a character that does not pass; the CJK blocks (E3..E9) never do.
    if (lead == 0xC2 || lead >= 0xEF) {
      const Utf8Char u = DecodeUtf8At(run, i);
      if (!GumboKeeps(u.code_point) || u.code_point >= kFirstPlaceholder) break;
      i += u.length;
    } else {
      i += lead >= 0xE0 ? 3 : 2;  // the length a valid sequence with this lead byte has
    }
  }
  return i;
}

}  // namespace

std::optional<RawTextElision> ElideRawText(std::string_view page, bool valid_utf8) {
  struct Cut {
    std::size_t tag;      // '<' of the start tag, in `page` (a text run: unused)
    std::size_t content;  // first byte of the content
    std::size_t end;      // the end tag's '<' (a text run: the byte after it)
    GumboTag name;        // GUMBO_TAG_UNKNOWN for a text run
    bool whitespace_only;
  };
  std::vector<Cut> cuts;
  std::size_t total = 0, text_runs = 0;
  const std::size_t n = page.size();
  const bool cut_text = PlaceholdersAreUnambiguous(page);
  // Text the light tokenizer reads in the data state, [from, to): its runs of non-ASCII characters
  // long enough to be worth a placeholder.
  auto cut_text_runs = [&](std::size_t from, std::size_t to) {
    if (!cut_text) return;
    for (std::size_t at = std::max<std::size_t>(from, 1); at < to;) {
      if (static_cast<unsigned char>(page[at]) < 0x80) {
        ++at;
        continue;
      }
      std::size_t end = at;
      while (end < to && static_cast<unsigned char>(page[end]) >= 0x80) ++end;
      const std::size_t passing = PassingNonAsciiPrefix(page.substr(at, end - at), valid_utf8);
      if (passing >= kMinElidedText && text_runs < kMaxElidedTexts) {
        cuts.push_back({at, at, at + passing, GUMBO_TAG_UNKNOWN, false});
        total += passing - kPlaceholderBytes;
        ++text_runs;
      }
      at = passing == end - at ? end : at + std::max<std::size_t>(passing, 1);
    }
  };
  for (std::size_t i = 0; i < n;) {
    const std::size_t lt = page.find('<', i);
    cut_text_runs(i, lt == kNone ? n : lt);
    if (lt == kNone || lt + 1 >= n) break;
    const char c = page[lt + 1];
    if (c == '!' && page.compare(lt, 4, "<!--") == 0) {
      // Comment start, start dash, comment, end dash, end and end bang states: "<!-->" and "<!--->"
      // are whole comments; otherwise the first "-->" or "--!>" ends it.
      const std::size_t q = lt + 4;
      if (q < n && page[q] == '>') {
        i = q + 1;
      } else if (page.compare(q, 2, "->") == 0) {
        i = q + 2;
      } else {
        const std::size_t dash = page.find("-->", q), bang = page.find("--!>", q);
        if (dash == kNone && bang == kNone) break;  // the rest of the page is the comment
        i = dash <= bang ? dash + 3 : bang + 4;
      }
      continue;
    }
    if (c == '!' || c == '?' || (c == '/' && lt + 2 < n && !IsAsciiAlpha(page[lt + 2]) && page[lt + 2] != '>')) {
      // A doctype, CDATA outside foreign content, a processing instruction or "</" and a non-letter:
      // each ends at the first '>' (a '>' in a doctype's quoted identifier ends it too).
      const std::size_t gt = page.find('>', lt + 2);
      if (gt == kNone) break;
      i = gt + 1;
      continue;
    }
    if (c == '/') {
      if (lt + 2 >= n) break;
      if (page[lt + 2] == '>') {  // "</>" is dropped
        i = lt + 3;
        continue;
      }
      std::size_t name_end = 0;
      const std::size_t end = TagEnd(page, lt + 2, &name_end);
      if (end == kNone) break;
      i = end;
      continue;
    }
    if (!IsAsciiAlpha(c)) {  // a '<' that is text
      i = lt + 1;
      continue;
    }
    std::size_t name_end = 0;
    const std::size_t end = TagEnd(page, lt + 1, &name_end);
    if (end == kNone) break;
    const std::string_view name = page.substr(lt + 1, name_end - (lt + 1));
    i = end;
    const GumboTag tag = gumbo_tagn_enum(name.data(), static_cast<unsigned>(name.size()));  // any case
    if (tag == GUMBO_TAG_PLAINTEXT) break;  // the rest of the page is its text
    if (tag != GUMBO_TAG_SCRIPT && tag != GUMBO_TAG_STYLE && tag != GUMBO_TAG_TITLE && tag != GUMBO_TAG_TEXTAREA &&
        tag != GUMBO_TAG_XMP && tag != GUMBO_TAG_IFRAME && tag != GUMBO_TAG_NOEMBED && tag != GUMBO_TAG_NOFRAMES) {
      continue;
    }
    const bool script = tag == GUMBO_TAG_SCRIPT;
    // RCDATA, RAWTEXT or script data: the content runs to the appropriate end tag, which the loop then
    // reads as a tag.
    const std::size_t close = FindEndTag(page, end, name);
    if (close == kNone) break;
    const std::string_view content = page.substr(end, close - end);
    // "<!--" in a script's content starts the escaped states, in which a "</script" inside a nested
    // "<script" does not end it: where it ends is no longer simple, so nothing after it is cut.
    if (script && content.find("<!--") != kNone) break;
    bool whitespace_only = false;
    if ((script || tag == GUMBO_TAG_STYLE) && content.size() >= kMinElidedContent &&
        PassesThroughGumbo(content, &whitespace_only)) {
      cuts.push_back({lt, end, close, tag, whitespace_only});
      total += content.size();
    }
    i = close;
  }
  if (total < kMinElidedTotal) return std::nullopt;

  RawTextElision out;
  out.html.reserve(n - total);
  out.contents.reserve(cuts.size() - text_runs);
  out.texts.reserve(text_runs);
  std::size_t copied = 0;
  for (const Cut& cut : cuts) {
    out.html.append(page.substr(copied, cut.content - copied));
    copied = cut.end;
    if (cut.name == GUMBO_TAG_UNKNOWN) {
      AppendUtf8(kFirstPlaceholder + static_cast<char32_t>(out.texts.size()), out.html);
      out.texts.push_back({cut.content, cut.end - cut.content});
      continue;
    }
    const std::size_t shift = cut.content - (out.html.size());  // bytes cut before this element
    out.contents.push_back({cut.tag - shift, cut.content, cut.end - cut.content, cut.name, cut.whitespace_only});
  }
  out.html.append(page.substr(copied));
  return out;
}

namespace {

// Replaces the placeholders in one text node's text with the runs they stand for. A placeholder's
// first byte, F4, is nowhere else in the text (PlaceholdersAreUnambiguous). False when a placeholder is
// cut off, names no run, or names one already put back (Gumbo never copies a character token into two
// nodes, so the tree is not what the scan expected).
bool RestoreTextRuns(GumboText& node, const std::vector<ElidedText>& texts, std::string_view page,
                     ParseArena& arena, std::vector<char>& found, std::size_t& found_count) {
  const std::string_view text(node.text);
  std::size_t at = text.find('\xF4');
  if (at == kNone) return true;
  auto index_at = [&](std::size_t p) -> std::size_t {
    const Utf8Char u = DecodeUtf8At(text, p);
    if (!u.valid || u.length != kPlaceholderBytes || u.code_point < kFirstPlaceholder) return texts.size();
    return static_cast<std::size_t>(u.code_point - kFirstPlaceholder);
  };
  std::size_t length = text.size();
  for (std::size_t p = at; p != kNone; p = text.find('\xF4', p + kPlaceholderBytes)) {
    const std::size_t index = index_at(p);
    if (index >= texts.size() || found[index]) return false;
    found[index] = 1;
    ++found_count;
    length += texts[index].length - kPlaceholderBytes;
  }
  auto* out = static_cast<char*>(arena.Allocate(length + 1));
  if (!out) return false;
  std::size_t written = 0, copied = 0;
  for (std::size_t p = at; p != kNone; p = text.find('\xF4', p + kPlaceholderBytes)) {
    std::memcpy(out + written, text.data() + copied, p - copied);
    written += p - copied;
    const ElidedText& run = texts[index_at(p)];
    std::memcpy(out + written, page.data() + run.offset, run.length);
    written += run.length;
    copied = p + kPlaceholderBytes;
  }
  std::memcpy(out + written, text.data() + copied, text.size() - copied);
  written += text.size() - copied;
  out[written] = '\0';
  node.text = out;
  return true;
}

}  // namespace

bool RestoreElidedText(GumboOutput* output, const RawTextElision& elision, std::string_view page,
                       ParseArena& arena) {
  const std::vector<ElidedContent>& contents = elision.contents;
  std::vector<char> restored(contents.size(), 0);
  std::size_t restored_count = 0;
  std::vector<char> text_found(elision.texts.size(), 0);
  std::size_t texts_found = 0;
  std::vector<GumboNode*> stack{output->document};
  while (!stack.empty()) {
    GumboNode* node = stack.back();
    stack.pop_back();
    if (node->type == GUMBO_NODE_TEXT && !elision.texts.empty()) {
      if (!RestoreTextRuns(node->v.text, elision.texts, page, arena, text_found, texts_found)) return false;
      continue;
    }
    if (IsElement(node) && (node->v.element.tag == GUMBO_TAG_SCRIPT || node->v.element.tag == GUMBO_TAG_STYLE) &&
        node->v.element.tag_namespace == GUMBO_NAMESPACE_HTML) {
      GumboElement& element = node->v.element;
      const auto it = std::lower_bound(contents.begin(), contents.end(), std::size_t{element.start_pos.offset},
                                       [](const ElidedContent& e, std::size_t at) { return e.tag_offset < at; });
      if (it == contents.end() || it->tag_offset != element.start_pos.offset) continue;  // not cut
      const auto index = static_cast<std::size_t>(it - contents.begin());
      if (it->tag != element.tag || restored[index] || element.children.length != 0) return false;
      const std::string_view content = page.substr(it->content_offset, it->length);
      auto* text = static_cast<char*>(arena.Allocate(content.size() + 1));
      auto* child = static_cast<GumboNode*>(arena.Allocate(sizeof(GumboNode)));
      void** slots = element.children.capacity >= 1 && element.children.data
                         ? element.children.data
                         : static_cast<void**>(arena.Allocate(sizeof(void*)));
      if (!text || !child || !slots) return false;
      // The input stream's newline normalization: CR LF and a lone CR each become LF.
      std::size_t length = 0;
      for (std::size_t from = 0; from < content.size();) {
        const void* cr = std::memchr(content.data() + from, '\r', content.size() - from);
        const std::size_t upto = cr ? static_cast<std::size_t>(static_cast<const char*>(cr) - content.data())
                                    : content.size();
        std::memcpy(text + length, content.data() + from, upto - from);
        length += upto - from;
        if (upto == content.size()) break;
        text[length++] = '\n';
        from = upto + 1 + (upto + 1 < content.size() && content[upto + 1] == '\n' ? 1 : 0);
      }
      text[length] = '\0';
      child->type = it->whitespace_only ? GUMBO_NODE_WHITESPACE : GUMBO_NODE_TEXT;
      child->parent = node;
      child->index_within_parent = 0;
      child->parse_flags = GUMBO_INSERTION_NORMAL;
      child->v.text.text = text;
      child->v.text.original_text = {content.data(), content.size()};
      // Line and column are not counted (Node exposes no position); the offset is the content's.
      child->v.text.start_pos = {0, 0, static_cast<unsigned>(it->content_offset)};
      slots[0] = child;
      element.children.data = slots;
      element.children.length = 1;
      element.children.capacity = std::max(element.children.capacity, 1u);
      restored[index] = 1;
      ++restored_count;
      continue;
    }
    if (const GumboVector* kids = ChildVector(node)) {
      for (unsigned k = 0; k < kids->length; ++k) stack.push_back(static_cast<GumboNode*>(kids->data[k]));
    }
  }
  return restored_count == contents.size() && texts_found == elision.texts.size();
}

}  // namespace hc::html::internal
