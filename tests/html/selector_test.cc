// Selector: every supported selector feature against one small page, malformed selectors with the
// column they are reported at, scoping, and what SelectStrings yields for each output kind.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "html/html.h"

namespace hc::html {
namespace {

// Every element carries k="..." so a match list reads as a list of names.
constexpr const char* kPage = R"(<!DOCTYPE html>
<html k="html" lang="zh-CN"><head k="head"><title k="title">Test page</title></head>
<body k="body">
<div id="main" class="content wide" k="main">
  <h1 class="title" k="h1">Hello</h1>
  <ul id="list" k="ul">
    <li class="item first" data-id="1" k="li1">One</li>
    <li class="item" data-id="2" lang="en-US" k="li2">Two</li>
    <li class="item special" data-id="3" k="li3">Three</li>
    <li class="item" data-id="4" k="li4"><a href="/four.html" title="Four Link" k="a4">Four</a></li>
    <li class="item last" data-id="5" k="li5"><span k="span5"></span></li>
  </ul>
  <p class="intro" k="p1">Intro <b k="b1">bold</b> text</p>
  <p class="body" k="p2">Second</p>
  <p class="empty" k="p3"></p>
  <div class="card" k="card1"><span class="name" k="n1">Dr. Li</span><span class="dept" k="d1">儿科</span></div>
  <div class="card" k="card2"><span class="name" k="n2">Dr. Wang</span></div>
  <My-Widget data-x="y" k="w">custom</My-Widget>
</div>
<footer k="footer"><a href="https://example.com/" class="ext" k="a5">Ext</a></footer>
</body></html>)";

std::string Keys(const std::vector<Node>& nodes) {
  std::string out;
  for (Node n : nodes) {
    if (!out.empty()) out += ' ';
    out += n.attr("k").value_or(n.tag());
  }
  return out;
}

class SelectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto doc = Document::Parse(kPage);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    doc_.emplace(std::move(doc).value());
  }
  std::string Run(const std::string& css, std::optional<Node> scope = std::nullopt) {
    auto sel = Selector::Compile(css);
    if (!sel.ok()) return "ERROR " + sel.status().message();
    return Keys(Select(scope.value_or(doc_->document()), *sel));
  }
  Node ByKey(const std::string& key) {
    auto sel = Selector::Compile("[k=\"" + key + "\"]");
    auto n = SelectFirst(doc_->document(), *sel);
    EXPECT_TRUE(n.has_value()) << key;
    return n.value_or(Node());
  }
  std::optional<Document> doc_;
};

struct Case {
  const char* name;
  const char* css;
  const char* expected;  // k= values of the matches in document order, space-separated
};

