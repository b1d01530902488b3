// Running a compiled config over one parsed page: page type by URL, fields by rule, child lists scoped
// per item, links resolved against <base href> and filtered. Everything here reads the one Gumbo tree
// and the precompiled selectors and regexes in the Rep; nothing is compiled or re-parsed per page.
#include <date/tz.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <sstream>
#include <type_traits>
#include <unordered_set>
#include <utility>

#include "core/text.h"
#include "extract/embedded_json.h"
#include "extract/extract_internal.h"

namespace hc::extract {
namespace {

bool HostMatches(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) && host[host.size() - domain.size() - 1] == '.';
}

std::string Quote(std::string_view s) {
  constexpr size_t kMax = 80;
  std::string out = "\"";
  if (s.size() <= kMax) {
    out += s;
  } else {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    out += s.substr(0, cut);
    out += "...";
  }
  return out + "\"";
}

// A canonical field's value (Field's JSON, whose shape the config compiler matched to the field's) moved
// into the record's member.
void Assign(Json&& value, records::Text* slot) {
  if (value.is_string()) *slot = std::move(value.get_ref<std::string&>());
}
void Assign(Json&& value, records::Int* slot) {
  if (value.is_number_integer()) *slot = value.get<int64_t>();
}
void Assign(Json&& value, records::TextList* slot) {
  if (!value.is_array()) return;
  slot->reserve(value.size());
  for (Json& s : value) {
    if (s.is_string()) slot->push_back(std::move(s.get_ref<std::string&>()));
  }
}

// Everything one Extract call shares while it walks the records.
class PageExtraction {
 public:
  PageExtraction(const SelectorProgram::Rep& rep, const html::Document& doc, const PageInput& input,
                 ExtractedPage* page)
      : rep_(rep), doc_(doc), input_(input), page_(page), index_(doc), json_(index_, rep.max_json_bytes) {
    // The crawl hands the page URL parsed already (the page value's); other callers give a string.
    auto url = input.parsed_url ? Result<Url>(*input.parsed_url) : Url::Parse(input.url);
    if (url.ok()) {
      page_url_ = std::move(*url);
      base_ = page_url_;
      // <base href> changes what relative links resolve against (HTML Standard, "document base URL").
      if (auto base = html::SelectFirst(doc.document(), rep.base_selector, index_)) {
        if (auto href = base->attr("href")) {
          auto resolved = Url::Parse(*href, &*page_url_);
          if (resolved.ok()) base_ = std::move(*resolved);
        }
      }
    } else {
      page_->notes.push_back("page URL " + Quote(input.url) + " does not parse (" + url.status().message() +
                             "): relative URLs cannot be resolved");
    }
  }

  // `path` names this record's values on this page ("answers[1]."), `label` the same for every page
  // ("answers[].", "article."), which is how notes are counted across pages.
  records::Record Record(const RecordRule& rule, html::Node scope, bool scope_is_document, const std::string& path,
                         const std::string& label) {
    records::Record record = records::NewRecord(*rule.kind);
    for (size_t i = 0; i < rule.kind->fields.size(); ++i) {
      const auto& field = rule.fields[i];
      // Unconfigured: null, or [] for a list of strings (NewRecord's values); a list column is never null.
      if (!field) continue;
      Json value = Field(*field, scope, scope_is_document, path + field->name, label + field->name);
      if (IsVocabularyType(field->type))
        value = SpreadVocabulary(std::move(value), *rule.kind, field->name, record);
      std::visit([&](auto* slot) { Assign(std::move(value), slot); }, records::FieldAt(record, i));
    }
    Json& extra = records::ExtraOf(record);
    for (const FieldRule& field : rule.extra) {
      Json value =
          Field(field, scope, scope_is_document, path + "extra." + field.name, label + "extra." + field.name);
      // An extra field holds the canonical value alone.
      if (value.is_object() && IsVocabularyType(field.type)) value = std::move(value["value"]);
      extra[field.name] = std::move(value);
    }
    // In the kind's list order, as failures and notes have always been made.
    for (size_t list_index = 0; list_index < rule.kind->lists.size(); ++list_index) {
      const ListSpec& spec = rule.kind->lists[list_index];
      auto list = std::find_if(rule.lists.begin(), rule.lists.end(),
                               [&](const ListRule& l) { return l.spec == &spec; });
      if (list == rule.lists.end()) continue;  // unconfigured: []
      std::vector<html::Node> nodes = html::Select(scope, list->css, index_);
      for (size_t i = 0; i < nodes.size(); ++i) {
        std::string item_path = path + std::string(spec.name) + "[" + std::to_string(i) + "].";
        // The config compiler gave the list's rule the list's kind, so the append cannot fail.
        (void)records::AppendToList(record, list_index,
                                    Record(list->record, nodes[i], false, item_path, std::string(spec.name) + "[]."));
      }
      if (nodes.empty()) {
        std::string list_path = path + std::string(spec.name);
        if (list->required) {
          page_->failures.push_back({list_path, "required list is empty"});
        } else {
          page_->notes.push_back(list_path + ": no items");
        }
      }
    }
    for (const ChildListRule& list : rule.children) {
      records::ChildrenOf(record).push_back(Children(list, scope, path, label));
    }
    return record;
  }

