// vocabulary: the canonical values of facts that portals spell differently — a hospital's grade, a
// doctor's clinical and academic titles, a patient's sex and age (docs/vocabulary.md lists every
// spelling). The selector types hospital_grade, clinical_title, academic_title, sex and age read
// page text through these functions; store keeps the page's own text beside the canonical value.
//
// Every function is pure and reads UTF-8 text; nothing here allocates beyond its result.
// Thread-safety: stateless.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hc::vocabulary {

// 三级甲等, 三甲, 三级甲等医院, 3甲 → "三甲"; 三级 → "三级"; nullopt for text outside the vocabulary.
std::optional<std::string> CanonicalGrade(std::string_view text);

// A title string as a page prints it: `主任医师 · 教授`, `主任医师/教授`, `副主任医师 硕士生导师`.
struct TitleReading {
  std::optional<std::string> clinical;  // 主任医师, 副主任医师, 主治医师, 住院医师
  std::optional<std::string> academic;  // 教授, 副教授 …; several joined by "、" in page order
};
// Splits `text` at separators (space, ·, /, 、, comma, |) and by known terms written together
// (主任医师教授). Words outside both vocabularies (科主任, 副院长) are left out: the raw text keeps them.
TitleReading ReadTitles(std::string_view text);

// 男, 男性, male, M → "男"; 女, 女性, female, F → "女"; found anywhere in `text` (男，45岁). nullopt when
// neither or both appear.
std::optional<std::string> ReadSex(std::string_view text);

// `45岁`, `45周岁`, `8个月`, `1岁3个月`, `女，3岁`: whole years, and the age in months when the page
// counts months (8个月 → years 0, months 8; 1岁3个月 → years 1, months 15; 45岁 → months null).
struct AgeReading {
  int64_t years = 0;
  std::optional<int64_t> months;
};
std::optional<AgeReading> ReadAge(std::string_view text);

}  // namespace hc::vocabulary
