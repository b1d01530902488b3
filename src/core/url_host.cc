// Host parsing for the WHATWG URL Standard (https://url.spec.whatwg.org/#host-parsing): IPv6, IPv4
// (with the "ends in a number" rule), opaque hosts, and domains through "domain to ASCII".
//
// Domain to ASCII is defined on UTS #46 ToASCII (https://www.unicode.org/reports/tr46/) with
// CheckHyphens, UseSTD3ASCIIRules and VerifyDnsLength off and nontransitional processing. libidn2
// (already a dependency) cannot do that: it validates labels against IDNA2008 (RFC 5891/5892), which
// rejects symbols UTS #46 maps fine ("♥.net" -> "xn--g6h.net", "☃" -> "xn--n3h") and always enforces
// the hyphen rules WHATWG turns off ("-x.ß", "ab--c"). ICU's UTS #46 implementation (uidna.h, the one
// browsers use) takes exactly the standard's options, so it is used here instead; the errors that
// correspond to the options WHATWG turns off are ignored.
#include <unicode/uidna.h>

#include <cstdio>
#include <utility>

#include "core/text.h"
#include "core/url_internal.h"

namespace hc::url_internal {
namespace {

constexpr std::array<uint8_t, 256> BuildEncodeSetTable() {
  std::array<uint8_t, 256> table{};
  constexpr uint8_t kC0 = static_cast<uint8_t>(EncodeSet::kC0Control);
  constexpr uint8_t kFragment = static_cast<uint8_t>(EncodeSet::kFragment);
  constexpr uint8_t kQuery = static_cast<uint8_t>(EncodeSet::kQuery);
  constexpr uint8_t kSpecialQuery = static_cast<uint8_t>(EncodeSet::kSpecialQuery);
  constexpr uint8_t kPath = static_cast<uint8_t>(EncodeSet::kPath);
  constexpr uint8_t kUserinfo = static_cast<uint8_t>(EncodeSet::kUserinfo);
  constexpr uint8_t kComponent = static_cast<uint8_t>(EncodeSet::kComponent);
  constexpr uint8_t kAll = kC0 | kFragment | kQuery | kSpecialQuery | kPath | kUserinfo | kComponent;
  // C0 control percent-encode set: C0 controls and everything above U+007E.
  for (int b = 0; b < 0x20; ++b) table[b] = kAll;
  for (int b = 0x7F; b < 0x100; ++b) table[b] = kAll;
  auto add = [&table](std::string_view chars, uint8_t sets) {
    for (char c : chars) table[static_cast<unsigned char>(c)] |= sets;
  };
  // Fragment: C0 control and space " < > `.
  add(" \"<>`", kFragment);
  // Query: C0 control and space " # < >. Special-query adds '. Path adds ? ^ ` { } to query.
  // Userinfo adds / : ; = @ [ \ ] ^ | to path. Component adds $ % & + , to userinfo.
  constexpr uint8_t kFromQuery = kQuery | kSpecialQuery | kPath | kUserinfo | kComponent;
  add(" \"#<>", kFromQuery);
  add("'", kSpecialQuery);
  constexpr uint8_t kFromPath = kPath | kUserinfo | kComponent;
  add("?^`{}", kFromPath);
  constexpr uint8_t kFromUserinfo = kUserinfo | kComponent;
  add("/:;=@[\\]|", kFromUserinfo);
  add("$%&+,", kComponent);
  return table;
}

// https://url.spec.whatwg.org/#ipv4-number-parser. Values above 2^32 - 1 are clamped to 2^32, which
// every caller rejects, so the arithmetic cannot overflow. Returns false on failure.
bool ParseIpv4Number(std::string_view input, uint64_t* value) {
  if (input.empty()) return false;
  int radix = 10;
  if (input.size() >= 2 && input[0] == '0' && (input[1] == 'x' || input[1] == 'X')) {
    input.remove_prefix(2);
    radix = 16;
  } else if (input.size() >= 2 && input[0] == '0') {
    input.remove_prefix(1);
    radix = 8;
  }
  uint64_t result = 0;
  for (char c : input) {
    const int digit = HexValue(static_cast<unsigned char>(c));
    if (digit < 0 || digit >= radix) return false;
    result = result * radix + digit;
    if (result > (uint64_t{1} << 32)) result = uint64_t{1} << 32;
  }
  *value = result;
  return true;
}

// https://url.spec.whatwg.org/#ends-in-a-number-checker
bool EndsInNumber(std::string_view input) {
  if (!input.empty() && input.back() == '.') input.remove_suffix(1);
  const size_t dot = input.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? input : input.substr(dot + 1);
  if (!last.empty() && last.find_first_not_of("0123456789") == std::string_view::npos) return true;
  uint64_t ignored;
  return ParseIpv4Number(last, &ignored);
}

// https://url.spec.whatwg.org/#concept-ipv4-parser
const char* ParseIpv4(std::string_view input, std::string& out) {
  if (!input.empty() && input.back() == '.') input.remove_suffix(1);
  uint64_t numbers[4];
  size_t count = 0;
  while (true) {
    const size_t dot = input.find('.');
    const std::string_view part = input.substr(0, dot);
    if (count == 4) return "IPv4 address has too many parts";
    if (!ParseIpv4Number(part, &numbers[count])) return "invalid IPv4 address";
    ++count;
    if (dot == std::string_view::npos) break;
    input.remove_prefix(dot + 1);
  }
  for (size_t i = 0; i + 1 < count; ++i) {
    if (numbers[i] > 255) return "IPv4 address part out of range";
  }
  if (numbers[count - 1] >= (uint64_t{1} << (8 * (5 - count)))) return "IPv4 address out of range";
  uint64_t address = numbers[count - 1];
  for (size_t i = 0; i + 1 < count; ++i) address += numbers[i] << (8 * (3 - i));
  char text[16];
  const int n = std::snprintf(text, sizeof(text), "%u.%u.%u.%u", unsigned((address >> 24) & 0xFF),
                              unsigned((address >> 16) & 0xFF), unsigned((address >> 8) & 0xFF),
                              unsigned(address & 0xFF));
  out.assign(text, static_cast<size_t>(n));
  return nullptr;
}

// https://url.spec.whatwg.org/#concept-ipv6-parser and the IPv6 serializer.
const char* ParseIpv6(std::string_view input, std::string& out) {
  uint16_t address[8] = {};
  int piece = 0;
  int compress = -1;
  size_t p = 0;
  const size_t n = input.size();
  auto at = [&](size_t i) -> int { return i < n ? static_cast<unsigned char>(input[i]) : -1; };
  if (at(p) == ':') {
    if (at(p + 1) != ':') return "IPv6 address starts with a single ':'";
    p += 2;
    compress = ++piece;
  }
  while (at(p) != -1) {
    if (piece == 8) return "IPv6 address has too many pieces";
    if (at(p) == ':') {
      if (compress != -1) return "IPv6 address has more than one '::'";
      ++p;
      compress = ++piece;
      continue;
    }
    unsigned value = 0;
    int length = 0;
    while (length < 4 && at(p) != -1 && HexValue(static_cast<unsigned char>(at(p))) >= 0) {
      value = value * 16 + static_cast<unsigned>(HexValue(static_cast<unsigned char>(at(p))));
      ++p;
      ++length;
    }
    if (at(p) == '.') {
      if (length == 0) return "invalid IPv4 part in IPv6 address";
      p -= length;
      if (piece > 6) return "IPv4 part of IPv6 address comes too late";
      int numbers_seen = 0;
      while (at(p) != -1) {
        int ipv4_piece = -1;
        if (numbers_seen > 0) {
          if (at(p) == '.' && numbers_seen < 4) {
            ++p;
          } else {
            return "invalid IPv4 part in IPv6 address";
          }
        }
        if (at(p) < '0' || at(p) > '9') return "invalid IPv4 part in IPv6 address";
        while (at(p) >= '0' && at(p) <= '9') {
          const int number = at(p) - '0';
          if (ipv4_piece == -1) {
            ipv4_piece = number;
          } else if (ipv4_piece == 0) {
            return "invalid IPv4 part in IPv6 address";
          } else {
            ipv4_piece = ipv4_piece * 10 + number;
          }
          if (ipv4_piece > 255) return "IPv4 part of IPv6 address out of range";
          ++p;
        }
        address[piece] = static_cast<uint16_t>(address[piece] * 0x100 + ipv4_piece);
        ++numbers_seen;
        if (numbers_seen == 2 || numbers_seen == 4) ++piece;
      }
      if (numbers_seen != 4) return "IPv4 part of IPv6 address is too short";
      break;
    } else if (at(p) == ':') {
      ++p;
      if (at(p) == -1) return "IPv6 address ends with ':'";
    } else if (at(p) != -1) {
      return "invalid character in IPv6 address";
    }
    address[piece] = static_cast<uint16_t>(value);
    ++piece;
  }
  if (compress != -1) {
    int swaps = piece - compress;
    piece = 7;
    while (piece != 0 && swaps > 0) {
      std::swap(address[piece], address[compress + swaps - 1]);
      --piece;
      --swaps;
    }
  } else if (piece != 8) {
    return "IPv6 address is too short";
  }

  // Serializer: compress the first longest run of two or more zero pieces.
  int best = -1, best_len = 1;
  for (int i = 0; i < 8;) {
    if (address[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && address[j] == 0) ++j;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j;
  }
  out.assign("[");
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      out.append(i == 0 ? "::" : ":");
      i += best_len - 1;
      continue;
    }
    char hex[8];
    const int len = std::snprintf(hex, sizeof(hex), "%x", unsigned(address[i]));
    out.append(hex, static_cast<size_t>(len));
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
  return nullptr;
}

// https://url.spec.whatwg.org/#forbidden-host-code-point
bool IsForbiddenHostByte(unsigned char c) {
  static constexpr std::string_view kForbidden("\0\t\n\r #/:<>?@[\\]^|", 17);
  return kForbidden.find(static_cast<char>(c)) != std::string_view::npos;
}

// https://url.spec.whatwg.org/#forbidden-domain-code-point
bool IsForbiddenDomainByte(unsigned char c) {
  return IsForbiddenHostByte(c) || c <= 0x1F || c == '%' || c == 0x7F;
}

// https://url.spec.whatwg.org/#concept-opaque-host-parser
const char* ParseOpaqueHost(std::string_view input, std::string& out) {
  for (char c : input) {
    if (IsForbiddenHostByte(static_cast<unsigned char>(c))) return "forbidden code point in host";
  }
  out.clear();
  AppendEncoded(input, EncodeSet::kC0Control, out);
  return nullptr;
}

// The UTS #46 mapper with WHATWG's options (CheckBidi and CheckJoiners on, nontransitional). It is
// immutable and thread-safe (uidna.h), so one serves the whole process; it is deliberately never
// closed, because closing it at exit could race a thread that is still parsing.
const UIDNA* Uts46() {
  static const UIDNA* const idna = [] {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* opened = uidna_openUTS46(UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ | UIDNA_NONTRANSITIONAL_TO_ASCII |
                                        UIDNA_NONTRANSITIONAL_TO_UNICODE,
                                    &status);
    return U_SUCCESS(status) ? opened : nullptr;
  }();
  return idna;
}

// UTS #46 errors for the checks that WHATWG's domain to ASCII turns off (beStrict = false):
// VerifyDnsLength (empty labels, label and name lengths) and CheckHyphens.
constexpr uint32_t kIgnoredIdnaErrors = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                        UIDNA_ERROR_DOMAIN_NAME_TOO_LONG | UIDNA_ERROR_LEADING_HYPHEN |
                                        UIDNA_ERROR_TRAILING_HYPHEN | UIDNA_ERROR_HYPHEN_3_4;

bool StartsWithAcePrefix(std::string_view label) {
  return label.size() >= 4 && EqualsIgnoringAsciiCase(label.substr(0, 4), "xn--");
}

// True when UTS #46 ToASCII would only lowercase `domain`: it is ASCII and no label starts with
// "xn--" (the note under https://url.spec.whatwg.org/#concept-domain-to-ascii). Almost every host a
// crawler sees takes this path, which never calls ICU.
bool IsPlainAsciiDomain(std::string_view domain) {
  size_t label_begin = 0;
  for (size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      if (StartsWithAcePrefix(domain.substr(label_begin, i - label_begin))) return false;
      label_begin = i + 1;
    } else if (static_cast<unsigned char>(domain[i]) >= 0x80) {
      return false;
    }
  }
  return true;
}

// https://url.spec.whatwg.org/#concept-domain-to-ascii with beStrict = false.
const char* DomainToAscii(std::string_view domain, std::string& out) {
  if (IsPlainAsciiDomain(domain)) {
    out.assign(domain);
    AsciiLowerInPlace(out);
  } else {
    const UIDNA* idna = Uts46();
    if (idna == nullptr) return "IDNA is unavailable (ICU failed to load its UTS #46 data)";
    if (domain.size() > INT32_MAX / 4) return "host is too long";
    out.resize(domain.size() * 2 + 64);
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UErrorCode status = U_ZERO_ERROR;
    int32_t length = uidna_nameToASCII_UTF8(idna, domain.data(), static_cast<int32_t>(domain.size()),
                                            out.data(), static_cast<int32_t>(out.size()), &info, &status);
    if (status == U_BUFFER_OVERFLOW_ERROR) {
      out.resize(static_cast<size_t>(length));
      info = UIDNA_INFO_INITIALIZER;
      status = U_ZERO_ERROR;
      length = uidna_nameToASCII_UTF8(idna, domain.data(), static_cast<int32_t>(domain.size()), out.data(),
                                      static_cast<int32_t>(out.size()), &info, &status);
    }
    if (U_FAILURE(status)) return "IDNA processing failed";
    if ((info.errors & ~kIgnoredIdnaErrors) != 0) return "invalid international domain name";
    out.resize(static_cast<size_t>(length));
  }
  if (out.empty()) return "empty host";
  for (char c : out) {
    if (IsForbiddenDomainByte(static_cast<unsigned char>(c))) return "forbidden code point in host";
  }
  return nullptr;
}

}  // namespace

