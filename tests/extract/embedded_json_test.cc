// Field rules that read JSON embedded in pages (issue 13, point 4; docs/selectors.md, "JSON in scripts"):
// JSON-LD, __NEXT_DATA__, `window.__INITIAL_STATE__ = {...}` and `var PAGE = {...}`, the usual types over
// JSON values, each script parsed once per page, the size and depth limits, and the config errors.
#include "extract/embedded_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/records.h"
#include "extract/extract.h"

namespace hc::extract {
namespace {

PageInput Input() {
  PageInput input;
  input.url = "https://www.demo.com/a/1.html";
  EXPECT_TRUE(ParseIso8601("2026-05-07T02:00:00Z", &input.fetched_at));
  return input;
}

// A demo config whose article page has the given extra fields (each line indented under extra:).
std::string Config(const std::string& extra, const std::string& limits = "") {
  return "site: demo\n" + limits +
         "page_types:\n  - name: article\n    url: /a/\n    record: article\n    extra:\n" + extra;
}

ExtractedPage ExtractWith(const std::string& config, const std::string& body) {
  auto program = SelectorProgram::FromYaml(config, "selectors/demo.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) return {};
  auto doc = html::Document::Parse("<!DOCTYPE html><html><head></head><body>" + body + "</body></html>");
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) return {};
  return program->Extract(*doc, Input());
}

const std::string kNext =
    R"(<script id="__NEXT_DATA__" type="application/json">)"
    R"({"props":{"pageProps":{"views":103856,"title":"腰痛","ts":1778030000000,)"
    R"("open":true,"openWord":"是","bad":"maybe","when":"5天前","tags":["腰","背"],)"
    R"("author":{"name":"李"},"nil":null,"a/b":1,"m~n":2,"items":[10,20,30],)"
    R"("big":18446744073709551615,"huge":1e20,"wide":123456789012345678901234,)"
    R"("exact":9007199254740993,"float_ts":1778030000.0,"shown":"10万+","nested":[[1]]}}})"
    R"(</script><span class=views>10万+</span>)";

struct Case {
  const char* name;
  std::string extra;             // the extra: block
  std::string body;              // the page's body
  std::string want;              // the record's "extra" as JSON
  std::string note;              // a part of the note about extra.v ("" for none)
  bool conversion_note = false;  // the note is also a FieldNote (a value found but unreadable)
};

TEST(EmbeddedJsonTest, Table) {
  const std::string next = "script: '#__NEXT_DATA__'";
  const Case cases[] = {
      {"__NEXT_DATA__ by id: the exact count where the page shows 10万+",
       "      v: {json: {" + next + ", pointer: /props/pageProps/views}, type: count}\n", kNext,
       R"({"v":103856})", ""},
      {"a JSON string goes through the text conversion",
       "      v: {json: {" + next + ", pointer: /props/pageProps/shown}, type: count}\n", kNext,
       R"({"v":100000})", ""},
      {"text", "      v: {json: {" + next + ", pointer: /props/pageProps/title}}\n", kNext, R"({"v":"腰痛"})",
       ""},
      {"epoch from a JSON number (milliseconds)",
       "      v: {json: {" + next + ", pointer: /props/pageProps/ts}, type: epoch}\n", kNext,
       R"({"v":"2026-05-06T09:13:20+08:00"})", ""},
      {"epoch from an integral double",
       "      v: {json: {" + next + ", pointer: /props/pageProps/float_ts}, type: epoch_date}\n", kNext,
       R"({"v":"2026-05-06"})", ""},
      {"bool from JSON true", "      v: {json: {" + next + ", pointer: /props/pageProps/open}, type: bool}\n",
       kNext, R"({"v":true})", ""},
      {"bool from a word",
       "      v: {json: {" + next + ", pointer: /props/pageProps/openWord}, type: bool}\n", kNext,
       R"({"v":true})", ""},
      {"malformed bool: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/bad}, type: bool}\n", kNext, R"({"v":null})",
       "\"maybe\" is not a boolean", true},
      {"malformed epoch: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/when}, type: epoch}\n", kNext,
       R"({"v":null})", "\"5天前\" is not an epoch time", true},
      {"RFC 6901 escapes: ~1 is '/'",
       "      v: {json: {" + next + ", pointer: /props/pageProps/a~1b}, type: int}\n", kNext, R"({"v":1})",
       ""},
      {"RFC 6901 escapes: ~0 is '~'",
       "      v: {json: {" + next + ", pointer: /props/pageProps/m~0n}, type: int}\n", kNext, R"({"v":2})",
       ""},
      {"an array index", "      v: {json: {" + next + ", pointer: /props/pageProps/items/1}, type: int}\n",
       kNext, R"({"v":20})", ""},
      {"an index with a leading zero is no index",
       "      v: {json: {" + next + ", pointer: /props/pageProps/items/01}, type: int}\n", kNext,
       R"({"v":null})", "is not in script '#__NEXT_DATA__'"},
      {"all: an array's items",
       "      v: {json: {" + next + ", pointer: /props/pageProps/tags}, all: true}\n", kNext,
       R"({"v":["腰","背"]})", ""},
      {"all and join",
       "      v: {json: {" + next + ", pointer: /props/pageProps/tags}, all: true, join: '/'}\n", kNext,
       R"({"v":"腰/背"})", ""},
      {"an array where one value is wanted: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/tags}}\n", kNext, R"({"v":null})",
       "is an array, not a value", true},
      {"an array of arrays: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/nested}, all: true}\n", kNext, R"({"v":[]})",
       "an item is an array", true},
      {"an object where a value is wanted: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/author}}\n", kNext, R"({"v":null})",
       "JSON pointer '/props/pageProps/author' in script '#__NEXT_DATA__': is an object", true},
      {"a missing pointer: null and a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/likes}, type: count}\n", kNext,
       R"({"v":null})", "JSON pointer '/props/pageProps/likes' is not in script '#__NEXT_DATA__'"},
      {"JSON null is nothing", "      v: {json: {" + next + ", pointer: /props/pageProps/nil}}\n", kNext,
       R"({"v":null})", "is not in script"},
      {"a missing script", "      v: {json: {script: '#nope', pointer: /a}}\n", kNext, R"({"v":null})",
       "no element matches script '#nope'"},
      {"beyond int64: a note, not a wrapped number",
       "      v: {json: {" + next + ", pointer: /props/pageProps/big}, type: int}\n", kNext, R"({"v":null})",
       "the number 18446744073709551615 is beyond the 64-bit integer range", true},
      {"beyond 2^53 as a double: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/huge}, type: count}\n", kNext,
       R"({"v":null})", "is beyond 2^53", true},
      {"beyond 64 bits: a note",
       "      v: {json: {" + next + ", pointer: /props/pageProps/wide}, type: count}\n", kNext,
       R"({"v":null})", "is beyond 2^53", true},
      {"an integer past 2^53 within int64 stays exact",
       "      v: {json: {" + next + ", pointer: /props/pageProps/exact}, type: int}\n", kNext,
       R"({"v":9007199254740993})", ""},
      {"the whole document", "      v: {json: {script: '#n', pointer: ''}, type: int}\n",
       "<script id=n type=application/json>42</script>", R"({"v":42})", ""},
      {"JavaScript, not JSON: a note", "      v: {json: {script: '#s', pointer: /a}}\n",
       "<script id=s>{a: 1, f: function() {}}</script>", R"({"v":null})",
       "script '#s' is not JSON (syntax error at byte 1;", true},
      {"without assign or regex the whole text is the JSON",
       "      v: {json: {script: '#s', pointer: /a}, type: int}\n", "<script id=s>{\"a\": 1};</script>",
       R"({"v":null})", "is not JSON", true},
      {"assign: window.__INITIAL_STATE__",
       "      v: {json: {script: script, assign: window.__INITIAL_STATE__, pointer: /article/views}, type: "
       "count}\n",
       "<script>var x = 1;</script><script>if (window.__INITIAL_STATE__ == null) {}\n"
       "window.__INITIAL_STATE__ = {\"article\": {\"views\": 103856, \"s\": \"};\"}};\n"
       "(function(){var s;}());</script>",
       R"({"v":103856})", ""},
      {"assign: var PAGE",
       "      v: {json: {script: script, assign: PAGE, pointer: /ctime}, type: epoch_date}\n",
       "<script>var MYPAGE = {\"ctime\": 1};var PAGE={\"ctime\":1778030000}</script>",
       R"({"v":"2026-05-06"})", ""},
      {"assign that is not there", "      v: {json: {script: script, assign: PAGE, pointer: /ctime}}\n",
       "<script>var PAGE2 = {\"ctime\": 1};</script>", R"({"v":null})",
       "script 'script' has no assignment 'PAGE = {' or '['", true},
      {"assign of JavaScript", "      v: {json: {script: script, assign: PAGE, pointer: /ctime}}\n",
       "<script>var PAGE = {ctime: 1};</script>", R"({"v":null})", "is not JSON", true},
      {"regex: the capture starts the JSON, the parser ends it",
       "      v: {json: {script: script, regex: 'var\\s+PAGE\\s*=\\s*(\\{)', pointer: /n}, type: int}\n",
       "<script>var PAGE = {\"n\": 7, \"s\": \"}\"}; var OTHER = {};</script>", R"({"v":7})", ""},
      {"regex that does not match",
       "      v: {json: {script: script, regex: 'var\\s+DATA\\s*=\\s*(\\{)', pointer: /n}}\n",
       "<script>var PAGE = {\"n\": 7};</script>", R"({"v":null})", "does not match the regex", true},
      {"JSON-LD: the first script that has the pointer",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', pointer: /datePublished}, type: "
       "date}\n",
       R"(<script type="application/ld+json">{"@type":"BreadcrumbList"}</script>)"
       R"(<script type="application/ld+json">{"@type":"Article","datePublished":"2026-02-27T09:12:37+08:00"}</script>)",
       R"({"v":"2026-02-27"})", ""},
      {"JSON-LD: a broken script is passed over when another has the value",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', pointer: /name}}\n",
       R"(<script type="application/ld+json">{"@type": "X",}</script>)"
       R"(<script type="application/ld+json">{"name":"李医生"}</script>)",
       R"({"v":"李医生"})", ""},
      {"JSON-LD: index",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', index: 1, pointer: /name}}\n",
       R"(<script type="application/ld+json">{"name":"a"}</script><script type="application/ld+json">{"name":"b"}</script>)",
       R"({"v":"b"})", ""},
      {"JSON-LD: an index past the scripts",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', index: 2, pointer: /name}}\n",
       R"(<script type="application/ld+json">{"name":"a"}</script>)", R"({"v":null})",
       "has no index 2 (1 match)"},
      {"JSON-LD: ld_type in @graph",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', ld_type: MedicalWebPage, pointer: "
       "/lastReviewed}, type: date}\n",
       R"(<script type="application/ld+json">{"@context":"https://schema.org","@graph":[)"
       R"({"@type":"WebSite","name":"x"},{"@type":["WebPage","MedicalWebPage"],"lastReviewed":"2026-01-05"}]}</script>)",
       R"({"v":"2026-01-05"})", ""},
      {"JSON-LD: ld_type in a top-level array",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', ld_type: Person, pointer: /name}}\n",
       R"(<script type="application/ld+json">[{"@type":"Article","name":"a"},{"@type":"Person","name":"李"}]</script>)",
       R"({"v":"李"})", ""},
      {"JSON-LD: no node of the type",
       "      v: {json: {script: 'script[type=\"application/ld+json\"]', ld_type: Person, pointer: /name}}\n",
       R"(<script type="application/ld+json">{"@type":"Article","name":"a"}</script>)", R"({"v":null})",
       "JSON pointer '/name' under @type Person is not in script"},
      {"a field regex runs over the JSON value",
       "      v: {json: {" + next + ", pointer: /props/pageProps/title}, regex: '(腰)'}\n", kNext,
       R"({"v":"腰"})", ""},
      {"a default when the pointer is not there",
       "      v: {json: {" + next + ", pointer: /x}, type: int, default: '0'}\n", kNext, R"({"v":0})", ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExtractedPage page = ExtractWith(Config(c.extra), c.body);
    ASSERT_EQ(page.records.size(), 1u);
    EXPECT_EQ(records::ToJson(page.records[0])["extra"].dump(), Json::parse(c.want).dump());
    EXPECT_TRUE(page.failures.empty());
    std::string notes;
    bool found = false;
    for (const std::string& n : page.notes) {
      notes += n + "\n";
      if (n.starts_with("extra.v") && !c.note.empty() && n.find(c.note) != std::string::npos) found = true;
      if (c.note.empty()) {
        EXPECT_FALSE(n.starts_with("extra.v")) << n;
      }
    }
    if (!c.note.empty()) {
      EXPECT_TRUE(found) << "wanted a note with " << c.note << "; notes:\n" << notes;
    }
    bool field_note = false;
    for (const FieldNote& n : page.field_notes) {
      if (n.field == "article.extra.v" && n.problem.find(c.note) != std::string::npos) field_note = true;
    }
    EXPECT_EQ(field_note, c.conversion_note) << "notes:\n" << notes;
  }
}

TEST(EmbeddedJsonTest, RequiredFieldFailsNamingTheField) {
  const struct {
    const char* name;
    std::string body;
    std::string reason;
  } cases[] = {
      {"missing script", "<p>x</p>", "no element matches script '#__NEXT_DATA__'"},
      {"missing pointer", R"(<script id="__NEXT_DATA__">{"props":{}}</script>)",
       "is not in script '#__NEXT_DATA__'"},
      {"not JSON", R"(<script id="__NEXT_DATA__">{props: {}}</script>)", "is not JSON"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ExtractedPage page = ExtractWith(Config("      v: {json: {script: '#__NEXT_DATA__', pointer: "
                                            "/props/views}, type: count, required: true}\n"),
                                     c.body);
    ASSERT_EQ(page.failures.size(), 1u);
    EXPECT_EQ(page.failures[0].path, "extra.v");
    EXPECT_NE(page.failures[0].reason.find(c.reason), std::string::npos) << page.failures[0].reason;
    EXPECT_TRUE(page.field_notes.empty()) << "a required field's problem is its failure, not a note as well";
  }
}

// The fields of list items read the scripts inside their item.
TEST(EmbeddedJsonTest, ListItemsReadTheirOwnScripts) {
  const std::string config =
      "site: demo\npage_types:\n  - name: q\n    url: /a/\n    record: question\n    fields:\n      title: "
      "h1\n"
      "    lists:\n      answers:\n        css: .answer\n        fields:\n"
      "          doctor_name: {json: {script: 'script[type=\"application/ld+json\"]', pointer: "
      "/author/name}}\n"
      "          answered_at: {json: {script: 'script[type=\"application/ld+json\"]', pointer: "
      "/dateCreated}, type: epoch}\n";
  ExtractedPage page = ExtractWith(
      config,
      "<h1>腰痛</h1>"
      R"(<div class=answer><script type="application/ld+json">{"author":{"name":"张敏"},"dateCreated":1778030000}</script></div>)"
      R"(<div class=answer><script type="application/ld+json">{"author":{"name":"刘强"}}</script></div>)");
  ASSERT_EQ(page.records.size(), 1u);
  const Json record = records::ToJson(page.records[0]);
  const Json& answers = record["answers"];
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0]["doctor_name"], "张敏");
  EXPECT_EQ(answers[0]["answered_at"], "2026-05-06T09:13:20+08:00");
  EXPECT_EQ(answers[1]["doctor_name"], "刘强");
  EXPECT_TRUE(answers[1]["answered_at"].is_null());
}

// A 10 MB script read by 30 fields is parsed once per page; another cut of it (assign) is another parse.
TEST(EmbeddedJsonTest, EachScriptIsParsedOncePerPage) {
  std::string filler(10u << 20, 'x');
  const std::string body = R"(<script id="s" type="application/json">{"pad":")" + filler +
                           R"(","n":{"a":1,"b":2}}</script><script id="t">window.S = {"n": 3};</script>)";
  std::string extra;
  for (int i = 0; i < 30; ++i) {
    extra += "      v" + std::to_string(i) + ": {json: {script: '#s', pointer: /n/" + (i % 2 ? "a" : "b") +
             "}, type: int}\n";
  }
  extra += "      w1: {json: {script: '#t', assign: window.S, pointer: /n}, type: int}\n";
  extra += "      w2: {json: {script: '#t', assign: window.S, pointer: /n}, type: count}\n";
  const std::string config = Config(extra, "limits: {max_json_bytes: 20000000}\n");
  const int64_t before = JsonParseCount();
  ExtractedPage page = ExtractWith(config, body);
  EXPECT_EQ(JsonParseCount() - before, 2) << "one parse per (script, cut), not one per field";
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["v0"], 2);
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["v29"], 1);
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["w2"], 3);

  // The default limit (5 MB) refuses the same script: not parsed at all, a note naming the size.
  const int64_t before_limited = JsonParseCount();
  ExtractedPage limited =
      ExtractWith(Config("      v: {json: {script: '#s', pointer: /n/a}, type: int}\n"), body);
  EXPECT_EQ(JsonParseCount() - before_limited, 0);
  ASSERT_EQ(limited.field_notes.size(), 1u);
  EXPECT_EQ(limited.field_notes[0].field, "article.extra.v");
  EXPECT_NE(limited.field_notes[0].problem.find("holds 10485788 bytes, over limits.max_json_bytes (5242880)"),
            std::string::npos)
      << limited.field_notes[0].problem;
}

