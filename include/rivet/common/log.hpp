#pragma once
/// Structured logs. A Logger writes one line per record, `logfmt` (key=value) or `json`, through
/// spdlog; records about an actor carry its name, key and id as fields. The runtime and the
/// server take a Logger in their options, so a test or an embedding program chooses where logs
/// go; Logger::global() reads RIVET_LOG_LEVEL (trace|debug|info|warn|error|off, default info)
/// and RIVET_LOG_FORMAT (logfmt|json, default logfmt) and writes to stderr.
///
/// Thread-safety: a Logger is an immutable value; log() may be called from any thread.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spdlog {
class logger;
}  // namespace spdlog

namespace rivet {

enum class LogLevel { Trace, Debug, Info, Warn, Error, Off };
enum class LogFormat { Logfmt, Json };

/// One key=value of a record. The value is text; the formatter quotes and escapes it.
struct LogField {
  std::string_view key;
  std::string_view value;
};

class Logger {
 public:
  /// The process's default: stderr, level and format from the environment (read once).
  [[nodiscard]] static Logger global();
  /// Writes through `sink` (its own level applies too) with `format`.
  [[nodiscard]] static Logger to(std::shared_ptr<spdlog::logger> sink, LogFormat format,
                                 LogLevel level = LogLevel::Info);
  /// Discards everything.
  [[nodiscard]] static Logger off();

  /// A logger whose every record also carries `fields` (copied).
  [[nodiscard]] Logger with(std::initializer_list<LogField> fields) const;

  [[nodiscard]] bool enabled(LogLevel level) const noexcept {
    return sink_ != nullptr && level >= level_ && level != LogLevel::Off;
  }
  void log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;
  void debug(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::Debug, message, fields);
  }
  void info(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::Info, message, fields);
  }
  void warn(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::Warn, message, fields);
  }
  void error(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::Error, message, fields);
  }

  /// The record as it would be written, without the timestamp and level (tests, other sinks).
  [[nodiscard]] std::string render(std::string_view message,
                                   std::initializer_list<LogField> fields) const;
  [[nodiscard]] LogFormat format() const noexcept { return format_; }

 private:
  using Fields = std::vector<std::pair<std::string, std::string>>;
  std::shared_ptr<spdlog::logger> sink_;
  std::shared_ptr<const Fields> bound_;
  LogFormat format_ = LogFormat::Logfmt;
  LogLevel level_ = LogLevel::Info;
};

/// Parses "trace".."off" (nullopt-like: returns `fallback` for anything else).
[[nodiscard]] LogLevel parse_log_level(std::string_view text, LogLevel fallback);

}  // namespace rivet
