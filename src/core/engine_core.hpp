#pragma once
// The engine's shared internals: the awake-actor table, the store, and the task group that owns
// every background coroutine (so stop() can drain them).

#include <rivet/core/engine.hpp>

#include "core/actor_runtime.hpp"

#include <boost/asio/any_io_executor.hpp>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rivet::detail {

class EngineCore : public std::enable_shared_from_this<EngineCore> {
 public:
  EngineCore(boost::asio::any_io_executor ex, const Registry& registry, storage::Store& store,
             EngineOptions options)
      : executor_(std::move(ex)), registry_(registry), store_(store), options_(std::move(options)) {}

  [[nodiscard]] const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  [[nodiscard]] storage::Store& store() noexcept { return store_; }
  [[nodiscard]] const Registry& registry() const noexcept { return registry_; }
  [[nodiscard]] const EngineOptions& options() const noexcept { return options_; }

  /// The awake runtime for `actor_id`, loading its record when needed.
  /// actor.not_found when it does not exist, is destroyed, or has no definition here.
  [[nodiscard]] Result<std::shared_ptr<ActorRuntime>> runtime_for(const std::string& actor_id);
  /// Called by a runtime once it has fully stopped.
  void forget(const ActorRuntime& rt);

  /// Runs `task` in the background, owned by the engine's task group.
  void spawn(const boost::asio::any_io_executor& ex, Task<void> task);
  /// Waits (blocking the calling thread is not allowed: coroutine) until no task is running.
  Task<void> drain();

  [[nodiscard]] std::vector<std::shared_ptr<ActorRuntime>> awake() const;
  [[nodiscard]] bool stopping() const noexcept { return stopping_.load(); }
  void set_stopping() noexcept { stopping_.store(true); }

 private:
  boost::asio::any_io_executor executor_;
  const Registry& registry_;
  storage::Store& store_;
  EngineOptions options_;

  mutable std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<ActorRuntime>> actors_;

  std::atomic<std::size_t> tasks_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace rivet::detail
