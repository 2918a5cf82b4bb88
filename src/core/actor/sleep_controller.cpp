#include "core/actor/sleep_controller.hpp"

#include "core/actor/actor_instance.hpp"
#include "core/runtime/runtime_core.hpp"

namespace rivet::detail {

void SleepController::leave(ActorInstance& rt) {
  if (calls_.leave()) {
    note_idle(rt);
  }
}

bool SleepController::idle(const ActorInstance& rt) const noexcept {
  return calls_.idle() && !rt.conns().any_held_open() &&
         !rt.runtime().held_awake(rt.record().actor_id);
}

void SleepController::note_idle(ActorInstance& rt) {
  if (rt.run_state() != RunState::Running || !idle(rt)) {
    return;
  }
  // Only the deadline moves here; the sweeper entry made earlier fires at the older deadline and
  // re-registers the actor then (on_idle_due), so a busy actor costs nothing per call.
  deadline_ = rt.clock().now() + rt.definition().options.sleep_timeout;
  if (!watched_) {
    watched_ = true;
    rt.runtime().idle().watch(rt.shared_from_this(), deadline_);
  }
}

void SleepController::on_idle_due(ActorInstance& rt) {
  watched_ = false;
  if (rt.run_state() != RunState::Running || !idle(rt)) {
    return;  // stopped, or busy: the next note_idle() registers it again
  }
  if (rt.clock().now() < deadline_) {
    watched_ = true;
    rt.runtime().idle().watch(rt.shared_from_this(), deadline_);
    return;
  }
  rt.runtime().spawn(rt.strand(), [](std::shared_ptr<ActorInstance> self) -> Task<void> {
    co_await self->stop(false);
  }(rt.shared_from_this()));
}

void SleepController::maybe_stop_after_call(ActorInstance& rt) {
  if (stop_scheduled_ || !(sleep_requested_ || destroy_requested_)) {
    return;
  }
  stop_scheduled_ = true;
  rt.runtime().spawn(rt.strand(), [](std::shared_ptr<ActorInstance> self, bool destroy) -> Task<void> {
    co_await self->stop(destroy);
  }(rt.shared_from_this(), destroy_requested_));
}

}  // namespace rivet::detail
