// jobs.yaml: the model a good file loads into, and for broken files the exact "file:line:column:"
// message, because pointing at the right character is what makes a config error quick to fix.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "schedule/schedule.h"
#include "support/test_env.h"
#include "zoned_text.h"

namespace hc::schedule {
namespace {

using testing::At;
using testing::InZone;
using testing::Zone;

TEST(JobsFileTest, LoadsEveryField) {
  const std::string yaml = R"(# nightly crawls
jobs:
  - name: mfk-nightly
    site: mfk
    schedule: "0 3 * * *"
    time_zone: Asia/Shanghai
    missed: run_once
    paused: false
    options:
      max_pages: 500
      recrawl: all
      export: {format: csv, out: 'exports/{job}-{date}.csv'}
  - name: xywy.hourly
    site: xywy
    schedule: '@hourly'
    paused: true
)";
  Result<JobsFile> file = ParseJobsFile(yaml, "conf/jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->file, "conf/jobs.yaml");
  ASSERT_EQ(file->jobs.size(), 2u);

  const JobSpec& nightly = file->jobs[0];
  EXPECT_EQ(nightly.name, "mfk-nightly");
  EXPECT_EQ(nightly.site, "mfk");
  EXPECT_EQ(nightly.schedule.text(), "0 3 * * *");
  EXPECT_EQ(nightly.time_zone, "Asia/Shanghai");
  EXPECT_EQ(nightly.zone, Zone("Asia/Shanghai"));
  EXPECT_EQ(nightly.missed, MissedRunPolicy::kRunOnce);
  EXPECT_FALSE(nightly.paused);
  EXPECT_EQ(nightly.options.max_pages, 500);
  EXPECT_EQ(nightly.options.recrawl, RecrawlPolicy::kAll);
  ASSERT_TRUE(nightly.options.export_to.has_value());
  EXPECT_EQ(nightly.options.export_to->format, ExportFormat::kCsv);
  EXPECT_EQ(nightly.options.export_to->out, "conf/exports/{job}-{date}.csv");
  EXPECT_EQ(nightly.mark.line, 3);
  EXPECT_EQ(nightly.mark.column, 5);
  EXPECT_EQ(nightly.site_mark.line, 4);
  EXPECT_EQ(nightly.site_mark.column, 11);
  EXPECT_EQ(InZone(nightly.NextAfter(At("2026-03-01T12:00:00+08:00")), nightly.zone), "2026-03-02T03:00:00+08:00");

  const JobSpec& hourly = file->jobs[1];
  EXPECT_EQ(hourly.name, "xywy.hourly");
  EXPECT_EQ(hourly.schedule.text(), "@hourly");
  EXPECT_TRUE(hourly.paused);
  EXPECT_EQ(file->Find("xywy.hourly"), &hourly);
  EXPECT_EQ(file->Find("nope"), nullptr);
}

TEST(JobsFileTest, Defaults) {
  Result<JobsFile> file = ParseJobsFile("jobs:\n  - {name: a, site: mfk, schedule: '@daily'}\n", "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const JobSpec& job = file->jobs.at(0);
  EXPECT_EQ(job.time_zone, "");
  EXPECT_EQ(job.zone, date::current_zone());
  EXPECT_EQ(job.missed, MissedRunPolicy::kSkip);
  EXPECT_FALSE(job.paused);
  EXPECT_FALSE(job.options.max_pages.has_value());
  EXPECT_EQ(job.options.recrawl, RecrawlPolicy::kDue);
  EXPECT_FALSE(job.options.export_to.has_value());
}

TEST(JobsFileTest, LoadsTheCrawlKeys) {
  const std::string yaml = R"(jobs:
  - name: a
    site: mfk
    schedule: '@daily'
    options:
      start_urls: ['https://www.mfk.com/list/guke.html', 'http://www.mfk.com/list/erke.html']
      delay: 2.5
      concurrency: 1
      sitemaps: ['https://www.mfk.com/sitemap-2.xml']
  - {name: b, site: mfk, schedule: '@daily', options: {sitemaps: false, delay: 0}}
  - {name: c, site: mfk, schedule: '@daily', options: {sitemaps: []}}
)";
  Result<JobsFile> file = ParseJobsFile(yaml, "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const JobOptions& a = file->jobs.at(0).options;
  EXPECT_EQ(a.start_urls,
            (std::vector<std::string>{"https://www.mfk.com/list/guke.html", "http://www.mfk.com/list/erke.html"}));
  EXPECT_EQ(a.delay_seconds, 2.5);
  EXPECT_EQ(a.concurrency, 1);
  EXPECT_EQ(a.sitemaps, std::vector<std::string>{"https://www.mfk.com/sitemap-2.xml"});
  EXPECT_TRUE(a.read_sitemaps);
  const JobOptions& b = file->jobs.at(1).options;
  EXPECT_FALSE(b.read_sitemaps);
  EXPECT_FALSE(b.sitemaps.has_value());
  EXPECT_EQ(b.delay_seconds, 0.0);
  EXPECT_TRUE(b.start_urls.empty());
  EXPECT_FALSE(b.concurrency.has_value());
  // An empty list: none of the config's sitemaps (robots.txt's Sitemap: lines are still read).
  EXPECT_EQ(file->jobs.at(2).options.sitemaps, std::vector<std::string>{});
  EXPECT_TRUE(file->jobs.at(2).options.read_sitemaps);
}

TEST(JobsFileTest, EmptyJobListAndNullValues) {
  for (const std::string yaml : {"jobs: []\n", "jobs:\n"}) {
    SCOPED_TRACE(yaml);
    Result<JobsFile> file = ParseJobsFile(yaml, "jobs.yaml");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_TRUE(file->jobs.empty());
  }
  // `key:` with nothing after it is the key's default.
  Result<JobsFile> file = ParseJobsFile(
      "jobs:\n  - name: a\n    site: mfk\n    schedule: '@daily'\n    missed:\n    options:\n", "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->jobs.at(0).missed, MissedRunPolicy::kSkip);
}

TEST(JobsFileTest, ExportFormatFromExtension) {
  struct Case {
    std::string name, out;
    ExportFormat format;
  };
  const std::vector<Case> cases = {{"jsonl", "a.jsonl", ExportFormat::kJsonl},
                                   {"csv", "/tmp/b.csv", ExportFormat::kCsv}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Result<JobsFile> file = ParseJobsFile(
        "jobs:\n  - {name: a, site: mfk, schedule: '@daily', options: {export: {out: '" + c.out + "'}}}\n",
        "jobs.yaml");
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    EXPECT_EQ(file->jobs.at(0).options.export_to->format, c.format);
    EXPECT_EQ(file->jobs.at(0).options.export_to->out, c.out);  // no folder in "jobs.yaml": kept as given
  }
}

struct ErrorCase {
  std::string name;
  std::string yaml;
  std::string message;  // the whole Status message
};

// A one-job file with `extra` lines appended to the job and `schedule` as given.
std::string OneJob(const std::string& schedule_line, const std::string& extra = "") {
  return "jobs:\n  - name: mfk-nightly\n    site: mfk\n" + schedule_line + extra;
}

TEST(JobsFileTest, ErrorsPointAtLineAndColumn) {
  const std::string kSchedule = "    schedule: '0 3 * * *'\n";
  const std::vector<ErrorCase> cases = {
      {"cron error in a plain scalar points at the field", OneJob("    schedule: 0 25 * * *\n"),
       "jobs.yaml:4:17: schedule: field 2 (hour) \"25\": value out of range 0-23"},
      {"cron error in a quoted scalar skips the quote", OneJob("    schedule: \"0 3 * * MOON\"\n"),
       "jobs.yaml:4:24: schedule: field 5 (day-of-week) \"MOON\": expected a number 0-7 or a day name SUN-SAT"},
      {"cron that never fires", OneJob("    schedule: '0 0 30 2 *'\n"),
       "jobs.yaml:4:20: schedule: field 3 (day-of-month) \"30\": no such day in the selected months, so the "
       "schedule would never fire"},
      {"cron with too few fields", OneJob("    schedule: '0 3 * *'\n"),
       "jobs.yaml:4:23: schedule: expected 5 fields (minute hour day-of-month month day-of-week), found 4"},
      {"unknown job key with a suggestion", OneJob(kSchedule, "    schedul: x\n"),
       "jobs.yaml:5:5: unknown key 'schedul' in a job; did you mean 'schedule'? (known: name, site, schedule, "
       "time_zone, missed, options, paused)"},
      {"unknown top-level key", "job:\n  - name: a\n", "jobs.yaml:1:1: unknown key 'job'; did you mean 'jobs'?"},
      {"missing jobs", "{}\n", "jobs.yaml:1:1: missing 'jobs'"},
      {"empty file", "", "jobs.yaml:1:1: the file is empty; expected a map with a 'jobs' list"},
      {"jobs not a list", "jobs: {name: a}\n", "jobs.yaml:1:7: 'jobs' must be a list"},
      {"job not a map", "jobs:\n  - mfk\n", "jobs.yaml:2:5: job 1 must be a map"},
      {"missing schedule", "jobs:\n  - name: a\n    site: mfk\n", "jobs.yaml:2:5: job 1 is missing 'schedule'"},
      {"missing name in the second job", "jobs:\n  - {name: a, site: mfk, schedule: '@daily'}\n  - site: mfk\n",
       "jobs.yaml:3:5: job 2 is missing 'name'"},
      {"duplicate names",
       "jobs:\n  - {name: a, site: mfk, schedule: '@daily'}\n  - {name: a, site: xywy, schedule: '@hourly'}\n",
       "jobs.yaml:3:12: duplicate job name 'a' (first defined at line 2)"},
      {"duplicate key", OneJob(kSchedule, "    site: xywy\n"),
       "jobs.yaml:5:5: key 'site' given twice (first at line 3)"},
      {"bad job name", "jobs:\n  - {name: 'my job', site: mfk, schedule: '@daily'}\n",
       "jobs.yaml:2:12: job name 'my job' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter "
       "or digit"},
      {"bad site key", "jobs:\n  - {name: a, site: MFK, schedule: '@daily'}\n",
       "jobs.yaml:2:21: site 'MFK' is not a selector config key ([a-z0-9_-]+)"},
      {"unknown time zone", OneJob(kSchedule, "    time_zone: Asia/Shangai\n"),
       "jobs.yaml:5:16: unknown time zone 'Asia/Shangai'"},
      {"bad missed policy", OneJob(kSchedule, "    missed: sometimes\n"),
       "jobs.yaml:5:13: missed must be skip or run_once, not 'sometimes'"},
      {"paused must be a YAML 1.2 boolean", OneJob(kSchedule, "    paused: yes\n"),
       "jobs.yaml:5:13: paused must be true or false, not 'yes'"},
      {"negative max_pages", OneJob(kSchedule, "    options:\n      max_pages: -1\n"),
       "jobs.yaml:6:18: max_pages must be a whole number >= 0 (0: unlimited), not '-1'"},
      {"max_pages not a number", OneJob(kSchedule, "    options: {max_pages: lots}\n"),
       "jobs.yaml:5:26: max_pages must be a whole number >= 0 (0: unlimited), not 'lots'"},
      {"bad recrawl", OneJob(kSchedule, "    options: {recrawl: some}\n"),
       "jobs.yaml:5:24: recrawl must be due or all, not 'some'"},
      {"unknown option", OneJob(kSchedule, "    options: {max_page: 3}\n"),
       "jobs.yaml:5:15: unknown key 'max_page' in options; did you mean 'max_pages'? (known: max_pages, "
       "recrawl, export, start_urls, delay, concurrency, sitemaps, request, webhook)"},
      {"options not a map", OneJob(kSchedule, "    options: [1]\n"),
       "jobs.yaml:5:14: options must be a map (max_pages, recrawl, export, start_urls, delay, concurrency, "
       "sitemaps, request, webhook)"},
      {"start_urls not a list", OneJob(kSchedule, "    options: {start_urls: 'https://www.mfk.com/'}\n"),
       "jobs.yaml:5:27: start_urls must be a list of http(s) URLs"},
      {"start_urls empty", OneJob(kSchedule, "    options: {start_urls: []}\n"),
       "jobs.yaml:5:27: start_urls is empty; leave it out to use the site config's"},
      {"start URL not http(s), the second item", OneJob(kSchedule, "    options:\n      start_urls:\n"
                                                                   "        - https://www.mfk.com/\n"
                                                                   "        - ftp://www.mfk.com/\n"),
       "jobs.yaml:8:11: start_urls: 'ftp://www.mfk.com/' is not an absolute http(s) URL"},
      {"relative start URL", OneJob(kSchedule, "    options: {start_urls: [/list/guke.html]}\n"),
       "jobs.yaml:5:28: start_urls: '/list/guke.html' is not an absolute http(s) URL"},
      {"start URL with credentials", OneJob(kSchedule, "    options: {start_urls: ['http://u:p@mfk.com/']}\n"),
       "jobs.yaml:5:28: start_urls: 'http://u:p@mfk.com/' carries credentials (user:pass@), which are never sent"},
      {"negative delay", OneJob(kSchedule, "    options: {delay: -1}\n"),
       "jobs.yaml:5:22: delay must be a number of seconds from 0 to 3600, not '-1'"},
      {"delay over an hour", OneJob(kSchedule, "    options: {delay: 3601}\n"),
       "jobs.yaml:5:22: delay must be a number of seconds from 0 to 3600, not '3601'"},
      {"delay not a number", OneJob(kSchedule, "    options: {delay: nan}\n"),
       "jobs.yaml:5:22: delay must be a number of seconds from 0 to 3600, not 'nan'"},
      {"delay with a unit", OneJob(kSchedule, "    options: {delay: 2s}\n"),
       "jobs.yaml:5:22: delay must be a number of seconds from 0 to 3600, not '2s'"},
      {"concurrency 0", OneJob(kSchedule, "    options: {concurrency: 0}\n"),
       "jobs.yaml:5:28: concurrency must be a whole number from 1 to 64, not '0'"},
      {"concurrency 65", OneJob(kSchedule, "    options: {concurrency: 65}\n"),
       "jobs.yaml:5:28: concurrency must be a whole number from 1 to 64, not '65'"},
      {"sitemaps true-ish", OneJob(kSchedule, "    options: {sitemaps: no}\n"),
       "jobs.yaml:5:25: sitemaps must be a list of sitemap URLs, or false (no sitemaps at all)"},
      {"sitemap not a URL", OneJob(kSchedule, "    options: {sitemaps: [sitemap.xml]}\n"),
       "jobs.yaml:5:26: sitemaps: 'sitemap.xml' is not an absolute http(s) URL"},
      {"sitemap entry a map", OneJob(kSchedule, "    options: {sitemaps: [{url: x}]}\n"),
       "jobs.yaml:5:26: sitemaps entry must be a single value"},
      {"bad export format", OneJob(kSchedule, "    options: {export: {format: xml, out: a.xml}}\n"),
       "jobs.yaml:5:32: export format must be jsonl or csv, not 'xml'"},
      {"export format not inferable", OneJob(kSchedule, "    options: {export: {out: a.txt}}\n"),
       "jobs.yaml:5:23: export needs a format (jsonl or csv); it cannot be told from 'a.txt'"},
      {"export without out", OneJob(kSchedule, "    options: {export: {format: csv}}\n"),
       "jobs.yaml:5:23: export is missing 'out' (the output file)"},
      {"unknown placeholder", OneJob(kSchedule, "    options: {export: {out: 'x/{jobb}.csv'}}\n"),
       "jobs.yaml:5:32: unknown placeholder {jobb} in export path (known: {job} {site} {date} {time})"},
      {"unbalanced brace", OneJob(kSchedule, "    options: {export: {out: 'x/{job.csv'}}\n"),
       "jobs.yaml:5:32: unbalanced brace in export path 'x/{job.csv'"},
      {"schedule not a scalar", OneJob("    schedule: [0, 3]\n"), "jobs.yaml:4:15: schedule must be a single value"},
      {"YAML syntax error", "jobs:\n  - name: a\n   site: [\n", "jobs.yaml:3:4: end of sequence not found"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    Result<JobsFile> file = ParseJobsFile(c.yaml, "jobs.yaml");
    ASSERT_FALSE(file.ok()) << c.yaml;
    EXPECT_EQ(file.status().code(), StatusCode::kConfigError);
    EXPECT_EQ(file.status().message(), c.message) << c.yaml;
  }
}

TEST(JobsFileTest, LoadFromDiskResolvesExportAgainstTheFilesFolder) {
  hc::testing::TempDir dir;
  hc::testing::WriteFile(dir / "jobs.yaml",
                         "jobs:\n  - name: a\n    site: mfk\n    schedule: '@daily'\n"
                         "    options: {export: {out: 'out/{site}.jsonl'}}\n");
  Result<JobsFile> file = LoadJobsFile(dir / "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->file, (dir / "jobs.yaml").string());
  EXPECT_EQ(file->jobs.at(0).options.export_to->out, dir.path() / "out/{site}.jsonl");

  Result<JobsFile> missing = LoadJobsFile(dir / "nope.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);

  hc::testing::WriteFile(dir / "bad.yaml", "jobs:\n  - {name: a, site: mfk, schedule: '@often'}\n");
  Result<JobsFile> bad = LoadJobsFile(dir / "bad.yaml");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), (dir / "bad.yaml").string() +
                                        ":2:37: schedule: \"@often\": unknown macro; known: @yearly @annually "
                                        "@monthly @weekly @daily @midnight @hourly");
}

TEST(JobsFileTest, CheckSitesPointsAtTheSite) {
  Result<JobsFile> file = ParseJobsFile(
      "jobs:\n  - {name: a, site: mfk, schedule: '@daily'}\n  - name: b\n    site: haodf\n    schedule: '@daily'\n",
      "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_TRUE(CheckSites(*file, {"mfk", "haodf"}).ok());
  Status missing = CheckSites(*file, {"mfk", "xywy"});
  EXPECT_EQ(missing.code(), StatusCode::kConfigError);
  EXPECT_EQ(missing.message(), "jobs.yaml:4:11: job 'b': no selector config for site 'haodf' (known: mfk, xywy)");
  EXPECT_EQ(CheckSites(*file, {}).message(),
            "jobs.yaml:2:21: job 'a': no selector config for site 'mfk' (known: none)");
}

TEST(JobsFileTest, ExpandExportPath) {
  Result<JobsFile> file = ParseJobsFile(
      "jobs:\n"
      "  - {name: sh, site: mfk, schedule: '@daily', time_zone: Asia/Shanghai,\n"
      "     options: {export: {out: '/data/{site}/{job}-{date}T{time}.jsonl'}}}\n"
      "  - {name: plain, site: mfk, schedule: '@daily', options: {export: {out: /data/all.csv}}}\n"
      "  - {name: none, site: mfk, schedule: '@daily'}\n",
      "jobs.yaml");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  // 2026-03-01T18:30:00Z is already 02:30 on March 2 in Shanghai: the date is the job's local date.
  TimePoint when = At("2026-03-01T18:30:05Z");
  EXPECT_EQ(ExpandExportPath(*file->Find("sh"), when), "/data/mfk/sh-2026-03-02T023005.jsonl");
  EXPECT_EQ(ExpandExportPath(*file->Find("plain"), when), "/data/all.csv");
  EXPECT_EQ(ExpandExportPath(*file->Find("none"), when), "");
}

TEST(JobsFileTest, PolicyNames) {
  EXPECT_EQ(ToString(MissedRunPolicy::kSkip), "skip");
  EXPECT_EQ(ToString(MissedRunPolicy::kRunOnce), "run_once");
  EXPECT_EQ(ToString(RecrawlPolicy::kDue), "due");
  EXPECT_EQ(ToString(RecrawlPolicy::kAll), "all");
  EXPECT_EQ(ToString(ExportFormat::kJsonl), "jsonl");
  EXPECT_EQ(ToString(ExportFormat::kCsv), "csv");
}

}  // namespace
}  // namespace hc::schedule
