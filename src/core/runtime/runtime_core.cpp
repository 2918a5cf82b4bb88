#include "core/runtime/runtime_core.hpp"

#include "core/actor/actor_instance.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace asio = boost::asio;

namespace rivet {

namespace detail {

Error no_definition_error(std::string_view name) {
  return make_error(codes::kActorNotFound,
                    "No actor definition named '" + std::string(name) + "' is registered.");
}

Error actor_stopped_error() {
  return make_error(codes::kActorStopped, "The actor stopped while handling the request.");
}

RuntimeCore::RuntimeCore(std::vector<asio::any_io_executor> executors, const Registry& registry,
                       storage::Store& store, RuntimeOptions options)
    : contexts_(io_executors(executors)),
      executor_(executors.front()),
      registry_(registry),
      store_(store),
      options_(std::move(options)),
      tasks_("runtime", options_.logger),
      alarms_(*this, executor_),
      idle_(*this, executor_) {}

std::vector<asio::io_context::executor_type> RuntimeCore::io_executors(
    const std::vector<asio::any_io_executor>& executors) {
  std::vector<asio::io_context::executor_type> out;
  for (const auto& ex : executors) {
    out.push_back(
        static_cast<asio::io_context&>(asio::query(ex, asio::execution::context)).get_executor());
  }
  return out;
}

void RuntimeCore::start() {
  if (!options_.alarms) {
    alarms_.start();
  }
  idle_.start();
}

void RuntimeCore::set_alarm(const std::string& actor_id, std::int64_t due_ms) {
  if (options_.alarms) {
    options_.alarms->set_alarm(actor_id, due_ms);
  } else {
    alarms_.add(actor_id, due_ms);
  }
}

void RuntimeCore::actor_started(const ActorInstance& rt) const {
  if (options_.observer) {
    options_.observer->actor_started(rt.identity());
  }
}

void RuntimeCore::hold_awake(std::string_view actor_id) {
  std::lock_guard lock(holds_mutex_);
  auto it = holds_.find(actor_id);
  if (it == holds_.end()) {
    it = holds_.emplace(std::string(actor_id), 0).first;
  }
  it->second += 1;
  holds_total_.fetch_add(1, std::memory_order_relaxed);
}

void RuntimeCore::release_awake(std::string_view actor_id) {
  {
    std::lock_guard lock(holds_mutex_);
    auto it = holds_.find(actor_id);
    if (it == holds_.end()) {
      return;
    }
    holds_total_.fetch_sub(1, std::memory_order_relaxed);
    if (--it->second > 0) {
      return;
    }
    holds_.erase(it);
  }
  // The idle check that found it held registered no deadline: start its sleep timeout now.
  if (auto rt = actors_.find_awake(actor_id)) {
    asio::post(rt->strand(), [rt] { rt->note_idle(); });
  }
}

bool RuntimeCore::held_awake(std::string_view actor_id) const {
  if (holds_total_.load(std::memory_order_relaxed) == 0) {
    return false;
  }
  std::lock_guard lock(holds_mutex_);
  return holds_.find(actor_id) != holds_.end();
}

void RuntimeCore::actor_stopped(const ActorInstance& rt, bool destroyed) const {
  if (options_.observer) {
    options_.observer->actor_stopped(rt.identity(), destroyed);
  }
}

Task<void> RuntimeCore::stop() {
  if (stopping()) {
    co_await tasks_.wait_idle();
    co_return;
  }
  alarms_.stop();
  idle_.stop();
  // Sleep hooks may call other actors and wake them; stop those too, a few rounds at most.
  constexpr int kStopRounds = 8;
  for (int round = 0; round < kStopRounds; ++round) {
    auto awake = actors_.awake();
    if (awake.empty()) {
      break;
    }
    for (auto& rt : awake) {
      co_await asio::co_spawn(rt->strand(), rt->stop(false), asio::use_awaitable);
    }
  }
  tasks_.close();
  co_await tasks_.wait_idle();
}

}  // namespace detail

}  // namespace rivet
