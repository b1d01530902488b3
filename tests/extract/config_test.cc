// Selector config loading: every key read into SiteConfig, and every mistake reported as
// "file:line:column: message" pointing at the offending node (1-based; columns count bytes).
#include <gtest/gtest.h>

#include "extract/extract.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

constexpr const char* kFile = "selectors/demo.yaml";

// Lines 1-6; fields start on line 7 at column 7.
const std::string kHead =
    "site: demo\n"
    "page_types:\n"
    "  - name: article\n"
    "    url: '^https://www\\.demo\\.com/a/'\n"
    "    record: article\n"
    "    fields:\n";

TEST(ConfigTest, ReadsEveryKey) {
  const std::string yaml = R"(site: demo
name: 演示
allowed_domains: [Demo.com, demo.cn]
start_urls: ['https://www.demo.com/']
sitemaps: ['https://www.demo.com/sitemap.xml']
time_zone: Asia/Tokyo
user_agent: 'bot/1.0'
cookies: true
allow_private_addresses: yes
limits: {max_depth: 3, max_pages: 500, max_dataset_pages: 9000}
politeness: {delay: 0.5, concurrency: 4}
url_normalization: {strip_params: ['utm_*', ref], sort_query: true}
follow:
  allow: ['^https://www\.demo\.com/']
  deny: ['[?&]print=1']
page_types:
  - name: article
    url: '^https://www\.demo\.com/a/\d+'
    priority: 10
    record: article
    revisit: {interval: 7d, min: 1d, max: 2w}
    fields:
      title: {css: h1, required: true}
  - name: listing
    url: '/list/'
    priority: -1
)";
  auto program = SelectorProgram::FromYaml(yaml, kFile);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const SiteConfig& c = program->config();
  EXPECT_EQ(c.file, kFile);
  EXPECT_EQ(c.key, "demo");
  EXPECT_EQ(c.name, "演示");
  EXPECT_EQ(c.allowed_domains, (std::vector<std::string>{"demo.com", "demo.cn"}));
  EXPECT_EQ(c.start_urls, (std::vector<std::string>{"https://www.demo.com/"}));
  EXPECT_EQ(c.sitemaps, (std::vector<std::string>{"https://www.demo.com/sitemap.xml"}));
  EXPECT_EQ(c.time_zone, "Asia/Tokyo");
  EXPECT_EQ(c.user_agent, "bot/1.0");
  EXPECT_TRUE(c.cookies);
  EXPECT_TRUE(c.allow_private_addresses);
  EXPECT_EQ(c.max_depth, 3);
  EXPECT_EQ(c.max_pages, 500);
  EXPECT_EQ(c.max_dataset_pages, 9000);
  EXPECT_DOUBLE_EQ(c.politeness.delay_seconds, 0.5);
  EXPECT_EQ(c.politeness.concurrency, 4);
  EXPECT_EQ(c.url_normalization.strip_params, (std::vector<std::string>{"utm_*", "ref"}));
  EXPECT_TRUE(c.url_normalization.sort_query);
  EXPECT_EQ(c.follow_allow, (std::vector<std::string>{R"(^https://www\.demo\.com/)"}));
  EXPECT_EQ(c.follow_deny, (std::vector<std::string>{"[?&]print=1"}));
  ASSERT_EQ(c.page_types.size(), 2u);
  EXPECT_EQ(c.page_types[0].name, "article");
  EXPECT_EQ(c.page_types[0].url_pattern, R"(^https://www\.demo\.com/a/\d+)");
  EXPECT_EQ(c.page_types[0].priority, 10);
  EXPECT_EQ(c.page_types[0].record, "article");
  EXPECT_EQ(c.page_types[0].revisit.interval, std::chrono::hours(24 * 7));
  EXPECT_EQ(c.page_types[0].revisit.min, std::chrono::hours(24));
  EXPECT_EQ(c.page_types[0].revisit.max, std::chrono::hours(24 * 14));
  EXPECT_EQ(c.page_types[1].name, "listing");
  EXPECT_EQ(c.page_types[1].priority, -1);
  EXPECT_EQ(c.page_types[1].record, "");
  EXPECT_EQ(c.page_types[1].revisit.interval.count(), 0);
}

