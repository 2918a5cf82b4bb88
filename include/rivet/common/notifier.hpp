#pragma once
/// A thread-safe wake-up list for coroutines: async_wait() suspends the caller until the next
/// notify_all(); the caller resumes on its own executor. The building block of Event, Gate and
/// TaskGroup: a waiter never polls, and a notification never runs a waiter on the notifier's
/// thread.
///
/// Thread-safety: every member may be called from any thread.
/// Cancellation: a waiter whose cancellation slot fires (e.g. the losing side of `a || b`)
/// completes with asio::error::operation_aborted and leaves the list.
/// Lifetime: the Notifier must outlive its pending waits; destroying it with waiters pending
/// completes them with operation_aborted.

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <functional>
#include <utility>
#include <memory>

namespace rivet {

class Notifier {
 public:
  using Signature = void(boost::system::error_code);

  Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  ~Notifier();

  /// Completes with success at the next notify_all().
  template <class Token>
  auto async_wait(Token&& token) {
    return async_wait_unless([] { return false; }, std::forward<Token>(token));
  }

  /// Completes at once when `ready()` holds, else at the next notify_all(). `ready` is checked
  /// under the lock notify_all() takes, so a condition made true before a notify_all() is never
  /// missed (make it true, then notify).
  template <class Ready, class Token>
  auto async_wait_unless(Ready ready, Token&& token) {
    return boost::asio::async_initiate<Token, Signature>(
        [this](auto handler, Ready check) {
          add(boost::asio::any_completion_handler<Signature>(std::move(handler)),
              std::function<bool()>(std::move(check)));
        },
        token, std::move(ready));
  }

  /// Resumes every waiter registered before this call (each on its own executor).
  void notify_all();

 private:
  struct State;
  void add(boost::asio::any_completion_handler<Signature> handler, const std::function<bool()>& ready);

  // Shared with the waiters' cancellation handlers, which may outlive a notified wait.
  std::shared_ptr<State> state_;
};

}  // namespace rivet
