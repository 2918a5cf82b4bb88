#include "server/envoy/envoy_alarms.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>

namespace rivet::server::envoy {

namespace asio = boost::asio;

namespace {
// A timer is touched only on its own (single-threaded) executor.
void cancel_timer(const std::shared_ptr<asio::steady_timer>& timer) {
  asio::post(timer->get_executor(), [timer] { timer->cancel(); });
}
}  // namespace

void EnvoyAlarms::attach(Runtime& runtime, std::shared_ptr<EngineLink> link,
                         GenerationOf generation_of) {
  runtime_ = &runtime;
  link_ = std::move(link);
  generation_of_ = std::move(generation_of);
}

void EnvoyAlarms::set_alarm(const std::string& actor_id, std::int64_t due_ms) {
  const auto now = runtime_->options().clock->wall_ms();
  auto generation = generation_of_(actor_id);
  std::shared_ptr<asio::steady_timer> timer;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) {
      return;
    }
    auto it = armed_.find(actor_id);
    if (it != armed_.end() && it->second.due_ms <= due_ms && it->second.due_ms >= now) {
      return;  // an earlier alarm is armed; the run then re-arms this one
    }
    if (it != armed_.end()) {
      cancel_timer(it->second.timer);
    }
    if (generation) {
      timer = std::make_shared<asio::steady_timer>(runtime_->executor_for(actor_id));
      armed_.insert_or_assign(actor_id, Armed{due_ms, timer});
    } else if (it != armed_.end()) {
      armed_.erase(it);
    }
  }
  if (!generation) {
    return;  // not running here: whoever starts it runs what is due
  }
  link_->send_event(actor_id, *generation,
                    wire::Event{wire::EventActorSetAlarm{std::optional<std::int64_t>(due_ms)}});
  timer->expires_after(std::chrono::milliseconds(std::max<std::int64_t>(due_ms - now, 0)));
  tasks_.spawn(timer->get_executor(), fire(this, actor_id, due_ms, timer));
}

Task<void> EnvoyAlarms::fire(EnvoyAlarms* self, std::string actor_id, std::int64_t due_ms,
                             std::shared_ptr<asio::steady_timer> timer) {
  auto [ec] = co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
  {
    std::lock_guard lock(self->mutex_);
    auto it = self->armed_.find(actor_id);
    if (ec || self->stopped_ || it == self->armed_.end() || it->second.timer != timer) {
      co_return;  // superseded, stopped, or the actor left
    }
    self->armed_.erase(it);
  }
  // Fired here: the engine must not keep it, or it would start the actor again as soon as it
  // sleeps (an alarm in the past wakes a stopped actor at once). The run below arms the next.
  if (auto generation = self->generation_of_(actor_id)) {
    self->link_->send_event(actor_id, *generation,
                            wire::Event{wire::EventActorSetAlarm{std::nullopt}});
  }
  auto ran = co_await self->runtime_->run_alarm(actor_id);
  if (!ran) {
    self->logger_.warn("alarm run failed", {{"actor_id", actor_id}, {"error", ran.error().message}});
  }
  (void)due_ms;
}

void EnvoyAlarms::actor_left(const std::string& actor_id) {
  std::lock_guard lock(mutex_);
  if (auto it = armed_.find(actor_id); it != armed_.end()) {
    cancel_timer(it->second.timer);
    armed_.erase(it);
  }
}

void EnvoyAlarms::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  for (auto& [id, armed] : armed_) {
    cancel_timer(armed.timer);
  }
  armed_.clear();
}

}  // namespace rivet::server::envoy
