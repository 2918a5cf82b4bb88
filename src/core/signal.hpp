#pragma once
// A strand-local broadcast wake-up: waiters suspend until notify_all(). Not thread-safe; use on
// one strand only.

#include <rivet/core/task.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace rivet::detail {

class Signal {
 public:
  explicit Signal(const boost::asio::any_io_executor& ex)
      : timer_(ex, std::chrono::steady_clock::time_point::max()) {}

  /// Suspends until the next notify_all() (or cancellation of the waiting coroutine).
  Task<void> wait() {
    co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  void notify_all() { timer_.cancel(); }

 private:
  boost::asio::steady_timer timer_;
};

}  // namespace rivet::detail
