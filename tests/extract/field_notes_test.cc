// Conversion notes: a value a field found but could not read is noted once (in ExtractedPage::notes and,
// with its field's name for every page, in field_notes), and NoteTally sums them over pages per field.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/extract.h"

namespace hc::extract {
namespace {

PageInput Input() {
  PageInput input;
  input.url = "https://www.demo.com/q/1.html";
  EXPECT_TRUE(ParseIso8601("2026-05-07T02:00:00Z", &input.fetched_at));
  return input;
}

// A question page whose record has the given field rules (indented under fields:) and a list of answers
// whose extra has `likes`.
std::string Config(const std::string& fields) {
  return "site: demo\npage_types:\n  - name: question\n    url: /q/\n    record: question\n    fields:\n" +
         fields +
         "    lists:\n      answers:\n        css: .answer\n        fields:\n          doctor_name: .doctor\n"
         "        extra:\n          likes: {css: .likes, type: count}\n";
}

ExtractedPage ExtractWith(const std::string& config, const std::string& body) {
  auto program = SelectorProgram::FromYaml(config, "selectors/demo.yaml");
  EXPECT_TRUE(program.ok()) << program.status().ToString();
  if (!program.ok()) return {};
  auto doc = html::Document::Parse("<!DOCTYPE html><html><body>" + body + "</body></html>");
  EXPECT_TRUE(doc.ok());
  if (!doc.ok()) return {};
  return program->Extract(*doc, Input());
}

std::vector<std::string> FieldNoteTexts(const ExtractedPage& page) {
  std::vector<std::string> out;
  for (const FieldNote& n : page.field_notes) out.push_back(n.field + ": " + n.problem);
  return out;
}

struct Case {
  const char* name;
  std::string fields;                    // the record's fields: block
  std::string body;                      // the page's body
  std::vector<std::string> notes;        // ExtractedPage::notes, all of them, in order
  std::vector<std::string> field_notes;  // FieldNote "field: problem", in order
  std::vector<std::string> failures;     // "path: reason"
};

TEST(FieldNotesTest, Table) {
  const std::string kTitle = "      title: h1\n";
  const Case cases[] = {
      {"an unreadable value: one note, not two",
       kTitle + "      asked_at: {css: .time, type: date}\n",
       "<h1>t</h1><p class=time>不详</p>",
       {"asked_at: \"不详\" is not a date", "answers: no items"},
       {"question.asked_at: \"不详\" is not a date"},
       {}},
      {"a value that is not there: a note but no conversion note",
       kTitle + "      description: .desc\n",
       "<h1>t</h1>",
       {"description: not found", "answers: no items"},
       {},
       {}},
      {"a required field's unreadable value is its failure, not a note as well",
       kTitle + "      asked_at: {css: .time, type: date, required: true}\n",
       "<h1>t</h1><p class=time>不详</p>",
       {"answers: no items"},
       {},
       {"asked_at: \"不详\" is not a date"}},
      {"list items: one field name for every item, each value its own note",
       kTitle,
       "<h1>t</h1><div class=answer><b class=likes>n/a</b></div><div class=answer><b class=likes>3</b></div>"
       "<div class=answer><b class=likes>很多</b></div>",
       {"answers[0].doctor_name: not found", "answers[0].extra.likes: \"n/a\" is not a count",
        "answers[1].doctor_name: not found", "answers[2].doctor_name: not found",
        "answers[2].extra.likes: \"很多\" is not a count"},
       {"answers[].extra.likes: \"n/a\" is not a count", "answers[].extra.likes: \"很多\" is not a count"},
       {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    ExtractedPage page = ExtractWith(Config(c.fields), c.body);
    EXPECT_EQ(page.notes, c.notes);
    EXPECT_EQ(FieldNoteTexts(page), c.field_notes);
    std::vector<std::string> failures;
    for (const FieldFailure& f : page.failures) failures.push_back(f.path + ": " + f.reason);
    EXPECT_EQ(failures, c.failures);
  }
}

TEST(NoteTallyTest, CountsPerFieldAndKeepsTheFirstExample) {
  NoteTally tally;
  EXPECT_TRUE(tally.empty());
  EXPECT_TRUE(tally.Lines().empty());
  tally.Add("https://a/1", {{"article.views", "\"1.2\" is not a count"}});
  tally.Add("https://a/2", {});
  tally.Add("https://a/3",
            {{"article.published_at", "\"不详\" is not a date"}, {"article.views", "\"x\" is not a count"}});
  tally.Add("https://a/4", {{"article.views", "\"y\" is not a count"}});
  ASSERT_EQ(tally.entries().size(), 2u);
  EXPECT_EQ(tally.Lines(),
            (std::vector<std::string>{
                "field article.views: 3 notes, e.g. \"1.2\" is not a count (https://a/1)",
                "field article.published_at: 1 note, e.g. \"不详\" is not a date (https://a/3)"}));
  EXPECT_EQ(tally.ToJson(), Json::parse(R"({
      "article.views": {"count": 3, "example": "\"1.2\" is not a count", "url": "https://a/1"},
      "article.published_at": {"count": 1, "example": "\"不详\" is not a date", "url": "https://a/3"}})"));
}

TEST(NoteTallyTest, HoldsOneEntryPerFieldHoweverManyPages) {
  NoteTally tally;
  for (int i = 0; i < 10000; ++i)
    tally.Add("https://a/" + std::to_string(i), {{"article.views", "\"?\" is not a count"}});
  ASSERT_EQ(tally.entries().size(), 1u);
  EXPECT_EQ(tally.entries()[0].count, 10000);
  EXPECT_EQ(tally.entries()[0].url, "https://a/0");
}

}  // namespace
}  // namespace hc::extract
