// The site config's `request:` block (docs/selectors.md): user_agent, headers, cookie_jar and proxy are
// read into SiteConfig, and every mistake is a "file:line:column: message" at the offending node.
#include <gtest/gtest.h>

#include "core/version.h"
#include "extract/extract.h"

namespace hc::extract {
namespace {

constexpr const char* kFile = "selectors/demo.yaml";
const std::string kTail = "page_types: [{name: x, url: /}]\n";

TEST(RequestConfigTest, ReadsTheRequestBlock) {
  const std::string yaml = "site: demo\n"
                           "request:\n"
                           "  user_agent: 'demobot/2.0 (+mailto:ops@example.org)'\n"
                           "  headers:\n"
                           "    Referer: 'https://www.demo.com/'\n"
                           "    X-Empty: ''\n"
                           "    Accept-Language: zh-CN\n"
                           "  cookie_jar: state/cookies.txt\n"
                           "  proxy: 'socks5h://127.0.0.1:1080'\n" +
                           kTail;
  auto program = SelectorProgram::FromYaml(yaml, kFile);
  ASSERT_TRUE(program.ok()) << program.status().ToString();
  const SiteConfig& c = program->config();
  EXPECT_EQ(c.user_agent, "demobot/2.0 (+mailto:ops@example.org)");
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"Referer", "https://www.demo.com/"}, {"X-Empty", ""}, {"Accept-Language", "zh-CN"}};
  EXPECT_EQ(c.headers, headers);
  EXPECT_EQ(c.cookie_jar, "state/cookies.txt");
  EXPECT_EQ(c.proxy, "socks5h://127.0.0.1:1080");
}

TEST(RequestConfigTest, DefaultsNameTheProjectAndAskForAContact) {
  auto program = SelectorProgram::FromYaml("site: demo\n" + kTail, kFile);
  ASSERT_TRUE(program.ok());
  const SiteConfig& c = program->config();
  EXPECT_EQ(c.user_agent, DefaultUserAgent());
  EXPECT_TRUE(c.user_agent.starts_with("healthcrawl/" + std::string(Version()) + " ")) << c.user_agent;
  EXPECT_NE(c.user_agent.find("--user-agent"), std::string::npos);
  EXPECT_TRUE(c.headers.empty());
  EXPECT_TRUE(c.cookie_jar.empty());
  EXPECT_FALSE(c.proxy.has_value());
  // An empty proxy is a value: no proxy, whatever the environment says.
  auto none = SelectorProgram::FromYaml("site: demo\nrequest: {proxy: ''}\n" + kTail, kFile);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->config().proxy, "");
}

TEST(RequestConfigTest, MistakesAreReportedWhereTheyAre) {
  struct Case {
    const char* name;
    std::string yaml;
    std::string location;
    std::string message;
  };
  const Case cases[] = {
      {"unknown key", "site: demo\nrequest: {user_agnet: x}\n", "2:11",
       "unknown key 'user_agnet' in request (did you mean 'user_agent'?)"},
      {"not a mapping", "site: demo\nrequest: [a]\n", "2:10", "request must be a mapping"},
      {"user_agent twice", "site: demo\nuser_agent: a/1\nrequest:\n  user_agent: b/2\n", "4:3",
       "user_agent is set twice, here and at line 2"},
      {"user_agent empty", "site: demo\nrequest: {user_agent: ''}\n", "2:23", "request.user_agent must be one line"},
      {"header name with a space", "site: demo\nrequest:\n  headers:\n    'X Bad': 1\n", "4:5",
       "header name 'X Bad' is not a token"},
      {"header value with a line break", "site: demo\nrequest:\n  headers:\n    X-Ok: \"a\\r\\nInjected: 1\"\n", "4:11",
       "holds a line break"},
      {"headers not a mapping", "site: demo\nrequest: {headers: [a]}\n", "2:20", "request.headers must be a mapping"},
      {"header value a list", "site: demo\nrequest:\n  headers:\n    X-A: [1]\n", "4:10", "must be a string"},
      {"empty cookie_jar", "site: demo\nrequest: {cookie_jar: ''}\n", "2:23", "request.cookie_jar names a file"},
      {"proxy scheme", "site: demo\nrequest: {proxy: 'ftp://p:21'}\n", "2:18",
       "the scheme must be http, https, socks4, socks4a, socks5 or socks5h"},
      {"proxy without host", "site: demo\nrequest: {proxy: 'http://:8080'}\n", "2:18", "names no host"},
      {"proxy with a space", "site: demo\nrequest: {proxy: 'http://a b'}\n", "2:18", "space or control character"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto program = SelectorProgram::FromYaml(c.yaml + kTail, kFile);
    ASSERT_FALSE(program.ok());
    EXPECT_EQ(program.status().code(), StatusCode::kConfigError);
    const std::string& msg = program.status().message();
    EXPECT_TRUE(msg.starts_with(std::string(kFile) + ":" + c.location + ": ")) << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace hc::extract