TEST_F(SelectorTest, SelectsEverySupportedFeature) {
  const Case cases[] = {
      {"type", "li", "li1 li2 li3 li4 li5"},
      {"type ignores case", "LI", "li1 li2 li3 li4 li5"},
      {"custom element", "my-widget", "w"},
      {"custom element ignores case", "MY-WIDGET", "w"},
      {"universal", "ul > *", "li1 li2 li3 li4 li5"},
      {"id", "#list", "ul"},
      {"id is case-sensitive", "#LIST", ""},
      {"class", ".title", "h1"},
      {"two classes", ".item.first", "li1"},
      {"type and class", "div.card", "card1 card2"},
      {"class is case-sensitive", ".Item", ""},
      {"attribute exists", "[data-id]", "li1 li2 li3 li4 li5"},
      {"attribute name ignores case", "[DATA-ID]", "li1 li2 li3 li4 li5"},
      {"attribute equals quoted", "[data-id=\"3\"]", "li3"},
      {"attribute equals single-quoted", "[title='Four Link']", "a4"},
      {"attribute equals unquoted digits", "[data-id=3]", "li3"},
      {"attribute equals ident", "[lang=en-US]", "li2"},
      {"attribute equals is case-sensitive", "[title=\"four link\"]", ""},
      {"attribute equals i flag", "[title=\"four link\" i]", "a4"},
      {"attribute equals I flag, no space", "[title=\"four link\"I]", "a4"},
      {"attribute equals s flag", "[title=\"Four Link\" s]", "a4"},
      {"attribute includes", "[class~=special]", "li3"},
      {"attribute includes i", "[class~=ITEM i]", "li1 li2 li3 li4 li5"},
      {"attribute includes needs a whole word", "[class~=spec]", ""},
      {"attribute dash-match", "[lang|=en]", "li2"},
      {"attribute dash-match exact", "[lang|=zh-CN]", "html"},
      {"attribute dash-match needs the dash", "[lang|=e]", ""},
      {"attribute prefix", "[href^=\"https\"]", "a5"},
      {"attribute suffix", "[href$=\".html\"]", "a4"},
      {"attribute substring", "[title*=\"our L\"]", "a4"},
      {"attribute substring i", "[title*=\"OUR l\" i]", "a4"},
      {"empty prefix matches nothing", "[href^=\"\"]", ""},
      {"spaces inside brackets", "[ data-id = \"2\" ]", "li2"},
      {"hex escape in id", "#m\\61 in", "main"},
      {"hex escape in class", ".\\69 tem.first", "li1"},
      {"char escape", "[data-id=\\34]", "li4"},
      {"escaped string quote", "[title=\"Four\\ Link\"]", "a4"},
      {"descendant", "div li", "li1 li2 li3 li4 li5"},
      {"descendant, several levels", "ul li a", "a4"},
      {"child", "#main > p", "p1 p2 p3"},
      {"child, no spaces", "#main>p.body", "p2"},
      {"child does not skip levels", "#main > li", ""},
      {"next sibling", "h1 + ul", "ul"},
      {"next sibling chain", "li + li", "li2 li3 li4 li5"},
      {"subsequent sibling", "h1 ~ p", "p1 p2 p3"},
      {"mixed combinators", "body > div p b", "b1"},
      {"newline and tab are descendant combinators", "ul\n\tli.last", "li5"},
      {"list in document order", "footer, h1", "h1 footer"},
      {"list without duplicates", "li, .item, [data-id='2']", "li1 li2 li3 li4 li5"},
      {"first-child", "li:first-child", "li1"},
      {"last-child", "li:last-child", "li5"},
      {"only-child", "span:only-child", "span5 n2"},
      {"first-of-type", "#main > p:first-of-type", "p1"},
      {"last-of-type", "#main > p:last-of-type", "p3"},
      {"only-of-type", "#main > ul:only-of-type, #main > div:only-of-type", "ul"},
      {"first-of-type among spans", "span:first-of-type", "span5 n1 n2"},
      {"nth-child number", "li:nth-child(2)", "li2"},
      {"nth-child odd", "li:nth-child(odd)", "li1 li3 li5"},
      {"nth-child even", "li:nth-child(EVEN)", "li2 li4"},
      {"nth-child 2n+1", "li:nth-child(2n+1)", "li1 li3 li5"},
      {"nth-child with spaces", "li:nth-child( 2n + 1 )", "li1 li3 li5"},
      {"nth-child -n+2", "li:nth-child(-n+2)", "li1 li2"},
      {"nth-child n+4", "li:nth-child(n+4)", "li4 li5"},
      {"nth-child 3n-1", "li:nth-child(3n-1)", "li2 li5"},
      {"nth-child +n", "li:nth-child(+n)", "li1 li2 li3 li4 li5"},
      {"nth-child 0n+3", "li:nth-child(0n+3)", "li3"},
      {"nth-child 0 matches nothing", "li:nth-child(0)", ""},
      {"nth-child of selector", "li:nth-child(1 of .special)", "li3"},
      {"nth-child of selector list", "li:nth-child(2 of .first, .special)", "li3"},
      {"nth-last-child", "li:nth-last-child(1)", "li5"},
      {"nth-last-child -n+2", "li:nth-last-child(-n+2)", "li4 li5"},
      {"nth-of-type", "p:nth-of-type(2)", "p2"},
      {"nth-last-of-type", "p:nth-last-of-type(1)", "p3"},
      {"nth-of-type counts only its type", "#main > div:nth-of-type(2)", "card2"},
      {"not", "p:not(.intro)", "p2 p3"},
      {"not with a list", "li:not(.first, .last)", "li2 li3 li4"},
      {"not with a complex selector", "span:not(.card > span)", "span5"},
      {"is", "li:is(.first, .last)", "li1 li5"},
      {"where", ":where(h1, footer)", "h1 footer"},
      {"empty", "p:empty", "p3"},
      {"empty span", "span:empty", "span5"},
      {"root", ":root", "html"},
      {"has descendant", "li:has(a)", "li4"},
      {"has child", "div:has(> .dept)", "card1"},
      {"has next sibling", "h1:has(+ ul)", "h1"},
      {"has subsequent sibling", "li:has(~ .last)", "li1 li2 li3 li4"},
      {"has descendant, any depth", "div:has(.name)", "main card1 card2"},
      {"has child chain", "ul:has(> li > a)", "ul"},
      {"has with a list", "li:has(span, a)", "li4 li5"},
      {"has without a type", ":has(> li.special)", "ul"},
      {"not has", "div.card:not(:has(.dept))", "card2"},
      {"contains quoted", "p:contains('bold text')", "p1"},
      {"contains across elements", "#main > p:contains(\"Intro bold\")", "p1"},
      {"contains unquoted Chinese", "span:contains(儿科)", "d1"},
      {"contains is case-sensitive", "li:contains(\"T\")", "li2 li3"},
      {"contains nothing", "li:contains(\"zzz\")", ""},
      {"pseudo-class ignores case", "LI:First-Child", "li1"},
      {"leading combinator is relative to the scope", "> html", "html"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(Run(c.css), c.expected) << c.css;
  }
}

TEST_F(SelectorTest, SelectsOnlyDescendantsOfTheScope) {
  Node card = ByKey("card1");
  EXPECT_EQ(Run(".name", card), "n1");
  EXPECT_EQ(Run("span", card), "n1 d1");
  // As querySelectorAll: the scope itself never matches, but ancestors count for combinators.
  EXPECT_EQ(Run("div", card), "");
  EXPECT_EQ(Run("#main .dept", card), "d1");
  EXPECT_EQ(Run(":scope > span", card), "n1 d1");
  EXPECT_EQ(Run("> span.dept", card), "d1");
  EXPECT_EQ(Run("+ div", card), "");  // the sibling is outside the scope
  Node ul = ByKey("ul");
  EXPECT_EQ(Run(":scope > li:nth-child(2)", ul), "li2");
  EXPECT_EQ(Run("li:first-child, li:last-child", ul), "li1 li5");
}

TEST_F(SelectorTest, SelectFirstAndMatches) {
  auto sel = Selector::Compile("li.item");
  ASSERT_TRUE(sel.ok());
  auto first = SelectFirst(doc_->document(), *sel);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->attr("k"), "li1");
  EXPECT_TRUE(Matches(ByKey("li3"), *sel));
  EXPECT_FALSE(Matches(ByKey("ul"), *sel));
  EXPECT_FALSE(Matches(Node(), *sel));
  auto none = Selector::Compile("table");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(SelectFirst(doc_->document(), *none).has_value());
}

