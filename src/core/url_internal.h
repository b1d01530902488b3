// Internals of the URL module shared by url.cc (the basic URL parser), url_host.cc (the host parser)
// and url_normalize.cc (the dedupe key). Nothing here is part of the core API: callers use core/url.h.
//
// Every function works on UTF-8 bytes. That is equivalent to the standard's code points wherever it
// matters: percent-encoding is defined on the UTF-8 bytes of a code point, every percent-encode set
// contains every non-ASCII code point, and every delimiter the parser looks at is ASCII.
//
// Thread-safety: pure functions over their arguments (the IDNA mapper is an immutable ICU object).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace hc::url_internal {

// The percent-encode sets of https://url.spec.whatwg.org/#percent-encoded-bytes, each a superset of
// the one before it except that fragment and query are siblings on top of C0 control.
enum class EncodeSet : uint8_t {
  kC0Control = 1 << 0,
  kFragment = 1 << 1,
  kQuery = 1 << 2,
  kSpecialQuery = 1 << 3,
  kPath = 1 << 4,
  kUserinfo = 1 << 5,
  kComponent = 1 << 6,
};

// Membership of every byte in every set, as one bit per set.
extern const std::array<uint8_t, 256> kEncodeSetTable;

inline bool InEncodeSet(unsigned char byte, EncodeSet set) {
  return (kEncodeSetTable[byte] & static_cast<uint8_t>(set)) != 0;
}

// Appends `byte` to `out`, as "%XX" (uppercase hex) when it is in `set`.
inline void AppendEncoded(unsigned char byte, EncodeSet set, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  if (!InEncodeSet(byte, set)) {
    out.push_back(static_cast<char>(byte));
    return;
  }
  const char escape[3] = {'%', kHex[byte >> 4], kHex[byte & 0xF]};
  out.append(escape, 3);
}

inline void AppendEncoded(std::string_view bytes, EncodeSet set, std::string& out) {
  for (char c : bytes) AppendEncoded(static_cast<unsigned char>(c), set, out);
}

// The value of an ASCII hex digit, or -1.
inline int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The host parser (https://url.spec.whatwg.org/#host-parsing). On success writes the serialized host
// (a lowercase ASCII domain, dotted IPv4, bracketed IPv6, or an opaque host) to `out` and returns
// nullptr; on failure returns the reason, a static string.
const char* ParseHost(std::string_view input, bool is_opaque, std::string& out);

}  // namespace hc::url_internal
