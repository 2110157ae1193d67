#include "base/log.h"

#include <cstdio>
#include <memory>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "base/json.h"
#include "base/time.h"

namespace weir {

namespace {

spdlog::level::level_enum SpdLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarning:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

// One line per message, as LogFormat says (the contract is in log.h).
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view message(msg.payload.data(), msg.payload.size());
    std::string line;
    if (format_ == LogFormat::kJson) {
      Time time = std::chrono::time_point_cast<Micros>(msg.time);
      // replace: a message with invalid UTF-8 (a file name, say) still makes valid JSON.
      std::string text =
          Json(std::string(message)).dump(-1, ' ', false, Json::error_handler_t::replace);
      line = fmt::format(R"({{"time":"{}","level":"{}","message":{}}})"
                         "\n",
                         FormatTime(time, "%Y-%m-%dT%H:%M:%S.%fZ"), Name(msg.level), text);
    } else {
      line = fmt::format("weir: {}{}\n", Label(msg.level), message);
    }
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  static std::string_view Name(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        return "debug";
      case spdlog::level::info:
        return "info";
      case spdlog::level::warn:
        return "warning";
      default:
        return "error";
    }
  }
  // Text lines name the level only when it is not info, as weir's lines always have.
  static std::string_view Label(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        return "debug: ";
      case spdlog::level::info:
        return "";
      case spdlog::level::warn:
        return "warning: ";
      default:
        return "ERROR: ";
    }
  }

  LogFormat format_;
};

// stderr, or a test's function; spdlog's base_sink serialises writers with its mutex.
class LineSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void Redirect(std::function<void(std::string_view)> out) {
    std::lock_guard lock(mutex_);
    out_ = std::move(out);
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    if (out_) {
      out_(std::string_view(line.data(), line.size()));
    } else {
      std::fwrite(line.data(), 1, line.size(), stderr);
      std::fflush(stderr);
    }
  }
  void flush_() override { std::fflush(stderr); }

 private:
  std::function<void(std::string_view)> out_;
};

struct Logger {
  std::shared_ptr<LineSink> sink = std::make_shared<LineSink>();
  spdlog::logger logger{"weir", sink};

  Logger() {
    sink->set_formatter(std::make_unique<LineFormatter>(LogFormat::kText));
    logger.set_level(spdlog::level::info);
  }
};

Logger& TheLogger() {
  static Logger* logger = new Logger();  // never destroyed: threads may log during exit
  return *logger;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (name == LogLevelName(level)) return level;
  }
  return Err(ErrorCode::kInvalidArgument,
             "log_level must be debug, info, warning or error, got '{}'", name);
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

Result<LogFormat> ParseLogFormat(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return Err(ErrorCode::kInvalidArgument, "log_format must be text or json, got '{}'", name);
}

void Log::Configure(LogLevel level, LogFormat format) {
  Logger& l = TheLogger();
  l.sink->set_formatter(std::make_unique<LineFormatter>(format));
  l.logger.set_level(SpdLevel(level));
}

void Log::RedirectForTest(std::function<void(std::string_view line)> out) {
  TheLogger().sink->Redirect(std::move(out));
}

bool Log::Enabled(LogLevel level) { return TheLogger().logger.should_log(SpdLevel(level)); }

void Log::Write(LogLevel level, std::string_view message) {
  TheLogger().logger.log(SpdLevel(level), "{}", message);
}

}  // namespace weir
