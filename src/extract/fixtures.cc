// Golden fixtures: a saved page and the JSON its site's config must turn it into. The golden test runs
// every one; `healthcrawl selectors check` runs them for a site author and reports fill rates, the
// first sign that a selector has drifted from the site's markup.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

Result<std::string> ReadBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path.string());
  return out.str();
}

std::string Shorten(const nlohmann::json& value) {
  constexpr size_t kMax = 160;
  std::string s = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (s.size() <= kMax) return s;
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut) + "...";
}

bool Filled(const Json& v) {
  if (v.is_null()) return false;
  if (v.is_string()) return !v.get_ref<const std::string&>().empty();
  if (v.is_array() || v.is_object()) return !v.empty();
  return true;
}

void CountRecord(const RecordRule& rule, const std::vector<const Json*>& records, const std::string& prefix,
                 const std::string& page_type, std::vector<FillRate>* out) {
  auto count = [&](const std::string& label, auto&& value_of) {
    FillRate rate{page_type, label, 0, static_cast<int>(records.size())};
    for (const Json* r : records) rate.filled += Filled(value_of(*r)) ? 1 : 0;
    out->push_back(std::move(rate));
  };
  static const Json kNull;
  for (size_t i = 0; i < rule.kind->fields.size(); ++i) {
    if (!rule.fields[i]) continue;
    const std::string name(rule.kind->fields[i].name);
    count(prefix + name, [&](const Json& r) -> const Json& { return r.contains(name) ? r[name] : kNull; });
  }
  for (const FieldRule& f : rule.extra) {
    count(prefix + "extra." + f.name, [&](const Json& r) -> const Json& {
      return r.contains("extra") && r["extra"].contains(f.name) ? r["extra"][f.name] : kNull;
    });
  }
  for (const ListRule& list : rule.lists) {
    const std::string name(list.spec->name);
    std::vector<const Json*> items;
    for (const Json* r : records) {
      if (!r->contains(name) || !(*r)[name].is_array()) continue;
      for (const Json& item : (*r)[name]) items.push_back(&item);
    }
    CountRecord(list.record, items, name + "[].", page_type, out);
  }
  for (const ChildListRule& list : rule.children) {
    std::vector<const Json*> items;
    for (const Json* r : records) {
      const Json* children = r->contains("children") ? &(*r)["children"] : nullptr;
      if (!children || !children->contains(list.name) || !(*children)[list.name].is_array()) continue;
      for (const Json& item : (*children)[list.name]) items.push_back(&item);
    }
    for (const FieldRule& f : list.fields) {
      FillRate rate{page_type, prefix + "children." + list.name + "[]." + f.name, 0,
                    static_cast<int>(items.size())};
      for (const Json* item : items) rate.filled += item->contains(f.name) && Filled((*item)[f.name]) ? 1 : 0;
      out->push_back(std::move(rate));
    }
  }
}

// The notes a fixture declares; none without a notes file.
Result<std::vector<std::string>> ReadExpectedNotes(const std::filesystem::path& file) {
  std::vector<std::string> out;
  if (file.empty()) return out;
  auto text = ReadBytes(file);
  if (!text.ok()) return text.status();
  Json notes = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!notes.is_array()) return Status::InvalidArgument(file.string() + ": not a JSON array of notes");
  for (const Json& n : notes) {
    if (!n.is_string()) return Status::InvalidArgument(file.string() + ": every note must be a string");
    out.push_back(n.get<std::string>());
  }
  return out;
}

std::vector<std::string> CompareNotes(std::vector<std::string> expected, const std::vector<FieldNote>& made) {
  std::vector<std::string> out;
  for (const FieldNote& note : made) {
    std::string text = note.field + ": " + note.problem;
    auto it = std::find(expected.begin(), expected.end(), text);
    if (it != expected.end()) {
      expected.erase(it);
    } else {
      out.push_back("unexpected note: " + text);
    }
  }
  for (const std::string& left : expected) out.push_back("expected note not made: " + left);
  return out;
}

}  // namespace

std::vector<FixturePage> FindFixtures(const std::filesystem::path& fixtures_dir, std::string_view site) {
  std::vector<FixturePage> out;
  std::error_code ec;
  std::vector<std::filesystem::path> site_dirs;
  if (!site.empty()) {
    site_dirs.push_back(fixtures_dir / std::string(site));
  } else {
    for (std::filesystem::directory_iterator it(fixtures_dir, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_directory(ec)) site_dirs.push_back(it->path());
    }
  }
  for (const auto& dir : site_dirs) {
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const auto& p = it->path();
      if (p.extension() != ".html" || !it->is_regular_file(ec)) continue;
      auto expected = p.parent_path() / (p.stem().string() + ".expected.json");
      if (!std::filesystem::is_regular_file(expected, ec)) continue;
      std::string site_key = dir.filename().string();
      auto notes = p.parent_path() / (p.stem().string() + ".notes.json");
      if (!std::filesystem::is_regular_file(notes, ec)) notes.clear();
      out.push_back({site_key, site_key + "/" + p.stem().string(), p, expected, notes});
    }
    ec.clear();
  }
  std::sort(out.begin(), out.end(), [](const FixturePage& a, const FixturePage& b) { return a.name < b.name; });
  return out;
}

