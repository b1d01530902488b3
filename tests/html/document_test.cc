// Document and Node: parsing, ownership, accessors, the ParseOptions limits, and hostile input
// (empty, binary, invalid UTF-8, 50 MB, 100,000 nested tags) giving a result or a clear error.
#include <gtest/gtest.h>

#include <gumbo.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "core/text.h"
#include "html/html.h"
#include "html/nesting_limit_internal.h"

namespace hc::html {
namespace {

static_assert(!std::is_copy_constructible_v<Document>);
static_assert(!std::is_copy_assignable_v<Document>);
static_assert(std::is_nothrow_move_constructible_v<Document>);
static_assert(std::is_nothrow_move_assignable_v<Document>);

Selector Css(const char* css) {
  auto sel = Selector::Compile(css);
  EXPECT_TRUE(sel.ok()) << css << ": " << sel.status().ToString();
  return std::move(sel).value();
}

// The deepest element depth (document node = 0) and checks every parent/index link, without
// recursion.
std::size_t CheckTreeAndMeasureDepth(Node document) {
  std::size_t max_depth = 0;
  std::vector<std::pair<const GumboNode*, std::size_t>> stack{{document.raw(), 0}};
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    max_depth = std::max(max_depth, depth);
    const GumboVector* kids = n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children
                              : (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE)
                                  ? &n->v.element.children
                                  : nullptr;
    if (!kids) continue;
    for (unsigned i = 0; i < kids->length; ++i) {
      auto* c = static_cast<const GumboNode*>(kids->data[i]);
      EXPECT_EQ(c->parent, n);
      EXPECT_EQ(c->index_within_parent, i);
      stack.emplace_back(c, depth + 1);
    }
  }
  return max_depth;
}

TEST(Document, ParsesAndOwnsItsBytes) {
  std::string page = "<html><body><p id=x>hi</p></body></html>";
  auto doc = Document::Parse(page);
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->source(), page);
  EXPECT_EQ(doc->root().tag(), "html");
  EXPECT_TRUE(doc->root().is_element());
  EXPECT_FALSE(doc->document().is_element());
  EXPECT_FALSE(doc->document().parent().valid());
  EXPECT_EQ(doc->root().parent(), doc->document());
}

TEST(Document, NodesStayValidWhenTheDocumentMoves) {
  auto parsed = Document::Parse("<div><span class=a>kept</span></div>");
  ASSERT_TRUE(parsed.ok());
  Document doc = std::move(parsed).value();
  Node span = *SelectFirst(doc.document(), Css("span"));
  Document moved = std::move(doc);
  EXPECT_EQ(Text(span), "kept");
  Document assigned = std::move(Document::Parse("<p>other</p>").value());
  assigned = std::move(moved);
  EXPECT_EQ(Text(span), "kept");
  EXPECT_EQ(span.attr("class"), "a");
}

TEST(Node, Accessors) {
  auto doc = Document::Parse(
      "<div ID=Main Data-Role='box'>text<!-- c --><My-Tag>m</My-Tag><b>bold</b>\n</div>");
  ASSERT_TRUE(doc.ok());
  Node div = *SelectFirst(doc->document(), Css("div"));
  EXPECT_TRUE(div.is_element());
  EXPECT_FALSE(div.is_text());
  EXPECT_EQ(div.tag(), "div");
  EXPECT_EQ(div.attr("id"), "Main");
  EXPECT_EQ(div.attr("DATA-ROLE"), "box");  // names match ignoring case
  EXPECT_FALSE(div.attr("missing").has_value());
  EXPECT_EQ(div.text(), "");
  std::vector<Node> kids = div.children();  // the comment is not listed
  ASSERT_EQ(kids.size(), 4u);
  EXPECT_TRUE(kids[0].is_text());
  EXPECT_EQ(kids[0].text(), "text");
  EXPECT_EQ(kids[0].tag(), "");
  EXPECT_FALSE(kids[0].attr("id").has_value());
  EXPECT_EQ(kids[1].tag(), "my-tag");
  EXPECT_EQ(kids[2].tag(), "b");
  EXPECT_TRUE(kids[3].is_text());  // whitespace
  EXPECT_EQ(kids[1].parent(), div);
  EXPECT_EQ(div.parent().tag(), "body");

  Node invalid;
  EXPECT_FALSE(invalid.valid());
  EXPECT_FALSE(invalid.is_element());
  EXPECT_EQ(invalid.tag(), "");
  EXPECT_FALSE(invalid.attr("x").has_value());
  EXPECT_FALSE(invalid.parent().valid());
  EXPECT_TRUE(invalid.children().empty());
}

