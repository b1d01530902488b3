// The vocabularies of docs/vocabulary.md, one fact a row: the page's text and the canonical values read
// from it.
#include "core/vocabulary.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace hc::vocabulary {
namespace {

using Opt = std::optional<std::string>;

TEST(Vocabulary, HospitalGradesHaveOneSpelling) {
  struct Case {
    const char* text;
    Opt canonical;
  } cases[] = {
      {"三级甲等", "三甲"},   {"三甲", "三甲"},     {"三级甲等医院", "三甲"}, {" 三级甲等 ", "三甲"},
      {"3甲", "三甲"},        {"三级乙等", "三乙"}, {"三乙", "三乙"},         {"三级丙等", "三丙"},
      {"二级甲等", "二甲"},   {"二甲", "二甲"},     {"二级乙等", "二乙"},     {"一级甲等", "一甲"},
      {"三级特等", "三特"},   {"三级", "三级"},     {"二级医院", "二级"},     {"医院等级：三级甲等", "三甲"},
      {"民营", std::nullopt}, {"", std::nullopt},   {"2019年", std::nullopt}, {"甲等", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(CanonicalGrade(c.text), c.canonical);
  }
}

TEST(Vocabulary, ClinicalAndAcademicTitlesAreSplit) {
  struct Case {
    const char* text;
    Opt clinical;
    Opt academic;
  } cases[] = {
      {"主任医师", "主任医师", std::nullopt},
      {"副主任医师", "副主任医师", std::nullopt},
      {"主治医师", "主治医师", std::nullopt},
      {"住院医师", "住院医师", std::nullopt},
      {"医师", "住院医师", std::nullopt},
      {"主任医生", "主任医师", std::nullopt},
      {"副主任中医师", "副主任医师", std::nullopt},
      {"主任医师 · 教授", "主任医师", "教授"},
      {"主任医师/教授", "主任医师", "教授"},
      {"主任医师 教授", "主任医师", "教授"},
      {"主任医师教授", "主任医师", "教授"},
      {"副主任医师，副教授", "副主任医师", "副教授"},
      {"主任医师 教授 博士生导师", "主任医师", "教授、博士生导师"},
      {"主治医师 讲师 硕导", "主治医师", "讲师、硕士生导师"},
      {"科主任 主任医师", "主任医师", std::nullopt},
      {"教授", std::nullopt, "教授"},
      {"硕士研究生导师", std::nullopt, "硕士生导师"},
      {"主任护师", std::nullopt, std::nullopt},
      {"", std::nullopt, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    TitleReading r = ReadTitles(c.text);
    EXPECT_EQ(r.clinical, c.clinical);
    EXPECT_EQ(r.academic, c.academic);
  }
}

TEST(Vocabulary, SexIsReadFromPatientInfo) {
  struct Case {
    const char* text;
    Opt sex;
  } cases[] = {
      {"男", "男"},   {"女", "女"}, {"男，45岁", "男"},     {"女 3岁", "女"},       {"性别：女性", "女"},
      {"Male", "男"}, {"F", "女"},  {"男女", std::nullopt}, {"45岁", std::nullopt}, {"", std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_EQ(ReadSex(c.text), c.sex);
  }
}

TEST(Vocabulary, AgeInYearsAndInfantsInMonths) {
  struct Case {
    const char* text;
    bool read;
    int64_t years;
    std::optional<int64_t> months;
  } cases[] = {
      {"45岁", true, 45, std::nullopt},
      {"男，45岁", true, 45, std::nullopt},
      {"女 3岁", true, 3, std::nullopt},
      {"45周岁", true, 45, std::nullopt},
      {"8个月", true, 0, 8},
      {"1岁3个月", true, 1, 15},
      {"1岁3月", true, 1, 15},
      {"2 岁", true, 2, std::nullopt},
      {"男", false, 0, std::nullopt},
      {"2026年3月", false, 0, std::nullopt},
      {"99999999999岁", false, 0, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto age = ReadAge(c.text);
    ASSERT_EQ(age.has_value(), c.read);
    if (!age) continue;
    EXPECT_EQ(age->years, c.years);
    EXPECT_EQ(age->months, c.months);
  }
}

}  // namespace
}  // namespace hc::vocabulary
