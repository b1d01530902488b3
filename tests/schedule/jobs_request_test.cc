// A job's `options.request` block (docs/scheduling.md): the crawl's user agent, headers, cookie jar and
// proxy per job, checked like the site config's, kept in the database with the job, and handed to the
// crawl (CrawlOptions::request) by the runner.
#include <gtest/gtest.h>

#include <string>

#include "schedule/schedule.h"

namespace hc::schedule {
namespace {

std::string Job(const std::string& request) {
  return "jobs:\n"
         "  - name: n\n"
         "    site: mfk\n"
         "    schedule: '@daily'\n"
         "    time_zone: UTC\n"
         "    options:\n"
         "      request:\n" +
         request;
}

TEST(JobsRequestTest, LoadsTheBlockAndKeepsItThroughTheDatabaseRecord) {
  const std::string yaml = Job(
      "        user_agent: 'jobbot/1.0 (+mailto:ops@example.org)'\n"
      "        headers: {Referer: 'https://www.mfk.com/', X-Drop: ''}\n"
      "        cookie_jar: state/cookies.txt\n"
      "        proxy: 'http://proxy.example:3128'\n");
  auto file = ParseJobsFile(yaml, "/srv/conf/jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const crawl::CrawlOptions::RequestOverrides& r = file->jobs.at(0).options.request;
  EXPECT_EQ(r.user_agent, "jobbot/1.0 (+mailto:ops@example.org)");
  const net::HeaderList headers = {{"Referer", "https://www.mfk.com/"}, {"X-Drop", ""}};
  EXPECT_EQ(r.headers, headers);
  EXPECT_EQ(r.cookie_jar, "/srv/conf/state/cookies.txt");  // relative to the jobs file, as export paths
  EXPECT_EQ(r.proxy, "http://proxy.example:3128");

  auto back = FromJobRecord(ToJobRecord(file->jobs.at(0), "file", "/srv/conf/jobs.yaml"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const crawl::CrawlOptions::RequestOverrides& b = back->options.request;
  EXPECT_EQ(b.user_agent, r.user_agent);
  EXPECT_EQ(b.headers, r.headers);
  EXPECT_EQ(b.cookie_jar, r.cookie_jar);
  EXPECT_EQ(b.proxy, r.proxy);

  // A job without the block changes nothing of the config's settings.
  auto plain = ParseJobsFile("jobs:\n  - {name: p, site: mfk, schedule: '@daily', time_zone: UTC}\n", "jobs.yaml");
  ASSERT_TRUE(plain.ok());
  const auto& none = plain->jobs.at(0).options.request;
  EXPECT_FALSE(none.user_agent || none.cookie_jar || none.proxy);
  EXPECT_TRUE(none.headers.empty());
  auto plain_back = FromJobRecord(ToJobRecord(plain->jobs.at(0), "file", "jobs.yaml"));
  ASSERT_TRUE(plain_back.ok());
  EXPECT_FALSE(plain_back->options.request.user_agent.has_value());
}

TEST(JobsRequestTest, MistakesAreReportedWhereTheyAre) {
  struct Case {
    const char* name;
    std::string request;
    std::string location;
    std::string message;
  };
  // The request block's entries start on line 8 at column 9.
  const Case cases[] = {
      {"unknown key", "        proxi: 'http://p:1'\n", "8:9", "unknown key 'proxi' in request; did you mean 'proxy'?"},
      {"bad header name", "        headers: {'Bad Name': x}\n", "8:19", "header name 'Bad Name' is not a token"},
      {"header with a line break", "        headers: {X-A: \"a\\nb\"}\n", "8:24", "holds a line break"},
      {"headers not a map", "        headers: [a]\n", "8:18", "headers must be a map"},
      {"bad proxy", "        proxy: 'gopher://p:70'\n", "8:16", "the scheme must be http"},
      {"empty user agent", "        user_agent: ''\n", "8:21", "user_agent must be one line of text"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto file = ParseJobsFile(Job(c.request), "jobs.yaml");
    ASSERT_FALSE(file.ok());
    const std::string& msg = file.status().message();
    EXPECT_TRUE(msg.starts_with("jobs.yaml:" + c.location + ": ")) << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace hc::schedule
