// Internal to html/: the contents of <script> and <style> elements are cut out of a page before Gumbo
// parses it, and put back into the tree as text afterwards.
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

struct RawTextElision {
  std::string html;                   // the page with the contents cut out
  std::vector<ElidedContent> contents;  // in page order
};

// Contents shorter than this stay: cutting them saves less than it costs to put them back.
inline constexpr std::size_t kMinElidedContent = 64;

// The page with the contents of its script and style elements cut out, or nullopt when there is
// nothing worth cutting (less than 1 KiB in all).
std::optional<RawTextElision> ElideRawText(std::string_view page);

// Gives each element whose content was cut its text node back, built from `page` (the input of
// ElideRawText) with Gumbo's newline normalization, allocated from `arena`. False when a cut has no
// HTML script or style element that Gumbo made from the start tag at its offset; the tree is then
// partly restored and must be thrown away.
bool RestoreElidedText(GumboOutput* output, const RawTextElision& elision, std::string_view page,
                       ParseArena& arena);

}  // namespace hc::html::internal