  // A child list: one item per element `list.css` selects, each with every field of the list (null
  // when the item lacks it), so items never go out of step.
  records::ChildList Children(const ChildListRule& list, html::Node scope, const std::string& path,
                              const std::string& label) {
    records::ChildList out{list.name, {}};
    const std::string list_path = path + "children." + list.name;
    std::vector<html::Node> nodes = html::Select(scope, list.css, index_);
    out.items.reserve(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
      const std::string item_path = list_path + "[" + std::to_string(i) + "].";
      const std::string item_label = label + "children." + list.name + "[].";
      records::ChildRecord item{list.name, {}};
      item.fields.reserve(list.fields.size());
      for (const FieldRule& field : list.fields) {
        Json value = Field(field, nodes[i], false, item_path + field.name, item_label + field.name);
        item.fields.push_back({field.name, ChildValueOf(std::move(value))});
      }
      out.items.push_back(std::move(item));
    }
    if (nodes.empty()) {
      if (list.required) {
        page_->failures.push_back({list_path, "required list is empty"});
      } else {
        page_->notes.push_back(list_path + ": no items");
      }
    }
    return out;
  }

  // Field's JSON (null, a string, an integer, a bool or an array of strings) as a typed value.
  static records::ChildValue ChildValueOf(Json&& value) {
    if (value.is_string()) return std::move(value.get_ref<std::string&>());
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_array()) {
      records::TextList list;
      for (Json& s : value) {
        if (s.is_string()) list.push_back(std::move(s.get_ref<std::string&>()));
      }
      return list;
    }
    return std::monostate();
  }

