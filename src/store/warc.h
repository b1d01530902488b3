// store/warc.h: WARC output (ISO 28500:2017), written from RawResponses, independent of any backend.
//
// Thread-safety: a WarcWriter is used by one thread at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/status.h"
#include "store/archive.h"

namespace hc::store {

struct WarcOptions {
  std::filesystem::path dir{};            // created when missing
  std::string prefix = "healthcrawl";   // file names: <prefix>-<UTC time>-<pid>-<n>.warc.gz
  bool gzip = true;                     // one gzip member per record (.warc.gz), else plain .warc
  uint64_t max_file_bytes = 1ull << 30; // start a new file past this size
  std::string software = "healthcrawl/0.1";
};

// Writes responses as WARC 1.1 `response` records (ISO 28500:2017; the WARC 1.1 specification):
// WARC-Target-URI, WARC-Date, WARC-Record-ID (a random UUID URN), Content-Type
// application/http;msgtype=response, Content-Length, WARC-Payload-Digest and WARC-Block-Digest
// (sha1 in RFC 4648 base32; store/digest.h). Each file opens with a `warcinfo` record. The
// HTTP header block is rebuilt from the stored headers; Content-Encoding and Transfer-Encoding are
// dropped and Content-Length set, because the stored body is already decoded.
class WarcWriter {
 public:
  static Result<std::unique_ptr<WarcWriter>> Create(const WarcOptions& options);
  ~WarcWriter();
  WarcWriter(const WarcWriter&) = delete;
  WarcWriter& operator=(const WarcWriter&) = delete;

  Status WriteResponse(const RawResponse& response);
  Status Close();
  const std::filesystem::path& current_file() const;

  struct Rep;

 private:
  explicit WarcWriter(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_{};
};

}  // namespace hc::store
