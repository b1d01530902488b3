// Logging: the process's one stderr logger (spdlog's default logger) in text or JSON lines, log lines
// with named fields, and the progress line a crawl keeps refreshed at the bottom of a terminal.
//
// Text lines are "2026-12-02 12:00:00.123 info message k=v ..."; the level name is coloured only when
// Install is asked to (StderrWantsColor: a terminal, NO_COLOR unset). JSON lines are one object each:
// {"time":"2026-12-02T12:00:00.123Z","level":"info","message":"...", <fields>}.
//
// The status line: while one is shown, every log line first clears it ("\r" and erase to the end of
// the line), is written, and the status line is drawn again below it, so a log line never ends up
// glued onto the progress text. Only the logger Install sets up knows this; tests that log through
// another logger see plain output.
//
// Thread-safety: every function may be called from any thread; Install should run before other
// threads log.
#pragma once

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hc::logging {

enum class Format { kText, kJson };

struct LogOptions {
  spdlog::level::level_enum level = spdlog::level::info;
  Format format = Format::kText;
  bool color = false;  // ANSI colour on the level name of text lines
};

// trace, debug, info, warn (or warning), error, critical, off, in any letter case.
std::optional<spdlog::level::level_enum> ParseLevel(std::string_view name);

// Whether colour suits stderr: it is a terminal, NO_COLOR is unset or empty (https://no-color.org/),
// and TERM is not "dumb".
bool StderrWantsColor();

// Makes a logger writing `options.format` lines to stderr the default logger, at `options.level`.
void Install(const LogOptions& options);

// Named values of one log line, in order. Names should not be "time", "level" or "message".
using Fields = std::vector<std::pair<std::string, nlohmann::ordered_json>>;

// Logs `message` with `fields` through the default logger: in text as "message name=value ..."
// (strings quoted when they hold spaces, quotes or '='), in JSON as members of the line's object.
void Event(spdlog::level::level_enum level, std::string_view message, const Fields& fields);

// Shows `line` as the status line on stderr (replacing the previous one); call only when stderr is a
// terminal. EndStatusLine draws `line` one last time, ends it with a newline, and forgets it.
void ShowStatusLine(std::string_view line);
void EndStatusLine(std::string_view line);

}  // namespace hc::logging
