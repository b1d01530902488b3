// DecodeToUtf8: which charset a fetched page is in, and its text as UTF-8.
//
// The order of evidence follows the HTML Standard's "determining the character encoding" (§13.2.3.2):
// BOM, transport layer (Content-Type), prescan for <meta>, then a guess. Two deviations, both for
// Chinese portals, which often declare one charset and serve another:
//  - a declared legacy charset is overridden when the bytes are valid UTF-8 with real multibyte
//    content (legacy-encoded Chinese text is practically never valid UTF-8, so this cannot misfire on
//    a GBK page, while templates migrated to UTF-8 often keep their old gb2312 meta);
//  - a declared charset that does not decode cleanly is checked against uchardet's guess, and the one
//    with fewer errors wins (a page that says UTF-8 and is GBK comes out right).
#include <errno.h>
#include <iconv.h>
#include <uchardet/uchardet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "core/text.h"
#include "html/charset_internal.h"
#include "html/html.h"

namespace hc::html {
namespace charset_internal {
namespace {

constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";  // U+FFFD

// --- labels ----------------------------------------------------------------------------------------

struct LabelGroup {
  const char* name;  // canonical name
  DecoderKind kind;
  std::initializer_list<const char*> iconv_names;  // tried in order; the first glibc opens is used
  std::initializer_list<const char*> labels;       // lowercase
};

// The Encoding Standard's label table (encodings.json), minus the "replacement" encodings and
// x-user-defined, with the GBK family folded into GB18030 and a few Windows code-page aliases that
// portals use (cp936, ms936, windows-936).
const std::array<LabelGroup, 40>& LabelTable() {
  static const std::array<LabelGroup, 40> table = {{
      {"UTF-8",
       DecoderKind::kUtf8,
       {},
       {"unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"}},
      {"IBM866", DecoderKind::kIconv, {"IBM866"}, {"866", "cp866", "csibm866", "ibm866"}},
      {"ISO-8859-2",
       DecoderKind::kIconv,
       {"ISO-8859-2"},
       {"csisolatin2", "iso-8859-2", "iso-ir-101", "iso8859-2", "iso88592", "iso_8859-2", "iso_8859-2:1987",
        "l2", "latin2"}},
      {"ISO-8859-3",
       DecoderKind::kIconv,
       {"ISO-8859-3"},
       {"csisolatin3", "iso-8859-3", "iso-ir-109", "iso8859-3", "iso88593", "iso_8859-3", "iso_8859-3:1988",
        "l3", "latin3"}},
      {"ISO-8859-4",
       DecoderKind::kIconv,
       {"ISO-8859-4"},
       {"csisolatin4", "iso-8859-4", "iso-ir-110", "iso8859-4", "iso88594", "iso_8859-4", "iso_8859-4:1988",
        "l4", "latin4"}},
      {"ISO-8859-5",
       DecoderKind::kIconv,
       {"ISO-8859-5"},
       {"csisolatincyrillic", "cyrillic", "iso-8859-5", "iso-ir-144", "iso8859-5", "iso88595", "iso_8859-5",
        "iso_8859-5:1988"}},
      {"ISO-8859-6",
       DecoderKind::kIconv,
       {"ISO-8859-6"},
       {"arabic", "asmo-708", "csiso88596e", "csiso88596i", "csisolatinarabic", "ecma-114", "iso-8859-6",
        "iso-8859-6-e", "iso-8859-6-i", "iso-ir-127", "iso8859-6", "iso88596", "iso_8859-6",
        "iso_8859-6:1987"}},
      {"ISO-8859-7",
       DecoderKind::kIconv,
       {"ISO-8859-7"},
       {"csisolatingreek", "ecma-118", "elot_928", "greek", "greek8", "iso-8859-7", "iso-ir-126", "iso8859-7",
        "iso88597", "iso_8859-7", "iso_8859-7:1987", "sun_eu_greek"}},
      {"ISO-8859-8",
       DecoderKind::kIconv,
       {"ISO-8859-8"},
       {"csiso88598e", "csisolatinhebrew", "hebrew", "iso-8859-8", "iso-8859-8-e", "iso-ir-138", "iso8859-8",
        "iso88598", "iso_8859-8", "iso_8859-8:1988", "visual"}},
      {"ISO-8859-8-I", DecoderKind::kIconv, {"ISO-8859-8"}, {"csiso88598i", "iso-8859-8-i", "logical"}},
      {"ISO-8859-10",
       DecoderKind::kIconv,
       {"ISO-8859-10"},
       {"csisolatin6", "iso-8859-10", "iso-ir-157", "iso8859-10", "iso885910", "l6", "latin6"}},
      {"ISO-8859-13", DecoderKind::kIconv, {"ISO-8859-13"}, {"iso-8859-13", "iso8859-13", "iso885913"}},
      {"ISO-8859-14", DecoderKind::kIconv, {"ISO-8859-14"}, {"iso-8859-14", "iso8859-14", "iso885914"}},
      {"ISO-8859-15",
       DecoderKind::kIconv,
       {"ISO-8859-15"},
       {"csisolatin9", "iso-8859-15", "iso8859-15", "iso885915", "iso_8859-15", "l9"}},
      {"ISO-8859-16", DecoderKind::kIconv, {"ISO-8859-16"}, {"iso-8859-16"}},
      {"KOI8-R", DecoderKind::kIconv, {"KOI8-R"}, {"cskoi8r", "koi", "koi8", "koi8-r", "koi8_r"}},
      {"KOI8-U", DecoderKind::kIconv, {"KOI8-U"}, {"koi8-ru", "koi8-u"}},
      {"macintosh", DecoderKind::kIconv, {"MACINTOSH"}, {"csmacintosh", "mac", "macintosh", "x-mac-roman"}},
      {"windows-874",
       DecoderKind::kIconv,
       {"CP874"},
       {"dos-874", "iso-8859-11", "iso8859-11", "iso885911", "tis-620", "windows-874"}},
      {"windows-1250", DecoderKind::kIconv, {"CP1250"}, {"cp1250", "windows-1250", "x-cp1250"}},
      {"windows-1251", DecoderKind::kIconv, {"CP1251"}, {"cp1251", "windows-1251", "x-cp1251"}},
      {"windows-1252",
       DecoderKind::kWindows1252,
       {},
       {"ansi_x3.4-1968", "ascii", "cp1252", "cp819", "csisolatin1", "ibm819", "iso-8859-1", "iso-ir-100",
        "iso8859-1", "iso88591", "iso_8859-1", "iso_8859-1:1987", "l1", "latin1", "us-ascii", "windows-1252",
        "x-cp1252"}},
      {"windows-1253", DecoderKind::kIconv, {"CP1253"}, {"cp1253", "windows-1253", "x-cp1253"}},
      {"windows-1254",
       DecoderKind::kIconv,
       {"CP1254"},
       {"cp1254", "csisolatin5", "iso-8859-9", "iso-ir-148", "iso8859-9", "iso88599", "iso_8859-9",
        "iso_8859-9:1989", "l5", "latin5", "windows-1254", "x-cp1254"}},
      {"windows-1255", DecoderKind::kIconv, {"CP1255"}, {"cp1255", "windows-1255", "x-cp1255"}},
      {"windows-1256", DecoderKind::kIconv, {"CP1256"}, {"cp1256", "windows-1256", "x-cp1256"}},
      {"windows-1257", DecoderKind::kIconv, {"CP1257"}, {"cp1257", "windows-1257", "x-cp1257"}},
      {"windows-1258", DecoderKind::kIconv, {"CP1258"}, {"cp1258", "windows-1258", "x-cp1258"}},
      {"x-mac-cyrillic",
       DecoderKind::kIconv,
       {"MAC-CYRILLIC", "MACCYRILLIC"},
       {"x-mac-cyrillic", "x-mac-ukrainian"}},
      {"GB18030",
       DecoderKind::kIconv,
       {"GB18030"},
       {"chinese", "csgb2312", "csiso58gb231280", "gb2312", "gb_2312", "gb_2312-80", "gbk", "iso-ir-58",
        "x-gbk", "cp936", "ms936", "windows-936", "gb18030"}},
      {"Big5",
       DecoderKind::kIconv,
       {"BIG5-HKSCS", "BIG5"},
       {"big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5"}},
      {"EUC-JP", DecoderKind::kIconv, {"EUC-JP"}, {"cseucpkdfmtjapanese", "euc-jp", "x-euc-jp"}},
      {"ISO-2022-JP", DecoderKind::kIconv, {"ISO-2022-JP"}, {"csiso2022jp", "iso-2022-jp"}},
      // The standard's Shift_JIS and EUC-KR are Microsoft's supersets (windows-31j, windows-949).
      {"Shift_JIS",
       DecoderKind::kIconv,
       {"WINDOWS-31J", "CP932", "SHIFT_JIS"},
       {"csshiftjis", "ms932", "ms_kanji", "shift-jis", "shift_jis", "sjis", "windows-31j", "x-sjis"}},
      {"EUC-KR",
       DecoderKind::kIconv,
       {"CP949", "UHC", "EUC-KR"},
       {"cseuckr", "csksc56011987", "euc-kr", "iso-ir-149", "korean", "ks_c_5601-1987", "ks_c_5601-1989",
        "ksc5601", "ksc_5601", "windows-949"}},
      {"UTF-16BE", DecoderKind::kUtf16Be, {}, {"unicodefffe", "utf-16be"}},
      {"UTF-16LE",
       DecoderKind::kUtf16Le,
       {},
       {"csunicode", "iso-10646-ucs-2", "ucs-2", "unicode", "unicodefeff", "utf-16", "utf-16le"}},
      // Not in the standard; uchardet reports these names.
      {"EUC-TW", DecoderKind::kIconv, {"EUC-TW"}, {"euc-tw"}},
      {"IBM855", DecoderKind::kIconv, {"IBM855"}, {"ibm855"}},
      {"x-mac-cyrillic", DecoderKind::kIconv, {"MAC-CYRILLIC", "MACCYRILLIC"}, {"mac-cyrillic"}},
  }};
  return table;
}

// Labels that only uchardet uses; a page declaring them is treated like one declaring nothing, as the
// standard says for unknown labels.
bool IsDetectionOnlyLabel(std::string_view label) {
  return label == "euc-tw" || label == "ibm855" || label == "mac-cyrillic";
}

// RAII over iconv_t.
struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};
using IconvHandle = std::unique_ptr<void, IconvCloser>;

IconvHandle OpenToUtf8(const std::string& from) {
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return IconvHandle();
  return IconvHandle(cd);
}

bool IconvAvailable(const std::string& name) { return static_cast<bool>(OpenToUtf8(name)); }

std::optional<Encoding> FromGroup(const LabelGroup& group) {
  Encoding enc{group.name, group.kind, ""};
  if (group.kind != DecoderKind::kIconv) return enc;
  for (const char* candidate : group.iconv_names) {
    if (IconvAvailable(candidate)) {
      enc.iconv_name = candidate;
      return enc;
    }
  }
  return std::nullopt;  // glibc without this converter (gconv modules missing): treat as unknown
}

std::optional<Encoding> LookupLabel(std::string_view label, bool allow_detection_only) {
  std::string key = AsciiLowered(TrimAsciiWhitespace(label));
  if (key.empty()) return std::nullopt;
  if (!allow_detection_only && IsDetectionOnlyLabel(key)) return std::nullopt;
  for (const LabelGroup& group : LabelTable()) {
    for (const char* l : group.labels) {
      if (key == l) return FromGroup(group);
    }
  }
  return std::nullopt;
}

// --- decoders --------------------------------------------------------------------------------------

// The Encoding Standard's UTF-8 decoder: each maximal invalid subpart becomes one U+FFFD.
DecodeStats DecodeUtf8(std::string_view in, std::string* out) {
  DecodeStats stats;
  const std::size_t n = in.size();
  std::size_t i = 0;
  while (i < n) {
    // Copy a run of ASCII and well-formed characters in one go; most of a page is markup.
    const std::size_t run = i + ValidUtf8Prefix(in.substr(i), &stats.non_ascii);
    out->append(in.data() + i, run - i);
    if (run == n) break;
    const Utf8Char c = DecodeUtf8At(in, run);  // ill-formed: its maximal subpart
    out->append(kReplacementUtf8);
    ++stats.errors;
    if (c.truncated) stats.truncated_at_end = true;
    i = run + c.length;
  }
  return stats;
}

DecodeStats DecodeUtf16(std::string_view in, bool big_endian, std::string* out) {
  DecodeStats stats;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const std::size_t units = in.size() / 2;
  auto unit_at = [&](std::size_t u) -> uint32_t {
    const unsigned char a = p[2 * u], b = p[2 * u + 1];
    return big_endian ? (uint32_t{a} << 8 | b) : (uint32_t{b} << 8 | a);
  };
  std::size_t u = 0;
  while (u < units) {
    const uint32_t cu = unit_at(u);
    if (cu >= 0xD800 && cu <= 0xDBFF) {
      if (u + 1 < units) {
        const uint32_t next = unit_at(u + 1);
        if (next >= 0xDC00 && next <= 0xDFFF) {
          AppendUtf8(0x10000 + ((cu - 0xD800) << 10) + (next - 0xDC00), *out);
          ++stats.non_ascii;
          u += 2;
          continue;
        }
      }
      out->append(kReplacementUtf8);  // lone lead surrogate; the next unit is decoded on its own
      ++stats.errors;
      stats.truncated_at_end = u + 1 == units && in.size() % 2 == 0;
      ++u;
      continue;
    }
    if (cu >= 0xDC00 && cu <= 0xDFFF) {
      out->append(kReplacementUtf8);
      ++stats.errors;
      ++u;
      continue;
    }
    AppendUtf8(cu, *out);
    if (cu >= 0x80) ++stats.non_ascii;
    ++u;
  }
  if (in.size() % 2 != 0) {  // a truncated code unit at the end
    out->append(kReplacementUtf8);
    ++stats.errors;
    stats.truncated_at_end = true;
  }
  return stats;
}

// windows-1252 per the Encoding Standard: 0x80-0x9F from this table (the five holes map to the C1
// controls), everything else is Latin-1. Never an error.
DecodeStats DecodeWindows1252(std::string_view in, std::string* out) {
  static constexpr uint16_t kHigh[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                         0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                         0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                         0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  DecodeStats stats;
  for (char ch : in) {
    const auto b = static_cast<unsigned char>(ch);
    if (b < 0x80) {
      out->push_back(ch);
    } else {
      AppendUtf8(b < 0xA0 ? kHigh[b - 0x80] : b, *out);
      ++stats.non_ascii;
    }
  }
  return stats;
}

std::size_t CountUtf8Leads(const char* begin, const char* end) {
  std::size_t count = 0;
  for (const char* c = begin; c != end; ++c) {
    if ((static_cast<unsigned char>(*c) & 0xC0) == 0xC0) ++count;
  }
  return count;
}

DecodeStats DecodeWithIconv(std::string_view in, const Encoding& encoding, std::string* out) {
  DecodeStats stats;
  IconvHandle handle = OpenToUtf8(encoding.iconv_name);
  if (!handle) {  // cannot happen for encodings built by FromGroup; stay total anyway
    return DecodeWindows1252(in, out);
  }
  auto* cd = static_cast<iconv_t>(handle.get());
  const bool gb18030 = encoding.iconv_name == "GB18030";
  const std::size_t start = out->size();
  std::size_t used = start;
  out->resize(start + in.size() + in.size() / 2 + 16);

  char* src = const_cast<char*>(in.data());  // iconv's signature is not const-correct; it only reads
  std::size_t src_left = in.size();
  auto grow = [&] { out->resize(out->size() + out->size() / 2 + 64); };
  auto append = [&](std::string_view s) {
    while (out->size() - used < s.size()) grow();
    std::memcpy(out->data() + used, s.data(), s.size());
    used += s.size();
  };
  while (src_left > 0) {
    char* dst = out->data() + used;
    std::size_t dst_left = out->size() - used;
    const std::size_t rc = iconv(cd, &src, &src_left, &dst, &dst_left);
    used = static_cast<std::size_t>(dst - out->data());
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) {
      grow();
    } else if (errno == EILSEQ) {
      // glibc's GB18030 lacks the Encoding Standard's single-byte 0x80 -> U+20AC (a GBK holdover).
      if (gb18030 && static_cast<unsigned char>(*src) == 0x80) {
        append("\xE2\x82\xAC");
        ++stats.non_ascii;
      } else {
        append(kReplacementUtf8);
        ++stats.errors;
      }
      ++src;
      --src_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);  // back to the initial shift state
    } else {  // EINVAL: an incomplete sequence at the end of the input
      append(kReplacementUtf8);
      ++stats.errors;
      stats.truncated_at_end = true;
      break;
    }
  }
  // Flush stateful decoders (ISO-2022-JP, Big5-HKSCS's combining pairs).
  for (;;) {
    char* dst = out->data() + used;
    std::size_t dst_left = out->size() - used;
    const std::size_t rc = iconv(cd, nullptr, nullptr, &dst, &dst_left);
    used = static_cast<std::size_t>(dst - out->data());
    if (rc != static_cast<std::size_t>(-1) || errno != E2BIG) break;
    grow();
  }
  out->resize(used);
  const std::size_t leads = CountUtf8Leads(out->data() + start, out->data() + used);
  stats.non_ascii = leads >= stats.errors ? leads - stats.errors : 0;
  return stats;
}

bool StartsWithCaseInsensitive(std::string_view s, std::size_t pos, std::string_view prefix) {
  if (s.size() - pos < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (AsciiLower(s[pos + i]) != prefix[i]) return false;
  }
  return true;
}

struct Attribute {
  std::string name, value;
};

// The HTML Standard's "get an attribute" (prescan). Returns nullopt when there is no further
// attribute; sets *pos to s.size() when the input ran out mid-attribute (the prescan then aborts).
std::optional<Attribute> GetAttribute(std::string_view s, std::size_t* pos) {
  std::size_t& i = *pos;
  const std::size_t n = s.size();
  auto ws = [&](std::size_t k) { return IsAsciiWhitespace(s[k]); };
  while (i < n && (ws(i) || s[i] == '/')) ++i;
  if (i >= n || s[i] == '>') return std::nullopt;
  Attribute attr;
  // Name.
  for (;;) {
    if (i >= n) return std::nullopt;
    const char c = s[i];
    if (c == '=' && !attr.name.empty()) {
      ++i;
      break;
    }
    if (IsAsciiWhitespace(c)) {
      while (i < n && ws(i)) ++i;
      if (i >= n) return std::nullopt;
      if (s[i] != '=') return attr;
      ++i;
      break;
    }
    if (c == '/' || c == '>') return attr;
    attr.name.push_back(AsciiLower(c));
    ++i;
  }
  // Value.
  while (i < n && ws(i)) ++i;
  if (i >= n) return std::nullopt;
  if (s[i] == '"' || s[i] == '\'') {
    const char quote = s[i++];
    for (;;) {
      if (i >= n) return std::nullopt;
      if (s[i] == quote) {
        ++i;
        return attr;
      }
      attr.value.push_back(AsciiLower(s[i++]));
    }
  }
  if (s[i] == '>') return attr;
  for (;;) {
    if (i >= n) return std::nullopt;
    if (ws(i) || s[i] == '>') return attr;
    attr.value.push_back(AsciiLower(s[i++]));
  }
}

std::optional<Encoding> MetaEncoding(std::string_view label) {
  std::optional<Encoding> enc = LookupLabel(label, /*allow_detection_only=*/false);
  if (!enc) {
    if (AsciiLowered(TrimAsciiWhitespace(label)) == "x-user-defined") {
      return LookupLabel("windows-1252", false);
    }
    return std::nullopt;
  }
  if (enc->kind == DecoderKind::kUtf16Le || enc->kind == DecoderKind::kUtf16Be) {
    return LookupLabel("utf-8", false);
  }
  return enc;
}

}  // namespace

