// The crash hook of the poison-page tests (src/crawl/poison_hook.cc) exists only in the test build of
// the crawl stage: the healthcrawl binary and the hc_crawl library lack its trigger string, which the
// test build (hc_crawl_crash_hooks) has — the control that shows the search can find it.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace {

bool FileHas(const std::string& path, const std::string& needle) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return bytes.find(needle) != std::string::npos;
}

TEST(CrashHook, ProductBinaryLacksIt) {
  // Built from parts, so that this test's own binary does not hold the whole string either.
  const std::string trigger = std::string("HC_TEST_CRASH_") + "ON_PARSE";
  struct Case {
    const char* file;
    bool has;
  };
  const Case cases[] = {
      {HC_CLI_PATH, false},
      {HC_CRAWL_LIB, false},
      {HC_CRAWL_HOOKS_LIB, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    EXPECT_EQ(FileHas(c.file, trigger), c.has);
  }
}

}  // namespace