  std::vector<PageLink> Links() {
    std::vector<PageLink> links;
    if (!base_) return links;
    // Pages repeat hrefs (navigation, "more" links), and an href seen before resolves to a key seen
    // before: only first occurrences are parsed. The views point into the Document.
    const std::size_t max_url = static_cast<std::size_t>(rep_.config.max_url_length);
    const std::size_t max_links = static_cast<std::size_t>(rep_.config.max_links_per_page);
    // `extract --links` records each link's fate here, at the decision itself, so the listing can
    // never disagree with what the crawl follows.
    std::vector<LinkFate>* fates = input_.explain_links ? &page_->link_fates : nullptr;
    // Views only: nothing is copied for a crawl, which does not ask for the fates.
    auto fate = [&](std::string_view href, std::string_view url, LinkDrop drop, std::string_view deny_rule = {}) {
      if (!fates) return;
      std::string rule(deny_rule);
      if (drop == LinkDrop::kTooLong) rule = "max_url_length " + std::to_string(max_url);
      if (drop == LinkDrop::kOverCap) rule = "max_links_per_page " + std::to_string(max_links);
      fates->push_back({std::string(href.substr(0, max_url)), std::string(url), drop, std::move(rule), {}, 0});
    };
    int64_t too_long = 0;  // hrefs or resolved links over max_url_length
    int64_t over_cap = 0;  // links to follow past max_links_per_page
    std::vector<std::string_view> hrefs;
    // For the fates only: each over-long href and how many hrefs came before it, so that its fate is
    // listed in document order.
    std::vector<std::pair<size_t, std::string_view>> long_hrefs;
    for (html::Node a : html::Select(doc_.document(), rep_.link_selector, index_)) {
      auto href = a.attr("href");
      if (!href) continue;
      // Not even parsed: a 10 MB href would be copied into a Url, its key and every table it reached.
      if (href->size() > max_url) {
        ++too_long;
        if (fates) long_hrefs.emplace_back(hrefs.size(), *href);
        continue;
      }
      hrefs.push_back(*href);
    }
    size_t next_long = 0;
    auto long_fates_before = [&](size_t position) {
      for (; next_long < long_hrefs.size() && long_hrefs[next_long].first <= position; ++next_long) {
        fate(long_hrefs[next_long].second, {}, LinkDrop::kTooLong);
      }
    };
    const std::vector<bool> first_href = FirstOccurrences(hrefs);
    // One pass, keeping only what is taken: a page of 300,000 links held a parsed Url and a key for each
    // at once (about 40 MB) before the cap could apply. Views into `links` keys stay valid: it never
    // grows past its reserve.
    links.reserve(std::min(hrefs.size(), max_links));
    std::unordered_set<std::string_view> taken;
    std::unordered_set<std::uint64_t> past_cap;  // hashes of the keys past the cap, only to count them
    for (size_t i = 0; i < hrefs.size(); ++i) {
      long_fates_before(i);
      if (!first_href[i]) {
        fate(hrefs[i], {}, LinkDrop::kDuplicate);
        continue;
      }
      auto url = Url::Parse(hrefs[i], &*base_);
      if (!url.ok()) {  // broken hrefs
        fate(hrefs[i], {}, LinkDrop::kUnresolvable);
        continue;
      }
      if (!url->is_http()) {  // javascript:, mailto:, tel:
        fate(hrefs[i], url->href(), LinkDrop::kNotHttp);
        continue;
      }
      // Off-site links are dropped before their key is computed (ShouldFollow would drop them).
      if (!InAllowedDomains(rep_, *url)) {
        fate(hrefs[i], url->href(), LinkDrop::kOtherHost);
        continue;
      }
      auto key = NormalizeUrl(*url, rep_.config.url_normalization);
      if (!key.ok()) {
        fate(hrefs[i], url->href(), LinkDrop::kUnresolvable);
        continue;
      }
      if (key->size() > max_url) {  // a short relative href against a long base
        ++too_long;
        fate(hrefs[i], {}, LinkDrop::kTooLong);
        continue;
      }
      if (taken.contains(*key)) {
        fate(hrefs[i], *key, LinkDrop::kDuplicate);
        continue;
      }
      const SelectorProgram::LinkClass link = Classify(rep_, *url, *key);
      if (!link.follow) {
        fate(hrefs[i], *key, link.drop, link.deny_rule);
        continue;
      }
      const int priority = link.page_type ? link.page_type->priority : 0;
      if (links.size() < max_links) {
        if (fates) {
          fates->push_back({std::string(hrefs[i]), *key, LinkDrop::kNone, {},
                            link.page_type ? link.page_type->name : std::string(), priority});
        }
        links.push_back({*std::move(url), std::move(*key), priority});
        taken.insert(links.back().key);
      } else if (past_cap.insert(std::hash<std::string>{}(*key)).second) {
        ++over_cap;
        fate(hrefs[i], *key, LinkDrop::kOverCap);
      } else {
        fate(hrefs[i], *key, LinkDrop::kDuplicate);
      }
    }
    long_fates_before(hrefs.size());
    if (too_long > 0) {
      page_->links_dropped += too_long;
      page_->limits.push_back(std::to_string(too_long) + " links longer than max_url_length (" +
                              std::to_string(max_url) + " bytes) dropped");
    }
    if (over_cap > 0) {
      page_->links_dropped += over_cap;
      page_->limits.push_back(std::to_string(over_cap) + " links past max_links_per_page (" +
                              std::to_string(max_links) + ") dropped");
    }
    return links;
  }