std::vector<std::string> DescribeDifferences(const Json& expected, const Json& actual) {
  // Compare as unordered JSON: the order of keys in a hand-edited fixture does not matter.
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;  // never throw on a stray byte
  nlohmann::json e = nlohmann::json::parse(expected.dump(-1, ' ', false, kReplace));
  nlohmann::json a = nlohmann::json::parse(actual.dump(-1, ' ', false, kReplace));
  std::vector<std::string> out;
  if (e == a) return out;
  std::map<std::string, size_t> next_index;  // JSON Patch appends with "/-"; name the index instead
  for (const auto& op : nlohmann::json::diff(e, a)) {
    const std::string kind = op["op"];
    std::string path = op["path"];
    if (kind == "add" && path.ends_with("/-")) {
      const std::string parent = path.substr(0, path.size() - 2);
      auto [it, inserted] = next_index.try_emplace(parent, 0);
      if (inserted) it->second = e.at(nlohmann::json::json_pointer(parent)).size();
      path = parent + "/" + std::to_string(it->second++);
      out.push_back(path + ": unexpected " + Shorten(op["value"]));
      continue;
    }
    nlohmann::json::json_pointer ptr(path);
    if (kind == "replace") {
      out.push_back(path + ": expected " + Shorten(e.at(ptr)) + ", got " + Shorten(op["value"]));
    } else if (kind == "add") {
      out.push_back(path + ": unexpected " + Shorten(op["value"]));
    } else if (kind == "remove") {
      out.push_back(path + ": missing, expected " + Shorten(e.at(ptr)));
    } else {
      out.push_back(path + ": " + op.dump());
    }
  }
  return out;
}

Result<FixtureRun> RunFixture(const SelectorProgram& program, const FixturePage& fixture) {
  auto expected_text = ReadBytes(fixture.expected);
  if (!expected_text.ok()) return expected_text.status();
  FixtureRun run;
  try {
    run.expected = Json::parse(*expected_text);
  } catch (const nlohmann::json::exception& e) {
    return Status::InvalidArgument(fixture.expected.string() + ": bad JSON: " + e.what());
  }
  if (!run.expected.is_object() || !run.expected.contains("url") || !run.expected["url"].is_string() ||
      !run.expected.contains("fetched_at") || !run.expected["fetched_at"].is_string()) {
    return Status::InvalidArgument(fixture.expected.string() + ": needs string members \"url\" and \"fetched_at\"");
  }
  run.input.url = run.expected["url"].get<std::string>();
  const std::string fetched_at = run.expected["fetched_at"].get<std::string>();
  if (!ParseIso8601(fetched_at, &run.input.fetched_at)) {
    return Status::InvalidArgument(fixture.expected.string() + ": fetched_at '" + fetched_at +
                                   "' is not an ISO 8601 time such as 2026-03-01T02:00:00Z");
  }
  auto bytes = ReadBytes(fixture.html);
  if (!bytes.ok()) return bytes.status();
  html::DecodedText decoded = html::DecodeToUtf8(*bytes);
  html::ParseOptions parse_options;
  parse_options.valid_utf8 = true;  // DecodeToUtf8 always gives valid UTF-8
  auto doc = html::Document::Parse(std::move(decoded.utf8), parse_options);
  if (!doc.ok()) return Status::InvalidArgument(fixture.html.string() + ": " + doc.status().message());
  run.page = program.Extract(*doc, run.input);
  run.actual = ToJson(run.page, run.input);
  run.differences = DescribeDifferences(run.expected, run.actual);
  auto expected_notes = ReadExpectedNotes(fixture.expected_notes);
  if (!expected_notes.ok()) return expected_notes.status();
  run.note_differences = CompareNotes(*expected_notes, run.page.field_notes);
  return run;
}

std::vector<FillRate> ComputeFillRates(const SelectorProgram& program, const std::vector<ExtractedPage>& pages) {
  std::vector<FillRate> out;
  for (const PageTypeRule& pt : program.rep_->page_types) {
    if (!pt.record) continue;
    // Counted over the page JSON form, where "filled" has one meaning for fields, extra and lists.
    std::vector<Json> json_records;
    for (const ExtractedPage& page : pages) {
      if (page.site != program.config().key || page.page_type != pt.info.name) continue;
      for (const records::Record& r : page.records) json_records.push_back(records::ToJson(r));
    }
    std::vector<const Json*> records;
    for (const Json& r : json_records) records.push_back(&r);
    if (records.empty()) continue;
    CountRecord(*pt.record, records, std::string(pt.record->kind->name) + ".", pt.info.name, &out);
  }
  return out;
}

}  // namespace hc::extract
