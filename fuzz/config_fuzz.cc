// Fuzzes the selector config loader (extract::SelectorProgram::FromYaml) with arbitrary YAML. Besides
// memory safety: no exception escapes (yaml-cpp and std::regex throw; the loader must catch), and a
// rejected config is a kConfigError whose message starts with "<file>:LINE:COLUMN: " where LINE is a
// line of the input (1 <= LINE <= lines + 1) and COLUMN >= 1. The file name has no .yaml extension,
// so the "site must equal the file's stem" rule does not reject every mutated seed.
//
// Loaded programs are not run: their regexes are arbitrary and std::regex backtracks exponentially on
// some of them, which is a property of ECMAScript regexes, not a bug to find here. Extraction with the
// real configs is extract_fuzz's job.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "extract/extract.h"
#include "fuzz_check.h"

namespace {

constexpr std::string_view kFile = "fuzz-input";

// Parses the decimal number at s[*i], advancing *i; -1 when there is none.
long ReadNumber(const std::string& s, size_t* i) {
  long n = -1;
  while (*i < s.size() && s[*i] >= '0' && s[*i] <= '9' && n < 100000000) {
    n = (n < 0 ? 0 : n * 10) + (s[*i] - '0');
    ++*i;
  }
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto program = hc::extract::SelectorProgram::FromYaml(yaml, kFile);
  if (program.ok()) {
    const hc::extract::SiteConfig& config = program->config();
    FUZZ_CHECK(!config.key.empty(), "a loaded config has no site key");
    FUZZ_CHECK(!config.page_types.empty(), "a loaded config has no page types");
    return 0;
  }
  const hc::Status& status = program.status();
  FUZZ_CHECK(status.code() == hc::StatusCode::kConfigError, status.ToString());
  const std::string& msg = status.message();
  FUZZ_CHECK(msg.starts_with(std::string(kFile) + ":"), msg);
  size_t i = kFile.size() + 1;
  const long line = ReadNumber(msg, &i);
  FUZZ_CHECK(i < msg.size() && msg[i] == ':', msg);
  ++i;
  const long column = ReadNumber(msg, &i);
  FUZZ_CHECK(msg.compare(i, 2, ": ") == 0, msg);
  long lines = 1;
  for (char c : yaml) lines += c == '\n';
  FUZZ_CHECK(line >= 1 && line <= lines + 1, msg);
  FUZZ_CHECK(column >= 1, msg);
  return 0;
}