TEST(ConfigTest, Defaults) {
  auto program = SelectorProgram::FromYaml("site: demo\npage_types: [{name: x, url: /}]\n", kFile);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const SiteConfig& c = program->config();
  SiteConfig defaults;
  EXPECT_EQ(c.name, "demo");  // the key, when no name is given
  EXPECT_EQ(c.time_zone, "Asia/Shanghai");
  EXPECT_EQ(c.user_agent, defaults.user_agent);
  EXPECT_FALSE(c.cookies);
  EXPECT_FALSE(c.allow_private_addresses);
  EXPECT_EQ(c.max_depth, 0);
  EXPECT_EQ(c.max_pages, 0);
  EXPECT_EQ(c.max_dataset_pages, 0);
  EXPECT_DOUBLE_EQ(c.politeness.delay_seconds, 1.0);
  EXPECT_EQ(c.politeness.concurrency, 2);
  EXPECT_EQ(c.url_normalization.strip_params, NormalizeOptions{}.strip_params);
  EXPECT_TRUE(c.allowed_domains.empty());
  EXPECT_TRUE(c.follow_allow.empty());
}

TEST(ConfigTest, FileNameWithoutYamlExtensionSkipsTheStemCheck) {
  auto program = SelectorProgram::FromYaml("site: anything\npage_types: [{name: x, url: /}]\n", "<inline>");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
}

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::string location;  // "line:column"
  std::string message;   // a part of what follows the location
};

void ExpectError(const ErrorCase& c) {
  SCOPED_TRACE(c.name);
  auto program = SelectorProgram::FromYaml(c.yaml, kFile);
  ASSERT_FALSE(program.ok()) << "loaded:\n" << c.yaml;
  EXPECT_EQ(program.status().code(), StatusCode::kConfigError);
  const std::string& msg = program.status().message();
  const std::string prefix = std::string(kFile) + ":" + c.location + ": ";
  EXPECT_TRUE(msg.starts_with(prefix)) << msg << "\nwanted location " << c.location;
  EXPECT_NE(msg.find(c.message), std::string::npos) << msg << "\nwanted: " << c.message;
}

