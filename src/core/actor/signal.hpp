#pragma once
// A strand-local broadcast wake-up: waiters suspend until notify_all(). Not thread-safe; use on
// one strand only.
//
// The timer behind it is created by the first wait(): an awake actor holds several signals
// that are rarely waited on, and an idle timer with its executor costs ~100 bytes each.

#include <rivet/core/task.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <memory>

namespace rivet::detail {

class Signal {
 public:
  Signal() = default;
  /// The executor is taken from the waiting coroutine (always the owner's strand).
  explicit Signal(const boost::asio::any_io_executor& /*ex*/) {}

  /// Suspends until the next notify_all() (or cancellation of the waiting coroutine).
  Task<void> wait() {
    if (!timer_) {
      timer_ = std::make_unique<boost::asio::steady_timer>(
          co_await boost::asio::this_coro::executor, std::chrono::steady_clock::time_point::max());
    }
    co_await timer_->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
  void notify_all() {
    if (timer_) {
      timer_->cancel();
    }
  }

 private:
  std::unique_ptr<boost::asio::steady_timer> timer_;
};

}  // namespace rivet::detail
