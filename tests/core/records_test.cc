// The record vocabulary's declaration and the page JSON form of records (core/records.h).
#include "core/records.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace hc::records {
namespace {

std::vector<std::string> Keys(const Json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) {
    (void)value;
    keys.push_back(key);
  }
  return keys;
}

// docs/selectors.md "Records": the table every config is validated against. The declaration must say
// the same, field by field and in this order.
TEST(RecordVocabulary, KindsFieldsAndListsAreTheDocumentedOnes) {
  struct Case {
    std::string kind;
    std::vector<std::string> fields;
    std::vector<std::string> lists;
  };
  const std::vector<Case> cases = {
      {"article",
       {"title", "body", "published_at", "views", "author", "tags", "source"},
       {"diseases", "answers"}},
      {"disease", {"name", "summary", "url"}, {}},
      {"answer_card",
       {"question_title", "question_url", "doctor_name", "doctor_title", "department", "hospital",
        "hospital_grade", "answer_text", "answered_at", "doctor_title_raw", "academic_title",
        "hospital_grade_raw", "helpful_votes"},
       {}},
      {"question",
       {"title", "description", "asked_at", "views", "patient_sex", "patient_age_years",
        "patient_age_months"},
       {"answers"}},
      {"answer",
       {"doctor_name", "doctor_title", "department", "hospital", "hospital_grade", "answer_text",
        "answered_at", "doctor_title_raw", "academic_title", "hospital_grade_raw", "helpful_votes"},
       {}},
      {"doctor",
       {"name", "title", "department", "hospital", "hospital_grade", "specialties", "title_raw",
        "academic_title", "hospital_grade_raw"},
       {}},
  };
  ASSERT_EQ(RecordKinds().size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    SCOPED_TRACE(c.kind);
    const RecordKind& kind = RecordKinds()[i];
    EXPECT_EQ(kind.name, c.kind);
    EXPECT_EQ(FindRecordKind(c.kind), &kind);
    std::vector<std::string> fields, lists;
    for (const FieldSpec& f : kind.fields) fields.emplace_back(f.name);
    for (const ListSpec& l : kind.lists) lists.emplace_back(l.name);
    EXPECT_EQ(fields, c.fields);
    EXPECT_EQ(lists, c.lists);
    // Record's alternatives are in the same order, so a record's kind is its index.
    EXPECT_EQ(NewRecord(kind).index(), i);
    EXPECT_EQ(&KindOf(NewRecord(kind)), &kind);
    for (const ListSpec& l : kind.lists) EXPECT_NE(FindRecordKind(l.kind), nullptr) << l.name;
  }
  EXPECT_EQ(FindRecordKind("articles"), nullptr);
}

TEST(RecordVocabulary, ShapesFollowTheMembers) {
  struct Case {
    std::string kind, field;
    FieldShape shape;
  };
  const std::vector<Case> cases = {
      {"article", "views", FieldShape::kInt},          {"article", "tags", FieldShape::kTextList},
      {"article", "published_at", FieldShape::kDate},  {"disease", "url", FieldShape::kUrl},
      {"answer_card", "question_url", FieldShape::kUrl}, {"doctor", "specialties", FieldShape::kTextList},
      {"question", "asked_at", FieldShape::kDate},     {"answer", "answer_text", FieldShape::kText},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.kind + "." + c.field);
    const RecordKind* kind = FindRecordKind(c.kind);
    ASSERT_NE(kind, nullptr);
    bool found = false;
    for (size_t i = 0; i < kind->fields.size(); ++i) {
      if (kind->fields[i].name != c.field) continue;
      found = true;
      EXPECT_EQ(kind->fields[i].shape, c.shape);
      Record record = NewRecord(*kind);
      const FieldSlot slot = FieldAt(record, i);
      switch (c.shape) {
        case FieldShape::kInt: EXPECT_TRUE(std::holds_alternative<Int*>(slot)); break;
        case FieldShape::kTextList: EXPECT_TRUE(std::holds_alternative<TextList*>(slot)); break;
        default: EXPECT_TRUE(std::holds_alternative<Text*>(slot)); break;
      }
    }
    EXPECT_TRUE(found);
  }
}

