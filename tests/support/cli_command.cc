#include "support/cli_command.h"

namespace hc::testing {

std::string ShellQuote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string Cli(const std::string& args, const std::filesystem::path& selectors) {
  return Quote(CliPath()) + " --selectors " + Quote(selectors) + " " + args;
}

std::vector<std::string> LoopbackConnectTo(uint16_t port) {
  const std::string p = std::to_string(port);
  return {"--connect-to", "www.mfk.com:80:127.0.0.1:" + p, "--connect-to", "::127.0.0.1:" + p};
}

std::string MfkCrawlArgs(uint16_t port, const std::string& flags) {
  std::string line;
  for (const std::string& word : LoopbackConnectTo(port)) line += " " + word;
  line += " --start-url http://www.mfk.com/list/guke.html --delay 0 --no-sitemaps";
  return flags.empty() ? line : line + " " + flags;
}

}  // namespace hc::testing
