// The test server's gzip bomb (hc::testing::GzipBombOfZeros), which the crawl fault table serves
// expanded to 1 GiB: checked here to be a valid gzip member of exactly the announced expansion (zlib
// verifies the CRC-32 and ISIZE trailer), so the fault test's "too large" really comes from the body
// limit and not from a broken stream; and the fetcher stops inflating at its limit.
#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>
#include <string>

#include "net/fetcher.h"
#include "support/http_server.h"
#include "support/parsed_url.h"

namespace hc::net {
namespace {

using hc::testing::HttpResponse;
using hc::testing::HttpServer;
using std::chrono::milliseconds;

constexpr std::size_t kMiB = 1024 * 1024;

// Inflates a gzip member completely, counting the output and checking that it is all zeros. False
// when zlib reports an error (a bad block, a wrong CRC-32 or ISIZE).
bool InflateZeros(const std::string& gz, std::size_t* expanded, bool* all_zero) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + 15) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out(256 * 1024, '\1');
  *expanded = 0;
  *all_zero = true;
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    const std::size_t n = out.size() - zs.avail_out;
    *expanded += n;
    for (std::size_t i = 0; i < n && *all_zero; ++i) *all_zero = out[i] == '\0';
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

TEST(GzipBomb, IsAValidGzipMemberOfTheAnnouncedSize) {
  struct Case {
    const char* name;
    std::size_t requested;
    std::size_t expanded;
  };
  const Case cases[] = {
      {"one MiB", kMiB, kMiB},
      {"rounded up to whole MiB", 3 * kMiB + 1, 4 * kMiB},
      {"64 MiB", 64 * kMiB, 64 * kMiB},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string bomb = hc::testing::GzipBombOfZeros(c.requested);
    std::size_t expanded = 0;
    bool all_zero = false;
    ASSERT_TRUE(InflateZeros(bomb, &expanded, &all_zero));
    EXPECT_EQ(expanded, c.expanded);
    EXPECT_TRUE(all_zero);
    EXPECT_LT(bomb.size(), c.expanded / 500) << "a bomb must be small";
  }
  // The crawl table's 1 GiB bomb is about 1 MB (not inflated here: that is its point).
  EXPECT_LT(hc::testing::GzipBombOfZeros(1024 * kMiB).size(), 2 * kMiB);
}

TEST(GzipBomb, TheFetcherStopsInflatingAtTheBodyLimit) {
  HttpServer server;
  server.Route("/bomb", HttpResponse{.headers = {{"Content-Type", "text/html"}, {"Content-Encoding", "gzip"}},
                                     .body = hc::testing::GzipBombOfZeros(256 * kMiB)});
  FetcherOptions options;
  options.allow_private_addresses = true;
  options.proxy = "";
  options.total_timeout = milliseconds(10'000);
  options.max_body_bytes = 4 * kMiB;
  auto fetcher = NewCurlFetcher(options);
  ASSERT_TRUE(fetcher.ok());
  (*fetcher)->Submit({.url = hc::testing::ParsedUrl(server.Url("/bomb")), .context_id = 1});
  std::vector<FetchResult> results;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (results.empty() && std::chrono::steady_clock::now() < deadline) {
    results = (*fetcher)->Perform(milliseconds(200));
  }
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].error, FetchError::kTooLarge) << results[0].error_message;
  EXPECT_LE(results[0].body.size(), 4 * kMiB);
}

}  // namespace
}  // namespace hc::net