TEST_F(SelectorTest, SelectStringsPerOutputKind) {
  struct StringsCase {
    const char* name;
    const char* css;
    std::vector<std::string> expected;
  };
  const StringsCase cases[] = {
      {"element text", "#main > p", {"Intro bold text", "Second", ""}},
      {"element text of a block", ".card", {"Dr. Li儿科", "Dr. Wang"}},
      {"direct text children", "p.intro::text", {"Intro", "text"}},
      {"text skips empty and element-only", "li::text", {"One", "Two", "Three"}},
      {"attribute values", "a::attr(href)", {"/four.html", "https://example.com/"}},
      {"attribute only where present", "li::attr(lang)", {"en-US"}},
      {"attribute name ignores case", "a::ATTR( TITLE )", {"Four Link"}},
      {"list with the same pseudo-element", "h1::text, footer a::text", {"Hello", "Ext"}},
      {"nothing", "table::text", {}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto sel = Selector::Compile(c.css);
    ASSERT_TRUE(sel.ok()) << sel.status().ToString();
    EXPECT_EQ(SelectStrings(doc_->document(), *sel), c.expected);
  }
}

TEST_F(SelectorTest, LonePseudoElementAppliesToTheScope) {
  auto href = Selector::Compile("::attr(href)");
  ASSERT_TRUE(href.ok());
  EXPECT_EQ(href->output(), Selector::Output::kAttr);
  EXPECT_EQ(href->attr_name(), "href");
  EXPECT_EQ(SelectStrings(ByKey("a4"), *href), std::vector<std::string>{"/four.html"});
  auto text = Selector::Compile(" ::text ");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(SelectStrings(ByKey("p1"), *text), (std::vector<std::string>{"Intro", "text"}));
  EXPECT_EQ(Keys(Select(ByKey("p1"), *text)), "p1");
}

// A list item's field reads the item's own attribute or text through :scope (issue #14.3).
TEST_F(SelectorTest, ScopeInTheRightmostCompoundSelectsTheScopeItself) {
  struct ScopeCase {
    const char* name;
    const char* scope;  // k= of the scope element
    const char* css;
    std::vector<std::string> strings;  // SelectStrings
    const char* keys;                  // Select
  };
  const ScopeCase cases[] = {
      {"attribute of the scope", "li3", ":scope::attr(data-id)", {"3"}, "li3"},
      {"attribute the scope lacks", "li3", ":scope::attr(lang)", {}, "li3"},
      {"text of the scope", "p1", ":scope::text", {"Intro", "text"}, "p1"},
      {"compound that the scope matches", "li3", ":scope.special::attr(data-id)", {"3"}, "li3"},
      {"compound that the scope does not match", "li3", ":scope.first::attr(data-id)", {}, ""},
      {"with an ancestor", "li4", "#list > :scope::attr(data-id)", {"4"}, "li4"},
      {"scope first, then descendants", "li4", ":scope, a", {"Four", "Four"}, "li4 a4"},
      {"children are still relative", "card1", ":scope > span::text", {"Dr. Li", "儿科"}, "n1 d1"},
      {"document scope is no element", "", ":scope::attr(k)", {}, ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto sel = Selector::Compile(c.css);
    ASSERT_TRUE(sel.ok()) << sel.status().ToString();
    const Node scope = *c.scope ? ByKey(c.scope) : doc_->document();
    EXPECT_EQ(SelectStrings(scope, *sel), c.strings);
    EXPECT_EQ(Keys(Select(scope, *sel)), c.keys);
    const ElementIndex index(*doc_);
    EXPECT_EQ(SelectStrings(scope, *sel, index), c.strings);
  }
}

TEST(SelectorCompile, ReportsOutputAndSource) {
  auto sel = Selector::Compile("div > a::attr(data-URL)");
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->output(), Selector::Output::kAttr);
  EXPECT_EQ(sel->attr_name(), "data-url");
  EXPECT_EQ(sel->source(), "div > a::attr(data-URL)");
  auto text = Selector::Compile("p::text");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->output(), Selector::Output::kText);
  auto plain = Selector::Compile("p");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->output(), Selector::Output::kElement);
}

