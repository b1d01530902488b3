// PgStore: the raw archive on PostgreSQL. Bodies are bytea, compressed by the same ArchiveCodec as on
// SQLite (archive_codec_internal.h), with the same per-site zstd dictionaries, kept in
// zstd_dictionaries through PgDictionaries.
#include <string>
#include <vector>

#include "store/pg_rep_internal.h"

namespace hc::store {

namespace pg {

Result<std::optional<internal::DictionaryRow>> PgDictionaries::Latest(int64_t site_id) {
  auto r = conn_.Exec(
      "SELECT id, dict_sha1, trained_ratio FROM zstd_dictionaries WHERE site_id = $1"
      " ORDER BY id DESC LIMIT 1",
      Params().Add(site_id).span());
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<internal::DictionaryRow>();
  return std::optional<internal::DictionaryRow>(
      internal::DictionaryRow{Int(*r, 0, 0), std::string(r->Text(0, 1)), Real(*r, 0, 2)});
}

Result<std::optional<internal::DictionaryBytes>> PgDictionaries::Load(int64_t id) {
  auto r = conn_.Exec("SELECT dict, dict_sha1 FROM zstd_dictionaries WHERE id = $1", Params().Add(id).span());
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return std::optional<internal::DictionaryBytes>();
  auto dict = r->Bytes(0, 0);
  if (!dict.ok()) return dict.status();
  return std::optional<internal::DictionaryBytes>(
      internal::DictionaryBytes{std::move(*dict), std::string(r->Text(0, 1))});
}

Result<int64_t> PgDictionaries::Store(const internal::NewDictionary& d) {
  Params p;
  p.Add(d.site_id).Add(d.created_at).Bytes(d.dict).Add(d.sha1).Add(d.sample_pages).Add(d.sample_bytes);
  p.Add(d.trained_ratio).Add(d.plain_ratio);
  auto r = conn_.Exec(
      "INSERT INTO zstd_dictionaries (site_id, created_at, dict, dict_sha1, sample_pages, sample_bytes,"
      " trained_ratio, plain_ratio) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      p.span());
  if (!r.ok()) return r.status();
  const int64_t id = Int(*r, 0, 0);
  // Superseded dictionaries of the site that no row names any more.
  auto gone = conn_.Exec(
      "DELETE FROM zstd_dictionaries WHERE site_id = $1 AND id < $2 AND NOT EXISTS"
      " (SELECT 1 FROM raw_responses r WHERE r.dictionary_id = zstd_dictionaries.id)",
      Params().Add(d.site_id).Add(id).span());
  if (!gone.ok()) return gone.status();
  return id;
}

}  // namespace pg

Result<std::vector<int64_t>> PgStore::ListRawResponses(const RawQuery& query) {
  HC_RETURN_IF_ERROR(Flush());
  pg::Params p;
  p.Add(query.site);
  if (query.since) {
    p.Add(FormatUtc(*query.since));
  } else {
    p.Null();
  }
  p.Add(query.latest_only ? "true" : "false");
  auto r = rep_->conn->Exec(
      "SELECT r.id FROM raw_responses r JOIN pages p ON p.id = r.page_id JOIN sites s ON s.id = p.site_id"
      " WHERE ($1 = '' OR s.key = $1) AND ($2::text IS NULL OR r.fetched_at >= $2)"
      " AND (NOT $3::boolean OR r.id = (SELECT r2.id FROM raw_responses r2 WHERE r2.page_id = r.page_id"
      " ORDER BY r2.fetched_at DESC, r2.id DESC LIMIT 1))"
      " ORDER BY r.fetched_at COLLATE \"C\", r.id",
      p.span());
  if (!r.ok()) return r.status();
  std::vector<int64_t> ids;
  ids.reserve(static_cast<size_t>(r->rows()));
  for (int i = 0; i < r->rows(); ++i) ids.push_back(pg::Int(*r, i, 0));
  return ids;
}

Result<ArchivedResponse> PgStore::GetRawResponse(int64_t id) {
  auto r = rep_->conn->Exec(
      "SELECT s.key, r.url, r.fetched_at, r.http_status, r.headers, r.body, r.body_size, r.dictionary_id,"
      " d.dict_sha1 FROM raw_responses r JOIN pages p ON p.id = r.page_id JOIN sites s ON s.id = p.site_id"
      " LEFT JOIN zstd_dictionaries d ON d.id = r.dictionary_id WHERE r.id = $1",
      pg::Params().Add(id).span());
  if (!r.ok()) return r.status();
  if (r->rows() == 0) return Status::NotFound("no archived response " + std::to_string(id));
  ArchivedResponse out;
  out.id = id;
  out.site = std::string(r->Text(0, 0));
  out.response.url = std::string(r->Text(0, 1));
  if (!ParseIso8601(std::string(r->Text(0, 2)), &out.response.fetched_at)) {
    return Status::Corruption("archived response " + std::to_string(id) + ": bad fetched_at");
  }
  out.response.status = static_cast<int>(pg::Int(*r, 0, 3));
  Json headers = Json::parse(r->Text(0, 4), nullptr, /*allow_exceptions=*/false);
  if (headers.is_array()) {
    for (const auto& h : headers) {
      if (h.is_array() && h.size() == 2 && h[0].is_string() && h[1].is_string()) {
        out.response.headers.emplace_back(h[0].get<std::string>(), h[1].get<std::string>());
      }
    }
  }
  auto frame = r->Bytes(0, 5);
  if (!frame.ok()) return frame.status();
  pg::PgDictionaries dictionaries(*rep_->conn);
  auto body = rep_->archive->Decompress(dictionaries, id, *frame, pg::Int(*r, 0, 6), pg::OptInt(*r, 0, 7),
                                        pg::OptText(*r, 0, 8));
  if (!body.ok()) return body.status();
  out.response.body = std::move(*body);
  return out;
}

}  // namespace hc::store
