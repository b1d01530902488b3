// The listing of `healthcrawl extract --links`: every link of a page with what became of it, one
// tab-separated line each (fate, detail, URL, href as written), in document order.
#pragma once

#include <string>
#include <vector>

#include "extract/extract.h"

namespace hc::cli {

// "followed\tpage type question, priority 5\thttps://...\t/q/1.html\n" and, for a dropped link,
// "denied\tfollow.deny /login\thttps://...\t/login\n"; the URL column is "-" when the link was not
// resolved (unresolvable, too long, a repeated href).
std::string FormatLinkFates(const std::vector<extract::LinkFate>& fates);

}  // namespace hc::cli
