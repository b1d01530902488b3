// Internal to html/: a cheap pre-scan that caps element nesting before Gumbo sees a page.
//
// Why: Gumbo 0.10.1 has no depth limit, and its tree builder is quadratic in the depth of the stack
// of open elements (scope checks and formatting-element reconstruction walk the whole stack): 50,000
// nested <div> take about 6 s, four times that for 100,000 (bench/nesting_bench; ParseOptions::max_depth
// says where the limit comes from). (Its recursive tree teardown never runs: a Document's tree lives
// in a ParseArena and is released with it.)
// The scan approximates the HTML tree builder's stack of open elements (WHATWG HTML 13.2.6) well
// enough for real pages: raw-text elements are skipped, void elements do not nest, an end tag pops
// through its open element, and the common implied end tags (p before a block, li/dt/dd/option/tr/
// td/th before a sibling) are applied, so sloppy but ordinary markup is never touched. An element
// that would open deeper than the limit is flattened: it is closed right after its start tag (so it
// and its attributes stay), its content follows it as siblings, and its end tag is removed. Document::Parse then enforces the exact limit on the
// tree Gumbo built, so the scan only has to be cheap and conservative, not exact.
//
// Thread-safety: a pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hc::html::internal {

struct NestingScan {
  // The page with the elements nested deeper than `max_depth` flattened, or nullopt when nothing had
  // to change (the common case: no copy is made).
  std::optional<std::string> flattened;
  // The deepest nesting of elements, flattened ones included, counted as the tree is (<html> is 1;
  // an <html> or <body> the page leaves out counts, as the tree builder adds them). As exact as the
  // scan's model of the tree builder up to `max_depth`; beyond it an estimate that can run high (a
  // flattened element whose end tag never comes is counted as open to the end).
  std::size_t depth = 0;
};

NestingScan LimitNesting(std::string_view html, std::size_t max_depth);

}  // namespace hc::html::internal
