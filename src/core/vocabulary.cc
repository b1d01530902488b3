// The vocabularies of docs/vocabulary.md as tables of spellings, read by a scan of the text (no regex:
// the terms are fixed strings).
#include "core/vocabulary.h"

#include <algorithm>
#include <array>
#include <vector>

#include "core/text.h"

namespace hc::vocabulary {
namespace {

// The byte length of the character at text[i] (1 for an ill-formed byte).
size_t CharLength(std::string_view text, size_t i) { return DecodeUtf8At(text, i).length; }

// --- hospital grades -------------------------------------------------------------------------------

// The level (一级, 二级, 三级) at text[i]: its canonical character and byte length, or 0.
size_t LevelAt(std::string_view text, size_t i, std::string_view* level) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kLevels = {{
      {"一", "一"},
      {"二", "二"},
      {"三", "三"},
      {"1", "一"},
      {"2", "二"},
      {"3", "三"},
  }};
  for (const auto& [spelling, canonical] : kLevels) {
    if (text.substr(i).starts_with(spelling)) {
      *level = canonical;
      return spelling.size();
    }
  }
  return 0;
}

size_t ClassAt(std::string_view text, size_t i, std::string_view* grade_class) {
  for (std::string_view c : {"甲", "乙", "丙", "特"}) {
    if (text.substr(i).starts_with(c)) {
      *grade_class = c;
      return c.size();
    }
  }
  return 0;
}

// --- titles ----------------------------------------------------------------------------------------

enum class TitleKind { kClinical, kAcademic };
struct Term {
  std::string_view spelling;
  std::string_view canonical;
  TitleKind kind;
};
constexpr TitleKind kC = TitleKind::kClinical;
constexpr TitleKind kA = TitleKind::kAcademic;
// docs/vocabulary.md "Clinical titles" and "Academic titles".
constexpr std::array<Term, 27> kTerms = {{
    {"主任医师", "主任医师", kC},
    {"主任医生", "主任医师", kC},
    {"主任中医师", "主任医师", kC},
    {"副主任医师", "副主任医师", kC},
    {"副主任医生", "副主任医师", kC},
    {"副主任中医师", "副主任医师", kC},
    {"主治医师", "主治医师", kC},
    {"主治医生", "主治医师", kC},
    {"主治中医师", "主治医师", kC},
    {"住院医师", "住院医师", kC},
    {"住院医生", "住院医师", kC},
    {"医师", "住院医师", kC},
    {"中医师", "住院医师", kC},
    {"教授", "教授", kA},
    {"副教授", "副教授", kA},
    {"讲师", "讲师", kA},
    {"助教", "助教", kA},
    {"研究员", "研究员", kA},
    {"副研究员", "副研究员", kA},
    {"博士生导师", "博士生导师", kA},
    {"博士研究生导师", "博士生导师", kA},
    {"博导", "博士生导师", kA},
    {"硕士生导师", "硕士生导师", kA},
    {"硕士研究生导师", "硕士生导师", kA},
    {"硕导", "硕士生导师", kA},
    {"博士后导师", "博士后导师", kA},
    {"客座教授", "客座教授", kA},
}};

// The terms, longest spelling first, so that 副主任医师 is read before 主任医师 could be and 医师 last.
const std::vector<const Term*>& TermsLongestFirst() {
  static const std::vector<const Term*> terms = [] {
    std::vector<const Term*> out;
    for (const Term& t : kTerms) out.push_back(&t);
    std::stable_sort(out.begin(), out.end(),
                     [](const Term* a, const Term* b) { return a->spelling.size() > b->spelling.size(); });
    return out;
  }();
  return terms;
}

}  // namespace

std::optional<std::string> CanonicalGrade(std::string_view text) {
  text = TrimUnicodeWhitespace(text);
  for (size_t i = 0; i < text.size(); i += CharLength(text, i)) {
    std::string_view level;
    size_t at = i + LevelAt(text, i, &level);
    if (at == i) continue;
    bool has_ji = false;
    if (text.substr(at).starts_with("级")) {
      at += std::string_view("级").size();
      has_ji = true;
    }
    std::string_view grade_class;
    const size_t class_length = ClassAt(text, at, &grade_class);
    if (class_length > 0) return std::string(level) + std::string(grade_class);  // 三级甲等, 三甲, 3甲
    if (has_ji) return std::string(level) + "级";                                // 三级 (no class given)
  }
  return std::nullopt;
}

TitleReading ReadTitles(std::string_view text) {
  TitleReading out;
  std::vector<std::string_view> academic;
  for (size_t i = 0; i < text.size();) {
    const Term* found = nullptr;
    for (const Term* t : TermsLongestFirst()) {
      if (text.substr(i).starts_with(t->spelling)) {
        found = t;
        break;
      }
    }
    if (!found) {  // a separator or a word outside the vocabulary (科主任): read past one character
      i += CharLength(text, i);
      continue;
    }
    i += found->spelling.size();
    if (found->kind == TitleKind::kClinical) {
      if (!out.clinical) out.clinical = std::string(found->canonical);
    } else if (std::find(academic.begin(), academic.end(), found->canonical) == academic.end()) {
      academic.push_back(found->canonical);
    }
  }
  if (!academic.empty()) {
    std::string joined;
    for (std::string_view a : academic) {
      if (!joined.empty()) joined += "、";
      joined += a;
    }
    out.academic = std::move(joined);
  }
  return out;
}

std::optional<std::string> ReadSex(std::string_view text) {
  const bool male = text.find("男") != std::string_view::npos;
  const bool female = text.find("女") != std::string_view::npos;
  if (male != female) return std::string(male ? "男" : "女");
  if (male) return std::nullopt;  // both
  const std::string word = AsciiLowered(TrimUnicodeWhitespace(text));
  if (word == "m" || word == "male") return std::string("男");
  if (word == "f" || word == "female") return std::string("女");
  return std::nullopt;
}

std::optional<AgeReading> ReadAge(std::string_view text) {
  std::optional<int64_t> years, months;
  for (size_t i = 0; i < text.size();) {
    if (text[i] < '0' || text[i] > '9') {
      i += CharLength(text, i);
      continue;
    }
    int64_t n = 0;
    size_t j = i;
    for (; j < text.size() && text[j] >= '0' && text[j] <= '9'; ++j) {
      if (n > 1000) return std::nullopt;  // no one is that old: not an age
      n = n * 10 + (text[j] - '0');
    }
    while (j < text.size() && text[j] == ' ') ++j;
    std::string_view rest = text.substr(j);
    i = j;
    if (!years && !months && (rest.starts_with("岁") || rest.starts_with("周岁"))) {
      years = n;
    } else if (!months && rest.starts_with("个月")) {
      months = n;
    } else if (years && !months && rest.starts_with("月")) {  // 1岁3月
      months = n;
    }
  }
  if (!years && !months) return std::nullopt;
  AgeReading out;
  if (months) {
    const int64_t total = years.value_or(0) * 12 + *months;
    out.years = total / 12;
    out.months = total;
  } else {
    out.years = *years;
  }
  return out;
}

}  // namespace hc::vocabulary
