// Cutting script and style contents out before Gumbo's parse (html/raw_text_elision_internal.h): the
// tree Document::Parse returns is the tree of the whole page, node for node, on every fixture page, on
// a table of cases each a rule of the HTML tokenizer or tree builder that the cut must respect, and on
// thousands of pages built at random from pieces of those rules. A case where the light tokenizer is
// wrong must still give the whole page's tree (by the check in RestoreElidedText and a second parse).
#include <gtest/gtest.h>

#include <gumbo.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/text.h"
#include "html/gumbo_node_internal.h"
#include "html/html.h"
#include "html/parse_arena_internal.h"
#include "html/raw_text_elision_internal.h"
#include "support/test_env.h"

namespace hc::html {
namespace {

using internal::ElideRawText;

// Everything a Node shows of a tree, one line a node, with its depth: kind, namespace, tag, attributes
// in order, text (escaped), parse flags.
std::string Dump(const Document& doc) {
  std::ostringstream out;
  std::vector<std::pair<const GumboNode*, int>> stack{{doc.document().raw(), 0}};
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    out << depth << ' ' << n->type << " f" << n->parse_flags;
    if (internal::IsElement(n)) {
      out << " ns" << n->v.element.tag_namespace << " <" << internal::TagName(n) << '>';
      const GumboVector& attrs = n->v.element.attributes;
      for (unsigned i = 0; i < attrs.length; ++i) {
        const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
        out << ' ' << a->attr_namespace << ':' << a->name << "=[" << a->value << ']';
      }
    } else if (internal::IsText(n) || n->type == GUMBO_NODE_COMMENT) {
      out << " [";
      for (const char* p = n->v.text.text; *p; ++p) {
        if (*p == '\n') {
          out << "\\n";
        } else if (*p == '\r') {
          out << "\\r";
        } else {
          out << *p;
        }
      }
      out << ']';
    }
    out << '\n';
    const std::size_t count = internal::ChildCount(n);
    for (std::size_t i = count; i-- > 0;) stack.emplace_back(internal::Child(n, i), depth + 1);
  }
  return out.str();
}

std::string DumpOf(const std::string& page, bool elide, bool valid_utf8 = false) {
  ParseOptions options;
  options.elide_raw_text = elide;
  options.valid_utf8 = valid_utf8;
  auto doc = Document::Parse(page, options);
  EXPECT_TRUE(doc.ok()) << doc.status().ToString();
  return doc.ok() ? Dump(*doc) : std::string("error");
}

// Elided or not, the same tree; for a valid UTF-8 page also when the cut takes the caller's word for
// that (ParseOptions::valid_utf8, as the crawl and the fixtures parse DecodeToUtf8's output).
void ExpectSameTree(const std::string& page, const std::string& label) {
  const std::string whole = DumpOf(page, false);
  const std::string cut = DumpOf(page, true);
  EXPECT_EQ(cut, whole) << label << "\n--- page ---\n" << page;
  if (IsValidUtf8(page)) {
    EXPECT_EQ(DumpOf(page, true, true), whole) << label << " (valid_utf8)";
  }
}

// A script body long enough to be cut (kMinElidedContent), with a marker.
std::string Js(const std::string& marker) {
  return "var " + marker + " = {\"a\": \"<b>x</b> & 中文\", \"n\": [1, 2, 3]}; if (a < b && c > d) { f(); }\n"
         "window.__INITIAL_STATE__ = {\"title\": \"发布于 2026-02-28\", \"views\": 9039};";
}
std::string Css(const std::string& marker) {
  return "." + marker + " { color: #333; font: 14px/1.5 'PingFang SC', sans-serif; }\n"
         ".nav > li:hover a[href^=\"/\"] { background: url(data:image/png;base64,iVBORw0KGgo=); }";
}
// A run of Chinese text long enough to be cut (kMinElidedText): full-width punctuation included.
std::string Zh() { return "大腿肌肉痉挛主要由电解质紊乱（如钠、钾、钙缺乏）引发。"; }

// Enough cut bytes that ElideRawText cuts at all (kMinElidedTotal).
std::string Padding() {
  std::string out;
  for (int i = 0; i < 12; ++i) out += "<style>" + Css("pad" + std::to_string(i)) + "</style>";
  return out;
}

// How many contents and text runs of `page` were cut and put back, or -1 when RestoreElidedText refused the tree.
int CutAndRestored(const std::string& page) {
  auto elision = ElideRawText(page);
  if (!elision) return 0;
  internal::ParseArena arena;
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = &internal::ParseArena::GumboAllocate;
  options.deallocator = &internal::ParseArena::GumboFree;
  options.userdata = &arena;
  GumboOutput* out = gumbo_parse_with_options(&options, elision->html.data(), elision->html.size());
  if (!out || !internal::RestoreElidedText(out, *elision, page, arena)) return -1;
  return static_cast<int>(elision->contents.size() + elision->texts.size());
}

TEST(RawTextElisionTest, CutsTheContentsOfScriptsAndStylesAndKeepsTheRest) {
  const std::string page = "<html><head><title>t</title>" + Padding() + "<script type=\"text/javascript\">" +
                           Js("a") + "</script></head><body><p>x</p><script>" + Js("b") +
                           "</SCRIPT ></body></html>";
  auto elision = ElideRawText(page);
  ASSERT_TRUE(elision.has_value());
  ASSERT_EQ(elision->contents.size(), 14u);
  EXPECT_EQ(elision->html.find("pad0"), std::string::npos);
  EXPECT_EQ(elision->html.find("__INITIAL_STATE__"), std::string::npos);
  EXPECT_NE(elision->html.find("<script type=\"text/javascript\"></script>"), std::string::npos);
  EXPECT_NE(elision->html.find("<p>x</p><script></SCRIPT ></body>"), std::string::npos);
  const internal::ElidedContent& last = elision->contents.back();
  EXPECT_EQ(last.tag, GUMBO_TAG_SCRIPT);
  EXPECT_EQ(elision->html.compare(last.tag_offset, 8, "<script>"), 0);
  EXPECT_EQ(page.substr(last.content_offset, last.length), Js("b"));
  ExpectSameTree(page, "ordinary page");
}

TEST(RawTextElisionTest, ReplacesLongRunsOfNonAsciiTextWithPlaceholders) {
  const std::string zh = Zh();
  std::string page = "<html><head><title>" + zh + "</title></head><body>";
  for (int i = 0; i < 12; ++i) page += "<p class=\"answer-text\">" + zh + " 9039次浏览 <b>" + zh + "</b></p>";
  page += "<p>短文本</p></body></html>";
  auto elision = ElideRawText(page);
  ASSERT_TRUE(elision.has_value());
  ASSERT_EQ(elision->texts.size(), 24u);  // not the title's (RCDATA), the views' or the short one's
  EXPECT_TRUE(elision->contents.empty());
  EXPECT_EQ(page.substr(elision->texts[0].offset, elision->texts[0].length), zh);
  EXPECT_EQ(page.substr(elision->texts[1].offset, elision->texts[1].length), zh);
  EXPECT_NE(elision->html.find("<p class=\"answer-text\">\xf4\x80\x80\x80 9039次浏览 <b>\xf4\x80\x80\x81</b></p>"),
            std::string::npos);
  EXPECT_NE(elision->html.find("<title>" + zh + "</title>"), std::string::npos);
  EXPECT_NE(elision->html.find("<p>短文本</p>"), std::string::npos);
  EXPECT_EQ(elision->html.size(), page.size() - 24 * (zh.size() - 4));
  EXPECT_EQ(CutAndRestored(page), 24);
  ExpectSameTree(page, "Chinese page");
  ExpectSameTree(Padding() + page, "Chinese page with styles");
}

TEST(RawTextElisionTest, ShortOrFewContentsAreNotCut) {
  EXPECT_FALSE(ElideRawText("<script>var a = 1;</script><p>x</p>").has_value());
  EXPECT_FALSE(ElideRawText("<style>" + Css("one") + "</style>").has_value());
  EXPECT_FALSE(ElideRawText("").has_value());
  EXPECT_FALSE(ElideRawText("<").has_value());
}

// Each case is a rule the cut must follow; the page around it has enough style to be cut.
struct Case {
  const char* rule;
  std::string html;
};

std::vector<Case> Cases() {
  const std::string js = Js("m"), css = Css("m"), zh = Zh();
  std::string deep;
  for (int i = 0; i < 1100; ++i) deep += "<div>";
  return {
      {"a script in the body", "<body><div><script>" + js + "</script></div>"},
      {"end tag in upper case with attributes", "<script>" + js + "</SCRIPT foo=\"bar>\">after"},
      {"end tag followed by a slash", "<script>" + js + "</script/>after"},
      {"end tag followed by a tab or newline", "<script>" + js + "</script\t>a<style>" + css + "</style\n>b"},
      {"a longer name does not end it", "<script>" + js + "</scripts>" + js + "</script>"},
      {"a quoted '>' in the start tag", "<script data-x=\"a>b\" data-y='c>d'>" + js + "</script>"},
      {"an unquoted value", "<script type=text/javascript async>" + js + "</script>"},
      {"a self-closing script still reads script data", "<script/>" + js + "<b>x</b></script><p>y"},
      {"a script in a comment", "<!-- <script>" + js + "</script> -->after"},
      {"the empty comments <!--> and <!--->", "<!--><script>" + js + "</script><!---><style>" + css + "</style>"},
      {"a comment ended by --!>", "<!-- x --!><script>" + js + "</script>"},
      {"a comment with a - before -->", "<!-- x ---><script>" + js + "</script>"},
      {"an unclosed comment", "<p>a<!-- <script>" + js + "</script>"},
      {"a script in a title", "<title><script>" + js + "</script></title><script>" + js + "</script>"},
      {"a script in a textarea", "<textarea><script>" + js + "</script></textarea>"},
      {"a script in an xmp, iframe, noembed, noframes",
       "<xmp><script>" + js + "</script></xmp><iframe><style>" + css + "</style></iframe><noembed><script>" +
           js + "</script></noembed><noframes><script>" + js + "</script></noframes>"},
      {"a script in noscript", "<noscript><script>" + js + "</script><style>" + css + "</style></noscript>"},
      {"a script and style in svg (foreign content)",
       "<svg><script>" + js + "</script><style>" + css + "</style></svg><script>" + js + "</script>"},
      {"svg left through an integration point",
       "<svg><g><foreignObject><p></svg></p></foreignObject><script>" + js + "</script></g></svg>"},
      {"a script in math", "<math><mi><script>" + js + "</script></mi><script>" + js + "</script></math>"},
      {"a style in select is dropped", "<select><style>" + css + "</style><script>" + js + "</script></select>"},
      {"scripts in a table", "<table><script>" + js + "</script><style>" + css + "</style><tr><td>1</table>"},
      {"a script in a template", "<template><script>" + js + "</script></template>"},
      {"a script in a frameset is dropped", "<frameset><script>" + js + "</script></frameset>"},
      {"a script after the body", "<body></body></html><script>" + js + "</script>"},
      {"<!-- in a script (escaped states)",
       "<script><!-- " + js + " <script>x</script> still script --></script><script>" + js + "</script>"},
      {"plaintext", "<plaintext><script>" + js + "</script>"},
      {"no end tag", "<script>" + js},
      {"the end tag cut by the end of the page", "<script>" + js + "</script"},
      {"an end tag without its '>'", "<script>" + js + "</script a=\"b"},
      {"CR LF and lone CR", "<script>" + js + "\r\nvar x;\r\rvar y;\r\n</script><style>\r\n" + css + "\r</style>"},
      {"a CR before the end tag", "<script>" + js + "\r</script>"},
      {"NUL, controls, DEL and C1 in a script",
       "<script>" + js + std::string("\0", 1) + "</script><script>" + js + "\x01\x7f</script><script>" + js +
           "\xc2\x85</script>"},
      {"noncharacters and invalid UTF-8",
       "<script>" + js + "\xef\xb7\x90</script><script>" + js + "\xef\xbf\xbe</script><script>" + js +
           "\xff\xc0\x80</script><script>" + js + "\xe4\xb8</script>"},
      {"whitespace only", "<script>" + std::string(200, ' ') + "\n\t\f</script><p>x"},
      {"a doctype with a quoted '>'", "<!DOCTYPE html PUBLIC \"a>b\"><script>" + js + "</script>"},
      {"a processing instruction and a bogus end tag", "<?xml <script>?><script>" + js + "</script></ x>"},
      {"CDATA outside foreign content", "<![CDATA[ <script>" + js + "</script> ]]>"},
      {"CDATA in svg", "<svg><![CDATA[ <script>" + js + "</script> ]]></svg><script>" + js + "</script>"},
      {"a '<' that is text", "<p>a < b <3 <= c</p><script>" + js + "</script>"},
      {"a tag cut by the end of the page", "<script>" + js + "</script><div class=\"a"},
      {"uppercase start tag", "<SCRIPT TYPE=\"X\">" + js + "</script><STYLE>" + css + "</STYLE>"},
      {"a style before <head>", "<style>" + css + "</style><html><head></head>"},
      {"scripts deeper than max_depth", deep + "<script>" + js + "</script><style>" + css + "</style>"},
      // Runs of non-ASCII text, each replaced by a placeholder: wherever the tree builder puts them.
      {"text runs in paragraphs, with entities, '<' and '&' beside them",
       "<p>" + zh + "&amp;" + zh + "</p><p>" + zh + "<" + zh + " & " + zh + "&#20013;" + zh + "&nbsp" + zh + "</p>"},
      {"a text run split by ASCII", "<p>" + zh + " 2026-02-28 " + zh + "," + zh + "9039次浏览</p>"},
      {"text runs before <html>, in <head> and after </html>",
       zh + "<html><head>" + zh + "<title>" + zh + "</title></head><body></body></html>" + zh},
      {"text runs in a table are foster-parented",
       "<table>" + zh + "<tr>" + zh + "<td>" + zh + "</td>" + zh + "</tr></table>"},
      {"text runs in a table beside formatting elements", "<b><table><i>" + zh + "<tr><td>" + zh + "</table>"},
      {"text runs in colgroup, select, template and noscript",
       "<table><colgroup>" + zh + "</colgroup></table><select>" + zh + "<option>" + zh +
           "</select><template>" + zh + "</template><noscript>" + zh + "</noscript>"},
      {"text runs in svg and math", "<svg><desc>" + zh + "</desc>" + zh + "</svg><math><mi>" + zh + "</mi></math>"},
      {"text runs in a frameset are dropped", "<frameset>" + zh + "</frameset>" + zh},
      {"text runs in comments, a title, a textarea and CDATA",
       "<!-- " + zh + " --><title>" + zh + "</title><textarea>" + zh + "</textarea><svg><![CDATA[" + zh +
           "]]></svg>"},
      {"text runs in attributes are not cut", "<p title=\"" + zh + "\" data-x=" + zh + ">" + zh + "</p>"},
      {"a text run in <pre> after its newline", "<pre>\n" + zh + "</pre><pre>" + zh + "</pre>"},
      {"a text run the light tokenizer takes for text inside an SVG style",
       "<svg><style><a title=\"</style>" + zh + "\">x</a></style></svg>"},
      {"a text run with a C1 control, a noncharacter, invalid UTF-8",
       "<p>" + zh + "\xc2\x85" + zh + "</p><p>" + zh + "\xef\xb7\x90" + zh + "</p><p>" + zh + "\xe4\xb8" + zh +
           "\xff" + zh + "</p>"},
      {"a page with a plane-16 character", "<p>" + zh + "\xf4\x80\x80\x81" + zh + "</p>"},
      {"a page with a reference to a plane-16 character", "<p>" + zh + "&#x100001;" + zh + "&#1048577;</p>"},
      {"NUL beside a text run", "<p>" + zh + std::string("\0", 1) + zh + "</p>"},
  };
}

TEST(RawTextElisionTest, EveryRuleGivesTheWholePagesTree) {
  for (const Case& c : Cases()) {
    ExpectSameTree("<html><head>" + Padding() + "</head>" + c.html, c.rule);
    ExpectSameTree(c.html + Padding(), std::string(c.rule) + " (padding after)");
  }
}


// The light tokenizer follows the page where Gumbo does: these scripts are cut, and the tree is
// accepted, so no second parse is needed (the tree would be right either way: this is about speed).
TEST(RawTextElisionTest, TheLightTokenizerKeepsInStepWithGumbo) {
  const std::string js = Js("s"), pad = Padding();  // 12 styles
  const std::vector<std::pair<std::string, int>> cases = {
      {"<script data-x=\"a>b\" data-y='c>d' e=f>" + js + "</script>", 13},
      {"<!-- <script>" + js + "</script> --!><script>" + js + "</script><!-- b -->", 13},
      {"<!--><script>" + js + "</script><!---><script>" + js + "</script><!-- a ---><script>" + js + "</script>", 15},
      {"<!DOCTYPE html PUBLIC \"a>b\"><script>" + js + "</script>", 13},
      {"<title><script>x</script></title><textarea><style>y</style></textarea><script>" + js + "</script>", 13},
      {"<SCRIPT TYPE=X>" + js + "</sCrIpT\n>", 13},
      {"<script>" + js + "</scripts>" + js + "</script>", 13},
      {"<svg><path d=\"M0 0\"/></svg><script>" + js + "</script>", 13},
      {"<script>" + js + "\r\n</script>", 13},
  };
  for (const auto& [html, n] : cases) EXPECT_EQ(CutAndRestored(pad + html), n) << html;
  // Where it cannot keep in step (a script in foreign content is an SVG element with markup inside), the
  // check in RestoreElidedText refuses the tree, and Document::Parse parses the page whole.
  EXPECT_EQ(CutAndRestored(pad + "<svg><script>" + js + "</script></svg>"), -1);
  // The same for a text run whose placeholder lands outside a text node: in an attribute value (the
  // light tokenizer took an SVG style for RAWTEXT) or nowhere (a frameset drops text).
  const std::string zh = Zh();
  EXPECT_EQ(CutAndRestored(pad + "<p>" + zh + "</p>"), 13);
  EXPECT_EQ(CutAndRestored(pad + "<svg><style><a title=\"</style>" + zh + "\">x</a></style></svg>"), -1);
  EXPECT_EQ(CutAndRestored(pad + "<frameset>" + zh + "</frameset>"), -1);
}

TEST(RawTextElisionTest, EveryFixturePageGivesTheWholePagesTree) {
  int pages = 0, cut = 0, with_text_runs = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(hc::testing::FixturesDir())) {
    if (entry.path().extension() != ".html") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string page = DecodeToUtf8(bytes.str()).utf8;
    ExpectSameTree(page, entry.path().string());
    ++pages;
    auto elision = ElideRawText(page);
    cut += elision.has_value() ? 1 : 0;
    with_text_runs += elision.has_value() && !elision->texts.empty() ? 1 : 0;
  }
  EXPECT_GE(pages, 20);
  EXPECT_GE(cut, 1);  // the scripted site's pages carry enough script to be cut
  EXPECT_GE(with_text_runs * 2, pages);  // portal pages are mostly Chinese text
}

