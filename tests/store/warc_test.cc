// SHA-1 and base32 against their standards' test vectors, and WARC files that an independent reader
// (a small Python parser using only the standard library) parses and verifies digest by digest.
#include <gtest/gtest.h>

#include <random>

#include "store/page_builders.h"
#include "store/digest.h"
#include "store/warc.h"
#include "support/test_env.h"

namespace hc::store {
namespace {

TEST(DigestTest, Sha1MatchesFips180Vectors) {
  struct Case {
    std::string name, input, hex;
  };
  const std::vector<Case> cases = {
      {"empty", "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {"abc", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"448 bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {"896 bits",
       "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
       "nopqrstu",
       "a49b2446a02c645bf419f995b67091253a04a259"},
      {"a million a", std::string(1000000, 'a'), "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
      {"55 bytes (padding fits)", std::string(55, 'x'), ""},
      {"56 bytes (padding spills)", std::string(56, 'x'), ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string digest = Sha1(c.input);
    EXPECT_EQ(digest.size(), 20u);
    if (!c.hex.empty()) {
      EXPECT_EQ(HexLower(digest), c.hex);
    }
  }
  // The two padding boundary cases against Python's hashlib.
  std::string out;
  ASSERT_EQ(hc::testing::RunCommand(
                "python3 -c \"import hashlib;print(hashlib.sha1(b'x'*55).hexdigest(),hashlib.sha1(b'x'*56).hexdigest())\"",
                &out),
            0);
  EXPECT_EQ(out, HexLower(Sha1(std::string(55, 'x'))) + " " + HexLower(Sha1(std::string(56, 'x'))) + "\n");
}

TEST(DigestTest, Base32MatchesRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},         {"f", "MY======"},         {"fo", "MZXQ===="},         {"foo", "MZXW6==="},
      {"foob", "MZXW6YQ="}, {"fooba", "MZXW6YTB"}, {"foobar", "MZXW6YTBOI======"}};
  for (const auto& [in, out] : cases) {
    SCOPED_TRACE(in);
    EXPECT_EQ(Base32(in), out);
  }
  EXPECT_EQ(Base32(Sha1("abc")).size(), 32u);  // a sha1 in base32 has no padding
}

// Parses every record of a WARC file (gzip members or plain), checks the WARC 1.1 named fields and
// recomputes both digests. Prints one line per response record: URI, date, payload length.
constexpr const char* kWarcCheck = R"py(
import base64, gzip, hashlib, re, sys, uuid
path = sys.argv[1]
data = open(path, 'rb').read()
if path.endswith('.gz'):
    data = gzip.decompress(data)  # concatenated members decompress as one stream
pos = 0
types = []
while pos < len(data):
    end = data.index(b'\r\n\r\n', pos)
    head = data[pos:end].decode('utf-8').split('\r\n')
    assert head[0] == 'WARC/1.1', head[0]
    fields = {}
    for line in head[1:]:
        k, v = line.split(': ', 1)
        fields[k] = v
    n = int(fields['Content-Length'])
    block = data[end + 4:end + 4 + n]
    assert len(block) == n
    assert data[end + 4 + n:end + 8 + n] == b'\r\n\r\n'
    pos = end + 8 + n
    rid = fields['WARC-Record-ID']
    assert rid.startswith('<urn:uuid:') and rid.endswith('>')
    assert uuid.UUID(rid[10:-1]).version == 4
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ', fields['WARC-Date'])
    types.append(fields['WARC-Type'])
    if fields['WARC-Type'] != 'response':
        continue
    assert fields['Content-Type'] == 'application/http;msgtype=response'
    def digest(b):
        return 'sha1:' + base64.b32encode(hashlib.sha1(b).digest()).decode()
    assert fields['WARC-Block-Digest'] == digest(block)
    http_head, payload = block.split(b'\r\n\r\n', 1)
    assert fields['WARC-Payload-Digest'] == digest(payload)
    status = http_head.split(b'\r\n')[0]
    assert re.fullmatch(rb'HTTP/1\.1 \d{3} .+', status), status
    cl = [l for l in http_head.split(b'\r\n') if l.lower().startswith(b'content-length:')]
    assert int(cl[0].split(b':')[1]) == len(payload)
    print(fields['WARC-Target-URI'], fields['WARC-Date'], len(payload))
assert types[0] == 'warcinfo', types
)py";

TEST(WarcTest, RecordsParseAndDigestsVerify) {
  for (bool gzip : {true, false}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    hc::testing::TempDir dir;
    hc::testing::WriteFile(dir / "check.py", kWarcCheck);
    WarcOptions options;
    options.dir = dir / "warc";
    options.gzip = gzip;
    auto writer = WarcWriter::Create(options);
    ASSERT_TRUE(writer.ok()) << writer.status().ToString();
    const std::string body = std::string("<html>中文 ") + '\0' + " \r\n\r\n end</html>";
    ASSERT_TRUE((*writer)
                    ->WriteResponse({"https://www.mfk.com/article/1.html",
                                     200,
                                     {{"Content-Type", "text/html; charset=utf-8"},
                                      {"Content-Encoding", "gzip"},
                                      {"X-Evil", "a\r\nWARC-Type: forged"}},
                                     body,
                                     testing::At("2026-03-01T02:00:00Z")})
                    .ok());
    ASSERT_TRUE((*writer)->WriteResponse({"https://www.mfk.com/missing", 404, {}, "", testing::At("2026-03-01T02:00:01Z")}).ok());
    EXPECT_EQ((*writer)->WriteResponse({"https://x/", 0, {}, "", {}}).code(), StatusCode::kInvalidArgument);
    const auto file = (*writer)->current_file();
    EXPECT_EQ(file.extension(), gzip ? ".gz" : ".warc");
    ASSERT_TRUE((*writer)->Close().ok());

    std::string out;
    int rc = hc::testing::RunCommand("python3 " + (dir / "check.py").string() + " " + file.string(), &out, true);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_EQ(out, "https://www.mfk.com/article/1.html 2026-03-01T02:00:00Z " + std::to_string(body.size()) +
                       "\nhttps://www.mfk.com/missing 2026-03-01T02:00:01Z 0\n");
  }
}

TEST(WarcTest, StartsANewFilePastTheSizeLimit) {
  hc::testing::TempDir dir;
  WarcOptions options;
  options.dir = dir.path();
  options.max_file_bytes = 1000;
  auto writer = WarcWriter::Create(options);
  ASSERT_TRUE(writer.ok());
  std::mt19937 rng(7);
  std::string noise(5000, '\0');
  for (char& c : noise) c = static_cast<char>(rng());  // incompressible, so each record passes the limit
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE((*writer)->WriteResponse({"https://a/" + std::to_string(i), 200, {}, noise, {}}).ok());
  }
  ASSERT_TRUE((*writer)->Close().ok());
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) files += e.path().extension() == ".gz";
  EXPECT_EQ(files, 5);
}

}  // namespace
}  // namespace hc::store
