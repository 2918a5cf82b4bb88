#pragma once
// Five-field cron expressions (minute hour day-of-month month day-of-week) and their next
// occurrence in an IANA time zone. Parsing is a total function over arbitrary bytes (fuzzed in
// tests/fuzz/fuzz_cron_expression.cpp); errors are values.

#include <rivet/common/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace rivet::detail {

/// Longest expression accepted (bytes).
inline constexpr std::size_t kCronMaxExpressionSize = 256;

struct CronExpression {
  std::uint64_t minutes = 0;  // bit m for minute m (0-59)
  std::uint32_t hours = 0;    // bit h (0-23)
  std::uint32_t days = 0;     // bit d (1-31)
  std::uint16_t months = 0;   // bit m (1-12)
  std::uint8_t weekdays = 0;  // bit w (0 = Sunday ... 6; 7 is folded onto 0)
  // The classic rule: when both day fields are restricted (neither starts with '*'), a day
  // matches if either does; otherwise both must.
  bool days_star = false;
  bool weekdays_star = false;

  bool operator==(const CronExpression&) const = default;
};

/// Parses `text`; schedule.invalid_cron_expression with a message naming the bad part.
[[nodiscard]] Result<CronExpression> parse_cron(std::string_view text);

/// A time zone by IANA name ("UTC" needs no tz database); schedule.invalid_timezone otherwise.
/// The pointer is to the process-wide tz database and stays valid.
[[nodiscard]] Result<const date::time_zone*> find_time_zone(std::string_view name);

/// The first instant strictly after `after_ms` (ms since the epoch) whose wall-clock time in
/// `zone` (nullptr = UTC) matches `expr`, at second 0. DST: a local time that is skipped fires
/// at the first instant after the gap (once, however many matches fell into the gap); a local
/// time that occurs twice fires at its first occurrence only. nullopt when nothing matches
/// within the next nine years (e.g. "0 0 30 2 *").
[[nodiscard]] std::optional<std::int64_t> cron_next(const CronExpression& expr,
                                                    const date::time_zone* zone,
                                                    std::int64_t after_ms);

}  // namespace rivet::detail
