#include "core/log.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/formatter.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/text.h"

namespace hc::logging {
namespace {

// Guards stderr and the status line: a log line and a status refresh never interleave.
std::mutex g_stderr_mu;
std::string g_status_line;  // "" when none is shown

std::atomic<Format> g_format{Format::kText};

// The fields of the Event being logged on this thread, for the JSON formatter. spdlog's default logger
// is synchronous, so the formatter runs inside Event's call on the same thread.
thread_local const Fields* t_fields = nullptr;

void WriteStderr(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

std::string_view LevelColor(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace: return "\033[37m";
    case spdlog::level::debug: return "\033[36m";
    case spdlog::level::info: return "\033[32m";
    case spdlog::level::warn: return "\033[33m\033[1m";
    case spdlog::level::err: return "\033[31m\033[1m";
    case spdlog::level::critical: return "\033[1m\033[41m";
    default: return "";
  }
}

// Writes formatted lines to stderr around the status line.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit StderrSink(bool color) : color_(color) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    const std::string_view line(buf.data(), buf.size());
    std::string out;
    std::lock_guard lock(g_stderr_mu);
    if (!g_status_line.empty()) out += "\r\033[K";
    if (color_ && msg.color_range_end > msg.color_range_start && msg.color_range_end <= line.size()) {
      out += line.substr(0, msg.color_range_start);
      out += LevelColor(msg.level);
      out += line.substr(msg.color_range_start, msg.color_range_end - msg.color_range_start);
      out += "\033[m";
      out += line.substr(msg.color_range_end);
    } else {
      out += line;
    }
    out += g_status_line;
    WriteStderr(out);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  const bool color_;
};

std::string IsoTimeUtc(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
  const int millis = static_cast<int>((ms % 1000 + 1000) % 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[96];  // wide enough for any int fields, which g++ checks
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json line;
    line["time"] = IsoTimeUtc(msg.time);
    const auto level = spdlog::level::to_string_view(msg.level);
    line["level"] = std::string(level.data(), level.size());
    line["message"] = std::string(msg.payload.data(), msg.payload.size());
    if (t_fields != nullptr) {
      for (const auto& [name, value] : *t_fields) line[name] = value;
    }
    // Text from the network may hold invalid UTF-8: replaced, never a throw.
    const std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) return true;
  }
  return false;
}

std::string TextOf(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    return NeedsQuotes(s) ? value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) : s;
  }
  return value.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::optional<spdlog::level::level_enum> ParseLevel(std::string_view name) {
  const std::string lower = AsciiLowered(name);
  if (lower == "trace") return spdlog::level::trace;
  if (lower == "debug") return spdlog::level::debug;
  if (lower == "info") return spdlog::level::info;
  if (lower == "warn" || lower == "warning") return spdlog::level::warn;
  if (lower == "error") return spdlog::level::err;
  if (lower == "critical") return spdlog::level::critical;
  if (lower == "off") return spdlog::level::off;
  return std::nullopt;
}

bool StderrWantsColor() {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && no_color[0] != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(STDERR_FILENO) == 1;
}

void Install(const LogOptions& options) {
  auto sink = std::make_shared<StderrSink>(options.color && options.format == Format::kText);
  if (options.format == Format::kJson) {
    sink->set_formatter(std::make_unique<JsonFormatter>());
  } else {
    sink->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v"));
  }
  g_format = options.format;
  auto logger = std::make_shared<spdlog::logger>("healthcrawl", std::move(sink));
  logger->set_level(options.level);
  spdlog::set_default_logger(std::move(logger));
}

void Event(spdlog::level::level_enum level, std::string_view message, const Fields& fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  if (g_format == Format::kJson) {
    t_fields = &fields;
    logger->log(level, "{}", message);
    t_fields = nullptr;
    return;
  }
  std::string text(message);
  for (const auto& [name, value] : fields) text += " " + name + "=" + TextOf(value);
  logger->log(level, "{}", text);
}

void ShowStatusLine(std::string_view line) {
  std::lock_guard lock(g_stderr_mu);
  g_status_line = line;
  WriteStderr("\r\033[K" + g_status_line);
}

void EndStatusLine(std::string_view line) {
  std::lock_guard lock(g_stderr_mu);
  g_status_line.clear();
  WriteStderr("\r\033[K" + std::string(line) + "\n");
}

}  // namespace hc::logging