// The page JSON of every kind: "type", every field in declared order, "extra", every list — and
// unconfigured fields null, lists of strings [] (never null).
TEST(RecordJson, EmptyRecordsWriteEveryMemberInDeclaredOrder) {
  for (const RecordKind& kind : RecordKinds()) {
    SCOPED_TRACE(std::string(kind.name));
    const Json json = ToJson(NewRecord(kind));
    std::vector<std::string> expected = {"type"};
    for (const FieldSpec& f : kind.fields) expected.emplace_back(f.name);
    expected.push_back("extra");
    for (const ListSpec& l : kind.lists) expected.emplace_back(l.name);
    EXPECT_EQ(Keys(json), expected);
    EXPECT_EQ(json["type"], std::string(kind.name));
    for (const FieldSpec& f : kind.fields) {
      if (f.shape == FieldShape::kTextList) {
        EXPECT_EQ(json[std::string(f.name)], Json::array()) << f.name;
      } else {
        EXPECT_TRUE(json[std::string(f.name)].is_null()) << f.name;
      }
    }
    EXPECT_EQ(json["extra"], Json::object());
  }
}

TEST(RecordJson, AFullArticleIsWrittenAsThePageJsonAndReadBack) {
  Article a;
  a.title = "标题";
  a.views = 9039;
  a.tags = {"骨科", "肌肉"};
  a.extra["category"] = "骨科";
  a.extra["rank"] = 3;
  a.diseases.push_back({.name = "腿抽筋", .summary = std::nullopt, .url = "https://x/d/1", .extra = Json::object()});
  AnswerCard card;
  card.doctor_name = "王医生";
  card.question_url = "https://x/q/1";
  a.answers.push_back(card);
  const Record record = a;
  const Json json = ToJson(record);
  EXPECT_EQ(
      json.dump(),
      R"({"type":"article","title":"标题","body":null,"published_at":null,"views":9039,"author":null,)"
      R"("tags":["骨科","肌肉"],"source":null,"extra":{"category":"骨科","rank":3},)"
      R"("diseases":[{"type":"disease","name":"腿抽筋","summary":null,"url":"https://x/d/1","extra":{}}],)"
      R"("answers":[{"type":"answer_card","question_title":null,"question_url":"https://x/q/1",)"
      R"("doctor_name":"王医生","doctor_title":null,"department":null,"hospital":null,"hospital_grade":null,)"
      R"("answer_text":null,"answered_at":null,"doctor_title_raw":null,"academic_title":null,)"
      R"("hospital_grade_raw":null,"helpful_votes":null,"extra":{}}]})");
  auto back = FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, record);
  EXPECT_EQ(Keys(ExtraOf(*back)), (std::vector<std::string>{"category", "rank"}));  // extra keeps its order
}

