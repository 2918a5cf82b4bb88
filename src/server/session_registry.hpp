#pragma once
/// The server's live sessions, so stop() can close them, and the task group that owns every
/// coroutine the server spawns (no detached work; a failing session is logged and counted).
/// Thread-safety: every member may be called from any thread.

#include <rivet/common/task_group.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

namespace rivet::server {

/// Sessions and in-flight actions are owned by the common lifecycle primitive.
using rivet::TaskGroup;

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