std::optional<Encoding> EncodingForLabel(std::string_view label) {
  return LookupLabel(label, /*allow_detection_only=*/false);
}

std::optional<Encoding> EncodingForDetectedName(std::string_view name) {
  std::string key = AsciiLowered(TrimAsciiWhitespace(name));
  if (key.empty()) return std::nullopt;
  if (key == "ascii") return LookupLabel("utf-8", true);
  if (auto enc = LookupLabel(key, /*allow_detection_only=*/true)) return enc;
  std::string upper(TrimAsciiWhitespace(name));
  for (char& c : upper) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  if (IconvAvailable(upper)) return Encoding{upper, DecoderKind::kIconv, upper};
  return std::nullopt;
}

std::optional<std::string> CharsetFromContentType(std::string_view header) {
  // RFC 9110 §8.3.1: type/subtype *( OWS ";" OWS parameter ), parameter values token or quoted-string.
  std::size_t semi = header.find(';');
  while (semi != std::string_view::npos) {
    std::size_t i = semi + 1;
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    std::size_t eq = i;
    while (eq < header.size() && header[eq] != '=' && header[eq] != ';') ++eq;
    if (eq >= header.size() || header[eq] == ';') {
      semi = eq < header.size() ? eq : std::string_view::npos;
      continue;
    }
    const std::string name = AsciiLowered(TrimAsciiWhitespace(header.substr(i, eq - i)));
    std::size_t v = eq + 1;
    while (v < header.size() && (header[v] == ' ' || header[v] == '\t')) ++v;
    std::string value;
    std::size_t next;
    if (v < header.size() && header[v] == '"') {
      std::size_t k = v + 1;
      while (k < header.size() && header[k] != '"') {
        if (header[k] == '\\' && k + 1 < header.size()) ++k;
        value.push_back(header[k++]);
      }
      next = header.find(';', k);
    } else {
      next = header.find(';', v);
      value = std::string(TrimAsciiWhitespace(
          header.substr(v, next == std::string_view::npos ? std::string_view::npos : next - v)));
    }
    if (name == "charset" && !value.empty()) return value;
    semi = next;
  }
  return std::nullopt;
}

