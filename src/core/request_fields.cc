#include "core/request_fields.h"

#include <string>

#include "core/text.h"

namespace hc {
namespace {

constexpr std::size_t kMaxNameBytes = 256;
constexpr std::size_t kMaxValueBytes = 8 * 1024;

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}


}  // namespace

bool IsHeaderName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  for (char c : name) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

Status CheckHeaderValue(std::string_view name, std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return Status::InvalidArgument("header " + std::string(name) + ": the value is longer than 8 KiB");
  }
  if (value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return Status::InvalidArgument("header " + std::string(name) + ": the value holds a line break or NUL");
  }
  return Status::Ok();
}

Result<HeaderField> ParseHeaderField(std::string_view line) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return Status::InvalidArgument("header '" + std::string(line.substr(0, 80)) + "' is not 'Name: value'");
  }
  const std::string_view name = line.substr(0, colon);
  if (!IsHeaderName(name)) {
    return Status::InvalidArgument("header name '" + std::string(name.substr(0, 80)) +
                                   "' is not a token (letters, digits and !#$%&'*+-.^_`|~, no spaces)");
  }
  const std::string_view value = TrimSpacesAndTabs(line.substr(colon + 1));
  if (Status s = CheckHeaderValue(name, value); !s.ok()) return s;
  return HeaderField{std::string(name), std::string(value)};
}

Status CheckProxy(std::string_view proxy) {
  if (proxy.empty()) return Status::Ok();
  const std::string quoted = "'" + std::string(proxy.substr(0, 80)) + "'";
  if (proxy.size() > 2048) return Status::InvalidArgument("proxy " + quoted + "... is longer than 2 KiB");
  for (unsigned char c : proxy) {
    if (c <= ' ' || c == 0x7f) return Status::InvalidArgument("proxy " + quoted + " holds a space or control character");
  }
  std::string_view rest = proxy;
  if (const std::size_t sep = proxy.find("://"); sep != std::string_view::npos) {
    const std::string scheme = AsciiLowered(proxy.substr(0, sep));
    constexpr std::string_view kSchemes[] = {"http", "https", "socks4", "socks4a", "socks5", "socks5h"};
    bool known = false;
    for (std::string_view k : kSchemes) known = known || scheme == k;
    if (!known) {
      return Status::InvalidArgument("proxy " + quoted +
                                     ": the scheme must be http, https, socks4, socks4a, socks5 or socks5h");
    }
    rest = proxy.substr(sep + 3);
  }
  if (rest.empty() || rest.front() == ':' || rest.front() == '/') {
    return Status::InvalidArgument("proxy " + quoted + " names no host (expected [scheme://]host[:port])");
  }
  return Status::Ok();
}

}  // namespace hc
