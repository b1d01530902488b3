// Where the selector configs are when neither --selectors nor HEALTHCRAWL_SELECTORS names a folder:
// the first of these that is a folder (docs/selectors.md, "Where configs are found"):
//   1. ./selectors                                   (a checkout, or a working folder of one's own)
//   2. $XDG_CONFIG_HOME/healthcrawl/selectors        ($XDG_CONFIG_HOME unset or empty: ~/.config)
//   3. /etc/healthcrawl/selectors                    (the machine's own configs)
//   4. <datadir>/healthcrawl/selectors               (the bundled configs `cmake --install` puts there)
#pragma once

#include <filesystem>
#include <vector>

namespace hc::cli {

// The folders above, in order, as this process's environment spells them (~ from $HOME).
std::vector<std::filesystem::path> SelectorsDirCandidates();

// The first candidate that is a folder, or "selectors" when none is (so that errors name the
// conventional place).
std::filesystem::path FindSelectorsDir();

}  // namespace hc::cli