TEST(SelectorCompile, RejectsMalformedSelectorsWithTheirColumn) {
  struct ErrorCase {
    const char* name;
    const char* css;
    const char* message;
  };
  const ErrorCase cases[] = {
      {"empty", "", "column 1: expected selector, found end of input"},
      {"only spaces", "   ", "column 4: expected selector, found end of input"},
      {"dangling child combinator", "div >", "column 6: expected selector, found end of input"},
      {"dangling sibling combinator", "div ~ ", "column 7: expected selector, found end of input"},
      {"two combinators", "div > > p", "column 7: expected selector, found '>'"},
      {"empty list item", "a,,b", "column 3: expected selector, found ','"},
      {"trailing comma", "a, ", "column 4: expected selector, found end of input"},
      {"attribute without value", "[a=",
       "column 4: expected attribute value, found end of input"},
      {"unclosed attribute", "[a",
       "column 3: expected ']' or an attribute operator (=, ~=, |=, ^=, $=, *=), found end of input"},
      {"attribute without name", "[=x]", "column 2: expected attribute name, found '='"},
      {"bad attribute operator", "[a!=x]",
       "column 3: expected ']' or an attribute operator (=, ~=, |=, ^=, $=, *=), found '!'"},
      {"bad attribute flag", "[a=b x]", "column 6: expected ']' or the flag i or s, found 'x'"},
      {"unterminated string", "a[href='x",
       "column 10: expected closing ' of the string at column 8, found end of input"},
      {"nth-child not a formula", ":nth-child(x)", "column 12: expected an+b, odd or even, found 'x'"},
      {"nth-child after a type", "li:nth-child(x)", "column 14: expected an+b, odd or even, found 'x'"},
      {"nth-child dangling sign", "li:nth-child(2n+)",
       "column 17: expected a number after the sign in an+b, found ')'"},
      {"nth-child empty", "li:nth-child()", "column 14: expected an+b, odd or even, found ')'"},
      {"nth-child junk after", "li:nth-child(2n1)", "column 16: expected ')' after an+b, found '1'"},
      {"nth-of-type takes no of", "p:nth-of-type(2 of p)", "column 17: expected ')', found 'o'"},
      {"nth-child bad of", "li:nth-child(2 off .a)", "column 16: expected ')' or 'of', found 'off'"},
      {"empty attr()", "a::attr()", "column 9: expected attribute name, found ')'"},
      {"unclosed attr(", "a::attr(href", "column 13: expected ')', found end of input"},
      {"unknown pseudo-element", "p::before", "column 2: expected '::text' or '::attr(name)', found '::before'"},
      {"unknown lone pseudo-element", "::first-line",
       "column 1: expected '::text' or '::attr(name)', found '::first-line'"},
      {"text is not a function", "p::text(1)", "column 2: expected '::text' or '::attr(name)', found '::text('"},
      {"unknown pseudo-class", "div:hover", "column 4: expected a supported pseudo-class, found ':hover'"},
      {"unknown functional pseudo-class", "div:lang(en)",
       "column 4: expected a supported pseudo-class, found ':lang('"},
      {"pseudo-class that takes no argument", "li:first-child(1)",
       "column 3: expected a supported pseudo-class, found ':first-child('"},
      {"missing pseudo-class name", "a:", "column 3: expected pseudo-class name after ':', found end of input"},
      {"unbalanced open paren", "div:not(p", "column 10: expected ',', a combinator or ')', found end of input"},
      {"unbalanced close paren", "div)", "column 4: expected ',', a combinator or end of input, found ')'"},
      {"empty not()", "p:not()", "column 7: expected selector, found ')'"},
      {"empty has()", "p:has()", "column 7: expected selector, found ')'"},
      {"unclosed contains", ":contains(", "column 11: expected a string, found end of input"},
      {"text not at the end", "p::text span",
       "column 9: expected ',' or end of input after a pseudo-element, found 's'"},
      {"two pseudo-elements", "p::text::text",
       "column 8: expected ',' or end of input after a pseudo-element, found ':'"},
      {"pseudo-element inside not", "p:not(a::text)",
       "column 8: expected ')' (a pseudo-element may only end the whole selector), found ':'"},
      {"list missing the pseudo-element", "p::text, a",
       "column 11: expected '::text' like the first selector of the list, found end of input"},
      {"list with another pseudo-element", "p::text, a::attr(href)",
       "column 11: expected '::text' like the first selector of the list, found '::attr(href)'"},
      {"list adding a pseudo-element", "p, a::text",
       "column 5: expected no pseudo-element (as the first selector of the list), found '::text'"},
      {"lone pseudo-element in a list", "::text, p",
       "column 7: expected end of input after a lone pseudo-element, found ','"},
      {"empty id", "#", "column 2: expected an id after '#', found end of input"},
      {"empty class", "p.", "column 3: expected a class name after '.', found end of input"},
      {"class starting with a digit", ".1a", "column 2: expected a class name after '.', found '1'"},
      {"leading combinator inside not", "p:not(> a)", "column 7: expected selector, found '>'"},
      {"column counts characters, not bytes", "p:contains(儿科) >",
       "column 17: expected selector, found end of input"},
      {"stray character", "div $", "column 5: expected selector, found '$'"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    auto sel = Selector::Compile(c.css);
    ASSERT_FALSE(sel.ok()) << c.css;
    EXPECT_EQ(sel.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(sel.status().message(), c.message) << c.css;
  }
}

TEST(SelectorCompile, SelectorIsACheapImmutableValue) {
  auto sel = Selector::Compile("li.item:nth-child(odd)");
  ASSERT_TRUE(sel.ok());
  Selector copy = *sel;
  EXPECT_EQ(&copy.program(), &sel->program());
  auto doc = Document::Parse("<ul><li class=item>a<li class=item>b<li class=item>c</ul>");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(SelectStrings(doc->document(), copy), (std::vector<std::string>{"a", "c"}));
}

}  // namespace
}  // namespace hc::html

