#pragma once
/// Owns background coroutines so that their owner can stop: spawn() starts one, wait_idle()
/// awaits the moment none is running, close() refuses new ones. A task that ends with an
/// exception is counted and logged with the group's name; it never takes the process down and is
/// never silent. Used by the server (sessions), the runtime (actor work) and the stop sequence.
///
/// Thread-safety: every member may be called from any thread.
/// Lifetime: the group must outlive its tasks: await wait_idle() (or wait_for()) before
/// destroying it.

#include <rivet/common/log.hpp>
#include <rivet/common/notifier.hpp>
#include <rivet/common/task.hpp>

#include <boost/asio/co_spawn.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <mutex>
#include <string>
#include <utility>

namespace rivet {

class TaskGroup {
 public:
  explicit TaskGroup(std::string name, Logger logger = Logger::global())
      : name_(std::move(name)), logger_(std::move(logger)) {}
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  /// Starts `task` on `executor`; false (and the task is dropped unstarted) once closed.
  template <class Executor>
  bool spawn(const Executor& executor, Task<void> task) {
    if (!enter()) {
      return false;
    }
    boost::asio::co_spawn(executor, std::move(task),
                          [this](const std::exception_ptr& error) { leave(error); });
    return true;
  }

  /// Refuses further spawns; running tasks go on.
  void close() noexcept { closed_.store(true, std::memory_order_release); }
  [[nodiscard]] bool closed() const noexcept { return closed_.load(std::memory_order_acquire); }

  /// Returns once no task is running (at once if none is).
  Task<void> wait_idle();
  /// Blocks the calling thread until no task is running or `timeout` passes; true when idle.
  /// Never call it from a thread that runs the tasks' executor.
  [[nodiscard]] bool wait_for(std::chrono::milliseconds timeout);

  [[nodiscard]] std::size_t running() const noexcept {
    return running_.load(std::memory_order_acquire);
  }
  /// Tasks that ended with an exception.
  [[nodiscard]] std::size_t failures() const noexcept {
    return failures_.load(std::memory_order_acquire);
  }

 private:
  bool enter();
  void leave(const std::exception_ptr& error);

  std::string name_;
  Logger logger_;
  std::atomic<bool> closed_{false};
  std::atomic<std::size_t> running_{0};
  std::atomic<std::size_t> failures_{0};
  std::mutex mutex_;  // orders the last leave() with blocking waiters
  std::condition_variable idle_;
  Notifier waiters_;
};

}  // namespace rivet