TEST(ConfigErrorTest, Table) {
  const std::string no_fields = "site: demo\npage_types:\n  - name: article\n    url: /a/\n    record: article\n";
  const ErrorCase cases[] = {
      {"unclosed flow sequence", "site: demo\npage_types: [\n", "3:1", "YAML syntax error: end of sequence flow not found"},
      {"bad indentation", "site: demo\n  bad: x\n", "2:6", "YAML syntax error: illegal map value"},
      {"empty file", "", "1:1", "the config is empty"},
      {"nesting too deep", "site: demo\npage_types: " + std::string(3000, '[') + "\n", "3:1", "YAML nesting deeper than 499 levels"},
      {"top level is a list", "- a\n- b\n", "1:1", "the config must be a mapping, found a list"},
      {"unknown top-level key", "site: demo\nsitemap: []\npage_types: []\n", "2:1",
       "unknown key 'sitemap' in the config (did you mean 'sitemaps'?)"},
      {"duplicate key", "site: demo\nsite: demo\npage_types: []\n", "2:1", "duplicate key 'site' in the config (first at line 1)"},
      {"missing site", "page_types: [{name: x, url: /}]\n", "1:1", "missing required key 'site'"},
      {"missing page_types", "site: demo\nname: x\n", "1:1", "missing required key 'page_types'"},
      {"empty page_types", "site: demo\npage_types: []\n", "2:13", "page_types must be a non-empty list"},
      {"site is not a key", "site: Demo Site\npage_types: [{name: x, url: /}]\n", "1:7", "site must be a key of a-z"},
      {"site does not match the file", "site: other\npage_types: [{name: x, url: /}]\n", "1:7",
       "site 'other' does not match the file name 'demo.yaml' (expected site: demo)"},
      {"bad time zone", "site: demo\ntime_zone: Mars/Base\npage_types: [{name: x, url: /}]\n", "2:12",
       "unknown time zone 'Mars/Base'"},
      {"cookies not a bool", "site: demo\ncookies: sometimes\npage_types: [{name: x, url: /}]\n", "2:10",
       "cookies must be true or false, found 'sometimes'"},
      {"allowed_domains not a list", "site: demo\nallowed_domains: demo.com\npage_types: [{name: x, url: /}]\n",
       "2:18", "allowed_domains must be a list of strings, found 'demo.com'"},
      {"allowed domain with a scheme",
       "site: demo\nallowed_domains: [https://demo.com]\npage_types: [{name: x, url: /}]\n", "2:19",
       "allowed_domains holds host names such as 'mfk.com', found 'https://demo.com'"},
      {"start URL not http", "site: demo\nstart_urls: ['ftp://demo.com/']\npage_types: [{name: x, url: /}]\n",
       "2:14", "start_urls must hold absolute http(s) URLs, found 'ftp://demo.com/'"},
      {"relative start URL", "site: demo\nstart_urls: [/index]\npage_types: [{name: x, url: /}]\n", "2:14",
       "start_urls must hold absolute http(s) URLs, found '/index'"},
      {"unknown key in limits", "site: demo\nlimits: {max_depht: 3}\npage_types: [{name: x, url: /}]\n", "2:10",
       "unknown key 'max_depht' in limits (did you mean 'max_depth'?)"},
      {"negative limit", "site: demo\nlimits: {max_pages: -1}\npage_types: [{name: x, url: /}]\n", "2:21",
       "max_pages must be at least 0, found -1"},
      {"negative dataset limit", "site: demo\nlimits: {max_dataset_pages: -1}\npage_types: [{name: x, url: /}]\n",
       "2:29", "max_dataset_pages must be at least 0, found -1"},
      {"zero concurrency", "site: demo\npoliteness: {concurrency: 0}\npage_types: [{name: x, url: /}]\n", "2:27",
       "concurrency must be at least 1, found 0"},
      {"delay not a number", "site: demo\npoliteness: {delay: soon}\npage_types: [{name: x, url: /}]\n", "2:21",
       "delay must be a number, found 'soon'"},
      {"bad follow regex", "site: demo\nfollow: {allow: ['(a']}\npage_types: [{name: x, url: /}]\n", "2:18",
       "bad regex '(a': "},
      {"unknown follow key", "site: demo\nfollow: {alow: []}\npage_types: [{name: x, url: /}]\n", "2:10",
       "unknown key 'alow' in follow (did you mean 'allow'?)"},
      {"unknown page type key", "site: demo\npage_types:\n  - name: a\n    prority: 3\n    url: /\n", "4:5",
       "unknown key 'prority' in a page type (did you mean 'priority'?)"},
      {"priority is not an integer", "site: demo\npage_types:\n  - name: a\n    url: /\n    priority: high\n", "5:15",
       "priority must be an integer, found 'high'"},
      {"page type without name", "site: demo\npage_types:\n  - url: /\n", "3:5", "page type without a name"},
      {"page type without url", "site: demo\npage_types:\n  - name: a\n", "3:5", "page type 'a' has no url pattern"},
      {"bad url regex", "site: demo\npage_types:\n  - name: a\n    url: '^(abc'\n", "4:10", "bad regex '^(abc': "},
      {"duplicate page type",
       "site: demo\npage_types:\n  - name: a\n    url: /a\n  - name: a\n    url: /b\n", "5:11",
       "duplicate page type 'a' (first defined at line 3)"},
      {"bad duration", "site: demo\npage_types:\n  - name: a\n    url: /\n    revisit: {interval: 7x}\n", "5:25",
       "bad duration '7x' for revisit.interval"},
      {"revisit min above max",
       "site: demo\npage_types:\n  - name: a\n    url: /\n    revisit: {min: 2d, max: 1d}\n", "5:14",
       "revisit min is above max"},
      {"unknown record kind", "site: demo\npage_types:\n  - name: a\n    url: /\n    record: articel\n", "5:13",
       "unknown record kind 'articel' (did you mean 'article'?)"},
      {"fields without a record", "site: demo\npage_types:\n  - name: a\n    url: /\n    fields: {title: h1}\n",
       "5:5", "page type 'a' has fields but no record kind"},
      {"unknown canonical field", kHead + "      titel: h1\n", "7:7",
       "unknown field 'titel' for record article (did you mean 'title'?)"},
      {"unknown field rule key", kHead + "      title: {css: h1, requird: true}\n", "7:24",
       "unknown key 'requird' in field 'title' (did you mean 'required'?)"},
      {"required is not a bool", kHead + "      title: {css: h1, required: maybe}\n", "7:34",
       "required must be true or false, found 'maybe'"},
      {"bad field regex", kHead + "      title: {css: h1, regex: '(a'}\n", "7:31", "bad regex '(a': "},
      {"unknown type", kHead + "      title: {css: h1, type: txt}\n", "7:30", "unknown type 'txt' (did you mean 'text'?)"},
      {"type that does not fit the canonical field", kHead + "      views: {css: .v, type: text}\n", "7:30",
       "field 'views' is an integer field: type must be count or int, not text"},
      {"count_word on a text field", kHead + "      title: {css: h1, count_word: 阅读}\n", "7:24",
       "field 'title': count_word is an option of type count, not text"},
      {"empty count_word", kHead + "      views: {css: .v, count_word: ''}\n", "7:36", "count_word is empty"},
      {"epoch_unit on a count", kHead + "      views: {css: .v, epoch_unit: ms}\n", "7:24",
       "epoch_unit is an option of type epoch or epoch_date, not count"},
      {"bad epoch_unit", kHead + "      published_at: {css: .t, type: epoch, epoch_unit: us}\n", "7:56",
       "epoch_unit must be s, ms or auto, found 'us'"},
      {"join_labels on a date", kHead + "      published_at: {css: .t, join_labels: true}\n", "7:31",
       "join_labels is an option of type text, not date"},
      {"bool on a canonical field", kHead + "      title: {css: h1, type: bool}\n", "7:30",
       "type must be text or html, not bool"},
      {"bool with all", kHead.substr(0, kHead.size() - 12) + "    extra:\n      v: {css: .v, type: bool, all: true}\n",
       "7:32", "a bool is one value; drop all"},
      {"bool from a match that is required", kHead.substr(0, kHead.size() - 12) +
       "    extra:\n      v: {css: .v, type: bool, required: true}\n", "7:32", "never missing; drop required"},
      {"bool default that is not a boolean", kHead.substr(0, kHead.size() - 12) +
       "    extra:\n      v: {css: '.v::text', type: bool, default: maybe}\n", "7:49", "default 'maybe' of field 'v' is not a valid bool"},
      {"epoch default that is not an epoch", kHead + "      published_at: {css: .t, type: epoch, default: '2026-01-01'}\n",
       "7:53", "is not a valid epoch"},
      {"date field with type int", kHead + "      published_at: {css: .t, type: int}\n", "7:37",
       "field 'published_at' is a date field: type must be date, datetime, epoch or epoch_date, not int"},
      {"list-of-strings field without all", kHead + "      tags: {css: .t, all: false}\n", "7:28",
       "field 'tags' is a list of strings field: it needs all: true"},
      {"single-value field with all and no join", kHead + "      title: {css: h1, all: true}\n", "7:29",
       "field 'title' is a text field that holds one value: add join, or drop all"},
      {"join without all", kHead + "      body: {css: p, join: ' '}\n", "7:22", "join needs all: true"},
      {"group beyond the captures", kHead + "      title: {css: h1, regex: 'a(b)', group: 2}\n", "7:46",
       "group 2 but the regex has 1 capture group"},
      {"group without regex", kHead + "      title: {css: h1, group: 1}\n", "7:24", "group needs a regex"},
      {"required with default", kHead + "      title: {default: x, required: true}\n", "7:15",
       "required with a default can never be missing"},
      {"default that is not a count", kHead + "      views: {default: abc}\n", "7:24",
       "default 'abc' of field 'views' is not a valid count"},
      {"field with nothing to extract", kHead + "      title: {required: true}\n", "7:14",
       "field 'title' needs css, regex, json or default"},
      {"field that is a list", kHead + "      title: [h1]\n", "7:14", "field 'title' must be a css selector string"},
      {"html type with ::text", kHead + "      body: {css: 'p::text', type: html}\n", "7:19",
       "type html needs css that selects elements"},
      {"unknown extra rule key", no_fields + "    extra:\n      category: {css: a, typ: text}\n", "7:26",
       "unknown key 'typ' in field 'extra.category' (did you mean 'type'?)"},
      {"unknown list", no_fields + "    lists:\n      answer: {css: .a}\n", "7:7",
       "unknown list 'answer' for record article (did you mean 'answers'?)"},
      {"list of the wrong record kind", no_fields + "    lists:\n      answers: {css: .a, record: answer}\n", "7:34",
       "list 'answers' holds answer_card records, not 'answer'"},
      {"list for a kind without lists",
       "site: demo\npage_types:\n  - name: d\n    url: /d/\n    record: doctor\n    lists:\n      answers: {css: .a}\n",
       "7:7", "unknown list 'answers': record doctor has no lists"},
      {"list without css", no_fields + "    lists:\n      answers: {fields: {doctor_name: .n}}\n", "7:16",
       "list 'answers' needs css"},
      {"list css with ::text", no_fields + "    lists:\n      answers: {css: '.a::text'}\n", "7:22",
       "a list's css selects the item elements"},
      {"unknown field inside a list item",
       no_fields + "    lists:\n      answers:\n        css: .a\n        fields:\n          doctor: .d\n", "10:11",
       "unknown field 'doctor' for record answer_card; its fields: question_title, question_url, doctor_name,"},
      {"bad rule inside a list item",
       no_fields + "    lists:\n      answers:\n        css: .a\n        fields:\n          answered_at: {css: .t, type: count}\n",
       "10:40", "field 'answers[].answered_at' is a date field"},
      // Child lists (issue 13 point 6): the fields are free names compiled like extra fields.
      {"bad type in a child list",
       no_fields + "    children:\n      consultations:\n        css: li\n        fields:\n          date: {css: .d, type: dat}\n",
       "10:33", "unknown type 'dat' (did you mean 'date'?)"},
      {"bad type in a child list of a list item",
       no_fields +
           "    lists:\n      answers:\n        css: .a\n        children:\n          followups:\n            css: .f\n"
           "            fields:\n              n: {css: .n, type: count, epoch_unit: s}\n",
       "13:41", "field 'answers[].children.followups[].n': epoch_unit is an option of type epoch or epoch_date"},
      {"child list without css", no_fields + "    children:\n      schedule: {fields: {day: .d}}\n", "7:17",
       "child list 'children.schedule' needs css"},
      {"child list without fields", no_fields + "    children:\n      schedule: {css: tr}\n", "7:17",
       "child list 'children.schedule' needs fields"},
      {"unknown key in a child list", no_fields + "    children:\n      schedule: {css: tr, field: {d: .d}}\n",
       "7:27", "unknown key 'field' in child list 'children.schedule' (did you mean 'fields'?)"},
      {"child list css with ::attr", no_fields + "    children:\n      schedule: {css: 'a::attr(href)', fields: {d: .d}}\n",
       "7:23", "a list's css selects the item elements"},
      {"children without a record", "site: demo\npage_types:\n  - name: x\n    url: /\n    children: {}\n", "5:5",
       "page type 'x' has children but no record kind"},
  };
  for (const auto& c : cases) ExpectError(c);
}

