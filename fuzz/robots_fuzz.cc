// Fuzzes the robots.txt parser and matcher (src/net/robots.h, RFC 9309). The input is a robots.txt
// body, optionally followed by a NUL byte and a path to ask about. Properties checked besides memory
// safety:
//   * the parser reports lines in increasing order from 1, with values trimmed and comment-free;
//   * /robots.txt is always allowed (§2.2.2);
//   * a decision by a rule names the rule and its line, and allows exactly when the rule is an allow;
//     a decision with no rule allows;
//   * NormalizeForMatch of a path leaves no byte a URL never carries raw (>= 0x80, controls, space);
//   * ProductToken is lowercase letters, '_' and '-' only; a crawl-delay is finite and >= 0.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "net/robots.h"

namespace {

class CheckingHandler final : public hc::net::RobotsParseHandler {
 public:
  void OnUserAgent(int line, std::string_view value) override { Check(line, value); }
  void OnAllow(int line, std::string_view value) override { Check(line, value); }
  void OnDisallow(int line, std::string_view value) override { Check(line, value); }
  void OnSitemap(int line, std::string_view value) override { Check(line, value); }
  void OnCrawlDelay(int line, std::string_view value) override { Check(line, value); }
  void OnUnknown(int line, std::string_view key, std::string_view value) override {
    Check(line, value);
    FUZZ_CHECK(!key.empty(), "an unknown line with an empty key");
  }
  void OnUnparsable(int line, std::string_view text) override { CheckLine(line), (void)text; }

 private:
  void CheckLine(int line) {
    FUZZ_CHECK(line >= 1 && line > last_line_, "line numbers must increase from 1");
    last_line_ = line;
  }
  void Check(int line, std::string_view value) {
    CheckLine(line);
    FUZZ_CHECK(value.find('#') == std::string_view::npos, value);
    if (!value.empty()) {
      FUZZ_CHECK(value.front() != ' ' && value.front() != '\t' && value.back() != ' ' && value.back() != '\t', value);
    }
  }
  int last_line_ = 0;
};

bool IsRawUrlByte(unsigned char c) {
  return c > 0x20 && c < 0x7F && c != '"' && c != '<' && c != '>' && c != '\\' && c != '^' && c != '`' &&
         c != '{' && c != '|' && c != '}';
}

void CheckDecision(const hc::net::RobotsDecision& d) {
  using Basis = hc::net::RobotsDecision::Basis;
  const std::string explanation = d.Explain();
  FUZZ_CHECK(!explanation.empty(), "empty explanation");
  if (d.basis == Basis::kRule) {
    FUZZ_CHECK(d.line >= 1, explanation);
    FUZZ_CHECK(d.allowed == d.rule.starts_with("allow:"), explanation);
    FUZZ_CHECK(d.allowed || d.rule.starts_with("disallow:"), explanation);
  } else if (d.basis == Basis::kNoRule) {
    FUZZ_CHECK(d.allowed, explanation);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t nul = all.find('\0');
  const std::string_view body = all.substr(0, nul);
  const std::string_view asked = nul == std::string_view::npos ? std::string_view("/") : all.substr(nul + 1);

  CheckingHandler handler;
  (void)hc::net::ParseRobotsTxt(body, handler);

  const hc::net::RobotsPolicy policy = hc::net::RobotsPolicy::Parse(body);
  static constexpr std::string_view kAgents[] = {"healthcrawl/0.1 (+https://example.invalid/healthcrawl)",
                                                 "Googlebot", "*", ""};
  static constexpr std::string_view kPaths[] = {"/", "", "/private/x?y=1", "/%E4%B8%AD%E6%96%87", "/a%2Ab$"};
  for (std::string_view agent : kAgents) {
    const std::string token = hc::net::ProductToken(agent);
    for (char c : token) FUZZ_CHECK((c >= 'a' && c <= 'z') || c == '_' || c == '-', token);
    const auto robots = policy.Allowed(agent, "/robots.txt");
    FUZZ_CHECK(robots.allowed && robots.basis == hc::net::RobotsDecision::Basis::kRobotsTxt, robots.Explain());
    for (std::string_view path : kPaths) CheckDecision(policy.Allowed(agent, path));
    CheckDecision(policy.Allowed(agent, asked));
    if (auto delay = policy.CrawlDelay(agent)) FUZZ_CHECK(std::isfinite(*delay) && *delay >= 0, "bad crawl-delay");
  }
  // Whatever the body says about agents, its own first line also serves as one.
  const std::string_view first_line = body.substr(0, body.find_first_of("\r\n"));
  CheckDecision(policy.Allowed(first_line, asked));
  for (char c : hc::net::ProductToken(first_line)) FUZZ_CHECK((c >= 'a' && c <= 'z') || c == '_' || c == '-', "token");

  const std::string normalized = hc::net::NormalizeForMatch(asked, /*is_pattern=*/false);
  for (char c : normalized) {
    FUZZ_CHECK(IsRawUrlByte(static_cast<unsigned char>(c)), "NormalizeForMatch left a byte unescaped: " + normalized);
  }
  return 0;
}
