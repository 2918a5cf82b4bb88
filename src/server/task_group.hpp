#pragma once
/// Owns every coroutine the server spawns, so stop() can wait for all of them to finish
/// (no detached work). Exceptions escaping a task are counted and dropped: a task is a session
/// or an in-flight action, and one failing must not take the process down.
/// Thread-safety: spawn() and wait_for() may be called from any thread.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace rivet::server {

class TaskGroup {
 public:
  TaskGroup() = default;
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  /// Starts `task` on `executor`. The group must outlive the task (stop() drains it).
  template <class Executor>
  void spawn(const Executor& executor, boost::asio::awaitable<void> task) {
    {
      std::lock_guard lock(mutex_);
      ++pending_;
    }
    boost::asio::co_spawn(executor, std::move(task),
                          [this](const std::exception_ptr& error) { finish(error != nullptr); });
  }

  /// Blocks until no task is pending or `timeout` passes; true when drained. Never call it from
  /// a thread that runs the tasks' executor (it would wait for itself).
  [[nodiscard]] bool wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [this] { return pending_ == 0; });
  }

  [[nodiscard]] std::size_t pending() const {
    std::lock_guard lock(mutex_);
    return pending_;
  }

  [[nodiscard]] std::size_t failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }

 private:
  void finish(bool failed) {
    std::lock_guard lock(mutex_);
    --pending_;
    if (failed) {
      ++failures_;
    }
    if (pending_ == 0) {
      drained_.notify_all();
    }
  }

  mutable std::mutex mutex_;
  std::condition_variable drained_;
  std::size_t pending_ = 0;
  std::size_t failures_ = 0;
};

/// Something the server can ask to close from any thread (a session).
class Closeable {
 public:
  virtual ~Closeable() = default;
  /// Starts closing; returns at once (the work is posted to the session's strand).
  virtual void shutdown() = 0;
};

/// Live sessions, so stop() can close them. Thread-safe.
class SessionRegistry {
 public:
  std::uint64_t add(std::weak_ptr<Closeable> session) {
    std::lock_guard lock(mutex_);
    const auto id = next_id_++;
    sessions_.emplace(id, std::move(session));
    if (closed_) {
      if (auto s = sessions_[id].lock()) {
        s->shutdown();
      }
    }
    return id;
  }
  void remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    sessions_.erase(id);
  }
  /// Shuts down the sessions registered now; later ones are served normally.
  void shutdown_current() {
    std::vector<std::shared_ptr<Closeable>> live;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) {
          live.push_back(std::move(s));
        }
      }
    }
    for (auto& s : live) {
      s->shutdown();
    }
  }
  /// Shuts down every registered session, and any added later.
  void close_all() {
    std::vector<std::shared_ptr<Closeable>> live;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      for (auto& [id, weak] : sessions_) {
        if (auto s = weak.lock()) {
          live.push_back(std::move(s));
        }
      }
    }
    for (auto& s : live) {
      s->shutdown();
    }
  }

 private:
  std::mutex mutex_;
  std::map<std::uint64_t, std::weak_ptr<Closeable>> sessions_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
};

}  // namespace rivet::server