  // Whether each value is the first of its equals in `values`: a flat open-addressing set of
  // positions, so no allocation per entry as in a node-based hash set.
  static std::vector<bool> FirstOccurrences(const std::vector<std::string_view>& values) {
    std::vector<bool> first(values.size(), false);
    size_t capacity = 16;
    while (capacity < 2 * values.size()) capacity *= 2;
    std::vector<uint32_t> slots(capacity, 0);  // position + 1; 0 is empty
    const std::hash<std::string_view> hash;
    for (uint32_t i = 0; i < values.size(); ++i) {
      size_t slot = hash(values[i]) & (capacity - 1);
      while (slots[slot] != 0 && values[slots[slot] - 1] != values[i]) slot = (slot + 1) & (capacity - 1);
      if (slots[slot] == 0) {
        slots[slot] = i + 1;
        first[i] = true;
      }
    }
    return first;
  }

  static bool InAllowedDomains(const SelectorProgram::Rep& rep, const Url& url) {
    const auto& domains = rep.config.allowed_domains;
    if (domains.empty()) return true;
    std::string_view host = url.host();
    return std::any_of(domains.begin(), domains.end(), [&](const std::string& d) { return HostMatches(host, d); });
  }

  // Whether a link is followed and, when it is, its page type. The allow rules are tried in order up
  // to the first that matches; a page type whose pattern is one of those rules takes that rule's answer
  // instead of scanning the URL again (Rep::page_type_allow), so a link costs one RE2 scan where the
  // config's page types are its allow rules.
  // `with_page_type` false: the follow decision alone (ShouldFollow).
  static SelectorProgram::LinkClass Classify(const SelectorProgram::Rep& rep, const Url& url, std::string_view key,
                                             bool with_page_type = true) {
    SelectorProgram::LinkClass out;
    if (!url.is_http()) {
      out.drop = LinkDrop::kNotHttp;
      return out;
    }
    if (!InAllowedDomains(rep, url)) {
      out.drop = LinkDrop::kOtherHost;
      return out;
    }
    int tried = 0;     // allow rules 0 .. tried-1 were run
    int matched = -1;  // the one that matched (the last tried), or -1
    for (const UrlPattern& p : rep.follow_allow) {
      ++tried;
      if (p.Search(key)) {
        matched = tried - 1;
        break;
      }
    }
    if (!rep.follow_allow.empty() && matched < 0) {
      out.drop = LinkDrop::kNotAllowed;
      return out;
    }
    for (const UrlPattern& p : rep.follow_deny) {
      if (p.Search(key)) {
        out.drop = LinkDrop::kDenied;
        out.deny_rule = p.source();
        return out;
      }
    }
    out.follow = true;
    if (!with_page_type) return out;
    for (size_t i = 0; i < rep.page_types.size(); ++i) {
      const int same = rep.page_type_allow[i];
      const bool match = same >= 0 && same < tried ? same == matched : rep.page_types[i].url.Search(key);
      if (match) {
        out.page_type = &rep.page_types[i].info;
        break;
      }
    }
    return out;
  }

 private:
  // The field's value: a JSON scalar, array or null. Records a failure (required) or a note.
  Json Field(const FieldRule& rule, html::Node scope, bool scope_is_document, const std::string& path,
             const std::string& label) {
    if (rule.page_scope) {
      scope = doc_.document();
      scope_is_document = true;
    }
    if (rule.bool_by_match) return Matches(rule, scope, scope_is_document);
    std::vector<std::string> raw;
    if (rule.json) {
      EmbeddedJson::Reading json = json_.Read(*rule.json, scope, rule.all);
      if (!json.problem.empty()) return Unreadable(rule, path, label, json.problem);
      if (json.values.empty() && !rule.default_values) return Missing(rule, path, json.missing);
      raw = std::move(json.values);
    } else {
      raw = RawStrings(rule, scope, scope_is_document);
    }
    if (rule.regex) raw = ApplyRegex(*rule.regex, raw, rule.all);
    std::erase_if(raw, [](const std::string& s) { return s.empty(); });
    if (rule.join_labels) JoinLabels(&raw, rule.all);
    if (!rule.all && raw.size() > 1) raw.resize(1);

    bool from_default = false;
    if (raw.empty() && rule.default_values) {
      raw = *rule.default_values;
      from_default = true;
    }
    if (raw.empty()) return Missing(rule, path, "not found");

    if (rule.join) {
      std::string joined;
      for (size_t i = 0; i < raw.size(); ++i) {
        if (i) joined += *rule.join;
        joined += raw[i];
      }
      raw = {std::move(joined)};
    }
    std::string first_problem;
    // One value converted; false (and noted) when it does not convert.
    const auto convert = [&](std::string& s, Json* out) {
      std::string problem;
      *out = Convert(rule, s, &problem);  // may take s's bytes
      if (!out->is_null() && !problem.empty()) {
        // Kept with a note: a vocabulary value outside its vocabulary keeps the page's text.
        page_->notes.push_back(path + ": " + problem);
        page_->field_notes.push_back({label, problem});
      }
      if (!out->is_null()) return true;
      if (from_default) problem += " (default)";
      if (first_problem.empty()) first_problem = problem;
      // A required field's only value failing is the page's failure, not a note as well.
      if (!rule.required || rule.all) {
        page_->notes.push_back(path + ": " + problem);
        page_->field_notes.push_back({label, problem});
      }
      return false;
    };
    const bool list = rule.all && !rule.join;
    if (!list) {
      // One value (raw was cut to one, or joined): no array around it. Most fields are like this.
      Json value;
      if (convert(raw.front(), &value)) return value;
      if (rule.required) page_->failures.push_back({path, first_problem});  // noted otherwise
      return nullptr;
    }
    Json values = Json::array();
    for (std::string& s : raw) {
      Json v;
      if (convert(s, &v)) values.push_back(std::move(v));
    }
    // Noted above, value by value; Missing would say it again.
    if (values.empty() && rule.required) page_->failures.push_back({path, first_problem});
    return values;
  }