// Pages put together at random from the pieces the rules above are about, so that their combinations
// (a comment opened in one piece and closed in another, a quote left open in a tag, ...) are tried too.
TEST(RawTextElisionTest, RandomPagesGiveTheWholePagesTree) {
  const std::string js = Js("r"), css = Css("r");
  const std::vector<std::string> pieces = {
      "<script>" + js + "</script>", "<style>" + css + "</style>", "<SCRIPT type=a>" + js + "</Script >",
      "<script/>", "</script>", "<script>", "<style>", "</style>", js, css, "<!--", "-->", "--!>", "<!-->",
      "<!--->", "<title>", "</title>", "<textarea>", "</textarea>", "<svg>", "</svg>", "<math>", "</math>",
      "<foreignObject>", "<select>", "</select>", "<table>", "<tr><td>", "</table>", "<template>",
      "</template>", "<noscript>", "</noscript>", "<xmp>", "</xmp>", "<iframe>", "</iframe>", "<p>", "</p>",
      "<div class=\"", "\">", "'", "\"", ">", "<", "</", "<!DOCTYPE html>", "<![CDATA[", "]]>", "\r\n", "\r",
      "<a href=x>", "</a>", "<b>", "</b>", "<frameset>", "<body>", "</body>", "</html>", "<head>", "中文",
      std::string("\0", 1), "\xc2\x85", "<?x ", "<plaintext>", "<desc>", "</desc>", "<li>", " ", Zh(), Zh(),
      Zh(), "<p>" + Zh() + "</p>", "&amp;", "&", "<div title=\"" + Zh() + "\">", "\xef\xb7\x90", "<colgroup>",
      "<option>", "<pre>\n", "<td>", "<caption>"};
  std::mt19937 random(20261203);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<int> length(5, 60);
  int cut = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string page = Padding();
    for (int k = length(random); k > 0; --k) page += pieces[pick(random)];
    const std::string whole = DumpOf(page, false);
    const std::string elided = DumpOf(page, true);
    ASSERT_EQ(elided, whole) << "page " << i << ":\n" << page;
    ASSERT_TRUE(IsValidUtf8(page));  // every piece is
    ASSERT_EQ(DumpOf(page, true, true), whole) << "page " << i << " (valid_utf8):\n" << page;
    cut += ElideRawText(page).has_value() ? 1 : 0;
  }
  EXPECT_GT(cut, 1000);
}

}  // namespace
}  // namespace hc::html