std::optional<std::string> ExtractCharsetFromMetaContent(std::string_view content) {
  std::size_t pos = 0;
  const std::size_t n = content.size();
  for (;;) {
    std::size_t found = std::string_view::npos;
    for (std::size_t k = pos; k + 7 <= n; ++k) {
      if (StartsWithCaseInsensitive(content, k, "charset")) {
        found = k;
        break;
      }
    }
    if (found == std::string_view::npos) return std::nullopt;
    pos = found + 7;
    while (pos < n && IsAsciiWhitespace(content[pos])) ++pos;
    if (pos >= n || content[pos] != '=') continue;  // "charset" not followed by '=': look further
    ++pos;
    while (pos < n && IsAsciiWhitespace(content[pos])) ++pos;
    if (pos >= n) return std::nullopt;
    if (content[pos] == '"' || content[pos] == '\'') {
      const std::size_t close = content.find(content[pos], pos + 1);
      if (close == std::string_view::npos) return std::nullopt;
      return std::string(content.substr(pos + 1, close - pos - 1));
    }
    std::size_t end = pos;
    while (end < n && !IsAsciiWhitespace(content[end]) && content[end] != ';')
      ++end;
    return std::string(content.substr(pos, end - pos));
  }
}

std::optional<Encoding> PrescanMetaCharset(std::string_view s) {
  const std::size_t n = s.size();
  std::size_t pos = 0;
  while (pos < n) {
    if (s.compare(pos, 4, "<!--") == 0) {
      // The '>' of the closing "-->" may share its dashes with the opening "<!--" ("<!-->").
      const std::size_t close = s.find("-->", pos + 2);
      if (close == std::string_view::npos) return std::nullopt;
      pos = close + 3;
      continue;
    }
    if (StartsWithCaseInsensitive(s, pos, "<meta") && pos + 5 < n &&
        (IsAsciiWhitespace(s[pos + 5]) || s[pos + 5] == '/')) {
      pos += 6;
      std::vector<std::string> seen;
      bool got_pragma = false;
      enum class NeedPragma { kUnset, kYes, kNo } need_pragma = NeedPragma::kUnset;
      std::optional<std::string> charset;
      while (auto attr = GetAttribute(s, &pos)) {
        if (std::find(seen.begin(), seen.end(), attr->name) != seen.end()) continue;
        seen.push_back(attr->name);
        if (attr->name == "http-equiv") {
          if (attr->value == "content-type") got_pragma = true;
        } else if (attr->name == "content") {
          if (!charset) {
            if (auto label = ExtractCharsetFromMetaContent(attr->value)) {
              charset = std::move(label);
              need_pragma = NeedPragma::kYes;
            }
          }
        } else if (attr->name == "charset") {
          charset = attr->value;
          need_pragma = NeedPragma::kNo;
        }
      }
      if (pos >= n) return std::nullopt;  // ran out of input inside the tag
      if (need_pragma == NeedPragma::kUnset || (need_pragma == NeedPragma::kYes && !got_pragma) || !charset) {
        ++pos;
        continue;
      }
      if (auto enc = MetaEncoding(*charset)) return enc;
      ++pos;
      continue;
    }
    if (s[pos] == '<' && pos + 1 < n &&
        (IsAsciiAlpha(s[pos + 1]) || (s[pos + 1] == '/' && pos + 2 < n && IsAsciiAlpha(s[pos + 2])))) {
      while (pos < n && !IsAsciiWhitespace(s[pos]) && s[pos] != '>') ++pos;
      while (GetAttribute(s, &pos)) {
      }
      if (pos >= n) return std::nullopt;
      ++pos;
      continue;
    }
    if (s[pos] == '<' && pos + 1 < n && (s[pos + 1] == '!' || s[pos + 1] == '/' || s[pos + 1] == '?')) {
      const std::size_t close = s.find('>', pos + 2);
      if (close == std::string_view::npos) return std::nullopt;
      pos = close + 1;
      continue;
    }
    ++pos;
  }
  return std::nullopt;
}

