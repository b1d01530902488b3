// robots: the Robots Exclusion Protocol, RFC 9309 (https://www.rfc-editor.org/rfc/rfc9309).
//
// Built like google/robotstxt: ParseRobotsTxt is a line parser that never fails and reports every line
// to a RobotsParseHandler (user-agent, allow, disallow, sitemap, crawl-delay, anything else) with its
// line number; RobotsPolicy is one consumer of it, which answers "may this agent fetch this path?".
// PolicyForRobotsResponse maps the HTTP outcome of fetching /robots.txt to a policy (RFC 9309 §2.3.1),
// and RobotsCache keeps one policy per origin until it expires (§2.4). Fetching is not done here:
// this part of the net stage has no I/O and does not use libcurl.
//
// Matching (RFC 9309 §2.2): the groups whose user-agent lines name the agent's product token
// (case-insensitive) are merged; if there are none, the `*` groups are merged; if there are none of
// those either, everything is allowed. The rule with the longest matching pattern decides, and allow
// wins a tie. `*` matches any run of characters, a final `$` anchors the end. Patterns and paths are
// compared with percent-encoding normalized on both sides (see NormalizeForMatch). /robots.txt is
// always allowed.
//
// Thread-safety: RobotsPolicy is immutable after construction and may be queried from many threads.
// RobotsCache is internally synchronized. ParseRobotsTxt is reentrant.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"

namespace hc::net {

// Crawlers must parse at least 500 KiB (RFC 9309 §2.5); content past this limit is ignored, and so
// is a line the limit cuts in two (half of "Disallow: /private-area" would be a different rule).
inline constexpr std::size_t kRobotsParseLimit = 500 * 1024;

// Receives each line of a robots.txt body, in order. Line numbers are 1-based; CR, LF and CRLF each
// end a line. Values have comments ("#..." to the end of the line) and surrounding whitespace removed
// and are otherwise as written. Key names are matched case-insensitively, and a few frequent typos
// are accepted as google/robotstxt does ("disalow", "useragent", "user agent", ...).
class RobotsParseHandler {
 public:
  virtual ~RobotsParseHandler() = default;
  virtual void OnUserAgent(int line, std::string_view value) = 0;
  virtual void OnAllow(int line, std::string_view value) = 0;
  virtual void OnDisallow(int line, std::string_view value) = 0;
  virtual void OnSitemap(int line, std::string_view value) = 0;
  virtual void OnCrawlDelay(int line, std::string_view value) = 0;
  // A "key: value" line whose key is none of the above.
  virtual void OnUnknown(int line, std::string_view key, std::string_view value) = 0;
  // A non-empty line (after comment removal) without a key and value.
  virtual void OnUnparsable(int line, std::string_view text) { (void)line, (void)text; }
};

// Parses the first kRobotsParseLimit bytes of `body` (a UTF-8 BOM at the start is skipped) and reports
// each line to `handler`. Never fails. Returns true when the body was cut at the limit.
bool ParseRobotsTxt(std::string_view body, RobotsParseHandler& handler);

// The product token of a user agent as RFC 9309 §2.2.1 defines it, lowercased: the leading run of
// letters, '_' and '-'. "FooBot/1.2 (+https://foo.example)" -> "foobot". "" if there is none.
std::string ProductToken(std::string_view user_agent);

// Percent-encoding normalization applied to both patterns and paths before matching (RFC 9309
// §2.2.2, RFC 3986 §6.2.2): escapes of unreserved characters are decoded ("%7E" -> "~"), other escapes
// get uppercase hex ("%2f" -> "%2F"), and bytes >= 0x80, controls, space and the characters a URL
// never carries unescaped ('"', '<', '>', '\\', '^', '`', '{', '|', '}') are escaped, so "/中文" in a
// robots.txt matches "/%E4%B8%AD%E6%96%87" in a URL. '*' and '$' in a path are escaped to "%2A" and
// "%24", so a pattern matches them literally only when it spells them escaped (§2.2.3). In a pattern
// (`is_pattern`), '*' stays a wildcard and a final '$' stays the end anchor.
std::string NormalizeForMatch(std::string_view text, bool is_pattern);

struct RobotsDecision {
  enum class Basis {
    kRule,               // a rule matched: `rule` and `line` say which
    kNoRule,             // no rule of the agent's group(s) matched, or no group applies
    kRobotsTxt,          // the path is /robots.txt, which is always allowed (§2.2.2)
    kRobotsMissing,      // the robots.txt fetch said "unavailable" (4xx): everything is allowed
    kRobotsUnreachable,  // the robots.txt fetch failed (5xx, network): everything is disallowed
  };
  bool allowed = true;
  Basis basis = Basis::kNoRule;
  std::string rule;  // "disallow: /private" — the directive lowercased, the pattern as written
  int line = 0;      // the rule's line in robots.txt; 0 when no rule decided

