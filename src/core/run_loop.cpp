// The run handler: started on every wake, aborted on sleep/destroy, restarted after a failure.

#include "core/actor_runtime.hpp"
#include "core/engine_core.hpp"
#include "core/user_code.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace rivet::detail {

namespace {

constexpr auto kFirstRestartDelay = std::chrono::milliseconds(250);
constexpr auto kMaxRestartDelay = std::chrono::milliseconds(30'000);

}  // namespace

Task<void> ActorRuntime::run_loop(std::shared_ptr<ActorRuntime> self) {
  auto restart_delay = kFirstRestartDelay;
  while (self->run_state_ == RunState::Running) {
    CallFrame frame;
    frame.run_loop = true;
    ActorContext ctx(*self, &frame);
    self->enter_call();
    auto ran = co_await run_user(self->def_.run(ctx), "run");
    // Messages taken but not completed are delivered again (at least once).
    self->requeue_in_flight();
    auto finished = co_await self->finish_call(frame, false);
    if (!finished) {
      log_failure("run loop save", finished.error());
    }
    self->leave_call();
    if (self->run_state_ != RunState::Running || ran || ran.error().is(codes::kActorAborted)) {
      break;
    }
    log_failure("run handler", ran.error());
    boost::asio::steady_timer timer(self->strand_, restart_delay);
    co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    restart_delay = std::min(restart_delay * 2, kMaxRestartDelay);
  }
  self->run_loop_active_ = false;
  self->run_loop_done_.notify_all();
}

}  // namespace rivet::detail
