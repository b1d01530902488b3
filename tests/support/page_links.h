// A page's links (core/page.h's PageLink: parsed URL, key, priority) as the keys and priorities that
// tests compare with literals.
#pragma once

#include <string>
#include <vector>

#include "core/page.h"

namespace hc::testing {

inline std::vector<std::string> LinkKeys(const std::vector<PageLink>& links) {
  std::vector<std::string> keys;
  for (const PageLink& link : links) keys.push_back(link.key);
  return keys;
}

inline std::vector<int> LinkPriorities(const std::vector<PageLink>& links) {
  std::vector<int> priorities;
  for (const PageLink& link : links) priorities.push_back(link.priority);
  return priorities;
}

}  // namespace hc::testing
