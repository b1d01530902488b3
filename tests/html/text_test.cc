// Text(), NormalizeWhitespace() and OuterHtml(): what a data team gets in a column, and a faithful
// serializer.
#include <gtest/gtest.h>

#include <string>

#include "html/html.h"

namespace hc::html {
namespace {

// Text() of the first element the selector matches in `html`.
std::string TextOf(const std::string& html, const std::string& css = "body") {
  auto doc = Document::Parse(html);
  if (!doc.ok()) return "PARSE ERROR";
  auto sel = Selector::Compile(css);
  if (!sel.ok()) return "SELECTOR ERROR";
  auto n = SelectFirst(doc->document(), *sel);
  return n ? Text(*n) : "NO MATCH";
}

std::string OuterOf(const std::string& html, const std::string& css) {
  auto doc = Document::Parse(html);
  if (!doc.ok()) return "PARSE ERROR";
  auto sel = Selector::Compile(css);
  if (!sel.ok()) return "SELECTOR ERROR";
  auto n = SelectFirst(doc->document(), *sel);
  return n ? OuterHtml(*n) : "NO MATCH";
}

TEST(Text, NormalizesAsAReaderSeesThePage) {
  struct Case {
    const char* name;
    const char* html;
    const char* expected;
  };
  const Case cases[] = {
      {"plain", "<p>Hello world</p>", "Hello world"},
      {"whitespace runs collapse", "<p>  Hello \n\t  world  </p>", "Hello world"},
      {"nbsp entities", "<p>a&nbsp;&nbsp; b&nbsp;</p>", "a b"},
      {"literal nbsp", "<p>a\u00a0\u00a0b</p>", "a b"},
      {"ideographic space", "<p>\u3000\u3000正文内容\u3000结束</p>", "正文内容 结束"},
      {"em space and narrow nbsp", "<p>a\u2003b\u202fc\u205fd</p>", "a b c d"},
      {"nested inline", "<p>Hello <b>big <i>wide</i></b> world!</p>", "Hello big wide world!"},
      {"inline without spaces stays joined", "<p>foo<b>bar</b>baz</p>", "foobarbaz"},
      {"paragraphs", "<div><p>One</p><p>Two</p></div>", "One\n\nTwo"},
      {"nested blocks give one break", "<div><div><p>One</p></div></div><div><p>Two</p></div>", "One\n\nTwo"},
      {"text beside blocks", "<div>intro<h2>Title</h2>tail</div>", "intro\n\nTitle\n\ntail"},
      {"every heading and list item", "<h1>A</h1><h6>B</h6><ul><li>c</li><li>d</li></ul><ol><li>e</li></ol>",
       "A\n\nB\n\nc\n\nd\n\ne"},
      {"definition list", "<dl><dt>Term</dt><dd>Def</dd></dl>", "Term\n\nDef"},
      {"section, article, header, footer, blockquote",
       "<section>s</section><article>a</article><header>h</header><footer>f</footer><blockquote>q</blockquote>",
       "s\n\na\n\nh\n\nf\n\nq"},
      {"br is a line break", "<p>line one<br>line two</p>", "line one\nline two"},
      {"br with spaces around", "<p>one <br/> two</p>", "one\ntwo"},
      {"two br are one blank line", "<p>a<br><br>b</p>", "a\n\nb"},
      {"many br never more than one blank line", "<p>a<br><br><br><br>b</p>", "a\n\nb"},
      {"br then block", "<p>a<br></p><p>b</p>", "a\n\nb"},
      {"leading and trailing breaks trimmed", "<div><br><p></p>\n  <p>x</p><br>\n</div>", "x"},
      {"empty blocks add nothing", "<p>a</p><p> </p><p></p><p>b</p>", "a\n\nb"},
      {"script and style dropped", "<div>a<script>var x = 1;</script> <style>p{}</style>b</div>", "a b"},
      {"noscript and template dropped", "<div>a<noscript>enable js</noscript><template><p>t</p></template>b</div>", "ab"},
      {"comments dropped", "<p>a<!-- hidden -->b</p>", "ab"},
      {"table rows and cells", "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>",
       "a b\n\nc d"},
      {"pre keeps its line breaks", "<pre>line1\n  line2\n\n\n\nline3</pre>", "line1\nline2\n\nline3"},
      {"entities decoded", "<p>a &amp; b &lt;c&gt; &#x4E2D;&#25991;</p>", "a & b <c> 中文"},
      {"Chinese article", "<div class=c><p>\u3000\u3000糖尿病是一种代谢性疾病。</p><p>\u3000\u3000症状：多饮、多尿。</p></div>",
       "糖尿病是一种代谢性疾病。\n\n症状：多饮、多尿。"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(TextOf(c.html), c.expected);
  }
}

TEST(Text, OfTextNodesScriptsAndTheWholeDocument) {
  auto doc = Document::Parse("<html><head><title> T </title><script>var a=1;</script></head><body><p> x </p></body></html>");
  ASSERT_TRUE(doc.ok());
  Node html = doc->root();
  EXPECT_EQ(Text(html), "T\n\nx");
  EXPECT_EQ(Text(doc->document()), "T\n\nx");
  auto script = Selector::Compile("script");
  ASSERT_TRUE(script.ok());
  // A script selected on purpose (JSON-LD, inline data) gives its text; only nested ones are dropped.
  EXPECT_EQ(Text(*SelectFirst(doc->document(), *script)), "var a=1;");
  auto p = Selector::Compile("p");
  Node para = *SelectFirst(doc->document(), *p);
  ASSERT_EQ(para.children().size(), 1u);
  EXPECT_EQ(Text(para.children()[0]), "x");
  EXPECT_EQ(Text(Node()), "");
}

TEST(NormalizeWhitespace, CollapsesUnicodeSpacesAndTrims) {
  struct Case {
    const char* name;
    const char* in;
    const char* expected;
  };
  const Case cases[] = {
      {"empty", "", ""},
      {"only spaces", " \t\n\u00a0\u3000 ", ""},
      {"ascii", "  a \t\n b  ", "a b"},
      {"nbsp and ideographic", "a\u00a0\u3000b", "a b"},
      {"en quad to hair space", "a\u2000\u2001\u2002\u200ab", "a b"},
      {"line and paragraph separators", "a\u2028b\u2029c", "a b c"},
      {"ogham and next line", "a\u1680b\u0085c", "a b c"},
      {"zero-width space is not whitespace", "a\u200bb", "a\u200bb"},
      {"CJK text untouched", "民福康 健康", "民福康 健康"},
      {"invalid UTF-8 passes through", "a\xff b", "a\xff b"},
      {"vertical tab and form feed", "a\v\fb", "a b"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(NormalizeWhitespace(c.in), c.expected);
  }
}

TEST(OuterHtml, SerializesFaithfully) {
  struct Case {
    const char* name;
    const char* html;
    const char* css;
    const char* expected;
  };
  const Case cases[] = {
      {"attributes in source order, quoted", "<p class=a id='x' data-v=1>t</p>", "p",
       "<p class=\"a\" id=\"x\" data-v=\"1\">t</p>"},
      {"text escaped", "<p>a &amp; b &lt;c&gt; &nbsp;d</p>", "p", "<p>a &amp; b &lt;c&gt; &nbsp;d</p>"},
      {"attribute escaped", "<a title='say \"hi\" &amp; <bye>'>x</a>", "a",
       "<a title=\"say &quot;hi&quot; &amp; &lt;bye&gt;\">x</a>"},
      {"void elements have no end tag", "<div><img src=x.png alt=''><br><input type=text></div>", "div",
       "<div><img src=\"x.png\" alt=\"\"><br><input type=\"text\"></div>"},
      {"script is raw text", "<div><script>if (a < b && c) { x = \"</\"; }</script></div>", "div",
       "<div><script>if (a < b && c) { x = \"</\"; }</script></div>"},
      {"style is raw text", "<style>a > b { content: '&'; }</style>", "style",
       "<style>a > b { content: '&'; }</style>"},
      {"comments kept", "<div>a<!-- note -->b</div>", "div", "<div>a<!-- note -->b</div>"},
      {"implied end tags written", "<ul><li>a<li>b</ul>", "ul", "<ul><li>a</li><li>b</li></ul>"},
      {"custom element lowercased", "<My-Widget Data-X=1>c</My-Widget>", "my-widget",
       "<my-widget data-x=\"1\">c</my-widget>"},
      {"Chinese text as is", "<p>中文 内容</p>", "p", "<p>中文 内容</p>"},
      {"pre leading newline survives", "<pre>\n\nx</pre>", "pre", "<pre>\n\nx</pre>"},
      {"svg xlink attribute", "<svg><use xlink:href='#i'></use></svg>", "svg",
       "<svg><use xlink:href=\"#i\"></use></svg>"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(OuterOf(c.html, c.css), c.expected);
  }
}

TEST(OuterHtml, RoundTripsThroughTheParser) {
  const std::string page =
      "<!DOCTYPE html><html><head><title>t</title></head><body><div id=\"a\" class=\"x y\"><p>one &amp; "
      "two<br>three</p><table><tbody><tr><td>c</td></tr></tbody></table><!-- c --></div></body></html>";
  auto doc = Document::Parse(page);
  ASSERT_TRUE(doc.ok());
  std::string once = OuterHtml(doc->document());
  EXPECT_EQ(once, page);
  auto again = Document::Parse(once);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(OuterHtml(again->document()), once);
}

TEST(OuterHtml, OfTextAndInvalidNodes) {
  auto doc = Document::Parse("<p>a &lt; b</p>");
  ASSERT_TRUE(doc.ok());
  auto p = Selector::Compile("p");
  Node para = *SelectFirst(doc->document(), *p);
  EXPECT_EQ(OuterHtml(para.children()[0]), "a &lt; b");
  EXPECT_EQ(OuterHtml(Node()), "");
}

}  // namespace
}  // namespace hc::html
