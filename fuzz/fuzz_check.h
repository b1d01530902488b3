// What a fuzz target does when a property that must hold for every input does not: print what was
// expected and abort, so libFuzzer saves the input as a crash artifact (a reproducer). Sanitizer
// reports cover memory errors and UB; this covers wrong answers.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hc::fuzz {

[[noreturn]] inline void Violation(const char* file, int line, const char* condition, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: property violated: %s\n  %.*s\n", file, line, condition,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace hc::fuzz

// FUZZ_CHECK(cond, detail): `detail` is any expression convertible to std::string_view, evaluated
// only when `cond` is false.
#define FUZZ_CHECK(cond, detail) \
  do {                           \
    if (!(cond)) ::hc::fuzz::Violation(__FILE__, __LINE__, #cond, (detail)); \
  } while (0)

namespace hc::fuzz {

// True when `s` is well-formed UTF-8 (Unicode 15 §3.9, Table 3-7): no overlong forms, no surrogates,
// nothing above U+10FFFF, no truncated sequence.
inline bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b1 < lo || b1 > hi) return false;
    for (size_t k = 2; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < 0x80 || b > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace hc::fuzz