  // A field with nothing: null, or [] for a list (`all` without `join`), which is never null.
  Json Missing(const FieldRule& rule, const std::string& path, const std::string& why) {
    if (rule.required) {
      page_->failures.push_back({path, why == "not found" ? "required field is missing" : why});
    } else {
      page_->notes.push_back(path + ": " + why);
    }
    if (rule.all && !rule.join) return Json::array();
    return nullptr;
  }

  // A value that is there but cannot be read (JSON that does not parse, an object where a value is
  // wanted): a conversion note, or the failure of a required field.
  Json Unreadable(const FieldRule& rule, const std::string& path, const std::string& label, const std::string& problem) {
    if (rule.required) {
      page_->failures.push_back({path, problem});
    } else {
      page_->notes.push_back(path + ": " + problem);
      page_->field_notes.push_back({label, problem});
    }
    if (rule.all && !rule.join) return Json::array();
    return nullptr;
  }

  // A bool read from a match: whether `css` selects an element, or whether the regex is found in what
  // `css` selects (or in the scope's markup).
  Json Matches(const FieldRule& rule, html::Node scope, bool scope_is_document) {
    if (!rule.regex) return html::SelectFirst(scope, *rule.css, index_).has_value();
    for (const std::string& input : RawStrings(rule, scope, scope_is_document)) {
      if (PassesLiterals(rule.regex->plan, input) &&
          RE2::PartialMatch(re2::StringPiece(input.data(), input.size()), *rule.regex->re)) {
        return true;
      }
    }
    return false;
  }

  // Joins each label-only block to the block after it, as a reader sees "病情分析：" over its paragraph:
  // within each string (blocks are separated by a blank line) and, with `across`, from the last block of
  // one string to the next string (the matches of an `all` field).
  static void JoinLabels(std::vector<std::string>* values, bool across) {
    std::vector<std::string> out;
    for (std::string& value : *values) {
      if (value.find("\n\n") != std::string::npos) value = JoinLabelBlocks(value);
      if (across && !out.empty() && IsLabelOnly(LastBlock(out.back()))) {
        out.back() += value;
      } else {
        out.push_back(std::move(value));
      }
    }
    *values = std::move(out);
  }

  static std::string JoinLabelBlocks(std::string_view text) {
    std::string out;
    bool after_label = false;
    for (size_t pos = 0; pos <= text.size();) {
      size_t end = text.find("\n\n", pos);
      if (end == std::string_view::npos) end = text.size();
      std::string_view block = text.substr(pos, end - pos);
      if (!out.empty() && !after_label) out += "\n\n";
      out += block;
      after_label = IsLabelOnly(block) && end < text.size();
      pos = end + 2;
    }
    return out;
  }

  static std::string_view LastBlock(std::string_view text) {
    const size_t blank = text.rfind("\n\n");
    return blank == std::string_view::npos ? text : text.substr(blank + 2);
  }

