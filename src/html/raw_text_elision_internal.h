// Internal to html/: the contents of <script> and <style> elements, and long runs of non-ASCII text,
// are cut out of a page before Gumbo parses it, and put back into the tree as text afterwards.
//
// Why: Gumbo's tokenizer emits one token per character, and the tree builder appends each one to the
// element's text, so a script or style costs as much per byte as markup does, although the tree gets
// nothing from it but one text node. On portal pages that is most of the parse: inline CSS, analytics
// scripts and a JSON copy of the page data are 60% of the heavy bench profile's bytes and 62% of
// Gumbo's time (bench/raw_text_share.py, docs/BENCHMARKS.md). Copying that text into the tree costs a
// few percent of tokenizing it. No library does this (Gumbo has no hook for it; lexbor and html5ever
// are not in Debian 12), so it is written here.
//
// Exactness. The tree Document::Parse returns is the tree Gumbo builds from the whole page, node for
// node: the same elements, attributes, text and node kinds; only source positions, which Node does not
// expose, differ. ElideRawText finds candidates with a light tokenizer (data state, tags and their
// attributes, comments, bogus comments, RCDATA and RAWTEXT elements, script data), and cuts a content
// only when it can say exactly what Gumbo would make of it: the content is ended by the first
// "</script" or "</style" (ASCII case-insensitive) followed by whitespace, "/" or ">", a script's
// content holds no "<!--" (which would start the escaped states, where "</script" may not end it: the
// scan stops eliding at such a script), and the content is plain text to Gumbo's input stream: valid
// UTF-8 with no NUL, no control or non-character code point that Gumbo replaces with U+FFFD (carriage
// returns are kept: RestoreElidedText turns CR LF and CR into LF as Gumbo does).
// The light tokenizer does not model the tree builder (foreign content, <select>, frameset, a tag the
// builder drops), so it can take for a script start tag what Gumbo does not. RestoreElidedText catches
// that: every cut must belong to an HTML-namespace element of the same tag that Gumbo created from the
// start tag at the cut's offset. Since the page before the first cut is unchanged, Gumbo reaches that
// start tag in the same state in both parses; an element made from it means the tokenizer switched to
// script data (or RAWTEXT) after it, whose end the scan computed by the same rule; after the end tag
// both parses are again in the same state (the text mode adds nothing but the text), and so on to the
// next cut. When a cut fails the check, Document::Parse parses the page whole instead.
//
// Text runs. The long runs of non-ASCII characters in the text between tags (a Chinese
// portal's paragraphs, answer cards, headings; not a <title>'s or <textarea>'s RCDATA) go too: each is
// replaced by one placeholder character, and RestoreElidedText puts the run back into the text node the
// placeholder landed in. Gumbo spends as much per character of such text as on markup (decode, one token,
// re-encode into the node's text). Why the tree is still the whole page's: a non-ASCII character that Gumbo's
// input stream passes through as it is (valid UTF-8; no C1 control, U+FDD0..U+FDEF, U+xFFFE or U+xFFFF) is
// "anything else" in every state of the tokenizer (no rule looks at a particular non-ASCII character, only at
// ASCII ones) and a non-whitespace, non-NUL character token to every insertion mode of the tree builder; and
// after one such token each mode is in a state where the next one does the same thing again (append to
// the same text, to the same pending table text, to the same attribute value, or drop it). So a run of
// them and one placeholder, itself such a character, leave Gumbo in the same state, and the
// placeholder goes wherever the run's characters would have gone, in one piece. Where that is a text
// node, putting the run back in its place gives the text Gumbo makes of the whole page; anywhere else
// (an attribute, a comment, a tag name, a frameset that drops text) the placeholder is not found in a
// text node and Document::Parse parses the page whole. Placeholders are the code points U+100000 and
// up (plane 16's private use area), used only on a page with no plane-16 character and no numeric
// reference to one, so a text's F4 byte is always a placeholder; runs start after the page's first
// byte (a byte-order mark is Gumbo's business).
//
// Thread-safety: pure functions; RestoreElidedText writes only into the tree and arena it is given.
#pragma once

#include <gumbo.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "html/parse_arena_internal.h"

namespace hc::html::internal {

struct ElidedContent {
  std::size_t tag_offset = 0;      // the '<' of the element's start tag, in RawTextElision::html
  std::size_t content_offset = 0;  // the content's first byte, in the page that was elided from
  std::size_t length = 0;          // the content's bytes (CR not yet normalized)
  GumboTag tag = GUMBO_TAG_SCRIPT;  // GUMBO_TAG_SCRIPT or GUMBO_TAG_STYLE
  bool whitespace_only = false;    // Gumbo makes a whitespace node of it, not a text node
};

// A run of text replaced by a placeholder: placeholder k (the code point kFirstPlaceholder + k) stands
// for texts[k].
struct ElidedText {
  std::size_t offset = 0;  // the run's first byte, in the page that was elided from
  std::size_t length = 0;  // its bytes: whole characters, none of them ASCII
};

struct RawTextElision {
  std::string html;                   // the page with the contents cut out
  std::vector<ElidedContent> contents;  // in page order
  std::vector<ElidedText> texts;        // in page order
};

// The first placeholder: plane 16's private use area, 4 bytes of UTF-8, one code point each up to
// U+10FFFD (U+10FFFE and U+10FFFF are non-characters, which Gumbo replaces).
inline constexpr char32_t kFirstPlaceholder = 0x100000;
inline constexpr std::size_t kPlaceholderBytes = 4;
inline constexpr std::size_t kMaxElidedTexts = 0xFFFE;
// Runs shorter than this stay: below it, putting a run back costs about what Gumbo spends on it.
inline constexpr std::size_t kMinElidedText = 24;

// Contents shorter than this stay: cutting them saves less than it costs to put them back.
inline constexpr std::size_t kMinElidedContent = 64;

// The page with the contents of its script and style elements cut out and its long runs of non-ASCII
// text replaced by placeholders, or nullopt when there is nothing worth cutting (less than 1 KiB in
// all). `valid_utf8`: the page is known to be valid UTF-8 (ParseOptions::valid_utf8), so its runs of
// non-ASCII text are not checked again.
std::optional<RawTextElision> ElideRawText(std::string_view page, bool valid_utf8 = false);

// Gives each element whose content was cut its text node back, built from `page` (the input of
// ElideRawText) with Gumbo's newline normalization, and each text node its runs in place of their
// placeholders, allocated from `arena`. False when a cut has no HTML script or style element that
// Gumbo made from the start tag at its offset, or a placeholder is not in exactly one text node; the
// tree is then partly restored and must be thrown away.
bool RestoreElidedText(GumboOutput* output, const RawTextElision& elision, std::string_view page,
                       ParseArena& arena);

}  // namespace hc::html::internal
