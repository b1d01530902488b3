// SHA-1 for WARC digests and content hashes, from OpenSSL's libcrypto (libssl-dev), which libcurl
// already pulls in: it uses the CPU's SHA extensions where present, and hashing every fetched body was
// 14% of a crawl's CPU with the portable FIPS 180-4 code this file used to hold. SHA-1 serves identity,
// not security, in both uses (WARC 1.1 names sha1 as its customary digest).
#include "store/digest.h"

#include <openssl/sha.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/page.h"
#include "core/text.h"
#include "core/vocabulary.h"
#include "store/dataset.h"

namespace hc::store {

std::string Sha1(std::string_view data) {
  ReportPageFact(PageFact::kSha1, data);
  std::string out(SHA_DIGEST_LENGTH, '\0');
  // The one-shot SHA1() (not deprecated in OpenSSL 3, unlike SHA1_Init) needs no context object.
  SHA1(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
       reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

namespace {

// A record's page JSON as content_hash reads it (records::HashRole): counters left out; the fields
// added in schema v9 left out while null; a vocabulary field hashed as the page printed it (its raw
// text), and an academic title left out when it is what that text splits into. So the bytes are those
// hashed before v9 for every page whose content did not change.
void ToHashForm(const records::RecordKind& kind, Json& j) {
  for (const records::FieldSpec& f : kind.fields) {
    const std::string name(f.name);
    switch (f.hash) {
      case records::HashRole::kHashed:
      case records::HashRole::kRawText:
        break;  // below, after every split has read its raw text
      case records::HashRole::kCounter:
        j.erase(name);
        break;
      case records::HashRole::kAddedWhenSet:
        if (j.value(name, Json()).is_null()) j.erase(name);
        break;
      case records::HashRole::kSplitFromRaw: {
        const Json value = j.value(name, Json());
        const Json raw = j.value(std::string(f.filled_by) + "_raw", Json());
        if (value.is_null() || (raw.is_string() && vocabulary::ReadTitles(raw.get<std::string>()).academic ==
                                                       value.get<std::string>())) {
          j.erase(name);
        }
        break;
      }
    }
  }
  for (const records::FieldSpec& f : kind.fields) {
    if (f.hash != records::HashRole::kRawText) continue;
    const std::string name(f.name);
    Json raw = j.value(name, Json());
    if (!raw.is_null()) j[std::string(f.filled_by)] = std::move(raw);
    j.erase(name);
  }
  for (const records::ListSpec& l : kind.lists) {
    const records::RecordKind* item_kind = records::FindRecordKind(l.kind);
    auto items = j.find(std::string(l.name));
    if (!item_kind || items == j.end() || !items->is_array()) continue;
    for (Json& item : *items) ToHashForm(*item_kind, item);
  }
}

}  // namespace

// The content hash of a page: SHA-1 over its records' page JSON in hash form (ToHashForm), so that a
// page whose only change is a counter (views, helpful votes) is unchanged: its counters become
// observations. The bytes are those hashed since schema v1: an unchanged page keeps its hash.
std::string ContentHash(Json records_json) {
  for (Json& record : records_json) {
    const records::RecordKind* kind = records::FindRecordKind(record.value("type", std::string()));
    if (kind != nullptr) ToHashForm(*kind, record);
  }
  // The dump the store writes all its JSON with (sqlite_internal.h's DumpJson): compact, invalid UTF-8
  // replaced.
  return HexLower(Sha1(records_json.dump(-1, ' ', false, Json::error_handler_t::replace)));
}

namespace {

// The bytes below are those of ContentHash(Json) above, written from the typed records without building
// the JSON tree: nlohmann's compact dump (no spaces, ordered members, ensure_ascii off, invalid UTF-8
// replaced) of the records in hash form. tests/store/content_hash_test.cc compares the two on every
// fixture page and on hand-made records with every hash role, escape and child value.
constexpr auto kReplace = Json::error_handler_t::replace;

void AppendString(std::string_view s, std::string& out) {
  if (!IsValidUtf8(s)) {  // nlohmann's replacement of invalid sequences is its own: let it write them
    out += Json(std::string(s)).dump(-1, ' ', false, kReplace);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.substr(run, i - run));
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(s.substr(run));
  out += '"';
}

void AppendKey(std::string_view key, std::string& out) {
  AppendString(key, out);
  out += ':';
}

void AppendValue(const records::Text& v, std::string& out) {
  if (v) {
    AppendString(*v, out);
  } else {
    out += "null";
  }
}
void AppendValue(const records::Int& v, std::string& out) { out += v ? std::to_string(*v) : "null"; }
void AppendValue(const records::TextList& v, std::string& out) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    AppendString(v[i], out);
  }
  out += ']';
}
void AppendValue(const records::ConstFieldSlot& slot, std::string& out) {
  std::visit([&](const auto* v) { AppendValue(*v, out); }, slot);
}

bool IsNull(const records::ConstFieldSlot& slot) {
  if (const auto* t = std::get_if<const records::Text*>(&slot)) return !**t;
  if (const auto* i = std::get_if<const records::Int*>(&slot)) return !**i;
  return false;
}

std::optional<std::size_t> FieldIndex(const records::RecordKind& kind, std::string_view name) {
  for (std::size_t i = 0; i < kind.fields.size(); ++i) {
    if (kind.fields[i].name == name) return i;
  }
  return std::nullopt;
}

// A child list's JSON (records::ToJson's "children"): objects keyed by name, so a repeated name would
// keep its first position and its last value there. Such a page goes through the JSON tree instead.
bool AppendChildren(const records::ChildLists& children, std::string& out) {
  out += '{';
  for (std::size_t l = 0; l < children.size(); ++l) {
    for (std::size_t k = 0; k < l; ++k) {
      if (children[k].name == children[l].name) return false;
    }
    if (l > 0) out += ',';
    AppendKey(children[l].name, out);
    out += '[';
    for (std::size_t i = 0; i < children[l].items.size(); ++i) {
      const std::vector<records::ChildField>& fields = children[l].items[i].fields;
      if (i > 0) out += ',';
      out += '{';
      for (std::size_t f = 0; f < fields.size(); ++f) {
        for (std::size_t k = 0; k < f; ++k) {
          if (fields[k].name == fields[f].name) return false;
        }
        if (f > 0) out += ',';
        AppendKey(fields[f].name, out);
        std::visit(
            [&](const auto& v) {
              using V = std::decay_t<decltype(v)>;
              if constexpr (std::is_same_v<V, std::monostate>) {
                out += "null";
              } else if constexpr (std::is_same_v<V, std::string>) {
                AppendString(v, out);
              } else if constexpr (std::is_same_v<V, int64_t>) {
                out += std::to_string(v);
              } else if constexpr (std::is_same_v<V, bool>) {
                out += v ? "true" : "false";
              } else {
                AppendValue(v, out);
              }
            },
            fields[f].value);
      }
      out += '}';
    }
    out += ']';
  }
  out += '}';
  return true;
}

// One record in hash form (ToHashForm above): false when only the JSON tree can write it.
bool AppendHashForm(records::RecordRef record, std::string& out) {
  const records::RecordKind& kind = *record.kind;
  out += "{\"type\":";
  AppendString(kind.name, out);
  for (std::size_t i = 0; i < kind.fields.size(); ++i) {
    const records::FieldSpec& f = kind.fields[i];
    records::ConstFieldSlot value = records::FieldAt(record, i);
    switch (f.hash) {
      case records::HashRole::kCounter:
      case records::HashRole::kRawText:  // hashed in the place of the field it is the raw text of
        continue;
      case records::HashRole::kAddedWhenSet:
        if (IsNull(value)) continue;
        break;
      case records::HashRole::kSplitFromRaw: {
        if (IsNull(value)) continue;
        const auto raw_index = FieldIndex(kind, std::string(f.filled_by) + "_raw");
        if (raw_index) {
          const records::ConstFieldSlot raw = records::FieldAt(record, *raw_index);
          const auto* raw_text = std::get_if<const records::Text*>(&raw);
          const auto* text = std::get_if<const records::Text*>(&value);
          if (raw_text && **raw_text && text && vocabulary::ReadTitles(***raw_text).academic == ***text) {
            continue;
          }
        }
        break;
      }
      case records::HashRole::kHashed:
        break;
    }
    // A field whose raw text the page printed is hashed as that text (when there is one).
    for (std::size_t r = 0; r < kind.fields.size(); ++r) {
      if (kind.fields[r].hash != records::HashRole::kRawText || kind.fields[r].filled_by != f.name) continue;
      records::ConstFieldSlot raw = records::FieldAt(record, r);
      if (!IsNull(raw)) value = raw;
    }
    out += ',';
    AppendKey(f.name, out);
    AppendValue(value, out);
  }
  out += ",\"extra\":";
  out += records::ExtraOf(record).dump(-1, ' ', false, kReplace);
  for (std::size_t l = 0; l < kind.lists.size(); ++l) {
    out += ',';
    AppendKey(kind.lists[l].name, out);
    out += '[';
    const std::size_t n = records::ListSize(record, l);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out += ',';
      if (!AppendHashForm(records::ListItem(record, l, i), out)) return false;
    }
    out += ']';
  }
  const records::ChildLists& children = records::ChildrenOf(record);
  if (!children.empty()) {
    out += ",\"children\":";
    if (!AppendChildren(children, out)) return false;
  }
  out += '}';
  return true;
}

}  // namespace

std::string ContentHash(const std::vector<records::Record>& page_records) {
  std::string bytes = "[";
  for (std::size_t i = 0; i < page_records.size(); ++i) {
    const records::RecordRef record = records::RefOf(page_records[i]);
    ReportPageFact(PageFact::kRecordJson, record.kind->name);
    if (i > 0) bytes += ',';
    if (!AppendHashForm(record, bytes)) {
      Json json = Json::array();
      for (const records::Record& r : page_records) json.push_back(records::ToJson(r));
      return ContentHash(std::move(json));
    }
  }
  bytes += ']';
  return HexLower(Sha1(bytes));
}

std::string Base32(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  while (out.size() % 8 != 0) out += '=';
  return out;
}

std::string HexLower(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

}  // namespace hc::store
