// ParsedUrl: a test's URL literal as the hc::Url that net::FetchRequest carries. A literal that does not
// parse is a mistake in the test: it fails the test and gives an empty Url (which the fetcher answers
// with kBadUrl).
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "core/url.h"

namespace hc::testing {

inline Url ParsedUrl(std::string_view text) {
  auto url = Url::Parse(text);
  if (!url.ok()) {
    ADD_FAILURE() << "'" << text << "' does not parse: " << url.status().ToString();
    return Url{};
  }
  return *std::move(url);
}

}  // namespace hc::testing
