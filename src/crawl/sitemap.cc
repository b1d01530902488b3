// Sitemaps (https://www.sitemaps.org/protocol.html): a tolerant scanner for <loc> elements rather than
// a full XML parser. Sitemaps in the wild are often not well-formed (stray '&', BOMs, HTML error
// pages), and all a crawler needs from one is its root element and its locations.
#include <zlib.h>

#include <cctype>
#include <cstdint>
#include <memory>
#include <string>

#include "core/text.h"
#include "crawl/crawl.h"

namespace hc::crawl {
namespace {

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == ':' || c == '_' || c == '-' || c == '.';
}

// The element name of the tag starting at xml[lt] == '<' without its namespace prefix, lowercased;
// `closing` says whether it is "</name". Empty for comments, declarations and processing instructions.
std::string TagName(std::string_view xml, size_t lt, bool* closing) {
  size_t i = lt + 1;
  *closing = i < xml.size() && xml[i] == '/';
  if (*closing) ++i;
  size_t start = i;
  while (i < xml.size() && IsNameChar(xml[i])) ++i;
  std::string name(xml.substr(start, i - start));
  if (auto colon = name.rfind(':'); colon != std::string::npos) name = name.substr(colon + 1);
  AsciiLowerInPlace(name);
  return name;
}

// Element text: CDATA sections kept verbatim, the five predefined entities and character references
// decoded (XML 1.0 sections 4.1 and 4.6), an unknown '&' kept as is, surrounding whitespace trimmed.
std::string DecodeText(std::string_view raw) {
  std::string out;
  for (size_t i = 0; i < raw.size();) {
    if (raw.compare(i, 9, "<![CDATA[") == 0) {
      size_t end = raw.find("]]>", i + 9);
      if (end == std::string_view::npos) end = raw.size();
      out.append(raw.substr(i + 9, end - i - 9));
      i = end == raw.size() ? end : end + 3;
      continue;
    }
    if (raw[i] == '&') {
      size_t semi = raw.find(';', i);
      if (semi != std::string_view::npos && semi - i <= 10) {
        std::string_view ent = raw.substr(i + 1, semi - i - 1);
        std::string decoded;
        if (ent == "amp") decoded = "&";
        else if (ent == "lt") decoded = "<";
        else if (ent == "gt") decoded = ">";
        else if (ent == "quot") decoded = "\"";
        else if (ent == "apos") decoded = "'";
        else if (ent.size() > 1 && ent[0] == '#') {
          const bool hex = ent[1] == 'x' || ent[1] == 'X';
          try {
            const auto cp =
                static_cast<char32_t>(std::stoul(std::string(ent.substr(hex ? 2 : 1)), nullptr, hex ? 16 : 10));
            AppendUtf8(cp == 0 ? kReplacementCharacter : cp, decoded);  // so are surrogates and > U+10FFFF
          } catch (...) {
            decoded.clear();
          }
        }
        if (!decoded.empty()) {
          out += decoded;
          i = semi + 1;
          continue;
        }
      }
    }
    out += raw[i++];
  }
  return std::string(TrimAsciiWhitespace(out));
}

struct InflateEnd {
  void operator()(z_stream* z) const {
    inflateEnd(z);
    delete z;
  }
};

}  // namespace

Sitemap ParseSitemap(std::string_view xml, std::size_t max_urls) {
  Sitemap out;
  bool root_seen = false;
  for (size_t lt = xml.find('<'); lt != std::string_view::npos; lt = xml.find('<', lt + 1)) {
    if (xml.compare(lt, 4, "<!--") == 0) {
      size_t end = xml.find("-->", lt + 4);
      if (end == std::string_view::npos) break;
      lt = end + 2;
      continue;
    }
    bool closing = false;
    const std::string name = TagName(xml, lt, &closing);
    if (name.empty() || closing) continue;
    if (!root_seen) {
      root_seen = true;
      out.is_index = name == "sitemapindex";
    }
    if (name != "loc") continue;
    size_t gt = xml.find('>', lt);
    if (gt == std::string_view::npos) break;
    // The text runs to the next "</...loc>"; CDATA may contain '<'.
    size_t pos = gt + 1;
    size_t end = std::string_view::npos;
    for (size_t search = pos; search < xml.size();) {
      if (xml.compare(search, 9, "<![CDATA[") == 0) {
        size_t close = xml.find("]]>", search + 9);
        if (close == std::string_view::npos) break;
        search = close + 3;
        continue;
      }
      size_t next = xml.find('<', search);
      if (next == std::string_view::npos) break;
      bool is_close = false;
      if (xml.compare(next, 9, "<![CDATA[") == 0) {
        search = next;
        continue;
      }
      if (TagName(xml, next, &is_close) == "loc" && is_close) {
        end = next;
        break;
      }
      search = next + 1;
    }
    if (end == std::string_view::npos) break;
    std::string loc = DecodeText(xml.substr(pos, end - pos));
    if (!loc.empty()) {
      if (out.locations.size() >= max_urls) {
        out.truncated = true;
        break;
      }
      out.locations.push_back(std::move(loc));
    }
    lt = end;
  }
  return out;
}

Result<std::string> Gunzip(std::string_view data, std::size_t max_bytes) {
  std::unique_ptr<z_stream, InflateEnd> z(new z_stream{});
  // 16 + MAX_WBITS: gzip framing (RFC 1952) only.
  if (inflateInit2(z.get(), 16 + MAX_WBITS) != Z_OK) {
    delete z.release();
    return Status::Internal("inflateInit2 failed");
  }
  std::string out;
  z->next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z->avail_in = static_cast<uInt>(data.size());
  char buffer[64 * 1024];
  while (true) {
    z->next_out = reinterpret_cast<Bytef*>(buffer);
    z->avail_out = sizeof buffer;
    int rc = inflate(z.get(), Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z->avail_out);
    if (out.size() > max_bytes) return Status::TooLarge("sitemap larger than " + std::to_string(max_bytes) + " bytes");
    if (rc == Z_STREAM_END) return out;
    if (rc != Z_OK) return Status::Corruption(std::string("gzip: ") + (z->msg ? z->msg : "bad data"));
    if (z->avail_in == 0 && z->avail_out != 0) return Status::Corruption("gzip: truncated");
  }
}

}  // namespace hc::crawl
