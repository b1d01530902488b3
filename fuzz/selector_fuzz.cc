// Fuzzes html::Selector::Compile with arbitrary selector text and runs every selector that compiles
// over a small fixed page. Properties checked besides memory safety:
//   * a syntax error is reported as "column N: ..." with 1 <= N <= (characters in the input) + 1, the
//     form the config loader relies on to point at the bad character in a YAML file;
//   * source() is the input;
//   * Select returns each element once, in document order, and every one of them Matches, unless the
//     selector refers to its scope (:scope, or a leading combinator, docs/selectors.md): Matches has
//     no scope but the element itself, so it cannot agree with a Select from the document there.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/text.h"
#include "fuzz_check.h"
#include "html/html.h"

namespace {

constexpr char kPage[] = R"(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>测试页</title><base href="/x/"></head>
<body class="page article" id="top">
<div class="crumbs"><a href="/">首页</a> &gt; <a href="/list/guke/">骨科</a></div>
<h1 class="article-title" data-id="12345">腰椎间盘突出怎么办？</h1>
<div class="article-meta"><span class="time">发布于 2026-02-28</span><span class="views">9039次浏览</span>
<span class="author" lang="zh">王医生</span></div>
<div class="article-body"><p>第一段。</p><p class="disclaimer">免责声明</p><p>第二段<br>换行</p>
<ul><li>一</li><li class="odd">二</li><li>三</li><li>四</li></ul>
<table><tr><td>a</td><td>b</td></tr><tr><td colspan="2">c</td></tr></table></div>
<div class="answer-list"><div class="answer-card"><a class="q-title" href="/question/1.html">问</a>
<span class="doc-name">李医生</span><span class="doc-title">主任医师</span></div>
<div class="answer-card empty"></div></div>
<form><input type="checkbox" checked><input type="text" disabled name="q" value=""></form>
<p lang="en-US" title="a b  c" data-x="-1">English <em>text</em></p>
<!-- a comment --><script>var a = "<div>";</script><template><p>inert</p></template>
</body></html>)";

struct Page {
  hc::html::Document doc;
  std::map<const void*, size_t> order;  // pre-order index of every element
};

void Number(hc::html::Node n, std::map<const void*, size_t>& order) {
  if (n.is_element()) order.emplace(n.raw(), order.size());
  for (hc::html::Node c : n.children()) Number(c, order);
}

const Page& TestPage() {
  static const Page* page = [] {
    auto doc = hc::html::Document::Parse(kPage);
    if (!doc.ok()) std::abort();
    auto* p = new Page{std::move(*doc), {}};
    Number(p->doc.document(), p->order);
    return p;
  }();
  return *page;
}

// True when the selector may refer to the scope of a Select: it mentions "scope" (:scope), or one of
// its selectors starts with a combinator ("> li"). Conservative: a false positive only skips a check.
bool RefersToScope(std::string_view css) {
  if (hc::AsciiLowered(css).find("scope") != std::string::npos) return true;
  bool at_start = true;
  for (char c : css) {
    if (hc::IsAsciiWhitespace(c)) continue;
    if (at_start && (c == '>' || c == '+' || c == '~')) return true;
    at_start = c == ',';
  }
  return false;
}

size_t CountChars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view css(reinterpret_cast<const char*>(data), size);
  const Page& page = TestPage();
  auto selector = hc::html::Selector::Compile(css);
  if (!selector.ok()) {
    const std::string& msg = selector.status().message();
    FUZZ_CHECK(msg.starts_with("column "), msg);
    size_t column = 0, i = 7;
    while (i < msg.size() && msg[i] >= '0' && msg[i] <= '9' && column < 1000000) column = column * 10 + (msg[i++] - '0');
    FUZZ_CHECK(i > 7 && i < msg.size() && msg[i] == ':', msg);
    FUZZ_CHECK(column >= 1 && column <= CountChars(css) + 1, msg);
    return 0;
  }
  FUZZ_CHECK(selector->source() == css, selector->source());

  const bool scoped = RefersToScope(css);
  const auto matches = hc::html::Select(page.doc.document(), *selector);
  size_t previous = 0;
  bool first = true;
  for (hc::html::Node n : matches) {
    auto it = page.order.find(n.raw());
    FUZZ_CHECK(it != page.order.end(), "Select returned a node that is not an element of the page");
    FUZZ_CHECK(first || it->second > previous, "Select results are not in document order, each once");
    previous = it->second;
    first = false;
    if (!scoped) FUZZ_CHECK(hc::html::Matches(n, *selector), "an element that Select returned does not Match");
  }
  auto first_match = hc::html::SelectFirst(page.doc.document(), *selector);
  FUZZ_CHECK(first_match.has_value() == !matches.empty(), "SelectFirst disagrees with Select");
  if (first_match) FUZZ_CHECK(*first_match == matches.front(), "SelectFirst is not Select's first");
  for (const std::string& s : hc::html::SelectStrings(page.doc.document(), *selector)) {
    FUZZ_CHECK(hc::IsValidUtf8(s), s);
  }
  return 0;
}
