#include <rivet/common/log.hpp>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <mutex>

namespace rivet {

namespace {

bool needs_quotes(std::string_view v) {
  if (v.empty()) {
    return true;
  }
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

// Escapes for a double-quoted string; the same rules serve logfmt's quoted values and JSON.
void append_quoted(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_field(std::string& out, LogFormat format, std::string_view key, std::string_view value) {
  if (format == LogFormat::Json) {
    out += ',';
    append_quoted(out, key);
    out += ':';
    append_quoted(out, value);
    return;
  }
  out += ' ';
  out += key;
  out += '=';
  if (needs_quotes(value)) {
    append_quoted(out, value);
  } else {
    out += value;
  }
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::Trace: return spdlog::level::trace;
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
    case LogLevel::Off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The line around a record: timestamp and level are spdlog's, the rest is render()'s.
std::string pattern_for(LogFormat format) {
  return format == LogFormat::Json ? R"({"ts":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})"
                                   : "ts=%Y-%m-%dT%H:%M:%S.%eZ level=%l %v";
}

}  // namespace

LogLevel parse_log_level(std::string_view text, LogLevel fallback) {
  if (text == "trace") return LogLevel::Trace;
  if (text == "debug") return LogLevel::Debug;
  if (text == "info") return LogLevel::Info;
  if (text == "warn" || text == "warning") return LogLevel::Warn;
  if (text == "error") return LogLevel::Error;
  if (text == "off" || text == "silent") return LogLevel::Off;
  return fallback;
}

Logger Logger::to(std::shared_ptr<spdlog::logger> sink, LogFormat format, LogLevel level) {
  Logger out;
  out.format_ = format;
  out.level_ = level;
  if (sink) {
    sink->set_pattern(pattern_for(format), spdlog::pattern_time_type::utc);
    sink->set_level(to_spdlog(level));
  }
  out.sink_ = std::move(sink);
  return out;
}

Logger Logger::off() {
  Logger out;
  out.level_ = LogLevel::Off;
  return out;
}

Logger Logger::global() {
  static const Logger instance = [] {
    const char* level = std::getenv("RIVET_LOG_LEVEL");
    const char* format = std::getenv("RIVET_LOG_FORMAT");
    auto sink = std::make_shared<spdlog::logger>(
        "rivet", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    return Logger::to(std::move(sink),
                      format != nullptr && std::string_view(format) == "json" ? LogFormat::Json
                                                                               : LogFormat::Logfmt,
                      parse_log_level(level != nullptr ? level : "", LogLevel::Info));
  }();
  return instance;
}

Logger Logger::with(std::initializer_list<LogField> fields) const {
  Logger out = *this;
  auto merged = std::make_shared<Fields>(bound_ ? *bound_ : Fields{});
  for (const auto& f : fields) {
    merged->emplace_back(std::string(f.key), std::string(f.value));
  }
  out.bound_ = std::move(merged);
  return out;
}

std::string Logger::render(std::string_view message, std::initializer_list<LogField> fields) const {
  std::string out;
  if (format_ == LogFormat::Json) {
    out += "\"msg\":";
    append_quoted(out, message);
  } else {
    out += "msg=";
    append_quoted(out, message);
  }
  if (bound_) {
    for (const auto& [k, v] : *bound_) {
      append_field(out, format_, k, v);
    }
  }
  for (const auto& f : fields) {
    append_field(out, format_, f.key, f.value);
  }
  if (format_ == LogFormat::Json) {
    out += '}';
    out.pop_back();  // the pattern closes the object
  }
  return out;
}

void Logger::log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  if (!enabled(level)) {
    return;
  }
  sink_->log(to_spdlog(level), "{}", render(message, fields));
}

}  // namespace rivet
