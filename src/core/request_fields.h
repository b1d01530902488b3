// Request settings given by a user (`--header 'Name: value'`, `--proxy URL`, a config's or a job's
// `request:` block), checked where they are read so that nothing malformed reaches libcurl.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace hc {

using HeaderField = std::pair<std::string, std::string>;

// A field name is an RFC 9110 token (letters, digits and !#$%&'*+-.^_`|~), at most 256 bytes.
bool IsHeaderName(std::string_view name);

// A field value has no CR, LF or NUL (which would let it start another header) and at most 8 KiB;
// the whitespace around it is not part of it.
Status CheckHeaderValue(std::string_view name, std::string_view value);

// "Name: value" -> {"Name", "value"}; the value is trimmed and may be empty ("Name:"), which removes
// a header the fetcher would send itself. InvalidArgument saying what is wrong otherwise.
Result<HeaderField> ParseHeaderField(std::string_view line);

// A proxy as libcurl's CURLOPT_PROXY takes it: "" (no proxy, even if http_proxy is set), or
// [scheme://]host[:port][/] with scheme http, https, socks4, socks4a, socks5 or socks5h (none: http).
// No spaces or control characters, at most 2 KiB. InvalidArgument saying what is wrong otherwise.
Status CheckProxy(std::string_view proxy);

}  // namespace hc