  // A short block that ends in a colon and holds no line break: "病情分析：", "指导意见:".
  static bool IsLabelOnly(std::string_view block) {
    constexpr size_t kMaxLabelChars = 20;
    if (block.find('\n') != std::string_view::npos) return false;
    if (!block.ends_with("\xEF\xBC\x9A") && !block.ends_with(":")) return false;  // U+FF1A or ':'
    size_t chars = 0;
    for (char c : block) chars += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    return chars <= kMaxLabelChars;
  }

  std::vector<std::string> RawStrings(const FieldRule& rule, html::Node scope, bool scope_is_document) {
    if (rule.css) {
      if (rule.type == ValueType::kHtml) {
        std::vector<std::string> out;
        for (html::Node n : html::Select(scope, *rule.css, index_)) out.push_back(html::OuterHtml(n));
        return out;
      }
      return html::SelectStrings(scope, *rule.css, index_);
    }
    if (rule.regex) {  // no css: the regex reads the markup of the scope (the page source at top level)
      return {scope_is_document ? doc_.source() : html::OuterHtml(scope)};
    }
    return {};
  }

  std::vector<std::string> ApplyRegex(const TextRegex& rx, const std::vector<std::string>& inputs, bool all) {
    std::vector<std::string> out;
    for (const std::string& input : inputs) {
      if (!PassesLiterals(rx.plan, input)) continue;
      for (std::string_view value : rx.Values(input, all)) out.emplace_back(TrimUnicodeWhitespace(value));
      if (!all && !out.empty()) return out;  // the first string that matches is the value
    }
    return out;
  }

  // Text the regex cannot match without is looked for first: a page-source regex then costs a
  // substring search on the pages that lack it.
  static bool PassesLiterals(const LiteralPlan& plan, std::string_view input) {
    if (!plan.usable) return true;
    return std::all_of(plan.required.begin(), plan.required.end(),
                       [&](const std::string& r) { return input.find(r) != std::string_view::npos; });
  }

  // A null Json with *problem set when the string does not convert. Text is moved out of `s`.
  Json Convert(const FieldRule& rule, std::string& s, std::string* problem) {
    const ValueType type = rule.type;
    switch (type) {
      case ValueType::kText:
      case ValueType::kHtml:
        return std::move(s);
      case ValueType::kInt: {
        if (auto v = ParseInt(s)) return *v;
        *problem = Quote(s) + " is not an integer";
        return nullptr;
      }
      case ValueType::kCount: {
        CountReading count = ReadCount(s, rule.count_word);
        if (count.value) return *count.value;
        *problem = Quote(s) + " " + count.problem;
        return nullptr;
      }
      case ValueType::kEpoch:
      case ValueType::kEpochDate: {
        std::optional<std::string> v;
        if (auto seconds = ParseEpochSeconds(s, rule.epoch_unit)) {
          v = FormatEpochInZone(*seconds, rep_.zone, type == ValueType::kEpoch);
        }
        if (v) return *v;
        *problem = Quote(s) + " is not an epoch time (seconds or milliseconds since 1970)";
        return nullptr;
      }
      case ValueType::kBool: {
        if (auto v = ParseBool(s)) return *v;
        *problem = Quote(s) + " is not a boolean (true/false, yes/no, 1/0, 是/否, 有/无)";
        return nullptr;
      }
      case ValueType::kDate:
      case ValueType::kDateTime: {
        std::optional<std::string> v;
        try {
          v = ParseDateInZone(s, input_.fetched_at, rep_.zone, type == ValueType::kDateTime);
        } catch (const std::exception&) {
        }
        if (v) return *v;
        *problem = Quote(s) + " is not a date";
        return nullptr;
      }
      case ValueType::kUrl: {
        auto url = Url::Parse(s, base_ ? &*base_ : nullptr);
        if (url.ok()) return url->href();
        *problem = Quote(s) + " is not a URL (" + url.status().message() + ")";
        return nullptr;
      }
      case ValueType::kHospitalGrade:
      case ValueType::kClinicalTitle:
      case ValueType::kAcademicTitle:
      case ValueType::kSex:
      case ValueType::kAge: {
        // {"value", "raw", "companion"}, spread over the record's fields by SpreadVocabulary; a text
        // outside the vocabulary keeps its raw text (value null) and leaves a note in *problem.
        VocabularyReading reading = ReadVocabulary(type, s);
        *problem = std::move(reading.problem);
        return Json{{"value", std::move(reading.canonical)},
                    {"raw", std::move(s)},
                    {"companion", std::move(reading.companion)}};
      }
    }
    return nullptr;
  }