TEST(RecordJson, ReadingIsStrictAboutShapesKindsAndNames) {
  struct Case {
    std::string name;
    std::string json;
    std::string message;  // a part of the error; "" when the JSON reads
  };
  const std::vector<Case> cases = {
      {"minimal question", R"({"type":"question"})", ""},
      {"null list of strings reads as []", R"({"type":"doctor","specialties":null})", ""},
      {"not an object", R"(["article"])", "not an object"},
      {"no type", R"({"title":"x"})", "without a \"type\""},
      {"unknown kind", R"({"type":"recipe"})", "unknown record kind \"recipe\""},
      {"number for text", R"({"type":"article","title":5})", "record.title: not a string or null"},
      {"text for int", R"({"type":"article","views":"9039"})", "record.views: not an integer or null"},
      {"float for int", R"({"type":"article","views":1.5})", "record.views: not an integer or null"},
      {"string for list", R"({"type":"article","tags":"a"})", "record.tags: not a list of strings"},
      {"number in list", R"({"type":"article","tags":["a",1]})", "record.tags: not a list of strings"},
      {"extra not an object", R"({"type":"disease","extra":[]})", "record.extra: not an object"},
      {"unknown field", R"({"type":"disease","titel":"x"})", "unknown field 'titel' for record disease"},
      {"list not an array", R"({"type":"question","answers":{}})", "record.answers: not a list"},
      {"list item of another kind", R"({"type":"question","answers":[{"type":"answer_card"}]})",
       "record.answers[0]: \"type\" is not \"answer\""},
      {"bad field in a list item", R"({"type":"article","diseases":[{"type":"disease","name":1}]})",
       "record.diseases[0].name: not a string or null"},      {"children", R"({"type":"doctor","children":{"visits":[{"t":"x","n":1,"b":true,"l":["a"],"z":null}],"none":[]}})",
       ""},
      {"children not an object", R"({"type":"doctor","children":[]})", "record.children: not an object"},
      {"child list not a list", R"({"type":"doctor","children":{"visits":{}}})", "record.children.visits: not a list"},
      {"child item not an object", R"({"type":"doctor","children":{"visits":[1]}})",
       "record.children.visits[0]: not an object"},
      {"child value an object", R"({"type":"doctor","children":{"visits":[{"t":{}}]}})",
       "record.children.visits[0].t: not a string, integer, bool, list of strings or null"},
      {"child value a float", R"({"type":"doctor","children":{"visits":[{"t":1.5}]}})",
       "record.children.visits[0].t: not a string"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto read = FromJson(Json::parse(c.json));
    if (c.message.empty()) {
      EXPECT_TRUE(read.ok()) << read.status().ToString();
    } else {
      ASSERT_FALSE(read.ok());
      EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(read.status().message().find(c.message), std::string::npos) << read.status().message();
    }
  }
}

// Child lists (issue 13 point 6): typed free fields, after the kind's lists; a record whose config
// declares none has no "children" member, so its page JSON (and content hash) is what it was.
TEST(RecordJson, ChildListsFollowTheListsAndRoundTrip) {
  DoctorProfile d;
  d.name = "李文华";
  EXPECT_FALSE(ToJson(d).contains("children"));
  ChildRecord visit{"consultations",
                    {{"title", std::string("腰疼")}, {"messages", int64_t{12}}, {"full", true},
                     {"tags", TextList{"a", "b"}}, {"disease", std::monostate()}}};
  d.children = {{"consultations", {visit}}, {"schedule", {}}};
  const Json json = ToJson(d);
  EXPECT_EQ(Keys(json).back(), "children");
  EXPECT_EQ(json["children"].dump(),
            R"({"consultations":[{"title":"腰疼","messages":12,"full":true,"tags":["a","b"],"disease":null}],"schedule":[]})");
  auto back = FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(std::get<DoctorProfile>(*back), d);
  EXPECT_EQ(ChildrenOf(*back).size(), 2u);
}

TEST(RecordAccess, ListsTakeItemsOfTheirKindOnly) {
  Record article = NewRecord(*FindRecordKind("article"));
  DiseaseCard cold;
  cold.name = "感冒";
  EXPECT_TRUE(AppendToList(article, 0, cold).ok());
  EXPECT_TRUE(AppendToList(article, 1, AnswerCard{}).ok());
  Status wrong = AppendToList(article, 1, Answer{});
  EXPECT_EQ(wrong.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.message().find("answers holds answer_card records, not answer"), std::string::npos);
  EXPECT_EQ(AppendToList(article, 2, AnswerCard{}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AppendToList(article, 0, Article{}).code(), StatusCode::kInvalidArgument);
  const Article& a = std::get<Article>(article);
  ASSERT_EQ(a.diseases.size(), 1u);
  EXPECT_EQ(a.diseases[0].name, "感冒");
  EXPECT_EQ(a.answers.size(), 1u);
}

TEST(RecordAccess, FieldSlotsAreTheMembers) {
  Record record = NewRecord(*FindRecordKind("article"));
  const RecordKind& kind = KindOf(record);
  for (size_t i = 0; i < kind.fields.size(); ++i) {
    SCOPED_TRACE(std::string(kind.fields[i].name));
    std::visit(
        [&](auto* slot) {
          using T = std::remove_pointer_t<decltype(slot)>;
          if constexpr (std::is_same_v<T, Text>) *slot = std::string(kind.fields[i].name);
          if constexpr (std::is_same_v<T, Int>) *slot = 7;
          if constexpr (std::is_same_v<T, TextList>) slot->push_back(std::string(kind.fields[i].name));
        },
        FieldAt(record, i));
  }
  ExtraOf(record)["k"] = "v";
  const Article& a = std::get<Article>(record);
  EXPECT_EQ(a.title, "title");
  EXPECT_EQ(a.source, "source");
  EXPECT_EQ(a.views, 7);
  EXPECT_EQ(a.tags, TextList{"tags"});
  EXPECT_EQ(a.extra, Json({{"k", "v"}}));
}

}  // namespace
}  // namespace hc::records
