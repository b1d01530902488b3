// Every shipped config's patterns against 1 MB inputs (issue 11): page-type urls, follow rules and
// field regexes run over URLs and field texts of a megabyte (digits, repeated path segments, CJK) and
// give the right answer. Under std::regex a 40,000-digit doc_card URL overflowed the stack; RE2 scans
// linearly, so these return like any other input. Results are asserted, never timings.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.h"
#include "extract/extract.h"
#include "extract/extract_internal.h"
#include "support/test_env.h"

namespace hc::extract {
namespace {

constexpr size_t kMiB = 1024 * 1024;

std::string Repeat(std::string_view unit, size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out += unit;
  return out;
}

std::vector<std::string> ShippedSites() {
  std::vector<std::string> sites;
  for (const auto& e : std::filesystem::directory_iterator(hc::testing::SelectorsDir())) {
    if (e.path().extension() == ".yaml") sites.push_back(e.path().stem().string());
  }
  std::sort(sites.begin(), sites.end());
  return sites;
}

// A field's regexes: its own, and the one that finds the JSON in a script (json.regex).
void CollectRuleRegexes(const FieldRule& field, std::vector<const TextRegex*>* out) {
  if (field.regex) out->push_back(&*field.regex);
  if (field.json && field.json->source->start) out->push_back(&*field.json->source->start);
}

void CollectFieldRegexes(const RecordRule& record, std::vector<const TextRegex*>* out) {
  for (const auto& field : record.fields) {
    if (field) CollectRuleRegexes(*field, out);
  }
  for (const FieldRule& field : record.extra) CollectRuleRegexes(field, out);
  for (const ListRule& list : record.lists) CollectFieldRegexes(list.record, out);
  for (const ChildListRule& list : record.children) {
    for (const FieldRule& field : list.fields) CollectRuleRegexes(field, out);
  }
}

// The 1 MB texts: each pattern of each config runs over all of them.
std::vector<std::pair<std::string, std::string>> LongTexts() {
  return {
      {"digits", Repeat("1", kMiB)},
      {"xywy doc_card digits", "https://club.xywy.com/doc_card/" + Repeat("1", kMiB)},
      {"mfk article digits", "https://www.mfk.com/article/" + Repeat("7", kMiB) + ".html"},
      {"repeated path segments", "https://www.mfk.com/" + Repeat("list/", kMiB) + "guke.html"},
      {"repeated query", "https://club.xywy.com/list_guke_1.htm?" + Repeat("a=1&", kMiB)},
      {"CJK", Repeat("民福康", kMiB)},
      {"CJK labels", Repeat("撰稿：来源:审核专家：患者：年龄：性别： > 正文", kMiB)},
      {"spaces", Repeat(" \t\n\u3000", kMiB)},
  };
}

// The shipped configs' page types, follow rules and field regexes on every long text: the answer is
// the one RE2 gives without the literal pre-check, and the field values are what `all` and the first
// match agree on.
TEST(LongInputTest, EveryShippedPatternOnMegabyteTexts) {
  const auto texts = LongTexts();
  const std::vector<std::string> sites = ShippedSites();
  ASSERT_GE(sites.size(), 2u);
  int sites_with_field_regexes = 0;  // a config may have none (ask39, 120ask): css alone reads its pages
  for (const std::string& site : sites) {
    SCOPED_TRACE(site);
    const std::string yaml = hc::testing::ReadFile(hc::testing::SelectorsDir() / (site + ".yaml"));
    auto rep = CompileConfig(yaml, site + ".yaml");
    ASSERT_TRUE(rep.ok()) << rep.status().ToString();
    std::vector<const UrlPattern*> url_patterns;
    std::vector<const TextRegex*> field_regexes;
    for (const PageTypeRule& pt : (*rep)->page_types) {
      url_patterns.push_back(&pt.url);
      if (pt.record) CollectFieldRegexes(*pt.record, &field_regexes);
    }
    for (const UrlPattern& p : (*rep)->follow_allow) url_patterns.push_back(&p);
    for (const UrlPattern& p : (*rep)->follow_deny) url_patterns.push_back(&p);
    ASSERT_FALSE(url_patterns.empty());
    sites_with_field_regexes += !field_regexes.empty();
    for (const auto& [name, text] : texts) {
      SCOPED_TRACE(name);
      for (const UrlPattern* p : url_patterns) {
        SCOPED_TRACE(p->source());
        const RE2 plain(p->source(), PatternOptions());
        EXPECT_EQ(p->Search(text), RE2::PartialMatch(text, plain));
      }
      for (const TextRegex* rx : field_regexes) {
        SCOPED_TRACE(rx->source);
        const auto first = rx->Values(text, false);
        const auto every = rx->Values(text, true);
        ASSERT_LE(first.size(), 1u);
        EXPECT_EQ(first.empty(), every.empty());
        if (!first.empty()) {
          EXPECT_EQ(first[0], every[0]);
        }
        for (std::string_view v : every) {
          EXPECT_TRUE(v.empty() || (v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size()));
        }
      }
    }
  }
  EXPECT_GE(sites_with_field_regexes, 2);
}

// The answers for the URLs of issue 11, through the public API the crawler uses.
TEST(LongInputTest, MegabyteUrlsGetTheirPageTypeAndFollowDecision) {
  auto xywy = LoadSite(hc::testing::SelectorsDir(), "xywy");
  auto mfk = LoadSite(hc::testing::SelectorsDir(), "mfk");
  ASSERT_TRUE(xywy.ok() && mfk.ok());
  struct UrlCase {
    const char* name;
    const SelectorProgram* program;
    std::string url;
    const char* page_type;  // nullptr: none
    bool follow;
  };
  const std::string digits = Repeat("1", kMiB);
  const UrlCase cases[] = {
      {"xywy doc_card, 40,001 digits", &*xywy, "http://club.xywy.com/doc_card/" + Repeat("1", 40001), "doctor", true},
      {"xywy doc_card, 1 MB of digits", &*xywy, "http://club.xywy.com/doc_card/" + digits, "doctor", true},
      {"xywy doc_card, digits then a slash and a query", &*xywy, "http://club.xywy.com/doc_card/" + digits + "/?a=1",
       "doctor", true},
      {"xywy doc_card, digits then a letter", &*xywy, "http://club.xywy.com/doc_card/" + digits + "x", nullptr, false},
      {"xywy question, 1 MB id", &*xywy, "http://club.xywy.com/static/20260218/" + digits + ".htm", "question", true},
      {"xywy listing, 1 MB of letters", &*xywy, "http://club.xywy.com/list_" + Repeat("g", kMiB) + "_1.htm", "listing",
       true},
      {"mfk article, 1 MB id", &*mfk, "https://www.mfk.com/article/" + digits + ".html", "article", true},
      {"mfk listing, repeated segments", &*mfk, "https://www.mfk.com/list/" + Repeat("guke/", kMiB) + "1.html", nullptr,
       false},
      {"mfk article, CJK id", &*mfk, "https://www.mfk.com/article/" + Repeat("民", kMiB) + ".html", nullptr, false},
      {"mfk article with print=1 after 1 MB", &*mfk, "https://www.mfk.com/article/1.html?x=" + digits + "&print=1",
       "article", false},
  };
  for (const UrlCase& c : cases) {
    SCOPED_TRACE(c.name);
    const PageTypeInfo* type = c.program->MatchPageType(c.url);
    EXPECT_EQ(type ? type->name : "(none)", c.page_type ? c.page_type : "(none)");
    EXPECT_EQ(c.program->ShouldFollow(c.url), c.follow);
  }
}

// The built-in date and count readers on a megabyte of text around (or instead of) the value.
TEST(LongInputTest, DatesAndCountsInMegabyteTexts) {
  const TimePoint now = std::chrono::sys_days{std::chrono::year{2026} / 3 / 1} + std::chrono::hours{2};  // 10:00 in Shanghai
  const std::string digits = Repeat("1", kMiB);
  struct DateCase {
    const char* name;
    std::string text;
    std::optional<std::string> want;
  };
  const DateCase cases[] = {
      {"date after a megabyte of digits", digits + " 2026-02-28", "2026-02-28"},
      {"a megabyte of digits after the day", "2026-02-28" + digits, std::nullopt},
      {"date after a megabyte of CJK", Repeat("发布于", kMiB) + "2026年2月28日", "2026-02-28"},
      {"short year after near-misses", Repeat("26-02/28 ", kMiB) + "26-02-27", "2026-02-27"},
      {"a megabyte of separators", Repeat("1-1-1-", kMiB), std::nullopt},
      {"a megabyte of times", Repeat("10:30:45:", kMiB), std::nullopt},
  };
  for (const DateCase& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ParseDate(c.text, now, "Asia/Shanghai", false), c.want);
  }
  // Counts are read by a hand-written scanner: the answer on a megabyte is the answer on a few bytes.
  EXPECT_EQ(ParseCount(Repeat("浏览", kMiB) + "9039次"), ParseCount("浏览浏览9039次"));
  EXPECT_EQ(ParseCount(digits), ParseCount(Repeat("1", 30)));
}

}  // namespace
}  // namespace hc::extract
