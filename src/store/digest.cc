// SHA-1 for WARC digests and content hashes, from OpenSSL's libcrypto (libssl-dev), which libcurl
// already pulls in: it uses the CPU's SHA extensions where present, and hashing every fetched body was
// 14% of a crawl's CPU with the portable FIPS 180-4 code this file used to hold. SHA-1 serves identity,
// not security, in both uses (WARC 1.1 names sha1 as its customary digest).
#include "store/digest.h"

#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/page.h"
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

std::string ContentHash(const std::vector<records::Record>& page_records) {
  Json json = Json::array();
  for (const records::Record& record : page_records) json.push_back(records::ToJson(record));
  return ContentHash(std::move(json));
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
