#pragma once
/// Counts work in progress on one strand and lets a coroutine await the moment it drops to zero
/// (an actor's running calls, its raw-socket handlers, its run loop). Cheap enough to hold
/// several per awake actor: a counter and a lazily made Notifier.
///
/// Thread-safety: none; use it on one strand. For work spread over threads use TaskGroup.

#include <rivet/common/notifier.hpp>
#include <rivet/common/task.hpp>

#include <cstddef>
#include <memory>

namespace rivet {

class Gate {
 public:
  void enter() noexcept { ++count_; }
  /// Returns true when this was the last piece of work (waiters are resumed).
  bool leave() {
    if (--count_ != 0) {
      return false;
    }
    if (waiters_) {
      waiters_->notify_all();
    }
    return true;
  }
  [[nodiscard]] std::size_t count() const noexcept { return count_; }
  [[nodiscard]] bool idle() const noexcept { return count_ == 0; }

  /// Returns once count() is zero (at once if it is).
  Task<void> wait_idle();

  /// Work held for the lifetime of the guard.
  class Hold {
   public:
    explicit Hold(Gate& gate) noexcept : gate_(&gate) { gate.enter(); }
    Hold(Hold&& other) noexcept : gate_(std::exchange(other.gate_, nullptr)) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    Hold& operator=(Hold&&) = delete;
    ~Hold() {
      if (gate_ != nullptr) {
        gate_->leave();
      }
    }

   private:
    Gate* gate_;
  };

 private:
  std::size_t count_ = 0;
  std::unique_ptr<Notifier> waiters_;
};

}  // namespace rivet