TEST(Document, RefusesPagesOverMaxBytes) {
  ParseOptions options;
  options.max_bytes = 1000;
  auto too_big = Document::Parse(std::string(1001, 'a'), options);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(too_big.status().message().find("1001"), std::string::npos);
  EXPECT_TRUE(Document::Parse(std::string(1000, 'a'), options).ok());
}

TEST(Document, BadInputGivesADocument) {
  std::string garbage;
  std::uint32_t x = 12345;
  for (int i = 0; i < 200000; ++i) {  // deterministic bytes, NULs and '<' included
    x = x * 1664525u + 1013904223u;
    garbage += static_cast<char>(x >> 24);
  }
  struct Case {
    const char* name;
    std::string html;
  };
  const Case cases[] = {
      {"empty", ""},
      {"only whitespace", " \n\t "},
      {"binary garbage", garbage},
      {"NUL bytes", std::string("<p>a\0b</p>\0\0<div \0=\0>", 20)},
      {"invalid UTF-8", "<p class=\"\xff\xfe\">a\xff\xfe\xc3(b\xed\xa0\x80z</p>"},
      {"truncated tag", "<div class=\"x"},
      {"truncated comment", "<p>a<!-- never ends"},
      {"unbalanced end tags", "</div></p></span><p>x</b></i></table>"},
      {"lone angle brackets", "<<<>>> < > <3 </ >"},
      {"unknown tag cut off", "<my-el"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto doc = Document::Parse(c.html);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    EXPECT_EQ(doc->root().tag(), "html");
    CheckTreeAndMeasureDepth(doc->document());
    std::string text = Text(doc->document());
    EXPECT_TRUE(IsValidUtf8(text));
    EXPECT_TRUE(IsValidUtf8(OuterHtml(doc->document())));
    (void)Select(doc->document(), Css("*:not(:empty) + *, p:has(b)"));
  }
}

TEST(Document, InvalidUtf8BecomesReplacementCharacters) {
  auto doc = Document::Parse("<p title='a\xffz'>x\xfey</p>");
  ASSERT_TRUE(doc.ok());
  Node p = *SelectFirst(doc->document(), Css("p"));
  EXPECT_EQ(Text(p), "x\uFFFDy");
  EXPECT_EQ(p.attr("title"), "a\uFFFDz");
}

// An unknown element's name is taken from the raw bytes of its tag (Gumbo gives no name for it), so
// it is ASCII-lowercased and made well-formed here: each maximal ill-formed subpart is one U+FFFD
// (core/text.h), the count the Encoding Standard's decoder gives.
TEST(Document, UnknownTagNamesAreLoweredAndWellFormed) {
  struct Case {
    const char* name;
    std::string html;
    std::string tag;
  };
  const std::vector<Case> cases = {
      {"ASCII is lowered", "<My-Tag>t</My-Tag>", "my-tag"},
      {"a character is kept", "<x-\xE4\xB8\xAD>t", "x-\xE4\xB8\xAD"},
      {"non-ASCII is not lowered", "<X-\xC3\x80>t", "x-\xC3\x80"},
      {"overlong C0 80 is two parts", "<x-\xC0\x80>t", "x-\uFFFD\uFFFD"},
      {"a truncated character is one part", "<x-\xE4\xB8>t", "x-\uFFFD"},
      {"a surrogate is three parts", "<x-\xED\xA0\x80>t", "x-\uFFFD\uFFFD\uFFFD"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto doc = Document::Parse(c.html);
    ASSERT_TRUE(doc.ok());
    std::optional<Node> element = SelectFirst(doc->document(), Css("body > *"));
    ASSERT_TRUE(element.has_value());
    EXPECT_EQ(element->tag(), c.tag);
    EXPECT_TRUE(IsValidUtf8(element->tag()));
  }
}

// A page of `count` copies of `open`, then `close` as many times.
std::string Nested(const std::string& open, const std::string& inner, const std::string& close, int count) {
  std::string s;
  s.reserve((open.size() + close.size()) * count + inner.size());
  for (int i = 0; i < count; ++i) s += open;
  s += inner;
  for (int i = 0; i < count; ++i) s += close;
  return s;
}

TEST(Document, HundredThousandNestedTagsAreFlattened) {
  struct Case {
    const char* name;
    std::string html;
    const char* css;        // the nested elements
    std::size_t min_count;  // how many of them must survive flattening
  };
  const Case cases[] = {
      {"div", Nested("<div class=d>", "deep", "</div>", 100000), "div.d", 100000},
      {"b (formatting elements)", Nested("<b>", "deep", "</b>", 100000), "b", 100000},
      {"unclosed span", Nested("<span>", "deep", "", 100000), "span", 100000},
      {"unclosed formatting with attributes", Nested("<i class=x>", "deep", "", 100000), "i.x", 100000},
      {"self-closing div is not void", Nested("<div/>", "deep", "", 100000), "div", 100000},
      {"tables", Nested("<table><tr><td>", "deep", "</td></tr></table>", 30000), "table", 170},
      {"svg groups", "<svg>" + Nested("<g>", "<text>deep</text>", "</g>", 100000) + "</svg>", "g", 100000},
      {"span div misnesting", Nested("<span><div></span>", "deep", "", 50000), "div", 50000},
      {"body end tags", Nested("<div>", "", "</body>", 1000) + Nested("<div>", "deep", "", 100000), "div",
       101000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto doc = Document::Parse(c.html);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    std::size_t depth = CheckTreeAndMeasureDepth(doc->document());
    EXPECT_LE(depth, ParseOptions{}.max_depth + 2);  // elements at the limit, then their text
    EXPECT_TRUE(doc->nesting().limited());
    EXPECT_GT(doc->nesting().depth, ParseOptions{}.max_depth);
    EXPECT_NE(Text(doc->document()).find("deep"), std::string::npos);
    EXPECT_FALSE(OuterHtml(doc->root()).empty());
    EXPECT_GE(Select(doc->document(), Css(c.css)).size(), c.min_count);
    EXPECT_FALSE(Select(doc->document(), Css("body :is(div, b, span, i, td, g, text):not(p)")).empty());
  }
}

TEST(Document, MaxDepthIsConfigurable) {
  ParseOptions options;
  options.max_depth = 20;
  auto doc = Document::Parse(Nested("<div>", "deep", "</div>", 100), options);
  ASSERT_TRUE(doc.ok());
  EXPECT_LE(CheckTreeAndMeasureDepth(doc->document()), 22u);
  EXPECT_EQ(Text(doc->document()), "deep");
  // Flattened, not dropped: all 100 divs are still there.
  EXPECT_EQ(Select(doc->document(), Css("div")).size(), 100u);
  EXPECT_EQ(Select(doc->document(), Css("div div")).size(), 99u);
}

TEST(NestingLimit, LeavesOrdinaryMarkupAlone) {
  struct Case {
    const char* name;
    std::string html;
  };
  const Case cases[] = {
      {"unclosed paragraphs", Nested("<p>para", "", "", 5000)},
      {"unclosed list items", "<ul>" + Nested("<li>item", "", "", 5000) + "</ul>"},
      {"unclosed dt/dd", "<dl>" + Nested("<dt>t<dd>d", "", "", 3000) + "</dl>"},
      {"unclosed cells and rows", "<table>" + Nested("<tr><td>a<td>b<th>c", "", "", 3000) + "</table>"},
      {"unclosed options", "<select>" + Nested("<option>o", "", "", 3000) + "</select>"},
      {"void and self-closing", Nested("<br><img src=x><input><hr/><meta charset=utf-8>", "", "", 3000)},
      {"raw text with tags inside", Nested("<script>if(a<b)document.write('<div><div><div>')</script>", "", "", 3000)},
      {"comments with tags inside", Nested("<!-- <div><div> -->", "", "", 3000)},
      {"quoted '>' in attributes", Nested("<div title='a>b'>x</div>", "", "", 3000)},
      {"paragraph closed by a block", Nested("<p>x<div>y</div>", "", "", 3000)},
      {"svg self-closing", "<svg>" + Nested("<path d='M0'/>", "", "", 3000) + "</svg>"},
      {"deep but within the limit", Nested("<div>", "x", "</div>", 500)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(internal::LimitNesting(c.html, 512).flattened.has_value());
  }
}

TEST(NestingLimit, ClosesElementsBeyondTheLimitAtOnce) {
  auto scan = internal::LimitNesting("<div><div><div class=a><i>x</i></div></div></div><p>y</p>", 2);
  ASSERT_TRUE(scan.flattened.has_value());
  EXPECT_EQ(*scan.flattened, "<div><div><div class=a></div><i></i>x</div></div><p>y</p>");
  EXPECT_EQ(scan.depth, 6u);  // <html>, <body>, the flattened <div class=a> and <i> included
}

TEST(NestingLimit, MeasuresTheDepthAsWritten) {
  struct Case {
    const char* name;
    std::string html;
    std::size_t depth;
  };
  const Case cases[] = {
      // <html> and <body> count whether written or not.
      {"no elements", "just text", 2},
      {"closed nest", Nested("<div>", "x", "</div>", 300), 302},
      {"siblings do not add up", Nested("<div>", "x", "</div>", 5) + Nested("<div>", "x", "</div>", 7), 9},
      {"void elements do not nest", Nested("<br><img src=x>", "", "", 100), 2},
      {"implied end tags", "<ul>" + Nested("<li>x", "", "", 100) + "</ul>", 4},
      {"head closed by its end tag", "<html><head><title>t</title></head><body><div><p>x</div></body></html>", 4},
      {"head closed by <body>", "<html><head><meta charset=utf-8><body><div><p>x</div></body></html>", 4},
      {"body written, html not", "<body><div>x</div></body>", 3},
      {"beyond the limit, flattened ones count", Nested("<div>", "x", "</div>", 5000), 5002},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(internal::LimitNesting(c.html, 512).depth, c.depth);
  }
}

// The page's deepest element against the limit, as Document::nesting() reports it: <html> is depth 1,
// <body> 2, so a <b> inside `divs` nested divs in <body> is at depth divs + 3, whether <html> and
// <body> are written or not. Without them a page just over the limit is cut by the tree pass alone
// (the pre-scan counts only what is written when it decides); one far over by the pre-scan.
TEST(Document, NestingReportsTheDepthAndWhetherTheLimitWasHit) {
  const std::size_t limit = ParseOptions{}.max_depth;
  struct Case {
    const char* name;
    std::size_t divs;
    bool written_root;          // <html><head>...</head><body> in the source
    std::size_t options_limit;  // 0: the shipped ParseOptions
    bool limited;
  };
  const Case cases[] = {
      {"shallow page", 1, true, 0, false},
      {"just under the limit", limit - 4, true, 0, false},
      {"at the limit", limit - 3, true, 0, false},
      {"one level over the limit", limit - 2, true, 0, true},
      {"one level over, tree pass only", limit - 2, false, 0, true},
      {"two levels over, tree pass only", limit - 1, false, 0, true},
      {"far over (the pre-scan flattens)", 100000, true, 0, true},
      {"far over, no <html><body> written", 100000, false, 0, true},
      {"small limit: at it", 17, true, 20, false},
      {"small limit: over it", 18, true, 20, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ParseOptions options;
    if (c.options_limit) options.max_depth = c.options_limit;
    std::string page = Nested("<div class=d>", "<b>deep</b>", "</div>", static_cast<int>(c.divs)) + "<p>after</p>";
    if (c.written_root) page = "<html><head><meta charset=utf-8></head><body>" + page + "</body></html>";
    auto doc = Document::Parse(page, options);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    EXPECT_EQ(doc->nesting().limit, options.max_depth);
    EXPECT_EQ(doc->nesting().limited(), c.limited);
    EXPECT_EQ(doc->nesting().depth, c.divs + 3);
    // Whatever happened, the tree is within the limit and nothing is lost.
    EXPECT_LE(CheckTreeAndMeasureDepth(doc->document()), options.max_depth + 1);
    EXPECT_EQ(Select(doc->document(), Css("div.d")).size(), c.divs);
    EXPECT_EQ(Select(doc->document(), Css("b")).size(), 1u);
    EXPECT_EQ(Text(doc->document()), "deep\n\nafter");
    // Within the limit the <b> holds its text; past it, the text follows the <b> instead.
    EXPECT_EQ(Text(Select(doc->document(), Css("b")).front()), c.limited ? "" : "deep");
  }
}

TEST(Document, FiftyMegabytePage) {
  const std::string row =
      "<div class=\"row\"><p>糖尿病 diabetes&nbsp;row</p><a href=\"/q/1.html\">link</a></div>\n";
  std::string page = "<html><body>";
  std::size_t rows = 0;
  while (page.size() < (50u << 20)) {
    page += row;
    ++rows;
  }
  page += "</body></html>";
  auto doc = Document::Parse(page);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(Select(doc->document(), Css("div.row > a[href$='.html']")).size(), rows);
  auto last = Select(doc->document(), Css("div.row:last-child p"));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(Text(last[0]), "糖尿病 diabetes row");

  ParseOptions small;
  small.max_bytes = 10u << 20;
  auto refused = Document::Parse(page, small);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kTooLarge);
}

}  // namespace
}  // namespace hc::html
