// FetchResult helpers, error classification and response header parsing.

#include <curl/curl.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "core/text.h"
#include "net/fetcher_internal.h"

namespace hc::net {
namespace {

}  // namespace

std::string_view FetchErrorName(FetchError error) {
  switch (error) {
    case FetchError::kNone: return "none";
    case FetchError::kBadUrl: return "bad_url";
    case FetchError::kRefusedAddress: return "refused_address";
    case FetchError::kDns: return "dns";
    case FetchError::kConnect: return "connect";
    case FetchError::kTls: return "tls";
    case FetchError::kTimeout: return "timeout";
    case FetchError::kReset: return "reset";
    case FetchError::kTruncated: return "truncated";
    case FetchError::kProtocol: return "protocol";
    case FetchError::kTooLarge: return "too_large";
    case FetchError::kOther: return "other";
  }
  return "other";
}

bool IsTransient(FetchError error) {
  switch (error) {
    case FetchError::kDns:
    case FetchError::kConnect:
    case FetchError::kTimeout:
    case FetchError::kReset:
    case FetchError::kTruncated: return true;
    default: return false;
  }
}

std::optional<std::string_view> FetchResult::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoringAsciiCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> FetchResult::HeaderValues(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoringAsciiCase(key, name)) out.emplace_back(value);
  }
  return out;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value, TimePoint now) {
  value = TrimAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    long long seconds = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;  // overflow
    return std::chrono::seconds(seconds);
  }
  // An HTTP-date; curl_getdate accepts the IMF-fixdate and the two obsolete forms RFC 9110 5.6.7
  // requires recipients to understand.
  std::time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when == -1) return std::nullopt;
  auto wait = std::chrono::system_clock::from_time_t(when) - now;
  return std::max(std::chrono::seconds(0), std::chrono::ceil<std::chrono::seconds>(wait));
}

namespace fetcher_internal {

FetchError ClassifyCurlError(const TransferFailure& failure) {
  switch (failure.code) {
    case CURLE_OK: return FetchError::kNone;
    case CURLE_UNSUPPORTED_PROTOCOL:
      // Submit refuses every scheme but http(s) before libcurl sees the URL, so once connected this
      // is the server's reply: "Received HTTP/0.9 when not allowed", "Unsupported HTTP version in
      // response" (a garbage status line).
      return failure.connected ? FetchError::kProtocol : FetchError::kBadUrl;
    case CURLE_URL_MALFORMAT:
    case CURLE_NOT_BUILT_IN:
    case CURLE_LOGIN_DENIED: return FetchError::kBadUrl;  // CURLOPT_DISALLOW_USERNAME_IN_URL: userinfo
    case CURLE_OUT_OF_MEMORY:
      // libcurl 7.88 refuses a single header line over CURL_MAX_HTTP_HEADER (100 KiB) with this code
      // and no message (lib/dynbuf.c), before the header callback sees the line.
      return failure.connected && !failure.body_started ? FetchError::kTooLarge : FetchError::kOther;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY: return FetchError::kDns;
    case CURLE_PROXY:  // the proxy refused or failed the CONNECT (a handshake, not the site)
    case CURLE_QUIC_CONNECT_ERROR: return FetchError::kConnect;
    case CURLE_COULDNT_CONNECT:
      // The filter makes libcurl's socket opening fail, which libcurl reports as a failed connect.
      return failure.refused_address ? FetchError::kRefusedAddress : FetchError::kConnect;
    case CURLE_OPERATION_TIMEDOUT: return FetchError::kTimeout;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CLIENTCERT: return FetchError::kTls;
    case CURLE_WRITE_ERROR: return failure.too_large ? FetchError::kTooLarge : FetchError::kOther;
    case CURLE_FILESIZE_EXCEEDED: return FetchError::kTooLarge;
    case CURLE_PARTIAL_FILE: return FetchError::kTruncated;
    case CURLE_RECV_ERROR:
      // libcurl (lib/http_chunks.c, 7.88) reports malformed chunked framing as a receive error
      // whose message says "chunk"; that is the server speaking bad HTTP, not a broken connection.
      if (failure.curl_message.find("hunk") != std::string_view::npos) return FetchError::kProtocol;
      return FetchError::kReset;
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING: return FetchError::kReset;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_RANGE_ERROR: return FetchError::kProtocol;
    default: return FetchError::kOther;
  }
}

void AddHeaderLine(std::string_view line, HeaderList* headers) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    headers->clear();  // a new response begins: the previous block was interim (1xx) or a proxy's
    return;
  }
  if (line.empty()) return;  // the end of a block
  if ((line.front() == ' ' || line.front() == '\t') && !headers->empty()) {
    std::string& value = headers->back().second;
    std::string_view more = TrimAsciiWhitespace(line);
    if (!more.empty()) {
      if (!value.empty()) value += ' ';
      value += more;
    }
    return;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return;  // not a field line: ignore, as curl does
  std::string name = AsciiLowered(TrimAsciiWhitespace(line.substr(0, colon)));
  headers->emplace_back(std::move(name), std::string(TrimAsciiWhitespace(line.substr(colon + 1))));
}

}  // namespace fetcher_internal
}  // namespace hc::net