bool IsValidUtf8(std::string_view bytes, std::size_t* multibyte) {
  std::size_t count = 0;
  if (ValidUtf8Prefix(bytes, &count) != bytes.size()) return false;
  if (multibyte) *multibyte = count;
  return true;
}

DecodeStats Decode(std::string_view bytes, const Encoding& encoding, std::string* out) {
  switch (encoding.kind) {
    case DecoderKind::kUtf8:
      return DecodeUtf8(bytes, out);
    case DecoderKind::kUtf16Le:
      return DecodeUtf16(bytes, /*big_endian=*/false, out);
    case DecoderKind::kUtf16Be:
      return DecodeUtf16(bytes, /*big_endian=*/true, out);
    case DecoderKind::kWindows1252:
      return DecodeWindows1252(bytes, out);
    case DecoderKind::kIconv:
      return DecodeWithIconv(bytes, encoding, out);
  }
  return DecodeUtf8(bytes, out);
}

}  // namespace charset_internal

namespace {

using charset_internal::DecoderKind;
using charset_internal::DecodeStats;
using charset_internal::Encoding;

// The meta prescan looks this far into the page. The standard says 1024 bytes; Chinese portals put
// long <script> and <link> blocks before their <meta>, so browsers (and we) look further.
constexpr std::size_t kPrescanBytes = 8 * 1024;
// uchardet sees at most this much; a page's text has shown its charset long before.
constexpr std::size_t kDetectBytes = 1u << 20;
// A page whose bytes read as UTF-8 with at least this many non-ASCII characters, and at least
// kUtf8OverrideRatio times as many of them as invalid sequences, is UTF-8 whatever it declares.
// GBK or Big5 text read as UTF-8 gives about one valid sequence per ten invalid ones (a GBK pair is
// a valid two-byte UTF-8 sequence with probability ~8%), so this does not misfire on legacy pages,
// while templates migrated to UTF-8 that kept their old gb2312 meta are caught even when a few
// bytes are damaged.
constexpr std::size_t kUtf8OverrideMinChars = 4;
constexpr std::size_t kUtf8OverrideRatio = 8;

struct Attempt {
  Encoding encoding;
  std::string utf8;
  DecodeStats stats;
};

Attempt DecodeAs(std::string_view bytes, const Encoding& encoding) {
  Attempt a{encoding, {}, {}};
  a.utf8.reserve(bytes.size() + bytes.size() / 4);
  a.stats = charset_internal::Decode(bytes, encoding, &a.utf8);
  return a;
}

// Errors are rare next to the text that decoded well: a damaged page in the right charset (a
// truncated last character, a stray byte), not the wrong charset. UTF-8 gets a looser bound because
// its multibyte sequences are themselves evidence: GBK or Big5 text read as UTF-8 yields about one
// valid sequence per ten errors, so twice as many valid sequences as errors never comes from a wrong
// guess. The dense legacy encodings (GB18030 accepts most byte pairs) need far more.
bool MostlyClean(const DecodeStats& s, const Encoding& e) {
  const std::size_t errors = s.evidence_errors();
  if (errors == 0) return true;
  return e.kind == DecoderKind::kUtf8 ? errors * 2 <= s.non_ascii : errors * 16 <= s.non_ascii;
}

Encoding Utf8() { return *charset_internal::EncodingForLabel("utf-8"); }

std::optional<Encoding> Detect(std::string_view bytes) {
  std::unique_ptr<uchardet, decltype(&uchardet_delete)> detector(uchardet_new(), &uchardet_delete);
  if (!detector) return std::nullopt;
  const std::string_view sample = bytes.substr(0, kDetectBytes);
  if (uchardet_handle_data(detector.get(), sample.data(), sample.size()) != 0) return std::nullopt;
  uchardet_data_end(detector.get());
  const char* name = uchardet_get_charset(detector.get());
  if (name == nullptr) return std::nullopt;
  return charset_internal::EncodingForDetectedName(name);
}

DecodedText Finish(Attempt&& a, const char* source) {
  return DecodedText{std::move(a.utf8), std::move(a.encoding.name), source};
}

bool IsLegacy(const Encoding& e) {
  return e.kind == DecoderKind::kIconv || e.kind == DecoderKind::kWindows1252;
}

bool IsSingleByte(const Encoding& e) {
  if (e.kind == DecoderKind::kWindows1252) return true;
  if (e.kind != DecoderKind::kIconv) return false;
  for (std::string_view prefix : {"ISO-8859-", "windows-", "KOI8-", "IBM8", "macintosh", "x-mac-"}) {
    if (std::string_view(e.name).substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

struct Candidate {
  Encoding encoding;
  bool must_be_clean;  // only chosen when it decodes the sample without a single error
};

// The encodings to try when the page declares nothing usable, best first. uchardet's answer leads
// when it names a multibyte charset. When it names a single-byte one (it does so for short Chinese
// snippets, where "你好" is as plausible in windows-1252 as in GBK) or nothing, GB18030 goes first
// if it decodes without a single error: the portals this crawler reads are Chinese, and Latin text
// rarely survives GB18030 decoding cleanly (an accented letter before a space or '<' is invalid).
// windows-1252 is last because it decodes anything.
std::vector<Candidate> Candidates(std::string_view bytes) {
  std::vector<Candidate> out;
  const std::optional<Encoding> detected = Detect(bytes);
  const Encoding gb18030 = *charset_internal::EncodingForLabel("gb18030");
  if (detected && !IsSingleByte(*detected)) {
    out.push_back({*detected, false});
    out.push_back({gb18030, false});
  } else {
    out.push_back({gb18030, true});
    if (detected) out.push_back({*detected, false});
  }
  out.push_back({*charset_internal::EncodingForLabel("windows-1252"), false});
  return out;
}

// Candidates are judged on the first kDetectBytes only, so a 20 MB page is decoded in full once more
// at most, not once per candidate.
DecodeStats JudgeOnSample(std::string_view bytes, const Encoding& encoding) {
  std::string scratch;
  const std::string_view sample = bytes.substr(0, kDetectBytes);
  scratch.reserve(sample.size() + sample.size() / 4);
  return charset_internal::Decode(sample, encoding, &scratch);
}

bool LooksLikeUtf8(std::string_view bytes) {
  const DecodeStats as_utf8 = JudgeOnSample(bytes, Utf8());
  return as_utf8.non_ascii >= kUtf8OverrideMinChars &&
         as_utf8.evidence_errors() * kUtf8OverrideRatio <= as_utf8.non_ascii;
}

DecodedText DecodeDeclared(std::string_view bytes, const Encoding& declared, const char* source) {
  if (IsLegacy(declared) && LooksLikeUtf8(bytes)) return Finish(DecodeAs(bytes, Utf8()), "detected");
  Attempt attempt = DecodeAs(bytes, declared);
  if (MostlyClean(attempt.stats, declared)) return Finish(std::move(attempt), source);

  // The declaration does not fit the bytes: let detection compete. A candidate must have strictly
  // fewer errors than the declaration (on the same sample) to replace it; on a tie the earlier wins.
  std::vector<Candidate> candidates = Candidates(bytes);
  if (declared.kind != DecoderKind::kUtf8) candidates.insert(candidates.begin(), Candidate{Utf8(), false});
  const std::size_t declared_errors = bytes.size() <= kDetectBytes
                                          ? attempt.stats.evidence_errors()
                                          : JudgeOnSample(bytes, declared).evidence_errors();
  // A single-byte encoding decodes anything without an error, so it only competes when the
  // declaration produced more garbage than text (a latin1 page labelled UTF-8).
  const bool hopeless = attempt.stats.evidence_errors() > attempt.stats.non_ascii;
  const Encoding* best = nullptr;
  std::size_t best_errors = declared_errors;
  for (const Candidate& candidate : candidates) {
    if (candidate.encoding.name == declared.name) continue;
    if (IsSingleByte(candidate.encoding) && !hopeless) continue;
    const std::size_t errors = JudgeOnSample(bytes, candidate.encoding).evidence_errors();
    if (candidate.must_be_clean && errors != 0) continue;
    if (errors < best_errors) {
      best = &candidate.encoding;
      best_errors = errors;
    }
  }
  if (best == nullptr) return Finish(std::move(attempt), source);
  return Finish(DecodeAs(bytes, *best), "detected");
}

DecodedText DecodeUndeclared(std::string_view bytes) {
  std::size_t multibyte = 0;
  if (charset_internal::IsValidUtf8(bytes, &multibyte)) {
    return DecodedText{std::string(bytes), "UTF-8", multibyte > 0 ? "detected" : "default"};
  }
  if (LooksLikeUtf8(bytes)) return Finish(DecodeAs(bytes, Utf8()), "detected");
  // The first candidate that fits wins; if none does, the one with the fewest errors.
  const std::vector<Candidate> candidates = Candidates(bytes);
  const Encoding* best = nullptr;
  std::size_t best_errors = 0;
  for (const Candidate& candidate : candidates) {
    const DecodeStats stats = JudgeOnSample(bytes, candidate.encoding);
    if (candidate.must_be_clean ? stats.evidence_errors() == 0 : MostlyClean(stats, candidate.encoding)) {
      best = &candidate.encoding;
      break;
    }
    if (candidate.must_be_clean) continue;
    if (best == nullptr || stats.evidence_errors() < best_errors) {
      best = &candidate.encoding;
      best_errors = stats.evidence_errors();
    }
  }
  return Finish(DecodeAs(bytes, *best), "detected");
}

}  // namespace

DecodedText DecodeToUtf8(std::string_view bytes, std::string_view content_type_header) {
  // 1. Byte order mark (Encoding Standard §6 "decode": the BOM wins over every declaration).
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    Attempt a = DecodeAs(bytes.substr(3), Utf8());
    return Finish(std::move(a), "bom");
  }
  if (bytes.substr(0, 2) == "\xFF\xFE") {
    return Finish(DecodeAs(bytes.substr(2), *charset_internal::EncodingForLabel("utf-16le")), "bom");
  }
  if (bytes.substr(0, 2) == "\xFE\xFF") {
    return Finish(DecodeAs(bytes.substr(2), *charset_internal::EncodingForLabel("utf-16be")), "bom");
  }
  // 2. The transport layer: an unknown label there is ignored, as if absent.
  if (auto label = charset_internal::CharsetFromContentType(content_type_header)) {
    if (auto enc = charset_internal::EncodingForLabel(*label)) return DecodeDeclared(bytes, *enc, "header");
  }
  // 3. <meta> near the top.
  if (auto enc = charset_internal::PrescanMetaCharset(bytes.substr(0, kPrescanBytes))) {
    return DecodeDeclared(bytes, *enc, "meta");
  }
  // 4. Nothing declared.
  return DecodeUndeclared(bytes);
}

}  // namespace hc::html
