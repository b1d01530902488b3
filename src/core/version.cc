#include "core/version.h"

#ifndef HC_VERSION
#error "HC_VERSION is set by CMakeLists.txt on this file (the project's VERSION)"
#endif

namespace hc {

std::string_view Version() { return HC_VERSION; }

std::string DefaultUserAgent() {
  return "healthcrawl/" HC_VERSION " (no contact given; set one with --user-agent or request.user_agent)";
}

}  // namespace hc
