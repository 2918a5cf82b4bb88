#pragma once
// When an actor sleeps: it is idle when no call or background work runs, no held-open
// connection remains and no host holds it awake (Runtime::hold_awake); it then sleeps once its
// sleep timeout passed without new work (the node's IdleSweeper watches the deadline). User code
// may also ask to sleep or be destroyed; that happens once the current call is done.
//
// Strand-affine: every member runs on the actor's strand. Members take the actor they belong to
// (the controller keeps no pointer back to it: it lives inside it).

#include <rivet/common/clock.hpp>
#include <rivet/common/gate.hpp>
#include <rivet/common/task.hpp>

namespace rivet::detail {

class ActorInstance;

class SleepController {
 public:
  /// Work that keeps the actor awake (calls, keepAwake / waitUntil, schedules, run loop).
  void enter() noexcept { calls_.enter(); }
  void leave(ActorInstance& rt);
  /// Returns once no call runs.
  Task<void> wait_calls() { return calls_.wait_idle(); }
  [[nodiscard]] bool idle(const ActorInstance& rt) const noexcept;

  /// Moves the sleep deadline when nothing keeps the actor awake.
  void note_idle(ActorInstance& rt);
  /// The deadline registered with the sweeper came due.
  void on_idle_due(ActorInstance& rt);

  void request_sleep() noexcept { sleep_requested_ = true; }
  void request_destroy() noexcept { destroy_requested_ = true; }
  /// Starts the sleep or destroy user code asked for, once per actor.
  void maybe_stop_after_call(ActorInstance& rt);

 private:
  Gate calls_;
  Clock::time_point deadline_{};
  bool watched_ = false;  // an entry in the sweeper is pending
  bool sleep_requested_ = false;
  bool destroy_requested_ = false;
  bool stop_scheduled_ = false;
};

}  // namespace rivet::detail
