#pragma once
/// A one-shot event: set() once, and every wait() before or after it returns. Used for "this
/// actor has stopped" and similar facts that other threads await instead of polling.
///
/// Thread-safety: every member may be called from any thread. A waiter resumes on its own
/// executor. Lifetime: must outlive its pending waits.

#include <rivet/common/notifier.hpp>
#include <rivet/common/task.hpp>

#include <atomic>
#include <chrono>

namespace rivet {

class Event {
 public:
  void set() {
    if (!set_.exchange(true, std::memory_order_acq_rel)) {
      notifier_.notify_all();
    }
  }
  [[nodiscard]] bool is_set() const noexcept { return set_.load(std::memory_order_acquire); }

  /// Returns once set() was called (at once if it already was).
  Task<void> wait();

 private:
  std::atomic<bool> set_{false};
  Notifier notifier_;
};

}  // namespace rivet
