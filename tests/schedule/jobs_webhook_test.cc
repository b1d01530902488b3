// A job's `options.webhook` (docs/drift.md): the drift alarm's webhook for the job's degraded runs,
// checked at load, kept in the database with the job, and handed to the crawl by CrawlOptionsFor.
#include <gtest/gtest.h>

#include <string>

#include "schedule/schedule.h"

namespace hc::schedule {
namespace {

std::string Job(const std::string& webhook) {
  return "jobs:\n"
         "  - name: n\n"
         "    site: mfk\n"
         "    schedule: '@daily'\n"
         "    time_zone: UTC\n"
         "    options:\n"
         "      webhook:\n" +
         webhook;
}

TEST(JobsWebhookTest, LoadsKeepsAndHandsOverTheWebhook) {
  auto file = ParseJobsFile(Job("        url: 'https://hooks.example.org/mfk'\n"
                                "        allow_private_addresses: true\n"),
                            "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const crawl::CrawlOptions::Webhook& w = file->jobs.at(0).options.webhook;
  EXPECT_EQ(w.url, "https://hooks.example.org/mfk");
  EXPECT_TRUE(w.allow_private_addresses);

  auto back = FromJobRecord(ToJobRecord(file->jobs.at(0), "file", "/srv/jobs.yaml"));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->options.webhook.url, w.url);
  EXPECT_TRUE(back->options.webhook.allow_private_addresses);

  const crawl::CrawlOptions crawl = CrawlOptionsFor(*back, crawl::CrawlOptions{});
  EXPECT_EQ(crawl.webhook.url, w.url);
  EXPECT_TRUE(crawl.webhook.allow_private_addresses);
}

TEST(JobsWebhookTest, MistakesAreReportedWhereTheyAre) {
  struct Case {
    const char* name;
    std::string webhook;
    std::string location;
    std::string message;
  };
  // The webhook block's entries start on line 8 at column 9.
  const Case cases[] = {
      {"unknown key", "        uri: 'https://x.org/'\n", "8:9", "unknown key 'uri' in webhook"},
      {"not http", "        url: 'ftp://x.org/'\n", "8:14", "webhook url must be an absolute http(s) URL"},
      {"no url", "        allow_private_addresses: true\n", "8:9", "webhook needs a url"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto file = ParseJobsFile(Job(c.webhook), "jobs.yaml");
    ASSERT_FALSE(file.ok());
    const std::string& msg = file.status().message();
    EXPECT_TRUE(msg.starts_with("jobs.yaml:" + c.location + ": ")) << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace hc::schedule
