// RFC 9309 robots.txt: the line parser, the policy built from it, the status-code policy and the
// per-origin cache. See robots.h for the contract; the comments here cite the RFC section each rule
// implements.
#include "net/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "core/text.h"

namespace hc::net {
namespace {

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

enum class Directive { kUserAgent, kAllow, kDisallow, kSitemap, kCrawlDelay, kUnknown };

Directive Classify(std::string_view key) {
  const std::string k = AsciiLowered(key);
  // The RFC's names, plus the misspellings google/robotstxt accepts because they are common in the
  // wild and their intent is unambiguous.
  if (k == "user-agent" || k == "useragent" || k == "user agent") return Directive::kUserAgent;
  if (k == "allow") return Directive::kAllow;
  if (k == "disallow" || k == "dissallow" || k == "dissalow" || k == "disalow" || k == "diasllow" ||
      k == "disallaw") {
    return Directive::kDisallow;
  }
  if (k == "sitemap" || k == "site-map") return Directive::kSitemap;
  if (k == "crawl-delay" || k == "crawldelay") return Directive::kCrawlDelay;
  return Directive::kUnknown;
}

// Splits one line into key and value (RFC 9309 §2.2: `key ":" value`, whitespace allowed around
// both). As in google/robotstxt, a line without a colon whose key and value are separated by
// whitespace ("Disallow /x") is accepted when the value is a single word.
bool SplitKeyValue(std::string_view line, std::string_view* key, std::string_view* value) {
  std::size_t sep = line.find(':');
  if (sep != std::string_view::npos) {
    *key = TrimSpacesAndTabs(line.substr(0, sep));
    *value = TrimSpacesAndTabs(line.substr(sep + 1));
    return !key->empty();
  }
  sep = line.find_first_of(" \t");
  if (sep == std::string_view::npos) return false;
  *key = TrimSpacesAndTabs(line.substr(0, sep));
  *value = TrimSpacesAndTabs(line.substr(sep + 1));
  if (key->empty() || value->empty()) return false;
  return value->find_first_of(" \t") == std::string_view::npos;
}

void ParseLine(int line_number, std::string_view line, RobotsParseHandler& handler) {
  const std::size_t hash = line.find('#');  // §2.2: a comment runs from '#' to the end of the line
  if (hash != std::string_view::npos) line = line.substr(0, hash);
  line = TrimSpacesAndTabs(line);
  if (line.empty()) return;
  std::string_view key, value;
  if (!SplitKeyValue(line, &key, &value)) {
    handler.OnUnparsable(line_number, line);
    return;
  }
  switch (Classify(key)) {
    case Directive::kUserAgent:
      handler.OnUserAgent(line_number, value);
      break;
    case Directive::kAllow:
      handler.OnAllow(line_number, value);
      break;
    case Directive::kDisallow:
      handler.OnDisallow(line_number, value);
      break;
    case Directive::kSitemap:
      handler.OnSitemap(line_number, value);
      break;
    case Directive::kCrawlDelay:
      handler.OnCrawlDelay(line_number, value);
      break;
    case Directive::kUnknown:
      handler.OnUnknown(line_number, key, value);
      break;
  }
}

bool IsProductTokenChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

bool IsHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// RFC 3986 §2.3.
bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

// Bytes that a serialized URL never carries as themselves, so writing them raw or escaped in a
// robots.txt must mean the same.
bool MustEscape(unsigned char c) {
  return c <= 0x20 || c >= 0x7F || std::strchr("\"<>\\^`{|}", c) != nullptr;
}

void AppendEscaped(unsigned char c, std::string* out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  out->push_back('%');
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 0xF]);
}

// Does `pattern` (normalized; '*' wildcard, final '$' anchor) match a prefix of `path` (normalized)?
// The algorithm of google/robotstxt's RobotsMatchStrategy::Matches: the set of path positions the
// pattern so far can end at, advanced one pattern byte at a time. O(|path| * |pattern|), no
// backtracking blow-up.
bool PatternMatches(std::string_view path, std::string_view pattern, std::vector<std::size_t>& pos) {
  const std::size_t pathlen = path.size();
  pos.assign(pathlen + 1, 0);
  std::size_t numpos = 1;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char p = pattern[i];
    if (p == '$' && i + 1 == pattern.size()) return pos[numpos - 1] == pathlen;
    if (p == '*') {
      numpos = pathlen - pos[0] + 1;
      for (std::size_t j = 1; j < numpos; ++j) pos[j] = pos[j - 1] + 1;
    } else {
      std::size_t kept = 0;
      for (std::size_t j = 0; j < numpos; ++j) {
        if (pos[j] < pathlen && path[pos[j]] == p) pos[kept++] = pos[j] + 1;
      }
      numpos = kept;
      if (numpos == 0) return false;
    }
  }
  return true;
}