constinit const std::array<uint8_t, 256> kEncodeSetTable = BuildEncodeSetTable();

const char* ParseHost(std::string_view input, bool is_opaque, std::string& out) {
  if (!input.empty() && input.front() == '[') {
    if (input.size() < 2 || input.back() != ']') return "unclosed IPv6 address";
    return ParseIpv6(input.substr(1, input.size() - 2), out);
  }
  if (is_opaque) return ParseOpaqueHost(input, out);

  // domain = UTF-8 decode without BOM (percent-decode(input)). Ill-formed UTF-8 would decode to
  // U+FFFD, which UTS #46 disallows, so it fails here without a trip through ICU.
  std::string decoded;
  std::string_view domain = input;
  if (input.find('%') != std::string_view::npos) {
    decoded.reserve(input.size());
    for (size_t i = 0; i < input.size(); ++i) {
      int hi, lo;
      if (input[i] == '%' && i + 2 < input.size() &&
          (hi = HexValue(static_cast<unsigned char>(input[i + 1]))) >= 0 &&
          (lo = HexValue(static_cast<unsigned char>(input[i + 2]))) >= 0) {
        decoded.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
      } else {
        decoded.push_back(input[i]);
      }
    }
    domain = decoded;
  }
  if (!IsValidUtf8(domain)) return "host is not valid UTF-8";

  std::string ascii;
  if (const char* error = DomainToAscii(domain, ascii)) return error;
  if (EndsInNumber(ascii)) return ParseIpv4(ascii, out);
  out = std::move(ascii);
  return nullptr;
}

}  // namespace hc::url_internal
