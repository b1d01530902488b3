#include "cli/link_fates.h"

namespace hc::cli {
namespace {

// Tabs and line breaks in an href would break the columns; \t \n \r are escaped as written in C.
std::string Cell(std::string_view text) {
  if (text.empty()) return "-";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Detail(const extract::LinkFate& f) {
  switch (f.drop) {
    case extract::LinkDrop::kNone:
      return (f.page_type.empty() ? std::string("no page type") : "page type " + f.page_type) + ", priority " +
             std::to_string(f.priority);
    case extract::LinkDrop::kUnresolvable: return "not a URL against the page's base";
    case extract::LinkDrop::kNotHttp: return "scheme is not http or https";
    case extract::LinkDrop::kOtherHost: return "host is in no allowed_domains";
    case extract::LinkDrop::kNotAllowed: return "no follow.allow pattern matches";
    case extract::LinkDrop::kDenied: return "follow.deny " + f.rule;
    case extract::LinkDrop::kTooLong:
    case extract::LinkDrop::kOverCap: return f.rule;
    case extract::LinkDrop::kDuplicate: return "an earlier link has the same href or URL";
  }
  return "";
}

}  // namespace

std::string FormatLinkFates(const std::vector<extract::LinkFate>& fates) {
  std::string out;
  for (const extract::LinkFate& f : fates) {
    out += extract::LinkDropName(f.drop);
    out += '\t';
    out += Cell(Detail(f));
    out += '\t';
    out += Cell(f.url);
    out += '\t';
    out += Cell(f.href);
    out += '\n';
  }
  return out;
}

}  // namespace hc::cli
