#pragma once
// The engine's shared internals: the awake-actor table, the store, and the task group that owns
// every background coroutine (so stop() can drain them).

#include <rivet/core/engine.hpp>

#include "core/actor_runtime.hpp"

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace rivet::detail {

/// A sender waiting for its message's completion. Lives on the sender's executor; completion is
/// posted there.
struct QueueWaiter {
  explicit QueueWaiter(const boost::asio::any_io_executor& ex)
      : timer(ex, std::chrono::steady_clock::time_point::max()) {}
  boost::asio::steady_timer timer;
  bool done = false;
  std::optional<Value> response;
};

class EngineCore : public std::enable_shared_from_this<EngineCore> {
 public:
  /// `executors` is not empty; the first one runs the engine's own work (alarms).
  EngineCore(std::vector<boost::asio::any_io_executor> executors, const Registry& registry,
             storage::Store& store, EngineOptions options)
      : contexts_(io_executors(executors)),
        executor_(executors.front()),
        registry_(registry),
        store_(store),
        options_(std::move(options)),
        alarm_strand_(boost::asio::make_strand(executor_)),
        alarm_timer_(alarm_strand_),
        idle_strand_(boost::asio::make_strand(executor_)),
        idle_timer_(idle_strand_) {}

  [[nodiscard]] const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  /// The executor whose thread runs this actor's strand (a stable hash of its id), so that the
  /// transports can keep an actor's connections on the same thread.
  [[nodiscard]] const boost::asio::io_context::executor_type& executor_for(
      std::string_view actor_id) const noexcept {
    return contexts_[std::hash<std::string_view>{}(actor_id) % contexts_.size()];
  }
  [[nodiscard]] storage::Store& store() noexcept { return store_; }
  [[nodiscard]] const Registry& registry() const noexcept { return registry_; }
  [[nodiscard]] const EngineOptions& options() const noexcept { return options_; }
  /// The public facade; it outlives every actor (Engine::stop drains them first).
  [[nodiscard]] Engine& facade() const noexcept { return *facade_; }
  void set_facade(Engine* engine) noexcept { facade_ = engine; }

  /// The awake runtime for `actor_id`, loading its record when needed.
  /// actor.not_found when it does not exist, is destroyed, or has no definition here.
  [[nodiscard]] Result<std::shared_ptr<ActorRuntime>> runtime_for(const std::string& actor_id);
  /// Registers a runtime for an actor whose record is not stored yet: its first commit (the
  /// initial state, in start()) inserts the record. Nobody else knows the id until it is returned.
  [[nodiscard]] std::shared_ptr<ActorRuntime> adopt_unborn(storage::ActorRecord record);
  /// Called by a runtime once it has fully stopped.
  void forget(const ActorRuntime& rt);

  /// Runs `task` in the background, owned by the engine's task group.
  void spawn(const boost::asio::any_io_executor& ex, Task<void> task);
  /// Waits (blocking the calling thread is not allowed: coroutine) until no task is running.
  Task<void> drain();

  [[nodiscard]] std::vector<std::shared_ptr<ActorRuntime>> awake() const;

  // -- queue completion waiters (queues.cpp): senders waiting with `wait` -----------------------
  void register_waiter(const std::string& actor_id, std::uint64_t id, std::shared_ptr<QueueWaiter> w);
  void drop_waiter(const std::string& actor_id, std::uint64_t id);
  /// Resolves a waiting sender, if any (response nullopt = completed without a value).
  void complete_waiter(const std::string& actor_id, std::uint64_t id, std::optional<Value> response);

  // -- alarms (alarms.cpp): wake actors whose schedules are due ------------------------------
  /// Loads every stored schedule and starts the alarm loop. Call once.
  void start_alarms();
  /// Makes sure the actor's schedules run at or after `due_ms`. Duplicates are harmless.
  void add_alarm(const std::string& actor_id, std::int64_t due_ms);
  [[nodiscard]] bool stopping() const noexcept { return stopping_.load(); }

  // -- idle sleep (idle_sweeper.cpp): one timer for every awake actor's sleep deadline -------
  /// Starts the sweeper loop. Call once.
  void start_idle_sweeper();
  /// Calls rt->on_idle_due() on its strand at or after `deadline` (once per call).
  void watch_idle(const std::shared_ptr<ActorRuntime>& rt, RuntimeClock::time_point deadline);
  /// Wakes the sweeper loop (it ends once stopping() is set).
  void wake_idle_sweeper();
  void set_stopping() noexcept { stopping_.store(true); }

 private:
  // The actors' strands are strands of a concrete io_context executor: 24 bytes that any_io_executor
  // holds inline, where a strand of any_io_executor made every copy of it a heap allocation.
  static std::vector<boost::asio::io_context::executor_type> io_executors(
      const std::vector<boost::asio::any_io_executor>& executors) {
    std::vector<boost::asio::io_context::executor_type> out;
    for (const auto& ex : executors) {
      out.push_back(static_cast<boost::asio::io_context&>(
                        boost::asio::query(ex, boost::asio::execution::context))
                        .get_executor());
    }
    return out;
  }
  std::vector<boost::asio::io_context::executor_type> contexts_;
  boost::asio::any_io_executor executor_;
  const Registry& registry_;
  storage::Store& store_;
  EngineOptions options_;
  Engine* facade_ = nullptr;

  mutable std::mutex mu_;
  // Keyed by a view of the runtime's own record().actor_id (immutable while it is mapped).
  std::unordered_map<std::string_view, std::shared_ptr<ActorRuntime>> actors_;

  static Task<void> alarm_loop(std::shared_ptr<EngineCore> self);
  static Task<void> fire_alarm(std::shared_ptr<EngineCore> self, std::string actor_id);

  std::mutex waiter_mu_;
  std::map<std::pair<std::string, std::uint64_t>, std::shared_ptr<QueueWaiter>> waiters_;

  std::mutex alarm_mu_;
  std::multimap<std::int64_t, std::string> alarms_;
  boost::asio::strand<boost::asio::any_io_executor> alarm_strand_;
  Timer alarm_timer_;  // touched only on alarm_strand_

  static Task<void> idle_loop(std::shared_ptr<EngineCore> self);
  std::mutex idle_mu_;
  // A min-heap on the deadline (std::push_heap with std::greater): 24 bytes an entry, where a
  // map node cost 80. An actor has at most one entry (ActorRuntime::idle_watched_); a timer per
  // actor cost ~0.5 KB.
  using IdleEntry = std::pair<RuntimeClock::time_point, std::weak_ptr<ActorRuntime>>;
  struct IdleLater {
    bool operator()(const IdleEntry& a, const IdleEntry& b) const noexcept {
      return a.first > b.first;
    }
  };
  std::vector<IdleEntry> idle_due_;
  boost::asio::strand<boost::asio::any_io_executor> idle_strand_;
  Timer idle_timer_;  // touched only on idle_strand_

  std::atomic<std::size_t> tasks_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace rivet::detail

namespace rivet {
struct Engine::Impl {
  std::shared_ptr<detail::EngineCore> core;
};
}  // namespace rivet