  // A vocabulary field's reading (Convert's object, or null) spread over the record: the canonical
  // value is returned for the field itself; the page's text goes to the field the declaration fills
  // with it (hospital_grade_raw), the companion to the other (academic_title, patient_age_months)
  // unless the config set that one itself.
  static Json SpreadVocabulary(Json reading, const RecordKind& kind, std::string_view field,
                               records::Record& record) {
    if (!reading.is_object()) return reading;
    for (size_t i = 0; i < kind.fields.size(); ++i) {
      const FieldSpec& spec = kind.fields[i];
      if (spec.filled_by != field) continue;
      Json& part = reading[spec.hash == records::HashRole::kRawText ? "raw" : "companion"];
      std::visit(
          [&](auto* slot) {
            if constexpr (std::is_same_v<decltype(slot), records::Text*>) {
              if (!*slot && part.is_string()) *slot = part.get<std::string>();
            } else if constexpr (std::is_same_v<decltype(slot), records::Int*>) {
              if (!*slot && part.is_number_integer()) *slot = part.get<int64_t>();
            }
          },
          records::FieldAt(record, i));
    }
    return std::move(reading["value"]);
  }

  const SelectorProgram::Rep& rep_;
  const html::Document& doc_;
  const PageInput& input_;
  ExtractedPage* page_;
  // Every selector of the page runs through it: one walk of the tree per page, not one per selector.
  html::ElementIndex index_;
  EmbeddedJson json_;  // the page's scripts parsed by `json` rules, each once
  std::optional<Url> page_url_;
  std::optional<Url> base_;
};

}  // namespace

SelectorProgram::SelectorProgram(std::unique_ptr<const Rep> rep) : rep_(std::move(rep)) {}
SelectorProgram::SelectorProgram(SelectorProgram&&) noexcept = default;
SelectorProgram& SelectorProgram::operator=(SelectorProgram&&) noexcept = default;
SelectorProgram::~SelectorProgram() = default;

Result<SelectorProgram> SelectorProgram::FromYaml(std::string_view yaml, std::string_view file_name) {
  auto rep = CompileConfig(yaml, file_name);
  if (!rep.ok()) return rep.status();
  return SelectorProgram(std::move(*rep));
}

Result<SelectorProgram> SelectorProgram::Load(const std::filesystem::path& yaml_file) {
  std::ifstream in(yaml_file, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + yaml_file.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + yaml_file.string());
  return FromYaml(bytes.str(), yaml_file.string());
}

const SiteConfig& SelectorProgram::config() const { return rep_->config; }

namespace {

// The one place a page type's url patterns run over a URL.
const PageTypeRule* MatchRule(const SelectorProgram::Rep& rep, std::string_view url) {
  ReportPageFact(PageFact::kPageTypeMatch, url);
  for (const PageTypeRule& pt : rep.page_types) {
    if (pt.url.Search(url)) return &pt;
  }
  return nullptr;
}

// The page type a caller matched before (PageInput::page_type): found by name, no pattern run.
const PageTypeRule* RuleNamed(const SelectorProgram::Rep& rep, std::string_view name) {
  for (const PageTypeRule& pt : rep.page_types) {
    if (pt.info.name == name) return &pt;
  }
  return nullptr;
}

}  // namespace

const PageTypeInfo* SelectorProgram::MatchPageType(std::string_view url) const {
  const PageTypeRule* rule = MatchRule(*rep_, url);
  return rule ? &rule->info : nullptr;
}


SelectorProgram::LinkClass SelectorProgram::ClassifyLink(std::string_view absolute_url) const {
  LinkClass unresolvable;
  unresolvable.drop = LinkDrop::kUnresolvable;
  auto url = Url::Parse(absolute_url);
  if (!url.ok()) return unresolvable;
  if (!url->is_http()) return PageExtraction::Classify(*rep_, *url, {});  // says kNotHttp; no key to compute
  auto key = NormalizeUrl(*url, rep_->config.url_normalization);
  if (!key.ok()) return unresolvable;
  return PageExtraction::Classify(*rep_, *url, *key);
}

