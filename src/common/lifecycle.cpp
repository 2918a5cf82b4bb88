// Event, Gate and TaskGroup: the awaiting side, on top of Notifier.
#include <rivet/common/event.hpp>
#include <rivet/common/gate.hpp>
#include <rivet/common/task_group.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace rivet {

Task<void> Event::wait() {
  if (is_set()) {
    co_return;
  }
  // set() flips the flag before it notifies, and the check runs under the notifier's lock, so
  // a set() racing with this wait is never missed. Cancellation ends the wait early.
  co_await notifier_.async_wait_unless([this] { return is_set(); },
                                       asio::as_tuple(asio::use_awaitable));
}

Task<void> Gate::wait_idle() {
  while (count_ != 0) {
    if (!waiters_) {
      waiters_ = std::make_unique<Notifier>();
    }
    auto [ec] = co_await waiters_->async_wait(asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) {
      co_return;
    }
  }
}

bool TaskGroup::enter() {
  if (closed()) {
    return false;
  }
  running_.fetch_add(1, std::memory_order_acq_rel);
  return true;
}

void TaskGroup::leave(const std::exception_ptr& error) {
  if (error) {
    failures_.fetch_add(1, std::memory_order_acq_rel);
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    logger_.error("background task failed", {{"group", name_}, {"error", what}});
  }
  if (running_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    {
      std::lock_guard lock(mutex_);
    }
    idle_.notify_all();
    waiters_.notify_all();
  }
}

Task<void> TaskGroup::wait_idle() {
  while (running() != 0) {
    auto [ec] = co_await waiters_.async_wait_unless([this] { return running() == 0; },
                                                    asio::as_tuple(asio::use_awaitable));
    if (ec == asio::error::operation_aborted) {
      co_return;  // cancelled
    }
  }
}

bool TaskGroup::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return running() == 0; });
}

}  // namespace rivet
