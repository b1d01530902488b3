// The program's version, from CMake's project(VERSION), and the User-Agent a crawl sends when neither
// the site config nor the command line names one.
#pragma once

#include <string>
#include <string_view>

namespace hc {

// "0.1.0": CMake's PROJECT_VERSION, compiled into version.cc alone so a version bump rebuilds one file.
std::string_view Version();

// "healthcrawl/0.1.0 (no contact given; set one with --user-agent or request.user_agent)". Its product
// token is "healthcrawl", the name robots.txt groups are matched against. Site operators can only reach
// the crawl's operator through this header, so the default asks for a contact instead of inventing one.
std::string DefaultUserAgent();

}  // namespace hc
