// extract internals: reading field values from JSON embedded in a page — JSON-LD scripts, Next.js'
// __NEXT_DATA__, `window.__INITIAL_STATE__ = {...}` (docs/selectors.md, "JSON in scripts").
//
// Each script is parsed at most once per page whatever number of fields read it: an EmbeddedJson lives
// for one Extract call and caches each (script element, JsonSource) it has parsed, failures included.
// The JSON is parsed with nlohmann's SAX parser into a tree bounded in depth (kMaxJsonDepth) from a text
// bounded in size (limits.max_json_bytes); where a JavaScript assignment or a regex marks the
// start of the value, the parser finds its end. Nothing here throws.
//
// Thread-safety: one EmbeddedJson per Extract call; not shared.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "extract/extract_internal.h"

namespace hc::extract {

class EmbeddedJson {
 public:
  // `index` must outlive this object; `max_bytes` is the site's limits.max_json_bytes.
  EmbeddedJson(const html::ElementIndex& index, int64_t max_bytes) : index_(index), max_bytes_(max_bytes) {}

  struct Reading {
    std::vector<std::string> values;  // scalars as text: "103856", "true", "2026-02-27"; none when below
    std::string problem;  // JSON that is there but cannot be read (not JSON, too big, an object): a note
    std::string missing;  // nothing to read (no such script, the pointer resolves nowhere): why
  };
  // The value(s) `rule` points at, from the scripts its selector matches under `scope`: the first
  // script (or the rule's index-th) whose JSON resolves the pointer. With `all` an array gives its
  // items; without it an array is a problem, as an object always is.
  Reading Read(const JsonRule& rule, html::Node scope, bool all);

 private:
  struct Parsed {
    bool ok = false;
    nlohmann::json value;
    std::string problem;  // when !ok
  };
  const Parsed& Parse(html::Node script, const JsonSource& source);

  const html::ElementIndex& index_;
  int64_t max_bytes_;
  std::map<std::pair<const void*, const JsonSource*>, Parsed> parsed_;
};

// How many script texts have been handed to the JSON parser in this process: what the tests read to
// see that N fields over one script parse it once.
int64_t JsonParseCount();

}  // namespace hc::extract
