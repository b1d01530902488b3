// ElementIndex: selecting through the index gives exactly what the plain tree walk gives, for every
// selector feature, every scope and pages with the awkward cases (repeated class words, unknown tags,
// template contents, foreign elements, a flattened deep page, a real portal page); and the keys a
// selector is looked up by.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "html/element_index_internal.h"
#include "html/html.h"
#include "support/test_env.h"

namespace hc::html {
namespace {

constexpr const char* kFeaturePage = R"(<!DOCTYPE html>
<html lang="zh-CN"><head><title>Test page</title><base href="/base/"></head>
<body>
<div id="main" class="content wide">
  <h1 class="title">Hello</h1>
  <ul id="list">
    <li class="item first" data-id="1">One</li>
    <li class="item" data-id="2" lang="en-US">Two</li>
    <li class="item special" data-id="3">Three</li>
    <li class="item" data-id="4"><a href="/four.html" title="Four Link">Four</a></li>
    <li class="item last" data-id="5"><span></span></li>
  </ul>
  <p class="intro">Intro <b>bold</b> text</p>
  <p class="body">Second</p>
  <p class="empty"></p>
  <div class="card"><span class="name">Dr. Li</span><span class="dept">儿科</span></div>
  <div class="card"><span class="name">Dr. Wang</span></div>
  <My-Widget data-x="y" class="card">custom</My-Widget>
</div>
<footer><a href="https://example.com/" class="ext">Ext</a></footer>
</body></html>)";

// Class words repeated, separated by tabs and newlines, in upper case, empty; duplicate ids; an id
// with a space; template contents; SVG; tables with implied tbody; an attribute written in capitals.
constexpr const char* kAwkwardPage = R"(<html><body>
<div CLASS="a  a	b
c" id="x"><p class="a">1</p><p class="A">2</p><p class="">3</p><p class=" ">4</p></div>
<div id="x" class="b"><span id="x y">5</span><span id="">6</span></div>
<template id="t"><div class="in-template"><p class="a">7</p></div></template>
<svg class="a" viewBox="0 0 1 1"><g class="a"><circle class="dot"/></g></svg>
<table class="grid"><tr class="row"><td class="cell a">8</td><td class="cell">9</td></tr>
<tr class="row"><th class="cell">10</th></tr></table>
<custom-el class="a"><custom-el class="b">11</custom-el></custom-el>
<ul><li class="a">12<li class="a b">13<li>14</ul>
<p class="a">15<p class="a">16
</body></html>)";

const char* const kSelectors[] = {
    // keyed by tag, id, class, several keys
    "li", "LI", "p", "div", "span", "a", "td", "tr", "tbody", "circle", "g", "svg", "template",
    "#main", "#list", "#x", "#LIST", "#t", ".title", ".item.first", ".a", ".b", ".c", ".A", ".cell",
    ".in-template", ".dot", "div.card", "div.a", "p.a", ".a.b", "div#x.b", "#x.a",
    "footer, h1", "li, .item, [data-id='2']", "a[href], area[href]", "base[href]", "td, th",
    ".a, .b, #x", "p.a, li.a, svg .a",
    // combinators, structural and logical pseudo-classes on keyed compounds
    "div li", "ul li a", "#main > p", "#main>p.body", "h1 + ul", "li + li", "h1 ~ p", "body > div p b",
    "li:first-child", "li:last-child", "span:only-child", "p:first-of-type", "p:nth-child(2)",
    "li:nth-child(odd)", "li:nth-child(1 of .special)", "p:not(.intro)", "li:is(.first, .last)",
    "li:has(a)", "div:has(> .dept)", "div.card:not(:has(.dept))", "p:contains('bold text')",
    "span:contains(儿科)", "p:empty", "tr:nth-child(2) .cell", "div .a", "template p",
    ":scope > li", ":scope > .a", "> p", "> div.a", "+ div", "~ p.a", "html", ":root",
    // no key: the scope is scanned
    "*", "ul > *", "[data-id]", "[class~=special]", "[class~=A i]", ":where(h1, footer)",
    ":has(> li.special)", "my-widget", "custom-el", "custom-el .b", "#main > *:not(p)", ":empty",
    "[href^=\"https\"]", "li, *", ":is(.a, .b)",
    // pseudo-elements
    "li::text", "a::attr(href)", "p.a::text", "div.card::text, li::text", "::attr(class)", "::text",
};

