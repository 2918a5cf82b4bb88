#pragma once
/// Time as the runtime sees it, injected rather than global: the runtime and everything it owns
/// read now()/wall_ms() from the Clock in their options and wait with Timers made on it. The
/// system clock is the default. A ManualClock runs like the system clock plus an offset that
/// tests move with advance(): a 30 s sleep timeout or a schedule an hour out fires the moment
/// the test advances past it, with no sleeping and no polling.
///
/// Thread-safety: Clock members may be called from any thread. A Timer, like an asio timer, is
/// used from one strand (the one of its executor).
/// Lifetime: a Clock outlives every Timer made on it.

#include <rivet/common/task.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace rivet {

class Timer;

class Clock {
 public:
  using duration = std::chrono::steady_clock::duration;
  using time_point = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  /// Monotonic time, for deadlines.
  [[nodiscard]] virtual time_point now() const noexcept = 0;
  /// Milliseconds since the Unix epoch, for stored timestamps and schedules.
  [[nodiscard]] virtual std::int64_t wall_ms() const noexcept = 0;

  /// The process's real clock (shared; never destroyed before exit).
  [[nodiscard]] static const std::shared_ptr<Clock>& system();

 protected:
  friend class Timer;
  struct Hook;
  /// The real steady-clock instant at which a deadline of this clock is due as of now.
  [[nodiscard]] virtual time_point real_deadline(time_point deadline) const noexcept {
    return deadline;
  }
  /// A clock that can jump asks Timers to register their deadlines (see ManualClock).
  [[nodiscard]] virtual bool jumps() const noexcept { return false; }
  virtual void watch(std::shared_ptr<Hook> /*hook*/, time_point /*deadline*/) const {}
};

/// The system clock plus an offset that only grows; advance() fires every Timer now due.
class ManualClock final : public Clock {
 public:
  [[nodiscard]] time_point now() const noexcept override;
  [[nodiscard]] std::int64_t wall_ms() const noexcept override;
  /// Moves time forward by `d` and fires the Timers whose deadline it reaches (each on its own
  /// executor: their waits complete after this returns, not inside it).
  void advance(duration d);
  [[nodiscard]] duration offset() const noexcept { return duration(offset_.load()); }

 protected:
  [[nodiscard]] time_point real_deadline(time_point deadline) const noexcept override;
  [[nodiscard]] bool jumps() const noexcept override { return true; }
  void watch(std::shared_ptr<Hook> hook, time_point deadline) const override;

 private:
  std::atomic<duration::rep> offset_{0};
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<time_point, std::weak_ptr<Hook>>> watched_;
};

/// A one-deadline timer on a Clock. The wait completes at the deadline, when the clock jumps past
/// it, or on cancel() (then with operation_aborted): callers that loop re-read the clock.
class Timer {
 public:
  Timer(const Clock& clock, const boost::asio::any_io_executor& executor);
  Timer(const Clock& clock, const boost::asio::any_io_executor& executor, Clock::duration after);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void expires_at(Clock::time_point deadline);
  void expires_after(Clock::duration d) { expires_at(clock_->now() + d); }
  /// Never fires until re-armed (or cancelled).
  void expires_never();
  [[nodiscard]] Clock::time_point expiry() const noexcept { return deadline_; }

  /// As asio's async_wait: usable in `a || b` and with as_tuple.
  template <class Token>
  auto async_wait(Token&& token) {
    return timer_.async_wait(std::forward<Token>(token));
  }
  /// True when the deadline passed, false when cancelled.
  Task<bool> wait();
  void cancel() { timer_.cancel(); }

 private:
  friend class ManualClock;
  void fire();

  const Clock* clock_;
  boost::asio::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::shared_ptr<Clock::Hook> hook_;  // only on clocks that jump
};

}  // namespace rivet