bool SelectorProgram::ShouldFollow(std::string_view absolute_url) const {
  auto url = Url::Parse(absolute_url);
  if (!url.ok()) return false;
  auto key = NormalizeUrl(*url, rep_->config.url_normalization);
  if (!key.ok()) return false;
  return PageExtraction::Classify(*rep_, *url, *key, /*with_page_type=*/false).follow;
}

namespace {

// A page nested deeper than html::ParseOptions::max_depth was extracted from a flattened tree, where
// selectors that rely on the lost nesting may have missed: said on the page (pages.notes) and in the
// log, once per page, since nothing else would show it.
void NoteNestingLimit(const html::Document& doc, ExtractedPage* page) {
  const html::Document::Nesting& nesting = doc.nesting();
  if (!nesting.limited()) return;
  page->limits.push_back("elements nested " + std::to_string(nesting.depth) + " deep, over the nesting limit of " +
                         std::to_string(nesting.limit) + ": the content below that depth was flattened");
  spdlog::warn("{}: {}", page->url, page->limits.back());
}

}  // namespace

ExtractedPage SelectorProgram::Extract(const html::Document& doc, const PageInput& input) const {
  ExtractedPage page;
  page.url = input.url;
  page.site = rep_->config.key;
  NoteNestingLimit(doc, &page);
  PageExtraction run(*rep_, doc, input, &page);
  const PageTypeRule* matched =
      input.page_type ? RuleNamed(*rep_, *input.page_type) : MatchRule(*rep_, input.url);
  if (matched) {
    page.page_type = matched->info.name;
    if (matched->record) {
      page.records.push_back(run.Record(*matched->record, doc.document(), true, "",
                                        std::string(matched->record->kind->name) + "."));
    }
  }
  page.links = run.Links();
  return page;
}

std::string_view LinkDropName(LinkDrop drop) {
  switch (drop) {
    case LinkDrop::kNone: return "followed";
    case LinkDrop::kUnresolvable: return "unresolvable";
    case LinkDrop::kNotHttp: return "not http";
    case LinkDrop::kOtherHost: return "other host";
    case LinkDrop::kNotAllowed: return "not allowed";
    case LinkDrop::kDenied: return "denied";
    case LinkDrop::kTooLong: return "too long";
    case LinkDrop::kOverCap: return "over the per-page cap";
    case LinkDrop::kDuplicate: return "duplicate";
  }
  return "?";
}

Json ToJson(const ExtractedPage& page, const PageInput& input) {
  Json out = Json::object();
  out["url"] = page.url;
  out["site"] = page.site;
  out["page_type"] = page.page_type;
  out["fetched_at"] = FormatUtc(input.fetched_at);
  Json records = Json::array();
  for (const records::Record& r : page.records) records.push_back(records::ToJson(r));
  out["records"] = std::move(records);
  Json failures = Json::array();
  for (const FieldFailure& f : page.failures) failures.push_back(Json{{"path", f.path}, {"reason", f.reason}});
  out["failures"] = std::move(failures);
  Json links = Json::array();
  for (const PageLink& link : page.links) links.push_back(link.key);
  out["links"] = std::move(links);
  return out;
}

Result<SelectorProgram> LoadSite(const std::filesystem::path& dir, std::string_view key) {
  const bool is_key = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
  if (!is_key) return Status::InvalidArgument("'" + std::string(key) + "' is not a site key ([a-z0-9_-]+)");
  std::filesystem::path file = dir / (std::string(key) + ".yaml");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return Status::NotFound("no selector config for site '" + std::string(key) + "' (" + file.string() + ")");
  }
  return SelectorProgram::Load(file);
}

Result<std::vector<SelectorProgram>> LoadAllSites(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".yaml" && it->is_regular_file(ec)) files.push_back(it->path());
  }
  if (ec) return Status::IoError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  std::vector<SelectorProgram> programs;
  for (const auto& f : files) {
    auto program = SelectorProgram::Load(f);
    if (!program.ok()) return program.status();
    programs.push_back(std::move(*program));
  }
  return programs;
}

}  // namespace hc::extract
