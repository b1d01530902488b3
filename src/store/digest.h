// store/digest.h: the digests the store and WARC records use: SHA-1 (the body hash a revisit compares,
// the WARC digests), RFC 4648 base32 and lowercase hex.
//
// Thread-safety: reentrant.
#pragma once

#include <string>
#include <string_view>

namespace hc::store {

// SHA-1 (FIPS 180-4) of `data` as 20 raw bytes, and helpers for digests (exposed for tests).
std::string Sha1(std::string_view data);
std::string Base32(std::string_view bytes);  // RFC 4648 section 6, with padding
std::string HexLower(std::string_view bytes);

}  // namespace hc::store
