#pragma once
/// Scheduling actions on the actor itself (c.schedule()).
///
/// A schedule is written together with the calling action's state change, so it is durable
/// before the action's reply leaves. It fires at or after its time (never early), wakes a
/// sleeping actor, survives restarts, and runs at least once: a failing run is retried with
/// exponential backoff (docs/actors.md, "Schedules"). Strand-affine.
/// Recurring jobs are in cron.hpp.

#include <rivet/common/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rivet {

namespace detail {
class ActorInstance;
}

/// A pending one-shot schedule.
struct ScheduleInfo {
  std::string id;
  std::string action;
  Value args = Value::array();
  std::int64_t at = 0;  ///< due time (ms since the Unix epoch); a retry's time while retrying
  int attempt = 0;      ///< failed attempts so far
};

void to_json(nlohmann::json& j, const ScheduleInfo& info);

class Schedule {
 public:
  explicit Schedule(detail::ActorInstance& rt) noexcept : rt_(&rt) {}

  /// Runs `action(args...)` `delay` from now; returns the schedule's id.
  template <class... A>
  std::string after(std::chrono::milliseconds delay, std::string action, const A&... args) {
    return after_values(delay, std::move(action), Value::array({to_value(args)...}));
  }
  /// Runs `action(args...)` at `timestamp_ms` (ms since the Unix epoch; past = as soon as
  /// possible).
  template <class... A>
  std::string at(std::int64_t timestamp_ms, std::string action, const A&... args) {
    return at_values(timestamp_ms, std::move(action), Value::array({to_value(args)...}));
  }

  std::string after_values(std::chrono::milliseconds delay, std::string action, Value args);
  std::string at_values(std::int64_t timestamp_ms, std::string action, Value args);

  /// The pending schedule `id` (nullopt once it ran successfully, was dropped or cancelled).
  [[nodiscard]] std::optional<ScheduleInfo> get(std::string_view id);
  /// Pending one-shot schedules, earliest first.
  [[nodiscard]] std::vector<ScheduleInfo> list();
  /// Removes a pending schedule; false when there is none with this id. Commits with the call.
  bool cancel(std::string_view id);

 private:
  detail::ActorInstance* rt_;
};

}  // namespace rivet