// 100,000 nested arrays: refused at kMaxJsonDepth with a note, without deep recursion (run under ASan).
TEST(EmbeddedJsonTest, DeepNestingIsANoteNotAStackOverflow) {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  for (const std::string& body :
       {"<script id=s>" + deep + "</script>", "<script id=s>var X = " + deep + ";</script>"}) {
    const bool assign = body.find("var X") != std::string::npos;
    SCOPED_TRACE(assign ? "assign" : "whole");
    ExtractedPage page = ExtractWith(Config(std::string("      v: {json: {script: '#s', ") +
                                            (assign ? "assign: X, " : "") + "pointer: /0}}\n"),
                                     body);
    ASSERT_EQ(page.field_notes.size(), 1u);
    EXPECT_NE(page.field_notes[0].problem.find("nests JSON deeper than 512 levels"), std::string::npos)
        << page.field_notes[0].problem;
  }
  // 512 levels are read: the 7 is in the 512th array.
  const std::string ok = std::string(511, '[') + "7" + std::string(511, ']');
  std::string pointer;
  for (int i = 0; i < 512; ++i) pointer += "/0";
  ExtractedPage page =
      ExtractWith(Config("      v: {json: {script: '#s', pointer: '" + pointer + "'}, type: int}\n"),
                  "<script id=s>[" + ok + "]</script>");
  ASSERT_EQ(page.records.size(), 1u);
  for (const FieldNote& n : page.field_notes) ADD_FAILURE() << n.problem;
  EXPECT_EQ(records::ToJson(page.records[0])["extra"]["v"], 7);
}

