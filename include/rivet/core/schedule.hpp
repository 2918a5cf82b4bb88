#pragma once
/// Scheduling actions on the actor itself (c.schedule()).
///
/// A schedule is written together with the calling action's state change, so it is durable
/// before the action's reply leaves. It fires at or after its time (never early), wakes a
/// sleeping actor, survives restarts, and runs at least once: a failing run is retried with
/// exponential backoff (docs/schedules.md). Strand-affine.

#include <rivet/common/value.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace rivet {

namespace detail {
class ActorRuntime;
}

class Schedule {
 public:
  explicit Schedule(detail::ActorRuntime& rt) noexcept : rt_(&rt) {}

  /// Runs `action(args...)` `delay` from now.
  template <class... A>
  void after(std::chrono::milliseconds delay, std::string action, const A&... args) {
    after_values(delay, std::move(action), Value::array({to_value(args)...}));
  }
  /// Runs `action(args...)` at `timestamp_ms` (ms since the Unix epoch; past = as soon as
  /// possible).
  template <class... A>
  void at(std::int64_t timestamp_ms, std::string action, const A&... args) {
    at_values(timestamp_ms, std::move(action), Value::array({to_value(args)...}));
  }

  void after_values(std::chrono::milliseconds delay, std::string action, Value args);
  void at_values(std::int64_t timestamp_ms, std::string action, Value args);

 private:
  detail::ActorRuntime* rt_;
};

}  // namespace rivet
