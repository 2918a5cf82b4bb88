#pragma once
// The runtime's shared internals: one owner per job (the awake-actor table, the alarm service,
// the idle sweeper, the queue-completion waiters, the task group that owns every background
// coroutine), and what they share (store, registry, options, clock, logger, executors).
//
// Thread-safety: every member may be called from any thread.
// Lifetime: created by Runtime; stop() drains every task before the Runtime is destroyed.

#include <rivet/common/clock.hpp>
#include <rivet/common/log.hpp>
#include <rivet/common/task_group.hpp>
#include <rivet/core/runtime.hpp>

#include "core/actor/actor_instance.hpp"
#include "core/runtime/actor_table.hpp"
#include "core/runtime/alarm_service.hpp"
#include "core/runtime/idle_sweeper.hpp"
#include "core/runtime/key_cache.hpp"
#include "core/runtime/queue_waiters.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace rivet::detail {

class ActorInstance;

/// actor.not_found for a name the registry does not know.
[[nodiscard]] Error no_definition_error(std::string_view name);
/// The caller's actor stopped again and again while it tried to reach it.
[[nodiscard]] Error actor_stopped_error();

class RuntimeCore : public std::enable_shared_from_this<RuntimeCore> {
 public:
  /// `executors` is not empty; the first one runs the runtime's own work (alarms, idle sweep).
  RuntimeCore(std::vector<boost::asio::any_io_executor> executors, const Registry& registry,
             storage::Store& store, RuntimeOptions options);

  [[nodiscard]] const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  /// The executor whose thread runs this actor's strand (a stable hash of its id), so that the
  /// transports can keep an actor's connections on the same thread.
  [[nodiscard]] const boost::asio::io_context::executor_type& executor_for(
      std::string_view actor_id) const noexcept {
    return contexts_[std::hash<std::string_view>{}(actor_id) % contexts_.size()];
  }
  [[nodiscard]] storage::Store& store() noexcept { return store_; }
  [[nodiscard]] const Registry& registry() const noexcept { return registry_; }
  [[nodiscard]] const RuntimeOptions& options() const noexcept { return options_; }
  [[nodiscard]] const Clock& clock() const noexcept { return *options_.clock; }
  [[nodiscard]] const Logger& logger() const noexcept { return options_.logger; }
  /// The public facade; it outlives every actor (Runtime::stop drains them first).
  [[nodiscard]] Runtime& facade() const noexcept { return *facade_; }
  void set_facade(Runtime* runtime) noexcept { facade_ = runtime; }

  [[nodiscard]] ActorTable& actors() noexcept { return actors_; }
  [[nodiscard]] AlarmService& alarms() noexcept { return alarms_; }
  [[nodiscard]] IdleSweeper& idle() noexcept { return idle_; }
  [[nodiscard]] QueueWaiters& waiters() noexcept { return waiters_; }
  /// Hints from (name, key) to the id it resolved to (key_cache.hpp).
  [[nodiscard]] KeyCache& keys() noexcept { return keys_; }
  /// Activity logs of stopped actors, handed back when they wake.
  [[nodiscard]] ActivityArchive& activity_archive() noexcept { return activity_archive_; }
  /// Makes sure the actor's due work runs at or after `due_ms`: through the host's
  /// AlarmScheduler when it keeps alarms, else the alarm service.
  void set_alarm(const std::string& actor_id, std::int64_t due_ms);
  /// Requests of a host in flight per actor (Runtime::hold_awake).
  void hold_awake(std::string_view actor_id);
  void release_awake(std::string_view actor_id);
  /// Whether a host holds the actor awake (checked whenever the actor may be idle).
  [[nodiscard]] bool held_awake(std::string_view actor_id) const;
  /// Tells the host's observer, if any.
  void actor_started(const ActorInstance& rt) const;
  void actor_stopped(const ActorInstance& rt, bool destroyed) const;

  /// Runs `task` in the background, owned by the runtime's task group (a no-op once stopped).
  template <class Executor>
  void spawn(const Executor& ex, Task<void> task) {
    tasks_.spawn(ex, std::move(task));
  }
  /// Starts the alarm service and the idle sweeper. Call once.
  void start();
  /// Sleeps every awake actor, then waits for every task to end. Idempotent.
  Task<void> stop();
  [[nodiscard]] bool stopping() const noexcept { return tasks_.closed(); }

  /// Runs `on_strand(runtime)` (a Task<Result<T>>) on the actor's strand. When it meets the actor
  /// on its way to sleep (actor.stopping), it awaits that stop and tries the fresh runtime.
  template <class T, class OnStrand>
  Task<Result<T>> with_actor(std::string actor_id, OnStrand on_strand);

 private:
  static std::vector<boost::asio::io_context::executor_type> io_executors(
      const std::vector<boost::asio::any_io_executor>& executors);

  // The actors' strands are strands of a concrete io_context executor: 24 bytes that
  // any_io_executor holds inline, where a strand of any_io_executor made every copy of it a
  // heap allocation.
  std::vector<boost::asio::io_context::executor_type> contexts_;
  boost::asio::any_io_executor executor_;
  const Registry& registry_;
  storage::Store& store_;
  RuntimeOptions options_;
  Runtime* facade_ = nullptr;
  TaskGroup tasks_;
  ActorTable actors_{*this};
  AlarmService alarms_;
  IdleSweeper idle_;
  QueueWaiters waiters_;
  KeyCache keys_;
  ActivityArchive activity_archive_;
  mutable std::mutex holds_mutex_;
  std::map<std::string, int, std::less<>> holds_;
  // Without any hold (embedded mode) the idle check takes no lock.
  std::atomic<std::size_t> holds_total_{0};
};

/// An actor that stops this many times in a row under one caller is reported as stopped.
inline constexpr int kMaxStopsMet = 64;

template <class T, class OnStrand>
Task<Result<T>> RuntimeCore::with_actor(std::string actor_id, OnStrand on_strand) {
  for (int met = 0; met < kMaxStopsMet; ++met) {
    auto rt = actors_.runtime_for(actor_id);
    if (!rt) {
      co_return rt.error();
    }
    Result<T> result = co_await boost::asio::co_spawn((*rt)->strand(), on_strand(*rt),
                                                      boost::asio::use_awaitable);
    if (result || !result.error().is(codes::kActorStopping)) {
      co_return result;
    }
    co_await actors_.wait_stopped(**rt);
  }
  co_return actor_stopped_error();
}

}  // namespace rivet::detail

namespace rivet {
struct Runtime::Impl {
  std::shared_ptr<detail::RuntimeCore> core;
};
}  // namespace rivet