TEST(EmbeddedJsonTest, ParseJsonPointer) {
  const struct {
    std::string text;
    std::vector<std::string> tokens;
    bool ok;
  } cases[] = {
      {"", {}, true},
      {"/", {""}, true},
      {"/a/b", {"a", "b"}, true},
      {"/a~1b/m~0n", {"a/b", "m~n"}, true},
      {"/~01", {"~1"}, true},  // RFC 6901 section 4: ~01 is "~1", not "/"
      {"/0/", {"0", ""}, true},
      {"a/b", {}, false},
      {"/a~2", {}, false},
      {"/a~", {}, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto tokens = ParseJsonPointer(c.text);
    ASSERT_EQ(tokens.ok(), c.ok);
    if (c.ok) {
      EXPECT_EQ(*tokens, c.tokens);
    }
  }
}

TEST(EmbeddedJsonTest, ConfigErrorsPointAtTheMistake) {
  const struct {
    const char* name;
    std::string field;  // the line under extra:, which is line 7 of the config
    std::string where;  // "selectors/demo.yaml:7:COLUMN: "
    std::string message;
  } cases[] = {
      {"pointer without a leading slash", "      v: {json: {script: '#s', pointer: a/b}}\n", "7:41",
       "a JSON pointer is empty or starts with '/' (RFC 6901), found 'a/b'"},
      {"a bad escape", "      v: {json: {script: '#s', pointer: /a~2}}\n", "7:41",
       "'~' at byte 2 must be followed by 0 or 1"},
      {"a bad selector", "      v: {json: {script: 'div >', pointer: /a}}\n", "7:32",
       "bad CSS selector 'div >'"},
      {"an unknown key", "      v: {json: {script: '#s', pointr: /a}}\n", "7:32",
       "unknown key 'pointr' in field 'extra.v' json (did you mean 'pointer'?)"},
      {"no pointer", "      v: {json: {script: '#s'}}\n", "7:17", "json needs pointer"},
      {"no script", "      v: {json: {pointer: /a}}\n", "7:17", "json needs script"},
      {"css and json", "      v: {css: .a, json: {script: '#s', pointer: /a}}\n", "7:20", "keep one of them"},
      {"assign and regex", "      v: {json: {script: '#s', pointer: /a, assign: X, regex: 'X=(\\{)'}}\n",
       "7:56", "assign or regex"},
      {"a regex without a group", "      v: {json: {script: '#s', pointer: /a, regex: 'X='}}\n", "7:52",
       "needs exactly one capture group"},
      {"an assign that is not a name", "      v: {json: {script: '#s', pointer: /a, assign: 'a b'}}\n",
       "7:53", "assign names a JavaScript variable"},
      {"script with ::attr", "      v: {json: {script: '#s::attr(x)', pointer: /a}}\n", "7:26",
       "drop ::text/::attr"},
      {"type html", "      v: {json: {script: '#s', pointer: /a}, type: html}\n", "7:52",
       "a json value is text"},
      {"a negative index", "      v: {json: {script: '#s', pointer: /a, index: -1}}\n", "7:52",
       "index must be at least 0"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto program = SelectorProgram::FromYaml(Config(c.field), "selectors/demo.yaml");
    ASSERT_FALSE(program.ok());
    EXPECT_EQ(program.status().code(), StatusCode::kConfigError);
    const std::string& msg = program.status().message();
    EXPECT_TRUE(msg.starts_with("selectors/demo.yaml:" + c.where + ": ")) << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace hc::extract
