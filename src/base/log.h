#pragma once

// weir's diagnostics: what a process says about itself (a store that refuses writes, a
// retention pass, a DAGs reload that failed) on stderr, one line each, through spdlog. Not
// for a command's output to its user (stdout, tables, `error: ...`), nor for task logs
// (exec/attempt_log.h).
//
//   Log::Warn("cannot remove {}: {}", path, reason);
//
// Text lines read "weir: <message>", with "debug: ", "warning: " or "ERROR: " after
// "weir: " for those levels; JSON lines are one object each: {"time": "...Z", "level":
// "warning", "message": "..."}, for log shippers. The level and the format are the
// process's (`log_level`, `log_format` in weir.yaml; the CLI sets them once it has read
// its configuration); until then, info and text. Every function is thread-safe. Messages
// are written as given: a caller that may hold a secret masks it first.

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "base/status.h"

namespace weir {

enum class LogLevel { kDebug, kInfo, kWarning, kError };
enum class LogFormat { kText, kJson };

// "debug", "info", "warning", "error"; anything else is kInvalidArgument listing them.
Result<LogLevel> ParseLogLevel(std::string_view name);
std::string_view LogLevelName(LogLevel level);
// "text" or "json".
Result<LogFormat> ParseLogFormat(std::string_view name);

class Log {
 public:
  // Lines below `level` are dropped; lines written afterwards use `format`.
  static void Configure(LogLevel level, LogFormat format);
  // Sends each formatted line (with its newline) to `out` instead of stderr; an empty
  // function sends them to stderr again. For tests.
  static void RedirectForTest(std::function<void(std::string_view line)> out);

  // Whether a line of `level` would be written (to skip building an expensive message).
  static bool Enabled(LogLevel level);
  // Writes `message` at `level`, if enabled, and flushes it.
  static void Write(LogLevel level, std::string_view message);

  template <typename... Args>
  static void Debug(fmt::format_string<Args...> format, Args&&... args) {
    Format(LogLevel::kDebug, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  static void Info(fmt::format_string<Args...> format, Args&&... args) {
    Format(LogLevel::kInfo, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  static void Warn(fmt::format_string<Args...> format, Args&&... args) {
    Format(LogLevel::kWarning, format, std::forward<Args>(args)...);
  }
  template <typename... Args>
  static void Error(fmt::format_string<Args...> format, Args&&... args) {
    Format(LogLevel::kError, format, std::forward<Args>(args)...);
  }

 private:
  template <typename... Args>
  static void Format(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
    if (Enabled(level)) Write(level, fmt::format(format, std::forward<Args>(args)...));
  }
};

}  // namespace weir
