#pragma once
// The runtime's notion of time. Production: the real clocks. Tests switch on manual mode and
// advance time, so a 30 s sleep timeout or a schedule an hour out is checked in milliseconds:
// every timer wait is then capped at a few milliseconds so it re-reads the clock, and now()
// includes the advanced offset.

#include <boost/asio/basic_waitable_timer.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace rivet::detail {

struct RuntimeClock {
  using duration = std::chrono::steady_clock::duration;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<RuntimeClock>;
  static constexpr bool is_steady = true;

  static time_point now() noexcept {
    return time_point(std::chrono::steady_clock::now().time_since_epoch() + offset());
  }
  /// Wall-clock milliseconds since the Unix epoch, advanced like now().
  static std::int64_t wall_ms() noexcept;

  // -- tests only -------------------------------------------------------------------------------
  static void enable_manual() noexcept;
  static void advance(duration d) noexcept;
  [[nodiscard]] static bool manual() noexcept;
  [[nodiscard]] static duration offset() noexcept;
};

struct RuntimeWaitTraits {
  static RuntimeClock::duration to_wait_duration(const RuntimeClock::duration& d) {
    return RuntimeClock::manual() ? std::min(d, kManualTick) : d;
  }
  static RuntimeClock::duration to_wait_duration(const RuntimeClock::time_point& t) {
    const auto d = t - RuntimeClock::now();
    const auto wait = std::max(d, RuntimeClock::duration::zero());
    return RuntimeClock::manual() ? std::min(wait, kManualTick) : wait;
  }
  static constexpr RuntimeClock::duration kManualTick = std::chrono::milliseconds(2);
};

using Timer = boost::asio::basic_waitable_timer<RuntimeClock, RuntimeWaitTraits>;

}  // namespace rivet::detail