std::optional<double> ParseCrawlDelay(std::string_view value) {
  double seconds = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
  if (ec != std::errc() || ptr != end || !std::isfinite(seconds) || seconds < 0) return std::nullopt;
  return seconds;
}

}  // namespace

bool ParseRobotsTxt(std::string_view body, RobotsParseHandler& handler) {
  bool truncated = false;
  if (body.size() > kRobotsParseLimit) {
    truncated = true;
    const bool cut_at_line_end = body[kRobotsParseLimit] == '\n' || body[kRobotsParseLimit] == '\r';
    body = body.substr(0, kRobotsParseLimit);
    if (!cut_at_line_end) {
      const std::size_t last_break = body.find_last_of("\r\n");
      body = last_break == std::string_view::npos ? std::string_view() : body.substr(0, last_break + 1);
    }
  }
  // A UTF-8 byte order mark, or the start of one, is skipped (google/robotstxt does the same).
  static constexpr std::string_view kBom = "\xEF\xBB\xBF";
  std::size_t bom = 0;
  while (bom < kBom.size() && bom < body.size() && body[bom] == kBom[bom]) ++bom;
  body.remove_prefix(bom);

  int line_number = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c != '\n' && c != '\r') continue;
    ParseLine(line_number++, body.substr(start, i - start), handler);
    if (c == '\r' && i + 1 < body.size() && body[i + 1] == '\n') ++i;  // CRLF is one line end
    start = i + 1;
  }
  if (start < body.size()) ParseLine(line_number, body.substr(start), handler);
  return truncated;
}

std::string ProductToken(std::string_view user_agent) {
  user_agent = TrimSpacesAndTabs(user_agent);
  std::size_t n = 0;
  while (n < user_agent.size() && IsProductTokenChar(user_agent[n])) ++n;
  return AsciiLowered(user_agent.substr(0, n));
}

