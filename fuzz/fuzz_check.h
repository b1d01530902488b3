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