namespace hc::html {
namespace {

TEST(SelectorCompile, BoundsNesting) {
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += ":not(";
  deep += "p";
  for (int i = 0; i < 10000; ++i) deep += ")";
  auto sel = Selector::Compile(deep);
  ASSERT_FALSE(sel.ok());
  EXPECT_EQ(sel.status().message(), "column 166: expected at most 32 nested selector lists, found ':'");
  std::string ok_nesting;
  for (int i = 0; i < 10; ++i) ok_nesting += ":is(";
  ok_nesting += "p";
  for (int i = 0; i < 10; ++i) ok_nesting += ")";
  EXPECT_TRUE(Selector::Compile(ok_nesting).ok());
}

// Many descendant combinators over a deep page: matching must not try every combination of
// ancestors (it would take longer than the test's lifetime).
TEST(SelectorMatch, DescendantCombinatorsOnADeepPageStayLinear) {
  std::string page;
  for (int i = 0; i < 500; ++i) page += "<div>";
  page += "<p>x</p>";
  auto doc = Document::Parse(page);
  ASSERT_TRUE(doc.ok());
  auto miss = Selector::Compile("span div div div div div div p");
  ASSERT_TRUE(miss.ok());
  EXPECT_TRUE(Select(doc->document(), *miss).empty());
  auto hit = Selector::Compile("body div div div div div div > p");
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(Select(doc->document(), *hit).size(), 1u);
  auto siblings = Selector::Compile("div ~ div ~ div p");
  ASSERT_TRUE(siblings.ok());
  EXPECT_TRUE(Select(doc->document(), *siblings).empty());
}

}  // namespace
}  // namespace hc::html