std::string NormalizeForMatch(std::string_view text, bool is_pattern) {
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '%' && i + 2 < text.size() && IsHex(text[i + 1]) && IsHex(text[i + 2])) {
      const auto decoded = static_cast<unsigned char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      if (IsUnreserved(decoded)) {
        out.push_back(static_cast<char>(decoded));
      } else {
        AppendEscaped(decoded, &out);
      }
      i += 2;
    } else if (c == '*') {
      if (is_pattern) {
        out.push_back('*');
      } else {
        AppendEscaped(c, &out);
      }
    } else if (c == '$') {
      if (is_pattern && i + 1 == text.size()) {
        out.push_back('$');
      } else {
        AppendEscaped(c, &out);
      }
    } else if (MustEscape(c)) {
      AppendEscaped(c, &out);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

std::string RobotsDecision::Explain() const {
  switch (basis) {
    case Basis::kRule:
      return rule + " (line " + std::to_string(line) + ")";
    case Basis::kNoRule:
      return "(no rule matched)";
    case Basis::kRobotsTxt:
      return "(robots.txt is always allowed)";
    case Basis::kRobotsMissing:
      return "(robots.txt unavailable: everything allowed)";
    case Basis::kRobotsUnreachable:
      return "(robots.txt unreachable: everything disallowed)";
  }
  return "";
}

// Builds a RobotsPolicy's groups from parse events (RFC 9309 §2.1, §2.2.1): a group is one or more
// user-agent lines followed by rules; a user-agent line after a rule starts the next group. Lines
// that are not rules (sitemap, crawl-delay, unknown keys) do not end a run of user-agent lines, and
// rules before the first user-agent line belong to no group.
class RobotsPolicyBuilder final : public RobotsParseHandler {
 public:
  explicit RobotsPolicyBuilder(RobotsPolicy* policy) : policy_(policy) {}

  void OnUserAgent(int, std::string_view value) override {
    if (!in_agent_lines_) {
      policy_->groups_.emplace_back();
      in_agent_lines_ = true;
    }
    RobotsPolicy::Group& group = policy_->groups_.back();
    // google/robotstxt: "*" alone (or followed by whitespace) is the global agent.
    if (!value.empty() && value[0] == '*' && (value.size() == 1 || IsSpaceOrTab(value[1]))) {
      group.global = true;
      return;
    }
    std::string token = ProductToken(value);
    if (!token.empty()) group.agents.push_back(std::move(token));
  }
  void OnAllow(int line, std::string_view value) override { AddRule(true, line, value); }
  void OnDisallow(int line, std::string_view value) override { AddRule(false, line, value); }
  void OnSitemap(int, std::string_view value) override {
    if (!value.empty()) policy_->sitemaps_.emplace_back(value);
  }
  void OnCrawlDelay(int, std::string_view value) override {
    if (policy_->groups_.empty()) return;
    RobotsPolicy::Group& group = policy_->groups_.back();
    if (!group.crawl_delay) group.crawl_delay = ParseCrawlDelay(value);
  }
  void OnUnknown(int, std::string_view, std::string_view) override {}

 private:
  void AddRule(bool allow, int line, std::string_view value) {
    if (policy_->groups_.empty()) return;  // before any user-agent line: belongs to no group
    in_agent_lines_ = false;
    if (value.empty()) return;  // "Disallow:" with no path disallows nothing (§2.2.2)
    RobotsPolicy::Rule rule;
    rule.allow = allow;
    rule.pattern = NormalizeForMatch(value, /*is_pattern=*/true);
    rule.text = std::string(allow ? "allow: " : "disallow: ") + std::string(value);
    rule.line = line;
    policy_->groups_.back().rules.push_back(std::move(rule));
  }

  RobotsPolicy* policy_;
  bool in_agent_lines_ = false;
};

RobotsPolicy::RobotsPolicy() = default;

RobotsPolicy RobotsPolicy::Parse(std::string_view body) {
  RobotsPolicy policy;
  RobotsPolicyBuilder builder(&policy);
  policy.truncated_ = ParseRobotsTxt(body, builder);
  return policy;
}

RobotsPolicy RobotsPolicy::AllowAll() {
  RobotsPolicy policy;
  policy.fixed_ = RobotsDecision::Basis::kRobotsMissing;
  return policy;
}

RobotsPolicy RobotsPolicy::DisallowAll() {
  RobotsPolicy policy;
  policy.fixed_ = RobotsDecision::Basis::kRobotsUnreachable;
  return policy;
}

std::vector<const RobotsPolicy::Group*> RobotsPolicy::GroupsFor(std::string_view agent) const {
  const std::string token = ProductToken(agent);
  std::vector<const Group*> specific, global;
  for (const Group& group : groups_) {
    if (!token.empty() && std::find(group.agents.begin(), group.agents.end(), token) != group.agents.end()) {
      specific.push_back(&group);
    }
    if (group.global) global.push_back(&group);
  }
  return specific.empty() ? global : specific;
}

RobotsDecision RobotsPolicy::Allowed(std::string_view agent, std::string_view path_and_query) const {
  RobotsDecision decision;
  if (fixed_) {
    decision.basis = *fixed_;
    decision.allowed = *fixed_ != RobotsDecision::Basis::kRobotsUnreachable;
    return decision;
  }
  if (path_and_query.empty()) path_and_query = "/";
  if (path_and_query == "/robots.txt") {
    decision.basis = RobotsDecision::Basis::kRobotsTxt;
    return decision;
  }
  const std::string path = NormalizeForMatch(path_and_query, /*is_pattern=*/false);
  const Rule* best = nullptr;
  std::vector<std::size_t> scratch;
  for (const Group* group : GroupsFor(agent)) {
    for (const Rule& rule : group->rules) {
      // §2.2.2: the most specific match (most octets in the pattern) wins; on a tie, allow wins.
      if (best != nullptr) {
        if (rule.pattern.size() < best->pattern.size()) continue;
        if (rule.pattern.size() == best->pattern.size() && (best->allow || !rule.allow)) continue;
      }
      if (PatternMatches(path, rule.pattern, scratch)) best = &rule;
    }
  }
  if (best != nullptr) {
    decision.allowed = best->allow;
    decision.basis = RobotsDecision::Basis::kRule;
    decision.rule = best->text;
    decision.line = best->line;
  }
  return decision;
}

std::optional<double> RobotsPolicy::CrawlDelay(std::string_view agent) const {
  for (const Group* group : GroupsFor(agent)) {
    if (group->crawl_delay) return group->crawl_delay;
  }
  return std::nullopt;
}

RobotsPolicy PolicyForRobotsResponse(int http_status, std::string_view body) {
  if (http_status >= 200 && http_status < 300) return RobotsPolicy::Parse(body);
  if (http_status == 429) return RobotsPolicy::DisallowAll();
  if (http_status >= 300 && http_status < 500) return RobotsPolicy::AllowAll();
  return RobotsPolicy::DisallowAll();
}

std::chrono::seconds RobotsCacheLifetime(int http_status) {
  const bool unreachable = http_status == 429 || http_status < 200 || http_status >= 500;
  return unreachable ? std::chrono::hours(1) : std::chrono::hours(24);
}

std::shared_ptr<const RobotsPolicy> RobotsCache::Get(const std::string& origin) {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(origin);
  if (it == entries_.end()) return nullptr;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return nullptr;
  }
  return it->second.policy;
}

void RobotsCache::Put(const std::string& origin, RobotsPolicy policy, std::chrono::seconds lifetime) {
  auto shared = std::make_shared<const RobotsPolicy>(std::move(policy));
  const TimePoint expires = clock_.Now() + lifetime;
  std::lock_guard<std::mutex> lock(mu_);
  entries_[origin] = Entry{std::move(shared), expires};
}

std::size_t RobotsCache::Prune() {
  const TimePoint now = clock_.Now();
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(entries_, [&](const auto& kv) { return kv.second.expires <= now; });
  return entries_.size();
}

}  // namespace hc::net