// The CSS column: the selector's own error column, moved to where the selector sits in the file.
TEST(ConfigErrorTest, CssErrorPointsIntoTheSelector) {
  struct CssCase {
    const char* name;
    std::string line;  // line 7 of the config
    std::string css;
    int value_column;  // where the selector's first character is in the line (1-based)
  };
  const CssCase cases[] = {
      {"plain scalar", "      title: h1 >", "h1 >", 14},
      {"single-quoted", "      title: 'h1 >'", "h1 >", 15},
      {"double-quoted in a mapping", "      title: {css: \"div..x\"}", "div..x", 21},
      {"after a chinese attribute value", "      title: \"[title='中'] >\"", "[title='中'] >", 15},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto direct = html::Selector::Compile(c.css);
    ASSERT_FALSE(direct.ok()) << c.css << " compiles";
    const std::string& m = direct.status().message();
    ASSERT_TRUE(m.starts_with("column ")) << m;
    const int char_column = std::stoi(m.substr(7));
    // Columns in the file count bytes: add the bytes of the characters before the error.
    size_t byte = 0;
    for (int chars = 1; chars < char_column && byte < c.css.size(); ++chars) {
      ++byte;
      while (byte < c.css.size() && (static_cast<unsigned char>(c.css[byte]) & 0xC0) == 0x80) ++byte;
    }
    const std::string location = "7:" + std::to_string(c.value_column + static_cast<int>(byte));
    ExpectError({c.name, kHead + c.line + "\n", location, "bad CSS selector '" + c.css + "': " + m.substr(m.find(':') + 2)});
  }
}

TEST(ConfigErrorTest, FolderLoading) {
  hc::testing::TempDir dir;
  hc::testing::WriteFile(dir / "b.yaml", "site: b\npage_types: [{name: x, url: /}]\n");
  hc::testing::WriteFile(dir / "a.yaml", "site: a\npage_types: [{name: x, url: /}]\n");
  hc::testing::WriteFile(dir / "notes.txt", "not a config");
  auto all = LoadAllSites(dir.path());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].config().key, "a");
  EXPECT_EQ((*all)[1].config().key, "b");

  auto one = LoadSite(dir.path(), "b");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->config().file, (dir / "b.yaml").string());
  EXPECT_EQ(LoadSite(dir.path(), "zzz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LoadSite(dir.path(), "../b").status().code(), StatusCode::kInvalidArgument);

  hc::testing::WriteFile(dir / "c.yaml", "site: c\npage_types: [{name: x, url: '(' }]\n");
  auto broken = LoadAllSites(dir.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_TRUE(broken.status().message().starts_with((dir / "c.yaml").string() + ":2:29: bad regex"))
      << broken.status().message();
  EXPECT_EQ(LoadAllSites(dir / "missing").status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace hc::extract
