// WarcWriter: WARC 1.1 response records (https://iipc.github.io/warc-specifications/specifications/
// warc-format/warc-1.1/), one gzip member per record when gzip is on, as the specification's annex on
// compression recommends, so that a reader can seek to any record.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <system_error>

#include "store/sqlite_internal.h"
#include "store/digest.h"
#include "store/warc.h"

namespace hc::store {
namespace {

std::string ErrnoText(int err) { return std::error_code(err, std::generic_category()).message(); }

std::string ReasonPhrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 410: return "Gone";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
  }
}

// A header name or value with CR and LF replaced, so a stored header can never end the block early.
std::string HeaderSafe(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string NewRecordId(std::mt19937_64& rng) {
  // A version 4 (random) UUID, RFC 9562 section 5.4.
  unsigned char b[16];
  for (int i = 0; i < 16; i += 8) {
    uint64_t r = rng();
    for (int j = 0; j < 8; ++j) b[i + j] = static_cast<unsigned char>(r >> (8 * j));
  }
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  std::string hex = HexLower(std::string_view(reinterpret_cast<const char*>(b), 16));
  return "<urn:uuid:" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20) + ">";
}

std::string CompactUtc(TimePoint t) {
  std::string iso = FormatUtc(t);  // 2026-03-01T02:00:00Z
  std::string out;
  for (char c : iso) {
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
  }
  return out;
}

Result<std::string> Gzip(std::string_view data) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::Internal("zlib: deflateInit2 failed");
  }
  std::string out(deflateBound(&zs, data.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) return Status::Internal("zlib: deflate did not finish");
  return out;
}

}  // namespace

struct WarcWriter::Rep {
  WarcOptions options;
  std::mt19937_64 rng{std::random_device{}()};
  int fd = -1;
  std::filesystem::path file;
  uint64_t file_bytes = 0;
  int file_number = 0;

  ~Rep() {
    if (fd >= 0) ::close(fd);
  }

  Status WriteAll(std::string_view bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::IoError("cannot write " + file.string() + ": " + ErrnoText(errno));
      }
      off += static_cast<size_t>(n);
    }
    file_bytes += bytes.size();
    return Status::Ok();
  }

  Status WriteRecord(const std::string& header_fields, std::string_view block) {
    std::string record = "WARC/1.1\r\n" + header_fields + "Content-Length: " + std::to_string(block.size()) +
                         "\r\n\r\n";
    record.append(block);
    record += "\r\n\r\n";
    if (!options.gzip) return WriteAll(record);
    auto gz = Gzip(record);
    if (!gz.ok()) return gz.status();
    return WriteAll(*gz);
  }

  Status OpenNext() {
    if (fd >= 0) {
      if (::close(fd) != 0) return Status::IoError("cannot close " + file.string() + ": " + ErrnoText(errno));
      fd = -1;
    }
    const std::string stamp = CompactUtc(std::chrono::system_clock::now());
    file = options.dir / (options.prefix + "-" + stamp + "-" + std::to_string(::getpid()) + "-" +
                          std::to_string(file_number++) + (options.gzip ? ".warc.gz" : ".warc"));
    fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) return Status::IoError("cannot create " + file.string() + ": " + ErrnoText(errno));
    file_bytes = 0;
    const std::string fields = "software: " + HeaderSafe(options.software) +
                               "\r\nformat: WARC File Format 1.1\r\n"
                               "conformsTo: https://iipc.github.io/warc-specifications/specifications/"
                               "warc-format/warc-1.1/\r\n";
    const std::string header = "WARC-Type: warcinfo\r\nWARC-Record-ID: " + NewRecordId(rng) +
                               "\r\nWARC-Date: " + FormatUtc(std::chrono::system_clock::now()) +
                               "\r\nWARC-Filename: " + file.filename().string() +
                               "\r\nContent-Type: application/warc-fields\r\n";
    return WriteRecord(header, fields);
  }
};

WarcWriter::WarcWriter(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
WarcWriter::~WarcWriter() = default;

Result<std::unique_ptr<WarcWriter>> WarcWriter::Create(const WarcOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return Status::IoError("cannot create " + options.dir.string() + ": " + ec.message());
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  HC_RETURN_IF_ERROR(rep->OpenNext());
  return std::unique_ptr<WarcWriter>(new WarcWriter(std::move(rep)));
}

Status WarcWriter::WriteResponse(const RawResponse& r) {
  if (rep_->fd < 0) return Status::IoError("the WARC writer is closed");
  if (r.status <= 0) return Status::InvalidArgument(r.url + ": no HTTP response to archive");
  if (rep_->file_bytes >= rep_->options.max_file_bytes) HC_RETURN_IF_ERROR(rep_->OpenNext());

  std::string block = "HTTP/1.1 " + std::to_string(r.status) + " " + ReasonPhrase(r.status) + "\r\n";
  for (const auto& [name, value] : r.headers) {
    // The body is stored decoded and whole, so the headers that describe its transfer no longer hold.
    if (IEquals(name, "Content-Encoding") || IEquals(name, "Transfer-Encoding") ||
        IEquals(name, "Content-Length")) {
      continue;
    }
    block += HeaderSafe(name) + ": " + HeaderSafe(value) + "\r\n";
  }
  block += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
  block += r.body;

  const std::string header = "WARC-Type: response\r\nWARC-Record-ID: " + NewRecordId(rep_->rng) +
                             "\r\nWARC-Date: " + FormatUtc(r.fetched_at) +
                             "\r\nWARC-Target-URI: " + HeaderSafe(r.url) +
                             "\r\nContent-Type: application/http;msgtype=response" +
                             "\r\nWARC-Payload-Digest: sha1:" + Base32(Sha1(r.body)) +
                             "\r\nWARC-Block-Digest: sha1:" + Base32(Sha1(block)) + "\r\n";
  return rep_->WriteRecord(header, block);
}

Status WarcWriter::Close() {
  if (rep_->fd < 0) return Status::Ok();
  int rc = ::close(rep_->fd);
  rep_->fd = -1;
  if (rc != 0) return Status::IoError("cannot close " + rep_->file.string() + ": " + ErrnoText(errno));
  return Status::Ok();
}

const std::filesystem::path& WarcWriter::current_file() const { return rep_->file; }

}  // namespace hc::store