  // "disallow: /private (line 3)", "(no rule matched)", "(robots.txt is always allowed)", ...
  std::string Explain() const;
};

class RobotsPolicy {
 public:
  // An empty robots.txt: everything allowed.
  RobotsPolicy();
  // Parses a robots.txt body (only the first kRobotsParseLimit bytes count).
  static RobotsPolicy Parse(std::string_view body);
  // For when robots.txt is unavailable (4xx): everything allowed, and decisions say why.
  static RobotsPolicy AllowAll();
  // For when robots.txt is unreachable (5xx, network error): everything disallowed (§2.3.1.3).
  static RobotsPolicy DisallowAll();

  // May the agent fetch this path? `agent` is a user agent or its product token (ProductToken is
  // applied). `path_and_query` is the URL's path, plus '?' and the query when it has one, without the
  // fragment, as a WHATWG URL serializes them (already percent-encoded); "" is treated as "/".
  RobotsDecision Allowed(std::string_view agent, std::string_view path_and_query) const;

  // The crawl-delay, in seconds, of the group(s) that apply to the agent (the first valid value).
  // Not part of RFC 9309, but widely published; nullopt when absent.
  std::optional<double> CrawlDelay(std::string_view agent) const;

  // Every Sitemap: line's value in file order, whatever group it sits in (§2.2.4 says sitemaps are not
  // tied to user agents).
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }
  // True when the body was larger than kRobotsParseLimit and its tail was ignored.
  bool truncated() const { return truncated_; }

 private:
  friend class RobotsPolicyBuilder;  // the parse handler in robots.cc that fills the groups

  struct Rule {
    bool allow = false;
    std::string pattern;  // normalized for matching
    std::string text;     // "allow: /x/", as decisions report it
    int line = 0;
  };
  struct Group {
    std::vector<std::string> agents;  // product tokens, lowercased
    bool global = false;              // has a "User-agent: *" line
    std::vector<Rule> rules;
    std::optional<double> crawl_delay;
  };
  // The groups that apply to the agent, merged per §2.2.1: all that name its product token, else all
  // `*` groups.
  std::vector<const Group*> GroupsFor(std::string_view agent) const;

  std::vector<Group> groups_;
  std::vector<std::string> sitemaps_;
  bool truncated_ = false;
  std::optional<RobotsDecision::Basis> fixed_;  // set by AllowAll / DisallowAll
};

// The policy for the outcome of fetching /robots.txt (RFC 9309 §2.3.1), after the fetcher has followed
// up to five redirects: 2xx parses `body`; 3xx left over (more than five redirects) and 4xx mean
// "unavailable" and allow everything (401 and 403 included, as the RFC says); 429 is treated like a
// server error, as Google does, because a crawler told to slow down should not take it as permission;
// 5xx, other codes and `http_status` 0 (network failure, no response) mean "unreachable" and disallow
// everything.
RobotsPolicy PolicyForRobotsResponse(int http_status, std::string_view body);

// How long to keep a policy obtained from a response with this status before fetching robots.txt
// again: 24 hours for a parsed or unavailable robots.txt (RFC 9309 §2.4 says a cached copy should not
// be used for more than 24 hours), 1 hour for unreachable, so a server that recovers is noticed soon.
std::chrono::seconds RobotsCacheLifetime(int http_status);

// One policy per origin (e.g. "https://www.mfk.com"), each until its expiry time on the injected clock.
class RobotsCache {
 public:
  explicit RobotsCache(const Clock& clock) : clock_(clock) {}
  RobotsCache(const RobotsCache&) = delete;
  RobotsCache& operator=(const RobotsCache&) = delete;

  // The cached policy for `origin`, or null when there is none or it has expired (an expired entry
  // is dropped).
  std::shared_ptr<const RobotsPolicy> Get(const std::string& origin);
  // Stores `policy` for `origin` until now + lifetime, replacing any earlier entry.
  void Put(const std::string& origin, RobotsPolicy policy, std::chrono::seconds lifetime);
  // Drops expired entries; returns how many are left.
  std::size_t Prune();

 private:
  struct Entry {
    std::shared_ptr<const RobotsPolicy> policy;
    TimePoint expires;
  };
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry> entries_;
};

}  // namespace hc::net
