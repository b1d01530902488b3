// NoteTally: what a run's conversion notes add up to, per field.
#include <algorithm>

#include "extract/extract.h"

namespace hc::extract {

void NoteTally::Add(std::string_view url, const std::vector<FieldNote>& notes) {
  for (const FieldNote& note : notes) {
    // A config names a few dozen fields at most: a linear search beats a map's allocations here.
    auto it =
        std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.field == note.field; });
    if (it == entries_.end()) {
      entries_.push_back({note.field, 1, note.problem, std::string(url)});
    } else {
      ++it->count;
    }
  }
}

Json NoteTally::ToJson() const {
  Json out = Json::object();
  for (const Entry& e : entries_) out[e.field] = {{"count", e.count}, {"example", e.example}, {"url", e.url}};
  return out;
}

std::vector<std::string> NoteTally::Lines() const {
  std::vector<std::string> lines;
  for (const Entry& e : entries_) {
    lines.push_back("field " + e.field + ": " + std::to_string(e.count) +
                    (e.count == 1 ? " note" : " notes") + ", e.g. " + e.example + " (" + e.url + ")");
  }
  return lines;
}

}  // namespace hc::extract