std::string Describe(const std::vector<Node>& nodes) {
  std::string out;
  for (Node n : nodes) {
    if (!out.empty()) out += ' ';
    out += std::to_string(reinterpret_cast<std::uintptr_t>(n.raw()) % 100000);
  }
  return out;
}

// Selects with and without the index from `scope` and expects the same results.
void ExpectSameAsPlainWalk(Node scope, const Selector& sel, const ElementIndex& index) {
  EXPECT_EQ(Select(scope, sel, index), Select(scope, sel)) << Describe(Select(scope, sel, index));
  EXPECT_EQ(SelectFirst(scope, sel, index), SelectFirst(scope, sel));
  EXPECT_EQ(SelectStrings(scope, sel, index), SelectStrings(scope, sel));
}

std::vector<Node> AllElements(const Document& doc) {
  auto all = Selector::Compile("*");
  EXPECT_TRUE(all.ok());
  return Select(doc.document(), *all);
}

TEST(ElementIndex, SelectsWhatThePlainWalkSelects) {
  struct DocCase {
    const char* name;
    std::string html;
    ParseOptions options;
    std::size_t scope_stride;  // every n-th element is also tried as the scope
  };
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<div class=\"a level\"><p class=\"a\">x</p>";
  ParseOptions shallow;
  shallow.max_depth = 8;  // flattens most of the page
  const DocCase docs[] = {
      {"feature page", kFeaturePage, {}, 1},
      {"awkward page", kAwkwardPage, {}, 1},
      {"flattened deep page", deep, shallow, 1},
      {"mfk article fixture", hc::testing::ReadFile(hc::testing::FixturesDir() / "sites/mfk/article.html"), {}, 37},
  };
  for (const DocCase& d : docs) {
    SCOPED_TRACE(d.name);
    auto doc = Document::Parse(d.html, d.options);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    ElementIndex index(*doc);
    std::vector<Node> elements = AllElements(*doc);
    EXPECT_EQ(index.element_count(), elements.size());
    std::vector<Node> scopes = {doc->document()};
    for (std::size_t i = 0; i < elements.size(); i += d.scope_stride) scopes.push_back(elements[i]);
    for (const char* css : kSelectors) {
      SCOPED_TRACE(css);
      auto sel = Selector::Compile(css);
      ASSERT_TRUE(sel.ok()) << sel.status().ToString();
      for (Node scope : scopes) ExpectSameAsPlainWalk(scope, *sel, index);
    }
  }
}

TEST(ElementIndex, TheSelectorsOfTheBundledConfigsSelectTheSame) {
  // The css of every field and list in the mfk config, over each mfk fixture page, scoped as the
  // extractor scopes them (document, then each list item).
  const char* const kConfigSelectors[] = {
      ".article h1.article-title", ".article-body > p:not(.disclaimer)", ".article-meta .time",
      ".article-meta .views", ".article-author .author", ".article-tags a", ".article-meta .source",
      ".article-author .reviewer", ".crumbs", ".article .disease-card", ".disease-name", ".disease-summary",
      "a.more::attr(href)", ".answer-list > .answer-card", "a.q-title", "a.q-title::attr(href)", ".doc-name",
      ".doc-title", ".doc-dept", ".doc-hosp", ".doc-grade", ".answer-text", ".answer-time",
      "a.doc-name::attr(href)", ".ask-box h1.ask-title", ".ask-box .ask-desc", ".ask-meta .ask-time",
      ".ask-meta .ask-patient", ".ask-meta .ask-views", ".answer-list > .answer-item", ".answer-content",
      "a[href], area[href]", "base[href]"};
  const char* const kPages[] = {"article", "list-guke", "question-58176015", "question-58190462",
                                "question-58213307"};
  auto items = Selector::Compile(".answer-list > .answer-card, .answer-list > .answer-item, .disease-card");
  ASSERT_TRUE(items.ok());
  for (const char* page : kPages) {
    SCOPED_TRACE(page);
    std::string bytes = hc::testing::ReadFile(hc::testing::FixturesDir() / "sites/mfk" / (std::string(page) + ".html"));
    auto doc = Document::Parse(DecodeToUtf8(bytes).utf8);
    ASSERT_TRUE(doc.ok());
    ElementIndex index(*doc);
    std::vector<Node> scopes = Select(doc->document(), *items);
    scopes.insert(scopes.begin(), doc->document());
    for (const char* css : kConfigSelectors) {
      SCOPED_TRACE(css);
      auto sel = Selector::Compile(css);
      ASSERT_TRUE(sel.ok());
      for (Node scope : scopes) ExpectSameAsPlainWalk(scope, *sel, index);
    }
  }
}

