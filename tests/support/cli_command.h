// Command lines of the built healthcrawl binary for the CLI tests (run through RunCommand, test_env.h),
// and the arguments that keep a test's crawl on its loopback server (http_server.h): one spelling of
// them, so that a CLI test says only what its own crawl does differently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "support/test_env.h"

namespace hc::testing {

// Any text as one word of a RunCommand line: single-quoted, each ' in it closed, escaped and reopened.
// (Quote, test_env.h, is for paths, which hold no single quote.)
std::string ShellQuote(const std::string& text);

// The built binary with --selectors `selectors`, then `args`: one line for RunCommand.
std::string Cli(const std::string& args, const std::filesystem::path& selectors = SelectorsDir());

// --connect-to for www.mfk.com:80 and for every other host, all to 127.0.0.1:`port`, as separate words
// (for a spawned process): nothing the crawl does can reach another address.
std::vector<std::string> LoopbackConnectTo(uint16_t port);

// A crawl of the mfk fixture site on the loopback server at `port`: LoopbackConnectTo, the guke listing
// as start URL, --delay 0 and --no-sitemaps, then `flags` (what the tests differ in: --no-progress,
// --allow-private-addresses, --max-depth ...). One string, starting with a space, to append to a Cli line.
std::string MfkCrawlArgs(uint16_t port, const std::string& flags = "");

}  // namespace hc::testing
