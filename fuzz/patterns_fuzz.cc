// Fuzzes the whole pattern set of every shipped selector config (selectors/*.yaml): page-type url
// patterns, follow allow/deny rules and field regexes, on inputs up to a megabyte (scripts/fuzz runs it
// with max_len 1 MB), as issue 11 asks. The first byte picks a prefix that steers the input into the
// configs' URL space ("", https://www.mfk.com/, http://club.xywy.com/doc_card/, ...); the rest is the
// text. Properties checked besides memory safety and the absence of stack overflows:
//   * each url pattern's answer (literal pre-check + RE2) is RE2's answer without the pre-check;
//   * MatchPageType is the first page type, in config order, whose pattern matches;
//   * ShouldFollow is deterministic, and when it says yes the normalized URL matches an allow rule
//     (or there are none) and no deny rule;
//   * a field regex's first value is the first of its `all` values, and every value lies inside the
//     input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/url.h"
#include "extract/extract.h"
#include "extract/extract_internal.h"
#include "fuzz_check.h"

namespace {

struct Site {
  std::string key;
  std::unique_ptr<hc::extract::SelectorProgram::Rep> rep;  // the compiled patterns, for the oracle
  std::unique_ptr<hc::extract::SelectorProgram> program;   // the public API the crawler calls
  std::vector<std::unique_ptr<RE2>> page_types;            // the same sources without the pre-check
  std::vector<std::unique_ptr<RE2>> allow, deny;
  std::vector<const hc::extract::TextRegex*> fields;
};

void CollectFields(const hc::extract::RecordRule& record, std::vector<const hc::extract::TextRegex*>* out) {
  for (const auto& f : record.fields) {
    if (f && f->regex) out->push_back(&*f->regex);
  }
  for (const auto& f : record.extra) {
    if (f.regex) out->push_back(&*f.regex);
  }
  for (const auto& list : record.lists) CollectFields(list.record, out);
}

std::unique_ptr<RE2> Plain(const std::string& source) {
  auto re = std::make_unique<RE2>(source, hc::extract::PatternOptions());
  if (!re->ok()) std::abort();
  return re;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "patterns_fuzz: %s\n", what.c_str());
  std::abort();
}

const std::vector<Site>& Sites() {
  static const std::vector<Site>* sites = [] {
    auto* out = new std::vector<Site>;
    const std::filesystem::path dir = std::filesystem::path(HC_SOURCE_DIR) / "selectors";
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".yaml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::ostringstream yaml;
      yaml << in.rdbuf();
      Site site;
      site.key = file.stem().string();
      auto rep = hc::extract::CompileConfig(yaml.str(), file.filename().string());
      auto program = hc::extract::SelectorProgram::FromYaml(yaml.str(), file.filename().string());
      if (!rep.ok()) Die(rep.status().ToString());
      if (!program.ok()) Die(program.status().ToString());
      site.rep = std::move(*rep);
      site.program = std::make_unique<hc::extract::SelectorProgram>(std::move(*program));
      for (const auto& pt : site.rep->page_types) {
        site.page_types.push_back(Plain(pt.url.source()));
        if (pt.record) CollectFields(*pt.record, &site.fields);
      }
      for (const auto& p : site.rep->follow_allow) site.allow.push_back(Plain(p.source()));
      for (const auto& p : site.rep->follow_deny) site.deny.push_back(Plain(p.source()));
      out->push_back(std::move(site));
    }
    if (out->empty()) Die("no selectors/*.yaml");
    return out;
  }();
  return *sites;
}

bool AnyMatches(const std::vector<std::unique_ptr<RE2>>& res, std::string_view text) {
  for (const auto& re : res) {
    if (RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re)) return true;
  }
  return false;
}

constexpr std::string_view kPrefixes[] = {
    "",
    "https://www.mfk.com/",
    "http://www.mfk.com/article/",
    "https://www.mfk.com/list/",
    "http://club.xywy.com/",
    "https://club.xywy.com/doc_card/",
    "http://club.xywy.com/static/20260218/",
    "https://club.xywy.com/list_",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::string text = std::string(kPrefixes[data[0] % std::size(kPrefixes)]) + std::string(rest);
  const re2::StringPiece piece(text.data(), text.size());

  for (const Site& site : Sites()) {
    const auto& rep = *site.rep;
    // Page types: the pre-check never changes an answer, and the first match in config order wins.
    const hc::extract::PageTypeInfo* expected_type = nullptr;
    for (size_t i = 0; i < rep.page_types.size(); ++i) {
      const bool plain = RE2::PartialMatch(piece, *site.page_types[i]);
      FUZZ_CHECK(rep.page_types[i].url.Search(text) == plain, site.key + ": page type " + rep.page_types[i].info.name);
      if (plain && expected_type == nullptr) expected_type = &rep.page_types[i].info;
    }
    const hc::extract::PageTypeInfo* type = site.program->MatchPageType(text);
    FUZZ_CHECK((type == nullptr) == (expected_type == nullptr) && (type == nullptr || type->name == expected_type->name),
               site.key + ": MatchPageType is not the first matching page type");

    for (size_t i = 0; i < rep.follow_allow.size(); ++i) {
      FUZZ_CHECK(rep.follow_allow[i].Search(text) == RE2::PartialMatch(piece, *site.allow[i]), site.key + ": allow rule");
    }
    for (size_t i = 0; i < rep.follow_deny.size(); ++i) {
      FUZZ_CHECK(rep.follow_deny[i].Search(text) == RE2::PartialMatch(piece, *site.deny[i]), site.key + ": deny rule");
    }

    // ShouldFollow: deterministic, and a yes is backed by the rules on the normalized URL.
    const bool follow = site.program->ShouldFollow(text);
    FUZZ_CHECK(follow == site.program->ShouldFollow(text), site.key + ": ShouldFollow changed its answer");
    if (follow) {
      auto url = hc::Url::Parse(text);
      FUZZ_CHECK(url.ok() && url->is_http(), site.key + ": followed a URL that does not parse as http(s)");
      auto key = hc::NormalizeUrl(*url, rep.config.url_normalization);
      FUZZ_CHECK(key.ok(), site.key + ": followed a URL that does not normalize");
      FUZZ_CHECK(site.allow.empty() || AnyMatches(site.allow, *key), site.key + ": followed without an allow rule");
      FUZZ_CHECK(!AnyMatches(site.deny, *key), site.key + ": followed a denied URL");
    }

    // Field regexes over the same text.
    for (const hc::extract::TextRegex* rx : site.fields) {
      const auto first = rx->Values(text, false);
      const auto every = rx->Values(text, true);
      FUZZ_CHECK(first.size() <= 1 && first.empty() == every.empty(), site.key + ": field regex " + rx->source);
      FUZZ_CHECK(first.empty() || first[0] == every[0], site.key + ": first value is not the first of all: " + rx->source);
      for (std::string_view v : every) {
        FUZZ_CHECK(v.empty() || (v.data() >= text.data() && v.data() + v.size() <= text.data() + text.size()),
                   site.key + ": a value outside the input: " + rx->source);
      }
    }
  }
  return 0;
}