TEST(ElementIndex, ScopesOutsideTheIndexUseThePlainWalk) {
  auto indexed = Document::Parse(kFeaturePage);
  auto other = Document::Parse("<div class='card'><span class='name'>Other</span></div>");
  ASSERT_TRUE(indexed.ok() && other.ok());
  ElementIndex index(*indexed);
  auto name = Selector::Compile(".name");
  ASSERT_TRUE(name.ok());
  // A node of another document: still its own matches, not the indexed page's.
  EXPECT_EQ(SelectStrings(other->document(), *name, index), std::vector<std::string>{"Other"});
  ExpectSameAsPlainWalk(other->root(), *name, index);
  // A text node and an invalid node have no descendants.
  auto text_parent = SelectFirst(indexed->document(), *Selector::Compile("h1"), index);
  ASSERT_TRUE(text_parent.has_value());
  Node text = text_parent->children().at(0);
  ASSERT_TRUE(text.is_text());
  auto any = Selector::Compile("*");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(Select(text, *any, index).empty());
  EXPECT_TRUE(Select(Node(), *any, index).empty());
}

TEST(ElementIndex, AnEmptyIndexIsAnIndex) {
  auto doc = Document::Parse("");
  ASSERT_TRUE(doc.ok());
  ElementIndex index(*doc);
  EXPECT_EQ(index.element_count(), 3u);  // html, head, body: the tree builder always makes them
  ElementIndex moved = std::move(index);
  auto body = Selector::Compile("body");
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(Select(doc->document(), *body, moved).size(), 1u);
}

TEST(ElementIndexKeys, TheRightmostCompoundsIdElseClassElseKnownType) {
  using internal::ClassKey;
  using internal::IdKey;
  using internal::TagKey;
  struct KeyCase {
    const char* name;
    const char* css;
    std::optional<std::vector<std::uint32_t>> keys;  // sorted
  };
  auto sorted = [](std::vector<std::uint32_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  const KeyCase cases[] = {
      {"type", "div", sorted({TagKey(GUMBO_TAG_DIV)})},
      {"class beats type", "div.card", sorted({ClassKey("card")})},
      {"id beats class", "div.card#main", sorted({IdKey("main")})},
      {"first class", ".a.b", sorted({ClassKey("a")})},
      {"only the rightmost compound", "#main .card > span", sorted({TagKey(GUMBO_TAG_SPAN)})},
      {"pseudo-classes do not key", "li:not(.x):first-child", sorted({TagKey(GUMBO_TAG_LI)})},
      {"a list has a key per selector", "a[href], area[href]", sorted({TagKey(GUMBO_TAG_A), TagKey(GUMBO_TAG_AREA)})},
      {"repeated keys once", "p.x, div.x", sorted({ClassKey("x")})},
      {"pseudo-element ignored", "a.more::attr(href)", sorted({ClassKey("more")})},
      {"universal has none", "*", std::nullopt},
      {"attribute only has none", "[href]", std::nullopt},
      {"an unknown type has none", "my-widget", std::nullopt},
      {"one keyless selector unkeys the list", "p, *", std::nullopt},
      {"a lone pseudo-element has none", "::text", std::nullopt},
  };
  for (const KeyCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto sel = Selector::Compile(c.css);
    ASSERT_TRUE(sel.ok()) << sel.status().ToString();
    EXPECT_EQ(internal::IndexKeysOf(sel->program()), c.keys);
    EXPECT_EQ(sel->program().index_keys, c.keys.value_or(std::vector<std::uint32_t>{}));
  }
  // Kinds are hashed apart: "#a", ".a" and the tag are different keys.
  EXPECT_NE(IdKey("a"), ClassKey("a"));
  EXPECT_NE(TagKey(GUMBO_TAG_A), ClassKey("a"));
}

}  // namespace
}  // namespace hc::html
